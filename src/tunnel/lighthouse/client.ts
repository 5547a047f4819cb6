// The lighthouse client (docs/PROTOCOL.md "Lighthouse messages"; nebula lighthouse.go): reports our
// addresses to the lighthouses at start and every interval, asks them where a peer is when traffic
// needs a peer we have no address for, and hands what they answer to the handshakes.
//
// Everything here runs on authenticated input only (messages decrypted on a tunnel), and what it
// changes is limited to the learned-address cache and handshakes for peers that have no tunnel:
// a reply never touches an established tunnel, and a handshake to a learned address still has to
// prove the peer's certificate (docs/PROTOCOL.md "Static key and certificate"). Queries are rate
// limited per address and in total, held packets and waiting peers are bounded.
import { RateBudget } from '../budget/index.js';
import type { Logger } from '../log/logger.js';
import type { Endpoint } from '../../udp/index.js';
import { acceptedEither, u32ToIpv4 } from './addresses.js';
import type { RemoteAllowList } from './allow-list.js';
import { LearnedAddresses } from './cache.js';
import { decodeOrDrop } from './receive.js';
import {
  META_HOST_PUNCH_NOTIFICATION, META_HOST_QUERY, META_HOST_QUERY_REPLY, META_HOST_UPDATE_NOTIFICATION, encodeMeta,
  type Ip4AndPort, type Ip6AndPort,
} from './meta.js';

/** A peer is asked about at most once per this long (nebula asks at every handshake retry, 100 ms apart at first). */
export const QUERY_INTERVAL_MS = 500;
/** Queries sent per second over all peers, at most: a scan of the overlay network costs the lighthouse little. */
export const QUERIES_PER_SECOND = 100;
/** Peers waiting for an answer, at most; traffic for more is dropped (counted). */
export const MAX_WAITING = 1024;
/** How long packets wait for an answer before they are dropped (about nebula's handshake timeout). */
export const WAIT_MS = 10_000;
/** Relays kept per host from replies (nebula's relay.relays lists are short). */
export const MAX_RELAYS_PER_HOST = 4;
/** Hosts whose relays are kept; the oldest goes first. */
export const MAX_RELAY_HOSTS = 4096;

/** What the client needs from the node. */
export interface LighthouseHost {
  /** Sends a NebulaMeta to lighthouse `lighthouse` on its tunnel; false when it has none (the host then starts a handshake to it). */
  send(lighthouse: number, payload: Uint8Array): boolean;
  /** Our reachable underlay addresses, worked out at each update. */
  reportAddrs(): readonly Ip4AndPort[];
  /** Our IPv6 addresses for an update (an IPv6 socket only); absent: none. */
  reportAddrs6?(): readonly Ip6AndPort[];
  /**
   * Addresses for `vpnIp` were learned: hurry its pending handshake; if traffic was waiting for
   * the answer (`held` not null: its inner packets, possibly none), start one.
   */
  learned(vpnIp: number, held: readonly Buffer[] | null): void;
  /** A lighthouse says `vpnIp`, at `addrs`, asked about us (punchy acts on it); absent: only counted. */
  punch?(vpnIp: number, addrs: readonly Ip4AndPort[], addrs6: readonly Ip6AndPort[]): void;
  /** Monotonic milliseconds. */
  now(): number;
  log: Logger;
}

/** Lighthouse client settings (config `lighthouse`, our certificate's network). */
export interface LighthouseClientOptions {
  /** Overlay IPs of the lighthouses (config lighthouse.hosts). */
  lighthouses: readonly number[];
  /** Period of HostUpdateNotification (config lighthouse.interval). */
  intervalMs: number;
  /** Our overlay address and prefix length. */
  vpnIp: number;
  prefix: number;
  /** Inner packets held per waiting peer (config handshakes.trigger_buffer). */
  holdPackets: number;
  /** Overlay IPs of the relays others may reach us through (config relay.relays), sent in every update. */
  relays?: readonly number[];
  /** lighthouse.remote_allow_list / remote_allow_ranges: addresses in replies it refuses are dropped (docs/PROTOCOL.md "Allow lists"). */
  remoteAllowList?: RemoteAllowList | null;
  /** The socket is IPv6 (dual-stack or bound to an IPv6 address): IPv6 addresses in replies and punch notifications are used. */
  ipv6?: boolean;
}

/** Counters of the lighthouse client. */
export interface LighthouseStats {
  /** HostUpdateNotification messages sent (one per lighthouse with a tunnel). */
  updatesSent: number;
  /** HostQuery messages sent (one per lighthouse with a tunnel). */
  queriesSent: number;
  /** Queries not sent: the peer was asked less than QUERY_INTERVAL_MS ago, or the per-second budget was spent. */
  queriesLimited: number;
  /** HostQueryReply messages taken from a lighthouse. */
  repliesReceived: number;
  /** Underlay addresses accepted from replies. */
  addressesLearned: number;
  /** Addresses in replies that were refused (port 0, not unicast IPv4, inside the overlay network) or over the limits. */
  addressesRefused: number;
  /** Replies with usable addresses handed to the handshakes (to start or hurry one). */
  handshakesStarted: number;
  /** Lighthouse messages that did not decode (dropped). */
  malformed: number;
  /** Lighthouse messages ignored: from a host that is not our lighthouse, a type a client does not act on, or about ourselves. */
  ignored: number;
  /** HostPunchNotification messages from our lighthouses (someone asked about us); handed to punchy. */
  punchNotifications: number;
  /** Inner packets dropped while waiting: too many waiting peers, the peer's hold was full, or no answer in WAIT_MS. */
  heldDropped: number;
}

interface Waiting {
  readonly packets: Buffer[];
  readonly since: number;
}

/** The client side of the lighthouse protocol for one node. */
export class LighthouseClient {
  /** Counters. */
  readonly stats: LighthouseStats = {
    updatesSent: 0, queriesSent: 0, queriesLimited: 0, repliesReceived: 0, addressesLearned: 0, addressesRefused: 0,
    handshakesStarted: 0, malformed: 0, ignored: 0, punchNotifications: 0, heldDropped: 0,
  };
  private lighthouses: ReadonlySet<number>;
  private readonly learnedAddrs: LearnedAddresses;
  // Relays replies named per host (noteRelays), in insertion order for eviction.
  private readonly relays = new Map<number, readonly number[]>();
  private readonly waiting = new Map<number, Waiting>();
  private readonly lastQuery = new Map<number, number>();
  private readonly budget = new RateBudget(QUERIES_PER_SECOND);
  private lastUpdate = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(private readonly host: LighthouseHost, private o: LighthouseClientOptions) {
    this.lighthouses = new Set(o.lighthouses);
    this.learnedAddrs = new LearnedAddresses(() => host.now());
  }

  /**
   * A reloaded lighthouse.hosts and lighthouse.interval (docs/PROTOCOL.md "Reloading the config"):
   * updates and queries go to the new set from now on; tunnels to lighthouses that left it stay (they
   * may carry other traffic). A changed interval starts a new period with an update now, as nebula
   * restarts its update worker.
   */
  reload(lighthouses: readonly number[], intervalMs: number): void {
    this.lighthouses = new Set(lighthouses);
    const restart = intervalMs !== this.o.intervalMs;
    this.o = { ...this.o, lighthouses, intervalMs };
    if (restart && !this.closed) this.sendUpdate();
  }

  /** True when `vpnIp` is one of our lighthouses. */
  isLighthouse(vpnIp: number): boolean {
    return this.lighthouses.has(vpnIp);
  }

  /** Overlay addresses with learned underlay addresses. */
  get learnedHosts(): number {
    return this.learnedAddrs.size;
  }

  /** Peers whose traffic waits for a lighthouse answer. */
  get waitingHosts(): number {
    return this.waiting.size;
  }

  /** Learned addresses of `vpnIp` that have not expired (empty when none). */
  remotes(vpnIp: number): readonly Endpoint[] {
    return this.learnedAddrs.get(vpnIp);
  }

  /** Sends the first update (which starts the handshakes to the lighthouses). */
  start(): void {
    this.sendUpdate();
  }

  /** Periodic upkeep (the node's tick): the interval's update, re-asking for waiting peers, dropping the ones waited on too long. */
  tick(): void {
    if (this.closed) return;
    const now = this.host.now();
    if (now - this.lastUpdate >= this.o.intervalMs) this.sendUpdate();
    for (const [vpnIp, w] of this.waiting) {
      if (now - w.since > WAIT_MS) {
        this.stats.heldDropped += w.packets.length;
        this.waiting.delete(vpnIp);
      } else {
        this.query(vpnIp);
      }
    }
    if (this.lastQuery.size > MAX_WAITING) {
      for (const [ip, at] of this.lastQuery) if (now - at >= QUERY_INTERVAL_MS) this.lastQuery.delete(ip);
    }
  }

  /**
   * Traffic for `vpnIp`, which has no address anywhere: hold `packet` (copied) and ask the
   * lighthouses. False when they cannot help (no lighthouses, or `vpnIp` is one of them).
   */
  hold(vpnIp: number, packet?: Uint8Array): boolean {
    if (this.closed || this.lighthouses.size === 0 || this.lighthouses.has(vpnIp) || vpnIp === this.o.vpnIp) return false;
    let w = this.waiting.get(vpnIp);
    const fresh = w === undefined;
    if (w === undefined) {
      if (this.waiting.size >= MAX_WAITING) {
        if (packet) this.stats.heldDropped++;
        return true;
      }
      w = { packets: [], since: this.host.now() };
      this.waiting.set(vpnIp, w);
    }
    if (packet) {
      if (w.packets.length < this.o.holdPackets) w.packets.push(Buffer.from(packet));
      else this.stats.heldDropped++;
    }
    // Asked now if new; later packets (a superpacket's segments, a stream) leave the asking again to tick().
    if (fresh) this.query(vpnIp);
    return true;
  }

  /** Asks every lighthouse about `vpnIp`, unless it was asked recently or the budget is spent. */
  query(vpnIp: number): void {
    if (this.closed || this.lighthouses.has(vpnIp)) return;
    const now = this.host.now();
    const last = this.lastQuery.get(vpnIp);
    if (last !== undefined && now - last < QUERY_INTERVAL_MS) {
      this.stats.queriesLimited++;
      return;
    }
    if (!this.budget.take(now)) {
      this.stats.queriesLimited++;
      return;
    }
    this.lastQuery.set(vpnIp, now);
    const payload = encodeMeta({ type: META_HOST_QUERY, details: { vpnIp } });
    let sent = 0;
    for (const lh of this.lighthouses) if (this.host.send(lh, payload)) sent++;
    this.stats.queriesSent += sent;
    this.host.log.debug('Lighthouse query', { vpnIp: u32ToIpv4(vpnIp), sent });
  }

  /** A tunnel to `vpnIp` came up: a lighthouse gets our update and the questions that waited for it. */
  tunnelUp(vpnIp: number): void {
    if (this.closed || !this.lighthouses.has(vpnIp)) return;
    this.sendUpdateTo(vpnIp, encodeMeta({ type: META_HOST_UPDATE_NOTIFICATION, details: { vpnIp: this.o.vpnIp, ip4AndPorts: this.host.reportAddrs(), ip6AndPorts: this.host.reportAddrs6?.() ?? [], relayVpnIps: this.o.relays ?? [] } }));
    let n = 0;
    for (const ip of this.waiting.keys()) {
      if (n++ >= QUERIES_PER_SECOND) break;
      if (this.host.send(vpnIp, encodeMeta({ type: META_HOST_QUERY, details: { vpnIp: ip } }))) this.stats.queriesSent++;
    }
  }

  /** A lighthouse message (decrypted plaintext buf[off, off+len)) arrived on the tunnel to `from`. */
  onMessage(from: number, buf: Uint8Array, off: number, len: number): void {
    if (this.closed) return;
    // Only our lighthouses are listened to; another member's messages are not even decoded.
    if (!this.lighthouses.has(from)) {
      this.stats.ignored++;
      return;
    }
    const m = decodeOrDrop(buf, off, len, from, this.stats, this.host.log);
    if (m === null) return;
    // As a client we act on answers and punch notifications only; queries and updates are for
    // lighthouses (lighthouse.go HandleRequest).
    if (m.type === META_HOST_PUNCH_NOTIFICATION) {
      this.stats.punchNotifications++;
      if (m.details.vpnIp === this.o.vpnIp) this.stats.ignored++;
      else this.host.punch?.(m.details.vpnIp, m.details.ip4AndPorts, this.o.ipv6 === true ? m.details.ip6AndPorts : []);
      return;
    }
    if (m.type !== META_HOST_QUERY_REPLY) {
      this.stats.ignored++;
      return;
    }
    this.noteRelays(m.details.vpnIp, m.details.relayVpnIps);
    const v6 = this.o.ipv6 === true ? m.details.ip6AndPorts : [];
    this.onReply(from, m.details.vpnIp, m.details.ip4AndPorts, v6, m.dropped + m.details.ip6AndPorts.length - v6.length);
  }

  /** Overlay IPs of the relays a reply named for `vpnIp` (its relay.relays; docs/PROTOCOL.md "Relays"). */
  relaysFor(vpnIp: number): readonly number[] {
    return this.relays.get(vpnIp) ?? [];
  }

  // A reply's RelayVpnIp list (only from a lighthouse: handle() checked the sender), at most
  // MAX_RELAYS_PER_HOST per host for MAX_RELAY_HOSTS hosts; the latest reply wins.
  private noteRelays(vpnIp: number, relays: readonly number[]): void {
    if (vpnIp === this.o.vpnIp || this.lighthouses.has(vpnIp)) return;
    const keep = relays.filter((r) => r !== vpnIp && r !== this.o.vpnIp).slice(0, MAX_RELAYS_PER_HOST);
    if (keep.length === 0) {
      this.relays.delete(vpnIp);
      return;
    }
    if (!this.relays.has(vpnIp) && this.relays.size >= MAX_RELAY_HOSTS) {
      const oldest = this.relays.keys().next();
      if (oldest.done !== true) this.relays.delete(oldest.value);
    }
    this.relays.delete(vpnIp);
    this.relays.set(vpnIp, keep);
  }

  /** Stops acting and forgets everything held. */
  close(): void {
    this.closed = true;
    this.waiting.clear();
    this.lastQuery.clear();
    this.learnedAddrs.clear();
    this.relays.clear();
  }

  private onReply(from: number, vpnIp: number, v4: readonly Ip4AndPort[], v6: readonly Ip6AndPort[], skipped: number): void {
    this.stats.repliesReceived++;
    this.stats.addressesRefused += skipped;
    if (vpnIp === this.o.vpnIp || this.lighthouses.has(vpnIp)) {
      this.stats.ignored++;
      return;
    }
    const addrs: Endpoint[] = [];
    for (const a of [...v4, ...v6]) {
      const ep = acceptedEither(a, this.o.vpnIp, this.o.prefix);
      if (ep === null || this.o.remoteAllowList?.allows(vpnIp, ep) === false) this.stats.addressesRefused++;
      // A nebula lighthouse lists the address it learned and then the reported ones, often the same (docs/PROTOCOL.md "Lighthouse messages").
      else if (!addrs.some((x) => x.equals(ep))) addrs.push(ep);
    }
    this.learnedAddrs.set(vpnIp, from, addrs);
    this.stats.addressesLearned += addrs.length;
    this.host.log.debug('Lighthouse reply', { vpnIp: u32ToIpv4(vpnIp), lighthouse: u32ToIpv4(from), udpAddrs: addrs.map((a) => a.key).join(',') });
    if (addrs.length === 0) return;
    const w = this.waiting.get(vpnIp);
    this.waiting.delete(vpnIp);
    this.stats.handshakesStarted++;
    this.host.learned(vpnIp, w?.packets ?? null);
  }

  private sendUpdate(): void {
    this.lastUpdate = this.host.now();
    if (this.closed || this.lighthouses.size === 0) return;
    const payload = encodeMeta({ type: META_HOST_UPDATE_NOTIFICATION, details: { vpnIp: this.o.vpnIp, ip4AndPorts: this.host.reportAddrs(), ip6AndPorts: this.host.reportAddrs6?.() ?? [], relayVpnIps: this.o.relays ?? [] } });
    for (const lh of this.lighthouses) this.sendUpdateTo(lh, payload);
  }

  private sendUpdateTo(lh: number, payload: Uint8Array): void {
    if (this.host.send(lh, payload)) this.stats.updatesSent++;
  }
}
