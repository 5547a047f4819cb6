// Resources over many tunnel lifetimes in one process: each cycle starts two
// OverlayNodes (TUN device + UDP socket each), completes a Noise IX handshake
// between them, and stops both. After warm-up, the open fds must come back to
// exactly the starting count and RSS must stay flat (bounded growth).
// TIO_CYCLES overrides the count (default 1000).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { OverlayNode } from '../../src/tunnel/node/node.js';
import { destroyAll, rootSkipReason } from '../../kit/netns.js';
import { netnsPair } from '../../kit/topology.js';
import { makePki, nebulaCertSkipReason } from '../../kit/nebula-pki.js';
import { ipU32, nodeOptions } from '../helpers/overlay.js';
import { OVERLAY_A, OVERLAY_B, fdCount, mb } from './topology.js';
import { nodeInternals } from '../../src/tunnel/node/testing.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);

const CYCLES = Number(process.env.TIO_CYCLES ?? 1000);
const WARMUP = Math.min(50, Math.floor(CYCLES / 10));
/** RSS may grow at most this much between the end of warm-up and the end. */
const RSS_GROWTH_BOUND = 30 * 1024 * 1024;
/** Whole run budget (the issue: keep it under ~2 min). */
const BUDGET_MS = 150_000;

// Each sample follows a memory-reducing full collection (V8's last-resort one, run
// before it gives up on memory): besides the garbage it also returns the young
// generation's unused pages. That generation grows with allocation and keeps its
// largest size until V8 shrinks it (idle, memory pressure); on Node 22+ that is
// up to 2 x 64 MiB semi-spaces (Node 20: 2 x 16 MiB), so an ordinary gc() left
// Node 24 figures ~100 MB above what the process actually holds. What survives
// this collection (JS objects, native memory, the malloc heap) is what a leak
// would grow.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (o?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

function rss(): number {
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return process.memoryUsage().rss;
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await yieldLoop();
  }
}

test(`${CYCLES} tunnel up/down cycles (2 nodes start, handshake, stop) leave fds and RSS flat`, { skip, timeout: BUDGET_MS + 30_000 }, async () => {
  const pki = makePki([['a', `${OVERLAY_A}/16`], ['b', `${OVERLAY_B}/16`]]);
  const { a, b } = netnsPair('cyc', 62);
  const lines: string[] = [];
  try {
    const ha = pki.hosts.get('a')!;
    const hb = pki.hosts.get('b')!;
    // Logs go to a bounded ring: a growing log array would itself look like a leak.
    const optsA = nodeOptions(pki, ha, a.name, '198.18.62.1', [[hb, '198.18.62.2']], { lines });
    const optsB = nodeOptions(pki, hb, b.name, '198.18.62.2', [[ha, '198.18.62.1']], { lines });
    const ipB = ipU32(OVERLAY_B);
    const ipA = ipU32(OVERLAY_A);
    const fds0 = fdCount();
    const rss0 = rss();
    const samples: { cycle: number; fds: number; rssMB: string; ms: number }[] = [];
    let rssWarm = rss0;
    let fdsWarm = fds0;
    const start = performance.now();
    let handshakes = 0;
    for (let i = 1; i <= CYCLES; i++) {
      if (performance.now() - start > BUDGET_MS) throw new Error(`only ${i - 1} cycles within ${BUDGET_MS} ms`);
      const na = OverlayNode.start(optsA);
      const nb = OverlayNode.start(optsB);
      try {
        assert.ok(na.connect(ipB));
        await until(() => nodeInternals(na).hostmap.get(ipB) !== undefined && nodeInternals(nb).hostmap.get(ipA) !== undefined, 10_000, `handshake in cycle ${i}`);
        handshakes += nodeInternals(na).handshakes.stats.completed;
      } finally {
        await na.stop();
        await nb.stop();
      }
      if (lines.length > 1000) lines.splice(0, lines.length - 100);
      if (i === WARMUP) {
        rssWarm = rss();
        fdsWarm = fdCount();
        samples.push({ cycle: i, fds: fdsWarm, rssMB: mb(rssWarm), ms: Math.round(performance.now() - start) });
      } else if (i % Math.max(1, Math.floor(CYCLES / 10)) === 0) {
        samples.push({ cycle: i, fds: fdCount(), rssMB: mb(rss()), ms: Math.round(performance.now() - start) });
      }
    }
    const fds1 = fdCount();
    const rss1 = rss();
    const seconds = (performance.now() - start) / 1000;
    console.log(`# ${CYCLES} cycles in ${seconds.toFixed(1)} s (${((seconds * 1000) / CYCLES).toFixed(1)} ms/cycle), ${handshakes} handshakes`);
    console.log(`# fds: before ${fds0}, after warm-up (${WARMUP}) ${fdsWarm}, after ${fds1}`);
    console.log(`# RSS MB: before ${mb(rss0)}, after warm-up ${mb(rssWarm)}, after ${mb(rss1)} (growth after warm-up ${mb(rss1 - rssWarm)})`);
    for (const s of samples) console.log(`#   cycle ${s.cycle}: fds ${s.fds}, RSS ${s.rssMB} MB, t ${s.ms} ms`);
    assert.equal(handshakes, CYCLES, 'one completed handshake per cycle');
    assert.equal(fds1, fds0, 'every TUN fd, UDP socket and eventfd was closed');
    assert.ok(rss1 - rssWarm < RSS_GROWTH_BOUND, `RSS grew ${mb(rss1 - rssWarm)} MB after warm-up (bound ${mb(RSS_GROWTH_BOUND)})`);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- last node logs ---\n${lines.slice(-30).join('\n')}`, { cause: e });
  } finally {
    a.destroy();
    b.destroy();
    pki.dispose();
  }
});
