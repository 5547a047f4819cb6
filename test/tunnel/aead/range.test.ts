// Misuse is refused before any byte is touched: packets outside their buffer,
// counts beyond the index arrays, the wrong direction, closed contexts, bad
// keys, and objects that are not AEAD handles.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { EBADF, EINVAL, EPERM, ERANGE } from '../../../src/errno.js';
import { type AeadHandle, native } from '../../../src/native.js';
import { AeadBatch, AeadError, BatchAead, type PacketAead, ReferenceAead } from '../../../src/tunnel/aead/index.js';
import { hex, pattern } from './packets.js';

const LEN = 256;
const I32_MAX = 0x7fffffff;

function isCode(code: string): (e: unknown) => boolean {
  return (e: unknown) => e instanceof AeadError && e.code === code;
}

function handle(cipher: 0 | 1, encrypt: boolean): AeadHandle {
  const h = native.aeadCreate(cipher, randomBytes(32), encrypt);
  assert.notEqual(typeof h, 'number');
  return h as AeadHandle;
}

/** [offset, length] pairs outside a LEN-byte buffer for seal (length = plaintext) and open (length = packet). */
const BAD_SEAL: readonly (readonly [number, number])[] = [
  [-1, 0], [0, -1], [LEN - 31, 0], [0, LEN - 31], [LEN, 0], [I32_MAX, I32_MAX], [I32_MAX - 31, 0], [-2147483648, 100], [100, I32_MAX - 90],
];
const BAD_OPEN: readonly (readonly [number, number])[] = [
  [-1, 32], [0, -1], [LEN - 31, 32], [0, LEN + 1], [LEN + 1, 0], [I32_MAX, I32_MAX], [-2147483648, 40], [200, I32_MAX],
];

for (const [cipher, name] of [[0, 'aes'], [1, 'chachapoly']] as const) {
  test(`${name}: native calls with a packet outside the buffer return -ERANGE and write nothing`, () => {
    const seal = handle(cipher, true);
    const open = handle(cipher, false);
    for (const [off, len] of BAD_SEAL) {
      const buf = pattern(LEN, 1);
      // The good packet comes first: nothing may be processed before the bad one is seen.
      const r = native.aeadSeal(seal, 2, buf, Int32Array.of(0, off), Int32Array.of(10, len));
      assert.equal(r, -ERANGE, `seal ${off},${len}`);
      assert.equal(hex(buf), hex(pattern(LEN, 1)));
      const src = pattern(64, 2);
      assert.equal(native.aeadSealTo(seal, 2, src, Int32Array.of(0, 0), Int32Array.of(10, len), buf, Int32Array.of(0, off)), -ERANGE);
      assert.equal(native.aeadSealTo(seal, 1, src, Int32Array.of(off), Int32Array.of(Math.max(len, 0)), buf, Int32Array.of(0)), off >= 0 && off + Math.max(len, 0) <= 64 ? 1 : -ERANGE);
    }
    for (const [off, len] of BAD_OPEN) {
      const buf = pattern(LEN, 1);
      const out = Int32Array.of(7, 7);
      assert.equal(native.aeadOpen(open, 2, buf, Int32Array.of(0, off), Int32Array.of(40, len), out), -ERANGE, `open ${off},${len}`);
      assert.deepEqual([...out], [7, 7]);
      assert.equal(hex(buf), hex(pattern(LEN, 1)));
      const dst = new Uint8Array(16);
      assert.equal(native.aeadOpenTo(open, 2, buf, Int32Array.of(0, off), Int32Array.of(40, len), dst, Int32Array.of(0, 0), out), -ERANGE);
      assert.deepEqual([...out], [7, 7]);
      assert.equal(hex(dst), '00'.repeat(16));
    }
    // openTo: the plaintext destination must fit too (here 40 - 32 = 8 bytes at 9 in a 16-byte buffer).
    const out = Int32Array.of(7);
    const dst = new Uint8Array(16);
    assert.equal(native.aeadOpenTo(open, 1, pattern(LEN, 1), Int32Array.of(0), Int32Array.of(40), dst, Int32Array.of(9), out), -ERANGE);
    assert.equal(out[0], 7);
    // Exactly fitting ranges are accepted.
    assert.equal(native.aeadSeal(seal, 1, new Uint8Array(LEN), Int32Array.of(0), Int32Array.of(LEN - 32)), 1);
    assert.equal(native.aeadSeal(seal, 1, new Uint8Array(LEN), Int32Array.of(LEN - 32), Int32Array.of(0)), 1);
    assert.equal(native.aeadOpenTo(open, 1, pattern(LEN, 1), Int32Array.of(0), Int32Array.of(40), dst, Int32Array.of(8), out), 0);
    assert.equal(out[0], -1);
  });

  test(`${name}: counts outside the index arrays return -EINVAL`, () => {
    const seal = handle(cipher, true);
    const open = handle(cipher, false);
    const buf = new Uint8Array(LEN);
    const two = new Int32Array(2);
    assert.equal(native.aeadSeal(seal, 3, buf, two, two), -EINVAL);
    assert.equal(native.aeadSeal(seal, -1, buf, two, two), -EINVAL);
    assert.equal(native.aeadSeal(seal, 2, buf, two, new Int32Array(1)), -EINVAL);
    assert.equal(native.aeadOpen(open, 2, buf, two, two, new Int32Array(1)), -EINVAL);
    assert.equal(native.aeadSealTo(seal, 2, buf, two, two, buf, new Int32Array(1)), -EINVAL);
    assert.equal(native.aeadOpenTo(open, 2, buf, two, two, buf, two, new Int32Array(1)), -EINVAL);
    assert.equal(hex(buf), '00'.repeat(LEN));
  });

  test(`${name}: wrong direction -> -EPERM, freed handle -> -EBADF, bad key -> -EINVAL`, () => {
    const seal = handle(cipher, true);
    const open = handle(cipher, false);
    const buf = new Uint8Array(64);
    const z = new Int32Array(1);
    assert.equal(native.aeadOpen(seal, 1, buf, z, Int32Array.of(32), z), -EPERM);
    assert.equal(native.aeadSeal(open, 1, buf, z, z), -EPERM);
    assert.equal(native.aeadFree(seal), 0);
    assert.equal(native.aeadFree(seal), 0);
    assert.equal(native.aeadSeal(seal, 1, buf, z, z), -EBADF);
    assert.equal(native.aeadCreate(cipher, new Uint8Array(31), true), -EINVAL);
    assert.equal(native.aeadCreate(2 as 0, new Uint8Array(32), true), -EINVAL);
    assert.equal(hex(buf), '00'.repeat(64));
  });
}

test('objects that are not AEAD handles are refused with a TypeError', () => {
  const buf = new Uint8Array(64);
  const z = new Int32Array(1);
  for (const bogus of [{}, null, 1, 'x']) {
    assert.throws(() => native.aeadSeal(bogus as unknown as AeadHandle, 1, buf, z, z), TypeError);
  }
  // Another native external (a poll handle) must not be read as a cipher context.
  const fd = native.eventfdCreate();
  assert.ok(fd >= 0);
  const poll = native.pollCreate(fd, () => undefined);
  assert.notEqual(typeof poll, 'number');
  try {
    assert.throws(() => native.aeadSeal(poll as unknown as AeadHandle, 1, buf, z, z), TypeError);
    assert.throws(() => native.aeadFree(poll as unknown as AeadHandle), TypeError);
  } finally {
    if (typeof poll !== 'number') native.pollClose(poll);
    native.closeFd(fd);
  }
  assert.throws(() => native.aeadSeal(handle(0, true), 1, buf, new Uint32Array(1) as unknown as Int32Array, z), TypeError);
});

function both(direction: 'seal' | 'open'): PacketAead[] {
  const key = randomBytes(32);
  return [new BatchAead('aes', key, direction), new ReferenceAead('chachapoly', key, direction)];
}

test('wrappers: out-of-range packets throw ERR_TIO_AEAD_RANGE naming the packet, nothing written', () => {
  for (const aead of both('seal')) {
    const buf = pattern(LEN, 3);
    const b = new AeadBatch(4).reset(buf);
    b.add(0, 10);
    b.add(LEN - 40, 9);
    assert.throws(() => aead.seal(b), (e: unknown) => isCode('ERR_TIO_AEAD_RANGE')(e) && /packet 1/.test((e as Error).message));
    assert.equal(hex(buf), hex(pattern(LEN, 3)));
  }
  for (const aead of both('open')) {
    const buf = pattern(LEN, 3);
    const b = new AeadBatch(4).reset(buf);
    b.add(0, 40);
    b.add(-5, 40);
    b.out.fill(9);
    assert.throws(() => aead.open(b), isCode('ERR_TIO_AEAD_RANGE'));
    assert.equal(hex(buf), hex(pattern(LEN, 3)));
    assert.deepEqual([...b.out], [9, 9, 9, 9]);
  }
  for (const aead of both('seal')) {
    const b = new AeadBatch(2).reset(new Uint8Array(64));
    b.count = 3; // set by hand past capacity
    assert.throws(() => aead.seal(b), isCode('ERR_TIO_AEAD_BATCH'));
  }
});

test('wrappers: direction, closed, key and cipher errors', () => {
  const b = new AeadBatch(1).reset(new Uint8Array(64));
  for (const aead of both('seal')) {
    assert.throws(() => aead.open(b), isCode('ERR_TIO_AEAD_DIRECTION'));
    aead.close();
    aead.close();
    assert.throws(() => aead.seal(b), isCode('ERR_TIO_AEAD_CLOSED'));
  }
  for (const Ctor of [BatchAead, ReferenceAead]) {
    assert.throws(() => new Ctor('aes', new Uint8Array(16), 'seal'), isCode('ERR_TIO_AEAD_KEY'));
    assert.throws(() => new Ctor('des' as 'aes', new Uint8Array(32), 'seal'), isCode('ERR_TIO_AEAD_CIPHER'));
    assert.throws(() => new Ctor('aes', new Uint8Array(32), 'both' as 'seal'), isCode('ERR_TIO_AEAD_DIRECTION'));
  }
});

test('contexts left to the garbage collector are freed by their finalizer without harm', () => {
  for (let i = 0; i < 5000; i++) new BatchAead(i % 2 ? 'aes' : 'chachapoly', randomBytes(32), 'seal');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
});

for (const [cipher, name] of [[0, 'aes'], [1, 'chachapoly']] as const) {
  test(`${name}: sealTo/openTo refuse a source partially overlapping its destination (-EINVAL, nothing written); identical or disjoint is fine`, () => {
    const seal = handle(cipher, true);
    const open = handle(cipher, false);
    const PLAIN = 64;
    // sealTo: packet at 32 in buf, so ciphertext + tag are written to buf[48, 128); view shifts src by 1.
    for (const [view, at, ok] of [
      [0, 48, true], [0, 128, true], [0, 160, true], [1, 47, true],
      [0, 0, false], [0, 47, false], [0, 49, false], [0, 120, false], [1, 48, false], [0, 127, false],
    ] as const) {
      const buf = pattern(LEN, 4);
      const src = buf.subarray(view);
      const r = native.aeadSealTo(seal, 1, src, Int32Array.of(at), Int32Array.of(PLAIN), buf, Int32Array.of(32));
      assert.equal(r, ok ? 1 : -EINVAL, `sealTo src view+${view} at ${at}`);
      if (!ok) assert.equal(hex(buf), hex(pattern(LEN, 4)), `nothing written for src at ${at}`);
    }
    // openTo: the packet is buf[32, 128); its plaintext (64 bytes) goes to dst (view shifts dst by 1).
    for (const [view, at, ok] of [
      [0, 48, true], [0, 128, true], [0, 192, true], [1, 47, true],
      [0, 0, false], [0, 47, false], [0, 49, false], [0, 100, false], [1, 48, false],
    ] as const) {
      const buf = pattern(LEN, 5);
      const out = Int32Array.of(7);
      const dst = buf.subarray(view);
      const r = native.aeadOpenTo(open, 1, buf, Int32Array.of(32), Int32Array.of(PLAIN + 32), dst, Int32Array.of(at), out);
      // An accepted call fails authentication on these random bytes: 0 authenticated, out -1.
      assert.equal(r, ok ? 0 : -EINVAL, `openTo dst view+${view} at ${at}`);
      if (!ok) {
        assert.equal(out[0], 7);
        assert.equal(hex(buf), hex(pattern(LEN, 5)), `nothing written for dst at ${at}`);
      }
    }
    // The first packet is fine, the second overlaps: refused before the first is sealed.
    const buf = pattern(LEN, 6);
    assert.equal(native.aeadSealTo(seal, 2, buf, Int32Array.of(200, 17), Int32Array.of(8, 8), buf, Int32Array.of(0, 0)), -EINVAL);
    assert.equal(hex(buf), hex(pattern(LEN, 6)));
  });
}

test('wrappers: a partially overlapping batch throws ERR_TIO_AEAD_OVERLAP naming the packet, nothing written', () => {
  for (const aead of both('seal')) {
    const buf = pattern(LEN, 7);
    const b = new AeadBatch(2).reset(buf, buf.subarray(8));
    b.addFrom(200, 10, 100); // src absolute 208 .. 218, ciphertext + tag at 116 .. 142: disjoint
    b.addFrom(0, 40, 0); // src absolute 8 .. 48, ciphertext at 16 .. 56: partial
    assert.throws(() => aead.seal(b), (e: unknown) => isCode('ERR_TIO_AEAD_OVERLAP')(e) && /packet 1/.test((e as Error).message));
    assert.equal(hex(buf), hex(pattern(LEN, 7)));
  }
  for (const aead of both('open')) {
    const buf = pattern(LEN, 7);
    const b = new AeadBatch(1).reset(buf.subarray(4), buf);
    b.addFrom(0, 64, 0); // plaintext to absolute 4, packet at 0 .. 64: partial
    b.out.fill(9);
    assert.throws(() => aead.open(b), isCode('ERR_TIO_AEAD_OVERLAP'));
    assert.equal(hex(buf), hex(pattern(LEN, 7)));
    assert.deepEqual([...b.out], [9]);
  }
});
