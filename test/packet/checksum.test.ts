import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checksumReference,
  finish,
  fold,
  pseudoHeaderSumV4,
  pseudoHeaderSumV6,
  sum16,
  sum16Js,
  sumPieces,
  sumPiecesJs,
} from '../../src/packet/index.js';
import { buildPacket, makeRng, pseudoHeaderBytes, randomBytes } from './packets.js';
import { native, nativeAvailable } from '../../src/native.js';

test('RFC 1071 example bytes sum to 0xddf2 in both implementations', () => {
  const b = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
  assert.equal(checksumReference(b, 0, b.length), 0xddf2);
  assert.equal(sum16(b, 0, b.length), 0xddf2);
  assert.equal(finish(0xddf2), 0x220d);
});

test('an odd trailing byte counts as the high byte of a zero-padded word', () => {
  const b = Uint8Array.of(0x12, 0x34, 0x56);
  assert.equal(checksumReference(b, 0, 3), 0x1234 + 0x5600);
  assert.equal(sum16(b, 0, 3), 0x1234 + 0x5600);
});

test('fold applies end-around carry and keeps 0xffff distinct from 0', () => {
  assert.equal(fold(0), 0);
  assert.equal(fold(0xffff), 0xffff);
  assert.equal(fold(0x10000), 1);
  assert.equal(fold(0x1fffe), 0xffff);
  assert.equal(fold(0x7fffffff), 0x7fff);
  for (const v of [2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER]) {
    const r = Number(BigInt(v) % 0xffffn);
    assert.equal(fold(v), r === 0 ? 0xffff : r, `fold(${v})`);
  }
});

test('finish complements the folded sum', () => {
  assert.equal(finish(0), 0xffff);
  assert.equal(finish(0xffff), 0);
  assert.equal(finish(0x1fffe), 0);
});

test('sum16 equals checksumReference for every length 0..2000 at offsets 0..3', () => {
  const rng = makeRng(1);
  const data = randomBytes(rng, 2100);
  for (let len = 0; len <= 2000; len++) {
    for (let off = 0; off < 4; off++) {
      assert.equal(sum16(data, off, len), checksumReference(data, off, len), `len ${len} off ${off}`);
    }
  }
});

test('sum16 adds an initial partial sum like checksumReference', () => {
  const rng = makeRng(2);
  const data = randomBytes(rng, 2100);
  const initials = [0, 1, 0xffff, 0x10000, 0x7fffffff];
  for (let len = 0; len <= 2000; len += 7) {
    for (let off = 0; off < 4; off++) {
      const initial = len % 3 === 0 ? initials[(len >>> 2) % initials.length] : rng() >>> 1;
      assert.equal(sum16(data, off, len, initial), checksumReference(data, off, len, initial), `len ${len} off ${off} initial ${initial}`);
    }
  }
});

test('sum16 handles extreme contents: all zero sums to 0, all 0xff to 0xffff (0xff00 at odd lengths)', () => {
  for (const len of [2, 63, 64, 65, 1500, 65536]) {
    const zeros = new Uint8Array(len + 3);
    const ones = new Uint8Array(len + 3).fill(0xff);
    for (let off = 0; off < 4; off++) {
      if (off + len > zeros.length) continue;
      assert.equal(sum16(zeros, off, len), 0);
      assert.equal(sum16(ones, off, len), len % 2 === 0 ? 0xffff : 0xff00);
    }
  }
});

test('sum16 is correct on subarrays at odd byteOffsets of Buffer.alloc, pooled Buffer.allocUnsafe and Uint8Array', () => {
  const rng = makeRng(3);
  const views: Uint8Array[] = [];
  const alloc = Buffer.alloc(5000);
  alloc.set(randomBytes(rng, 5000));
  views.push(alloc.subarray(1), alloc.subarray(3, 4000), alloc.subarray(6, 4999));
  // Small allocUnsafe buffers are slices of a shared pool at arbitrary byteOffsets.
  for (let i = 0; i < 16; i++) {
    const b = Buffer.allocUnsafe(200 + 37 * i);
    b.set(randomBytes(rng, b.length));
    views.push(b);
  }
  const ab = new ArrayBuffer(6000);
  new Uint8Array(ab).set(randomBytes(rng, 6000));
  views.push(new Uint8Array(ab, 1, 5000), new Uint8Array(ab, 2, 5001), new Uint8Array(ab, 7, 3333));
  assert.ok(views.some((v) => v.byteOffset % 2 === 1), 'at least one view sits at an odd byteOffset');
  for (const v of views) {
    for (let off = 0; off < 5; off++) {
      for (const len of [0, 1, 63, 64, 65, 66, 67, 100, 101, v.length - off]) {
        if (off + len > v.length) continue;
        assert.equal(sum16(v, off, len, 7), checksumReference(v, off, len, 7), `byteOffset ${v.byteOffset} off ${off} len ${len}`);
      }
    }
  }
});

test('sum16 gives the right answer when alternating between two, then three ArrayBuffers and views of them', () => {
  const rng = makeRng(4);
  const a = randomBytes(rng, 3000);
  const b = randomBytes(rng, 3000);
  const c = randomBytes(rng, 3000);
  const aView = a.subarray(3);
  const pattern = [a, b, a, c, b, aView, c, a, b, b, aView];
  for (let i = 0; i < 110; i++) {
    const v = pattern[i % pattern.length]!;
    const off = i % 5;
    assert.equal(sum16(v, off, 2000), checksumReference(v, off, 2000));
  }
});

test('sum16 sees the new bytes after a resizable ArrayBuffer grows under a length-tracking view', () => {
  type Resizable = ArrayBuffer & { resize(n: number): void };
  const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable;
  const ab = new Ctor(200, { maxByteLength: 4000 });
  const view = new Uint8Array(ab);
  view.fill(0x5a);
  assert.equal(sum16(view, 1, 199), checksumReference(view, 1, 199));
  ab.resize(4000);
  view.set(randomBytes(makeRng(6), 3800), 200);
  assert.equal(sum16(view, 1, 3999), checksumReference(view, 1, 3999));
});

test('sum16 stays exact past 4 MiB, where the word accumulators are folded', () => {
  const rng = makeRng(5);
  const data = randomBytes(rng, (5 << 20) + 8);
  for (const off of [0, 1, 2, 3]) {
    assert.equal(sum16(data, off, 5 << 20), checksumReference(data, off, 5 << 20));
  }
  const ones = new Uint8Array(5 << 20).fill(0xff);
  assert.equal(sum16(ones, 0, ones.length), 0xffff);
});

test('pseudoHeaderSumV4 equals the sum of the RFC 768/793 pseudo-header bytes', () => {
  for (const proto of [6, 17] as const) {
    const p = buildPacket({ version: 4, proto, payload: new Uint8Array(100) });
    const ph = pseudoHeaderBytes(p);
    const l4Len = p.bytes.length - p.ipHdrLen;
    assert.equal(pseudoHeaderSumV4(p.bytes, 0, proto, l4Len), checksumReference(ph, 0, ph.length));
  }
});

test('pseudoHeaderSumV6 equals the sum of the RFC 8200 pseudo-header bytes', () => {
  for (const proto of [6, 17] as const) {
    const p = buildPacket({ version: 6, proto, payload: new Uint8Array(100) });
    const ph = pseudoHeaderBytes(p);
    const l4Len = p.bytes.length - p.ipHdrLen;
    assert.equal(pseudoHeaderSumV6(p.bytes, 0, proto, l4Len), checksumReference(ph, 0, ph.length));
  }
  // A jumbogram length has bits above 16 that must be summed too.
  const p = buildPacket({ version: 6, proto: 6, payload: new Uint8Array(0) });
  const big = 0x12345;
  assert.equal(pseudoHeaderSumV6(p.bytes, 0, 6, big), fold(checksumReference(p.bytes, 8, 32) + 6 + 1 + 0x2345));
});

test('sum16Js, the TypeScript fast path kept beside the native one, equals checksumReference for every length 0..2000 at offsets 0..3', () => {
  const rng = makeRng(11);
  const data = randomBytes(rng, 2010);
  for (let off = 0; off < 4; off++) {
    for (let len = 0; len <= 2000; len++) {
      assert.equal(sum16Js(data, off, len, len & 0xff), checksumReference(data, off, len, len & 0xff), `len ${len} off ${off}`);
    }
  }
});

test('the native checksum equals checksumReference for every length 0..2100 at offsets 0..8, and refuses a range outside the buffer', { skip: nativeAvailable ? undefined : 'native addon not built' }, () => {
  const rng = makeRng(12);
  const data = randomBytes(rng, 2120);
  for (let off = 0; off < 9; off++) {
    for (let len = 0; len <= 2100; len++) assert.equal(native.checksumSum(data, off, len), checksumReference(data, off, len), `len ${len} off ${off}`);
  }
  assert.equal(native.checksumSum(data, 2100, 100), -1);
  assert.equal(native.checksumSum(data, -1, 10), -1);
});

// Both implementations of the piece sums, checked against per-piece reference sums and copies.
for (const [name, impl] of [['sumPieces', sumPieces], ['sumPiecesJs', sumPiecesJs]] as const) {
  test(`${name} sums (and copies) every piece of a range like checksumReference per piece, the last piece short`, () => {
    const rng = makeRng(21);
    const src = Buffer.from(randomBytes(rng, 5000));
    const sums = new Int32Array(64);
    for (const [off, piece, total] of [[0, 1448, 4400], [3, 1000, 1000], [7, 333, 4991], [1, 1448, 0], [0, 1, 9]] as const) {
      const expected = Math.ceil(total / piece);
      const stride = piece + 37;
      const dst = Buffer.alloc(11 + expected * stride);
      assert.equal(impl(src, off, piece, total, sums, null, 0, 0), expected);
      for (let i = 0; i < expected; i++) {
        const n = Math.min(piece, total - i * piece);
        assert.equal(sums[i], checksumReference(src, off + i * piece, n), `sum-only piece ${i} of ${off}/${piece}/${total}`);
      }
      sums.fill(-7);
      assert.equal(impl(src, off, piece, total, sums, dst, 11, stride), expected);
      for (let i = 0; i < expected; i++) {
        const n = Math.min(piece, total - i * piece);
        assert.equal(sums[i], checksumReference(src, off + i * piece, n), `piece ${i} of ${off}/${piece}/${total}`);
        assert.ok(dst.subarray(11 + i * stride, 11 + i * stride + n).equals(src.subarray(off + i * piece, off + i * piece + n)), `copy ${i}`);
        // The gap between pieces is left alone.
        if (i < expected - 1) assert.ok(dst.subarray(11 + i * stride + n, 11 + (i + 1) * stride).every((b) => b === 0));
      }
      assert.equal(sums[expected] ?? -7, -7, 'nothing past the last piece is written');
    }
  });

  test(`${name} lays a copy of the prefix range in front of every copied piece, unsummed`, () => {
    const rng = makeRng(22);
    const src = Buffer.from(randomBytes(rng, 3000));
    const sums = new Int32Array(8);
    const piece = 700;
    const total = 2500;
    const prefix = 52;
    const stride = prefix + piece + 32;
    const dst = Buffer.alloc(prefix + 4 * stride);
    assert.equal(impl(src, 100, piece, total, sums, dst, prefix, stride, 3, prefix), 4);
    for (let i = 0; i < 4; i++) {
      const n = Math.min(piece, total - i * piece);
      const at = prefix + i * stride;
      assert.ok(dst.subarray(at - prefix, at).equals(src.subarray(3, 3 + prefix)), `prefix ${i}`);
      assert.ok(dst.subarray(at, at + n).equals(src.subarray(100 + i * piece, 100 + i * piece + n)), `piece ${i}`);
      assert.equal(sums[i], checksumReference(src, 100 + i * piece, n), `sum ${i} covers the piece only`);
    }
    assert.throws(() => impl(src, 100, piece, total, sums, dst, prefix - 1, stride, 3, prefix), RangeError, 'no room for the first prefix');
    assert.throws(() => impl(src, 100, piece, total, sums, dst, prefix, piece + prefix - 1, 3, prefix), RangeError, 'stride too short for prefix + piece');
    assert.throws(() => impl(src, 100, piece, total, sums, null, 0, 0, 3, prefix), RangeError, 'a prefix needs dst');
    assert.throws(() => impl(src, 100, piece, total, sums, dst, prefix, stride, 2990, prefix), RangeError, 'prefix outside src');
  });

  test(`${name} refuses ranges outside a buffer, too few sums, a short stride and copies over the source, without writing`, () => {
    const src = Buffer.alloc(4000, 1);
    const dst = Buffer.alloc(4000);
    const sums = new Int32Array(4);
    assert.throws(() => impl(src, 3000, 500, 1001, sums, null, 0, 0), RangeError);
    assert.throws(() => impl(src, -1, 500, 10, sums, null, 0, 0), RangeError);
    assert.throws(() => impl(src, 0, 100, 500, sums, null, 0, 0), RangeError, 'five pieces, four sums');
    assert.throws(() => impl(src, 0, 100, 400, sums, dst, 0, 99), RangeError, 'stride shorter than a piece');
    assert.throws(() => impl(src, 0, 1000, 2000, sums, dst, 3000, 1000), RangeError, 'second copy past the end');
    assert.throws(() => impl(src, 0, 1000, 2000, sums, src, 500, 1000), RangeError, 'copies over the source');
    assert.ok(dst.every((b) => b === 0));
    assert.deepEqual([...sums], [0, 0, 0, 0]);
  });
}

test('the native checksum stays exact over ranges long enough to need its wide-lane folding (3 MiB of 0xff, and random bytes)', { skip: nativeAvailable ? undefined : 'native addon not built' }, () => {
  // The vector path folds its 32-bit lanes every 1 MiB; all-0xff words are the worst case for lane overflow.
  const ones = new Uint8Array(3 * 1024 * 1024 + 77).fill(0xff);
  assert.equal(native.checksumSum(ones, 1, ones.length - 1), checksumReference(ones, 1, ones.length - 1));
  const rng = makeRng(31);
  const data = randomBytes(rng, (1 << 21) + 13);
  for (const [off, len] of [[0, data.length], [3, data.length - 3], [64, 1 << 20], [5, (1 << 20) + 64]] as const) {
    assert.equal(native.checksumSum(data, off, len), checksumReference(data, off, len), `off ${off} len ${len}`);
  }
});
