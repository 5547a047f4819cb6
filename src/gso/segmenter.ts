// Software TSO/USO: cuts a superpacket into wire-sized packets, one at a time,
// in a scratch buffer that is allocated once per Segmenter.
import {
  IPPROTO_TCP, IPPROTO_UDP, IPV4_CHECKSUM, IPV4_ID, IPV4_TOTAL_LENGTH, IPV6_HEADER_LEN, IPV6_PAYLOAD_LENGTH,
  TCP_CHECKSUM, TCP_FLAG_CWR, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAGS, TCP_SEQ, UDP_CHECKSUM, UDP_LENGTH,
  fold, ipv4Ihl, pseudoHeaderSumV4, pseudoHeaderSumV6, readU16BE, readU32BE, sum16, sumPieces, writeU16BE, writeU32BE,
} from '../packet/index.js';
import type { Packet } from '../tun/packet.js';
import { SEGMENT_SCRATCH_LEN } from './constants.js';
import { SegmenterBusyError } from './errors.js';
import { newSegmentPlan, planSegments, rangeInside } from './plan.js';
import { SEGMENT_NO_ROOM, SEGMENT_TRUNCATED } from './reject.js';

// Segments per sumPieces call: a 64 KiB superpacket at the smallest sensible
// gso size (~536 bytes) is ~120 segments, so one call covers real traffic.
const SUMS_CHUNK = 256;

/** Receives one segment: buf[off, off+len). The bytes are valid, and may be modified, only during the call. */
export type SegmentSink = (buf: Buffer, off: number, len: number) => void;

/**
 * Segments superpackets into a private scratch buffer. One instance per thread
 * (or per concurrent user): the segment handed to the callback lives in the scratch.
 */
export class Segmenter {
  // One segment at a time: at most 120 header bytes + 65535 payload bytes.
  private readonly scratch: Buffer = Buffer.alloc(SEGMENT_SCRATCH_LEN);
  private readonly plan = newSegmentPlan();
  // Payload sums of up to SUMS_CHUNK segments, computed (and copied, in segmentInto) by one sumPieces call.
  private readonly sums = new Int32Array(SUMS_CHUNK);
  private busy = false;

  /**
   * Calls onSegment once per segment of p and returns the segment count, or a
   * negative code (see segmentRejectReason) without calling it if p cannot be
   * segmented. A packet without gso info is passed through as is (one call, returns 1).
   * Never throws on bad input; throws SegmenterBusyError if called from its own callback.
   */
  segment(p: Packet, onSegment: SegmentSink): number {
    if (p.gso === null) {
      if (!rangeInside(p.buf, p.off, p.len)) return SEGMENT_TRUNCATED;
      onSegment(p.buf, p.off, p.len);
      return 1;
    }
    if (this.busy) throw new SegmenterBusyError();
    const code = planSegments(p, this.plan);
    if (code < 0) return code;
    this.busy = true;
    try {
      return this.emit(p.buf, p.off, onSegment, this.scratch, 0, 0, 0);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Like segment(), but writes the segments back to back into dst from dstOff,
   * each preceded by `headroom` and followed by `tailroom` spare bytes (e.g. an
   * encryption header and tag), so every segment stays valid after the call
   * until the caller reuses dst. onSegment gets each segment's own range.
   * Returns the segment count, a reject code, or SEGMENT_NO_ROOM (nothing
   * written) when they would not fit. A packet without gso info is copied as one segment.
   */
  segmentInto(p: Packet, dst: Buffer, dstOff: number, headroom: number, tailroom: number, onSegment: SegmentSink): number {
    if (!rangeInside(dst, dstOff, 0) || !rangeInside(dst, 0, headroom) || !rangeInside(dst, 0, tailroom)) return SEGMENT_NO_ROOM;
    if (p.gso === null) {
      if (!rangeInside(p.buf, p.off, p.len)) return SEGMENT_TRUNCATED;
      if (dstOff + headroom + p.len + tailroom > dst.length) return SEGMENT_NO_ROOM;
      const at = dstOff + headroom;
      p.buf.copy(dst, at, p.off, p.off + p.len);
      onSegment(dst, at, p.len);
      return 1;
    }
    if (this.busy) throw new SegmenterBusyError();
    const code = planSegments(p, this.plan);
    if (code < 0) return code;
    const { hdrLen, payloadLen, size } = this.plan;
    const count = payloadLen === 0 ? 1 : Math.ceil(payloadLen / size);
    if (dstOff + count * (headroom + hdrLen + tailroom) + payloadLen > dst.length) return SEGMENT_NO_ROOM;
    this.busy = true;
    try {
      return this.emit(p.buf, p.off, onSegment, dst, dstOff, headroom, tailroom);
    } finally {
      this.busy = false;
    }
  }

  /** Bytes segmentInto needs for p (0 if p cannot be segmented). */
  roomFor(p: Packet, headroom: number, tailroom: number): number {
    if (p.gso === null) return headroom + p.len + tailroom;
    if (planSegments(p, this.plan) < 0) return 0;
    const { hdrLen, payloadLen, size } = this.plan;
    const count = payloadLen === 0 ? 1 : Math.ceil(payloadLen / size);
    return count * (headroom + hdrLen + tailroom) + payloadLen;
  }

  // Builds and hands out every segment of the planned superpacket at src[base].
  // With headroom/tailroom 0 and dst the scratch, every segment reuses dst[0..];
  // otherwise segment i starts where segment i-1's tailroom ended.
  private emit(src: Buffer, base: number, onSegment: SegmentSink, dst: Buffer, dstOff: number, headroom: number, tailroom: number): number {
    const { version, tcp, l4Off, hdrLen, payloadLen, size } = this.plan;
    const arena = dst !== this.scratch;
    let o = dstOff + headroom;
    const out = dst;
    const v4 = version === 4;
    const proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;

    // Sums of the header words that are the same in every segment: the fields that
    // vary are zeroed in the scratch copy, summed without them, and added per segment.
    copyHeader(src, base, out, o, hdrLen);
    let ipBase = 0;
    const id0 = v4 ? readU16BE(out, o + IPV4_ID) : 0;
    if (v4) {
      writeU16BE(out, o + IPV4_TOTAL_LENGTH, 0);
      writeU16BE(out, o + IPV4_ID, 0);
      writeU16BE(out, o + IPV4_CHECKSUM, 0);
      // At most 60 bytes: sum16's short path, which leaves its word-view cache on src.
      ipBase = sum16(out, o, ipv4Ihl(out, o));
    }
    const seq0 = tcp ? readU32BE(out, o + l4Off + TCP_SEQ) : 0;
    const flags0 = tcp ? out[o + l4Off + TCP_FLAGS]! : 0;
    if (tcp) {
      writeU32BE(out, o + l4Off + TCP_SEQ, 0);
      out[o + l4Off + TCP_FLAGS] = 0;
      writeU16BE(out, o + l4Off + TCP_CHECKSUM, 0);
    } else {
      writeU16BE(out, o + l4Off + UDP_LENGTH, 0);
      writeU16BE(out, o + l4Off + UDP_CHECKSUM, 0);
    }
    // Addresses and protocol; the L4 length is added per segment. The L4 header is
    // at most 60 bytes (TCP), so this sum16 takes the short path too. IPv6 uses the
    // fixed header's destination: a routing header with segments left would need its
    // final address instead (RFC 8200 section 8.1), which is not handled.
    const pseudo = v4 ? pseudoHeaderSumV4(out, o, proto, 0) : pseudoHeaderSumV6(out, o, proto, 0);
    const l4Base = fold(pseudo + sum16(out, o + l4Off, hdrLen - l4Off));
    const csumAt = l4Off + (tcp ? TCP_CHECKSUM : UDP_CHECKSUM);

    const count = payloadLen === 0 ? 1 : Math.ceil(payloadLen / size);
    const last = count - 1;
    const stride = hdrLen + size + tailroom + headroom;
    const sums = this.sums;
    let chunkStart = 0;
    let chunkEnd = 0;
    let from = base + hdrLen;
    for (let i = 0; i < count; i++) {
      const segPayload = i === last ? payloadLen - i * size : size;
      const segLen = hdrLen + segPayload;
      const l4Len = segLen - l4Off;
      if (i === chunkEnd && payloadLen > 0) {
        // The payload sums of the next chunk of segments. Into an arena the same call also lays
        // each payload there, behind a copy of the original headers (the varying fields are patched below).
        const k = Math.min(count - i, SUMS_CHUNK);
        chunkStart = i;
        chunkEnd = i + k;
        const bytes = chunkEnd === count ? payloadLen - i * size : k * size;
        if (arena) sumPieces(src, from, size, bytes, sums, out, o + hdrLen, stride, base, hdrLen);
        else sumPieces(src, from, size, bytes, sums, null, 0, 0);
      }
      // Rebuilt every time so that a callback may modify the segment in place.
      if (i > 0 && !arena) copyHeader(src, base, out, o, hdrLen);
      if (!arena) src.copy(out, o + hdrLen, from, from + segPayload);

      if (v4) {
        const id = (id0 + i) & 0xffff;
        writeU16BE(out, o + IPV4_TOTAL_LENGTH, segLen);
        writeU16BE(out, o + IPV4_ID, id);
        writeU16BE(out, o + IPV4_CHECKSUM, ~fold(ipBase + segLen + id) & 0xffff);
      } else {
        // Extension headers count as payload (RFC 8200 section 3).
        writeU16BE(out, o + IPV6_PAYLOAD_LENGTH, segLen - IPV6_HEADER_LEN);
      }

      // The L4 length appears once in the pseudo-header and, for UDP, once more in the header.
      let hdrSum = l4Base + l4Len;
      if (tcp) {
        // RFC 3168 section 6.1.2 (CWR once per window: first segment); FIN and PSH close the data (last segment).
        let flags = flags0;
        if (i > 0) flags &= ~TCP_FLAG_CWR;
        if (i < last) flags &= ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
        const seq = (seq0 + i * size) >>> 0;
        writeU32BE(out, o + l4Off + TCP_SEQ, seq);
        out[o + l4Off + TCP_FLAGS] = flags;
        // The flags byte is the low byte of its 16-bit word.
        hdrSum += (seq >>> 16) + (seq & 0xffff) + flags;
      } else {
        writeU16BE(out, o + l4Off + UDP_LENGTH, l4Len);
        hdrSum += l4Len;
      }
      let csum = ~fold((payloadLen > 0 ? sums[i - chunkStart]! : 0) + hdrSum) & 0xffff;
      // RFC 768: a transmitted 0 means "no checksum"; its ones'-complement twin 0xffff is sent instead.
      if (csum === 0 && !tcp) csum = 0xffff;
      writeU16BE(out, o + csumAt, csum);

      onSegment(out, o, segLen);
      from += segPayload;
      if (arena) o += segLen + tailroom + headroom;
    }
    return count;
  }
}

// Byte loop, not Buffer.copy: headers are short and Buffer.copy of a sub-range
// allocates a view on Node 20.
function copyHeader(src: Buffer, base: number, out: Buffer, at: number, hdrLen: number): void {
  for (let i = 0; i < hdrLen; i++) out[at + i] = src[base + i]!;
}
