/** Numbers shared by the UDP transport, each with where it comes from. */

/** Bytes per sockaddr slot (UDP_SLOT_BYTES in native/udp.c): sizeof(struct sockaddr_in6) = 28, rounded up to keep slots 4-byte aligned. */
export const SOCKADDR_SLOT_BYTES = 32;
/** Bytes of struct sockaddr_in (include/uapi/linux/in.h). */
export const SOCKADDR_IN_BYTES = 16;
/** Bytes of struct sockaddr_in6 (include/uapi/linux/in6.h). */
export const SOCKADDR_IN6_BYTES = 28;
/** AF_INET (include/linux/socket.h). */
export const AF_INET = 2;
/** AF_INET6 (include/linux/socket.h). */
export const AF_INET6 = 10;

/** Messages per sendmmsg call in the addon (UDP_SEND_MAX in native/udp.c). */
export const SEND_BATCH_MAX = 128;
/** Messages per recvmmsg call in the addon (UDP_RECV_MAX in native/udp.c). */
export const RECV_BATCH_MAX = 64;
/** Int32 fields per message of udpSendBatch meta: off, len, segSize, addrSlot (native/udp.c). */
export const SEND_META = 4;
/** Int32 fields per message of udpRecvBatch meta: off, len, gsoSize, flags, drops (native/udp.c). */
export const RECV_META = 5;

/**
 * Datagrams one UDP_SEGMENT send may carry: UDP_MAX_SEGMENTS in
 * include/linux/udp.h is 64 on older kernels (newer ones allow more); 64 works
 * everywhere.
 */
export const UDP_MAX_SEGMENTS = 64;
/** Largest UDP payload over IPv4: 65535 (IPv4 total length) - 20 (IPv4 header) - 8 (UDP header). */
export const MAX_UDP_PAYLOAD_V4 = 65507;
/** Largest UDP payload over IPv6: 65535 (payload length, which counts the UDP header) - 8. */
export const MAX_UDP_PAYLOAD_V6 = 65527;
/** Datagrams the kernel merges into one GRO message at most: UDP_GRO_CNT_MAX in net/ipv4/udp_offload.c. */
export const UDP_GRO_CNT_MAX = 64;
/** Receive slot that holds any GRO message: a merged UDP packet never exceeds 64 KiB (GRO_LEGACY_MAX_SIZE). */
export const GRO_SLOT_BYTES = 65536;
/** msg_flags bit for a message cut short by a too-small buffer (include/linux/socket.h). */
export const MSG_TRUNC = 0x20;
