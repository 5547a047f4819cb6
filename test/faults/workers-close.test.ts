// A 4-queue TUN device handed to 4 worker threads that read in a loop under
// live traffic (and write packets back): closing the device from the main
// thread, or deleting it with `ip link del`, wakes every worker with
// ERR_TIO_CLOSED, every worker exits by itself, and no fd is left (the io_uring
// ring each worker made for its reads included). Repeated to
// shake out races between a wake-up and a read or write in flight.
// (OverlayNode runs one queue on the main thread at this commit, so the
// multi-queue part is covered at the TunDevice level.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { TunDevice } from '../../src/index.js';
import { native } from '../../src/native.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { run } from '../../kit/run.js';
import { fdCount, within } from './topology.js';

const skip = rootSkipReason();
after(destroyAll);

const WORKER = new URL('./read-loop-worker.js', import.meta.url);
const QUEUES = 4;
const ROUNDS = 5;

// Sends UDP to 198.18.68.2-254 (routed out the TUN) on many ports, so the kernel spreads flows over all queues; stops by itself after 60 s.
const TRAFFIC = `
const s = require('node:dgram').createSocket('udp4');
const payload = Buffer.alloc(200);
const end = Date.now() + 60000;
let i = 0;
const tick = () => {
  if (Date.now() > end) return s.close();
  for (let k = 0; k < 32; k++, i++) s.send(payload, 1024 + (i % 4000), '198.18.68.' + (2 + (i % 250)));
  setTimeout(tick, 1);
};
tick();
`;

interface Outcome {
  outcome: string;
  index: number;
  code?: string;
  message?: string;
  closed?: boolean;
  packets?: number;
  writes?: number;
  writeErrors?: number;
  firstWriteError?: string;
  ringReads?: number;
}

async function round(ns: Netns, name: string, how: 'close' | 'delete', echo: boolean): Promise<Outcome[]> {
  const d = TunDevice.open({ name, netns: ns.name, queues: QUEUES, addresses: ['198.18.68.1/24'] });
  const workers = d.queues.map((q) => new Worker(WORKER, { workerData: { handle: q.detach(), echo } }));
  const messages: Outcome[][] = workers.map(() => []);
  const waiters: (() => void)[] = [];
  workers.forEach((w, i) => w.on('message', (m: Outcome) => {
    messages[i]!.push(m);
    for (const f of waiters.splice(0)) f();
  }));
  const exits = workers.map((w) => once(w, 'exit'));
  const has = (i: number, what: string): boolean => messages[i]!.some((m) => m.outcome === what);
  const until = (pred: () => boolean, ms: number, what: string): Promise<void> => within(new Promise<void>((resolve) => {
    const check = (): void => (pred() ? resolve() : void waiters.push(check));
    check();
  }), ms, what);
  try {
    await until(() => workers.every((_, i) => has(i, 'reading')), 10_000, 'all workers reading');
    // Most queues see traffic within a moment; wait for at least two so reads are really in flight.
    await until(() => workers.filter((_, i) => has(i, 'traffic')).length >= 2, 10_000, 'traffic on the queues');
    if (how === 'close') d.close();
    else run('ip', ['-n', ns.name, 'link', 'del', name]);
    await until(() => workers.every((_, i) => has(i, 'rejected')), 5000, 'every worker woken');
    const codes = await within(Promise.all(exits), 5000, 'every worker exiting by itself');
    assert.deepEqual(codes.map(([c]) => c as number), workers.map(() => 0));
    return messages.map((ms) => ms.find((m) => m.outcome === 'rejected')!);
  } finally {
    d.close();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

for (const how of ['close', 'delete'] as const) {
  test(`${QUEUES} workers reading (and writing back) under traffic all wake with ERR_TIO_CLOSED on device ${how}, ${ROUNDS} rounds, no fd left`, { skip, timeout: 120_000 }, async () => {
    const ns = Netns.create(`wk${how}`);
    const gen = ns.spawn(process.execPath, ['-e', TRAFFIC], { stdio: 'ignore' });
    try {
      const before = fdCount();
      const totals = { packets: 0, writes: 0, writeErrors: 0, ringReads: 0 };
      const writeErrors = new Set<string>();
      for (let r = 0; r < ROUNDS; r++) {
        const results = await round(ns, `twk${how[0]}${r}`, how, r % 2 === 0);
        for (const m of results) {
          assert.equal(m.code, 'ERR_TIO_CLOSED', `queue ${m.index}: ${m.message}`);
          assert.equal(m.closed, true);
          if (how === 'delete') assert.match(m.message!, /deleted|closed/);
          totals.packets += m.packets!;
          totals.writes += m.writes!;
          totals.writeErrors += m.writeErrors!;
          totals.ringReads += m.ringReads!;
          if (m.firstWriteError) writeErrors.add(m.firstWriteError);
        }
        assert.equal(fdCount(), before, `no fd left after round ${r}`);
      }
      console.log(`# ${how}: ${ROUNDS} rounds x ${QUEUES} workers, ${totals.packets} packets read (${totals.ringReads} reads through io_uring), ${totals.writes} written back, ${totals.writeErrors} write errors${writeErrors.size ? ` (${[...writeErrors].join('; ')})` : ''}`);
      assert.ok(totals.packets > 0);
      // Bursts of 32 small datagrams a millisecond have the workers read in io_uring rounds, each
      // worker with a ring of its own, which its exit closes: the fd counts above include them.
      if (native.uringStatus() === 1) assert.ok(totals.ringReads > 0, 'no worker read through io_uring');
    } finally {
      gen.kill('SIGKILL');
      ns.destroy();
    }
  });
}
