// Version-independent view of an IP packet: which version, where L4 starts.
import { IPV4_MIN_HEADER_LEN, IPV4_PROTOCOL, ipv4Ihl, ipv4IsFragment } from './ipv4.js';
import { type Ipv6L4, ipv6L4 } from './ipv6.js';

/** IP version nibble of the packet at off (4, 6, or anything else for garbage). */
export function ipVersion(buf: Uint8Array, off: number): number {
  return buf[off] >>> 4;
}

/** Where l4Info found the L4 header. */
export interface L4Info {
  /** IP version, 4 or 6. */
  version: number;
  /** Upper-layer protocol number (6 TCP, 17 UDP, ...). */
  proto: number;
  /** Absolute index in buf of the L4 header. */
  l4Offset: number;
  /** Bytes from the start of the IP header to the L4 header (IPv6 extension headers included). */
  ipHdrLen: number;
  /** A fragment: IPv4 MF or a fragment offset set, or an IPv6 Fragment header in the chain. */
  fragment: boolean;
}

// Reused so the IPv6 walk does not allocate per call.
const v6Scratch: Ipv6L4 = { proto: 0, offset: 0, fragment: false };

/** Fills `out` for the IP packet buf[off, off+len); false for other versions, a bad IHL or a truncated IPv6 chain. */
export function l4Info(buf: Uint8Array, off: number, len: number, out: L4Info): boolean {
  if (len < 1) return false;
  const version = buf[off] >>> 4;
  if (version === 4) {
    if (len < IPV4_MIN_HEADER_LEN) return false;
    const ihl = ipv4Ihl(buf, off);
    if (ihl < IPV4_MIN_HEADER_LEN || ihl > len) return false;
    out.version = 4;
    out.proto = buf[off + IPV4_PROTOCOL];
    out.l4Offset = off + ihl;
    out.ipHdrLen = ihl;
    out.fragment = ipv4IsFragment(buf, off);
    return true;
  }
  if (version === 6) {
    if (!ipv6L4(buf, off, len, v6Scratch)) return false;
    out.version = 6;
    out.proto = v6Scratch.proto;
    out.l4Offset = v6Scratch.offset;
    out.ipHdrLen = v6Scratch.offset - off;
    out.fragment = v6Scratch.fragment;
    return true;
  }
  return false;
}
