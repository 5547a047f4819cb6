/** IP addresses between network-order bytes and canonical text (RFC 5952 for IPv6). */
import { isIPv4, isIPv6 } from 'node:net';

/** Network-order bytes of a dotted-quad IPv4 address (validated by node:net). */
export function ipv4Bytes(addr: string): Uint8Array {
  return Uint8Array.from(addr.split('.').map(Number));
}

/** Network-order bytes of an IPv6 address, including "::" and an embedded IPv4 tail. */
export function ipv6Bytes(addr: string): Uint8Array {
  const out = new Uint8Array(16);
  const zone = addr.indexOf('%');
  const text = zone >= 0 ? addr.slice(0, zone) : addr;
  const words = (part: string): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const res: number[] = [];
    for (const g of groups) {
      if (g.includes('.')) {
        const b = ipv4Bytes(g);
        res.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else {
        res.push(parseInt(g, 16));
      }
    }
    return res;
  };
  const dbl = text.indexOf('::');
  const head = words(dbl >= 0 ? text.slice(0, dbl) : text);
  const tail = dbl >= 0 ? words(text.slice(dbl + 2)) : [];
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Dotted quad of the 4 bytes at buf[off]. */
export function formatIpv4(buf: Uint8Array, off: number): string {
  return `${buf[off]!}.${buf[off + 1]!}.${buf[off + 2]!}.${buf[off + 3]!}`;
}

/**
 * RFC 5952 text of the 16 bytes at buf[off]: lower-case hex without leading
 * zeros, the longest run (first on a tie) of two or more zero groups as "::",
 * and IPv4-mapped addresses as ::ffff:a.b.c.d (as node:net prints them).
 */
export function formatIpv6(buf: Uint8Array, off: number): string {
  const w = (i: number): number => (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
  if (w(0) === 0 && w(1) === 0 && w(2) === 0 && w(3) === 0 && w(4) === 0 && w(5) === 0xffff) {
    return `::ffff:${formatIpv4(buf, off + 12)}`;
  }
  let bestAt = -1;
  let bestLen = 1; // a single zero group is never compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8;) {
    if (w(i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w(j) === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => {
    const parts: string[] = [];
    for (let i = from; i < to; i++) parts.push(w(i).toString(16));
    return parts.join(':');
  };
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

/** Family of an IP literal (4 or 6), 0 when it is neither; an IPv6 zone ("%2") is allowed. */
export function ipFamily(text: string): 0 | 4 | 6 {
  return isIPv4(text) ? 4 : isIPv6(text) ? 6 : 0;
}

/** Network-order bytes of an IP literal of the given family (validated by ipFamily first). */
export function ipBytes(text: string, family: 4 | 6): Uint8Array {
  return family === 4 ? ipv4Bytes(text) : ipv6Bytes(text);
}
