// The process-wide (per thread) Segmenter behind segmentSuperpacket.
import type { Packet } from '../tun/packet.js';
import { Segmenter, type SegmentSink } from './segmenter.js';

// Created on first use so that importing the layer costs no 64 KiB scratch.
let shared: Segmenter | null = null;

/**
 * Segments p with this thread's shared Segmenter (see Segmenter.segment): returns
 * the segment count or a negative reject code. Not reentrant from its own callback.
 */
export function segmentSuperpacket(p: Packet, onSegment: SegmentSink): number {
  shared ??= new Segmenter();
  return shared.segment(p, onSegment);
}
