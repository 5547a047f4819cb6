// Addresses learned from lighthouse replies, per overlay IP and per lighthouse that told us
// (nebula remote_list.go keeps one reported list per owner the same way). Bounded in hosts,
// addresses per host and age, so a lighthouse answering about many hosts cannot grow it without limit.
import type { Endpoint } from '../../udp/index.js';

/** Overlay addresses whose learned underlay addresses are kept; the least recently told is evicted first. */
export const MAX_LEARNED_HOSTS = 4096;
/** Addresses kept per overlay address, over all lighthouses (nebula hostmap.go MaxRemotes). */
export const MAX_LEARNED_ADDRS = 10;
/** How long a learned list is used without a fresher reply. */
export const LEARNED_TTL_MS = 10 * 60_000;

interface Entry {
  // Per lighthouse (its overlay IP): what it last said and when.
  readonly byOwner: Map<number, { addrs: readonly Endpoint[]; at: number }>;
  // The union, deduplicated and capped; rebuilt when an owner's list changes.
  union: readonly Endpoint[];
}

const NONE: readonly Endpoint[] = [];

/** Learned underlay addresses per overlay IP. */
export class LearnedAddresses {
  private readonly hosts = new Map<number, Entry>();

  constructor(private readonly now: () => number, private readonly ttlMs = LEARNED_TTL_MS, private readonly maxHosts = MAX_LEARNED_HOSTS) {}

  /** Number of overlay addresses with learned addresses. */
  get size(): number {
    return this.hosts.size;
  }

  /** Replaces what lighthouse `owner` says about `vpnIp` (an empty list forgets it). */
  set(vpnIp: number, owner: number, addrs: readonly Endpoint[]): void {
    let e = this.hosts.get(vpnIp);
    if (e === undefined) {
      if (addrs.length === 0) return;
      e = { byOwner: new Map(), union: NONE };
    }
    // Re-inserting moves the host to the newest end of the Map's order, for eviction.
    this.hosts.delete(vpnIp);
    if (addrs.length === 0) e.byOwner.delete(owner);
    else e.byOwner.set(owner, { addrs: addrs.slice(0, MAX_LEARNED_ADDRS), at: this.now() });
    if (e.byOwner.size === 0) return;
    e.union = union(e.byOwner);
    this.hosts.set(vpnIp, e);
    while (this.hosts.size > this.maxHosts) {
      const oldest = this.hosts.keys().next().value as number;
      this.hosts.delete(oldest);
    }
  }

  /** The addresses known for vpnIp that have not expired (empty when none). */
  get(vpnIp: number): readonly Endpoint[] {
    const e = this.hosts.get(vpnIp);
    if (e === undefined) return NONE;
    const cutoff = this.now() - this.ttlMs;
    let expired = false;
    for (const [owner, v] of e.byOwner) {
      if (v.at < cutoff) {
        e.byOwner.delete(owner);
        expired = true;
      }
    }
    if (e.byOwner.size === 0) {
      this.hosts.delete(vpnIp);
      return NONE;
    }
    if (expired) e.union = union(e.byOwner);
    return e.union;
  }

  /** Forgets everything. */
  clear(): void {
    this.hosts.clear();
  }
}

function union(byOwner: Map<number, { addrs: readonly Endpoint[] }>): readonly Endpoint[] {
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  for (const { addrs } of byOwner.values()) {
    for (const a of addrs) {
      if (out.length >= MAX_LEARNED_ADDRS) return out;
      if (seen.has(a.key)) continue;
      seen.add(a.key);
      out.push(a);
    }
  }
  return out;
}
