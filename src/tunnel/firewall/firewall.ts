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
   * `flow` is reused after the call.
   */
  admitted?(flow: Flow): void;
}

/** Rules + conntrack. One instance per node (or per worker); not thread-shared. */
export class Firewall {
  /** Compiled inbound rules. */
  readonly inbound: RuleTable;
  /** Compiled outbound rules. */
  readonly outbound: RuleTable;
  /** The flow table. */
  readonly conntrack: Conntrack;
  /** What a refused inbound packet gets. */
  readonly inboundAction: FirewallAction;
  /** What a refused outbound packet gets. */
  readonly outboundAction: FirewallAction;
  private readonly tcpTimeoutMs: number;
  private readonly udpTimeoutMs: number;
  private readonly defaultTimeoutMs: number;
  private readonly flow = newFlow();
  private readonly admitted: ((flow: Flow) => void) | null;

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
    if (this.conntrack.touch(flow, nowMs, ttl)) return null;
    const table = direction === 'inbound' ? this.inbound : this.outbound;
    if (!table.match(flow, peer)) return DROP_NO_RULE;
    if (this.conntrack.add(flow, nowMs, ttl)) {
      this.admitted?.(flow);
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

  /** Idle timeout of a flow of IP protocol `proto`. */
  private timeoutFor(proto: number): number {
    return proto === PROTO_TCP ? this.tcpTimeoutMs : proto === PROTO_UDP ? this.udpTimeoutMs : this.defaultTimeoutMs;
  }
}

function action(name: string, v: FirewallAction | undefined): FirewallAction {
  if (v === undefined) return 'drop';
  if (!FIREWALL_ACTIONS.includes(v)) throw new FirewallOptionError(name, `must be drop or reject, got ${JSON.stringify(v)}`);
  return v;
}
