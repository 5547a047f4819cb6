// A queue whose fd is closed behind its back (native close of its fd number)
// fails every read and write with ClosedError and shuts itself down: a read
// pending at that moment wakes instead of waiting forever, an idle queue finds
// out on its next call, and the process neither crashes nor closes the number
// a second time (it may be someone else's by then).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { fstatSync, openSync, closeSync } from 'node:fs';
import { ClosedError, TunDevice, type Queue } from '../../src/index.js';
import { native } from '../../src/native.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { icmpEchoV4 } from '../../kit/packet.js';

const skip = rootSkipReason();
let ns: Netns;
before(() => {
  if (skip) return;
  ns = Netns.create('sebadf');
  // No IPv6: router solicitations would be read instead of the echo reply.
  ns.disableIpv6();
});
after(destroyAll);

const LOCAL = '198.18.98.1';
const PEER = '198.18.98.2';

/** Rejects with ClosedError within 5 s, or fails the test. */
async function closedWithin(p: Promise<unknown>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    p.then(() => 'resolved', (e: unknown) => e),
    new Promise((r) => (timer = setTimeout(() => r('still pending after 5 s'), 5000))),
  ]).finally(() => clearTimeout(timer));
  assert.ok(outcome instanceof ClosedError, `${what}: ${String(outcome)}`);
  assert.equal(outcome.code, 'ERR_TIO_CLOSED');
}

/** An open device whose queue has just read an echo reply (so its last drain ended at EAGAIN). */
async function afterOneRead(name: string): Promise<{ d: TunDevice; q: Queue }> {
  const d = TunDevice.open({ name, netns: ns.name, addresses: [`${LOCAL}/24`], gro: false });
  const q = d.queues[0]!;
  await q.write(icmpEchoV4(PEER, LOCAL, 0xbad, 1));
  const batch = await q.read();
  assert.equal(batch.length, 1);
  return { d, q };
}

test('a read pending when the fd is closed behind the queue rejects with ClosedError, and the queue is closed', { skip, timeout: 30_000 }, async () => {
  const d = TunDevice.open({ name: 'tsebadf0', netns: ns.name, addresses: [`${LOCAL}/24`], gro: false });
  const q = d.queues[0]!;
  try {
    const pending = q.read();
    // Let the read reach its poll wait first.
    await new Promise((r) => setImmediate(r));
    assert.equal(native.closeFd(q.fileDescriptor), 0);
    await closedWithin(pending, 'the pending read');
    assert.equal(q.isClosed, true);
    await closedWithin(q.write(icmpEchoV4(PEER, LOCAL, 0xbad, 2)), 'a later write');
  } finally {
    d.close();
  }
});

test('an idle queue whose fd was closed behind it: the next read, at once or a loop turn later, and the next write reject with ClosedError', { skip, timeout: 30_000 }, async () => {
  for (const when of ['at once', 'a turn later'] as const) {
    const { d, q } = await afterOneRead('tsebadf1');
    try {
      assert.equal(native.closeFd(q.fileDescriptor), 0);
      if (when === 'a turn later') await new Promise((r) => setImmediate(r));
      await closedWithin(q.read(), `read ${when}`);
      assert.equal(q.isClosed, true, when);
      await closedWithin(q.write(icmpEchoV4(PEER, LOCAL, 0xbad, 3)), `write ${when}`);
    } finally {
      d.close();
    }
  }
  // Writes find out first too.
  const { d, q } = await afterOneRead('tsebadf2');
  try {
    assert.equal(native.closeFd(q.fileDescriptor), 0);
    await closedWithin(q.write(icmpEchoV4(PEER, LOCAL, 0xbad, 4)), 'the first write');
    assert.equal(q.isClosed, true);
    await closedWithin(q.read(), 'a later read');
  } finally {
    d.close();
  }
});

test('the queue does not close its old fd number again: a file that took the number meanwhile stays open', { skip, timeout: 30_000 }, async () => {
  const { d, q } = await afterOneRead('tsebadf3');
  let other = -1;
  try {
    const fd = q.fileDescriptor;
    assert.equal(native.closeFd(fd), 0);
    // The kernel hands out the lowest free number: open until the closed one is taken (bounded).
    const spare: number[] = [];
    for (let i = 0; i < 64 && other !== fd; i++) {
      const f = openSync('/dev/null', 'r');
      if (f === fd) other = f;
      else spare.push(f);
    }
    for (const f of spare) closeSync(f);
    assert.equal(other, fd, 'the number was reused');
    // A read on the number now hits /dev/null (end of file: nothing read) and the write gets EBADF (read-only).
    await closedWithin(q.write(icmpEchoV4(PEER, LOCAL, 0xbad, 5)), 'the write');
    assert.doesNotThrow(() => fstatSync(other), 'the other file is still open');
  } finally {
    d.close();
    if (other >= 0) closeSync(other);
  }
});
