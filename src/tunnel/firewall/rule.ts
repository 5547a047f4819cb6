// A firewall rule in typed form: what the config loader produces from a YAML rule and what the
// rule compiler consumes (docs/PROTOCOL.md "Firewall rules"; nebula firewall.go AddFirewallRulesFromConfig).
import { PORT_ANY, PORT_FRAGMENT, PORT_MAX, PROTO_ANY, PROTO_ICMP, PROTO_TCP, PROTO_UDP } from './constants.js';
import type { Ipv4Net } from './ipv4.js';

/** Rule protocols (docs/PROTOCOL.md "Firewall rules"). */
export type FirewallProto = 'any' | 'tcp' | 'udp' | 'icmp';

/**
 * One rule. It matches when port AND proto AND (CA, if given) AND (host OR groups OR cidr) match, or
 * when the who-part is "any" (see the compiler). `port` and `code` share one syntax and one meaning.
 */
export interface FirewallRule {
  /** First port: PORT_ANY (0) = any, PORT_FRAGMENT (-1) = later fragments only, else 1..65535. */
  readonly portStart: number;
  /** Last port, inclusive; equals portStart for any/fragment/single ports. */
  readonly portEnd: number;
  /** Protocol the rule admits. */
  readonly proto: FirewallProto;
  /** Certificate Name to admit, or "any"; null when absent. */
  readonly host: string | null;
  /** Groups that must ALL be in the certificate (`group` is a one-element list); null when absent. */
  readonly groups: readonly string[] | null;
  /** Network the peer-side address must be in (source inbound, destination outbound); null when absent. */
  readonly cidr: Ipv4Net | null;
  /** Issuing CA name; null when absent. */
  readonly caName: string | null;
  /** Issuing CA fingerprint (hex); null when absent. */
  readonly caSha: string | null;
}

/** An inclusive port range in FirewallRule form. */
export interface PortRange {
  /** See FirewallRule.portStart. */
  readonly start: number;
  /** See FirewallRule.portEnd. */
  readonly end: number;
}

/**
 * Parses the `port`/`code` syntax: "any" or "0" (any), "fragment", "N", "N-M" (spaces around the dash
 * allowed; a range starting at 0 means any, as in nebula). Null when malformed or out of 0..65535 or
 * start > end. (nebula firewall.go parsePort; tio also refuses ports above 65535.)
 */
export function parsePortRange(text: string): PortRange | null {
  if (text === 'any') return { start: PORT_ANY, end: PORT_ANY };
  if (text === 'fragment') return { start: PORT_FRAGMENT, end: PORT_FRAGMENT };
  const dash = text.indexOf('-');
  const first = (dash < 0 ? text : text.slice(0, dash)).trim();
  const last = dash < 0 ? first : text.slice(dash + 1).trim();
  if (!/^\d{1,5}$/.test(first) || !/^\d{1,5}$/.test(last)) return null;
  const start = Number(first);
  const end = Number(last);
  if (start > PORT_MAX || end > PORT_MAX) return null;
  if (start === PORT_ANY) return { start: PORT_ANY, end: PORT_ANY };
  if (start > end) return null;
  return { start, end };
}

/** IP protocol number of a rule protocol (0 for any, as nebula stores it). */
export function protoNumber(proto: FirewallProto): number {
  switch (proto) {
    case 'tcp':
      return PROTO_TCP;
    case 'udp':
      return PROTO_UDP;
    case 'icmp':
      return PROTO_ICMP;
    default:
      return PROTO_ANY;
  }
}
