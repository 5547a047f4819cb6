// firewall.inbound_action / outbound_action: reject, end to end between two tio nodes with two
// routines each (so the worker threads' data paths answer too). Node B's inbound rules refuse
// ports 7000-7001, node A's outbound rules refuse ports 7100-7101; applications in A's namespace
// see the refusal at once instead of a timeout:
// - TCP connect: ECONNREFUSED within a second (an RST numbered as RFC 9293 3.10.7.1);
// - a connected UDP socket: EHOSTUNREACH (ICMP 3/13, administratively prohibited, as nebula).
// Inbound rejects travel back to A through the tunnel; outbound ones (also for a destination
// with no route at all) are written to A's TUN.
// The overlay carries IPv4 only (nebula 1.6.1); IPv6 rejects meet the kernel in
// test/tun/write-reject.test.ts.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { FirewallProto, FirewallRule } from '../../../src/tunnel/firewall/index.js';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { OVERLAY_A, OVERLAY_B, withNodePair } from '../../helpers/node-pair.js';
import { ALLOW_ALL, ipU32 } from '../../helpers/overlay.js';
import { probe } from '../../helpers/probe.js';
import { waitFor } from '../../../kit/wait.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);

function rule(proto: FirewallProto, portStart: number, portEnd: number): FirewallRule {
  return { portStart, portEnd, proto, host: 'any', groups: null, cidr: null, caName: null, caSha: null };
}

/** Everything but TCP/UDP ports lo..hi (ICMP included). */
function allBut(lo: number, hi: number): FirewallRule[] {
  return [rule('any', 1, lo - 1), rule('any', hi + 1, 65535), rule('icmp', 0, 0)];
}

test('refused packets are answered: TCP connect ECONNREFUSED within 1 s, connected UDP EHOSTUNREACH, inbound and outbound', { skip, timeout: 180_000 }, async (t) => {
  await withNodePair({
    tag: 'rjo', net: 91,
    node: { routines: 2, firewall: { inbound: [ALLOW_ALL], outbound: allBut(7100, 7101), outboundAction: 'reject' } },
    nodeB: { routines: 2, firewall: { inbound: allBut(7000, 7001), outbound: [ALLOW_ALL], inboundAction: 'reject' } },
  }, async ({ a, na, nb }) => {
    await Promise.all([na.ready, nb.ready]);
    na.connect(ipU32(OVERLAY_B));
    await waitFor(() => nodeInternals(na).hostmap.get(ipU32(OVERLAY_B)) !== undefined && nodeInternals(nb).hostmap.get(ipU32(OVERLAY_A)) !== undefined, 10_000, 'the tunnel');

    await t.test('inbound TCP: B answers the refused SYN with an RST through the tunnel', async () => {
      const r = await probe(a, 'tcp', OVERLAY_B, 7000);
      assert.equal(r.error, 'ECONNREFUSED', JSON.stringify(r));
      assert.ok(r.ms < 1000, `refused within a second (${r.ms} ms)`);
      await waitFor(() => nb.stats.rejectsToPeers >= 1, 5000, 'B counting its reject');
      assert.equal(na.stats.rejectsToTun, 0, 'A wrote no reject of its own');
    });

    await t.test('inbound UDP: B answers the refused datagram with ICMP 3/13 through the tunnel', async () => {
      const before = nb.stats.rejectsToPeers;
      const r = await probe(a, 'udp', OVERLAY_B, 7001);
      assert.equal(r.error, 'EHOSTUNREACH', JSON.stringify(r));
      await waitFor(() => nb.stats.rejectsToPeers > before, 5000, 'B counting its reject');
    });

    await t.test('outbound TCP: A answers its own refused SYN on its TUN, from either routine', async () => {
      const r = await probe(a, 'tcp', OVERLAY_B, 7100);
      assert.equal(r.error, 'ECONNREFUSED', JSON.stringify(r));
      assert.ok(r.ms < 1000, `refused within a second (${r.ms} ms)`);
      // New flows hash to either TUN queue: both threads' outbound paths must answer.
      for (let i = 0; i < 16; i++) {
        const per = na.statsByRoutine();
        if (per[0]!.rejectsToTun > 0 && per[1]!.rejectsToTun > 0) break;
        const again = await probe(a, 'tcp', OVERLAY_B, 7100);
        assert.equal(again.error, 'ECONNREFUSED', JSON.stringify(again));
      }
      await waitFor(() => na.statsByRoutine().every((s) => s.rejectsToTun > 0), 5000, 'rejects from both routines of A');
    });

    await t.test('outbound without a route: a connect routed into A\'s TUN for a destination outside the overlay is refused at once, as nebula does', async () => {
      a.exec('ip', ['route', 'add', '198.18.200.0/24', 'dev', 'tioa']);
      const noRoute = na.stats.drops['inside-no-route'];
      const r = await probe(a, 'tcp', '198.18.200.5', 80);
      assert.equal(r.error, 'ECONNREFUSED', JSON.stringify(r));
      assert.ok(na.stats.drops['inside-no-route'] > noRoute, 'counted as no route');
    });

    await t.test('outbound UDP: A answers its own refused datagram with ICMP 3/13 on its TUN', async () => {
      const before = na.stats.rejectsToTun;
      const r = await probe(a, 'udp', OVERLAY_B, 7101);
      assert.equal(r.error, 'EHOSTUNREACH', JSON.stringify(r));
      await waitFor(() => na.stats.rejectsToTun > before, 5000, 'A counting its reject');
    });
  });
});

test('with the default action (drop) a refused connect is not answered', { skip, timeout: 120_000 }, async () => {
  await withNodePair({
    tag: 'rjd', net: 92,
    nodeB: { firewall: { inbound: allBut(7000, 7001), outbound: [ALLOW_ALL] } },
  }, async ({ a, na, nb }) => {
    na.connect(ipU32(OVERLAY_B));
    await waitFor(() => nodeInternals(na).hostmap.get(ipU32(OVERLAY_B)) !== undefined && nodeInternals(nb).hostmap.get(ipU32(OVERLAY_A)) !== undefined, 10_000, 'the tunnel');
    const drops = nb.stats.drops['outside-firewall'];
    // The connect gets no answer: it is still pending when the probe gives up.
    const r = await probe(a, 'tcp', OVERLAY_B, 7000, 1500);
    assert.equal(r.error, null, JSON.stringify(r));
    assert.ok(nb.stats.drops['outside-firewall'] > drops, 'B refused the SYN');
    assert.equal(nb.stats.rejectsToPeers, 0);
  });
});
