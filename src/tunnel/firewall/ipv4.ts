// IPv4 addresses as u32 numbers (network order read big-endian, e.g. 198.19.0.1 -> 0xc6130001),
// the form nebula certificates use (docs/PROTOCOL.md "Certificate encoding"), so per-packet matching is integer math.

/** An IPv4 network (or a host address with its mask), both u32. */
export interface Ipv4Net {
  /** Address; bits outside the mask are ignored when matching. */
  readonly addr: number;
  /** Netmask, e.g. 0xffff0000 for /16. */
  readonly mask: number;
}

const OCTET = /^(?:0|[1-9]\d{0,2})$/;

/** Parses a dotted quad ("198.19.0.1") to a u32; null unless it is exactly four decimal octets 0..255 without leading zeros (as Go's net.ParseIP). */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!OCTET.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

/** Dotted-quad text of a u32 address. */
export function formatIpv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** Netmask u32 of a prefix length 0..32. */
export function prefixMask(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** Parses "a.b.c.d/n" to the network (address masked, as Go's net.ParseCIDR returns it); null when malformed. */
export function parseIpv4Cidr(text: string): Ipv4Net | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (addr === null || !/^\d{1,2}$/.test(prefixText)) return null;
  const prefixLen = Number(prefixText);
  if (prefixLen > 32) return null;
  const mask = prefixMask(prefixLen);
  return { addr: (addr & mask) >>> 0, mask };
}

/** Prefix length of a netmask: its count of leading one bits. */
export function maskPrefixLen(mask: number): number {
  return Math.clz32(~mask >>> 0);
}

/** "a.b.c.d/n" text of a network. */
export function formatIpv4Net(net: Ipv4Net): string {
  return `${formatIpv4((net.addr & net.mask) >>> 0)}/${maskPrefixLen(net.mask)}`;
}

/** Whether `addr` lies inside `net`. */
export function netContains(net: Ipv4Net, addr: number): boolean {
  return ((addr ^ net.addr) & net.mask) === 0;
}

/** Whether network `inner` lies entirely inside network `outer` (its mask is at least as long and its base inside). */
export function netWithin(outer: Ipv4Net, inner: Ipv4Net): boolean {
  return (inner.mask & outer.mask) >>> 0 === outer.mask >>> 0 && netContains(outer, inner.addr);
}
