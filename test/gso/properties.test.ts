// Property tests: random valid superpackets segment into valid packets that carry
// the original payload; random or mangled input is refused without throwing and
// without a segment range outside its buffer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_SEGMENT_HEADER_LEN, Segmenter, segmentRejectReason } from '../../src/gso/index.js';
import { l4Info, type L4Info } from '../../src/packet/index.js';
import { Packet } from '../../src/tun/packet.js';
import { ipv4HeaderVerifies, l4ChecksumVerifies } from '../helpers/checksum.js';
import {
  CWR, EXT_DEST_OPTS, EXT_HOP_BY_HOP, EXT_ROUTING, FIN, PSH, buildSuperpacket, get16, get32, joinedPayload,
  patternPayload, type SuperpacketSpec,
} from '../../kit/superpacket.js';

const RUNS = { seed: 42, numRuns: 300 };

const specArb: fc.Arbitrary<SuperpacketSpec> = fc.record({
  version: fc.constantFrom(4 as const, 6 as const),
  proto: fc.constantFrom('tcp' as const, 'udp' as const),
  payloadLen: fc.oneof(fc.integer({ min: 0, max: 6000 }), fc.integer({ min: 60000, max: 65535 - MAX_SEGMENT_HEADER_LEN })),
  payloadSeed: fc.integer({ min: 1, max: 0x7fffffff }),
  gsoSize: fc.integer({ min: 1, max: 1500 }),
  tcpFlags: fc.integer({ min: 0, max: 255 }),
  tcpOptions: fc.uint8Array({ maxLength: 40 }),
  ipv4Options: fc.uint8Array({ maxLength: 40 }),
  ipv6Ext: fc.array(fc.tuple(fc.constantFrom(EXT_HOP_BY_HOP, EXT_ROUTING, EXT_DEST_OPTS), fc.integer({ min: 1, max: 2 })), { maxLength: 3 }),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  ipId: fc.integer({ min: 0, max: 0xffff }),
  lead: fc.integer({ min: 0, max: 7 }),
}).map((r) => ({
  version: r.version,
  proto: r.proto,
  // Tiny gso sizes on big payloads would make tens of thousands of segments per run.
  gsoSize: r.payloadLen > 6000 ? Math.max(r.gsoSize, 500) : r.gsoSize,
  payload: patternPayload(r.payloadLen, r.payloadSeed),
  tcpFlags: r.tcpFlags,
  tcpOptions: r.tcpOptions,
  ipv4Options: r.ipv4Options,
  ipv6Ext: r.ipv6Ext,
  seq: r.seq,
  ipId: r.ipId,
  lead: r.lead,
}));

// Offsets, relative to the L4 header, of the TCP fields segmentation rewrites.
const TCP_VARIABLE = [4, 5, 6, 7, 13, 16, 17];
const UDP_VARIABLE = [4, 5, 6, 7];
const V4_VARIABLE = [2, 3, 4, 5, 10, 11];
const V6_VARIABLE = [4, 5];

function expectedFlags(flags: number, i: number, last: number): number {
  let f = flags;
  if (i > 0) f &= ~CWR;
  if (i < last) f &= ~(FIN | PSH);
  return f;
}

const parsed: L4Info = { version: 0, proto: 0, l4Offset: 0, ipHdrLen: 0, fragment: false };

test('random valid TCP and UDP superpackets segment into valid packets carrying the payload', () => {
  const seg = new Segmenter();
  fc.assert(
    fc.property(specArb, (spec) => {
      const sp = buildSuperpacket(spec);
      const tcp = spec.proto === 'tcp';
      const segments: Buffer[] = [];
      const result = seg.segment(sp.packet, (buf, off, len) => {
        segments.push(Buffer.from(buf.subarray(off, off + len)));
      });
      if (sp.hdrLen > MAX_SEGMENT_HEADER_LEN) {
        assert.equal(segmentRejectReason(result), 'header-too-long');
        assert.equal(segments.length, 0);
        return;
      }
      const n = spec.payload.length;
      const size = spec.gsoSize;
      const count = Math.max(1, Math.ceil(n / size));
      assert.equal(result, count);
      assert.equal(segments.length, count);
      const orig = sp.packet.buf.subarray(sp.packet.off, sp.packet.off + sp.hdrLen);
      segments.forEach((s, i) => {
        const payloadLen = i === count - 1 ? n - i * size : size;
        assert.equal(s.length, sp.hdrLen + payloadLen);
        assert.ok(l4Info(s, 0, s.length, parsed));
        assert.equal(parsed.ipHdrLen, sp.l4Off);
        assert.equal(parsed.proto, tcp ? 6 : 17);
        assert.ok(l4ChecksumVerifies(s, 0, s.length, sp.l4Off, tcp ? 6 : 17), `L4 checksum of segment ${i}`);
        if (spec.version === 4) {
          assert.ok(ipv4HeaderVerifies(s, 0));
          assert.equal(get16(s, 2), s.length);
          assert.equal(get16(s, 4), (spec.ipId! + i) & 0xffff);
        } else {
          assert.equal(get16(s, 4), s.length - 40);
        }
        if (tcp) {
          assert.equal(get32(s, sp.l4Off + 4), (spec.seq! + i * size) >>> 0);
          assert.equal(s[sp.l4Off + 13], expectedFlags(spec.tcpFlags!, i, count - 1));
        } else {
          assert.equal(get16(s, sp.l4Off + 4), s.length - sp.l4Off);
        }
        // Every other header byte is a copy of the superpacket's.
        const hdr = Buffer.from(s.subarray(0, sp.hdrLen));
        const want = Buffer.from(orig);
        for (const k of spec.version === 4 ? V4_VARIABLE : V6_VARIABLE) hdr[k] = want[k] = 0;
        for (const k of tcp ? TCP_VARIABLE : UDP_VARIABLE) hdr[sp.l4Off + k] = want[sp.l4Off + k] = 0;
        assert.deepEqual(hdr, want);
      });
      assert.deepEqual(joinedPayload(segments, sp.hdrLen), Buffer.from(spec.payload));
    }),
    RUNS,
  );
});

// Numbers a mangled gso field may hold, including ones no kernel would send.
const fieldArb = (max: number): fc.Arbitrary<number> =>
  fc.oneof(fc.integer({ min: -2, max }), fc.constantFrom(Number.NaN, -1, 0.5, 1.5, Infinity, 2 ** 32, 2 ** 32 + 20));

// Calls segment and checks the contract that must hold for any input.
function segmentSafely(seg: Segmenter, p: Packet): number {
  let calls = 0;
  const result = seg.segment(p, (buf, off, len) => {
    calls++;
    assert.ok(Number.isInteger(off) && Number.isInteger(len), 'integer range');
    assert.ok(off >= 0 && len >= 0 && off + len <= buf.length, `segment [${off}, ${off + len}) outside a ${buf.length}-byte buffer`);
  });
  if (result >= 0) assert.equal(calls, result);
  else {
    assert.equal(calls, 0);
    assert.notEqual(segmentRejectReason(result), null, `unknown code ${result}`);
  }
  return result;
}

test('random bytes with random gso fields never throw and never hand out a range outside the buffer', () => {
  const seg = new Segmenter();
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 400 }),
      fc.integer({ min: 0, max: 15 }),
      fieldArb(420),
      fieldArb(420),
      fc.option(
        fc.record({
          size: fieldArb(70000),
          hdrLen: fieldArb(160),
          csumStart: fieldArb(160),
          csumOffset: fieldArb(20),
          proto: fc.constantFrom('tcp' as const, 'udp' as const),
          gsoType: fieldArb(255),
        }),
      ),
      (bytes, version, off, len, gso) => {
        if (bytes.length > 0) bytes[0] = (version << 4) | (bytes[0]! & 0x0f);
        const p = new Packet(Buffer.from(bytes), off, len);
        if (gso) Object.assign(p.setGso(), gso);
        segmentSafely(seg, p);
      },
    ),
    { ...RUNS, numRuns: 2000 },
  );
});

test('mangled valid superpackets are refused or still segment into packets with valid checksums', () => {
  const seg = new Segmenter();
  fc.assert(
    fc.property(
      specArb,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.option(fc.record({ field: fc.constantFrom('size', 'hdrLen', 'csumStart', 'csumOffset', 'gsoType') as fc.Arbitrary<'size' | 'hdrLen' | 'csumStart' | 'csumOffset' | 'gsoType'>, value: fieldArb(300) })),
      fc.integer({ min: -64, max: 64 }),
      (spec, flips, field, lenDelta) => {
        const sp = buildSuperpacket(spec);
        const p = sp.packet;
        // Mostly header bytes: that is where the parsing happens.
        for (const [at, v] of flips) p.buf[p.off + (at % Math.min(p.len, sp.hdrLen + 8))] = v;
        if (field) p.gso![field.field] = field.value;
        p.len = Math.max(0, Math.min(p.buf.length - p.off, p.len + lenDelta));
        const l4Off = p.gso!.csumStart;
        const proto = p.gso!.proto === 'tcp' ? 6 : 17;
        const v4 = p.buf[p.off]! >>> 4 === 4;
        const segments: Buffer[] = [];
        const result = segmentSafely(seg, p);
        if (result > 0) {
          seg.segment(p, (buf, off, len) => segments.push(Buffer.from(buf.subarray(off, off + len))));
          for (const s of segments) {
            assert.ok(l4ChecksumVerifies(s, 0, s.length, l4Off, proto));
            if (v4) assert.ok(ipv4HeaderVerifies(s, 0));
          }
        }
      },
    ),
    { ...RUNS, numRuns: 1000 },
  );
});
