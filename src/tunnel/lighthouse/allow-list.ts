// lighthouse.local_allow_list, remote_allow_list and remote_allow_ranges as nebula 1.6.1 applies them
// (docs/PROTOCOL.md "Allow lists"): which of our addresses we report, and which addresses of a peer
// we learn, handshake with or roam to. Built by the config reader; matched off the per-packet path.
import { isIPv4, isIPv6 } from 'node:net';
import { ipBytes } from '../../packet/ip-text.js';
import type { Endpoint } from '../../udp/index.js';

/** One CIDR rule: addresses of `family` whose first `prefix` bits equal `addr`'s are allowed or denied. */
export interface AllowRule {
  /** 4 or 6: a rule only ever matches addresses of its own family. */
  readonly family: 4 | 6;
  /** The network's bytes (4 or 16), host bits cleared. */
  readonly addr: Uint8Array;
  /** Prefix length. */
  readonly prefix: number;
  /** Allow (true) or deny (false). */
  readonly allow: boolean;
}

/** An interface-name rule of local_allow_list: `pattern` must match the whole name. */
export interface NameRule {
  /** The regular expression, anchored at both ends. */
  readonly pattern: RegExp;
  /** Allow (true) or deny (false); every rule of one list has the same value. */
  readonly allow: boolean;
}

function matches(r: AllowRule, family: 4 | 6, bytes: Uint8Array): boolean {
  if (r.family !== family) return false;
  const full = r.prefix >>> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== r.addr[i]) return false;
  const rest = r.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[full]! ^ r.addr[full]!) & mask) === 0;
}

/** Family and bytes of an IP literal (an IPv4-mapped IPv6 address counts as IPv4, as nebula); null when neither. */
export function ipOf(text: string): { family: 4 | 6; bytes: Uint8Array } | null {
  if (isIPv4(text)) return { family: 4, bytes: ipBytes(text, 4) };
  if (!isIPv6(text)) return null;
  const b = ipBytes(text, 6);
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return { family: 4, bytes: b.slice(12) };
  return { family: 6, bytes: b };
}

/**
 * A CIDR allow list: the most specific rule containing an address decides. The config reader adds
 * the defaults nebula adds (0.0.0.0/0 and ::/0 the opposite of the family's rules, allowing all
 * when there are none), so every address matches some rule.
 */
export class AllowList {
  /** The rules, defaults included; on equal prefixes the later rule wins. */
  readonly rules: readonly AllowRule[];
  constructor(rules: readonly AllowRule[]) {
    this.rules = rules;
  }

  /** Whether the address (network-order bytes of `family`) is allowed; allowed when no rule matches. */
  allowsBytes(family: 4 | 6, bytes: Uint8Array): boolean {
    let best: AllowRule | null = null;
    for (const r of this.rules) if ((best === null || r.prefix >= best.prefix) && matches(r, family, bytes)) best = r;
    return best === null ? true : best.allow;
  }

  /** Whether the IP literal is allowed; a literal that is not an IP is refused. */
  allowsIp(text: string): boolean {
    const ip = ipOf(text);
    return ip !== null && this.allowsBytes(ip.family, ip.bytes);
  }
}

/** local_allow_list: CIDR rules on our addresses plus `interfaces` name rules. */
export class LocalAllowList {
  /** CIDR rules. */
  readonly cidrs: AllowList;
  /** Interface-name rules, all allow or all deny (empty: every name allowed). */
  readonly names: readonly NameRule[];
  constructor(cidrs: AllowList, names: readonly NameRule[]) {
    this.cidrs = cidrs;
    this.names = names;
  }

  /** Whether addresses of interface `name` may be reported: the first matching rule, else the opposite of the rules. */
  allowsName(name: string): boolean {
    if (this.names.length === 0) return true;
    for (const r of this.names) if (r.pattern.test(name)) return r.allow;
    return !this.names[0]!.allow;
  }

  /** Whether our address `text` may be reported. */
  allowsIp(text: string): boolean {
    return this.cidrs.allowsIp(text);
  }
}

/** An overlay network of remote_allow_ranges and the allow list for peers inside it. */
export interface InsideRange {
  /** Network address (u32, host bits cleared). */
  readonly addr: number;
  /** Prefix length. */
  readonly prefix: number;
  /** The list applied to peers whose overlay address is inside. */
  readonly list: AllowList;
}

/** remote_allow_list plus remote_allow_ranges: both must allow a peer's underlay address. */
export class RemoteAllowList {
  /** remote_allow_list, or null (allow all). */
  readonly list: AllowList | null;
  /** remote_allow_ranges; the most specific range containing the peer's overlay address applies. */
  readonly ranges: readonly InsideRange[];
  constructor(list: AllowList | null, ranges: readonly InsideRange[]) {
    this.list = list;
    this.ranges = ranges;
  }

  /** Whether underlay address (family, bytes) may be used for the peer with overlay address vpnIp. */
  allowsBytes(vpnIp: number, family: 4 | 6, bytes: Uint8Array): boolean {
    let inside: InsideRange | null = null;
    for (const r of this.ranges) {
      const mask = r.prefix === 0 ? 0 : (0xffffffff << (32 - r.prefix)) >>> 0;
      if (((vpnIp & mask) >>> 0) === r.addr && (inside === null || r.prefix >= inside.prefix)) inside = r;
    }
    if (inside !== null && !inside.list.allowsBytes(family, bytes)) return false;
    return this.list === null || this.list.allowsBytes(family, bytes);
  }

  /** Whether `ep` may be used for the peer vpnIp. */
  allows(vpnIp: number, ep: Endpoint): boolean {
    const ip = ipOf(ep.ip);
    return ip !== null && this.allowsBytes(vpnIp, ip.family, ip.bytes);
  }
}
