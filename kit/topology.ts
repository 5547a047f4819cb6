// The namespace layouts tests and benches build from kit/netns.ts: two
// namespaces joined by one veth, A - R - B through a middle namespace, or a hub
// namespace whose bridge puts several namespaces on one segment.
// Underlay addresses come from 198.18.0.0/15 (RFC 2544's benchmarking range);
// each caller picks its own third octet so parallel runs never share a subnet.
import { Netns, addAddress, vethPair } from './netns.js';
import { run } from './run.js';

/** Two namespaces joined by one veth. */
export interface NetnsPair {
  a: Netns;
  b: Netns;
  /** Underlay addresses, 198.18.<net>.1 (a) and .2 (b), without prefix length. */
  aAddr: string;
  bAddr: string;
  /** Interface names of the veth ends. */
  aIf: string;
  bIf: string;
  /** Destroys both namespaces; idempotent. */
  destroy(): void;
}

/** Namespaces `${tag}a` and `${tag}b` joined by a veth on 198.18.<net>.0/24 (MTU 1500 unless given); nothing is left behind if set-up fails. */
export function netnsPair(tag: string, net: number, mtu = 1500): NetnsPair {
  const spaces: Netns[] = [];
  const destroy = (): void => {
    for (const ns of spaces) ns.destroy();
  };
  try {
    const a = Netns.create(`${tag}a`);
    spaces.push(a);
    const b = Netns.create(`${tag}b`);
    spaces.push(b);
    const aAddr = `198.18.${net}.1`;
    const bAddr = `198.18.${net}.2`;
    const { aIf, bIf } = vethPair(a, b, { aAddr: `${aAddr}/24`, bAddr: `${bAddr}/24`, mtu });
    return { a, b, aAddr, bAddr, aIf, bIf, destroy };
  } catch (e) {
    destroy();
    throw e;
  }
}

/** A - R - B: two veth pairs through a middle namespace that runs the relay; A and B cannot reach each other except through it. */
export interface RelayTopology {
  a: Netns;
  r: Netns;
  b: Netns;
  /** A's underlay address, and the relay's address on A's side (what A dials for B). */
  aAddr: string;
  rA: string;
  /** B's underlay address, and the relay's address on B's side (what B dials for A). */
  bAddr: string;
  rB: string;
  destroy(): void;
}

/** Builds A - R - B with 198.18.<net>.0/24 on A's side and 198.18.<net+1>.0/24 on B's. */
export function relayTopology(tag: string, net: number): RelayTopology {
  const a = Netns.create(`${tag}a`);
  const r = Netns.create(`${tag}r`);
  const b = Netns.create(`${tag}b`);
  try {
    const aAddr = `198.18.${net}.1`;
    const rA = `198.18.${net}.2`;
    const bAddr = `198.18.${net + 1}.1`;
    const rB = `198.18.${net + 1}.2`;
    vethPair(a, r, { aAddr: `${aAddr}/24`, bAddr: `${rA}/24`, mtu: 1500 });
    vethPair(b, r, { aAddr: `${bAddr}/24`, bAddr: `${rB}/24`, mtu: 1500 });
    return {
      a, r, b, aAddr, rA, bAddr, rB,
      destroy: () => {
        a.destroy();
        r.destroy();
        b.destroy();
      },
    };
  } catch (e) {
    a.destroy();
    r.destroy();
    b.destroy();
    throw e;
  }
}

/** A - B - C: A and B joined on 198.18.<net>.0/24 (the underlay), C a host on a network behind B. */
export interface BehindPeerTopology extends NetnsPair {
  /** The namespace behind b. */
  c: Netns;
  /** The network behind b, its address on it and c's: 198.18.200.0/24, .1 and .2. */
  behind: string;
  bBehind: string;
  cAddr: string;
}

/**
 * netnsPair plus a namespace `${tag}c` behind b on 198.18.200.0/24: b forwards IPv4, and c
 * reaches the overlay 198.19.0.0/16 through b (what an overlay node "routing a network" needs).
 */
export function behindPeerTopology(tag: string, net: number): BehindPeerTopology {
  const pair = netnsPair(tag, net);
  let c: Netns | undefined;
  try {
    c = Netns.create(`${tag}c`);
    vethPair(pair.b, c, { aAddr: '198.18.200.1/24', bAddr: '198.18.200.2/24', mtu: 1500 });
    pair.b.exec('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    c.exec('ip', ['route', 'add', '198.19.0.0/16', 'via', '198.18.200.1']);
    const cc = c;
    return {
      ...pair, c: cc, behind: '198.18.200.0/24', bBehind: '198.18.200.1', cAddr: '198.18.200.2',
      destroy: () => {
        cc.destroy();
        pair.destroy();
      },
    };
  } catch (e) {
    c?.destroy();
    pair.destroy();
    throw e;
  }
}

/** A hub namespace with a bridge, and spoke namespaces each joined to it by a veth: one Ethernet segment. */
export interface BridgeSegment {
  /** The hub (its own address is on the bridge). */
  hub: Netns;
  /** The spokes, in the order asked for. */
  spokes: Netns[];
  /** The hub's address, 198.18.<net>.1, without prefix length. */
  hubAddr: string;
  /** Spoke i's address, 198.18.<net>.(i + 2). */
  spokeAddrs: string[];
  /** Destroys every namespace; idempotent. */
  destroy(): void;
}

/** Namespaces `${tag}h` (bridge, 198.18.<net>.1/24) and `${tag}0`..: all on 198.18.<net>.0/24; nothing is left behind if set-up fails. */
export function bridgeSegment(tag: string, net: number, spokes: number): BridgeSegment {
  const all: Netns[] = [];
  const destroy = (): void => {
    for (const ns of all) ns.destroy();
  };
  try {
    const hub = Netns.create(`${tag}h`);
    all.push(hub);
    run('ip', ['-n', hub.name, 'link', 'add', 'br0', 'type', 'bridge']);
    run('ip', ['-n', hub.name, 'link', 'set', 'br0', 'up']);
    const hubAddr = `198.18.${net}.1`;
    addAddress(hub, 'br0', `${hubAddr}/24`);
    const out: Netns[] = [];
    const spokeAddrs: string[] = [];
    for (let i = 0; i < spokes; i++) {
      const ns = Netns.create(`${tag}${i}`);
      all.push(ns);
      const addr = `198.18.${net}.${i + 2}`;
      const { aIf } = vethPair(hub, ns, { bAddr: `${addr}/24`, mtu: 1500 });
      run('ip', ['-n', hub.name, 'link', 'set', aIf, 'master', 'br0']);
      out.push(ns);
      spokeAddrs.push(addr);
    }
    return { hub, spokes: out, hubAddr, spokeAddrs, destroy };
  } catch (e) {
    destroy();
    throw e;
  }
}
