// TCP header fields (RFC 9293). Offsets are from the start of the TCP header at `off`.
import { readU16BE, readU32BE, writeU16BE, writeU32BE } from './bytes.js';

/** IP protocol number of TCP (IANA). */
export const IPPROTO_TCP = 6;

/** Offset of the u16 source port (RFC 9293). */
export const TCP_SRC_PORT = 0;
/** Offset of the u16 destination port (RFC 9293). */
export const TCP_DST_PORT = 2;
/** Offset of the u32 sequence number (RFC 9293). */
export const TCP_SEQ = 4;
/** Offset of the u32 acknowledgment number (RFC 9293). */
export const TCP_ACK = 8;
/** Offset of the data offset byte (high nibble, 32-bit words) (RFC 9293). */
export const TCP_DATA_OFFSET = 12;
/** Offset of the flags byte (RFC 9293, CWR/ECE from RFC 3168). */
export const TCP_FLAGS = 13;
/** Offset of the u16 window (RFC 9293). */
export const TCP_WINDOW = 14;
/** Offset of the u16 checksum (RFC 9293); virtio csum_offset for TCP. */
export const TCP_CHECKSUM = 16;
/** Offset of the u16 urgent pointer (RFC 9293). */
export const TCP_URGENT = 18;
/** Length of a header without options: data offset 5 (RFC 9293). */
export const TCP_MIN_HEADER_LEN = 20;

/** FIN flag (RFC 9293). */
export const TCP_FLAG_FIN = 0x01;
/** SYN flag (RFC 9293). */
export const TCP_FLAG_SYN = 0x02;
/** RST flag (RFC 9293). */
export const TCP_FLAG_RST = 0x04;
/** PSH flag (RFC 9293). */
export const TCP_FLAG_PSH = 0x08;
/** ACK flag (RFC 9293). */
export const TCP_FLAG_ACK = 0x10;
/** URG flag (RFC 9293). */
export const TCP_FLAG_URG = 0x20;
/** ECN-Echo flag (RFC 3168). */
export const TCP_FLAG_ECE = 0x40;
/** Congestion Window Reduced flag (RFC 3168). */
export const TCP_FLAG_CWR = 0x80;

/** Source port. */
export function tcpSrcPort(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + TCP_SRC_PORT);
}

/** Destination port. */
export function tcpDstPort(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + TCP_DST_PORT);
}

/** Sequence number as an unsigned 32-bit number. */
export function tcpSeq(buf: Uint8Array, off: number): number {
  return readU32BE(buf, off + TCP_SEQ);
}

/** Sets the sequence number (taken modulo 2^32). */
export function setTcpSeq(buf: Uint8Array, off: number, seq: number): void {
  writeU32BE(buf, off + TCP_SEQ, seq);
}

/** Acknowledgment number as an unsigned 32-bit number. */
export function tcpAck(buf: Uint8Array, off: number): number {
  return readU32BE(buf, off + TCP_ACK);
}

/** Sets the acknowledgment number (taken modulo 2^32). */
export function setTcpAck(buf: Uint8Array, off: number, ack: number): void {
  writeU32BE(buf, off + TCP_ACK, ack);
}

/** Data offset converted to bytes: the header length, options included. */
export function tcpDataOffset(buf: Uint8Array, off: number): number {
  return (buf[off + TCP_DATA_OFFSET] >>> 4) << 2;
}

/** Flags byte (TCP_FLAG_FIN ... TCP_FLAG_CWR). */
export function tcpFlags(buf: Uint8Array, off: number): number {
  return buf[off + TCP_FLAGS];
}

/** Sets the flags byte. */
export function setTcpFlags(buf: Uint8Array, off: number, flags: number): void {
  buf[off + TCP_FLAGS] = flags;
}

/** Receive window (unscaled). */
export function tcpWindow(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + TCP_WINDOW);
}

/** Checksum as stored. */
export function tcpChecksum(buf: Uint8Array, off: number): number {
  return readU16BE(buf, off + TCP_CHECKSUM);
}

/** Stores the checksum. */
export function setTcpChecksum(buf: Uint8Array, off: number, csum: number): void {
  writeU16BE(buf, off + TCP_CHECKSUM, csum);
}
