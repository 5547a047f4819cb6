// Why a superpacket could not be segmented; callers count drops per reason.

/** Every reason segment() can refuse a packet, in code order (code = -(index + 1)). */
export const SEGMENT_REJECT_REASONS = [
  'header-too-long',
  'gso-size-zero',
  'legacy-ufo',
  'bad-header',
  'truncated',
  'no-room',
] as const;

/** Why a superpacket was not segmented. */
export type SegmentRejectReason = (typeof SEGMENT_REJECT_REASONS)[number];

/** IP + L4 headers longer than MAX_SEGMENT_HEADER_LEN. */
export const SEGMENT_HEADER_TOO_LONG = -1;
/** gso size below 1. */
export const SEGMENT_GSO_SIZE_ZERO = -2;
/** Legacy UFO (VIRTIO_NET_HDR_GSO_UDP) asks for IP fragmentation, which is not segmentation. */
export const SEGMENT_LEGACY_UFO = -3;
/** Headers inconsistent with the gso info (version, protocol, offsets, lengths). */
export const SEGMENT_BAD_HEADER = -4;
/** The packet range, or a header it claims, does not fit in the buffer or the packet. */
export const SEGMENT_TRUNCATED = -5;

/** segmentInto: the segments (with their head and tail room) do not fit in the destination. */
export const SEGMENT_NO_ROOM = -6;

/** The reason for a negative segment() result, or null for a segment count (>= 0). */
export function segmentRejectReason(code: number): SegmentRejectReason | null {
  if (code >= 0) return null;
  return SEGMENT_REJECT_REASONS[-code - 1] ?? null;
}
