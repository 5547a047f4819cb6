// Shared set-up for the fault tests: namespaces, addresses, and small
// measurement helpers (fd count, RSS, bounded waits).
import { readdirSync, readFileSync } from 'node:fs';
import type { LogLevel } from '../../src/tunnel/log/logger.js';
import { OverlayNode } from '../../src/tunnel/node/node.js';
import { Netns, vethPair } from '../helpers/netns.js';
import { makePki, type TestPki } from '../helpers/nebula-pki.js';
import { nodeOptions } from '../helpers/overlay.js';

/** Overlay addresses of the two nodes (198.19.0.0/16). */
export const OVERLAY_A = '198.19.0.1';
export const OVERLAY_B = '198.19.0.2';

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

/** Two started OverlayNodes in their own namespaces, joined by one veth. */
export interface NodePair {
  pki: TestPki;
  a: Netns;
  b: Netns;
  na: OverlayNode;
  nb: OverlayNode;
  /** Both nodes' log lines, in order. */
  lines: string[];
  /** Underlay addresses, 198.18.<net>.1 and .2. */
  aAddr: string;
  bAddr: string;
}

/**
 * Runs fn with nodes a (OVERLAY_A) and b (OVERLAY_B) in namespaces
 * `${tag}a` / `${tag}b` on 198.18.<net>.0/24. A failure is rethrown with the
 * nodes' log appended (its last logTail lines; all by default); nodes,
 * namespaces and PKI are torn down on every path.
 */
export async function withNodePair(
  o: { tag: string; net: number; logLevel?: LogLevel; logTail?: number },
  fn: (p: NodePair) => Promise<void>,
): Promise<void> {
  const pki = makePki([['a', `${OVERLAY_A}/16`], ['b', `${OVERLAY_B}/16`]]);
  const a = Netns.create(`${o.tag}a`);
  const b = Netns.create(`${o.tag}b`);
  const lines: string[] = [];
  const aAddr = `198.18.${o.net}.1`;
  const bAddr = `198.18.${o.net}.2`;
  const logLevel = o.logLevel ?? 'info';
  let na: OverlayNode | undefined;
  let nb: OverlayNode | undefined;
  try {
    vethPair(a, b, { aAddr: `${aAddr}/24`, bAddr: `${bAddr}/24`, mtu: 1500 });
    const ha = pki.hosts.get('a')!;
    const hb = pki.hosts.get('b')!;
    na = OverlayNode.start(nodeOptions(pki, ha, a.name, aAddr, [[hb, bAddr]], { lines, logLevel }));
    nb = OverlayNode.start(nodeOptions(pki, hb, b.name, bAddr, [[ha, aAddr]], { lines, logLevel }));
    await fn({ pki, a, b, na, nb, lines, aAddr, bAddr });
  } catch (e) {
    const shown = o.logTail === undefined ? lines : lines.slice(-o.logTail);
    throw new Error(`${(e as Error).message}\n--- node logs ---\n${shown.join('\n')}`, { cause: e });
  } finally {
    await na?.stop();
    await nb?.stop();
    a.destroy();
    b.destroy();
    pki.dispose();
  }
}

/** Open fds of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Resident set size of a process in bytes (VmRSS), or NaN once it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
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
