/** The loop wait: this thread's event loop sleeps inside a JavaScript call, so a tio fd's wake-up returns into JavaScript (native/loop_wait.c). */
import { EALREADY } from '../errno.js';
import { SyscallError } from '../errors.js';
import { native } from '../native.js';

// [status, events] of the handle loopNext returns; one per thread, reused every turn.
const state = new Int32Array(2);
let started = false;

// Once per loop turn, from libuv's check phase: wait as long as libuv itself
// would have, then run the callbacks of the fds that are ready. Returning ends
// the turn: promise jobs run, then libuv's own poll phase takes whatever woke
// it. Going on with more zero-timeout waits in the same call while tio's fds
// stayed ready was tried and not kept (docs/LATENCY.md "Waiting inside
// JavaScript"): it cost CPU under a stream, and idle latency moved within the
// spread of runs.
function dispatch(timeoutMs: number): void {
  // At most one loopNext per ready handle: the one that would find none left is a native call saved.
  for (let n = native.loopWait(timeoutMs); n > 0; n--) {
    const cb = native.loopNext(state);
    if (cb === undefined) return;
    cb(state[0]!, state[1]!);
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
