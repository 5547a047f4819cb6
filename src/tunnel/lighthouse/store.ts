// What a lighthouse keeps per host (docs/PROTOCOL.md "Lighthouse messages"; nebula remote_list.go):
// the list of its latest update (reported). The address its tunnel comes from (learned) is read from
// the tunnel when asked, so roaming needs no bookkeeping. Entries are made only for hosts with a
// tunnel to us and go when it closes; MAX_SERVED_HOSTS bounds them anyway.
import type { Ip4AndPort, Ip6AndPort } from './meta.js';
import { MAX_REPORTED_ADDRS } from './addresses.js';

/**
 * Hosts a lighthouse keeps at most. Each entry is an address plus up to 10 reported ones (a few
 * hundred bytes), so 65536 hosts cost tens of MiB at worst; nebula sets no limit.
 */
export const MAX_SERVED_HOSTS = 65_536;

/** One host's addresses as a lighthouse keeps them. */
export interface ServedHost {
  /** From its latest HostUpdateNotification, at most MAX_REPORTED_ADDRS. */
  reported: Ip4AndPort[];
  /** Its IPv6 addresses from the same update, at most MAX_REPORTED_ADDRS (nebula keeps each family's list apart). */
  reported6: Ip6AndPort[];
  /** Overlay addresses of its relays (relay.relays) from the same update, at most MAX_REPORTED_ADDRS. */
  relays: number[];
}

/** What a reply says about a host: its addresses (learned first) and its relays. */
export interface HostAnswer {
  /** Learned address first (when IPv4), then reported. */
  addrs: Ip4AndPort[];
  /** Learned address first (when IPv6), then reported IPv6 ones. */
  addrs6: Ip6AndPort[];
  /** Its relays, as it reported them. */
  relays: number[];
}

/** The lighthouse's per-host address store, bounded in hosts and in addresses per host. */
export class HostStore {
  private readonly hosts = new Map<number, ServedHost>();

  constructor(private readonly limit = MAX_SERVED_HOSTS) {}

  /** Hosts kept. */
  get size(): number {
    return this.hosts.size;
  }

  /** The addresses of `vpnIp`, or undefined for a host we do not know. */
  get(vpnIp: number): ServedHost | undefined {
    return this.hosts.get(vpnIp);
  }

  /**
   * Replaces `vpnIp`'s reported list and relays with the first MAX_REPORTED_ADDRS of `addrs` and
   * `relays` (as nebula's unlockedSetV4 and unlockedSetRelay, which truncate to MaxRemotes); false
   * when the store is full.
   */
  report(vpnIp: number, addrs: readonly Ip4AndPort[], relays: readonly number[] = [], addrs6: readonly Ip6AndPort[] = []): boolean {
    const h = this.entry(vpnIp);
    if (h === null) return false;
    h.reported = addrs.slice(0, MAX_REPORTED_ADDRS);
    h.reported6 = addrs6.slice(0, MAX_REPORTED_ADDRS);
    h.relays = relays.slice(0, MAX_REPORTED_ADDRS);
    return true;
  }

  /** Forgets `vpnIp` (its tunnel closed). */
  forget(vpnIp: number): boolean {
    return this.hosts.delete(vpnIp);
  }

  /**
   * The host's addresses for a reply: `learned` (its tunnel's remote, null without one) first, then
   * reported (nebula coalesceAnswers; duplicates kept, as nebula), and its relays; null for a host
   * known neither way.
   */
  answer(vpnIp: number, learned: Ip4AndPort | null, learned6: Ip6AndPort | null = null): HostAnswer | null {
    const h = this.hosts.get(vpnIp);
    const first = learned === null ? [] : [learned];
    const first6 = learned6 === null ? [] : [learned6];
    if (h === undefined) return learned === null && learned6 === null ? null : { addrs: first, addrs6: first6, relays: [] };
    return { addrs: [...first, ...h.reported], addrs6: [...first6, ...h.reported6], relays: [...h.relays] };
  }

  /** The relays `vpnIp` named in its latest update (empty for a host we do not know). */
  relaysOf(vpnIp: number): number[] {
    return [...(this.hosts.get(vpnIp)?.relays ?? [])];
  }

  /** Forgets everything. */
  clear(): void {
    this.hosts.clear();
  }

  private entry(vpnIp: number): ServedHost | null {
    let h = this.hosts.get(vpnIp);
    if (h === undefined) {
      if (this.hosts.size >= this.limit) return null;
      h = { reported: [], reported6: [], relays: [] };
      this.hosts.set(vpnIp, h);
    }
    return h;
  }
}
