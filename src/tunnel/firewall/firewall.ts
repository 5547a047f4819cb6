// The stateful firewall of one node: rule tables for both directions plus the flow table
// (docs/PROTOCOL.md "Firewall rules"; nebula firewall.go Drop, minus the address checks, which tio runs on
// every packet beforehand with checkAddresses).
import {
  DEFAULT_MAX_FLOWS,
  DEFAULT_OTHER_TIMEOUT_MS,
  DEFAULT_TCP_TIMEOUT_MS,
  DEFAULT_UDP_TIMEOUT_MS,
  PROTO_TCP,
  PROTO_UDP,
} from './constants.js';
import { Conntrack } from './conntrack.js';
import { newFlow, parseFlow, type Direction, type Flow } from './flow.js';
import type { PeerIdentity } from './identity.js';
import { DROP_CONNTRACK_FULL, DROP_CONNTRACK_PEER_FULL, DROP_NO_RULE, type FirewallDropReason } from './reasons.js';
import type { FirewallRule } from './rule.js';
import { RuleTable } from './rule-table.js';
import { FirewallOptionError } from './errors.js';

/** What happens to a packet the firewall refuses: dropped silently, or dropped and answered with a reject packet. */
export type FirewallAction = 'drop' | 'reject';
/** Every FirewallAction (firewall.inbound_action / outbound_action; nebula's values, default drop). */
export const FIREWALL_ACTIONS: readonly FirewallAction[] = ['drop', 'reject'];

/** What a Firewall is built from; omitted timeouts take nebula's defaults. */
export interface FirewallOptions {
  /** Rules for packets from peers (firewall.inbound); empty = nothing new admitted. */
  readonly inbound: readonly FirewallRule[];
  /** Rules for packets to peers (firewall.outbound); empty = nothing new admitted. */
  readonly outbound: readonly FirewallRule[];
  /** Lifetime of an idle TCP flow (firewall.conntrack.tcp_timeout, default 12 min). */
  readonly tcpTimeoutMs?: number;
  /** Lifetime of an idle UDP flow (firewall.conntrack.udp_timeout, default 3 min). */
  readonly udpTimeoutMs?: number;
  /** Lifetime of any other idle flow (firewall.conntrack.default_timeout, default 10 min). */
  readonly defaultTimeoutMs?: number;
  /** Flow table bound (default DEFAULT_MAX_FLOWS). */
  readonly maxFlows?: number;
  /** Flows one remote address may hold (default defaultMaxFlowsPerPeer(maxFlows): 1/16 of it, at least 1024). */
  readonly maxFlowsPerPeer?: number;
  /** Refused packets from peers: dropped, or answered through the tunnel (firewall.inbound_action, default drop). */
  readonly inboundAction?: FirewallAction;
  /** Refused packets from the TUN: dropped, or answered on the TUN (firewall.outbound_action, default drop). */
  readonly outboundAction?: FirewallAction;
}

/** What a Firewall tells its owner. */
export interface FirewallHooks {
  /**
   * A flow the rules just admitted and the flow table took (not one refreshed, nor one
   * tracked through conntrack.add directly): a multi-queue node shares these between threads.
   * `flow` is reused after the call; `incoming`: a packet from the peer admitted it; `version`: the
   * rules version that admitted it.
   */
  admitted?(flow: Flow, incoming: boolean, version: number): void;
}

/** Counters of a Firewall's reloads. */
export interface FirewallReloadStats {
  /** Tracked flows re-checked at their first packet after a reload that the new rules still allow. */
  flowsKept: number;
  /** Tracked flows re-checked after a reload that the new rules no longer allow: forgotten. */
  flowsRevoked: number;
}

/** Rules + conntrack. One instance per node (or per worker); not thread-shared. */
export class Firewall {
  /** Compiled inbound rules (replaced by reload). */
  inbound: RuleTable;
  /** Compiled outbound rules (replaced by reload). */
  outbound: RuleTable;
  /** The flow table (kept across reloads; emptied when the rules version wraps). */
  readonly conntrack: Conntrack;
  /** What a refused inbound packet gets. */
  inboundAction: FirewallAction;
  /** What a refused outbound packet gets. */
  outboundAction: FirewallAction;
  /** Rules version: 0 at start, +1 per reload, wrapping at 2^16 as nebula's uint16 (docs/PROTOCOL.md "Reloading the config"). */
  rulesVersion = 0;
  /** What re-checks after reloads decided. */
  readonly reloadStats: FirewallReloadStats = { flowsKept: 0, flowsRevoked: 0 };
  private tcpTimeoutMs: number;
  private udpTimeoutMs: number;
  private defaultTimeoutMs: number;
  private readonly flow = newFlow();
  private readonly admitted: ((flow: Flow, incoming: boolean, version: number) => void) | null;

  /** Compiles the rules; throws FirewallRuleError naming the first invalid one, FirewallOptionError for a bad action. */
  constructor(options: FirewallOptions, hooks: FirewallHooks = {}) {
    this.admitted = hooks.admitted ?? null;
    this.inboundAction = action('inboundAction', options.inboundAction);
    this.outboundAction = action('outboundAction', options.outboundAction);
    this.inbound = new RuleTable('inbound', options.inbound);
    this.outbound = new RuleTable('outbound', options.outbound);
    this.conntrack = new Conntrack(
      options.maxFlows ?? DEFAULT_MAX_FLOWS,
      options.maxFlowsPerPeer === undefined ? {} : { maxFlowsPerPeer: options.maxFlowsPerPeer },
    );
    this.tcpTimeoutMs = options.tcpTimeoutMs ?? DEFAULT_TCP_TIMEOUT_MS;
    this.udpTimeoutMs = options.udpTimeoutMs ?? DEFAULT_UDP_TIMEOUT_MS;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_OTHER_TIMEOUT_MS;
  }

  /**
   * Replaces the rules, actions and timeouts with those of `options`, as nebula's reload does
   * (docs/PROTOCOL.md "Reloading the config"): the rules version goes up by one and tracked flows
   * stay, each re-checked against the new rules at its next packet. When the version wraps to 0 the
   * flow table starts empty, as nebula's does. The flow table bounds are kept. Throws as the
   * constructor does, changing nothing. Returns the new rules version.
   */
  reload(options: FirewallOptions): number {
    const inboundAction = action('inboundAction', options.inboundAction);
    const outboundAction = action('outboundAction', options.outboundAction);
    const inbound = new RuleTable('inbound', options.inbound);
    const outbound = new RuleTable('outbound', options.outbound);
    this.inbound = inbound;
    this.outbound = outbound;
    this.inboundAction = inboundAction;
    this.outboundAction = outboundAction;
    this.tcpTimeoutMs = options.tcpTimeoutMs ?? DEFAULT_TCP_TIMEOUT_MS;
    this.udpTimeoutMs = options.udpTimeoutMs ?? DEFAULT_UDP_TIMEOUT_MS;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_OTHER_TIMEOUT_MS;
    this.rulesVersion = (this.rulesVersion + 1) & 0xffff;
    if (this.rulesVersion === 0) this.conntrack.clear();
    return this.rulesVersion;
  }

  /** Whether a packet refused in `direction` is answered with a reject packet. */
  rejects(direction: Direction): boolean {
    return (direction === 'inbound' ? this.inboundAction : this.outboundAction) === 'reject';
  }

  /**
   * Decides on the inner packet buf[off..off+len] crossing the tunnel in `direction` with `peer`
   * at time `nowMs` (any monotonic millisecond clock; one value per batch is fine). A tracked flow
   * passes and is refreshed; otherwise the direction's rules decide and an admitted flow is tracked.
   * Returns null to pass or a drop reason. Run checkAddresses first. Zero allocation unless the
   * flow table has to grow.
   */
  filter(buf: Uint8Array, off: number, len: number, direction: Direction, peer: PeerIdentity, nowMs: number): FirewallDropReason | null {
    const flow = this.flow;
    const bad = parseFlow(buf, off, len, direction, flow);
    if (bad !== null) return bad;
    // By protocol, fragments included, as nebula (firewall.go addConn).
    const ttl = this.timeoutFor(flow.proto);
    const ct = this.conntrack;
    const slot = ct.slotOf(flow, nowMs);
    if (slot >= 0) {
      if (ct.versionAt(slot) === this.rulesVersion || this.stillAllowed(slot, flow, peer)) {
        ct.extend(slot, nowMs + ttl);
        return null;
      }
      // Admitted under older rules that no longer allow it: forgotten, and this packet is judged
      // afresh by its own direction's rules (nebula firewall.go inConns, then the rules).
      ct.removeSlot(slot);
    }
    const table = direction === 'inbound' ? this.inbound : this.outbound;
    if (!table.match(flow, peer)) return DROP_NO_RULE;
    const incoming = direction === 'inbound';
    if (ct.add(flow, nowMs, ttl, this.rulesVersion, incoming)) {
      this.admitted?.(flow, incoming, this.rulesVersion);
      return null;
    }
    // Only on refusal: which bound it was, for the counters.
    return this.conntrack.flowsOf(flow.remoteIp) >= this.conntrack.maxFlowsPerPeer ? DROP_CONNTRACK_PEER_FULL : DROP_CONNTRACK_FULL;
  }

  /**
   * Removes flows idle past their timeout at `nowMs` from the next part of the flow table (a bounded
   * number of slots, Conntrack.sweep); returns how many. Call it at a steady rate (the node: 1 Hz).
   */
  sweep(nowMs: number): number {
    return this.conntrack.sweep(nowMs);
  }

  // A flow tracked under older rules: do the rules of the direction that admitted it still allow it
  // with this peer (the flow key is locally oriented, so either direction's packet checks the same)?
  private stillAllowed(slot: number, flow: Flow, peer: PeerIdentity): boolean {
    const ct = this.conntrack;
    if (!(ct.incomingAt(slot) ? this.inbound : this.outbound).match(flow, peer)) {
      this.reloadStats.flowsRevoked++;
      return false;
    }
    ct.restamp(slot, this.rulesVersion);
    this.reloadStats.flowsKept++;
    return true;
  }

  /** Idle timeout of a flow of IP protocol `proto`. */
  timeoutFor(proto: number): number {
    return proto === PROTO_TCP ? this.tcpTimeoutMs : proto === PROTO_UDP ? this.udpTimeoutMs : this.defaultTimeoutMs;
  }
}

function action(name: string, v: FirewallAction | undefined): FirewallAction {
  if (v === undefined) return 'drop';
  if (!FIREWALL_ACTIONS.includes(v)) throw new FirewallOptionError(name, `must be drop or reject, got ${JSON.stringify(v)}`);
  return v;
}
