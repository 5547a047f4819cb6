// Hole punching (docs/PROTOCOL.md "Lighthouse, relay and punch traffic"; nebula lighthouse.go
// handleHostPunchNotification, hostmap.go Punchy). Two kinds of one-byte datagrams open and keep
// open the NAT mappings a direct tunnel needs:
// - on a HostPunchNotification from one of our lighthouses, one 0x00 byte to each address listed,
//   `punchy.delay` later (1.6.1 does this whatever punchy.punch says); with punchy.respond, 5 s
//   later a test message (which starts a handshake if there is no tunnel) to the asker;
// - with punchy.punch, one 0x01 byte to the remote of every established tunnel every 10 s.
// A receiver drops both as shorter than a header. Only addresses from our lighthouses are punched
// (the client checks the sender), and the work is bounded: notifications waiting, addresses each,
// punches per second.
import { RateBudget } from '../budget/index.js';
import type { Logger } from '../log/logger.js';
import type { Endpoint } from '../../udp/index.js';
import { acceptedEither, u32ToIpv4 } from './addresses.js';
import type { Ip4AndPort, Ip6AndPort } from './meta.js';

/** Period of keepalive punches to established tunnels (nebula hostmap.go Punchy: 10 s). */
export const KEEPALIVE_PUNCH_MS = 10_000;
/** Delay of the punchy.respond test message after a notification (nebula lighthouse.go: 5 s, not configurable in 1.6.1). */
export const RESPOND_DELAY_MS = 5_000;
/** Notifications waiting for their delay, at most; more are dropped (counted). */
export const MAX_PENDING_NOTIFICATIONS = 64;
/** Addresses punched per notification, at most (nebula keeps 10 per host). */
export const MAX_PUNCH_ADDRS = 10;
/** Punches sent per second over everything, at most; the rest are skipped (counted). */
export const PUNCHES_PER_SECOND = 500;

/** The notification punch: one zero byte (nebula lighthouse.go `empty := []byte{0}`). */
const NOTIFY_PUNCH = new Uint8Array([0]);
/** The keepalive punch: one 0x01 byte (nebula hostmap.go Punchy). */
const KEEPALIVE_PUNCH = new Uint8Array([1]);

/** What punchy needs from the node. */
export interface PunchyHost {
  /** Sends raw bytes to an underlay address. */
  sendRaw(to: Endpoint, bytes: Uint8Array): void;
  /** The remotes of established tunnels (keepalive punches go there). */
  tunnelRemotes(): Iterable<Endpoint>;
  /** punchy.respond: a test message to `vpnIp` on its tunnel, or a handshake to it when there is none. */
  respond(vpnIp: number): void;
  /** Monotonic milliseconds. */
  now(): number;
  log: Logger;
}

/** punchy settings (config `punchy`) and our network (punched addresses must lie outside it). */
export interface PunchyOptions {
  /** punchy.punch: keepalive punches to established tunnels. */
  punch: boolean;
  /** punchy.respond: after a notification, reach the asker ourselves. */
  respond: boolean;
  /** punchy.delay: wait before the notification's punches. */
  delayMs: number;
  /** Our overlay address and prefix length. */
  vpnIp: number;
  prefix: number;
}

/** Counters of punchy. */
export interface PunchyStats {
  /** Punch notifications acted on. */
  notifications: number;
  /** Notifications dropped: MAX_PENDING_NOTIFICATIONS were already waiting. */
  notificationsDropped: number;
  /** One-byte punches sent for notifications. */
  punchesSent: number;
  /** One-byte keepalive punches sent to tunnel remotes. */
  keepalivesSent: number;
  /** Punches not sent: refused address or PUNCHES_PER_SECOND spent. */
  punchesSkipped: number;
  /** punchy.respond test messages or handshakes started. */
  responds: number;
}

/** punchy for one node: timers are unref'd and all go on close(). */
export class Punchy {
  /** Counters. */
  readonly stats: PunchyStats = { notifications: 0, notificationsDropped: 0, punchesSent: 0, keepalivesSent: 0, punchesSkipped: 0, responds: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private lastKeepalive: number;
  private readonly budget = new RateBudget(PUNCHES_PER_SECOND);
  private closed = false;

  constructor(private readonly host: PunchyHost, private o: PunchyOptions) {
    this.lastKeepalive = host.now();
  }

  /**
   * A reloaded punchy.respond and punchy.delay (docs/PROTOCOL.md "Reloading the config"), from the next
   * notification on; punchy.punch is not reloaded (nebula 1.6.1 warns and keeps it).
   */
  reload(respond: boolean, delayMs: number): void {
    this.o = { ...this.o, respond, delayMs };
  }

  /** One of our lighthouses says `vpnIp` (at `addrs`) asked about us: punch towards it (and respond, if set). */
  onNotification(vpnIp: number, addrs: readonly Ip4AndPort[], addrs6: readonly Ip6AndPort[] = []): void {
    if (this.closed) return;
    if (this.timers.size >= MAX_PENDING_NOTIFICATIONS) {
      this.stats.notificationsDropped++;
      return;
    }
    this.stats.notifications++;
    const targets: Endpoint[] = [];
    for (const a of [...addrs, ...addrs6]) {
      if (targets.length >= MAX_PUNCH_ADDRS) break;
      const ep = acceptedEither(a, this.o.vpnIp, this.o.prefix);
      if (ep === null) this.stats.punchesSkipped++;
      else if (!targets.some((t) => t.equals(ep))) targets.push(ep);
    }
    this.host.log.debug('Punch notification', { vpnIp: u32ToIpv4(vpnIp), udpAddrs: targets.map((t) => t.key).join(',') });
    if (targets.length > 0) this.later(this.o.delayMs, () => this.punchAll(targets));
    if (this.o.respond) {
      this.later(RESPOND_DELAY_MS, () => {
        this.stats.responds++;
        this.host.respond(vpnIp);
      });
    }
  }

  /** Periodic upkeep (the node's tick): keepalive punches every KEEPALIVE_PUNCH_MS with punchy.punch. */
  tick(): void {
    if (this.closed || !this.o.punch) return;
    const now = this.host.now();
    if (now - this.lastKeepalive < KEEPALIVE_PUNCH_MS) return;
    this.lastKeepalive = now;
    for (const r of this.host.tunnelRemotes()) {
      this.host.sendRaw(r, KEEPALIVE_PUNCH);
      this.stats.keepalivesSent++;
    }
  }

  /** Cancels every waiting punch and respond. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private punchAll(targets: readonly Endpoint[]): void {
    const now = this.host.now();
    for (const t of targets) {
      if (!this.budget.take(now)) {
        this.stats.punchesSkipped++;
        continue;
      }
      this.host.sendRaw(t, NOTIFY_PUNCH);
      this.stats.punchesSent++;
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }
}
