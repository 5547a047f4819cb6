// UdpSocket.recvEach, the callback mode the node's data plane reads with: the
// handler runs inside the readiness callback, a batch in use holds further
// receives, readNow receives at once, close and errors end it once, and it
// does not share the socket with recv(). Two namespaces joined by a veth, as
// the other UDP tests.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BusyError, ClosedError } from '../../src/errors.js';
import { Endpoint, UdpSocket, type UdpBatch } from '../../src/udp/index.js';
import { destroyAll, rootSkipReason, waitFor } from '../../kit/netns.js';
import { makePair, pattern, within, type Pair } from './harness.js';
import { assertInReadinessCallback, callSite } from '../helpers/call-site.js';

const skip = rootSkipReason();
let net: Pair;
before(() => {
  if (!skip) net = makePair('udpeach');
});
after(destroyAll);

interface Open {
  rx: UdpSocket;
  tx: UdpSocket;
  to: Endpoint;
}

function open(): Open {
  const rx = UdpSocket.open({ host: '198.18.50.2', gro: 'off', netns: net.b.name });
  const tx = UdpSocket.open({ host: '198.18.50.1', netns: net.a.name });
  return { rx, tx, to: Endpoint.of('198.18.50.2', rx.port) };
}

/** The first 4 bytes (the index pattern() writes) of every datagram in b. */
function indices(b: UdpBatch): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.count; i++) out.push(Buffer.from(b.datagram(i)).readUInt32BE(0));
  return out;
}

test('recvEach runs the handler inside the readiness callback, for every datagram, in order', { skip }, async () => {
  const { rx, tx, to } = open();
  try {
    const got: number[] = [];
    const stacks: string[] = [];
    rx.recvEach((b) => {
      got.push(...indices(b));
      stacks.push(callSite());
      return undefined;
    }, () => undefined);
    for (let i = 0; i < 20; i++) {
      await tx.sendTo(to, pattern(i, 100));
      // One at a time, so each arrives alone as an idle peer's would.
      await waitFor(() => got.length > i, 5000, `datagram ${i}`);
    }
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i));
    assertInReadinessCallback(stacks);
  } finally {
    rx.close();
    tx.close();
  }
});

test('while the handler\'s promise is pending no receive happens; the datagrams that came meanwhile follow in order', { skip }, async () => {
  const { rx, tx, to } = open();
  try {
    const got: number[] = [];
    let release!: () => void;
    let calls = 0;
    rx.recvEach((b) => {
      calls++;
      got.push(...indices(b));
      if (calls > 1) return undefined;
      return new Promise<void>((r) => (release = r));
    }, () => undefined);
    await tx.sendTo(to, pattern(0, 100));
    await waitFor(() => calls === 1, 5000, 'the first datagram');
    for (let i = 1; i <= 5; i++) await tx.sendTo(to, pattern(i, 100));
    // On a veth the send delivers to the receiving socket before it returns: the five wait
    // in the kernel. Several loop turns pass (the poll would fire in the first) without a call.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 1, 'no handler call while the first batch is in use');
    release();
    await waitFor(() => got.length === 6, 5000, 'the queued datagrams after release');
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
  } finally {
    rx.close();
    tx.close();
  }
});

test('readNow receives, in that call, what a peer on this host sent meanwhile; without recvEach it does nothing', { skip }, async () => {
  const { rx, tx, to } = open();
  try {
    rx.readNow();
    const got: number[] = [];
    rx.recvEach((b) => {
      got.push(...indices(b));
      return undefined;
    }, () => undefined);
    for (let i = 0; i < 3; i++) {
      // The send's syscall runs now, and over a veth the datagram is in rx's queue before it
      // returns; no readiness callback can run before this synchronous code ends.
      const sent = tx.sendTo(to, pattern(i, 100));
      assert.equal(got.length, i, 'nothing received before readNow');
      rx.readNow();
      assert.deepEqual(got, Array.from({ length: i + 1 }, (_, k) => k), 'the datagram received inside readNow');
      await sent;
    }
    rx.readNow();
    assert.equal(got.length, 3, 'an empty queue gives nothing');
  } finally {
    rx.close();
    tx.close();
  }
});

test('readNow from inside the handler does not receive over the batch in hand; the datagram waits for readiness', { skip }, async () => {
  const { rx, tx, to } = open();
  try {
    const got: number[] = [];
    let depth = 0;
    let deepest = 0;
    let heldIntact = true;
    rx.recvEach((b) => {
      depth++;
      deepest = Math.max(deepest, depth);
      const mine = indices(b);
      got.push(...mine);
      if (mine[0] === 0) {
        // Datagram 1 is queued before this send returns; receiving it now would overwrite
        // the receive buffer `b` lives in.
        void tx.sendTo(to, pattern(1, 100));
        rx.readNow();
        heldIntact = indices(b).join() === mine.join();
      }
      depth--;
      return undefined;
    }, () => undefined);
    await tx.sendTo(to, pattern(0, 100));
    await waitFor(() => got.length === 2, 5000, 'both datagrams');
    assert.deepEqual(got, [0, 1]);
    assert.equal(deepest, 1, 'the handler never ran inside itself');
    assert.ok(heldIntact, 'the batch in hand was not received over');
  } finally {
    rx.close();
    tx.close();
  }
});

test('close ends recvEach once with ClosedError; with a batch in use, only after it settles', { skip }, async () => {
  {
    const { rx, tx } = open();
    const ends: Error[] = [];
    rx.recvEach(() => undefined, (e) => ends.push(e));
    rx.close();
    tx.close();
    assert.equal(ends.length, 1);
    assert.ok(ends[0] instanceof ClosedError);
  }
  const { rx, tx, to } = open();
  const ends: Error[] = [];
  let release!: () => void;
  let batch: UdpBatch | null = null;
  rx.recvEach((b) => {
    batch = b;
    return new Promise<void>((r) => (release = r));
  }, (e) => ends.push(e));
  try {
    await tx.sendTo(to, pattern(7, 100));
    await waitFor(() => batch !== null, 5000, 'a datagram');
    rx.close();
    assert.equal(ends.length, 0, 'not ended while the batch is in use');
    assert.equal(Buffer.from(batch!.datagram(0)).readUInt32BE(0), 7, 'the batch in use is intact');
    release();
    await within(waitFor(() => ends.length === 1, 5000, 'end'), 6000, 'end');
    assert.ok(ends[0] instanceof ClosedError);
  } finally {
    rx.close();
    tx.close();
  }
});

test('recvEach and recv() do not share a socket: each refuses with BusyError while the other reads', { skip }, async () => {
  const { rx, tx } = open();
  try {
    rx.recvEach(() => undefined, () => undefined);
    await assert.rejects(rx.recv(), BusyError);
    assert.throws(() => rx.recvEach(() => undefined, () => undefined), BusyError);
  } finally {
    rx.close();
    tx.close();
  }
  const other = open();
  try {
    const pending = other.rx.recv();
    pending.catch(() => undefined);
    assert.throws(() => other.rx.recvEach(() => undefined, () => undefined), BusyError);
  } finally {
    other.rx.close();
    other.tx.close();
  }
});

test('a handler error ends recvEach with that error and no more handler calls follow', { skip }, async () => {
  const { rx, tx, to } = open();
  try {
    const ends: Error[] = [];
    let calls = 0;
    rx.recvEach(() => {
      calls++;
      throw new Error('handler broke');
    }, (e) => ends.push(e));
    await tx.sendTo(to, pattern(0, 100));
    await waitFor(() => ends.length === 1, 5000, 'end');
    assert.equal(ends[0]!.message, 'handler broke');
    for (let i = 1; i <= 3; i++) await tx.sendTo(to, pattern(i, 100));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 1);
    assert.equal(ends.length, 1);
  } finally {
    rx.close();
    tx.close();
  }
});
