// A real nebula 1.6.1 peer receives tio's inbound rejects as ordinary packets: the tio node
// refuses ports 7000-7001 with inbound_action reject, and applications behind nebula see
// ECONNREFUSED at once for TCP (the RST matches the connection nebula's conntrack tracks) and
// EHOSTUNREACH on a connected UDP socket (nebula's allow-all inbound rules admit the ICMP).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { FirewallRule } from '../../../src/tunnel/firewall/index.js';
import { destroyAll } from '../../../kit/netns.js';
import { interopSkipReason, TIO_IP, withNebulaTio } from '../../../kit/nebula-tio.js';
import { ALLOW_ALL, frameNodeOptions } from '../../helpers/overlay.js';
import { probe } from '../../helpers/probe.js';
import { waitFor } from '../../../kit/wait.js';

const skip = interopSkipReason();
after(destroyAll);

const rule = (proto: FirewallRule['proto'], portStart: number, portEnd: number): FirewallRule =>
  ({ portStart, portEnd, proto, host: 'any', groups: null, cidr: null, caName: null, caSha: null });

test('a nebula 1.6.1 peer takes tio\'s rejects: TCP ECONNREFUSED within a second, connected UDP EHOSTUNREACH', { skip, timeout: 120_000 }, async () => {
  await withNebulaTio({
    tag: 'rj', net: 93,
    tio: (s) => frameNodeOptions(s, {
      firewall: { inbound: [rule('any', 1, 6999), rule('any', 7002, 65535), rule('icmp', 0, 0)], outbound: [ALLOW_ALL], inboundAction: 'reject' },
    }),
  }, async ({ a, nebula: neb, node, ping }) => {
    await ping('nebula', 2);
    const tcp = await probe(a, 'tcp', TIO_IP, 7000);
    assert.equal(tcp.error, 'ECONNREFUSED', JSON.stringify(tcp));
    assert.ok(tcp.ms < 1000, `refused within a second (${tcp.ms} ms)`);
    const udp = await probe(a, 'udp', TIO_IP, 7001);
    assert.equal(udp.error, 'EHOSTUNREACH', JSON.stringify(udp));
    await waitFor(() => node.stats.rejectsToPeers >= 2, 5000, 'tio counting its rejects');
    assert.ok(!neb.log.some((l) => /Failed to decrypt|level=error/.test(l)), 'nebula logged no decrypt failure or error');
  });
});
