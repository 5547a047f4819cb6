// Startup checks of our own certificate (pki.go): not expired, an IP, a prefix mask,
// and a private key that derives the certificate's public key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CertError, certNetwork, checkOwnCertificate, parseCertificatePem, parseEd25519PrivateKeyPem, parseX25519PrivateKeyPem,
  verifyPrivateKey, type CertErrorReason,
} from '../../../src/tunnel/cert/index.js';
import { nebulaCertSkip, useStandardPki } from './pki.js';

const skip = nebulaCertSkip;
const p = useStandardPki();

function fails(reason: CertErrorReason, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof CertError && e.reason === reason);
}

test('own certificate and its key pass', { skip }, () => {
  checkOwnCertificate(parseCertificatePem(p.a.crt), parseX25519PrivateKeyPem(p.a.key));
  // A CA and its Ed25519 key pass verifyPrivateKey too (cert.go VerifyPrivateKey).
  verifyPrivateKey(parseCertificatePem(p.ca.crt), parseEd25519PrivateKeyPem(p.ca.key));
});

test('key-mismatch: another host\'s key, another CA\'s key', { skip }, () => {
  fails('key-mismatch', () => checkOwnCertificate(parseCertificatePem(p.a.crt), parseX25519PrivateKeyPem(p.b.key)));
  fails('key-mismatch', () => verifyPrivateKey(parseCertificatePem(p.ca.crt), parseEd25519PrivateKeyPem(p.other.key)));
  fails('bad-key', () => verifyPrivateKey(parseCertificatePem(p.ca.crt), parseX25519PrivateKeyPem(p.a.key)));
  fails('bad-key', () => checkOwnCertificate(parseCertificatePem(p.a.crt), new Uint8Array(31)));
});

test('expired, no-ips and bad-mask', { skip }, () => {
  const a = parseCertificatePem(p.a.crt);
  const key = parseX25519PrivateKeyPem(p.a.key);
  fails('expired', () => checkOwnCertificate(a, key, new Date(Number(a.details.notAfter + 1n) * 1000)));
  fails('no-ips', () => checkOwnCertificate({ ...a, details: { ...a.details, ips: [] } }, key));
  fails('bad-mask', () => checkOwnCertificate({ ...a, details: { ...a.details, ips: [certNetwork(0xc6130001, 0xff00ff00)] } }, key));
});
