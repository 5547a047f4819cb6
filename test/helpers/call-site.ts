// Where a callback ran: the tests of callback-mode reads (Queue.readEach,
// UdpSocket.recvEach) check that the handler runs inside libuv's readiness
// callback, not resumed from a promise job.
import assert from 'node:assert/strict';

/** The current stack, to hand to assertInReadinessCallback later. */
export function callSite(): string {
  return new Error('where').stack ?? '';
}

/** Each stack shows FdWatcher's readiness callback and no microtask queue. */
export function assertInReadinessCallback(stacks: readonly string[]): void {
  assert.ok(stacks.length > 0, 'the handler ran');
  for (const s of stacks) {
    assert.match(s, /onEvent/, 'the handler is called from the readiness callback');
    assert.doesNotMatch(s, /processTicksAndRejections|runMicrotasks/);
  }
}
