// Nonce byte order per cipher (docs/PROTOCOL.md "Keys and nonces"), checked by
// sealing with the code under test and with node:crypto given the literal nonce.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  AeadBatch, BatchAead, CIPHERS, type CipherName, ReferenceAead, nonceFor, parseCipher, writeNonceFromHeader,
} from '../../../src/tunnel/aead/index.js';
import { HDR, TAG, hex, writeHeader } from './packets.js';

/** Seals `plain` with node:crypto under a nonce given as hex, AD = header; returns ciphertext || tag. */
function nodeSeal(cipher: CipherName, key: Uint8Array, nonceHex: string, header: Uint8Array, plain: Uint8Array): string {
  const nonce = Buffer.from(nonceHex, 'hex');
  const c = cipher === 'aes'
    ? createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG })
    : createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  c.setAAD(header);
  return hex(Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]));
}

const CASES: readonly (readonly [CipherName, bigint, string])[] = [
  ['aes', 3n, '000000000000000000000003'],
  ['chachapoly', 3n, '000000000300000000000000'],
  ['aes', 0x0102030405060708n, '000000000102030405060708'],
  ['chachapoly', 0x0102030405060708n, '000000000807060504030201'],
  ['aes', 1n << 32n, '000000000000000100000000'],
  ['chachapoly', 1n << 32n, '000000000000000001000000'],
];

for (const [cipher, counter, nonceHex] of CASES) {
  test(`${cipher} counter ${counter.toString(16)} -> nonce ${nonceHex} (native, reference, nonce builders)`, () => {
    assert.equal(hex(nonceFor(cipher, counter)), nonceHex);
    const key = randomBytes(32);
    const plain = randomBytes(100);
    const buf = new Uint8Array(HDR + plain.length + TAG);
    writeHeader(buf, 0, 0x12345678, counter);
    buf.set(plain, HDR);
    const fromHeader = new Uint8Array(14).fill(0xaa);
    writeNonceFromHeader(cipher, buf, 0, fromHeader, 1);
    assert.equal(hex(fromHeader), `aa${nonceHex}aa`);

    const expected = nodeSeal(cipher, key, nonceHex, buf.subarray(0, HDR), plain);
    for (const aead of [new BatchAead(cipher, key, 'seal'), new ReferenceAead(cipher, key, 'seal')]) {
      const b = buf.slice();
      const batch = new AeadBatch(1).reset(b);
      batch.add(0, plain.length);
      assert.equal(aead.seal(batch), 1);
      assert.equal(hex(b.subarray(0, HDR)), hex(buf.subarray(0, HDR)));
      assert.equal(hex(b.subarray(HDR)), expected, aead.constructor.name);
    }
  });
}

test('the other byte order does not authenticate (the classic interop bug)', () => {
  const key = randomBytes(32);
  const buf = new Uint8Array(HDR + 10 + TAG);
  writeHeader(buf, 0, 1, 3n);
  const wrong = nodeSeal('chachapoly', key, '000000000000000000000003', buf.subarray(0, HDR), new Uint8Array(10));
  buf.set(Buffer.from(wrong, 'hex'), HDR);
  const b = new AeadBatch(1).reset(buf);
  b.add(0, buf.length);
  assert.equal(new BatchAead('chachapoly', key, 'open').open(b), 0);
  assert.equal(b.out[0], -1);
});

test('cipher names map to nebula config, node:crypto and Noise names', () => {
  assert.equal(parseCipher('aes'), 'aes');
  assert.equal(parseCipher('chachapoly'), 'chachapoly');
  for (const bad of ['AES', 'aes-256-gcm', 'chacha', '', undefined, 1]) {
    assert.throws(() => parseCipher(bad), (e: unknown) => (e as { code?: string }).code === 'ERR_TIO_AEAD_CIPHER');
  }
  assert.equal(CIPHERS.aes.nodeName, 'aes-256-gcm');
  assert.equal(CIPHERS.chachapoly.nodeName, 'chacha20-poly1305');
  assert.equal(CIPHERS.aes.noiseName, 'AESGCM');
  assert.equal(CIPHERS.chachapoly.noiseName, 'ChaChaPoly');
});

test('nonceFor refuses counters outside u64', () => {
  assert.throws(() => nonceFor('aes', -1n), RangeError);
  assert.throws(() => nonceFor('aes', 1n << 64n), RangeError);
  assert.equal(hex(nonceFor('aes', (1n << 64n) - 1n)), '00000000ffffffffffffffff');
});
