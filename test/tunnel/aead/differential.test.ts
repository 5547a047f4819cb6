// Differential property tests: the native batch AEAD against the node:crypto
// reference, byte for byte, over random batches of both ciphers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { AeadBatch, BatchAead, type CipherName, type PacketAead, ReferenceAead } from '../../../src/tunnel/aead/index.js';
import { HDR, TAG, batchFor, cipherArb, hex, layout, packetArb, pattern } from './packets.js';

const RUNS = { seed: 0x7e1a, numRuns: 120 };
const batchArb = fc.array(packetArb, { minLength: 1, maxLength: 12 });
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

function pair(cipher: CipherName, key: Uint8Array, direction: 'seal' | 'open'): [PacketAead, PacketAead] {
  return [new BatchAead(cipher, key, direction), new ReferenceAead(cipher, key, direction)];
}

test('native seal equals the node:crypto reference byte for byte (in place)', () => {
  fc.assert(
    fc.property(cipherArb, keyArb, batchArb, (cipher, key, specs) => {
      const l = layout(specs, 7);
      const a = l.buf.slice();
      const b = l.buf.slice();
      const [nat, ref] = pair(cipher, key, 'seal');
      assert.equal(nat.seal(batchFor(l, 'seal', a)), specs.length);
      assert.equal(ref.seal(batchFor(l, 'seal', b)), specs.length);
      assert.equal(hex(a), hex(b));
      // Headers and gaps are never written.
      for (let i = 0; i < specs.length; i++) assert.equal(hex(a.subarray(l.offs[i], l.offs[i]! + HDR)), hex(l.buf.subarray(l.offs[i], l.offs[i]! + HDR)));
      assert.equal(hex(a.subarray(a.length - 7)), 'ee'.repeat(7));
      nat.close();
    }),
    RUNS,
  );
});

test('each side opens what the other sealed, and recovers the plaintext', () => {
  fc.assert(
    fc.property(cipherArb, keyArb, batchArb, fc.boolean(), (cipher, key, specs, nativeSeals) => {
      const l = layout(specs);
      const buf = l.buf.slice();
      const sealer = nativeSeals ? new BatchAead(cipher, key, 'seal') : new ReferenceAead(cipher, key, 'seal');
      const opener = nativeSeals ? new ReferenceAead(cipher, key, 'open') : new BatchAead(cipher, key, 'open');
      sealer.seal(batchFor(l, 'seal', buf));
      const ob = batchFor(l, 'open', buf);
      assert.equal(opener.open(ob), specs.length);
      specs.forEach((p, i) => {
        assert.equal(ob.out[i], p.len);
        assert.equal(hex(buf.subarray(l.offs[i]! + HDR, l.offs[i]! + HDR + p.len)), hex(l.plains[i]!));
      });
      sealer.close();
      opener.close();
    }),
    RUNS,
  );
});

test('sealTo (separate source) equals in-place seal, and openTo recovers the plaintext', () => {
  fc.assert(
    fc.property(cipherArb, keyArb, batchArb, fc.integer({ min: 0, max: 31 }), (cipher, key, specs, srcLead) => {
      const l = layout(specs);
      const inPlace = l.buf.slice();
      new ReferenceAead(cipher, key, 'seal').seal(batchFor(l, 'seal', inPlace));

      // Plaintexts packed in a separate source, destinations holding only headers.
      const src = new Uint8Array(srcLead + specs.reduce((s, p) => s + p.len, 0));
      const srcOffs: number[] = [];
      let at = srcLead;
      l.plains.forEach((p) => {
        srcOffs.push(at);
        src.set(p, at);
        at += p.length;
      });
      for (const aead of pair(cipher, key, 'seal')) {
        const dst = l.buf.slice();
        specs.forEach((p, i) => dst.fill(0, l.offs[i]! + HDR, l.offs[i]! + HDR + p.len + TAG));
        const b = new AeadBatch(specs.length).reset(dst, src);
        specs.forEach((p, i) => b.addFrom(srcOffs[i]!, p.len, l.offs[i]!));
        assert.equal(aead.seal(b), specs.length);
        assert.equal(hex(dst), hex(inPlace), aead.constructor.name);
      }

      for (const aead of pair(cipher, key, 'open')) {
        const plainOut = new Uint8Array(src.length).fill(0xcc);
        const b = new AeadBatch(specs.length).reset(plainOut, inPlace);
        specs.forEach((p, i) => b.addFrom(l.offs[i]!, HDR + p.len + TAG, srcOffs[i]!));
        const before = hex(inPlace);
        assert.equal(aead.open(b), specs.length);
        assert.equal(hex(plainOut.subarray(srcLead)), hex(src.subarray(srcLead)), aead.constructor.name);
        assert.equal(hex(plainOut.subarray(0, srcLead)), 'cc'.repeat(srcLead));
        assert.equal(hex(inPlace), before, 'openTo leaves its source alone');
      }
    }),
    { ...RUNS, numRuns: 60 },
  );
});

test('one context serves many batches (only the IV changes per packet)', () => {
  for (const cipher of ['aes', 'chachapoly'] as const) {
    const key = randomBytes(32);
    const nat = new BatchAead(cipher, key, 'seal');
    const ref = new ReferenceAead(cipher, key, 'seal');
    const natOpen = new BatchAead(cipher, key, 'open');
    for (let round = 0; round < 50; round++) {
      const specs = Array.from({ length: 64 }, (_, i) => ({ len: (round * 97 + i * 31) % 1500, counter: BigInt(3 + round * 64 + i), index: 7, gap: 0, seed: round * 64 + i + 1 }));
      const l = layout(specs);
      const a = l.buf.slice();
      const b = l.buf.slice();
      nat.seal(batchFor(l, 'seal', a));
      ref.seal(batchFor(l, 'seal', b));
      assert.equal(hex(a), hex(b), `${cipher} round ${round}`);
      assert.equal(natOpen.open(batchFor(l, 'open', a)), 64);
    }
  }
});

test('an empty batch is a no-op', () => {
  for (const cipher of ['aes', 'chachapoly'] as const) {
    const buf = pattern(64, 9);
    const b = new AeadBatch(4).reset(buf);
    for (const aead of [...pair(cipher, randomBytes(32), 'seal')]) assert.equal(aead.seal(b), 0);
    for (const aead of [...pair(cipher, randomBytes(32), 'open')]) assert.equal(aead.open(b), 0);
    assert.equal(hex(buf), hex(pattern(64, 9)));
  }
});
