// copyPieces: the native gathering copy and its TypeScript twin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyPieces, copyPiecesJs } from '../../src/packet/index.js';

for (const [name, impl] of [['copyPieces', copyPieces], ['copyPiecesJs', copyPiecesJs]] as const) {
  test(`${name} copies the pieces back to back from dstOff and returns the byte count`, () => {
    const src = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff));
    const offs = Int32Array.of(10, 0, 250, 100, 0);
    const lens = Int32Array.of(20, 5, 50, 0, 1);
    const dst = Buffer.alloc(100, 0xee);
    assert.equal(impl(src, offs, lens, 4, dst, 3), 75);
    const expected = Buffer.concat([src.subarray(10, 30), src.subarray(0, 5), src.subarray(250, 300)]);
    assert.ok(dst.subarray(3, 78).equals(expected));
    assert.ok(dst.subarray(0, 3).every((b) => b === 0xee) && dst.subarray(78).every((b) => b === 0xee), 'nothing else written');
    assert.equal(impl(src, offs, lens, 0, dst, 100), 0, 'no pieces: nothing to do, even at the very end');
  });

  test(`${name} refuses bad counts, ranges outside a buffer and overlap with the source, without writing`, () => {
    const src = Buffer.alloc(200, 1);
    const dst = Buffer.alloc(50);
    assert.throws(() => impl(src, Int32Array.of(0), Int32Array.of(10), 2, dst, 0), RangeError, 'n past the arrays');
    assert.throws(() => impl(src, Int32Array.of(-1), Int32Array.of(10), 1, dst, 0), RangeError);
    assert.throws(() => impl(src, Int32Array.of(195), Int32Array.of(10), 1, dst, 0), RangeError);
    assert.throws(() => impl(src, Int32Array.of(0, 0), Int32Array.of(30, 30), 2, dst, 0), RangeError, '60 bytes into 50');
    assert.throws(() => impl(src, Int32Array.of(0), Int32Array.of(10), 1, dst, -1), RangeError);
    assert.ok(dst.every((b) => b === 0));
    assert.throws(() => impl(src, Int32Array.of(0, 100), Int32Array.of(10, 10), 2, src, 105), RangeError, 'second piece overlaps the copy');
    assert.ok(src.every((b) => b === 1));
  });
}
