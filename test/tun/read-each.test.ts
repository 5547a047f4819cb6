// Queue.readEach, the callback mode the node's data plane reads the TUN with:
// the handler runs inside the readiness callback, a batch in use holds further
// reads, close ends it once (after a batch in use settles). The pending
// packets are the kernel's echo replies to requests written to the queue.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BusyError, ClosedError, TunDevice, type Packet } from '../../src/index.js';
import { Netns, destroyAll, rootSkipReason, waitFor } from '../../kit/netns.js';
import { icmpEchoV4 } from '../../kit/packet.js';
import { assertInReadinessCallback, callSite } from '../helpers/call-site.js';

const skip = rootSkipReason();
let ns: Netns;
before(() => {
  if (skip) return;
  ns = Netns.create('treach');
  // No IPv6: router solicitations and MLD reports would add packets of their own.
  ns.disableIpv6();
});
after(destroyAll);

const LOCAL = '198.18.93.1';
const PEER = '198.18.93.2';
const ECHO_ID = 0x7e57;

/** The sequence numbers of the echo replies in a batch. */
function seqs(batch: readonly Packet[]): number[] {
  return batch.map((p) => p.buf.readUInt16BE(p.off + (p.buf[p.off]! & 0x0f) * 4 + 6));
}

test('readEach runs the handler inside the readiness callback, once per reply, in order', { skip, timeout: 30_000 }, async () => {
  const d = TunDevice.open({ name: 'treach0', netns: ns.name, addresses: [`${LOCAL}/24`], gro: false });
  try {
    const q = d.queues[0]!;
    const got: number[] = [];
    const stacks: string[] = [];
    q.readEach((batch) => {
      got.push(...seqs(batch));
      stacks.push(callSite());
      return undefined;
    }, () => undefined);
    for (let seq = 0; seq < 10; seq++) {
      await q.write(icmpEchoV4(PEER, LOCAL, ECHO_ID, seq, 16));
      await waitFor(() => got.length > seq, 5000, `reply ${seq}`);
    }
    assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => i));
    assertInReadinessCallback(stacks);
    await assert.rejects(q.read(), BusyError);
  } finally {
    d.close();
  }
});

test('a batch in use holds further reads; close then ends readEach once, after it settles', { skip, timeout: 30_000 }, async () => {
  const d = TunDevice.open({ name: 'treach1', netns: ns.name, addresses: [`${LOCAL}/24`], gro: false });
  const q = d.queues[0]!;
  const ends: Error[] = [];
  try {
    let release!: () => void;
    let first: Packet[] | null = null;
    let calls = 0;
    q.readEach((batch) => {
      calls++;
      first ??= batch;
      return new Promise<void>((r) => (release = r));
    }, (e) => ends.push(e));
    await q.write(icmpEchoV4(PEER, LOCAL, ECHO_ID, 0, 16));
    await waitFor(() => calls === 1, 5000, 'the first reply');
    // The kernel queues each reply on the TUN before the write returns.
    for (let seq = 1; seq <= 3; seq++) await q.write(icmpEchoV4(PEER, LOCAL, ECHO_ID, seq, 16));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 1, 'no handler call while the first batch is in use');
    d.close();
    assert.equal(ends.length, 0, 'not ended while the batch is in use');
    assert.deepEqual(seqs(first!), [0], 'the batch in use is intact');
    release();
    await waitFor(() => ends.length === 1, 5000, 'end');
    assert.ok(ends[0] instanceof ClosedError);
    assert.equal(calls, 1);
  } finally {
    d.close();
  }
});

test('readNow reads, in that call, what the kernel queued during our own write; without readEach it does nothing', { skip, timeout: 30_000 }, async () => {
  const d = TunDevice.open({ name: 'treach3', netns: ns.name, addresses: [`${LOCAL}/24`], gro: false });
  try {
    const q = d.queues[0]!;
    q.readNow();
    const got: number[] = [];
    q.readEach((batch) => {
      got.push(...seqs(batch));
      return undefined;
    }, () => undefined);
    for (let seq = 0; seq < 3; seq++) {
      // The write's syscall runs now, and the kernel queues its echo reply before it returns;
      // no readiness callback can run before this synchronous code ends.
      const wrote = q.write(icmpEchoV4(PEER, LOCAL, ECHO_ID, seq, 16));
      assert.equal(got.length, seq, 'nothing read before readNow');
      q.readNow();
      assert.deepEqual(got, Array.from({ length: seq + 1 }, (_, i) => i), 'the reply read inside readNow');
      await wrote;
    }
    q.readNow();
    assert.equal(got.length, 3, 'an empty queue gives nothing');
  } finally {
    d.close();
  }
});

test('readNow from inside the handler does not read over the batch in hand; the reply waits for readiness', { skip, timeout: 30_000 }, async () => {
  const d = TunDevice.open({ name: 'treach4', netns: ns.name, addresses: [`${LOCAL}/24`], gro: false });
  try {
    const q = d.queues[0]!;
    const got: number[] = [];
    let depth = 0;
    let deepest = 0;
    let heldIntact = true;
    q.readEach((batch) => {
      depth++;
      deepest = Math.max(deepest, depth);
      const mine = seqs(batch);
      got.push(...mine);
      if (mine[0] === 0) {
        // The kernel queues the reply to seq 1 inside this write; reading it
        // now would overwrite the receive buffer `batch` lives in.
        void q.write(icmpEchoV4(PEER, LOCAL, ECHO_ID, 1, 16));
        q.readNow();
        heldIntact = seqs(batch).join() === mine.join();
      }
      depth--;
      return undefined;
    }, () => undefined);
    await q.write(icmpEchoV4(PEER, LOCAL, ECHO_ID, 0, 16));
    await waitFor(() => got.length === 2, 5000, 'both replies');
    assert.deepEqual(got, [0, 1]);
    assert.equal(deepest, 1, 'the handler never ran inside itself');
    assert.ok(heldIntact, 'the batch in hand was not read over');
  } finally {
    d.close();
  }
});

test('a close from inside the handler ends readEach only after the handler returns', { skip, timeout: 30_000 }, async () => {
  const d = TunDevice.open({ name: 'treach5', netns: ns.name, addresses: [`${LOCAL}/24`], gro: false });
  const q = d.queues[0]!;
  const ends: Error[] = [];
  let endedInside: boolean | null = null;
  try {
    q.readEach(() => {
      d.close();
      endedInside = ends.length > 0;
      return undefined;
    }, (e) => ends.push(e));
    await q.write(icmpEchoV4(PEER, LOCAL, ECHO_ID, 0, 16)).catch(() => undefined);
    await waitFor(() => ends.length === 1, 5000, 'end');
    assert.equal(endedInside, false, 'onEnd ran while the handler still held the batch');
    assert.ok(ends[0] instanceof ClosedError);
  } finally {
    d.close();
  }
});
