// Fuzz: the Segmenter given anything a caller could hand it, not only what the
// vnet decode lets through: mutated superpackets with arbitrary gso info
// (sizes, offsets, types, even NaN or negative numbers) and arbitrary ranges.
// Every refusal is a reject code with a reason; nothing throws, nothing is
// touched outside the segments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  SEGMENT_REJECT_REASONS, Segmenter, rangeInside, segmentRejectReason,
} from '../../src/gso/index.js';
import { Packet } from '../../src/tun/packet.js';
import { l4ChecksumVerifies } from '../helpers/checksum.js';
import { buildSuperpacket, patternPayload } from '../../kit/superpacket.js';
import { describeParams, FUZZ_TIMEOUT_MS, fuzzParams } from './config.js';
import { assertRange, place } from './guard.js';
import { applyMutations, mutations } from './mutate.js';
import { superpacketInput } from './packets.js';
import { segmentChecked } from './pipeline.js';

const VNET = 10;

// A gso field: mostly plausible, sometimes a value no decoder would produce.
const field = (plausible: fc.Arbitrary<number>): fc.Arbitrary<number> => fc.oneof(
  { weight: 6, arbitrary: plausible },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32, 65535, 65536, 0xffffffff + 1) },
);

const gsoArb = fc.record({
  size: field(fc.integer({ min: 1, max: 9000 })),
  hdrLen: field(fc.nat({ max: 130 })),
  csumStart: field(fc.constantFrom(20, 24, 40, 48, 60)),
  csumOffset: field(fc.constantFrom(6, 16)),
  proto: fc.constantFrom('tcp' as const, 'udp' as const),
  gsoType: field(fc.constantFrom(1, 3, 4, 5, 0x81, 0x84, 0x85, 0)),
});

// How the caller's range relates to the bytes: exact, or off by a little, or nonsense.
const rangeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ dOff: 0, dLen: 0, weird: null as number | null }) },
  { weight: 2, arbitrary: fc.record({ dOff: fc.integer({ min: -3, max: 3 }), dLen: fc.integer({ min: -3, max: 3 }), weird: fc.constant(null) }) },
  { weight: 1, arbitrary: fc.record({ dOff: fc.constant(0), dLen: fc.constant(0), weird: fc.constantFrom(Number.NaN, -1, 0.5, 1e9) }) },
);

function finiteGso(g: Packet['gso']): boolean {
  return g === null || [g.size, g.hdrLen, g.csumStart, g.csumOffset, g.gsoType].every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32);
}

test('fuzz: Segmenter given mutated superpackets with arbitrary gso info and ranges refuses with a reason or emits valid in-bounds segments', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x5e6, 2000);
  t.diagnostic(describeParams(params));
  const seg = new Segmenter();
  const rejects = new Map<string, number>();
  let segmented = 0;
  const room = fc.record({ head: fc.nat({ max: 40 }), tail: fc.nat({ max: 20 }), lead: fc.nat({ max: 9 }), short: fc.boolean() });
  fc.assert(fc.property(superpacketInput, fc.option(mutations(), { nil: undefined }), fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: gsoArb }), rangeArb, room, (input, muts, gso, range, r) => {
    const raw = input.bytes.subarray(VNET);
    const bytes = muts ? applyMutations(raw, muts) : raw;
    const placed = place(bytes, 0xa5, 8, 8);
    let off = placed.off + range.dOff;
    let len = placed.len + range.dLen;
    if (range.weird !== null) {
      if (Number.isNaN(range.weird) || range.weird === 0.5) off = range.weird;
      else len = range.weird;
    }
    // Start from the geometry the builder wrote (as the vnet decode would attach it), optionally replaced.
    const p = new Packet(placed.buf, off, len);
    const g = p.setGso();
    Object.assign(g, gso ?? decodeGso(input.bytes));
    if (rangeInside(p.buf, p.off, p.len) && finiteGso(p.gso)) {
      // segmentChecked also checks the whole source buffer, sentinels included, is unchanged.
      const out = segmentChecked(seg, p, { ...r });
      if (out.reason !== null) rejects.set(out.reason, (rejects.get(out.reason) ?? 0) + 1);
      else segmented++;
      return;
    }
    // Nonsense ranges or numbers: refused, with a reason, without a callback, without a write.
    const before = Buffer.from(placed.buf);
    let calls = 0;
    const code = seg.segment(p, () => calls++);
    const dst = Buffer.alloc(4096, 0x77);
    const code2 = seg.segmentInto(p, dst, r.lead, r.head, r.tail, (buf, o, l) => {
      assertRange(o, l, buf.length, 'segmentInto callback');
      calls++;
    });
    if (code >= 0 || code2 >= 0 || calls > 0) throw new Error(`segmented a packet with range (${off}, ${len}) or gso ${JSON.stringify(p.gso)}`);
    for (const c of [code, code2]) {
      const why = segmentRejectReason(c);
      if (why === null || !(SEGMENT_REJECT_REASONS as readonly string[]).includes(why)) throw new Error(`code ${c} has no reason`);
      rejects.set(why, (rejects.get(why) ?? 0) + 1);
    }
    if (!placed.buf.equals(before) || dst.some((b) => b !== 0x77)) throw new Error('a refused packet was written');
  }), params);
  t.diagnostic(`segmented ${segmented}; rejects ${JSON.stringify(Object.fromEntries(rejects))}`);
});

// The gso info a superpacketInput's virtio header describes, with the real header length.
function decodeGso(vnetAndPacket: Uint8Array): NonNullable<Packet['gso']> {
  const h = vnetAndPacket;
  const u16 = (i: number): number => h[i]! | (h[i + 1]! << 8);
  const type = h[1]!;
  const proto = (type & 0x7f) === 5 ? 'udp' as const : 'tcp' as const;
  const csumStart = u16(6);
  const pkt = vnetAndPacket.subarray(VNET);
  const hdrLen = proto === 'udp' ? csumStart + 8 : csumStart + ((pkt[csumStart + 12] ?? 0) >>> 4) * 4;
  return { size: u16(4), hdrLen, csumStart, csumOffset: u16(8), proto, gsoType: type };
}

test('a USO superpacket with an empty payload is one datagram with an empty payload; a payload of whole gso_size multiples has no empty last segment', () => {
  const seg = new Segmenter();
  for (const version of [4, 6] as const) {
    const empty = buildSuperpacket({ version, proto: 'udp', payload: new Uint8Array(0), gsoSize: 1200 });
    const got: Buffer[] = [];
    assert.equal(seg.segment(empty.packet, (b, o, l) => got.push(Buffer.from(b.subarray(o, o + l)))), 1);
    assert.equal(got[0]!.length, empty.hdrLen, 'just the headers');
    assert.equal(got[0]!.readUInt16BE(empty.l4Off + 4), 8, 'UDP length 8');
    assert.ok(l4ChecksumVerifies(got[0]!, 0, got[0]!.length, empty.l4Off, 17), 'checksum verifies');
    assert.notEqual(got[0]!.readUInt16BE(empty.l4Off + 6), 0, 'a computed 0 is sent as 0xffff');

    const whole = buildSuperpacket({ version, proto: 'udp', payload: patternPayload(3 * 1200, 5), gsoSize: 1200 });
    const lens: number[] = [];
    assert.equal(seg.segment(whole.packet, (_b, _o, l) => lens.push(l - whole.hdrLen)), 3);
    assert.deepEqual(lens, [1200, 1200, 1200]);
  }
});
