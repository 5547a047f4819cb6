// local_allow_list against nebula 1.6.1, the oracle (docs/PROTOCOL.md "Allow lists"): the same list
// given to a nebula node and to a tio node, each with three underlay addresses (P and X on its veth,
// Y on another interface) and listening on 0.0.0.0, makes both report exactly X to a tio lighthouse:
// P refused by CIDR, Y by the interface-name rule.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { configFromObject } from '../../../src/tunnel/config/index.js';
import { u32ToIpv4 } from '../../../src/tunnel/lighthouse/index.js';
import { addAddress, destroyAll, interfaceWith, rootSkipReason, waitFor, type Netns } from '../../../kit/netns.js';
import { bridgeSegment } from '../../../kit/topology.js';
import { makePki, nebulaSkipReason, type HostFiles } from '../../../kit/nebula-pki.js';
import { startNebulaWith, writeNodeConfig } from '../../../kit/nebula.js';
import { run } from '../../../kit/run.js';
import { ipU32, nodeOptions } from '../../helpers/overlay.js';

const skip = rootSkipReason() ?? nebulaSkipReason();
after(destroyAll);

const LH_IP = '198.19.0.1';
const NEB_IP = '198.19.0.2';
const TIO_IP = '198.19.0.3';
// Underlay 198.18.175.0/24, used by no other test.
const NET = 175;

test('nebula and tio given the same local_allow_list (a CIDR and an interface regex) report the same address', { skip, timeout: 90_000 }, async () => {
  const pki = makePki([['lh', `${LH_IP}/16`], ['neb', `${NEB_IP}/16`], ['tio', `${TIO_IP}/16`]]);
  const seg = bridgeSegment('alnb', NET, 2);
  const stops: (() => Promise<unknown>)[] = [];
  let logs: string[] = [];
  try {
    const [hl, hn, ht] = ['lh', 'neb', 'tio'].map((n) => pki.hosts.get(n)!) as [HostFiles, HostFiles, HostFiles];
    const second = (i: number): string => `198.18.${NET}.${102 + i}`;
    const dummy = (i: number): string => `198.18.${NET}.${202 + i}`;
    seg.spokes.forEach((ns: Netns, i) => {
      addAddress(ns, interfaceWith(ns, seg.spokeAddrs[i]!), `${second(i)}/24`);
      // A veth pair inside the namespace stands in for a second interface (no dummy module needed).
      run('ip', ['-n', ns.name, 'link', 'add', 'dum7a', 'type', 'veth', 'peer', 'name', 'dum7b']);
      run('ip', ['-n', ns.name, 'link', 'set', 'dum7a', 'up']);
      run('ip', ['-n', ns.name, 'link', 'set', 'dum7b', 'up']);
      addAddress(ns, 'dum7a', `${dummy(i)}/32`);
    });
    const list = (i: number): Record<string, unknown> => ({ interfaces: { 'dum.*': false }, [`${seg.spokeAddrs[i]}/32`]: false });
    const lh = OverlayNode.start({ ...nodeOptions(pki, hl, seg.hub.name, seg.hubAddr, []), lighthouse: { amLighthouse: true, hosts: [], intervalMs: 1000 } });
    stops.push(() => lh.stop());
    await lh.ready;

    const file = writeNodeConfig(pki, hn, '0.0.0.0', [[hl, seg.hubAddr]], { lighthouse: { am: false, hosts: [LH_IP], interval: 1 }, dev: 'alnb0' }, 'alnb');
    const c = parse(readFileSync(file, 'utf8')) as { lighthouse: Record<string, unknown> };
    c.lighthouse.local_allow_list = list(0);
    writeFileSync(file, stringify(c));
    const neb = startNebulaWith(seg.spokes[0]!, file);
    stops.push(() => neb.stop());
    logs = neb.log;
    await neb.waitForLog('Nebula interface is active', 15_000);

    const o = nodeOptions(pki, ht, seg.spokes[1]!.name, '0.0.0.0', [[hl, seg.hubAddr]], { lighthouse: { hosts: [hl], intervalMs: 1000 } });
    const localAllowList = configFromObject({ pki: { ca: 'c', cert: 'h', key: 'k' }, lighthouse: { local_allow_list: list(1) } }).config.lighthouse.localAllowList;
    const node = OverlayNode.start({ ...o, lighthouse: { ...o.lighthouse!, localAllowList } });
    stops.push(() => node.stop());
    await node.ready;

    const server = nodeInternals(lh).lighthouseServer!;
    const known = (vpn: string): string[] => (server.addresses(ipU32(vpn))?.addrs ?? []).map((x) => `${u32ToIpv4(x.ip)}:${x.port}`);
    await waitFor(() => known(NEB_IP).length >= 2 && known(TIO_IP).length >= 2, 15_000, 'both reports at the lighthouse');
    // Learned from the tunnel (P, the source address), then the report: X only.
    assert.deepEqual(known(NEB_IP), [`${seg.spokeAddrs[0]}:4242`, `${second(0)}:4242`], 'nebula reported X only');
    assert.deepEqual(known(TIO_IP), [`${seg.spokeAddrs[1]}:4242`, `${second(1)}:4242`], 'tio reported X only, as nebula');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- nebula ---\n${logs.join('\n')}`, { cause: e });
  } finally {
    for (const s of stops.reverse()) await s();
    seg.destroy();
    pki.dispose();
  }
});
