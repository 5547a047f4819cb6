/** How much one UDP_SEGMENT send may carry for a peer family and segment size. */
import { MAX_UDP_PAYLOAD_V4, MAX_UDP_PAYLOAD_V6, UDP_MAX_SEGMENTS } from './constants.js';

/** Largest UDP payload one datagram (or one GSO send) may carry to a peer of this family. */
export function maxUdpPayload(family: 4 | 6): number {
  return family === 4 ? MAX_UDP_PAYLOAD_V4 : MAX_UDP_PAYLOAD_V6;
}

/**
 * Bytes of a run of segSize-byte datagrams that fit one UDP_SEGMENT send: at
 * most UDP_MAX_SEGMENTS segments and the family's payload limit, and at least
 * one segment (an oversize segment is left for the kernel to refuse).
 */
export function maxGsoBytes(family: 4 | 6, segSize: number): number {
  const segs = Math.max(1, Math.min(UDP_MAX_SEGMENTS, Math.floor(maxUdpPayload(family) / segSize)));
  return segs * segSize;
}
