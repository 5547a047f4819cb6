// The batch descriptor: capacity, modes, reset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AeadBatch, AeadError, DEFAULT_BATCH_CAPACITY, firstOutOfRange } from '../../../src/tunnel/aead/index.js';

function isCode(code: string): (e: unknown) => boolean {
  return (e: unknown) => e instanceof AeadError && e.code === code;
}

test('add fills the index arrays up to capacity, then refuses', () => {
  const b = new AeadBatch(3).reset(new Uint8Array(200));
  assert.equal(b.add(0, 5), 0);
  assert.equal(b.add(60, 6), 1);
  assert.equal(b.full, false);
  assert.equal(b.add(120, 7), 2);
  assert.equal(b.full, true);
  assert.deepEqual([...b.offs], [0, 60, 120]);
  assert.deepEqual([...b.lens], [5, 6, 7]);
  assert.throws(() => b.add(0, 0), isCode('ERR_TIO_AEAD_BATCH'));
  b.reset(new Uint8Array(10));
  assert.equal(b.count, 0);
  assert.equal(b.add(0, 1), 0);
});

test('add and addFrom each need their mode', () => {
  const b = new AeadBatch(2).reset(new Uint8Array(100), new Uint8Array(50));
  assert.throws(() => b.add(0, 1), isCode('ERR_TIO_AEAD_BATCH'));
  assert.equal(b.addFrom(3, 4, 5), 0);
  assert.deepEqual([b.srcOffs[0], b.lens[0], b.offs[0]], [3, 4, 5]);
  b.reset(new Uint8Array(100));
  assert.throws(() => b.addFrom(0, 1, 0), isCode('ERR_TIO_AEAD_BATCH'));
});

test('capacity defaults to 128 and must be a positive integer', () => {
  assert.equal(new AeadBatch().capacity, DEFAULT_BATCH_CAPACITY);
  assert.equal(DEFAULT_BATCH_CAPACITY, 128);
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new AeadBatch(bad), isCode('ERR_TIO_AEAD_BATCH'));
});

test('firstOutOfRange applies the native rules', () => {
  const b = new AeadBatch(4).reset(new Uint8Array(100));
  b.add(0, 68); // 16 + 68 + 16 = 100: fits for seal
  assert.equal(firstOutOfRange(b, 'seal'), -1);
  b.add(1, 68);
  assert.equal(firstOutOfRange(b, 'seal'), 1);
  assert.equal(firstOutOfRange(b, 'open'), -1); // as open: 68-byte packets at 0 and 1
  b.add(90, 20);
  assert.equal(firstOutOfRange(b, 'open'), 2);
  const c = new AeadBatch(2).reset(new Uint8Array(10), new Uint8Array(100));
  c.addFrom(0, 40, 2); // plaintext 8 bytes to dst[2..10): fits
  assert.equal(firstOutOfRange(c, 'open'), -1);
  c.addFrom(60, 20, 50); // short packet: destination not checked
  assert.equal(firstOutOfRange(c, 'open'), -1);
  c.lens[1] = 41;
  assert.equal(firstOutOfRange(c, 'open'), 1);
});
