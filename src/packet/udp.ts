// UDP header fields (RFC 768). Offsets are from the start of the UDP header at `off`.
import { readU16BE, writeU16BE } from './bytes.js';

/** IP protocol number of UDP (IANA). */
export const IPPROTO_UDP = 17;

/** Offset of the u16 source port (RFC 768). */
export const UDP_SRC_PORT = 0;
/** Offset of the u16 destination port (RFC 768). */
export const UDP_DST_PORT = 2;
/** Offset of the u16 length, header included (RFC 768). */
export const UDP_LENGTH = 4;
/** Offset of the u16 checksum (RFC 768); virtio csum_offset for UDP. */
export const UDP_CHECKSUM = 6;
/** Length of the UDP header (RFC 768). */
export const UDP_HEADER_LEN = 8;

/** Source port. */
export function udpSrcPort(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + UDP_SRC_PORT);
}

/** Destination port. */
export function udpDstPort(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + UDP_DST_PORT);
}

/** Length field (header + payload). */
export function udpLength(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + UDP_LENGTH);
}

/** Sets the length field. */
export function setUdpLength(buf: Uint8Array, off: number, len: number): void {
  writeU16BE(buf, off + UDP_LENGTH, len);
}

/** Checksum as stored (0 means none was computed, IPv4 only). */
export function udpChecksum(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + UDP_CHECKSUM);
}

/** Stores the checksum. */
export function setUdpChecksum(buf: Uint8Array, off: number, csum: number): void {
  writeU16BE(buf, off + UDP_CHECKSUM, csum);
}
