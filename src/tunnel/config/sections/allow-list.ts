// lighthouse.local_allow_list, remote_allow_list and remote_allow_ranges, read with nebula 1.6.1's
// rules (docs/PROTOCOL.md "Allow lists"): a map of CIDR -> bool per list; within a family all rules
// alike get the opposite default, mixed ones need an explicit 0.0.0.0/0 or ::/0; local_allow_list
// also takes `interfaces`, a map of name regex -> bool whose values must all be the same.
import { isIPv4, isIPv6 } from 'node:net';
import { ipBytes } from '../../../packet/ip-text.js';
import { AllowList, LocalAllowList, RemoteAllowList, type AllowRule, type InsideRange, type NameRule } from '../../lighthouse/index.js';
import type { ConfigReader } from '../reader.js';
import { childPath, isMap, show, toBool } from '../reader.js';

/** A CIDR ("10.0.0.0/8", "fd00::/8"; host bits cleared as Go's net.ParseCIDR), or null. */
export function parseCidr(text: string): { family: 4 | 6; addr: Uint8Array; prefix: number } | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = text.slice(0, slash);
  const family = isIPv4(ip) ? 4 : isIPv6(ip) && !ip.includes('%') ? 6 : 0;
  const bits = text.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return null;
  const prefix = Number(bits);
  if (prefix > (family === 4 ? 32 : 128)) return null;
  const addr = ipBytes(ip, family);
  for (let i = 0; i < addr.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    addr[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return { family, addr, prefix };
}

// A YAML boolean: true/false, or the YAML 1.1 words nebula's YAML reader takes as booleans; not numbers.
function boolValue(r: ConfigReader, v: unknown, path: string): boolean {
  const b = typeof v === 'number' ? null : toBool(v);
  if (b === null) r.fail(path, `must be true or false, got ${show(v)}`);
  return b;
}

/**
 * An allow list from its map; `special` reads a key that is not a CIDR (local_allow_list's
 * `interfaces`) and returns true when it did.
 */
function readList(r: ConfigReader, value: unknown, path: string, special?: (key: string, v: unknown) => boolean): AllowList {
  if (!isMap(value)) r.fail(path, `must be a map of CIDR to true/false, got ${show(value)}`);
  const rules: AllowRule[] = [];
  const seen = { 4: new Set<boolean>(), 6: new Set<boolean>() };
  const hasDefault = { 4: false, 6: false };
  for (const [key, v] of Object.entries(value)) {
    if (special?.(key, v) === true) continue;
    const p = childPath(path, key);
    const allow = boolValue(r, v, p);
    const net = parseCidr(key);
    if (net === null) r.fail(p, `is not a CIDR (like 10.0.0.0/8 or fd00::/8)`);
    rules.push({ ...net, allow });
    seen[net.family].add(allow);
    if (net.prefix === 0) hasDefault[net.family] = true;
  }
  for (const family of [4, 6] as const) {
    if (hasDefault[family]) continue;
    const zero = family === 4 ? '0.0.0.0/0' : '::/0';
    if (seen[family].size > 1) r.fail(path, `has both true and false rules for IPv${family} but no default; add ${zero}`);
    // No rules: allow all; all rules alike: the default is their opposite.
    const allow = seen[family].size === 0 ? true : !seen[family].has(true);
    rules.unshift({ family, addr: new Uint8Array(family === 4 ? 4 : 16), prefix: 0, allow });
  }
  return new AllowList(rules);
}

function readNames(r: ConfigReader, value: unknown, path: string): NameRule[] {
  if (!isMap(value)) r.fail(path, `must be a map of interface name pattern to true/false, got ${show(value)}`);
  const out: NameRule[] = [];
  for (const [name, v] of Object.entries(value)) {
    const p = childPath(path, name);
    const allow = boolValue(r, v, p);
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${name})$`);
    } catch (e) {
      r.fail(p, `is not a valid regular expression: ${(e as Error).message}`);
    }
    if (out.length > 0 && out[0]!.allow !== allow) r.fail(path, 'values must all be true or all be false');
    out.push({ pattern, allow });
  }
  return out;
}

/** `local_allow_list` under `path`; null when absent (everything reported). */
export function readLocalAllowList(r: ConfigReader, value: unknown, path: string): LocalAllowList | null {
  if (value === undefined || value === null) return null;
  let names: NameRule[] = [];
  const list = readList(r, value, path, (key, v) => {
    if (key !== 'interfaces') return false;
    names = readNames(r, v, childPath(path, key));
    return true;
  });
  return new LocalAllowList(list, names);
}

/** `remote_allow_list` and `remote_allow_ranges`; null when both are absent (every address used). */
export function readRemoteAllowList(r: ConfigReader, listValue: unknown, listPath: string, rangesValue: unknown, rangesPath: string): RemoteAllowList | null {
  const none = (v: unknown): boolean => v === undefined || v === null;
  if (none(listValue) && none(rangesValue)) return null;
  const list = none(listValue) ? null : readList(r, listValue, listPath);
  const ranges: InsideRange[] = [];
  if (!none(rangesValue)) {
    if (!isMap(rangesValue)) r.fail(rangesPath, `must be a map of overlay CIDR to allow list, got ${show(rangesValue)}`);
    for (const [key, v] of Object.entries(rangesValue)) {
      const p = childPath(rangesPath, key);
      const inner = readList(r, v, p);
      const net = parseCidr(key);
      if (net === null) r.fail(p, 'is not a CIDR (like 198.19.0.0/24)');
      // Overlay addresses are IPv4: nebula takes an IPv6 range and never matches it.
      if (net.family !== 4) continue;
      const a = net.addr;
      ranges.push({ addr: ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0, prefix: net.prefix, list: inner });
    }
  }
  return new RemoteAllowList(list, ranges);
}
