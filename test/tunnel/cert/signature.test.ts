// Ed25519 is deterministic, so re-signing nebula-cert's details with the CA key
// must reproduce nebula-cert's signature: proof that the signed bytes are right.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CertError, checkSignature, ed25519Sign, ed25519Verify, parseCertificatePem, parseEd25519PrivateKeyPem, signCertificate,
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
