// Two tio nodes whose every underlay datagram crosses a userspace relay that
// drops (1%), reorders (~1%) and duplicates (~0.5%) them with a seeded PRNG: a
// TCP transfer through the tunnel still arrives intact (SHA-256 equal), the
// relay really did impair traffic in both directions, and the nodes' own
// counters show the duplicates caught by the replay window.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayNode } from '../../src/tunnel/node/node.js';
import { destroyAll, rootSkipReason } from '../../kit/netns.js';
import { makePki, nebulaCertSkipReason } from '../../kit/nebula-pki.js';
import { ipU32, nodeOptions } from '../helpers/overlay.js';
import { tcpTransfer } from '../../kit/tcp.js';
import { startUdpRelay, type UdpRelay } from '../helpers/udp-relay.js';
import { relayTopology } from '../../kit/topology.js';
import { OVERLAY_A, OVERLAY_B } from './topology.js';
import { nodeInternals } from '../../src/tunnel/node/testing.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;
const SEED = Number(process.env.TIO_FAULT_SEED ?? 20240611);

for (const cipher of ['aes', 'chachapoly'] as const) {
  test(`lossy relay (drop 1%, reorder 1%, duplicate 0.5%, seed ${SEED}): TCP through the tunnel arrives intact (${cipher})`, { skip, timeout: 180_000 }, async () => {
    const pki = makePki([['a', `${OVERLAY_A}/16`], ['b', `${OVERLAY_B}/16`]]);
    const topo = relayTopology('lossy', 30);
    const ha = pki.hosts.get('a')!;
    const hb = pki.hosts.get('b')!;
    const lines: string[] = [];
    let relay: UdpRelay | undefined;
    let na: OverlayNode | undefined;
    let nb: OverlayNode | undefined;
    try {
      relay = await startUdpRelay(topo.r, {
        a: { bind: topo.rA, port: 4242, peer: topo.aAddr, peerPort: 4242 },
        b: { bind: topo.rB, port: 4242, peer: topo.bAddr, peerPort: 4242 },
        impair: { drop: 0.01, reorder: 0.01, duplicate: 0.005 },
        seed: SEED,
      });
      // Each node knows the other only by the relay's address on its own side.
      na = OverlayNode.start(nodeOptions(pki, ha, topo.a.name, topo.aAddr, [[hb, topo.rA]], { cipher, lines }));
      nb = OverlayNode.start(nodeOptions(pki, hb, topo.b.name, topo.bAddr, [[ha, topo.rB]], { cipher, lines }));
      const r = await tcpTransfer(topo.b, topo.a, OVERLAY_B, 5601, 16 * MiB, 150_000);
      const rs = await relay.stats();
      const hs = { a: nodeInternals(na).handshakes.stats, b: nodeInternals(nb).handshakes.stats };
      const report = {
        seconds: r.seconds.toFixed(2), relay: rs,
        a: { ...na.stats.snapshot(), handshakes: hs.a }, b: { ...nb.stats.snapshot(), handshakes: hs.b },
      };
      console.log(`# lossy relay ${cipher}: ${JSON.stringify(report)}`);
      assert.equal(r.received.bytes, 16 * MiB);
      assert.equal(r.received.sha256, r.sent.sha256, 'data intact through drops, reordering and duplicates');
      for (const [dir, s] of Object.entries(rs)) {
        assert.ok(s.dropped > 0 && s.reordered > 0 && s.duplicated > 0, `relay impaired ${dir}: ${JSON.stringify(s)}`);
      }
      assert.ok(nodeInternals(na).hostmap.get(ipU32(OVERLAY_B)) && nodeInternals(nb).hostmap.get(ipU32(OVERLAY_A)), 'both nodes hold a tunnel at the end');
      assert.equal(na.stats.drops['outside-auth'] + nb.stats.drops['outside-auth'], 0, 'no datagram failed authentication');
      // Duplicates that reached a node while its tunnel lived are refused by the replay window.
      assert.ok(na.stats.drops['outside-replay'] + nb.stats.drops['outside-replay'] > 0, 'duplicates were caught by the replay window');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- node logs ---\n${lines.slice(-80).join('\n')}`, { cause: e });
    } finally {
      await na?.stop();
      await nb?.stop();
      if (relay) await relay.stop().catch(() => undefined);
      topo.destroy();
      pki.dispose();
    }
  });
}
