// Byte comparisons between a chain's seed and a new packet: the flow key, and
// the header fields that must be identical for segmentation to reproduce them.
import {
  IPPROTO_TCP, IPV4_FLAGS_FRAG, IPV4_MIN_HEADER_LEN, IPV4_PROTOCOL, IPV4_SRC, IPV4_TOS, IPV4_TTL, IPV6_HEADER_LEN, IPV6_HOP_LIMIT,
  IPV6_NEXT_HEADER, IPV6_SRC, TCP_ACK, TCP_MIN_HEADER_LEN, TCP_WINDOW,
} from '../packet/index.js';

// Flow key spans: both addresses (RFC 791 / RFC 8200), both ports (first 4 L4 bytes).
const IPV4_ADDRS_LEN = 8;
const PORTS_LEN = 4;
const TCP_ACK_LEN = 4;

/** True when a[ai, ai+n) equals b[bi, bi+n). */
export function sameBytes(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ai + i] !== b[bi + i]) return false;
  return true;
}

/**
 * Same flow key: version, protocol, addresses, ports and, for TCP, the ack
 * number. Both packets passed parseLane, so their IP header lengths match their version.
 */
export function sameFlowKey(a: Uint8Array, ao: number, b: Uint8Array, bo: number, version: number, proto: number): boolean {
  if (a[ao] >>> 4 !== b[bo] >>> 4) return false;
  let l4: number;
  if (version === 4) {
    if (a[ao + IPV4_PROTOCOL] !== proto || b[bo + IPV4_PROTOCOL] !== proto) return false;
    if (!sameBytes(a, ao + IPV4_SRC, b, bo + IPV4_SRC, IPV4_ADDRS_LEN)) return false;
    l4 = IPV4_MIN_HEADER_LEN;
  } else {
    if (a[ao + IPV6_NEXT_HEADER] !== proto || b[bo + IPV6_NEXT_HEADER] !== proto) return false;
    if (!sameBytes(a, ao + IPV6_SRC, b, bo + IPV6_SRC, IPV6_HEADER_LEN - IPV6_SRC)) return false;
    l4 = IPV6_HEADER_LEN;
  }
  if (!sameBytes(a, ao + l4, b, bo + l4, PORTS_LEN)) return false;
  return proto !== IPPROTO_TCP || sameBytes(a, ao + l4 + TCP_ACK, b, bo + l4 + TCP_ACK, TCP_ACK_LEN);
}

/**
 * IP headers equal except length, id and checksum: version/IHL, the whole ToS
 * (ECN included), flags and fragment offset (so DF), TTL, protocol. Addresses
 * are part of the flow key.
 */
export function sameIpv4Shape(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  return a[ao] === b[bo] && a[ao + IPV4_TOS] === b[bo + IPV4_TOS]
    && a[ao + IPV4_FLAGS_FRAG] === b[bo + IPV4_FLAGS_FRAG] && a[ao + IPV4_FLAGS_FRAG + 1] === b[bo + IPV4_FLAGS_FRAG + 1]
    && a[ao + IPV4_TTL] === b[bo + IPV4_TTL];
}

/** IPv6 headers equal except payload length: version, traffic class (ECN included), flow label, hop limit. */
export function sameIpv6Shape(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  // Bytes 0..3 hold version, traffic class and flow label (RFC 8200).
  return a[ao] === b[bo] && a[ao + 1] === b[bo + 1] && a[ao + 2] === b[bo + 2] && a[ao + 3] === b[bo + 3]
    && a[ao + IPV6_HOP_LIMIT] === b[bo + IPV6_HOP_LIMIT];
}

/** TCP headers of equal length that agree on window and options (ports and ack are the flow key). */
export function sameTcpShape(a: Uint8Array, al4: number, b: Uint8Array, bl4: number, l4HdrLen: number): boolean {
  return a[al4 + TCP_WINDOW] === b[bl4 + TCP_WINDOW] && a[al4 + TCP_WINDOW + 1] === b[bl4 + TCP_WINDOW + 1]
    && sameBytes(a, al4 + TCP_MIN_HEADER_LEN, b, bl4 + TCP_MIN_HEADER_LEN, l4HdrLen - TCP_MIN_HEADER_LEN);
}
