// The underlay addresses a lighthouse client reports about itself and accepts about others
// (docs/PROTOCOL.md "Lighthouse messages"; nebula lighthouse.go SendUpdate, unlockedShouldAddV4).
import { isIPv4, isIPv6 } from 'node:net';
import { ipBytes } from '../../packet/ip-text.js';
import { Endpoint, formatIpv6 } from '../../udp/index.js';
import type { LocalAllowList } from './allow-list.js';
import type { Ip4AndPort, Ip6AndPort } from './meta.js';

/** An interface address as os.networkInterfaces() lists it (the fields used here). */
export interface InterfaceAddress {
  /** The address text. */
  readonly address: string;
  /** 'IPv4' or 'IPv6'. */
  readonly family: string;
  /** True for loopback addresses. */
  readonly internal: boolean;
  /** The interface's name (local_allow_list's `interfaces` rules match it); absent: no name rule applies. */
  readonly name?: string;
}

/** What to report: configured addresses first, then the interfaces'. */
export interface ReportInput {
  /** lighthouse.advertise_addrs; port 0 means `port`. */
  readonly advertise: readonly { readonly host: string; readonly port: number }[];
  /** Every interface address of the namespace the socket lives in. */
  readonly interfaces: readonly InterfaceAddress[];
  /** listen.host: an unspecified address reports every interface, a specific one only itself. */
  readonly listenHost: string;
  /** The port the socket is bound to. */
  readonly port: number;
  /** Our overlay network (our address and prefix length): addresses inside it are never reported. */
  readonly vpnIp: number;
  readonly prefix: number;
  /** lighthouse.local_allow_list: interface addresses it refuses are not reported (advertise_addrs always are). */
  readonly localAllowList?: LocalAllowList | null;
}

/** Most addresses one update carries (nebula stores at most 10 per host, hostmap.go MaxRemotes). */
export const MAX_REPORTED_ADDRS = 10;

/** Dotted quad -> u32, or null. */
export function ipv4ToU32(text: string): number | null {
  if (!isIPv4(text)) return null;
  const p = text.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

/** u32 -> dotted quad. */
export function u32ToIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function inNet(ip: number, vpnIp: number, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((ip & mask) >>> 0) === ((vpnIp & mask) >>> 0);
}

/**
 * Our IPv4 addresses for a HostUpdateNotification. As nebula: advertise_addrs, then every
 * non-loopback, non-link-local interface address, none inside the overlay network, all with our
 * port. Unlike nebula, a socket bound to one address reports only that address (the others cannot
 * reach it). local_allow_list filters interface addresses by interface name and by address
 * (docs/PROTOCOL.md "Allow lists"). IPv6 addresses are reportedAddresses6's (docs/PROTOCOL.md "Lighthouse messages").
 */
export function reportedAddresses(r: ReportInput): Ip4AndPort[] {
  const out: Ip4AndPort[] = [];
  const seen = new Set<string>();
  const add = (ip: number | null, port: number): void => {
    if (ip === null || out.length >= MAX_REPORTED_ADDRS || inNet(ip, r.vpnIp, r.prefix)) return;
    const key = `${ip}:${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ip, port });
  };
  for (const a of r.advertise) add(ipv4ToU32(a.host), a.port === 0 ? r.port : a.port);
  // A socket bound to one IPv6 address cannot carry IPv4 (reportedAddresses6 reports it).
  if (isIPv6(r.listenHost) && !ipBytes(r.listenHost, 6).every((x) => x === 0)) return out;
  const bound = ipv4ToU32(r.listenHost);
  const lal = r.localAllowList ?? null;
  if (bound !== null && bound !== 0) {
    if (lal === null || lal.allowsIp(r.listenHost)) add(bound, r.port);
    return out;
  }
  for (const i of r.interfaces) {
    if (i.internal || i.family !== 'IPv4') continue;
    if (lal !== null && ((i.name !== undefined && !lal.allowsName(i.name)) || !lal.allowsIp(i.address))) continue;
    const ip = ipv4ToU32(i.address);
    // 127/8 and 169.254/16 (link-local) are never reachable from another host.
    if (ip === null || ip >>> 24 === 127 || ip >>> 16 === 0xa9fe) continue;
    add(ip, r.port);
  }
  return out;
}

/**
 * An address a lighthouse told us, as an endpoint we may send a handshake to; null when it is
 * not a usable unicast IPv4 address and port, or lies inside our overlay network (nebula drops those too).
 */
export function acceptedAddress(a: Ip4AndPort, vpnIp: number, prefix: number): Endpoint | null {
  const ip = a.ip >>> 0;
  const first = ip >>> 24;
  if (a.port < 1 || a.port > 65535 || first === 0 || first >= 224 || inNet(ip, vpnIp, prefix)) return null;
  return Endpoint.of(u32ToIpv4(ip), a.port);
}

/** Network-order bytes of an Ip6AndPort's address. */
function ip6Bytes(a: Ip6AndPort): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt.asUintN(64, a.hi));
  v.setBigUint64(8, BigInt.asUintN(64, a.lo));
  return b;
}

/** The Ip6AndPort of an IPv6 address literal and a port (the halves big-endian, as nebula). */
export function ip6AndPortOf(host: string, port: number): Ip6AndPort {
  const v = new DataView(ipBytes(host, 6).buffer);
  return { hi: v.getBigUint64(0), lo: v.getBigUint64(8), port };
}

/**
 * An IPv6 address a lighthouse told us, as an endpoint; null unless it is a global or unique-local
 * unicast address (not ::, ::1, multicast, link-local, which needs a zone, or IPv4-mapped, which
 * belongs in Ip4AndPorts) with a port 1..65535.
 */
export function acceptedAddress6(a: Ip6AndPort): Endpoint | null {
  if (a.port < 1 || a.port > 65535) return null;
  const b = ip6Bytes(a);
  const zeroHead = b.subarray(0, 10).every((x) => x === 0);
  if (zeroHead && ((b[10] === 0xff && b[11] === 0xff) || b.subarray(10, 15).every((x) => x === 0) && b[15]! <= 1)) return null;
  if (b[0] === 0xff || (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80)) return null;
  return Endpoint.of(formatIpv6(b, 0), a.port);
}

/**
 * Our IPv6 addresses for a HostUpdateNotification, when the socket is IPv6 (listen.host `::` or an
 * IPv6 address): advertise_addrs' IPv6 ones, then, as nebula, every interface address that is not
 * loopback or link-local (bound to one address: only that one), filtered by local_allow_list.
 */
export function reportedAddresses6(r: ReportInput): Ip6AndPort[] {
  const out: Ip6AndPort[] = [];
  const seen = new Set<string>();
  const add = (host: string, port: number): void => {
    const a = ip6AndPortOf(host, port);
    const ep = acceptedAddress6(a);
    if (ep === null || out.length >= MAX_REPORTED_ADDRS || seen.has(ep.key)) return;
    seen.add(ep.key);
    out.push(a);
  };
  for (const a of r.advertise) if (isIPv6(a.host)) add(a.host, a.port === 0 ? r.port : a.port);
  if (!isIPv6(r.listenHost)) return out;
  const lal = r.localAllowList ?? null;
  if (!ipBytes(r.listenHost, 6).every((x) => x === 0)) {
    if (lal === null || lal.allowsIp(r.listenHost)) add(r.listenHost, r.port);
    return out;
  }
  for (const i of r.interfaces) {
    if (i.internal || i.family !== 'IPv6' || i.address.includes('%')) continue;
    if (lal !== null && ((i.name !== undefined && !lal.allowsName(i.name)) || !lal.allowsIp(i.address))) continue;
    add(i.address, r.port);
  }
  return out;
}

/** acceptedAddress for an IPv4 entry, acceptedAddress6 for an IPv6 one. */
export function acceptedEither(a: Ip4AndPort | Ip6AndPort, vpnIp: number, prefix: number): Endpoint | null {
  return 'ip' in a ? acceptedAddress(a, vpnIp, prefix) : acceptedAddress6(a);
}
