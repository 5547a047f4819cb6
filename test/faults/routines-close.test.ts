// Multi-queue nodes (routines: 4, so one TUN queue on the main thread and
// three in worker routines) under live traffic in both directions:
// - stop() while every routine is reading and writing resolves quickly and the
//   process fd count comes back, and the peer is left without a tunnel;
// - `ip link del` of the TUN under all four readers throws nothing into the
//   process, and a later stop() still releases everything.
// (What the node does by itself when its TUN vanishes is tested in tun-deleted.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayNode } from '../../src/tunnel/node/node.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { netnsPair } from '../../kit/topology.js';
import { makePki, nebulaCertSkipReason, type TestPki } from '../../kit/nebula-pki.js';
import { ipU32, nodeOptions } from '../helpers/overlay.js';
import { run } from '../../kit/run.js';
import { waitFor } from '../../kit/wait.js';
import { OVERLAY_A, OVERLAY_B, fdCount, within } from './topology.js';
import { nodeInternals } from '../../src/tunnel/node/testing.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);

const ROUTINES = 4;
const IP_A = ipU32(OVERLAY_A);
const IP_B = ipU32(OVERLAY_B);

// UDP to many ports of one overlay address: the kernel spreads the flows over the TUN queues. Ends by itself after 60 s.
const traffic = (dst: string): string => `
const s = require('node:dgram').createSocket('udp4');
const payload = Buffer.alloc(1000);
const end = Date.now() + 60000;
let i = 0;
const tick = () => {
  if (Date.now() > end) return s.close();
  for (let k = 0; k < 32; k++, i++) s.send(payload, 2000 + (i % 4000), '${dst}');
  setTimeout(tick, 1);
};
tick();
`;

interface Run {
  na: OverlayNode;
  nb: OverlayNode;
}

async function withLoadedPair(pki: TestPki, a: Netns, b: Netns, net: number, lines: string[], fn: (r: Run) => Promise<void>): Promise<void> {
  const ha = pki.hosts.get('a')!;
  const hb = pki.hosts.get('b')!;
  const na = OverlayNode.start({ ...nodeOptions(pki, ha, a.name, `198.18.${net}.1`, [[hb, `198.18.${net}.2`]], { lines }), routines: ROUTINES });
  let nb: OverlayNode | undefined;
  const gens = [];
  try {
    nb = OverlayNode.start({ ...nodeOptions(pki, hb, b.name, `198.18.${net}.2`, [[ha, `198.18.${net}.1`]], { lines }), routines: ROUTINES });
    await within(Promise.all([na.ready, nb.ready]), 10_000, 'routines ready');
    assert.ok(na.connect(IP_B));
    const B = nb;
    await waitFor(() => nodeInternals(na).hostmap.get(IP_B) !== undefined && nodeInternals(B).hostmap.get(IP_A) !== undefined, 10_000, 'tunnel up');
    gens.push(a.spawn(process.execPath, ['-e', traffic(OVERLAY_B)], { stdio: 'ignore' }));
    gens.push(b.spawn(process.execPath, ['-e', traffic(OVERLAY_A)], { stdio: 'ignore' }));
    await waitFor(() => na.stats.delivered > 2000 && B.stats.delivered > 2000, 15_000, 'traffic both ways');
    await fn({ na, nb });
  } finally {
    for (const g of gens) g.kill('SIGKILL');
    await na.stop();
    await nb?.stop();
  }
}

async function stopUnderLoad(net: number, tag: string, check: (r: Run, lines: string[]) => Promise<void>): Promise<void> {
  const pki = makePki([['a', `${OVERLAY_A}/16`], ['b', `${OVERLAY_B}/16`]]);
  const { a, b } = netnsPair(tag, net);
  const lines: string[] = [];
  try {
    // Warm-up: the first worker threads and pools may open process-wide fds once.
    await withLoadedPair(pki, a, b, net, lines, async () => undefined);
    const before = fdCount();
    for (let round = 0; round < 3; round++) {
      await withLoadedPair(pki, a, b, net, lines, async (r) => {
        const delivered = r.nb.stats.delivered;
        const t0 = performance.now();
        await within(r.nb.stop(), 5000, 'stop() of b under load');
        console.log(`# round ${round}: b stopped in ${(performance.now() - t0).toFixed(0)} ms after delivering ${delivered} packets`);
        await check(r, lines);
      });
      assert.equal(fdCount(), before, `no fd left after round ${round}`);
    }
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- node logs ---\n${lines.slice(-40).join('\n')}`, { cause: e });
  } finally {
    a.destroy();
    b.destroy();
    pki.dispose();
  }
}

test(`routines ${ROUTINES}: stop() under traffic both ways resolves quickly, logs no error, and leaves no fd (3 rounds)`, { skip, timeout: 120_000 }, async () => {
  await stopUnderLoad(76, 'rtc', async (_r, lines) => {
    assert.ok(!lines.some((l) => l.includes('level=error')), 'no error logged');
  });
});

test(`routines ${ROUTINES}: after stop() under traffic the peer holds no tunnel to the stopped node`, {
  skip,
  timeout: 120_000,
}, async () => {
  await stopUnderLoad(78, 'rtt', async ({ na }) => {
    await waitFor(() => nodeInternals(na).hostmap.get(IP_B) === undefined, 5000, 'a without a tunnel to the stopped b');
  });
});

test(`routines ${ROUTINES}: ip link del of the TUN under traffic throws nothing, and stop() still releases every fd`, { skip, timeout: 120_000 }, async () => {
  const pki = makePki([['a', `${OVERLAY_A}/16`], ['b', `${OVERLAY_B}/16`]]);
  const { a, b } = netnsPair('rtd', 77);
  const lines: string[] = [];
  try {
    await withLoadedPair(pki, a, b, 77, lines, async () => undefined);
    const before = fdCount();
    await withLoadedPair(pki, a, b, 77, lines, async ({ nb }) => {
      run('ip', ['-n', b.name, 'link', 'del', nodeInternals(nb).device.name]);
      await waitFor(() => nodeInternals(nb).device.queues[0]!.isClosed, 5000, 'main queue closed by the deletion');
      // Traffic keeps arriving at b's sockets for a while: nothing may throw.
      await new Promise((r) => setTimeout(r, 500));
      await within(nb.stop(), 5000, 'stop() after the deletion');
    });
    assert.equal(fdCount(), before, 'no fd left');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- node logs ---\n${lines.slice(-40).join('\n')}`, { cause: e });
  } finally {
    a.destroy();
    b.destroy();
    pki.dispose();
  }
});
