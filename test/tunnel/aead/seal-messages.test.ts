// sealMessages: headers written natively plus an in-place seal must equal
// encodeHeader (the TS header codec) followed by an ordinary batch seal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AeadBatch, AeadError, BatchAead } from '../../../src/tunnel/aead/index.js';
import { SUBTYPE_MESSAGE_NONE, TYPE_MESSAGE, encodeHeader } from '../../../src/tunnel/wire/index.js';
import { nativeAvailable } from '../../../src/native.js';
import { HDR, TAG, cipherArb, hex, lenArb, pattern } from './packets.js';

const skip = nativeAvailable ? undefined : 'native addon not built';

test('sealMessages equals encodeHeader + seal byte for byte, counters running across the 2^32 boundary, only [from, to) touched', { skip }, () => {
  fc.assert(
    fc.property(
      cipherArb,
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.array(lenArb, { minLength: 1, maxLength: 10 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.oneof(fc.integer({ min: 3, max: 1000 }), fc.integer({ min: 2 ** 32 - 5, max: 2 ** 32 + 5 }), fc.constant(2 ** 53 - 20)),
      fc.nat(),
      (cipher, key, lens, remoteIndex, first, pick) => {
        const n = lens.length;
        const from = pick % n;
        const to = from + ((pick >>> 4) % (n - from + 1));
        const plainOffs = new Int32Array(n);
        const plainLens = Int32Array.from(lens);
        let at = 0;
        for (let i = 0; i < n; i++) {
          at += HDR;
          plainOffs[i] = at;
          at += lens[i]! + TAG + (i % 3);
        }
        const base = Buffer.alloc(at + 5, 0xee);
        lens.forEach((l, i) => base.set(pattern(l, i + 1), plainOffs[i]!));
        const viaNative = Buffer.from(base);
        const viaTs = Buffer.from(base);
        const a = new BatchAead(cipher, key, 'seal');
        const b = new BatchAead(cipher, key, 'seal');
        assert.equal(a.sealMessages(viaNative, plainOffs, plainLens, from, to, remoteIndex, first), to - from);
        const batch = new AeadBatch(Math.max(1, n)).reset(viaTs);
        for (let i = from; i < to; i++) {
          encodeHeader(viaTs, plainOffs[i]! - HDR, TYPE_MESSAGE, SUBTYPE_MESSAGE_NONE, remoteIndex, first + (i - from));
          batch.add(plainOffs[i]! - HDR, lens[i]!);
        }
        b.seal(batch);
        assert.equal(hex(viaNative), hex(viaTs));
        a.close();
        b.close();
      },
    ),
    { seed: 0x5ea1, numRuns: 150 },
  );
});

test('sealMessages refuses a range outside the index arrays or a packet without header room, and a closed or opening context', { skip }, () => {
  const key = new Uint8Array(32).fill(1);
  const a = new BatchAead('aes', key, 'seal');
  const buf = Buffer.alloc(200);
  const offs = Int32Array.of(16, 100);
  const lens = Int32Array.of(10, 10);
  assert.throws(() => a.sealMessages(buf, offs, lens, 1, 3, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_RANGE');
  assert.throws(() => a.sealMessages(buf, Int32Array.of(15), Int32Array.of(10), 0, 1, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_RANGE', 'no header room');
  assert.throws(() => a.sealMessages(buf, Int32Array.of(180), Int32Array.of(10), 0, 1, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_RANGE', 'no tag room');
  assert.ok(buf.every((x) => x === 0), 'nothing written by a refused call');
  const o = new BatchAead('aes', key, 'open');
  assert.throws(() => o.sealMessages(buf, offs, lens, 0, 2, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_DIRECTION');
  a.close();
  o.close();
  assert.throws(() => a.sealMessages(buf, offs, lens, 0, 2, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_CLOSED');
});
