// Authentication: a packet with any flipped bit (header = AD, ciphertext, tag)
// or too short to hold header and tag gets out[i] = -1, and the rest of its
// batch still opens.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { AeadBatch, BatchAead, ReferenceAead } from '../../../src/tunnel/aead/index.js';
import { HDR, TAG, batchFor, cipherArb, hex, layout, packetArb } from './packets.js';

const RUNS = { seed: 0xbad, numRuns: 150 };

test('a tampered packet fails alone; the others in the batch open', () => {
  fc.assert(
    fc.property(
      cipherArb,
      fc.array(packetArb, { minLength: 1, maxLength: 8 }),
      fc.nat(),
      fc.constantFrom('header' as const, 'ciphertext' as const, 'tag' as const),
      fc.nat(),
      fc.integer({ min: 0, max: 7 }),
      (cipher, specs, victimSeed, where, posSeed, bit) => {
        const key = randomBytes(32);
        const l = layout(specs);
        const buf = l.buf.slice();
        new BatchAead(cipher, key, 'seal').seal(batchFor(l, 'seal', buf));
        const victim = victimSeed % specs.length;
        const v = specs[victim]!;
        const region = where === 'ciphertext' && v.len === 0 ? 'tag' : where;
        const start = l.offs[victim]! + (region === 'header' ? 0 : region === 'ciphertext' ? HDR : HDR + v.len);
        const size = region === 'header' ? HDR : region === 'ciphertext' ? v.len : TAG;
        buf[start + (posSeed % size)]! ^= 1 << bit;

        for (const opener of [new BatchAead(cipher, key, 'open'), new ReferenceAead(cipher, key, 'open')]) {
          const copy = buf.slice();
          const b = batchFor(l, 'open', copy);
          assert.equal(opener.open(b), specs.length - 1, `${opener.constructor.name} ${region}`);
          specs.forEach((p, i) => {
            if (i === victim) {
              assert.equal(b.out[i], -1);
            } else {
              assert.equal(b.out[i], p.len);
              assert.equal(hex(copy.subarray(l.offs[i]! + HDR, l.offs[i]! + HDR + p.len)), hex(l.plains[i]!));
            }
          });
        }
      },
    ),
    RUNS,
  );
});

test('packets shorter than 32 bytes get -1 without being read past their end', () => {
  for (const cipher of ['aes', 'chachapoly'] as const) {
    const key = randomBytes(32);
    const good = layout([{ len: 20, counter: 3n, index: 1, gap: 0, seed: 5 }]);
    new BatchAead(cipher, key, 'seal').seal(batchFor(good, 'seal'));
    // A good packet first, then every short length 0..31, the last ones ending exactly at the buffer's end.
    for (const opener of [new BatchAead(cipher, key, 'open'), new ReferenceAead(cipher, key, 'open')]) {
      for (let short = 0; short < 32; short++) {
        const buf = new Uint8Array(good.buf.length + short);
        buf.set(good.buf);
        buf.fill(0x5a, good.buf.length);
        const b = new AeadBatch(2).reset(buf);
        b.add(0, good.buf.length);
        b.add(good.buf.length, short);
        assert.equal(opener.open(b), 1, `${cipher} short ${short}`);
        assert.equal(b.out[0], 20);
        assert.equal(b.out[1], -1);
        assert.equal(hex(buf.subarray(good.buf.length)), '5a'.repeat(short), 'short packet left untouched');
      }
    }
  }
});

test('a packet sealed under another key or cipher does not open', () => {
  const l = layout([{ len: 1400, counter: 99n, index: 1, gap: 0, seed: 3 }]);
  const key = randomBytes(32);
  for (const [sealCipher, openCipher, sameKey] of [['aes', 'aes', false], ['aes', 'chachapoly', true], ['chachapoly', 'aes', true]] as const) {
    const buf = l.buf.slice();
    new BatchAead(sealCipher, key, 'seal').seal(batchFor(l, 'seal', buf));
    const b = batchFor(l, 'open', buf);
    assert.equal(new BatchAead(openCipher, sameKey ? key : randomBytes(32), 'open').open(b), 0);
    assert.equal(b.out[0], -1);
  }
});

test('an empty plaintext (closeTunnel, test request) is a 32-byte packet that round-trips', () => {
  for (const cipher of ['aes', 'chachapoly'] as const) {
    const key = randomBytes(32);
    const l = layout([{ len: 0, counter: 6n, index: 0xabcdef01, gap: 0, seed: 1 }]);
    new BatchAead(cipher, key, 'seal').seal(batchFor(l, 'seal'));
    assert.equal(l.buf.length, 32);
    const ref = layout(l.specs);
    new ReferenceAead(cipher, key, 'seal').seal(batchFor(ref, 'seal'));
    assert.equal(hex(l.buf), hex(ref.buf));
    const b = batchFor(l, 'open');
    assert.equal(new BatchAead(cipher, key, 'open').open(b), 1);
    assert.equal(b.out[0], 0);
  }
});
