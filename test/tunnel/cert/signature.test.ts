// Ed25519 is deterministic, so re-signing nebula-cert's details with the CA key
// must reproduce nebula-cert's signature: proof that the signed bytes are right.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CertError, checkSignature, ed25519PublicKey, ed25519Sign, ed25519Verify, parseCertificatePem, parseEd25519PrivateKeyPem, signCertificate,
} from '../../../src/tunnel/cert/index.js';
import { hex, nebulaCertSkip, useStandardPki } from './pki.js';

const skip = nebulaCertSkip;
const p = useStandardPki();

test('signCertificate reproduces nebula-cert signatures byte for byte', { skip }, () => {
  const key = parseEd25519PrivateKeyPem(p.ca.key);
  for (const files of [p.ca, p.a, p.b]) {
    const cert = parseCertificatePem(files.crt);
    assert.equal(hex(signCertificate(cert.details, key).signature), hex(cert.signature), files.crtPath);
  }
});

test('checkSignature: right key, wrong key, wrong lengths', { skip }, () => {
  const a = parseCertificatePem(p.a.crt);
  const caPub = parseCertificatePem(p.ca.crt).details.publicKey;
  assert.ok(checkSignature(a, caPub));
  assert.ok(!checkSignature(a, parseCertificatePem(p.other.crt).details.publicKey));
  assert.ok(!checkSignature(a, caPub.subarray(0, 31)));
  assert.ok(!checkSignature({ ...a, signature: new Uint8Array(0) }, caPub));
});

test('ed25519Sign refuses keys whose halves disagree, or of the wrong length', () => {
  const key = new Uint8Array(64);
  assert.throws(() => ed25519Sign(key, new Uint8Array(1)), (e: unknown) => e instanceof CertError && e.reason === 'bad-key');
  assert.throws(() => ed25519Sign(new Uint8Array(32), new Uint8Array(1)), (e: unknown) => e instanceof CertError && e.reason === 'bad-key');
  assert.equal(ed25519Verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(64)), false);
});

test('ed25519Verify keeps keys by value: a key array changed in place verifies as its new key', () => {
  const seeds = Array.from({ length: 20 }, (_, i) => Uint8Array.from({ length: 32 }, (_, j) => i * 32 + j));
  const keys = seeds.map((seed) => {
    const pub = ed25519PublicKey(seed);
    return Uint8Array.from([...seed, ...pub]);
  });
  const msg = Uint8Array.of(1, 2, 3);
  const sigs = keys.map((k) => ed25519Sign(k, msg));
  const key = Uint8Array.from(keys[0]!.subarray(32));
  assert.equal(ed25519Verify(key, msg, sigs[0]!), true);
  key.set(keys[1]!.subarray(32)); // the same array now holds another key
  assert.equal(ed25519Verify(key, msg, sigs[0]!), false, 'the old key is not used for the new bytes');
  assert.equal(ed25519Verify(key, msg, sigs[1]!), true);
  // More keys than are kept imported: every one still verifies its own signature and no other.
  for (let round = 0; round < 2; round++) {
    keys.forEach((k, i) => {
      assert.equal(ed25519Verify(k.subarray(32), msg, sigs[i]!), true, `key ${i}`);
      assert.equal(ed25519Verify(k.subarray(32), msg, sigs[(i + 1) % keys.length]!), false, `key ${i}, another's signature`);
    });
  }
});

