import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CertError, fingerprintHex, verifyCertificate, precheckCertificate } from '../../../src/tunnel/cert/index.js';
import { makeFuzzPki } from '../../fuzz/pki.js';

test('a certificate whose signature verified is remembered by fingerprint; a bad signature never is', () => {
  const pki = makeFuzzPki();
  const good = pki.host('good', '198.19.0.5/16').cert;
  const fp = fingerprintHex(good);
  assert.equal(pki.pool.signatureKnownGood(fp), false);
  verifyCertificate(good, pki.pool);
  assert.equal(pki.pool.signatureKnownGood(fp), true, 'remembered after it verified');
  const sig = Uint8Array.from(good.signature);
  sig[0]! ^= 1;
  const bad = { ...good, signature: sig };
  assert.throws(() => verifyCertificate(bad, pki.pool), (e: unknown) => e instanceof CertError && e.reason === 'bad-signature');
  assert.equal(pki.pool.signatureKnownGood(fingerprintHex(bad)), false, 'a refused signature is not remembered');
});

test('the cheap checks refuse a blocklisted or expired certificate without a signature check, in nebula\'s order', () => {
  const pki = makeFuzzPki();
  const now = BigInt(Math.floor(Date.now() / 1000));
  const expired = pki.host('old', '198.19.0.6/16', { notBefore: now - 7200n, notAfter: now - 3600n }).cert;
  assert.throws(() => precheckCertificate(expired, pki.pool), (e: unknown) => e instanceof CertError && e.reason === 'expired');
  const h = pki.host('blocked', '198.19.0.7/16').cert;
  pki.pool.blocklist(fingerprintHex(h));
  assert.throws(() => precheckCertificate(h, pki.pool), (e: unknown) => e instanceof CertError && e.reason === 'blocklisted');
  assert.equal(pki.pool.signatureKnownGood(fingerprintHex(h)), false, 'nothing was verified');
});

test('the signature memory is bounded: the oldest fingerprint goes first', () => {
  const pki = makeFuzzPki();
  for (let i = 0; i < 4096; i++) pki.pool.rememberGoodSignature(i.toString(16).padStart(64, '0'));
  assert.ok(pki.pool.signatureKnownGood('0'.repeat(64)));
  pki.pool.rememberGoodSignature('f'.repeat(64));
  assert.equal(pki.pool.signatureKnownGood('0'.repeat(64)), false, 'the oldest was dropped');
  assert.ok(pki.pool.signatureKnownGood('f'.repeat(64)));
  assert.ok(pki.pool.signatureKnownGood((1).toString(16).padStart(64, '0')), 'the rest stay');
});
