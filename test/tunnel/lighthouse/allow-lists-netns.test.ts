// The allow lists on a real underlay (docs/PROTOCOL.md "Allow lists"): a tio lighthouse and three tio
// nodes on one bridge. B has a second address X and its local_allow_list refuses its first, P, so the
// lighthouse keeps only X as reported (and P as learned from B's tunnel); A's remote_allow_list
// refuses X, so A learns and uses only P; B's remote_allow_ranges refuse C's address for C's overlay
// address, so C's handshakes die at B. (Refusing P at A would leave A without B: B's socket, bound
// to 0.0.0.0, answers a msg1 sent to X from P, and A refuses that msg2, as nebula does.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { configFromObject } from '../../../src/tunnel/config/index.js';
import { u32ToIpv4 } from '../../../src/tunnel/lighthouse/index.js';
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
const C_IP = '198.19.0.4';
// Underlay 198.18.171.0/24, used by no other test.
const NET = 171;
const B_SECOND = `198.18.${NET}.102`;

// The lighthouse section of a config, read by tio's config reader (the lists as `tio up` gets them).
function lists(lh: Record<string, unknown>): ReturnType<typeof configFromObject>['config']['lighthouse'] {
  return configFromObject({ pki: { ca: 'ca.crt', cert: 'h.crt', key: 'h.key' }, lighthouse: lh }).config.lighthouse;
}

test('local_allow_list keeps an address out of the reports, remote_allow_list out of use, remote_allow_ranges refuses handshakes', { skip, timeout: 120_000 }, async () => {
  const pki = makePki([['lh', `${LH_IP}/16`], ['a', `${A_IP}/16`], ['b', `${B_IP}/16`], ['c', `${C_IP}/16`]]);
  const seg = bridgeSegment('alw', NET, 3);
  const nodes: OverlayNode[] = [];
  const lines: string[] = [];
  try {
    const [nsA, nsB, nsC] = seg.spokes as [typeof seg.hub, typeof seg.hub, typeof seg.hub];
    const [addrA, addrB, addrC] = seg.spokeAddrs as [string, string, string];
    // B's veth is the interface holding its first address; X goes on it too.
    addAddress(nsB, interfaceWith(nsB, addrB), `${B_SECOND}/24`);
    const [hl, ha, hb, hc] = ['lh', 'a', 'b', 'c'].map((n) => pki.hosts.get(n)!);
    const client = { hosts: [hl!], intervalMs: 1000 };
    const lhNode = OverlayNode.start({ ...nodeOptions(pki, hl!, seg.hub.name, seg.hubAddr, []), lighthouse: { amLighthouse: true, hosts: [], intervalMs: 1000 } });
    nodes.push(lhNode);
    await lhNode.ready;
    const bOpts = nodeOptions(pki, hb!, nsB.name, addrB, [[hl!, seg.hubAddr]], { lighthouse: client, lines, logLevel: 'debug' });
    const bLh = lists({ local_allow_list: { [`${addrB}/32`]: false }, remote_allow_ranges: { [`${C_IP}/32`]: { [`${addrC}/32`]: false } } });
    const b = OverlayNode.start({ ...bOpts, listen: { ...bOpts.listen, host: '0.0.0.0' }, lighthouse: { ...bOpts.lighthouse!, localAllowList: bLh.localAllowList, remoteAllowList: bLh.remoteAllowList } });
    nodes.push(b);
    const aOpts = nodeOptions(pki, ha!, nsA.name, addrA, [[hl!, seg.hubAddr]], { lighthouse: client });
    const a = OverlayNode.start({ ...aOpts, lighthouse: { ...aOpts.lighthouse!, remoteAllowList: lists({ remote_allow_list: { [`${B_SECOND}/32`]: false } }).remoteAllowList } });
    nodes.push(a);
    const c = OverlayNode.start(nodeOptions(pki, hc!, nsC.name, addrC, [[hl!, seg.hubAddr]], { lighthouse: client }));
    nodes.push(c);
    await Promise.all([a.ready, b.ready, c.ready]);

    // The lighthouse learned P from B's tunnel and was told only X.
    const server = nodeInternals(lhNode).lighthouseServer!;
    const known = (): string[] => (server.addresses(ipU32(B_IP))?.addrs ?? []).map((x) => `${u32ToIpv4(x.ip)}:${x.port}`);
    await waitFor(() => known().length >= 2, 15_000, 'the lighthouse has B\'s report');
    assert.deepEqual(known(), [`${addrB}:4242`, `${B_SECOND}:4242`], 'learned P, then the reported X only');

    // A refuses X from the reply and handshakes with B at P; data flows intact.
    await nsA.execAsync('ping', ['-c', '2', '-i', '0.3', '-W', '5', B_IP], { timeoutMs: 30_000 });
    const tA = a.status().tunnels.find((t) => t.overlayAddress === B_IP);
    assert.equal(tA?.remote, `${addrB}:4242`, 'A uses P');
    assert.deepEqual(nodeInternals(a).lighthouse!.remotes(ipU32(B_IP)).map((e) => e.key), [`${addrB}:4242`], 'A learned P, not X');
    assert.ok(a.status().lighthouse!.addressesRefused >= 1, 'A counted X as refused');
    const x = await tcpTransfer(nsB, nsA, B_IP, 5431, 4 * MiB, 60_000);
    assert.equal(x.received.sha256, x.sent.sha256, 'A -> B TCP intact');

    // C learns both of B's addresses; B refuses every msg1 from C's address for C's overlay address.
    c.connect(ipU32(B_IP));
    await waitFor(() => b.status().handshakes.remoteDenied >= 2, 15_000, 'B denied C\'s handshakes (to P and to X)');
    assert.equal(b.status().tunnels.some((t) => t.overlayAddress === C_IP), false, 'B made no tunnel for C');
    assert.equal(c.status().tunnels.some((t) => t.overlayAddress === B_IP), false, 'C got no tunnel to B');
    assert.ok(lines.some((l) => l.includes('lighthouse.remote_allow_list denied incoming handshake') && l.includes(addrC)), 'B logged the denial');
    assert.ok(b.status().tunnels.some((t) => t.overlayAddress === A_IP), 'A, outside the range, still has its tunnel');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- b ---\n${lines.slice(-60).join('\n')}`, { cause: e });
  } finally {
    for (const n of nodes.reverse()) await n.stop();
    seg.destroy();
    pki.dispose();
  }
});
