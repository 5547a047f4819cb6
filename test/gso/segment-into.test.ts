// segmentInto: the same segments as segment(), laid out back to back in the
// caller's buffer with untouched head and tail room, or nothing when they don't fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SEGMENT_NO_ROOM, Segmenter } from '../../src/gso/index.js';
import { buildSuperpacket, patternPayload } from '../../kit/superpacket.js';

const HEAD = 16;
const TAIL = 16;
const SENTINEL = 0xee;

function both(version: 4 | 6, proto: 'tcp' | 'udp', payloadLen: number, gsoSize: number) {
  const sp = buildSuperpacket({ version, proto, payload: patternPayload(payloadLen, payloadLen), gsoSize });
  const seg = new Segmenter();
  const expected: Buffer[] = [];
  seg.segment(sp.packet, (b, o, l) => expected.push(Buffer.from(b.subarray(o, o + l))));
  const room = seg.roomFor(sp.packet, HEAD, TAIL);
  const dst = Buffer.alloc(room + 40, SENTINEL);
  const ranges: [number, number][] = [];
  const n = seg.segmentInto(sp.packet, dst, 20, HEAD, TAIL, (b, o, l) => {
    assert.equal(b, dst);
    ranges.push([o, l]);
  });
  return { expected, dst, ranges, n, room };
}

test('segmentInto writes the same segments as segment(), back to back with head and tail room untouched', () => {
  fc.assert(
    fc.property(fc.constantFrom<4 | 6>(4, 6), fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'), fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 1500 }),
      (version, proto, payloadLen, gsoSize) => {
        const { expected, dst, ranges, n } = both(version, proto, payloadLen, gsoSize);
        assert.equal(n, expected.length);
        let at = 20;
        for (let i = 0; i < n; i++) {
          const [o, l] = ranges[i]!;
          assert.equal(o, at + HEAD, 'segment i starts after its headroom');
          assert.deepEqual(dst.subarray(o, o + l), expected[i]);
          assert.ok(dst.subarray(at, o).every((b) => b === SENTINEL), 'headroom untouched');
          assert.ok(dst.subarray(o + l, o + l + TAIL).every((b) => b === SENTINEL), 'tailroom untouched');
          at = o + l + TAIL;
        }
      }),
    { seed: 42, numRuns: 200 },
  );
});

test('segmentInto refuses with SEGMENT_NO_ROOM and writes nothing when the segments do not fit', () => {
  const sp = buildSuperpacket({ version: 4, proto: 'tcp', payload: patternPayload(5000), gsoSize: 1000 });
  const seg = new Segmenter();
  const dst = Buffer.alloc(seg.roomFor(sp.packet, HEAD, TAIL) - 1, SENTINEL);
  let calls = 0;
  assert.equal(seg.segmentInto(sp.packet, dst, 0, HEAD, TAIL, () => calls++), SEGMENT_NO_ROOM);
  assert.equal(calls, 0);
  assert.ok(dst.every((b) => b === SENTINEL));
});

test('segmentInto copies a non-superpacket as one segment with its room', () => {
  const sp = buildSuperpacket({ version: 6, proto: 'udp', payload: patternPayload(300), gsoSize: 1000 });
  sp.packet.gso = null;
  const seg = new Segmenter();
  const dst = Buffer.alloc(1000, SENTINEL);
  let got: Buffer | null = null;
  assert.equal(seg.segmentInto(sp.packet, dst, 0, HEAD, TAIL, (b, o, l) => (got = Buffer.from(b.subarray(o, o + l)))), 1);
  assert.deepEqual(got, Buffer.from(sp.packet.data));
});
