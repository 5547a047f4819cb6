// IPv6 fixed header fields (RFC 8200). Offsets are from the start of the IP header at `off`.
import { readU16BE, writeU16BE } from './bytes.js';

/** Offset of the u16 payload length: bytes after the fixed header, extension headers included (RFC 8200). */
export const IPV6_PAYLOAD_LENGTH = 4;
/** Offset of the next header byte (RFC 8200). */
export const IPV6_NEXT_HEADER = 6;
/** Offset of the hop limit byte (RFC 8200). */
export const IPV6_HOP_LIMIT = 7;
/** Offset of the 16-byte source address (RFC 8200). */
export const IPV6_SRC = 8;
/** Offset of the 16-byte destination address (RFC 8200). */
export const IPV6_DST = 24;
/** Length of the fixed header (RFC 8200). */
export const IPV6_HEADER_LEN = 40;

/** Hop-by-hop options header number (RFC 8200). */
export const IPV6_EXT_HOP_BY_HOP = 0;
/** Routing header number (RFC 8200). */
export const IPV6_EXT_ROUTING = 43;
/** Fragment header number; the header is always 8 bytes (RFC 8200 section 4.5). */
export const IPV6_EXT_FRAGMENT = 44;
/** Authentication header number; its length field counts 4-byte units minus 2 (RFC 4302). */
export const IPV6_EXT_AUTH = 51;
/** Destination options header number (RFC 8200). */
export const IPV6_EXT_DEST_OPTS = 60;

// Real packets carry a handful; the bound keeps a crafted chain from costing more.
const MAX_EXT_HEADERS = 8;
// Fixed size, no length field (RFC 8200 section 4.5).
const FRAGMENT_HEADER_LEN = 8;

/** Traffic class byte (DSCP and ECN), split across the first two bytes. */
export function ipv6TrafficClass(buf: Uint8Array, off: number): number {
  return ((buf[off] & 0x0f) << 4) | (buf[off + 1] >>> 4);
}

/** Sets the traffic class, keeping version and flow label. */
export function setIpv6TrafficClass(buf: Uint8Array, off: number, tc: number): void {
  buf[off] = (buf[off] & 0xf0) | ((tc >>> 4) & 0x0f);
  buf[off + 1] = (buf[off + 1] & 0x0f) | ((tc & 0x0f) << 4);
}

/** Payload length: bytes after the 40-byte fixed header. */
export function ipv6PayloadLength(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + IPV6_PAYLOAD_LENGTH);
}

/** Sets the payload length. */
export function setIpv6PayloadLength(buf: Uint8Array, off: number, len: number): void {
  writeU16BE(buf, off + IPV6_PAYLOAD_LENGTH, len);
}

/** Next header of the fixed header. */
export function ipv6NextHeader(buf: Uint8Array, off: number): number {
  return buf[off + IPV6_NEXT_HEADER];
}

/** Hop limit. */
export function ipv6HopLimit(buf: Uint8Array, off: number): number {
  return buf[off + IPV6_HOP_LIMIT];
}

/** Sets the hop limit. */
export function setIpv6HopLimit(buf: Uint8Array, off: number, hopLimit: number): void {
  buf[off + IPV6_HOP_LIMIT] = hopLimit;
}

/** Where ipv6L4 found the upper-layer header. */
export interface Ipv6L4 {
  /** Upper-layer protocol number (the last next header). */
  proto: number;
  /** Absolute index in buf of the upper-layer header. */
  offset: number;
  /** A Fragment header is in the chain: the upper-layer bytes are (part of) one fragment. */
  fragment: boolean;
}

/** Walks the extension headers of buf[off, off+len) into `out`; false if truncated or longer than 8 headers. */
export function ipv6L4(buf: Uint8Array, off: number, len: number, out: Ipv6L4): boolean {
  // A non-first fragment still reports the upper-layer protocol though its header is
  // elsewhere; out.fragment tells callers that care.
  if (len < IPV6_HEADER_LEN) return false;
  let fragment = false;
  const end = off + len;
  let next = buf[off + IPV6_NEXT_HEADER];
  let p = off + IPV6_HEADER_LEN;
  for (let n = 0; ; n++) {
    let extLen: number;
    switch (next) {
      case IPV6_EXT_HOP_BY_HOP:
      case IPV6_EXT_ROUTING:
      case IPV6_EXT_DEST_OPTS:
        if (p + 2 > end) return false;
        extLen = (buf[p + 1] + 1) << 3;
        break;
      case IPV6_EXT_FRAGMENT:
        extLen = FRAGMENT_HEADER_LEN;
        fragment = true;
        break;
      case IPV6_EXT_AUTH:
        if (p + 2 > end) return false;
        extLen = (buf[p + 1] + 2) << 2;
        break;
      default:
        out.proto = next;
        out.offset = p;
        out.fragment = fragment;
        return true;
    }
    if (n === MAX_EXT_HEADERS || p + extLen > end) return false;
    next = buf[p];
    p += extLen;
  }
}
