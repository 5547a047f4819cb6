// Sanity checks on a received virtio_net_hdr before the packet is trusted.
import { IPV4_MIN_HEADER_LEN, IPV6_HEADER_LEN } from '../packet/index.js';
import {
  VIRTIO_NET_HDR_F_RSC_INFO,
  VIRTIO_NET_HDR_GSO_ECN,
  VIRTIO_NET_HDR_GSO_NONE,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_GSO_TCPV6,
  VIRTIO_NET_HDR_GSO_UDP,
  VIRTIO_NET_HDR_GSO_UDP_L4,
} from './constants.js';
import type { VirtioNetHdr } from './header.js';
import type { RejectReason } from './reject.js';

/** Why the packet buf[off, off+len) with header `h` must be dropped, or null if it may be processed. */
export function checkValid(h: VirtioNetHdr, buf: Uint8Array, off: number, len: number): RejectReason | null {
  // Lengths and the superpacket type against the IP version only; correctHdrLen checks the L4 header.
  // RSC_INFO reuses csum_start/csum_offset for coalescing counts; we cannot interpret it.
  if ((h.flags & VIRTIO_NET_HDR_F_RSC_INFO) !== 0) return 'rsc-info';
  if (len < IPV4_MIN_HEADER_LEN) return 'too-short';
  const version = buf[off] >>> 4;
  if (version === 6 && len < IPV6_HEADER_LEN) return 'too-short';
  if (h.gsoType === VIRTIO_NET_HDR_GSO_NONE) return null;

  if (h.gsoSize === 0) return 'gso-size-zero';
  const type = h.gsoType & ~VIRTIO_NET_HDR_GSO_ECN;
  const ecn = (h.gsoType & VIRTIO_NET_HDR_GSO_ECN) !== 0;
  switch (type) {
    case VIRTIO_NET_HDR_GSO_TCPV4:
      return version === 4 ? null : 'ip-version-mismatch';
    case VIRTIO_NET_HDR_GSO_TCPV6:
      return version === 6 ? null : 'ip-version-mismatch';
    case VIRTIO_NET_HDR_GSO_UDP_L4:
      if (ecn) return 'ecn-non-tcp';
      return version === 4 || version === 6 ? null : 'ip-version-mismatch';
    case VIRTIO_NET_HDR_GSO_UDP:
      // Legacy UFO asks for IP fragmentation of one datagram, not segmentation; not supported.
      return 'legacy-ufo';
    case VIRTIO_NET_HDR_GSO_NONE:
      // Only the ECN bit is set: there is no TCP type for it to qualify.
      return 'ecn-non-tcp';
    default:
      return 'unknown-gso-type';
  }
}
