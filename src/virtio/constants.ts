// virtio_net_hdr values, from include/uapi/linux/virtio_net.h.

/** Length of struct virtio_net_hdr (no num_buffers: TUN uses the 10-byte form unless TUNSETVNETHDRSZ says otherwise). */
export const VNET_HDR_LEN = 10;

/** flags: the checksum at csum_start + csum_offset must be completed (include/uapi/linux/virtio_net.h). */
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
/** flags: the checksum was already verified (include/uapi/linux/virtio_net.h). */
export const VIRTIO_NET_HDR_F_DATA_VALID = 2;
/** flags: csum_start/csum_offset carry receive-segment-coalescing info instead (include/uapi/linux/virtio_net.h). */
export const VIRTIO_NET_HDR_F_RSC_INFO = 4;

/** gso_type: not a superpacket (include/uapi/linux/virtio_net.h). */
export const VIRTIO_NET_HDR_GSO_NONE = 0;
/** gso_type: TCP over IPv4 (include/uapi/linux/virtio_net.h). */
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
/** gso_type: legacy UDP fragmentation offload, UFO (include/uapi/linux/virtio_net.h). */
export const VIRTIO_NET_HDR_GSO_UDP = 3;
/** gso_type: TCP over IPv6 (include/uapi/linux/virtio_net.h). */
export const VIRTIO_NET_HDR_GSO_TCPV6 = 4;
/** gso_type: UDP segmentation (USO), IPv4 or IPv6 (include/uapi/linux/virtio_net.h). */
export const VIRTIO_NET_HDR_GSO_UDP_L4 = 5;
/** gso_type bit: TCP with ECN, CWR only on the first segment (include/uapi/linux/virtio_net.h). */
export const VIRTIO_NET_HDR_GSO_ECN = 0x80;
