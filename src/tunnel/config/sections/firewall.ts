// `firewall` (docs/PROTOCOL.md "Firewall rules"; nebula firewall.go AddFirewallRulesFromConfig, convertRule,
// parsePort): conntrack timeouts, the rule lists turned into typed FirewallRule values, and the
// actions for refused packets (inbound_action / outbound_action, docs/firewall-reject.md).
//
// Unlike elsewhere, an unknown key inside a rule is an ERROR, not a warning: ignoring a
// restriction written for a newer nebula (e.g. local_cidr) would silently widen the rule.
import { DEFAULT_OTHER_TIMEOUT_MS, DEFAULT_TCP_TIMEOUT_MS, DEFAULT_UDP_TIMEOUT_MS } from '../../firewall/constants.js';
import { FIREWALL_ACTIONS } from '../../firewall/firewall.js';
import { parseIpv4Cidr } from '../../firewall/ipv4.js';
import { parsePortRange, type FirewallProto, type FirewallRule } from '../../firewall/rule.js';
import type { ConfigMap, ConfigReader } from '../reader.js';
import { childPath, indexPath, isMap, show } from '../reader.js';
import type { FirewallConfig } from '../types.js';
import { unsupportedTuning } from './unsupported.js';

const RULE_KEYS = ['port', 'code', 'proto', 'host', 'group', 'groups', 'cidr', 'ca_name', 'ca_sha'];
const PROTOS: readonly FirewallProto[] = ['any', 'tcp', 'udp', 'icmp'];

/** An optional scalar rule field as text; absent, null or "" -> null (nebula treats "" as unset). */
function text(r: ConfigReader, m: ConfigMap, key: string, path: string): string | null {
  const v = m[key];
  if (v === undefined || v === null) return null;
  const s = r.stringValue(v, childPath(path, key)).trim();
  return s === '' ? null : s;
}

/** `group` (one name; a one-element list is tolerated with a warning) or `groups` (a list, or one name). */
function groups(r: ConfigReader, m: ConfigMap, path: string): string[] | null {
  let group = m.group;
  if (Array.isArray(group)) {
    if (group.length > 1) r.fail(childPath(path, 'group'), 'must be a single group; use groups for a list (all must match)');
    r.warn(childPath(path, 'group'), 'a one-element list; read as a single group');
    group = group[0];
  }
  const one = group === undefined || group === null ? null : r.stringValue(group, childPath(path, 'group')).trim() || null;
  const listPath = childPath(path, 'groups');
  const raw = m.groups;
  const many =
    raw === undefined || raw === null
      ? null
      : (Array.isArray(raw) ? raw : [raw]).map((g, i) => {
          const s = r.stringValue(g, Array.isArray(raw) ? indexPath(listPath, i) : listPath).trim();
          if (s === '') r.fail(indexPath(listPath, i), 'must not be empty');
          return s;
        });
  if (one !== null && many !== null && many.length > 0) r.fail(path, 'has both group and groups; use only one');
  if (one !== null) return [one];
  return many !== null && many.length > 0 ? many : null;
}

/** One rule. */
function readRule(r: ConfigReader, v: unknown, path: string): FirewallRule {
  if (!isMap(v)) r.fail(path, `must be a map (port, proto, host, …), got ${show(v)}`);
  for (const key of Object.keys(v)) {
    if (!RULE_KEYS.includes(key)) {
      r.fail(childPath(path, key), `unknown rule field; nebula 1.6.1 rules take ${RULE_KEYS.join(', ')} (refused rather than ignored: ignoring a restriction would widen the rule)`);
    }
  }
  const port = text(r, v, 'port', path);
  const code = text(r, v, 'code', path);
  if (port !== null && code !== null) r.fail(path, 'has both port and code; use only one');
  const portKey = code !== null ? 'code' : 'port';
  const portText = port ?? code;
  if (portText === null) r.fail(childPath(path, 'port'), 'required: any, fragment, a port or a range N-M');
  const range = parsePortRange(portText);
  if (range === null) r.fail(childPath(path, portKey), `must be any, 0, fragment, a port 1..65535 or a range N-M, got ${show(v[portKey])}`);

  const protoText = text(r, v, 'proto', path);
  if (protoText === null) r.fail(childPath(path, 'proto'), 'required: any, tcp, udp or icmp');
  const proto = PROTOS.find((p) => p === protoText);
  if (proto === undefined) r.fail(childPath(path, 'proto'), `must be any, tcp, udp or icmp, got ${show(v.proto)}`);

  const cidrText = text(r, v, 'cidr', path);
  const cidr = cidrText === null ? null : parseIpv4Cidr(cidrText);
  if (cidrText !== null && cidr === null) r.fail(childPath(path, 'cidr'), `must be an IPv4 network like 10.0.0.0/8, got ${show(v.cidr)}`);

  const caSha = text(r, v, 'ca_sha', path);
  const rule: FirewallRule = {
    portStart: range.start,
    portEnd: range.end,
    proto,
    host: text(r, v, 'host', path),
    groups: groups(r, v, path),
    cidr,
    caName: text(r, v, 'ca_name', path),
    caSha: caSha === null ? null : caSha.toLowerCase(),
  };
  if (rule.host === null && rule.groups === null && rule.cidr === null && rule.caName === null && rule.caSha === null) {
    r.fail(path, 'needs at least one of host, group, groups, cidr, ca_name or ca_sha (use host: any for everyone)');
  }
  return rule;
}

/** Reads `firewall`. */
export function readFirewall(r: ConfigReader, value: unknown): FirewallConfig {
  const path = 'firewall';
  const m = r.map(value, path, ['conntrack', 'outbound', 'inbound', 'inbound_action', 'outbound_action']);
  const ct = r.map(m.conntrack, 'firewall.conntrack', ['tcp_timeout', 'udp_timeout', 'default_timeout'], {
    routine_cache_timeout: unsupportedTuning('per-routine conntrack cache'),
  });
  const rules = (key: 'inbound' | 'outbound'): FirewallRule[] => {
    const p = childPath(path, key);
    return r.list(m[key], p).map((v, i) => readRule(r, v, indexPath(p, i)));
  };
  return {
    tcpTimeoutMs: r.duration(ct, 'tcp_timeout', 'firewall.conntrack', DEFAULT_TCP_TIMEOUT_MS, false),
    udpTimeoutMs: r.duration(ct, 'udp_timeout', 'firewall.conntrack', DEFAULT_UDP_TIMEOUT_MS, false),
    defaultTimeoutMs: r.duration(ct, 'default_timeout', 'firewall.conntrack', DEFAULT_OTHER_TIMEOUT_MS, false),
    outbound: rules('outbound'),
    inbound: rules('inbound'),
    // Nebula warns and drops on an unknown value; tio refuses it, as every other bad value.
    inboundAction: r.choice(m, 'inbound_action', path, FIREWALL_ACTIONS, 'drop'),
    outboundAction: r.choice(m, 'outbound_action', path, FIREWALL_ACTIONS, 'drop'),
  };
}
