// IPv4 header fields (RFC 791). Offsets are from the start of the IP header at `off`.
import { readU16BE, writeU16BE } from './bytes.js';
import { finish, sum16 } from './checksum.js';

/** Offset of the version (high nibble) / IHL (low nibble, 32-bit words) byte (RFC 791). */
export const IPV4_VER_IHL = 0;
/** Offset of the type of service / DSCP+ECN byte (RFC 791, RFC 2474, RFC 3168). */
export const IPV4_TOS = 1;
/** Offset of the u16 total length, header included (RFC 791). */
export const IPV4_TOTAL_LENGTH = 2;
/** Offset of the u16 identification (RFC 791). */
export const IPV4_ID = 4;
/** Offset of the u16 holding the flags (top 3 bits) and fragment offset (low 13 bits) (RFC 791). */
export const IPV4_FLAGS_FRAG = 6;
/** Offset of the time to live byte (RFC 791). */
export const IPV4_TTL = 8;
/** Offset of the protocol byte (RFC 791). */
export const IPV4_PROTOCOL = 9;
/** Offset of the u16 header checksum (RFC 791). */
export const IPV4_CHECKSUM = 10;
/** Offset of the 4-byte source address (RFC 791). */
export const IPV4_SRC = 12;
/** Offset of the 4-byte destination address (RFC 791). */
export const IPV4_DST = 16;
/** Length of a header without options: IHL 5 (RFC 791). */
export const IPV4_MIN_HEADER_LEN = 20;

/** Don't Fragment bit within the flags/fragment u16 (RFC 791). */
export const IPV4_FLAG_DF = 0x4000;
/** More Fragments bit within the flags/fragment u16 (RFC 791). */
export const IPV4_FLAG_MF = 0x2000;
/** Fragment offset mask within the flags/fragment u16, in 8-byte units (RFC 791). */
export const IPV4_FRAG_OFFSET_MASK = 0x1fff;

/** IHL converted to bytes: the header length, options included. */
export function ipv4Ihl(buf: Uint8Array, off: number): number {
  return (buf[off + IPV4_VER_IHL] & 0x0f) << 2;
}

/** Type of service byte (DSCP and ECN). */
export function ipv4Tos(buf: Uint8Array, off: number): number {
  return buf[off + IPV4_TOS];
}

/** Sets the type of service byte. */
export function setIpv4Tos(buf: Uint8Array, off: number, tos: number): void {
  buf[off + IPV4_TOS] = tos;
}

/** Total length (header + payload) in bytes. */
export function ipv4TotalLength(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + IPV4_TOTAL_LENGTH);
}

/** Sets the total length. */
export function setIpv4TotalLength(buf: Uint8Array, off: number, len: number): void {
  writeU16BE(buf, off + IPV4_TOTAL_LENGTH, len);
}

/** Identification field. */
export function ipv4Id(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + IPV4_ID);
}

/** Sets the identification field (low 16 bits of id). */
export function setIpv4Id(buf: Uint8Array, off: number, id: number): void {
  writeU16BE(buf, off + IPV4_ID, id);
}

/** Whether the Don't Fragment flag is set. */
export function ipv4DontFragment(buf: Uint8Array, off: number): boolean {
  return (readU16BE(buf, off + IPV4_FLAGS_FRAG) & IPV4_FLAG_DF) !== 0;
}

/** Whether the More Fragments flag is set. */
export function ipv4MoreFragments(buf: Uint8Array, off: number): boolean {
  return (readU16BE(buf, off + IPV4_FLAGS_FRAG) & IPV4_FLAG_MF) !== 0;
}

/** Fragment offset in 8-byte units. */
export function ipv4FragmentOffset(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + IPV4_FLAGS_FRAG) & IPV4_FRAG_OFFSET_MASK;
}

/** Whether the packet is a fragment (MF set or a non-zero fragment offset). */
export function ipv4IsFragment(buf: Uint8Array, off: number): boolean {
  return (readU16BE(buf, off + IPV4_FLAGS_FRAG) & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) !== 0;
}

/** Time to live. */
export function ipv4Ttl(buf: Uint8Array, off: number): number {
  return buf[off + IPV4_TTL];
}

/** Sets the time to live. */
export function setIpv4Ttl(buf: Uint8Array, off: number, ttl: number): void {
  buf[off + IPV4_TTL] = ttl;
}

/** Protocol number of the payload (6 TCP, 17 UDP). */
export function ipv4Protocol(buf: Uint8Array, off: number): number {
  return buf[off + IPV4_PROTOCOL];
}

/** Header checksum as stored. */
export function ipv4HeaderChecksum(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + IPV4_CHECKSUM);
}

/** Recomputes the header checksum over IHL*4 bytes and stores it. */
export function ipv4HeaderChecksumUpdate(buf: Uint8Array, off: number): void {
  const i = off + IPV4_CHECKSUM;
  buf[i] = 0;
  buf[i + 1] = 0;
  writeU16BE(buf, i, finish(sum16(buf, off, ipv4Ihl(buf, off))));
}
