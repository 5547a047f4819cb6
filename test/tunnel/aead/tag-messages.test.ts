// tagMessages / verify: the batched relayed-packet tag (docs/PROTOCOL.md "Relays") must equal the
// node:crypto reference (RelayTag) byte for byte, and verify must reject exactly the tampered packets
// of a batch while the rest authenticate, writing nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AeadBatch, AeadError, BatchAead } from '../../../src/tunnel/aead/index.js';
import { RelayTag } from '../../../src/tunnel/relay/index.js';
import { SUBTYPE_MESSAGE_RELAY, TYPE_MESSAGE, encodeHeader } from '../../../src/tunnel/wire/index.js';
import { nativeAvailable } from '../../../src/native.js';
import { HDR, TAG, cipherArb, hex, lenArb, pattern } from './packets.js';

const skip = nativeAvailable ? undefined : 'native addon not built';

/** Inner packets of the given lengths laid out with header and tag room and a gap of i % 3 bytes. */
function layout(lens: readonly number[]): { buf: Buffer; innerOffs: Int32Array; innerLens: Int32Array; end: number } {
  const innerOffs = new Int32Array(lens.length);
  let at = 0;
  for (let i = 0; i < lens.length; i++) {
    at += HDR;
    innerOffs[i] = at;
    at += lens[i]! + TAG + (i % 3);
  }
  const buf = Buffer.alloc(at + 5, 0xee);
  lens.forEach((l, i) => buf.set(pattern(l, i + 1), innerOffs[i]!));
  return { buf, innerOffs, innerLens: Int32Array.from(lens), end: at };
}

test('tagMessages equals encodeHeader + the node:crypto reference tag byte for byte, mixed sizes, only [from, to) touched', { skip }, () => {
  fc.assert(
    fc.property(
      cipherArb,
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.array(lenArb, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.oneof(fc.integer({ min: 3, max: 1000 }), fc.integer({ min: 2 ** 32 - 5, max: 2 ** 32 + 5 })),
      fc.nat(),
      (cipher, key, lens, remoteIndex, first, pick) => {
        const n = lens.length;
        const from = pick % n;
        const to = from + ((pick >>> 4) % (n - from + 1));
        const { buf, innerOffs, innerLens } = layout(lens);
        const viaNative = Buffer.from(buf);
        const viaTs = Buffer.from(buf);
        const a = new BatchAead(cipher, key, 'seal');
        assert.equal(a.tagMessages(viaNative, innerOffs, innerLens, from, to, remoteIndex, first), to - from);
        const ref = new RelayTag(cipher, key, key);
        for (let i = from; i < to; i++) {
          const at = innerOffs[i]! - HDR;
          encodeHeader(viaTs, at, TYPE_MESSAGE, SUBTYPE_MESSAGE_RELAY, remoteIndex, first + (i - from));
          assert.ok(ref.sign(viaTs, at, HDR + lens[i]! + TAG));
        }
        assert.equal(hex(viaNative), hex(viaTs));
        a.close();
      },
    ),
    { seed: 0x7a6, numRuns: 120 },
  );
});

for (const cipher of ['aes', 'chachapoly'] as const) {
  test(`${cipher}: verify rejects a tampered tag, header or body and a short packet, the rest of the batch authenticates, nothing is written`, { skip }, () => {
    const key = new Uint8Array(32).fill(7);
    const lens = [1400, 0, 1400, 37, 9000, 1400, 300];
    const { buf, innerOffs, innerLens } = layout(lens);
    const tagger = new BatchAead(cipher, key, 'seal');
    tagger.tagMessages(buf, innerOffs, innerLens, 0, lens.length, 0x01020304, 3);
    const batch = new AeadBatch(lens.length + 1).reset(buf);
    for (let i = 0; i < lens.length; i++) batch.add(innerOffs[i]! - HDR, HDR + lens[i]! + TAG);
    // Packet 0: a tag byte; packet 2: a header byte (the counter, so the nonce); packet 4: a body byte.
    buf[innerOffs[0]! + lens[0]! + 3]! ^= 1;
    buf[innerOffs[2]! - 1]! ^= 0x80;
    buf[innerOffs[4]! + 4500]! ^= 4;
    // One more packet, shorter than header and tag.
    batch.add(0, 31);
    const before = Buffer.from(buf);
    const checker = new BatchAead(cipher, key, 'open');
    assert.equal(checker.verify(batch), lens.length - 3);
    // out[i] is the body length: the inner packet, lens[i] here.
    assert.deepEqual([...batch.out.subarray(0, batch.count)], [-1, 0, -1, 37, -1, 1400, 300, -1]);
    assert.ok(before.equals(buf), 'verify wrote into the buffer');
    tagger.close();
    checker.close();
  });
}

test('tagMessages and verify refuse bad ranges, the wrong direction and a closed context', { skip }, () => {
  const key = new Uint8Array(32).fill(1);
  const s = new BatchAead('aes', key, 'seal');
  const o = new BatchAead('aes', key, 'open');
  const buf = Buffer.alloc(100);
  // No header room before the first inner packet; a tag past the end of the buffer.
  assert.throws(() => s.tagMessages(buf, Int32Array.of(8), Int32Array.of(10), 0, 1, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_RANGE');
  assert.throws(() => s.tagMessages(buf, Int32Array.of(16), Int32Array.of(70), 0, 1, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_RANGE');
  assert.throws(() => s.tagMessages(buf, Int32Array.of(16), Int32Array.of(10), 0, 2, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_RANGE');
  const batch = new AeadBatch(2).reset(buf);
  batch.add(90, 20);
  assert.throws(() => o.verify(batch), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_RANGE');
  assert.throws(() => s.verify(new AeadBatch(1).reset(buf)), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_DIRECTION');
  assert.throws(() => o.tagMessages(buf, Int32Array.of(16), Int32Array.of(10), 0, 1, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_DIRECTION');
  s.close();
  o.close();
  assert.throws(() => s.tagMessages(buf, Int32Array.of(16), Int32Array.of(10), 0, 1, 1, 3), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_CLOSED');
  assert.throws(() => o.verify(new AeadBatch(1).reset(buf)), (e: unknown) => e instanceof AeadError && e.code === 'ERR_TIO_AEAD_CLOSED');
});
