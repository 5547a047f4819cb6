// Moving a relayed tunnel to a direct path (docs/PROTOCOL.md "Relays", its part on leaving a relay; nebula
// 1.6.1 hostmap.go TryPromoteBest): while a relayed tunnel carries traffic, a test request is sent
// straight to each underlay address the lighthouses know for the peer. If one arrives, the peer roams
// onto that address (authenticated traffic from a new address moves a tunnel) and its reply, sent
// there, moves ours. Relayed packets never move a tunnel, so nothing here can pull one onto a relay.
// 1.6.1 probes every 1000th outbound packet and re-asks the lighthouses every 5000th; tio does it on
// the node's tick instead (no counting in the per-packet path), at most PROBE_ADDRS a tunnel a round.
import type { Endpoint } from '../../udp/index.js';

/** A relayed tunnel with outbound traffic is probed once per this long. */
export const PROBE_INTERVAL_MS = 2_000;
/** Its peer's addresses are asked of the lighthouses once per this long (they expire). */
export const REQUERY_INTERVAL_MS = 10_000;
/** Addresses probed per tunnel per round, at most (nebula's MaxRemotes). */
export const PROBE_ADDRS = 10;
/** Relayed tunnels probed per round, at most: the rest wait for a later round. */
export const PROBE_TUNNELS = 64;

/** What the prober sees of a tunnel. */
export interface ProbedTunnel {
  readonly vpnIp: number;
  readonly lastOutbound: number;
}

/** What the prober needs from the node. */
export interface PromoteHost<T extends ProbedTunnel> {
  /** Tunnels whose path is a relay now. */
  relayed(): Iterable<T>;
  /** Known direct addresses of the peer (lighthouse answers). */
  remotes(vpnIp: number): readonly Endpoint[];
  /** Sends a test request on t straight to `to`. */
  probe(t: T, to: Endpoint): void;
  /** Asks the lighthouses about `vpnIp` again. */
  query(vpnIp: number): void;
}

/** Counters of the prober. */
export interface PromoteStats {
  /** Test requests sent straight to a relayed peer's addresses. */
  probesSent: number;
}

/** Probes relayed tunnels for a direct path on the node's tick. */
export class DirectProber<T extends ProbedTunnel> {
  /** Counters. */
  readonly stats: PromoteStats = { probesSent: 0 };
  private lastProbe = Number.NEGATIVE_INFINITY;
  private lastQuery = Number.NEGATIVE_INFINITY;

  constructor(private readonly host: PromoteHost<T>) {}

  /** One round, if one is due: tunnels with outbound traffic since the last round are probed. */
  tick(now: number): void {
    if (now - this.lastProbe < PROBE_INTERVAL_MS) return;
    const since = this.lastProbe;
    this.lastProbe = now;
    const requery = now - this.lastQuery >= REQUERY_INTERVAL_MS;
    if (requery) this.lastQuery = now;
    let n = 0;
    for (const t of this.host.relayed()) {
      // Idle relayed tunnels are left alone, as nebula's probing rides on outbound packets.
      if (t.lastOutbound < since || t.lastOutbound === 0) continue;
      if (n++ >= PROBE_TUNNELS) break;
      if (requery) this.host.query(t.vpnIp);
      const addrs = this.host.remotes(t.vpnIp);
      for (let i = 0; i < addrs.length && i < PROBE_ADDRS; i++) {
        this.host.probe(t, addrs[i]!);
        this.stats.probesSent++;
      }
    }
  }
}
