/** TUN ioctl flag values, from include/uapi/linux/if_tun.h. */

/** TUN (layer 3) device. */
export const IFF_TUN = 0x0001;
/** No 4-byte packet-information prefix. */
export const IFF_NO_PI = 0x1000;
/** Every packet carries a struct virtio_net_hdr in front. */
export const IFF_VNET_HDR = 0x4000;
/** The device may have several queues, one fd each. */
export const IFF_MULTI_QUEUE = 0x0100;

/** TUNSETOFFLOAD: the reader accepts packets with partial checksums. */
export const TUN_F_CSUM = 0x01;
/** TCP segmentation offload for IPv4. */
export const TUN_F_TSO4 = 0x02;
/** TCP segmentation offload for IPv6. */
export const TUN_F_TSO6 = 0x04;
/** TSO with the ECN (CWR) bit. */
export const TUN_F_TSO_ECN = 0x08;
/** UDP segmentation offload for IPv4 (kernel 6.2+). */
export const TUN_F_USO4 = 0x20;
/** UDP segmentation offload for IPv6 (kernel 6.2+). */
export const TUN_F_USO6 = 0x40;

/** Largest number of queues a TUN device may have (MAX_TAP_QUEUES in drivers/net/tun.c). */
export const MAX_QUEUES = 256;
/** IFNAMSIZ - 1 from include/uapi/linux/if.h. */
export const MAX_IFNAME = 15;
