// The receive pipeline of a TUN queue as the fuzz targets drive it: the vnet
// decode Queue runs (applyVnetHeader), then segmentation (segment and
// segmentInto), then the coalescer, each step checked for staying inside its
// buffers, counting every rejection by reason, and keeping the bytes.
import { Coalescer, type CoalescerStats } from '../../src/gro/index.js';
import {
  SEGMENT_NO_ROOM, SEGMENT_REJECT_REASONS, Segmenter, newSegmentPlan, planSegments, segmentRejectReason,
  type SegmentRejectReason,
} from '../../src/gso/index.js';
import { checksumReference } from '../../src/packet/index.js';
import { DROP_REASONS, type DropReason } from '../../src/tun/counters.js';
import { checkGsoGeometry } from '../../src/tun/gso-write.js';
import { Packet, type GsoInfo } from '../../src/tun/packet.js';
import { applyVnetHeader } from '../../src/tun/vnet-decode.js';
import {
  VNET_HDR_LEN, decodeHeader, encodeHeader, finishChecksum, newHeader,
} from '../../src/virtio/index.js';
import { l4ChecksumVerifies, ipv4HeaderVerifies } from '../helpers/checksum.js';
import { resegment } from '../gro/resegment.js';
import { assertRange, firstDirtyOutside } from './guard.js';

const vh = newHeader();

/**
 * Queue's decode of one read of `raw` bytes (virtio header first), with the
 * packet already at p.buf[p.off, p.off + raw - 10): a drop reason, or null with
 * p.gso set for a superpacket. The same applyVnetHeader the queue runs, with a
 * finisher that also checks finishChecksum's work; the queue fuzz target
 * checks the real Queue agrees.
 */
export function decodeLikeQueue(hdr: Uint8Array, p: Packet): DropReason | null {
  p.gso = null;
  if (p.len <= 0) return 'truncated-header';
  return applyVnetHeader(decodeHeader(hdr, 0, vh), p, finishChecksumChecked);
}

// finishChecksum, plus the check that it changed nothing but its 2-byte field
// and that the completed field makes the covered range sum to all ones with the
// pseudo-header sum the field held (RFC 1071 reference sum).
function finishChecksumChecked(buf: Uint8Array, off: number, len: number, csumStart: number, csumOffset: number): boolean {
  const before = Buffer.from(buf.subarray(off, off + len));
  const ok = finishChecksum(buf, off, len, csumStart, csumOffset);
  const at = csumStart + csumOffset;
  for (let i = 0; i < len; i++) {
    if (buf[off + i] !== before[i] && !(ok && (i === at || i === at + 1))) {
      throw new Error(`finishChecksum changed byte ${i} of the packet, outside its field at ${at} (ok=${ok})`);
    }
  }
  if (ok && csumOffset % 2 === 0) {
    const held = (before[at]! << 8) | before[at + 1]!;
    const sum = checksumReference(buf, off + csumStart, len - csumStart, held);
    if (sum !== 0xffff) throw new Error(`finishChecksum result does not verify: sum 0x${sum.toString(16)}`);
  }
  return ok;
}

/** True for a reason the queue has a drop counter for. */
export function isDropReason(r: string): r is DropReason {
  return (DROP_REASONS as readonly string[]).includes(r);
}

/** What segmenting one packet produced. */
export interface SegmentOutcome {
  /** segment()'s result: a count or a negative reject code. */
  code: number;
  /** The reject reason of a negative code. */
  reason: SegmentRejectReason | null;
  /** Copies of the segments. */
  segments: Buffer[];
}

const plan = newSegmentPlan();

/**
 * Segments p with segment() and with segmentInto() (random head/tail room, into
 * a sentinel-filled arena) and checks: callbacks only see ranges inside their
 * buffer, the source is never written, a refusal has a reason and makes no
 * callback, both methods give the same segments, segmentInto writes nothing
 * outside the segments, and every segment is a well-formed packet whose
 * payloads add up to the superpacket's.
 */
export function segmentChecked(seg: Segmenter, p: Packet, room: { head: number; tail: number; lead: number; short: boolean }): SegmentOutcome {
  const srcCopy = Buffer.from(p.buf);
  const segments: Buffer[] = [];
  const code = seg.segment(p, (buf, off, len) => {
    assertRange(off, len, buf.length, 'segment() callback');
    segments.push(Buffer.from(buf.subarray(off, off + len)));
  });
  if (!p.buf.equals(srcCopy)) throw new Error('segment() wrote into the source buffer');
  const reason = segmentRejectReason(code);
  if (code < 0) {
    if (reason === null || !(SEGMENT_REJECT_REASONS as readonly string[]).includes(reason)) throw new Error(`segment() code ${code} has no reject reason`);
    if (code === SEGMENT_NO_ROOM) throw new Error('segment() returned no-room, which only segmentInto may');
    if (segments.length > 0) throw new Error(`segment() refused (${reason}) after ${segments.length} callbacks`);
  } else if (segments.length !== code) {
    throw new Error(`segment() returned ${code} but called back ${segments.length} times`);
  }

  // segmentInto, into an arena that is exactly big enough (or one byte short).
  const need = seg.roomFor(p, room.head, room.tail);
  const size = room.lead + Math.max(0, need - (room.short ? 1 : 0));
  const fill = 0xc3;
  const dst = Buffer.alloc(size + 24, fill);
  const ranges: [number, number][] = [];
  const intoSegs: Buffer[] = [];
  const code2 = seg.segmentInto(p, dst.subarray(0, size), room.lead, room.head, room.tail, (buf, off, len) => {
    assertRange(off, len, size, 'segmentInto() callback');
    if (buf.buffer !== dst.buffer) throw new Error('segmentInto() called back with a buffer other than dst');
    ranges.push([off, len]);
    intoSegs.push(Buffer.from(buf.subarray(off, off + len)));
  });
  if (!p.buf.equals(srcCopy)) throw new Error('segmentInto() wrote into the source buffer');
  if (code2 === SEGMENT_NO_ROOM) {
    // Fair when the arena is short, or when the packet cannot be segmented at all
    // (roomFor 0) and the head/tail room alone does not fit the lead-only arena.
    if (!((room.short && need > 0) || code < 0)) throw new Error(`segmentInto() said no-room with ${size} bytes for roomFor ${need}`);
    if (firstDirtyOutside(dst, 0, 0, fill) >= 0 || ranges.length > 0) throw new Error('segmentInto() wrote although it had no room');
  } else {
    if (code2 !== code) throw new Error(`segmentInto() returned ${code2}, segment() ${code}`);
    if (code >= 0 && need === 0) throw new Error('roomFor() is 0 for a packet that segments');
    if (code < 0 && need !== 0) throw new Error(`roomFor() is ${need} for a packet segment() refuses`);
    for (let k = 0; k < intoSegs.length; k++) {
      if (!intoSegs[k]!.equals(segments[k]!)) throw new Error(`segmentInto() segment ${k} differs from segment()'s`);
    }
    // Nothing outside the segments themselves, head and tail room included, may change.
    const written = new Uint8Array(dst.length);
    for (const [o, l] of ranges) written.fill(1, o, o + l);
    for (let i = 0; i < dst.length; i++) {
      if (!written[i] && dst[i] !== fill) throw new Error(`segmentInto() wrote byte ${i} outside every segment`);
    }
  }

  if (code >= 0 && p.gso !== null) checkSegments(p, segments);
  return { code, reason, segments };
}

// Each segment a complete packet of the superpacket, checked with the reference checksum.
function checkSegments(p: Packet, segments: readonly Buffer[]): void {
  if (planSegments(p, plan) !== 0) throw new Error('segmented a packet planSegments refuses');
  const { version, tcp, l4Off, hdrLen, payloadLen, size } = plan;
  const expected = payloadLen === 0 ? 1 : Math.ceil(payloadLen / size);
  if (segments.length !== expected) throw new Error(`${segments.length} segments, expected ${expected}`);
  let at = p.off + hdrLen;
  segments.forEach((s, i) => {
    const segPayload = i === segments.length - 1 ? payloadLen - i * size : size;
    if (s.length !== hdrLen + segPayload) throw new Error(`segment ${i} is ${s.length} bytes, expected ${hdrLen + segPayload}`);
    if (s.length > 65535) throw new Error(`segment ${i} exceeds 65535 bytes`);
    if (!s.subarray(hdrLen).equals(p.buf.subarray(at, at + segPayload))) throw new Error(`segment ${i} payload differs from the superpacket's`);
    at += segPayload;
    if (version === 4) {
      if (s.readUInt16BE(2) !== s.length) throw new Error(`segment ${i} IPv4 total length`);
      if (!ipv4HeaderVerifies(s, 0)) throw new Error(`segment ${i} IPv4 header checksum`);
    } else if (s.readUInt16BE(4) !== s.length - 40) {
      throw new Error(`segment ${i} IPv6 payload length`);
    }
    if (!tcp && s.readUInt16BE(l4Off + 4) !== s.length - l4Off) throw new Error(`segment ${i} UDP length`);
    if (!l4ChecksumVerifies(s, 0, s.length, l4Off, tcp ? 6 : 17)) throw new Error(`segment ${i} L4 checksum does not verify`);
  });
}

/** One packet the coalescer wrote, as its sink saw it. */
export interface Captured {
  bytes: Buffer;
  gso: GsoInfo | null;
}

/**
 * A coalescer sink that checks each write as the node's TUN queue would need
 * it: the range inside the packet's buffer and, for a superpacket, geometry
 * that our own segmenter and writeGSO's kernel-facing checks both accept.
 */
export class CheckingSink {
  readonly written: Captured[] = [];
  private readonly plan = newSegmentPlan();

  write(p: Packet): Promise<void> {
    assertRange(p.off, p.len, p.buf.length, 'coalescer write');
    const bytes = Buffer.from(p.buf.subarray(p.off, p.off + p.len));
    const g = p.gso;
    if (g !== null) {
      if (planSegments(p, this.plan) !== 0) throw new Error('coalescer wrote a superpacket its own segmenter refuses');
      const payloads: Buffer[] = [];
      for (let o = g.hdrLen; o < bytes.length; o += g.size) payloads.push(bytes.subarray(o, Math.min(bytes.length, o + g.size)));
      // Throws GeometryError for anything the kernel would refuse with EINVAL.
      checkGsoGeometry(bytes.subarray(0, g.csumStart), bytes.subarray(g.csumStart, g.hdrLen), payloads, g.proto);
    }
    this.written.push({ bytes, gso: g ? { ...g } : null });
    return Promise.resolve();
  }
}

// Comparable form of a packet, blanking what merging may legitimately change:
// a DF-set IPv4 id (with the header checksum covering it); the TCP urgent
// pointer when URG is clear (meaningless then, RFC 9293; Linux GRO does not
// compare it either, and a merged packet carries the first one's); and an L4
// checksum that verifies (an IPv4 UDP checksum of 0, "none", counts as valid),
// since merged packets get fresh checksums. A corrupt checksum is kept, so
// corrupted packets still have to come out exactly as they went in.
function canonical(b: Buffer): string {
  const c = Buffer.from(b);
  let l4 = -1;
  let proto = -1;
  if (b.length >= 20 && b[0] === 0x45 && b.readUInt16BE(2) === b.length) {
    if ((c[6]! & 0x40) !== 0) c[4] = c[5] = c[10] = c[11] = 0;
    l4 = 20;
    proto = b[9]!;
  } else if (b.length >= 40 && b[0]! >>> 4 === 6 && b.readUInt16BE(4) + 40 === b.length) {
    l4 = 40;
    proto = b[6]!;
  }
  if (proto === 6 && b.length >= l4 + 20) {
    const valid = l4ChecksumVerifies(b, 0, b.length, l4, 6);
    if ((b[l4 + 13]! & 0x20) === 0) c[l4 + 18] = c[l4 + 19] = 0;
    if (valid) c[l4 + 16] = c[l4 + 17] = 0;
  } else if (proto === 17 && b.length >= l4 + 8) {
    const none = l4 === 20 && b.readUInt16BE(l4 + 6) === 0;
    if (none || l4ChecksumVerifies(b, 0, b.length, l4, 17)) c[l4 + 6] = c[l4 + 7] = 0;
  }
  return c.toString('hex');
}

/**
 * Adds every packet (each in its own sentinel-padded buffer) to a coalescer,
 * flushes, and checks: inputs untouched, stats add up (in = passthrough +
 * chainsWritten + segmentsCoalesced; writes = passthrough + chainsWritten),
 * and the written packets, resegmented by an independent oracle, are the
 * inputs again (as a multiset). With several batches the same coalescer
 * takes them one flush each, as a node does per receive batch.
 */
export async function coalesceChecked(inputs: readonly Uint8Array[], opts: { tcp: boolean; udp: boolean; maxFlows?: number }, more: readonly (readonly Uint8Array[])[] = []): Promise<{ stats: CoalescerStats; written: Captured[] }> {
  const sink = new CheckingSink();
  const c = new Coalescer(sink, { tcp: opts.tcp, udp: opts.udp, maxFlows: opts.maxFlows ?? 64 });
  let before = c.stats();
  const fill = 0x3c;
  for (const batch of [inputs, ...more]) {
    const from = sink.written.length;
    const placed = batch.map((b, i) => {
      const lead = 1 + (i % 7);
      const buf = Buffer.alloc(lead + b.length + 5, fill);
      buf.set(b, lead);
      return { buf, off: lead, len: b.length, copy: Buffer.from(buf) };
    });
    for (const p of placed) c.add(p.buf, p.off, p.len);
    await c.flush();
    placed.forEach((p, i) => {
      if (!p.buf.equals(p.copy)) throw new Error(`coalescer changed input ${i} (or the bytes around it)`);
    });
    const now = c.stats();
    const prev = before;
    const d = (k: keyof CoalescerStats): number => now[k] - prev[k];
    before = now;
    if (d('packetsIn') !== batch.length) throw new Error(`packetsIn grew by ${d('packetsIn')}, added ${batch.length}`);
    if (d('packetsIn') !== d('passthrough') + d('chainsWritten') + d('segmentsCoalesced')) {
      throw new Error(`stats do not add up: in ${d('packetsIn')} != passthrough ${d('passthrough')} + chains ${d('chainsWritten')} + coalesced ${d('segmentsCoalesced')}`);
    }
    const writes = sink.written.length - from;
    if (writes !== d('passthrough') + d('chainsWritten')) throw new Error(`${writes} writes for ${d('passthrough')} passthroughs + ${d('chainsWritten')} chains`);
    if (d('superpackets') > d('chainsWritten') || d('badChecksum') > d('passthrough') || d('flowTableFull') > d('passthrough') || d('flushes') !== 1 || d('writeErrors') !== 0) {
      throw new Error(`inconsistent stats ${JSON.stringify(now)}`);
    }
    const want = batch.map((b) => canonical(Buffer.from(b))).sort();
    const got = sink.written.slice(from).flatMap((w) => resegment(w)).map(canonical).sort();
    if (want.length !== got.length || want.some((h, i) => h !== got[i])) {
      throw new Error(`resegmented output (${got.length} packets) is not the input (${batch.length} packets)`);
    }
  }
  return { stats: c.stats(), written: sink.written };
}

/** The 10 virtio header bytes (host byte order) of a packet as the kernel would hand it over. */
export function vnetBytes(flags: number, gsoType: number, hdrLen: number, gsoSize: number, csumStart: number, csumOffset: number): Uint8Array {
  const b = new Uint8Array(VNET_HDR_LEN);
  encodeHeader({ flags, gsoType, hdrLen, gsoSize, csumStart, csumOffset }, b, 0);
  return b;
}
