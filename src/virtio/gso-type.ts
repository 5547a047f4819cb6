// Mapping between virtio gso_type values and the L4 protocol they segment.
import {
  VIRTIO_NET_HDR_GSO_ECN,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_GSO_TCPV6,
  VIRTIO_NET_HDR_GSO_UDP_L4,
} from './constants.js';

/** L4 protocol of a superpacket. */
export type GsoProto = 'tcp' | 'udp';

/** Protocol segmented by gsoType (ECN bit ignored); null for NONE, legacy UFO and unknown types. */
export function gsoProto(gsoType: number): GsoProto | null {
  switch (gsoType & ~VIRTIO_NET_HDR_GSO_ECN) {
    case VIRTIO_NET_HDR_GSO_TCPV4:
    case VIRTIO_NET_HDR_GSO_TCPV6:
      return 'tcp';
    case VIRTIO_NET_HDR_GSO_UDP_L4:
      return 'udp';
    default:
      return null;
  }
}

/** gso_type for a superpacket of `proto` over IP version 4 or 6; throws RangeError for another version. */
export function gsoTypeFor(proto: GsoProto, ipVersion: number): number {
  if (ipVersion !== 4 && ipVersion !== 6) throw new RangeError(`IP version ${ipVersion} cannot carry a superpacket`);
  if (proto === 'udp') return VIRTIO_NET_HDR_GSO_UDP_L4;
  return ipVersion === 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
}
