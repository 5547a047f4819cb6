/** The loop wait: this thread's event loop sleeps inside a JavaScript call, so a tio fd's wake-up returns into JavaScript (native/loop_wait.c). */
import { EALREADY } from '../errno.js';
import { SyscallError } from '../errors.js';
import { native } from '../native.js';

// [status, events] of the handle loopNext returns, and whether libuv's own fd
// was ready at the last loopWait; one per thread, reused every turn.
const state = new Int32Array(3);
let started = false;

/**
 * Rounds of waiting and dispatching in one loop turn while only tio's fds are
 * ready. Under load each round saves libuv's own zero-timeout epoll_wait and
 * an entry into JavaScript; promise jobs wait for the turn's end, so the
 * rounds are few. 8 against 1 (bench:latency, 4 rounds): idle p50 0.614
 * against 0.647 ms, one stream 2.35 against 2.28 Gbit/s.
 */
const MAX_ROUNDS = 8;

// Once per loop turn, from libuv's check phase: wait as long as libuv itself
// would have, run the callbacks of the fds that are ready from here, and go on
// without waiting while more of them are ready, libuv has nothing, and its
// next timer is not due.
function dispatch(timeoutMs: number): void {
  const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : 0;
  let wait = timeoutMs;
  for (let round = 1; ; round++) {
    if (native.loopWait(wait, state) <= 0) return;
    for (let cb = native.loopNext(state); cb !== undefined; cb = native.loopNext(state)) cb(state[0]!, state[1]!);
    if (state[2] !== 0 || round >= MAX_ROUNDS || timeoutMs === 0 || (deadline > 0 && performance.now() >= deadline)) return;
    wait = 0;
  }
}

/**
 * Makes the calling thread's event loop wait for tio's fds (queues, UDP
 * sockets) inside a JavaScript call instead of inside libuv. A wake-up then
 * returns from a native call into the code that handles it, where otherwise
 * libuv enters JavaScript afresh: on a cold CPU that entry costs ~35 us per
 * wake-up (docs/LATENCY.md "Waiting inside JavaScript"), paid now after the
 * packets are handled. Timers, immediates, promise jobs and every other
 * libuv source behave as before. What changes for the process: the time
 * spent waiting counts as busy in `performance.eventLoopUtilization()`, and
 * libuv's own poll no longer blocks while a tio fd is watched. Idempotent;
 * there is no way back for the thread. The `tio` command turns it on.
 */
export function waitInJavaScript(): void {
  if (started) return;
  const r = native.loopWaitStart(dispatch);
  if (r < 0 && r !== -EALREADY) throw new SyscallError('loopWaitStart', r, 'this thread');
  started = true;
}

/** Whether waitInJavaScript() was called on this thread (a node passes it on to its worker threads). */
export function waitingInJavaScript(): boolean {
  return started;
}
