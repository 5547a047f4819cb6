/** The loop wait: this thread's event loop sleeps inside a JavaScript call, so a tio fd's wake-up returns into JavaScript (native/loop_wait.c). */
import { EALREADY } from '../errno.js';
import { SyscallError } from '../errors.js';
import { native } from '../native.js';

// [status, events] of the handle loopNext returns; one per thread, reused every turn.
const ready = new Int32Array(2);
let started = false;

// Once per loop turn, from libuv's check phase: wait as long as libuv itself
// would have, then run the callbacks of the fds that are ready, from here.
function dispatch(timeoutMs: number): void {
  if (native.loopWait(timeoutMs) <= 0) return;
  for (let cb = native.loopNext(ready); cb !== undefined; cb = native.loopNext(ready)) cb(ready[0]!, ready[1]!);
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
