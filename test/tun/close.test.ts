// Closing a device wakes every pending read, in this thread and in workers
// that own a queue, and releases every fd.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { BusyError, ClosedError, TunDevice } from '../../src/index.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';

const skip = rootSkipReason();
let ns: Netns;
before(() => {
  if (!skip) ns = Netns.create('close');
});
after(destroyAll);

const fdCount = (): number => readdirSync('/proc/self/fd').length;
const WORKER = new URL('../helpers/queue-worker.js', import.meta.url);

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} not within ${ms} ms`)), ms)))])
    .finally(() => clearTimeout(t));
}

test('device close rejects a pending read in this thread with ClosedError', { skip }, async () => {
  // up: false keeps the kernel from queueing IPv6 router solicitations to read.
  const d = TunDevice.open({ name: 'tcl0', netns: ns.name, up: false });
  const q = d.queues[0]!;
  const pending = q.read();
  await assert.rejects(q.read(), BusyError, 'a second concurrent read is refused');
  setTimeout(() => d.close(), 50);
  await within(assert.rejects(pending, ClosedError), 5000, 'rejection');
  assert.equal(q.isClosed, true);
  await assert.rejects(q.read(), ClosedError);
  await assert.rejects(q.write(Buffer.alloc(40, 0x45)), ClosedError);
});

test('queue close rejects its pending read and leaves other queues working', { skip }, async () => {
  const d = TunDevice.open({ name: 'tcl1', netns: ns.name, queues: 2, up: false });
  try {
    const pending = d.queues[0]!.read();
    d.queues[0]!.close();
    await within(assert.rejects(pending, ClosedError), 5000, 'rejection');
    assert.equal(d.queues[1]!.isClosed, false);
  } finally {
    d.close();
  }
});

test('the read() that close rejects frees the receive buffer at once: the last packets are empty', { skip }, async () => {
  const d = TunDevice.open({ name: 'tcl2', netns: ns.name, addresses: ['198.18.92.1/24'] });
  try {
    // Any packet the kernel routes into the device will do (the ping gets no answer).
    const ping = ns.execAsync('ping', ['-c', '1', '-W', '1', '198.18.92.2']).catch(() => undefined);
    const batch = await within(d.queues[0]!.read(), 5000, 'a packet');
    const p = batch[0]!;
    assert.ok(p.buf.byteLength > 0);
    d.close();
    assert.ok(p.buf.byteLength > 0, 'close alone leaves the last batch readable');
    await assert.rejects(d.queues[0]!.read(), ClosedError);
    assert.equal(p.buf.byteLength, 0, 'released by the rejected read(), not left to GC');
    await ping;
  } finally {
    d.close();
  }
});

test('device close wakes reads pending in worker threads that own queues, and no fd is left', { skip, timeout: 30_000 }, async () => {
  const before = fdCount();
  const d = TunDevice.open({ name: 'tclw0', netns: ns.name, queues: 2, up: false });
  const workers = d.queues.map((q) => new Worker(WORKER, { workerData: q.detach() }));
  // Listen to every worker at once: an event emitted before `once` is attached is lost.
  const started = workers.map((w) => once(w, 'message'));
  try {
    for (const s of started) {
      const [msg] = (await within(s, 10_000, 'worker start')) as [{ outcome: string }];
      assert.equal(msg.outcome, 'reading');
    }
    const results = workers.map((w) => once(w, 'message'));
    const exits = workers.map((w) => once(w, 'exit'));
    d.close();
    for (const r of results) {
      const [msg] = (await within(r, 5000, 'worker wake-up')) as [{ outcome: string; code: string; closed: boolean }];
      assert.deepEqual(msg, { outcome: 'rejected', code: 'ERR_TIO_CLOSED', closed: true });
    }
    for (const e of exits) {
      const [code] = (await within(e, 5000, 'worker exit')) as [number];
      assert.equal(code, 0, 'worker exits by itself once its queue is closed');
    }
  } finally {
    d.close();
    await Promise.all(workers.map((w) => w.terminate()));
  }
  assert.equal(fdCount(), before);
});

test('a worker terminated while its read is pending tears down cleanly and closes its fds', { skip, timeout: 30_000 }, async () => {
  const before = fdCount();
  const d = TunDevice.open({ name: 'tclw1', netns: ns.name, up: false });
  const w = new Worker(WORKER, { workerData: d.queues[0]!.detach() });
  try {
    await within(once(w, 'message'), 10_000, 'worker start');
    const code = await within(w.terminate(), 5000, 'terminate');
    assert.equal(code, 1);
  } finally {
    d.close();
  }
  assert.equal(fdCount(), before);
});
