// Compiled rules of one direction, matched per packet without allocating.
//
// Semantics follow nebula 1.6.1 firewall.go (docs/PROTOCOL.md "Firewall rules"):
// - port: rule "any" matches every packet (fragments too); "fragment" matches only later fragments;
//   a number or range matches the destination port (ours inbound, the peer's outbound) of
//   non-fragments. ICMP carries port 0, so only "any" rules match it (`code` N never does in 1.6.1).
// - proto: "any" rules apply to every protocol, the others to theirs only.
// - CA: with ca_sha and/or ca_name the peer's CA must match one of them (nebula files the rule under
//   each, so it is an OR); without either, any CA. ca_sha compares lower-case hex (PeerIdentity.caSha
//   must be lower case, as nebula prints fingerprints).
// - who: "any" when none of host/groups/cidr is given, or host is "any", or groups contain "any",
//   or cidr contains 0.0.0.0 (e.g. 0.0.0.0/0); else host OR (all groups) OR cidr.
// - rules are OR'ed; nothing matches = drop (default deny).
import { PORT_ANY, PORT_FRAGMENT, PORT_MAX, PROTO_ICMP, PROTO_TCP, PROTO_UDP } from './constants.js';
import { FirewallRuleError } from './errors.js';
import type { Direction, Flow } from './flow.js';
import type { PeerIdentity } from './identity.js';
import { netContains, type Ipv4Net } from './ipv4.js';
import { protoNumber, type FirewallRule } from './rule.js';

/** One rule in matching form; fields are plain values so the match loop stays monomorphic. */
class CompiledRule {
  constructor(
    readonly portStart: number,
    readonly portEnd: number,
    /** The who-part is "any": host/groups/cidr are not consulted. */
    readonly anyone: boolean,
    readonly host: string | null,
    readonly groups: readonly string[] | null,
    readonly cidr: Ipv4Net | null,
    readonly caName: string | null,
    readonly caSha: string | null,
  ) {}

  /** Whether this rule admits a packet with this port (PORT_FRAGMENT for later fragments) from/to `peer`. */
  matches(port: number, remoteIp: number, peer: PeerIdentity): boolean {
    if (this.portStart !== PORT_ANY) {
      if (port === PORT_FRAGMENT) {
        if (this.portStart !== PORT_FRAGMENT) return false;
      } else if (port < this.portStart || port > this.portEnd) {
        return false;
      }
    }
    if (this.caName !== null || this.caSha !== null) {
      const byName = this.caName !== null && this.caName === peer.caName;
      const bySha = this.caSha !== null && this.caSha === peer.caSha;
      if (!byName && !bySha) return false;
    }
    if (this.anyone) return true;
    if (this.host !== null && this.host === peer.name) return true;
    if (this.groups !== null && hasAll(peer.groups, this.groups)) return true;
    return this.cidr !== null && netContains(this.cidr, remoteIp);
  }
}

/** Whether every group of `wanted` is in `have`. */
function hasAll(have: readonly string[], wanted: readonly string[]): boolean {
  for (let i = 0; i < wanted.length; i++) {
    if (!have.includes(wanted[i] as string)) return false;
  }
  return true;
}

/** Whether any rule of `rules` admits the packet. */
function anyMatches(rules: readonly CompiledRule[], port: number, remoteIp: number, peer: PeerIdentity): boolean {
  for (let i = 0; i < rules.length; i++) {
    if ((rules[i] as CompiledRule).matches(port, remoteIp, peer)) return true;
  }
  return false;
}

/** Rejects a rule the matcher could not honour; `where` names it in the message. */
function validate(rule: FirewallRule, where: string): void {
  const { portStart: s, portEnd: e } = rule;
  const portOk =
    Number.isInteger(s) &&
    Number.isInteger(e) &&
    (s === PORT_FRAGMENT || s === PORT_ANY ? e === s : s >= 1 && s <= e && e <= PORT_MAX);
  if (!portOk) throw new FirewallRuleError(where, `port range ${s}-${e} is not any, fragment or 1..65535 ascending`);
  if (!['any', 'tcp', 'udp', 'icmp'].includes(rule.proto)) throw new FirewallRuleError(where, `proto "${String(rule.proto)}" is not any, tcp, udp or icmp`);
  const who = rule.host !== null || (rule.groups !== null && rule.groups.length > 0) || rule.cidr !== null;
  if (!who && rule.caName === null && rule.caSha === null) {
    throw new FirewallRuleError(where, 'needs at least one of host, group, groups, cidr, ca_name, ca_sha');
  }
  for (const [name, v] of [['host', rule.host], ['ca_name', rule.caName], ['ca_sha', rule.caSha]] as const) {
    if (v === '') throw new FirewallRuleError(where, `${name} is empty`);
  }
  if (rule.groups !== null && rule.groups.some((g) => g === '')) throw new FirewallRuleError(where, 'a group name is empty');
}

/** Turns a validated rule into matching form, applying nebula's "any" shortcuts. */
function compile(rule: FirewallRule): CompiledRule {
  const groups = rule.groups !== null && rule.groups.length > 0 ? [...rule.groups] : null;
  const anyone =
    (rule.host === null && groups === null && rule.cidr === null) ||
    rule.host === 'any' ||
    (groups !== null && groups.includes('any')) ||
    (rule.cidr !== null && netContains(rule.cidr, 0));
  return new CompiledRule(
    rule.portStart,
    rule.portEnd,
    anyone,
    rule.host,
    groups,
    rule.cidr === null ? null : { addr: rule.cidr.addr >>> 0, mask: rule.cidr.mask >>> 0 },
    rule.caName,
    rule.caSha === null ? null : rule.caSha.toLowerCase(),
  );
}

/** The compiled rules of one direction (inbound or outbound). */
export class RuleTable {
  private readonly anyProto: CompiledRule[] = [];
  private readonly tcp: CompiledRule[] = [];
  private readonly udp: CompiledRule[] = [];
  private readonly icmp: CompiledRule[] = [];
  /** Number of rules compiled into the table. */
  readonly size: number;

  /** Compiles `rules` for `direction`; throws FirewallRuleError naming the first bad rule. */
  constructor(
    readonly direction: Direction,
    rules: readonly FirewallRule[],
  ) {
    rules.forEach((rule, i) => {
      validate(rule, `${direction}[${i}]`);
      const c = compile(rule);
      switch (protoNumber(rule.proto)) {
        case PROTO_TCP:
          this.tcp.push(c);
          break;
        case PROTO_UDP:
          this.udp.push(c);
          break;
        case PROTO_ICMP:
          this.icmp.push(c);
          break;
        default:
          this.anyProto.push(c);
      }
    });
    this.size = rules.length;
  }

  /** Whether some rule admits the flow (oriented for this table's direction) from/to `peer`. */
  match(flow: Flow, peer: PeerIdentity): boolean {
    const port = flow.fragment ? PORT_FRAGMENT : this.direction === 'inbound' ? flow.localPort : flow.remotePort;
    const remoteIp = flow.remoteIp;
    if (anyMatches(this.anyProto, port, remoteIp, peer)) return true;
    switch (flow.proto) {
      case PROTO_TCP:
        return anyMatches(this.tcp, port, remoteIp, peer);
      case PROTO_UDP:
        return anyMatches(this.udp, port, remoteIp, peer);
      case PROTO_ICMP:
        return anyMatches(this.icmp, port, remoteIp, peer);
      default:
        return false;
    }
  }
}
