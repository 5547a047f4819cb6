// Which packets may enter a lane, and where their parts are. Anything unusual
// (IPv4 options or fragments, IPv6 extension headers, inconsistent lengths)
// is left alone: it passes through unchanged.
import {
  IPPROTO_TCP, IPPROTO_UDP, IPV4_FLAGS_FRAG, IPV4_FLAG_MF, IPV4_FRAG_OFFSET_MASK, IPV4_MIN_HEADER_LEN,
  IPV4_PROTOCOL, IPV4_TOTAL_LENGTH, IPV6_HEADER_LEN, IPV6_NEXT_HEADER, IPV6_PAYLOAD_LENGTH,
  TCP_ACK, TCP_FLAGS, TCP_MIN_HEADER_LEN, TCP_SEQ, UDP_HEADER_LEN, UDP_LENGTH, flowKeyHash, mixHash, readU16BE, readU32BE,
  tcpDataOffset,
} from '../packet/index.js';

// First byte of an IPv4 header without options: version 4, IHL 5 (RFC 791).
const IPV4_VER_IHL_5 = 0x45;

/** A lane candidate as parse() found it; one instance is reused for every packet. */
export class ParsedPacket {
  /** IP version, 4 or 6. */
  version = 0;
  /** IPPROTO_TCP or IPPROTO_UDP. */
  proto = 0;
  /** IP header length: 20 or 40 (no options, no extension headers). */
  ipHdrLen = 0;
  /** IP + L4 header length. */
  hdrLen = 0;
  /** L4 payload bytes. */
  payloadLen = 0;
  /** TCP flags byte (0 for UDP). */
  flags = 0;
  /** TCP sequence number (0 for UDP). */
  seq = 0;
  /** Hash of the flow key (addresses, ports, version, protocol, TCP ack). */
  hash = 0;
}

// The flow key's hash, and for TCP the ack number's too (ParsedPacket.hash).
function keyHash(buf: Uint8Array, off: number, version: number, proto: number, l4: number): number {
  const h = flowKeyHash(buf, off, version, proto, l4);
  // A chain also needs one ack number: a segment with another starts a new chain.
  return proto === IPPROTO_TCP ? mixHash(h, readU32BE(buf, l4 + TCP_ACK)) : h;
}

/**
 * Fills `out` if the IP packet buf[off, off+len) belongs in an enabled lane:
 * IPv4 with IHL 5 and no fragmentation, or IPv6 with TCP/UDP right after the
 * fixed header; length fields consistent with len; a whole L4 header. False
 * means pass it through untouched.
 */
export function parseLane(buf: Uint8Array, off: number, len: number, tcp: boolean, udp: boolean, out: ParsedPacket): boolean {
  if (len < IPV4_MIN_HEADER_LEN) return false;
  let version: number;
  let proto: number;
  let ipHdrLen: number;
  if (buf[off] === IPV4_VER_IHL_5) {
    if (readU16BE(buf, off + IPV4_TOTAL_LENGTH) !== len) return false;
    if ((readU16BE(buf, off + IPV4_FLAGS_FRAG) & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) !== 0) return false;
    version = 4;
    proto = buf[off + IPV4_PROTOCOL];
    ipHdrLen = IPV4_MIN_HEADER_LEN;
  } else if (buf[off] >>> 4 === 6) {
    if (len < IPV6_HEADER_LEN || readU16BE(buf, off + IPV6_PAYLOAD_LENGTH) + IPV6_HEADER_LEN !== len) return false;
    version = 6;
    proto = buf[off + IPV6_NEXT_HEADER];
    ipHdrLen = IPV6_HEADER_LEN;
  } else {
    return false;
  }
  const l4 = off + ipHdrLen;
  const l4Len = len - ipHdrLen;
  let l4HdrLen: number;
  if (proto === IPPROTO_TCP) {
    if (!tcp || l4Len < TCP_MIN_HEADER_LEN) return false;
    l4HdrLen = tcpDataOffset(buf, l4);
    if (l4HdrLen < TCP_MIN_HEADER_LEN || l4HdrLen > l4Len) return false;
    out.flags = buf[l4 + TCP_FLAGS];
    out.seq = readU32BE(buf, l4 + TCP_SEQ);
  } else if (proto === IPPROTO_UDP) {
    if (!udp || l4Len < UDP_HEADER_LEN || readU16BE(buf, l4 + UDP_LENGTH) !== l4Len) return false;
    l4HdrLen = UDP_HEADER_LEN;
    out.flags = 0;
    out.seq = 0;
  } else {
    return false;
  }
  out.version = version;
  out.proto = proto;
  out.ipHdrLen = ipHdrLen;
  out.hdrLen = ipHdrLen + l4HdrLen;
  out.payloadLen = l4Len - l4HdrLen;
  out.hash = keyHash(buf, off, version, proto, l4);
  return true;
}
