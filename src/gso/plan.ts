// Checks a superpacket's gso info against its bytes before anything is read or
// written, so that arbitrary input can only be refused, never overrun a buffer.
import {
  IPPROTO_TCP, IPPROTO_UDP, TCP_CHECKSUM, TCP_MIN_HEADER_LEN, UDP_CHECKSUM, UDP_HEADER_LEN,
  l4Info, tcpDataOffset, type L4Info,
} from '../packet/index.js';
import type { Packet } from '../tun/packet.js';
import {
  VIRTIO_NET_HDR_GSO_ECN, VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV6, VIRTIO_NET_HDR_GSO_UDP,
  VIRTIO_NET_HDR_GSO_UDP_L4,
} from '../virtio/index.js';
import { MAX_SEGMENT_HEADER_LEN, MAX_SEGMENT_LEN, MAX_SEGMENT_PAYLOAD } from './constants.js';
import {
  SEGMENT_BAD_HEADER, SEGMENT_GSO_SIZE_ZERO, SEGMENT_HEADER_TOO_LONG, SEGMENT_LEGACY_UFO, SEGMENT_TRUNCATED,
} from './reject.js';

/** A superpacket's geometry as planSegments verified it; offsets are relative to the packet start. */
export interface SegmentPlan {
  /** IP version, 4 or 6. */
  version: number;
  /** True for TCP, false for UDP. */
  tcp: boolean;
  /** Start of the L4 header (csum_start), after any IPv4 options or IPv6 extension headers. */
  l4Off: number;
  /** IP + L4 header length: the bytes repeated in front of every segment. */
  hdrLen: number;
  /** Payload bytes of the whole superpacket. */
  payloadLen: number;
  /** Payload bytes per segment; the last may be shorter. */
  size: number;
}

/** A zeroed plan, to be reused as `out` for planSegments. */
export function newSegmentPlan(): SegmentPlan {
  return { version: 0, tcp: false, l4Off: 0, hdrLen: 0, payloadLen: 0, size: 0 };
}

// True for an integer in [0, 2^32); NaN, fractions and negatives fail.
function isUint(x: number): boolean {
  return x >>> 0 === x;
}

/** True when buf[off, off+len) is a whole-number range inside buf. */
export function rangeInside(buf: Uint8Array, off: number, len: number): boolean {
  return isUint(off) && isUint(len) && off + len <= buf.length;
}

// Reused so the IPv6 extension-header walk does not allocate per packet.
const l4Scratch: L4Info = { version: 0, proto: 0, l4Offset: 0, ipHdrLen: 0, fragment: false };

/**
 * Fills `out` for the superpacket p (p.gso must be set) and returns 0, or returns a
 * negative SEGMENT_* code. Everything planned lies inside p's range and p's range
 * inside p.buf, so segmenting by the plan cannot read or write out of bounds.
 */
export function planSegments(p: Packet, out: SegmentPlan): number {
  const g = p.gso;
  const buf = p.buf;
  const off = p.off;
  const len = p.len;
  if (g === null || !rangeInside(buf, off, len)) return SEGMENT_TRUNCATED;

  // gso_type is a u8 (include/uapi/linux/virtio_net.h).
  if (!isUint(g.gsoType) || g.gsoType > 0xff) return SEGMENT_BAD_HEADER;
  const type = g.gsoType & ~VIRTIO_NET_HDR_GSO_ECN;
  if (type === VIRTIO_NET_HDR_GSO_UDP) return SEGMENT_LEGACY_UFO;
  const tcp = type === VIRTIO_NET_HDR_GSO_TCPV4 || type === VIRTIO_NET_HDR_GSO_TCPV6;
  if (!tcp && type !== VIRTIO_NET_HDR_GSO_UDP_L4) return SEGMENT_BAD_HEADER;
  // The ECN bit only qualifies TCP types (include/uapi/linux/virtio_net.h).
  if (!tcp && g.gsoType !== type) return SEGMENT_BAD_HEADER;
  if ((g.proto === 'tcp') !== tcp) return SEGMENT_BAD_HEADER;

  const size = g.size;
  if (!(size >= 1)) return SEGMENT_GSO_SIZE_ZERO;
  if (!isUint(size) || size > MAX_SEGMENT_PAYLOAD) return SEGMENT_BAD_HEADER;

  const hdrLen = g.hdrLen;
  if (!isUint(hdrLen)) return SEGMENT_BAD_HEADER;
  if (hdrLen > MAX_SEGMENT_HEADER_LEN) return SEGMENT_HEADER_TOO_LONG;
  if (hdrLen > len) return SEGMENT_TRUNCATED;
  if (g.csumOffset !== (tcp ? TCP_CHECKSUM : UDP_CHECKSUM)) return SEGMENT_BAD_HEADER;

  // The IP header chain must end exactly at csum_start, within hdrLen, with the gso protocol.
  if (hdrLen === 0) return SEGMENT_BAD_HEADER;
  const version = buf[off] >>> 4;
  if (type === VIRTIO_NET_HDR_GSO_TCPV4 ? version !== 4 : type === VIRTIO_NET_HDR_GSO_TCPV6 ? version !== 6 : version !== 4 && version !== 6) {
    return SEGMENT_BAD_HEADER;
  }
  if (!l4Info(buf, off, hdrLen, l4Scratch)) return SEGMENT_BAD_HEADER;
  const l4Off = l4Scratch.ipHdrLen;
  if (l4Off !== g.csumStart || l4Scratch.proto !== (tcp ? IPPROTO_TCP : IPPROTO_UDP)) return SEGMENT_BAD_HEADER;
  // A fragment cannot be segmented: only the first one carries the L4 header, and
  // cutting it would repeat one fragment identification (IPv4 MF/offset, IPv6 Fragment header).
  if (l4Scratch.fragment) return SEGMENT_BAD_HEADER;

  let l4HdrLen = UDP_HEADER_LEN;
  if (tcp) {
    if (l4Off + TCP_MIN_HEADER_LEN > hdrLen) return SEGMENT_BAD_HEADER;
    l4HdrLen = tcpDataOffset(buf, off + l4Off);
    if (l4HdrLen < TCP_MIN_HEADER_LEN) return SEGMENT_BAD_HEADER;
  }
  if (l4Off + l4HdrLen !== hdrLen) return SEGMENT_BAD_HEADER;

  const payloadLen = len - hdrLen;
  // Every length field of a segment must hold its length.
  if (hdrLen + Math.min(size, payloadLen) > MAX_SEGMENT_LEN) return SEGMENT_BAD_HEADER;

  out.version = version;
  out.tcp = tcp;
  out.l4Off = l4Off;
  out.hdrLen = hdrLen;
  out.payloadLen = payloadLen;
  out.size = size;
  return 0;
}
