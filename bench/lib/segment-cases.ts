// The rows of the segmentation bench: what is measured and on which input.
import { Coalescer, type CoalescerSink } from '../../src/gro/index.js';
import { Segmenter, segmentRejectReason } from '../../src/gso/index.js';
import { checksumReference, sum16, sum16Js } from '../../src/packet/index.js';
import type { Packet } from '../../src/tun/packet.js';
import { buildSuperpacket, patternPayload } from '../../kit/superpacket.js';
import { BenchError } from './errors.js';
import type { AsyncWorkUnit, WorkUnit } from './segment-measure.js';

/** TCP MSS of a 1500-byte MTU path with timestamps: 1500 - 20 (IPv4) - 20 (TCP) - 12 (timestamp option). */
export const SEGMENT_SIZE = 1448;
/** Segments per superpacket: 45 * 1448 = 65160 payload bytes, the most that fit a 64 KiB IPv4 packet. */
export const SEGMENTS = 45;
/** Payload bytes per superpacket. */
export const PAYLOAD = SEGMENT_SIZE * SEGMENTS;

/** One row of the table; `key` names it in the JSON line as `${key}_gbs`. */
interface CaseInfo {
  key: string;
  label: string;
  /** Rows with the yardstick flag are the denominator of the ratio column. */
  yardstick?: boolean;
  /** Run once after the warm-up: throws if the unit did not do the work the row claims. */
  check?: () => void;
}

/** A row timing a synchronous unit, or (async: true) one that must be awaited. */
export type BenchCase = CaseInfo & ({ async?: false; unit: WorkUnit } | { async: true; unit: AsyncWorkUnit });

// Consumed by the sinks so the work cannot be optimised away.
let sink = 0;

/** A value depending on every segment the bench produced (print it to keep the work observable). */
export function benchSink(): number {
  return sink;
}

function superpacket(version: 4 | 6, proto: 'tcp' | 'udp'): Packet {
  // Timestamp option (kind 8, 10 bytes) + 2 NOPs: what Linux sends on every segment.
  const tcpOptions = Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2);
  return buildSuperpacket({ version, proto, payload: patternPayload(PAYLOAD), gsoSize: SEGMENT_SIZE, tcpOptions }).packet;
}

function onSegment(buf: Buffer, off: number, len: number): void {
  sink = (sink + buf[off + len - 1] + len) | 0;
}

function segmentCase(key: string, label: string, p: Packet): BenchCase {
  const segmenter = new Segmenter();
  const n = segmenter.segment(p, onSegment);
  if (n !== SEGMENTS) throw new BenchError('ERR_BENCH_SETUP', `${label}: expected ${SEGMENTS} segments, got ${n} (${segmentRejectReason(n) ?? 'count'})`);
  return { key, label, unit: () => (segmenter.segment(p, onSegment), PAYLOAD) };
}

/** Segmentation rows: 64 KiB TCP/IPv4 and UDP/IPv6 superpackets into 1448-byte segments. */
export function segmentCases(): BenchCase[] {
  return [
    segmentCase('segment_tcp4', 'segment TCP/IPv4 64 KiB -> 1448', superpacket(4, 'tcp')),
    segmentCase('segment_udp6', 'segment UDP/IPv6 64 KiB -> 1448', superpacket(6, 'udp')),
  ];
}

/**
 * Yardstick and breakdown rows over the same payload bytes: one Buffer.copy of
 * the whole payload (the yardstick), the same copy in 1448-byte pieces, and
 * the checksums over 1448-byte pieces (the two halves of the segmenter's per-segment work):
 * sum16 (native when the addon is built), the TypeScript fast path and the plain reference.
 */
export function referenceCases(): BenchCase[] {
  const p = superpacket(4, 'tcp');
  const start = p.off + p.len - PAYLOAD;
  const dst = Buffer.alloc(PAYLOAD + 128);
  const src = p.buf;
  return [
    { key: 'copy', label: 'Buffer.copy 64 KiB (yardstick)', yardstick: true, unit: () => src.copy(dst, 0, start, start + PAYLOAD) },
    {
      key: 'copy_1448',
      label: 'Buffer.copy in 1448-byte pieces',
      unit: () => {
        for (let i = 0; i < SEGMENTS; i++) src.copy(dst, 66, start + i * SEGMENT_SIZE, start + (i + 1) * SEGMENT_SIZE);
        return PAYLOAD;
      },
    },
    ...([
      ['sum16_1448', 'sum16 (native) in 1448-byte pieces', sum16],
      ['sum16js_1448', 'sum16Js (TypeScript) in 1448-byte pieces', sum16Js],
      ['sumref_1448', 'checksumReference in 1448-byte pieces', checksumReference],
    ] as const).map(([key, label, f]) => ({
      key,
      label,
      unit: () => {
        for (let i = 0; i < SEGMENTS; i++) sink = (sink + f(src, start + i * SEGMENT_SIZE, SEGMENT_SIZE, 0)) | 0;
        return PAYLOAD;
      },
    })),
  ];
}

// The coalescer's sink: takes each superpacket and does nothing, so only coalescing is timed.
const RESOLVED: Promise<void> = Promise.resolve();
const nullSink: CoalescerSink = { write: () => RESOLVED };

function coalesceCase(key: string, label: string, p: Packet, verifyChecksums: boolean): BenchCase {
  // The segments segmentCases() produces, cut once into an arena: only add() and flush() are timed.
  const segmenter = new Segmenter();
  const arena = Buffer.alloc(segmenter.roomFor(p, 0, 0));
  const offs = new Int32Array(SEGMENTS);
  const lens = new Int32Array(SEGMENTS);
  let k = 0;
  const n = segmenter.segmentInto(p, arena, 0, 0, 0, (_buf, off, len) => {
    if (k < SEGMENTS) {
      offs[k] = off;
      lens[k] = len;
    }
    k++;
  });
  if (n !== SEGMENTS) throw new BenchError('ERR_BENCH_SETUP', `${label}: expected ${SEGMENTS} segments, got ${n} (${segmentRejectReason(n) ?? 'count'})`);
  const coalescer = new Coalescer(nullSink, { tcp: true, udp: true, verifyChecksums });
  const unit = async (): Promise<number> => {
    for (let i = 0; i < SEGMENTS; i++) coalescer.add(arena, offs[i]!, lens[i]!);
    await coalescer.flush();
    return PAYLOAD;
  };
  // Every flush must have written exactly one superpacket of all 45 segments.
  const check = (): void => {
    const s = coalescer.stats();
    if (s.flushes === 0 || s.superpackets !== s.flushes || s.chainsWritten !== s.flushes
      || s.segmentsCoalesced !== s.flushes * (SEGMENTS - 1) || s.passthrough !== 0) {
      throw new BenchError('ERR_BENCH_SETUP', `${label}: segments were not coalesced into one superpacket per flush: ${JSON.stringify(s)}`);
    }
  };
  return { key, label, async: true, unit, check };
}

/**
 * Coalescing rows (GRO: segments back into a superpacket): the 45 segments of
 * the same 64 KiB TCP/IPv4 and UDP/IPv6 superpackets segmentCases() cuts, fed to
 * a Coalescer and flushed once per superpacket, with checksum verification
 * (the default) and without.
 */
export function coalesceCases(): BenchCase[] {
  const tcp4 = superpacket(4, 'tcp');
  const udp6 = superpacket(6, 'udp');
  return [
    coalesceCase('coalesce_tcp4', 'coalesce TCP/IPv4 1448 -> 64 KiB', tcp4, true),
    coalesceCase('coalesce_udp6', 'coalesce UDP/IPv6 1448 -> 64 KiB', udp6, true),
    coalesceCase('coalesce_tcp4_noverify', 'coalesce TCP/IPv4, no csum verify', tcp4, false),
    coalesceCase('coalesce_udp6_noverify', 'coalesce UDP/IPv6, no csum verify', udp6, false),
  ];
}

/**
 * The ts_segment forwarder's per-superpacket work in process (no syscalls):
 * segmentInto an arena, every segment straight into a Coalescer, one flush.
 * Unlike the rows above, checksumming alternates between two buffers (the
 * superpacket's and the arena), as it does in the forwarder.
 */
export function forwardPathCases(): BenchCase[] {
  const p = superpacket(4, 'tcp');
  const label = 'segment+coalesce TCP/IPv4 (forward)';
  const segmenter = new Segmenter();
  const arena = Buffer.alloc(segmenter.roomFor(p, 0, 0));
  const coalescer = new Coalescer(nullSink, { tcp: true, udp: true });
  const add = (buf: Buffer, off: number, len: number): void => coalescer.add(buf, off, len);
  const unit = async (): Promise<number> => {
    const n = segmenter.segmentInto(p, arena, 0, 0, 0, add);
    if (n !== SEGMENTS) throw new BenchError('ERR_BENCH_SETUP', `${label}: expected ${SEGMENTS} segments, got ${n} (${segmentRejectReason(n) ?? 'count'})`);
    await coalescer.flush();
    return PAYLOAD;
  };
  const check = (): void => {
    const s = coalescer.stats();
    if (s.flushes === 0 || s.superpackets !== s.flushes || s.segmentsCoalesced !== s.flushes * (SEGMENTS - 1) || s.passthrough !== 0) {
      throw new BenchError('ERR_BENCH_SETUP', `${label}: segments were not coalesced into one superpacket per flush: ${JSON.stringify(s)}`);
    }
  };
  return [{ key: 'segment_coalesce_tcp4', label, async: true, unit, check }];
}
