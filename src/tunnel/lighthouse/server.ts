// The lighthouse server (docs/PROTOCOL.md "Lighthouse messages"; nebula lighthouse.go
// handleHostUpdateNotification, handleHostQuery): keeps each host's addresses while its tunnel
// lives, answers queries about it and tells it who asked, so both sides can punch.
//
// Every message here arrived authenticated on a tunnel, so the sender's overlay address is its
// certificate's. A host can only change its own entry; what it costs us is bounded (hosts, addresses
// per host, answers per second) and it never touches a tunnel.
import { RateBudget } from '../budget/index.js';
import type { Logger } from '../log/logger.js';
import type { Endpoint } from '../../udp/index.js';
import type { RemoteAllowList } from './allow-list.js';
import { MAX_REPORTED_ADDRS, acceptedAddress, acceptedAddress6, ip6AndPortOf, ipv4ToU32, u32ToIpv4 } from './addresses.js';
import { decodeOrDrop } from './receive.js';
import {
  META_HOST_PUNCH_NOTIFICATION, META_HOST_QUERY, META_HOST_QUERY_REPLY, META_HOST_UPDATE_NOTIFICATION, encodeMeta,
  type Ip4AndPort, type Ip6AndPort,
} from './meta.js';
import { HostStore, MAX_SERVED_HOSTS, type HostAnswer } from './store.js';

/** Queries answered per second over all askers, at most (nebula answers every one); the rest are counted and dropped. */
export const ANSWERS_PER_SECOND = 1000;

/** What the server needs from the node. */
export interface LighthouseServerHost {
  /** Sends a NebulaMeta to `vpnIp` on its tunnel; false when there is none (nothing is sent then). */
  send(vpnIp: number, payload: Uint8Array): boolean;
  /** The remote of `vpnIp`'s established tunnel (its learned address), or null without one. */
  remoteOf(vpnIp: number): Endpoint | null;
  /** Monotonic milliseconds. */
  now(): number;
  log: Logger;
}

/** Lighthouse server settings. */
export interface LighthouseServerOptions {
  /** Our overlay address and prefix length: reported addresses inside the network are dropped (nebula unlockedShouldAddV4). */
  vpnIp: number;
  prefix: number;
  /** Hosts kept at most (default MAX_SERVED_HOSTS). */
  maxHosts?: number;
  /** lighthouse.remote_allow_list / remote_allow_ranges: reported addresses it refuses are dropped, as nebula (docs/PROTOCOL.md "Allow lists"). */
  remoteAllowList?: RemoteAllowList | null;
}

/** Counters of the lighthouse server. */
export interface LighthouseServerStats {
  /** HostUpdateNotification messages taken (about the sender itself). */
  updatesReceived: number;
  /** Updates dropped: their VpnIp was not the sender's certificate address. */
  updatesRefused: number;
  /** Reported addresses dropped (port 0, not unicast IPv4, inside the overlay network, over 10). */
  addressesRefused: number;
  /** HostQuery messages received. */
  queriesReceived: number;
  /** HostQueryReply messages sent. */
  repliesSent: number;
  /** Queries about a host we do not know: no answer, as nebula 1.6.1. */
  queriesUnknown: number;
  /** Queries dropped because ANSWERS_PER_SECOND was spent. */
  queriesLimited: number;
  /** HostPunchNotification messages sent to queried hosts. */
  punchNotificationsSent: number;
  /** Hosts not kept because the store was full. */
  hostsRefused: number;
  /** Hosts forgotten because their tunnel closed. */
  hostsForgotten: number;
  /** Lighthouse messages that did not decode (dropped). */
  malformed: number;
  /** Lighthouse messages of a type a lighthouse does not act on. */
  ignored: number;
}

/** The server side of the lighthouse protocol (config lighthouse.am_lighthouse). */
export class LighthouseServer {
  /** Counters. */
  readonly stats: LighthouseServerStats = {
    updatesReceived: 0, updatesRefused: 0, addressesRefused: 0, queriesReceived: 0, repliesSent: 0, queriesUnknown: 0,
    queriesLimited: 0, punchNotificationsSent: 0, hostsRefused: 0, hostsForgotten: 0, malformed: 0, ignored: 0,
  };
  private readonly store: HostStore;
  private readonly budget = new RateBudget(ANSWERS_PER_SECOND);
  private closed = false;

  constructor(private readonly host: LighthouseServerHost, private readonly o: LighthouseServerOptions) {
    this.store = new HostStore(o.maxHosts ?? MAX_SERVED_HOSTS);
  }

  /** Hosts whose addresses we keep. */
  get hosts(): number {
    return this.store.size;
  }

  /** What we would answer about `vpnIp` (learned, then reported addresses; its relays), or null for a host we do not know. */
  addresses(vpnIp: number): HostAnswer | null {
    const r = this.host.remoteOf(vpnIp);
    const ip = r !== null && r.family === 4 ? ipv4ToU32(r.ip) : null;
    const ip6 = r !== null && r.family === 6 ? ip6AndPortOf(r.ip, r.port) : null;
    return this.store.answer(vpnIp, ip === null || r === null ? null : { ip, port: r.port }, ip6);
  }

  /** The tunnel to `vpnIp` closed: forget the host (nebula DeleteVpnIp). */
  tunnelClosed(vpnIp: number): void {
    if (this.store.forget(vpnIp)) {
      this.stats.hostsForgotten++;
      this.host.log.debug('Deleting host from lighthouse', { vpnIp: u32ToIpv4(vpnIp) });
    }
  }

  /** A lighthouse message (decrypted plaintext buf[off, off+len)) arrived on the tunnel to `from`. */
  onMessage(from: number, buf: Uint8Array, off: number, len: number): void {
    if (this.closed) return;
    const m = decodeOrDrop(buf, off, len, from, this.stats, this.host.log);
    if (m === null) return;
    if (m.type === META_HOST_UPDATE_NOTIFICATION) this.onUpdate(from, m.details.vpnIp, m.details.ip4AndPorts, m.details.ip6AndPorts, m.details.relayVpnIps, m.dropped);
    else if (m.type === META_HOST_QUERY) this.onQuery(from, m.details.vpnIp);
    else this.stats.ignored++;
  }

  /** Stops acting and forgets every host. */
  close(): void {
    this.closed = true;
    this.store.clear();
  }

  private onUpdate(from: number, vpnIp: number, v4: readonly Ip4AndPort[], v6: readonly Ip6AndPort[], relays: readonly number[], skipped: number): void {
    // A host speaks only for itself (nebula: "Host sent invalid update").
    if (vpnIp !== from) {
      this.stats.updatesRefused++;
      this.host.log.debug('Host sent invalid update', { vpnIp: u32ToIpv4(from), answer: u32ToIpv4(vpnIp) });
      return;
    }
    this.stats.updatesReceived++;
    this.stats.addressesRefused += skipped + Math.max(0, v4.length - MAX_REPORTED_ADDRS) + Math.max(0, v6.length - MAX_REPORTED_ADDRS);
    const kept6: Ip6AndPort[] = [];
    for (const a of v6.slice(0, MAX_REPORTED_ADDRS)) {
      const ep = acceptedAddress6(a);
      if (ep === null || this.o.remoteAllowList?.allows(from, ep) === false) this.stats.addressesRefused++;
      else kept6.push(a);
    }
    const kept: Ip4AndPort[] = [];
    for (const a of v4.slice(0, MAX_REPORTED_ADDRS)) {
      const ep = acceptedAddress(a, this.o.vpnIp, this.o.prefix);
      if (ep === null || this.o.remoteAllowList?.allows(from, ep) === false) this.stats.addressesRefused++;
      else kept.push({ ip: a.ip >>> 0, port: a.port });
    }
        // Its relays go into replies about it, so askers can reach it through them (nebula unlockedSetRelay).
    if (!this.store.report(from, kept, relays, kept6)) this.stats.hostsRefused++;
  }

  private onQuery(from: number, vpnIp: number): void {
    this.stats.queriesReceived++;
    const answer = this.addresses(vpnIp);
    if (answer === null) {
      this.stats.queriesUnknown++;
      return;
    }
    if (!this.budget.take(this.host.now())) {
      this.stats.queriesLimited++;
      return;
    }
    if (this.host.send(from, encodeMeta({ type: META_HOST_QUERY_REPLY, details: { vpnIp, ip4AndPorts: answer.addrs, ip6AndPorts: answer.addrs6, relayVpnIps: answer.relays } }))) this.stats.repliesSent++;
    // The queried host learns where the asker is, so it punches towards it (nebula: only if the asker is known).
    const asker = this.addresses(from);
    if (asker === null || vpnIp === from) return;
    if (this.host.send(vpnIp, encodeMeta({ type: META_HOST_PUNCH_NOTIFICATION, details: { vpnIp: from, ip4AndPorts: asker.addrs, ip6AndPorts: asker.addrs6, relayVpnIps: asker.relays } }))) {
      this.stats.punchNotificationsSent++;
    }
  }
}
