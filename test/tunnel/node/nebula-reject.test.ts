// A real nebula 1.6.1 peer receives tio's inbound rejects as ordinary packets: the tio node
// refuses ports 7000-7001 with inbound_action reject, and applications behind nebula see
// ECONNREFUSED at once for TCP (the RST matches the connection nebula's conntrack tracks) and
// EHOSTUNREACH on a connected UDP socket (nebula's allow-all inbound rules admit the ICMP).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import type { FirewallRule } from '../../../src/tunnel/firewall/index.js';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { netnsPair } from '../../../kit/topology.js';
import { makePki, nebulaSkipReason } from '../../../kit/nebula-pki.js';
import { startNebula } from '../../../kit/nebula.js';
import { ALLOW_ALL, nodeOptions } from '../../helpers/overlay.js';
import { probe } from '../../helpers/probe.js';
import { tryRun } from '../../../kit/run.js';
import { waitFor } from '../../../kit/wait.js';

const skip = rootSkipReason() ?? nebulaSkipReason() ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);
after(destroyAll);

const NEB_IP = '198.19.0.1';
const TIO_IP = '198.19.0.2';

const rule = (proto: FirewallRule['proto'], portStart: number, portEnd: number): FirewallRule =>
  ({ portStart, portEnd, proto, host: 'any', groups: null, cidr: null, caName: null, caSha: null });

test('a nebula 1.6.1 peer takes tio\'s rejects: TCP ECONNREFUSED within a second, connected UDP EHOSTUNREACH', { skip, timeout: 120_000 }, async () => {
  const pki = makePki([['neb', `${NEB_IP}/16`], ['tio', `${TIO_IP}/16`]]);
  const { a, b } = netnsPair('rj', 93);
  const hn = pki.hosts.get('neb')!;
  const ht = pki.hosts.get('tio')!;
  const lines: string[] = [];
  const neb = startNebula(a, pki, hn, '198.18.93.1', [[ht, '198.18.93.2']]);
  const node = OverlayNode.start(nodeOptions(pki, ht, b.name, '198.18.93.2', [[hn, '198.18.93.1']], {
    lines,
    firewall: { inbound: [rule('any', 1, 6999), rule('any', 7002, 65535), rule('icmp', 0, 0)], outbound: [ALLOW_ALL], inboundAction: 'reject' },
  }));
  try {
    await neb.waitForLog('Nebula interface is active', 15_000);
    await a.execAsync('ping', ['-c', '2', '-i', '0.2', '-W', '5', TIO_IP], { timeoutMs: 20_000 });
    const tcp = await probe(a, 'tcp', TIO_IP, 7000);
    assert.equal(tcp.error, 'ECONNREFUSED', JSON.stringify(tcp));
    assert.ok(tcp.ms < 1000, `refused within a second (${tcp.ms} ms)`);
    const udp = await probe(a, 'udp', TIO_IP, 7001);
    assert.equal(udp.error, 'EHOSTUNREACH', JSON.stringify(udp));
    await waitFor(() => node.stats.rejectsToPeers >= 2, 5000, 'tio counting its rejects');
    assert.ok(!neb.log.some((l) => /Failed to decrypt|level=error/.test(l)), 'nebula logged no decrypt failure or error');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- nebula ---\n${neb.log.join('\n')}\n--- tio ---\n${lines.join('\n')}`, { cause: e });
  } finally {
    await node.stop();
    await neb.stop();
    a.destroy();
    b.destroy();
    pki.dispose();
  }
});
