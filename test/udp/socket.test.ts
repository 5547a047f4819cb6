// UdpSocket between two namespaces: sendmmsg to several peers, SO_REUSEPORT,
// refused sends that leave the socket working, kernel drop reporting, close
// waking a pending recv and a send waiting on a full socket buffer, no fd leaks.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ClosedError, OptionError } from '../../src/errors.js';
import { Endpoint, SendBatch, UdpBindError, UdpSendError, UdpSocket } from '../../src/udp/index.js';
import * as Errno from '../../src/errno.js';
import { destroyAll, rootSkipReason } from '../../kit/netns.js';
import { tryRun } from '../../kit/run.js';
import { collect, makePair, pattern, within, type Pair } from './harness.js';

const skip = rootSkipReason();
const tcSkip = skip ?? (tryRun('tc', ['-V'], { timeoutMs: 5000 }) === undefined ? 'tc (iproute2) not available' : undefined);
let net: Pair;
before(() => {
  if (!skip) net = makePair('udpsock');
});
after(destroyAll);

const fdCount = (): number => readdirSync('/proc/self/fd').length;
const WORKER = new URL('./udp-worker.js', import.meta.url);

test('sendBatch delivers each message to its own peer, plain and GSO runs mixed, in order', { skip }, async () => {
  const r1 = UdpSocket.open({ host: '198.18.50.2', netns: net.b.name });
  const r2 = UdpSocket.open({ host: '198.18.50.3', gro: 'off', netns: net.b.name });
  const tx = UdpSocket.open({ host: '198.18.50.1', netns: net.a.name });
  try {
    const p1 = Endpoint.of('198.18.50.2', r1.port);
    const p2 = Endpoint.of('198.18.50.3', r2.port);
    const want1: Buffer[] = [];
    const want2: Buffer[] = [];
    const chunks: Buffer[] = [];
    const batch = new SendBatch(8);
    let at = 0;
    const put = (peer: Endpoint, parts: Buffer[], seg: number): void => {
      const buf = Buffer.concat(parts);
      chunks.push(buf);
      if (seg) batch.addSegments(peer, at, buf.length, seg);
      else batch.add(peer, at, buf.length);
      at += buf.length;
      (peer === p1 ? want1 : want2).push(...parts);
    };
    for (let round = 0; round < 6; round++) {
      put(p1, [pattern(round, 300 + round, 1)], 0);
      put(p2, Array.from({ length: 10 }, (_, i) => pattern(100 * round + i, 1000, 2)), 1000);
      put(p2, [pattern(round, 77, 3)], 0);
      put(p1, Array.from({ length: 5 }, (_, i) => pattern(50 * round + i, 1400, 4)), 1400);
    }
    const sent = await tx.sendBatch(Buffer.concat(chunks), batch);
    assert.equal(sent, batch.count);
    assert.equal(batch.failed, 0);
    const [got1, got2] = await Promise.all([collect(r1, want1.length), collect(r2, want2.length)]);
    assert.deepEqual(got1.map((g) => g.data), want1);
    assert.deepEqual(got2.map((g) => g.data), want2);
    const s = tx.stats();
    assert.equal(s.txDatagrams, want1.length + want2.length);
    assert.equal(s.txGsoSends, 12);
    assert.equal(s.txSyscalls, 1, 'one sendmmsg for all 24 messages');
  } finally {
    r1.close();
    r2.close();
    tx.close();
  }
});

test('a socket bound to "::" is dual-stack: IPv4 peers arrive as family-4 Endpoints and are reached by sendTo and sendBatch', { skip }, async () => {
  const dual = UdpSocket.open({ host: '::', netns: net.b.name });
  const v4 = UdpSocket.open({ host: '198.18.50.1', gro: 'off', netns: net.a.name });
  const v6 = UdpSocket.open({ host: 'fd00:50::1', gro: 'off', netns: net.a.name });
  try {
    assert.equal(dual.dualStack, true);
    await v4.sendTo(Endpoint.of('198.18.50.2', dual.port), pattern(1, 64));
    await v6.sendTo(Endpoint.of('fd00:50::2', dual.port), pattern(2, 64));
    const got = await collect(dual, 2);
    const from4 = got.find((g) => g.from.family === 4);
    assert.ok(from4, `an IPv4 sender, got ${got.map((g) => g.from.key).join(', ')}`);
    assert.equal(from4.from.key, `198.18.50.1:${v4.port}`, 'the mapped address is reported as plain IPv4');
    assert.ok(got.some((g) => g.from.key === `[fd00:50::1]:${v6.port}`), 'IPv6 senders stay IPv6');
    // Replies to the plain IPv4 Endpoint, one datagram and a batch mixing both families.
    await dual.sendTo(Endpoint.of('198.18.50.1', v4.port), pattern(3, 64));
    const batch = new SendBatch(4);
    const buf = Buffer.concat([pattern(4, 64), pattern(5, 64)]);
    batch.add(Endpoint.of('198.18.50.1', v4.port), 0, 64);
    batch.add(Endpoint.of('fd00:50::1', v6.port), 64, 64);
    assert.equal(await dual.sendBatch(buf, batch), 2);
    assert.deepEqual((await collect(v4, 2)).map((g) => [g.from.key, g.data]), [
      [`198.18.50.2:${dual.port}`, pattern(3, 64)], [`198.18.50.2:${dual.port}`, pattern(4, 64)],
    ]);
    assert.deepEqual((await collect(v6, 1)).map((g) => g.data), [pattern(5, 64)]);
    assert.equal(dual.stats().txErrors, 0);
  } finally {
    dual.close();
    v4.close();
    v6.close();
  }
});

test('an IPv6 socket bound to an address is IPv6-only, and dualStack is refused for it', { skip }, async () => {
  assert.throws(() => UdpSocket.open({ host: 'fd00:50::2', dualStack: true, netns: net.b.name }), (e: unknown) => e instanceof OptionError && /dualStack/.test(e.message));
  assert.throws(() => UdpSocket.open({ host: '0.0.0.0', dualStack: true, netns: net.b.name }), OptionError);
  const only6 = UdpSocket.open({ host: '::', dualStack: false, netns: net.b.name });
  try {
    assert.equal(only6.dualStack, false);
    await assert.rejects(only6.sendTo(Endpoint.of('198.18.50.1', 9), pattern(1, 8)), (e: unknown) => e instanceof UdpSendError && e.errno === Errno.EAFNOSUPPORT);
  } finally {
    only6.close();
  }
});

test('receiveBufferBytes and sendBufferBytes size each direction on their own (listen.read_buffer / write_buffer)', { skip }, () => {
  const s = UdpSocket.open({ host: '198.18.50.2', receiveBufferBytes: 1 << 20, sendBufferBytes: 256 << 10, netns: net.b.name });
  try {
    // The kernel reports twice the request (its bookkeeping share).
    assert.equal(s.receiveBufferBytes, 2 << 20);
    assert.equal(s.sendBufferBytes, 512 << 10);
  } finally {
    s.close();
  }
  assert.throws(() => UdpSocket.open({ receiveBufferBytes: -1 }), (e: unknown) => e instanceof OptionError && /receiveBufferBytes/.test(e.message));
});

test('SO_REUSEPORT lets two sockets share a port; without it the bind is refused with UdpBindError', { skip }, async () => {
  const s1 = UdpSocket.open({ host: '198.18.50.2', reusePort: true, netns: net.b.name });
  const s2 = UdpSocket.open({ host: '198.18.50.2', port: s1.port, reusePort: true, netns: net.b.name });
  const senders: UdpSocket[] = [];
  try {
    assert.equal(s2.port, s1.port);
    assert.throws(
      () => UdpSocket.open({ host: '198.18.50.2', port: s1.port, netns: net.b.name }),
      (e: unknown) => e instanceof UdpBindError && e.errno === Errno.EADDRINUSE && e.code === 'ERR_TIO_UDP_BIND',
    );
    // 16 source ports: the kernel spreads flows over both sockets by hash; together they get all.
    const to = Endpoint.of('198.18.50.2', s1.port);
    for (let i = 0; i < 16; i++) {
      const tx = UdpSocket.open({ host: '198.18.50.1', netns: net.a.name });
      senders.push(tx);
      await tx.sendTo(to, pattern(i, 64));
    }
    const [a, b] = await Promise.all([collect(s1, 16, 1000), collect(s2, 16, 1000)]);
    assert.equal(a.length + b.length, 16);
    assert.deepEqual([...a, ...b].map((g) => g.data.readUInt32BE(0)).sort((x, y) => x - y), [...Array(16).keys()]);
  } finally {
    s1.close();
    s2.close();
    for (const s of senders) s.close();
  }
});

test('refused sends reject with typed errors and the socket keeps working', { skip }, async () => {
  const rx = UdpSocket.open({ host: '198.18.50.2', gro: 'off', netns: net.b.name });
  const tx = UdpSocket.open({ host: '198.18.50.1', netns: net.a.name });
  try {
    const to = Endpoint.of('198.18.50.2', rx.port);
    const big = Buffer.alloc(70_000, 0x5a);
    await assert.rejects(tx.sendTo(to, big), (e: unknown) => e instanceof UdpSendError && e.errno === Errno.EMSGSIZE && e.peer === to.key);
    await assert.rejects(tx.sendTo(Endpoint.of('fd00:50::2', rx.port), big, 0, 10), (e: unknown) => e instanceof UdpSendError && e.errno === Errno.EAFNOSUPPORT);
    await assert.rejects(tx.sendTo(to, big, 69_999, 10), OptionError);
    await assert.rejects(tx.sendSegments(to, big, 0, 100, -1), OptionError);
    const batch = new SendBatch();
    batch.add(to, 0, 10);
    batch.add(to, 0, 66_000);
    batch.add(to, 10, 20);
    assert.equal(await tx.sendBatch(big, batch), 2);
    assert.equal(batch.failed, 1);
    assert.equal(batch.lastError?.errno, Errno.EMSGSIZE);
    await tx.sendTo(to, pattern(7, 100));
    const got = await collect(rx, 3);
    assert.deepEqual(got.map((g) => g.data), [big.subarray(0, 10), big.subarray(10, 30), pattern(7, 100)]);
    assert.equal(tx.stats().txErrors, 3);
  } finally {
    rx.close();
    tx.close();
  }
});

test('kernel drops on a full receive buffer are reported (SO_RXQ_OVFL)', { skip }, async () => {
  const rx = UdpSocket.open({ host: '198.18.50.2', gro: 'off', bufferBytes: 4096, netns: net.b.name });
  const tx = UdpSocket.open({ host: '198.18.50.1', netns: net.a.name });
  try {
    const to = Endpoint.of('198.18.50.2', rx.port);
    const buf = Buffer.alloc(200 * 1000, 1);
    await tx.sendSegments(to, buf, 0, buf.length, 1000);
    const got = await collect(rx, 200, 300);
    assert.ok(got.length > 0 && got.length < 200, `${got.length} of 200 fit a 4 KiB buffer`);
    // The kernel stamps its drop count on datagrams queued after the drops.
    await tx.sendTo(to, buf, 0, 10);
    assert.equal((await collect(rx, 1)).length, 1);
    assert.equal(rx.stats().rxKernelDrops, 200 - got.length);
  } finally {
    rx.close();
    tx.close();
  }
});

test('close wakes a pending recv with ClosedError; later calls reject too', { skip }, async () => {
  const rx = UdpSocket.open({ host: '198.18.50.2', netns: net.b.name });
  const pending = rx.recv();
  setTimeout(() => rx.close(), 20);
  await within(assert.rejects(pending, ClosedError), 3000, 'close wake-up');
  await assert.rejects(rx.recv(), ClosedError);
  await assert.rejects(rx.sendTo(Endpoint.of('198.18.50.1', 9), Buffer.alloc(1)), ClosedError);
  rx.close();
  assert.equal(rx.isClosed, true);
  assert.equal(rx.fileDescriptor, -1);
});

test('the recv() that close rejects frees the receive buffer at once: the last batch is empty', { skip }, async () => {
  const rx = UdpSocket.open({ host: '198.18.50.2', gro: 'off', netns: net.b.name });
  const tx = UdpSocket.open({ host: '198.18.50.1', netns: net.a.name });
  try {
    await tx.sendTo(Endpoint.of('198.18.50.2', rx.port), pattern(3, 200));
    const batch = await within(rx.recv(), 3000, 'datagram');
    assert.ok(batch.buf.byteLength > 0);
    rx.close();
    assert.ok(batch.buf.byteLength > 0, 'close alone leaves the last batch readable');
    await assert.rejects(rx.recv(), ClosedError);
    assert.equal(batch.buf.byteLength, 0, 'released by the rejected recv(), not left to GC');
  } finally {
    rx.close();
    tx.close();
  }
});

test('a full socket buffer (EAGAIN behind a slow qdisc) makes sends wait, in order, without loss; close rejects a waiting send', { skip: tcSkip, timeout: 30_000 }, async () => {
  const slow = makePair('udpslow');
  // 50 Mbit/s on a's side: queued datagrams hold the sender's small buffer until they leave.
  slow.a.exec('tc', ['qdisc', 'add', 'dev', slow.aIf, 'root', 'tbf', 'rate', '50mbit', 'burst', '16kb', 'limit', '4mb']);
  const rx = UdpSocket.open({ host: '198.18.50.2', gro: 'off', bufferBytes: 8 << 20, netns: slow.b.name });
  const tx = UdpSocket.open({ host: '198.18.50.1', bufferBytes: 16384, netns: slow.a.name });
  try {
    const to = Endpoint.of('198.18.50.2', rx.port);
    const N = 300;
    const parts = Array.from({ length: N }, (_, i) => pattern(i, 1200, 9));
    const buf = Buffer.concat(parts);
    const batch = new SendBatch();
    for (let i = 0; i < N; i++) batch.add(to, i * 1200, 1200);
    const receiving = collect(rx, N + 1, 10_000);
    const sent = tx.sendBatch(buf, batch);
    const tail = pattern(N, 33, 9);
    const after = tx.sendTo(to, tail);
    assert.equal(await within(sent, 10_000, 'batch'), N);
    await within(after, 10_000, 'queued send');
    const got = await receiving;
    assert.deepEqual(got.map((g) => g.data), [...parts, tail]);
    assert.ok(tx.stats().txWaits > 0, 'the sender had to wait');

    slow.a.exec('tc', ['qdisc', 'change', 'dev', slow.aIf, 'root', 'tbf', 'rate', '100kbit', 'burst', '16kb', 'limit', '4mb']);
    const stuck = tx.sendBatch(buf, batch);
    await new Promise((r) => setTimeout(r, 50));
    tx.close();
    await within(assert.rejects(stuck, ClosedError), 3000, 'close of a waiting send');
  } finally {
    rx.close();
    tx.close();
    slow.a.destroy();
    slow.b.destroy();
  }
});

test('one SO_REUSEPORT socket per worker thread: together they receive everything, terminate() leaves no fd behind', { skip, timeout: 30_000 }, async () => {
  const before = fdCount();
  const start = (port: number): { w: Worker; ready: Promise<number> } => {
    const w = new Worker(WORKER, { workerData: { netns: net.b.name, host: '198.18.50.2', port } });
    const ready = new Promise<number>((resolve, reject) => {
      w.once('error', reject);
      w.on('message', (m: { type: string; port?: number }) => {
        if (m.type === 'ready') resolve(m.port!);
      });
    });
    return { w, ready };
  };
  const first = start(0);
  const port = await within(first.ready, 10_000, 'worker 1');
  const second = start(port);
  await within(second.ready, 10_000, 'worker 2');
  const seen: number[] = [];
  for (const { w } of [first, second]) w.on('message', (m: { type: string; seq?: number }) => m.type === 'datagram' && seen.push(m.seq!));
  const senders: UdpSocket[] = [];
  try {
    for (let i = 0; i < 16; i++) {
      const tx = UdpSocket.open({ host: '198.18.50.1', netns: net.a.name });
      senders.push(tx);
      await tx.sendTo(Endpoint.of('198.18.50.2', port), pattern(i, 32));
    }
    const deadline = Date.now() + 5000;
    while (seen.length < 16 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen.sort((x, y) => x - y), [...Array(16).keys()]);
  } finally {
    for (const s of senders) s.close();
    await Promise.all([first.w.terminate(), second.w.terminate()]);
  }
  assert.equal(fdCount(), before);
});

test('100 open/close cycles (GRO, GSO, a pending recv every 10th) leave the fd count unchanged', { skip, timeout: 30_000 }, async () => {
  const before = fdCount();
  for (let i = 0; i < 100; i++) {
    const s = UdpSocket.open({ host: i % 2 ? 'fd00:50::2' : '198.18.50.2', reusePort: i % 3 === 0, netns: net.b.name });
    if (i % 10 === 0) {
      const p = s.recv();
      s.close();
      await assert.rejects(p, ClosedError);
    }
    s.close();
  }
  assert.equal(fdCount(), before);
});
