// Shared set-up for the fault tests: namespaces, addresses, and small
// measurement helpers (fd count, bounded waits).
import { readdirSync } from 'node:fs';
import { Netns, vethPair } from '../../kit/netns.js';

export { OVERLAY_A, OVERLAY_B, withNodePair, type NodePair } from '../helpers/node-pair.js';

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

/** Open fds of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Rejects with `what` if p does not settle within ms. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} not within ${ms} ms`)), ms)))])
    .finally(() => clearTimeout(t));
}

/** Megabytes, one decimal, for logs. */
export function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
