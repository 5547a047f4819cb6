// Limits of software segmentation.

/**
 * Longest IP + L4 header a superpacket may carry: IPv4 with full options (60)
 * plus TCP with full options (60) (RFC 791 IHL and RFC 9293 data offset are 4-bit word counts).
 */
export const MAX_SEGMENT_HEADER_LEN = 120;

/** Longest payload of one segment: gso_size is a u16 in virtio_net_hdr (include/uapi/linux/virtio_net.h). */
export const MAX_SEGMENT_PAYLOAD = 65535;

/** Longest segment: the IPv4 total length and UDP length fields are u16 (RFC 791, RFC 768). */
export const MAX_SEGMENT_LEN = 65535;

/** Size of a Segmenter's scratch: one segment, header room rounded up to 128 for alignment of what follows. */
export const SEGMENT_SCRATCH_LEN = 128 + 65536;
