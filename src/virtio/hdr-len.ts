// The real IP + L4 header length of a superpacket. The kernel's hdr_len is not
// used: on the forward path it can cover the whole first segment.
import { IPV4_MIN_HEADER_LEN, IPV6_HEADER_LEN, TCP_MIN_HEADER_LEN, UDP_HEADER_LEN, tcpDataOffset } from '../packet/index.js';
import { gsoProto } from './gso-type.js';
import type { VirtioNetHdr } from './header.js';
import type { RejectReason } from './reject.js';

// Negative results of measure(), one per RejectReason it can produce.
const BAD_CSUM_START = -1;
const BAD_L4_HEADER = -2;
const UNKNOWN_GSO_TYPE = -3;

function measure(h: VirtioNetHdr, buf: Uint8Array, off: number, len: number): number {
  const proto = gsoProto(h.gsoType);
  if (proto === null) return UNKNOWN_GSO_TYPE;
  const start = h.csumStart;
  if (start >= len) return BAD_CSUM_START;
  // The L4 header cannot begin inside the fixed part of the IP header.
  const minIpLen = buf[off] >>> 4 === 6 ? IPV6_HEADER_LEN : IPV4_MIN_HEADER_LEN;
  if (start < minIpLen) return BAD_CSUM_START;
  if (proto === 'udp') return start + UDP_HEADER_LEN <= len ? start + UDP_HEADER_LEN : BAD_L4_HEADER;
  if (start + TCP_MIN_HEADER_LEN > len) return BAD_L4_HEADER;
  const tcpLen = tcpDataOffset(buf, off + start);
  if (tcpLen < TCP_MIN_HEADER_LEN || start + tcpLen > len) return BAD_L4_HEADER;
  return start + tcpLen;
}

/** IP + L4 header length of the superpacket (csumStart + 8 or + TCP data offset), or -1: see correctHdrLenReason. */
export function correctHdrLen(h: VirtioNetHdr, buf: Uint8Array, off: number, len: number): number {
  const r = measure(h, buf, off, len);
  return r < 0 ? -1 : r;
}

/** Why correctHdrLen returns -1 for the same arguments ('bad-csum-start', 'bad-l4-header', 'unknown-gso-type'), else null. */
export function correctHdrLenReason(h: VirtioNetHdr, buf: Uint8Array, off: number, len: number): RejectReason | null {
  // A second call on the drop path only, so the accepted path runs the checks once.
  // 'bad-csum-start': csumStart at/after len or inside the fixed IP header;
  // 'bad-l4-header': L4 header truncated or a TCP data offset below 20.
  switch (measure(h, buf, off, len)) {
    case BAD_CSUM_START:
      return 'bad-csum-start';
    case BAD_L4_HEADER:
      return 'bad-l4-header';
    case UNKNOWN_GSO_TYPE:
      return 'unknown-gso-type';
    default:
      return null;
  }
}
