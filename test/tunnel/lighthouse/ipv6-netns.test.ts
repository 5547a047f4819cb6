// Lighthouse discovery over an IPv6 underlay (docs/PROTOCOL.md "Lighthouse messages"): a tio
// lighthouse and two tio nodes on one bridge with fd00::/64 addresses, all listening on "::". The
// nodes know the lighthouse only at its IPv6 address, and their remote_allow_list refuses every
// IPv4 address, so they can only meet at the IPv6 addresses they reported in Ip6AndPorts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { configFromObject } from '../../../src/tunnel/config/index.js';
import { acceptedAddress6 } from '../../../src/tunnel/lighthouse/index.js';
import { addAddress, destroyAll, interfaceWith, rootSkipReason, waitFor } from '../../../kit/netns.js';
import { bridgeSegment } from '../../../kit/topology.js';
import { makePki, nebulaSkipReason } from '../../../kit/nebula-pki.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { ipU32, nodeOptions } from '../../helpers/overlay.js';

const skip = rootSkipReason() ?? nebulaSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;
const LH_IP = '198.19.0.1';
const A_IP = '198.19.0.2';
const B_IP = '198.19.0.3';
// Underlay 198.18.172.0/24 (unused here but made by the bridge kit) and fd00:172::/64, used by no other test.
const NET = 172;
const V6 = ['fd00:172::1', 'fd00:172::2', 'fd00:172::3'] as const;

test('two tio nodes find each other through a tio lighthouse over IPv6 only: TCP intact, tunnel on the IPv6 addresses', { skip, timeout: 120_000 }, async () => {
  const pki = makePki([['lh', `${LH_IP}/16`], ['a', `${A_IP}/16`], ['b', `${B_IP}/16`]]);
  const seg = bridgeSegment('lh6v', NET, 2);
  const nodes: OverlayNode[] = [];
  const lines: string[] = [];
  try {
    addAddress(seg.hub, 'br0', `${V6[0]}/64`);
    seg.spokes.forEach((ns, i) => addAddress(ns, interfaceWith(ns, seg.spokeAddrs[i]!), `${V6[i + 1]}/64`));
    const [hl, ha, hb] = ['lh', 'a', 'b'].map((n) => pki.hosts.get(n)!);
    const noIpv4 = configFromObject({ pki: { ca: 'c', cert: 'h', key: 'k' }, lighthouse: { remote_allow_list: { '0.0.0.0/0': false } } }).config.lighthouse.remoteAllowList;
    const lhNode = OverlayNode.start({ ...nodeOptions(pki, hl!, seg.hub.name, '::', []), lighthouse: { amLighthouse: true, hosts: [], intervalMs: 1000 } });
    nodes.push(lhNode);
    await lhNode.ready;
    const start = (h: typeof hl, i: number, extra = {}): OverlayNode => {
      const o = nodeOptions(pki, h!, seg.spokes[i]!.name, '::', [[hl!, V6[0]]], { lighthouse: { hosts: [hl!], intervalMs: 1000 }, ...extra });
      const n = OverlayNode.start({ ...o, lighthouse: { ...o.lighthouse!, remoteAllowList: noIpv4 } });
      nodes.push(n);
      return n;
    };
    const a = start(ha, 0, { lines, logLevel: 'debug' });
    const b = start(hb, 1);
    await Promise.all([a.ready, b.ready]);

    // B's update reached the lighthouse with its IPv6 address; its tunnel comes from there too.
    const server = nodeInternals(lhNode).lighthouseServer!;
    const known6 = (): string[] => (server.addresses(ipU32(B_IP))?.addrs6 ?? []).map((x) => acceptedAddress6(x)?.key ?? '?');
    await waitFor(() => known6().length >= 2, 15_000, 'the lighthouse has B\'s IPv6 report');
    assert.deepEqual(known6(), [`[${V6[2]}]:4242`, `[${V6[2]}]:4242`], 'learned from the tunnel, then reported');

    await seg.spokes[0]!.execAsync('ping', ['-c', '2', '-i', '0.3', '-W', '5', B_IP], { timeoutMs: 30_000 });
    assert.equal(a.status().tunnels.find((t) => t.overlayAddress === B_IP)?.remote, `[${V6[2]}]:4242`);
    assert.ok(nodeInternals(a).lighthouse!.remotes(ipU32(B_IP)).every((e) => e.family === 6), 'A learned only IPv6 addresses for B');
    assert.ok(a.status().lighthouse!.addressesRefused >= 1, 'the lighthouse also reported B\'s IPv4 address, refused by A\'s list');
    const x = await tcpTransfer(seg.spokes[1]!, seg.spokes[0]!, B_IP, 5441, 4 * MiB, 60_000);
    assert.equal(x.received.sha256, x.sent.sha256, 'A -> B TCP intact');
    const y = await tcpTransfer(seg.spokes[0]!, seg.spokes[1]!, A_IP, 5442, 4 * MiB, 60_000);
    assert.equal(y.received.sha256, y.sent.sha256, 'B -> A TCP intact');
    assert.equal(b.status().tunnels.find((t) => t.overlayAddress === A_IP)?.remote, `[${V6[1]}]:4242`);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- a ---\n${lines.slice(-60).join('\n')}`, { cause: e });
  } finally {
    for (const n of nodes.reverse()) await n.stop();
    seg.destroy();
    pki.dispose();
  }
});
