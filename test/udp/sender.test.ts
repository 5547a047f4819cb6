// The sender against a scripted kernel: GSO refusals and the fallback, EAGAIN
// waits that resume without loss or duplicates and keep order, refused
// messages skipped with a typed error, close during a wait. No sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedError, OptionError, type TioError } from '../../src/errors.js';
import { Endpoint, SendBatch, SOCKADDR_SLOT_BYTES, UdpSendError } from '../../src/udp/index.js';
import * as Errno from '../../src/errno.js';
import { SEND_META } from '../../src/udp/constants.js';
import { UdpCounters } from '../../src/udp/counters.js';
import { Sender, type SendHost, type SendSyscalls } from '../../src/udp/sender.js';
import { pattern } from './harness.js';

/** Accepts rows like Linux does (whole rows or nothing), with knobs for GSO refusal and EAGAIN. */
class FakeKernel implements SendSyscalls {
  /** Datagrams taken, in order. */
  readonly wire: { to: string; data: Buffer }[] = [];
  /** Rows offered with UDP_SEGMENT. */
  gsoAttempts = 0;
  /** errno for rows with UDP_SEGMENT (0: accept them). */
  gsoErrno = 0;
  /** Datagrams the socket buffer takes before EAGAIN. */
  room = Infinity;

  udpSendSegments(_fd: number, addr: Uint8Array, buf: Uint8Array, off: number, len: number, seg: number): number {
    const r = this.row(addr, 0, buf, off, len, seg);
    return r < 0 ? r : len;
  }

  udpSendBatch(_fd: number, buf: Uint8Array, meta: Int32Array, addrs: Uint8Array, first: number, count: number): number {
    for (let i = first; i < first + Math.min(count, 128); i++) {
      const b = i * SEND_META;
      const r = this.row(addrs, meta[b + 3]!, buf, meta[b]!, meta[b + 1]!, meta[b + 2]!);
      if (r < 0) return i > first ? i - first : r;
    }
    return Math.min(count, 128);
  }

  private row(addrs: Uint8Array, slot: number, buf: Uint8Array, off: number, len: number, seg: number): number {
    if ((seg || len) > 65507) return -Errno.EMSGSIZE;
    const multi = seg > 0 && len > seg;
    if (multi) {
      this.gsoAttempts++;
      if (this.gsoErrno) return -this.gsoErrno;
    }
    const n = multi ? Math.ceil(len / seg) : 1;
    if (this.room < n) return -Errno.EAGAIN;
    this.room -= n;
    const to = Endpoint.fromSockaddr(addrs, slot * SOCKADDR_SLOT_BYTES).key;
    const step = multi ? seg : len;
    for (let at = 0; at < len || (len === 0 && at === 0); at += step || 1) {
      this.wire.push({ to, data: Buffer.from(buf.subarray(off + at, off + Math.min(len, at + step))) });
    }
    return 0;
  }
}

class FakeHost implements SendHost {
  closed: TioError | null = null;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  fd(): number {
    return 3;
  }
  closedError(): TioError | null {
    return this.closed;
  }
  writable(): Promise<void> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
  lost(): TioError {
    return (this.closed = new ClosedError('fake'));
  }
  get waiting(): number {
    return this.waiters.length;
  }
  /** The socket became writable. */
  wake(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
  }
  close(): void {
    this.closed = new ClosedError('fake');
    for (const w of this.waiters.splice(0)) w.reject(this.closed);
  }
}

const P1 = Endpoint.of('198.18.0.2', 4242);
const P2 = Endpoint.of('198.18.0.3', 4243);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(gso = true): { k: FakeKernel; h: FakeHost; c: UdpCounters; s: Sender } {
  const k = new FakeKernel();
  const h = new FakeHost();
  const c = new UdpCounters();
  return { k, h, c, s: new Sender(h, 4, false, gso, c, k) };
}

function runOf(n: number, size: number, last = size): { buf: Buffer; parts: Buffer[] } {
  const parts = Array.from({ length: n }, (_, i) => pattern(i, i === n - 1 ? last : size));
  return { buf: Buffer.concat(parts), parts };
}

test('EIO on a GSO send: the run goes out datagram by datagram and GSO stays off afterwards', async () => {
  const { k, c, s } = setup();
  k.gsoErrno = Errno.EIO;
  const { buf, parts } = runOf(40, 1200, 300);
  await s.sendSegments(P1, buf, 0, buf.length, 1200);
  assert.deepEqual(k.wire.map((w) => w.data), parts);
  assert.equal(s.gso, false);
  assert.equal(c.txGsoFallbacks, 1);
  assert.equal(k.gsoAttempts, 1);
  await s.sendSegments(P1, buf, 0, buf.length, 1200);
  assert.equal(k.gsoAttempts, 1, 'not tried again');
  assert.equal(k.wire.length, 80);
  assert.deepEqual([c.txDatagrams, c.txBytes, c.txErrors, c.txGsoSends], [80, 2 * buf.length, 0, 0]);
});

test('EMSGSIZE on a GSO send (segments above the MTU) splits that run only', async () => {
  const { k, c, s } = setup();
  k.gsoErrno = Errno.EMSGSIZE;
  const { buf, parts } = runOf(3, 2000);
  await s.sendSegments(P1, buf, 0, buf.length, 2000);
  assert.deepEqual(k.wire.map((w) => w.data), parts);
  assert.equal(s.gso, true);
  assert.equal(c.txGsoFallbacks, 1);
  k.gsoErrno = 0;
  await s.sendSegments(P1, buf, 0, buf.length, 1000);
  assert.equal(c.txGsoSends, 1);
});

test('EAGAIN mid-batch waits for writability, resumes where it stopped, and later sends queue behind it', async () => {
  const { k, h, c, s } = setup();
  k.room = 10;
  const { buf, parts } = runOf(30, 100);
  const batch = new SendBatch(4);
  for (let i = 0; i < 30; i++) batch.add(i % 3 ? P1 : P2, i * 100, 100);
  const first = s.sendBatch(buf, batch);
  const extra = pattern(99, 50);
  const second = s.sendSegments(P2, extra, 0, extra.length, 0);
  await tick();
  assert.equal(k.wire.length, 10);
  assert.equal(h.waiting, 1);
  assert.equal(s.pending, true);
  k.room = 15;
  h.wake();
  await tick();
  assert.equal(k.wire.length, 25);
  k.room = Infinity;
  h.wake();
  assert.equal(await first, 30);
  await second;
  assert.deepEqual(k.wire.map((w) => w.data), [...parts, extra], 'nothing lost, duplicated or reordered');
  assert.deepEqual(k.wire.slice(0, 30).map((w) => w.to), parts.map((_, i) => (i % 3 ? P1 : P2).key));
  assert.equal(c.txWaits, 2);
  assert.equal(batch.sent, 30);
  assert.equal(s.pending, false);
});

test('EAGAIN in the middle of a datagram-by-datagram run resumes without duplicates', async () => {
  const { k, h, s } = setup(false);
  k.room = 7;
  const { buf, parts } = runOf(40, 1200);
  const p = s.sendSegments(P1, buf, 0, buf.length, 1200);
  await tick();
  assert.equal(k.wire.length, 7);
  k.room = Infinity;
  h.wake();
  await p;
  assert.deepEqual(k.wire.map((w) => w.data), parts);
});

test('a refused message in a batch is skipped with a typed error; the rest go out', async () => {
  const { k, c, s } = setup();
  const buf = Buffer.alloc(70_000, 1);
  const batch = new SendBatch();
  batch.add(P1, 0, 100);
  batch.add(P2, 0, 70_000);
  batch.add(P1, 100, 100);
  assert.equal(await s.sendBatch(buf, batch), 2);
  assert.equal(batch.failed, 1);
  assert.ok(batch.lastError instanceof UdpSendError);
  assert.equal(batch.lastError.errno, Errno.EMSGSIZE);
  assert.equal(batch.lastError.peer, P2.key);
  assert.equal(batch.lastError.code, 'ERR_TIO_UDP_SEND');
  assert.equal(k.wire.length, 2);
  assert.equal(c.txErrors, 1);
  await assert.rejects(s.sendSegments(P1, buf, 0, 70_000, 0), UdpSendError);
  await assert.rejects(s.sendSegments(Endpoint.of('fd00::1', 1), buf, 0, 10, 0), (e: unknown) => e instanceof UdpSendError && e.errno === Errno.EAFNOSUPPORT);
});

test('a batch reaching past its buffer and a socket gone under us reject instead of throwing', async () => {
  const { k, h, s } = setup();
  const batch = new SendBatch();
  batch.add(P1, 90, 20);
  await assert.rejects(s.sendBatch(Buffer.alloc(100), batch), OptionError);
  k.udpSendBatch = (): number => -Errno.EBADF;
  batch.clear();
  batch.add(P1, 0, 20);
  await assert.rejects(s.sendBatch(Buffer.alloc(100), batch), ClosedError);
  assert.ok(h.closed instanceof ClosedError);
});

test('close while a send waits rejects it and everything queued behind it with ClosedError', async () => {
  const { k, h, s } = setup();
  k.room = 0;
  const a = s.sendSegments(P1, Buffer.alloc(10), 0, 10, 0);
  const b = s.sendSegments(P1, Buffer.alloc(10), 0, 10, 0);
  await tick();
  h.close();
  await assert.rejects(a, ClosedError);
  await assert.rejects(b, ClosedError);
  await assert.rejects(s.sendSegments(P1, Buffer.alloc(10), 0, 10, 0), ClosedError);
});
