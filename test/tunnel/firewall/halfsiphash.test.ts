import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { halfSipHash, halfSipHash1, halfSipHash4 } from '../../../src/tunnel/firewall/halfsiphash.js';

// vectors_hsip32 of the reference repository (github.com/veorq/SipHash, vectors.h): HalfSipHash-2-4,
// 32-bit tag, key bytes 00..07, message bytes 00..(i-1) for i = 0..63; each tag as its 4 bytes in order.
const VECTORS_HSIP32 = [
  'a9359f5b', '27475ab8', 'fa62a603', '8afee704', '2a6e4689', 'c5fab669', '5863fc23', '8bcf63c5',
  'd0b8848f', 'f806e779', '94b07934', '08083050', '57f0872f', '77e663ff', 'd6fff87c', '74fe2b97',
  'd9b5ac84', 'c474645b', '465b8d9b', '7befe387', 'e34d1045', '613f62b3', '70f367fe', 'e6adb8bd',
  '27400c63', '26787875', '4f567b5f', '3ab0e669', 'b0644000', 'ff670fb4', '509e338b', '5d589f1a',
  'fee72112', '33753259', '6a434f8c', 'fe28b729', 'e75cc6ec', '697e8d54', '63688b0f', '650b62b4',
  'b6bc1840', '5d074505', '2442fd2e', '7bb7863a', '7705d548', 'd75208b1', 'b6d499c8', '0892202e',
  '69e12ce3', '8db580e5', '369764c6', '016e0204', '3b85f3d4', 'fedb66be', '1e692a3a', 'c68984c0',
  'a5c5b940', '9be9e88c', '7dbc8140', '7c078ec5', 'd4e76c73', '428fcbb9', 'bd83997a', '59ea4a74',
];

const KEY = Uint8Array.from({ length: 8 }, (_, i) => i);
const tagBytes = (tag: number): string => Buffer.from(new Uint32Array([tag]).buffer).toString('hex');
const le = (b: Uint8Array, at: number): number => Buffer.from(b.buffer, b.byteOffset, b.length).readUInt32LE(at);

test('halfSipHash matches the reference vectors (HalfSipHash-2-4, 32-bit tag, 0..63 bytes)', () => {
  const msg = Uint8Array.from({ length: 64 }, (_, i) => i);
  for (let n = 0; n < 64; n++) assert.equal(tagBytes(halfSipHash(KEY, msg.subarray(0, n))), VECTORS_HSIP32[n], `${n} bytes`);
});

test('halfSipHash4 and halfSipHash1 are halfSipHash on 16 and 4 bytes (vectors 16 and 4, then random keys and words)', () => {
  const k0 = le(KEY, 0);
  const k1 = le(KEY, 4);
  assert.equal(tagBytes(halfSipHash4(k0, k1, 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c)), VECTORS_HSIP32[16]);
  assert.equal(tagBytes(halfSipHash1(k0, k1, 0x03020100)), VECTORS_HSIP32[4]);
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.array(u32, { minLength: 4, maxLength: 4 }), (key, words) => {
      const msg = new Uint8Array(Uint32Array.from(words).buffer);
      const [a, b, c, d] = words as [number, number, number, number];
      assert.equal(halfSipHash4(le(key, 0), le(key, 4), a, b, c, d), halfSipHash(key, msg));
      assert.equal(halfSipHash1(le(key, 0), le(key, 4), a), halfSipHash(key, msg.subarray(0, 4)));
    }),
    { numRuns: 500 },
  );
});

test('the same inputs hash differently under two keys (the layout an attacker would aim at moves with the key)', () => {
  const n = 4096;
  const mask = 0xffff;
  let sameTag = 0;
  let sameSlot = 0;
  for (let i = 0; i < n; i++) {
    // A member's flows: one address pair, ports counting up.
    const a = halfSipHash4(0x01234567, 0x89abcdef, 0x0a000001, 0x0a000002, (8000 << 16) | i, 0x8006);
    const b = halfSipHash4(0x01234568, 0x89abcdef, 0x0a000001, 0x0a000002, (8000 << 16) | i, 0x8006);
    if (a === b) sameTag++;
    if ((a & mask) === (b & mask)) sameSlot++;
  }
  assert.equal(sameTag, 0);
  // Independent slots in a 2^16 table agree with probability 2^-16: expect ~0.06 of 4096.
  assert.ok(sameSlot <= 3, `${sameSlot} inputs kept their slot`);
});
