// The topology of `tio demo --mesh` (docs/ARCHITECTURE.md, the NAT rig paragraph): a "public
// internet" bridge in its own namespace with the lighthouse on it, and per site a NAT router on the
// bridge with a node behind it. Routers run the NAT ruleset of ./nat-rules.ts. Everything is made
// through the demo's Rig, so its cleanup removes it on every exit path.
import { natRuleset, type NatMode } from './nat-rules.js';
import { sh, type Rig } from './rig.js';

/** One site: a node behind a NAT router. */
export interface MeshSite {
  /** Node and router namespaces. */
  node: string;
  router: string;
  mode: NatMode;
  /** The node's private address (what it listens on) and the router's public one. */
  nodeAddr: string;
  publicAddr: string;
}

/** The built topology. */
export interface MeshTopology {
  lighthouse: string;
  lighthouseAddr: string;
  /** The lighthouse's interface on the bridge, whose byte counters show what crossed it. */
  lighthouseIf: string;
  sites: MeshSite[];
}

/** Third octet of the public 198.18.<NET>.0/24; site i's private net is 198.18.<NET+10+i>.0/24. */
const NET = 100;
const MTU = 1500;

/** Builds the bridge, the lighthouse and one NAT site per mode (site names a, b, c...). */
export function buildMesh(rig: Rig, modes: readonly NatMode[]): MeshTopology {
  const pub = rig.addNetns('pub');
  sh('ip', ['-n', pub, 'link', 'add', 'br0', 'mtu', String(MTU), 'type', 'bridge']);
  sh('ip', ['-n', pub, 'link', 'set', 'br0', 'up']);
  let port = 0;
  /** A veth from ns into the bridge, addr/24 on ns's end; returns ns's interface name. */
  const plug = (ns: string, addr: string): string => {
    const inner = 'pub0';
    const outer = `port${port++}`;
    sh('ip', ['-n', ns, 'link', 'add', inner, 'mtu', String(MTU), 'type', 'veth', 'peer', 'name', outer, 'mtu', String(MTU), 'netns', pub]);
    sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', inner]);
    sh('ip', ['-n', ns, 'link', 'set', inner, 'up']);
    sh('ip', ['-n', pub, 'link', 'set', outer, 'master', 'br0', 'up']);
    return inner;
  };
  const lighthouse = rig.addNetns('lh');
  const lighthouseAddr = `198.18.${NET}.1`;
  const lighthouseIf = plug(lighthouse, lighthouseAddr);
  const sites = modes.map((mode, i): MeshSite => {
    const name = String.fromCharCode(97 + i);
    const router = rig.addNetns(`r${name}`);
    const node = rig.addNetns(`n${name}`);
    const publicAddr = `198.18.${NET}.${10 + i}`;
    const pubIf = plug(router, publicAddr);
    const priv = `198.18.${NET + 10 + i}`;
    rig.addVeth({ ns: router, ifName: 'lan0', cidr: `${priv}.1/24` }, { ns: node, ifName: 'wan0', cidr: `${priv}.2/24` }, MTU);
    sh('ip', ['netns', 'exec', router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    sh('ip', ['-n', node, 'route', 'add', 'default', 'via', `${priv}.1`]);
    sh('ip', ['netns', 'exec', router, 'nft', natRuleset(mode, pubIf)]);
    return { node, router, mode, nodeAddr: `${priv}.2`, publicAddr };
  });
  return { lighthouse, lighthouseAddr, lighthouseIf, sites };
}

/** Received and sent bytes of interface ifName in namespace ns (ip -s -j link). */
export function ifBytes(ns: string, ifName: string): { rx: number; tx: number } {
  const j = JSON.parse(sh('ip', ['-n', ns, '-s', '-j', 'link', 'show', 'dev', ifName])) as { stats64: { rx: { bytes: number }; tx: { bytes: number } } }[];
  const s = j[0]?.stats64;
  if (s === undefined) throw new Error(`no counters for ${ifName} in ${ns}`);
  return { rx: s.rx.bytes, tx: s.tx.bytes };
}
