// Checksums of a lane packet, checked before merging: the merged packet is sent
// with NEEDS_CSUM, so a fresh checksum would otherwise hide corrupted bytes.
import {
  IPPROTO_UDP, IPV4_MIN_HEADER_LEN, UDP_CHECKSUM, pseudoHeaderSumV4, pseudoHeaderSumV6, readU16BE, sum16,
} from '../packet/index.js';
import type { ParsedPacket } from './parse.js';

// A correct RFC 1071 checksum makes the folded sum over the covered bytes all ones.
const ALL_ONES = 0xffff;

/**
 * True when the packet's checksums verify: the IPv4 header checksum (its
 * header is rewritten when merged) and the L4 checksum over the pseudo-header.
 * An IPv4 UDP checksum of 0 means "none" (RFC 768) and is accepted; over IPv6
 * it is invalid (RFC 8200 section 8.1).
 */
export function checksumsVerify(buf: Uint8Array, off: number, len: number, p: ParsedPacket): boolean {
  const l4 = off + p.ipHdrLen;
  const l4Len = len - p.ipHdrLen;
  if (p.version === 4) {
    if (sum16(buf, off, IPV4_MIN_HEADER_LEN) !== ALL_ONES) return false;
    if (p.proto === IPPROTO_UDP && readU16BE(buf, l4 + UDP_CHECKSUM) === 0) return true;
    return sum16(buf, l4, l4Len, pseudoHeaderSumV4(buf, off, p.proto, l4Len)) === ALL_ONES;
  }
  if (p.proto === IPPROTO_UDP && readU16BE(buf, l4 + UDP_CHECKSUM) === 0) return false;
  return sum16(buf, l4, l4Len, pseudoHeaderSumV6(buf, off, p.proto, l4Len)) === ALL_ONES;
}
