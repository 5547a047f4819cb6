// Noise building blocks: initial h per docs/PROTOCOL.md "Noise primitives", HKDF against the
// spec's HMAC construction, per-cipher nonce byte order, CipherState bookkeeping.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CipherState, NoiseError, PROTOCOL_NAMES, SymmetricState, aeadOpen, aeadSeal, hkdf2, initialHash, noiseNonce,
} from '../../../src/tunnel/noise/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const isNoise = (reason: string) => (e: unknown): boolean => e instanceof NoiseError && e.reason === reason && e.code === 'ERR_TIO_NOISE';

test('initial h after MixHash(empty prologue) is the value nebula 1.6.1 uses (docs/PROTOCOL.md "Noise primitives")', () => {
  assert.equal(hex(SymmetricState.initialize('aes').handshakeHash), 'fa8036af1df9e55b2fbbf8c88d86be3f7392d38033bd67926b9b0143f8ea5782');
  assert.equal(hex(SymmetricState.initialize('chachapoly').handshakeHash), '74cefe972107f9a1793627299a4734e57ec647354486d1c7b1d59030cb154364');
  assert.equal(PROTOCOL_NAMES.aes.length, 28);
  assert.equal(PROTOCOL_NAMES.chachapoly.length, 32);
  // Names up to 32 bytes are padded, longer ones hashed (Noise spec §5.2 InitializeSymmetric).
  assert.equal(hex(initialHash('ab')), '6162' + '00'.repeat(30));
  assert.equal(initialHash('x'.repeat(33)).length, 32);
  assert.notEqual(hex(initialHash('x'.repeat(33)).subarray(0, 2)), '7878');
});

test('hkdf2 equals the Noise spec\'s HKDF written out in HMAC-SHA256 (empty input key too)', () => {
  const hmac = (key: Uint8Array, ...parts: Uint8Array[]): Buffer => parts.reduce((h, p) => h.update(p), createHmac('sha256', key)).digest();
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), (ck, ikm) => {
    const [o1, o2] = hkdf2(ck, ikm);
    const temp = hmac(ck, ikm);
    const r1 = hmac(temp, Uint8Array.of(1));
    assert.equal(hex(o1), hex(r1));
    assert.equal(hex(o2), hex(hmac(temp, r1, Uint8Array.of(2))));
  }), { seed: 11, numRuns: 200, examples: [[new Uint8Array(32), new Uint8Array(0)]] });
});

test('nonce: 4 zero bytes then the counter, BE for aes, LE for chachapoly (docs/PROTOCOL.md "Keys and nonces")', () => {
  assert.equal(hex(noiseNonce('aes', 3n)), '000000000000000000000003');
  assert.equal(hex(noiseNonce('chachapoly', 3n)), '000000000300000000000000');
  assert.equal(hex(noiseNonce('aes', 0n)), '00'.repeat(12));
  assert.equal(hex(noiseNonce('aes', 0x0102030405060708n)), '000000000102030405060708');
  assert.equal(hex(noiseNonce('chachapoly', 0x0102030405060708n)), '000000000807060504030201');
});

test('CipherState: passthrough without a key; nonce advances on success only', () => {
  const cs = new CipherState('aes');
  assert.equal(cs.hasKey, false);
  assert.deepEqual([...cs.encryptWithAd(Uint8Array.of(1), Uint8Array.of(9, 8))], [9, 8]);
  cs.initializeKey(new Uint8Array(32).fill(1));
  const c0 = cs.encryptWithAd(Uint8Array.of(1), Uint8Array.of(9, 8));
  assert.equal(c0.length, 2 + 16);
  assert.equal(cs.nonce, 1n);
  const rx = new CipherState('aes', new Uint8Array(32).fill(1));
  const bad = Uint8Array.from(c0);
  bad[0]! ^= 1;
  assert.throws(() => rx.decryptWithAd(Uint8Array.of(1), bad), isNoise('decrypt-failed'));
  assert.equal(rx.nonce, 0n);
  assert.throws(() => rx.decryptWithAd(Uint8Array.of(2), c0), isNoise('decrypt-failed'), 'AD is authenticated');
  assert.deepEqual([...rx.decryptWithAd(Uint8Array.of(1), c0)], [9, 8]);
  assert.equal(rx.nonce, 1n);
  assert.throws(() => rx.decryptWithAd(Uint8Array.of(1), new Uint8Array(15)), isNoise('truncated'));
  assert.throws(() => new CipherState('aes', new Uint8Array(31)), isNoise('bad-key'));
});

test('aeadSeal/aeadOpen round trip for both ciphers and refuse the other cipher', () => {
  const key = new Uint8Array(32).fill(5);
  for (const [c, other] of [['aes', 'chachapoly'], ['chachapoly', 'aes']] as const) {
    const n = noiseNonce(c, 7n);
    const sealed = aeadSeal(c, key, n, Uint8Array.of(1, 2), Uint8Array.of(3, 4, 5));
    assert.deepEqual([...aeadOpen(c, key, n, Uint8Array.of(1, 2), sealed)], [3, 4, 5]);
    assert.throws(() => aeadOpen(other, key, n, Uint8Array.of(1, 2), sealed), isNoise('decrypt-failed'));
  }
  assert.throws(() => aeadSeal('aes', new Uint8Array(16), noiseNonce('aes', 0n), new Uint8Array(0), new Uint8Array(0)), isNoise('bad-key'));
});
