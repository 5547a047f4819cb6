// CaPool loading rules of cert/ca.go: only self-signed IsCA certificates load;
// expired CAs load (nebula warns) and are reported; lookups by fingerprint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CaPool, CertError, fingerprintHex, parseCertificatePem, parseEd25519PrivateKeyPem, signCertificate,
} from '../../../src/tunnel/cert/index.js';
import { nebulaCertSkip, useStandardPki } from './pki.js';

const skip = nebulaCertSkip;
const p = useStandardPki();

const reasonIs = (reason: string) => (e: unknown): boolean => e instanceof CertError && e.reason === reason;

test('one or many CAs load; get() and fingerprints() by fingerprint', { skip }, () => {
  const pool = CaPool.fromPem(p.ca.crt + p.other.crt);
  const ca = parseCertificatePem(p.ca.crt);
  assert.equal(pool.size, 2);
  assert.deepEqual(pool.fingerprints().sort(), [fingerprintHex(ca), fingerprintHex(parseCertificatePem(p.other.crt))].sort());
  assert.equal(pool.get(fingerprintHex(ca).toUpperCase())?.cert.details.name, 't-ca');
  assert.equal(pool.get('00'), undefined);
  assert.equal(pool.caFor(parseCertificatePem(p.a.crt)).fingerprint, fingerprintHex(ca));
  // Loading the same CA twice keeps one entry.
  pool.addPem(p.ca.crt);
  assert.equal(pool.size, 2);
});

test('a host certificate is not-ca; a CA with altered details is not-self-signed; nothing partial is added', { skip }, () => {
  assert.throws(() => CaPool.fromPem(p.a.crt), reasonIs('not-ca'));
  const ca = parseCertificatePem(p.ca.crt);
  const pool = new CaPool();
  assert.throws(() => pool.add({ details: { ...ca.details, name: 'evil' }, signature: ca.signature }), reasonIs('not-self-signed'));
  // An IsCA cert signed by another CA's key is not self-signed either.
  const forged = signCertificate({ ...ca.details, name: 'sub' }, parseEd25519PrivateKeyPem(p.other.key));
  assert.throws(() => pool.add(forged), reasonIs('not-self-signed'));
  assert.throws(() => pool.addPem(p.ca.crt + p.a.crt), reasonIs('not-ca'));
  assert.equal(pool.size, 0);
  assert.throws(() => CaPool.fromPem('garbage'), reasonIs('bad-pem'));
});

test('an expired CA still loads and is listed by expired()', { skip }, () => {
  const pool = CaPool.fromPem(p.ca.crt);
  const ca = parseCertificatePem(p.ca.crt);
  assert.deepEqual(pool.expired(), []);
  assert.equal(pool.expired(new Date(Number(ca.details.notAfter + 1n) * 1000))[0]?.cert.details.name, 't-ca');
});
