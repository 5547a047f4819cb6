// A NAT topology for lighthouse, hole-punching and relay tests:
//
//   namespace <tag>pub: bridge tbr0, the "public internet", 198.18.<net>.0/24
//     ├─ <tag>lh   lighthouse (or relay), 198.18.<net>.1
//     ├─ <tag>r<i> router i: public side 198.18.<net>.<10+i>, nftables NAT (kit/nat-nft.ts)
//     │    └─ <tag>n<i> node i behind it: 198.18.<net+10+i>.2/24, default route via .1
//     └─ <tag>n<i> node i with mode 'none': directly on the bridge at 198.18.<net>.<10+i>
//
// Routers are NAT boxes that drop anything unsolicited; 'cone' keeps source
// ports (port-restricted cone: punching works), 'symmetric' picks a random
// port per destination (punching fails; only a relay joins two such nodes).
// Nothing on the public segment routes to a private /24, so a node's private
// address is useless to the others, as behind a real NAT. Every namespace comes
// from Netns.create (so destroyAll() and the exit hooks clean up), and the
// bridge, veths, nft tables and conntrack state live inside them, so dispose()
// removes everything; a failed set-up disposes what it built before throwing.
//
//   const rig = natRig({ tag: 'lhx', sites: ['cone', 'symmetric'], net: 44 });
//   try { /* run programs in rig.lighthouse and rig.sites[i].node */ } finally { rig.dispose(); }
//
// kit/nat-overlay.ts adds certificates and nebula/tio configs for each role.
import { Netns, vethPair } from './netns.js';
import { applyNat, unsolicitedDrops, type NatMode } from './nat-nft.js';
import { claimedPorts, ifCounters, type IfCounters } from './netstat.js';
import { run } from './run.js';

/** How a site reaches the public segment: through a NAT router, or directly ('none'). */
export type SiteMode = NatMode | 'none';

/** Options of {@link natRig}. */
export interface NatRigOptions {
  /** Namespace tag prefix ([A-Za-z0-9_], short): namespaces are tio-<tag>pub-PID-N etc. */
  tag: string;
  /** One entry per node, in order: how that node reaches the public segment. */
  sites: readonly SiteMode[];
  /** Third octet of the public 198.18.<net>.0/24 (default 0); site i's private net is <net+10+i>. */
  net?: number;
  /** MTU of every link (default 1500). */
  mtu?: number;
}

/** One node and, unless its mode is 'none', the router in front of it. */
export interface NatSite {
  mode: SiteMode;
  /** The node's namespace: run nebula or tio here. */
  node: Netns;
  /** The node's own address (private behind a router, public with 'none'): what it listens on. */
  nodeAddr: string;
  /** The router's namespace, undefined with 'none'. */
  router: Netns | undefined;
  /** The address the public segment sees for this node: the router's public address (or nodeAddr with 'none'). */
  publicAddr: string;
  /** The interface holding publicAddr (in router, or in node with 'none'). */
  publicIf: string;
}

/** A built rig; dispose() removes it. */
export interface NatRig {
  /** The namespace holding the bridge. */
  pub: Netns;
  /** The lighthouse namespace, its address and interface on the public segment. */
  lighthouse: Netns;
  lighthouseAddr: string;
  lighthouseIf: string;
  /** The sites, in the order of options.sites. */
  sites: NatSite[];
  /** Counters of the lighthouse's public interface: small when traffic between nodes bypasses it. */
  lighthouseTraffic(): IfCounters;
  /** Counters of a site's public interface (its router's, or the node's with 'none'). */
  publicTraffic(site: NatSite): IfCounters;
  /** Datagrams the site's router dropped as unsolicited (0 for 'none'). */
  unsolicitedDrops(site: NatSite): number;
  /** UDP ports on the site's public address that conntrack entries in its router hold (empty for 'none'). */
  claimedPublicPorts(site: NatSite): Set<number>;
  /** Whether no conntrack entry in the site's router holds this UDP port on its public address. */
  publicPortFree(site: NatSite, port: number): boolean;
  /** Destroys every namespace of the rig, with all in it; idempotent. */
  dispose(): void;
}

/** The bridge's name inside the pub namespace. */
const BRIDGE = 'tbr0';

/** Builds the rig (see the top of this file); throws after cleaning up when any step fails. */
export function natRig(opts: NatRigOptions): NatRig {
  const net = opts.net ?? 0;
  const mtu = opts.mtu ?? 1500;
  if (!Number.isInteger(net) || net < 0 || net + 10 + opts.sites.length > 255) throw new RangeError(`net ${net} leaves no room for ${opts.sites.length} private /24s`);
  if (opts.sites.length > 200) throw new RangeError('at most 200 sites');
  const spaces: Netns[] = [];
  const dispose = (): void => {
    const errors: unknown[] = [];
    for (const ns of spaces.splice(0).reverse()) {
      try {
        ns.destroy();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'nat rig teardown failed');
  };
  const make = (tag: string): Netns => {
    const ns = Netns.create(tag);
    spaces.push(ns);
    return ns;
  };
  try {
    const pub = make(`${opts.tag}pub`);
    run('ip', ['-n', pub.name, 'link', 'add', BRIDGE, 'mtu', String(mtu), 'type', 'bridge']);
    run('ip', ['-n', pub.name, 'link', 'set', BRIDGE, 'up']);
    /** Plugs ns into the bridge with addr/24; returns ns's interface name. */
    const plug = (ns: Netns, addr: string): string => {
      const { aIf, bIf } = vethPair(ns, pub, { aAddr: `${addr}/24`, mtu });
      run('ip', ['-n', pub.name, 'link', 'set', bIf, 'master', BRIDGE]);
      return aIf;
    };
    const lighthouse = make(`${opts.tag}lh`);
    const lighthouseAddr = `198.18.${net}.1`;
    const lighthouseIf = plug(lighthouse, lighthouseAddr);
    const sites = opts.sites.map((mode, i): NatSite => {
      const publicAddr = `198.18.${net}.${10 + i}`;
      if (mode === 'none') {
        const node = make(`${opts.tag}n${i}`);
        return { mode, node, nodeAddr: publicAddr, router: undefined, publicAddr, publicIf: plug(node, publicAddr) };
      }
      const router = make(`${opts.tag}r${i}`);
      const node = make(`${opts.tag}n${i}`);
      const publicIf = plug(router, publicAddr);
      const priv = `198.18.${net + 10 + i}`;
      vethPair(router, node, { aAddr: `${priv}.1/24`, bAddr: `${priv}.2/24`, mtu });
      router.exec('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
      run('ip', ['-n', node.name, 'route', 'add', 'default', 'via', `${priv}.1`]);
      applyNat(router, mode, publicIf);
      return { mode, node, nodeAddr: `${priv}.2`, router, publicAddr, publicIf };
    });
    return {
      pub, lighthouse, lighthouseAddr, lighthouseIf, sites,
      lighthouseTraffic: () => ifCounters(lighthouse, lighthouseIf),
      publicTraffic: (s) => ifCounters(s.router ?? s.node, s.publicIf),
      unsolicitedDrops: (s) => (s.router ? unsolicitedDrops(s.router) : 0),
      claimedPublicPorts: (s) => (s.router ? claimedPorts(s.router, s.publicAddr) : new Set()),
      publicPortFree: (s, port) => !(s.router ? claimedPorts(s.router, s.publicAddr) : new Set()).has(port),
      dispose,
    };
  } catch (e) {
    try {
      dispose();
    } catch (cleanupError) {
      throw new AggregateError([e, cleanupError], 'nat rig set-up failed, and so did its cleanup');
    }
    throw e;
  }
}
