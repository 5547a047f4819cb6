// Handshake certificates: sent without PublicKey, recombined with the Noise static
// key on receipt, then verified (docs/PROTOCOL.md "Static key and certificate").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CaPool, CertError, marshalCertificate, marshalHandshakeCertificate, parseCertificate, parseCertificatePem,
  recombineHandshakeCertificate, verifyCertificate,
} from '../../../src/tunnel/cert/index.js';
import { hex, nebulaCertSkip, useStandardPki } from './pki.js';

const skip = nebulaCertSkip;
const p = useStandardPki();

test('the handshake form omits field 7 and nothing else', { skip }, () => {
  const a = parseCertificatePem(p.a.crt);
  const raw = marshalHandshakeCertificate(a);
  assert.equal(marshalCertificate(a).length - raw.length, 34, 'tag, length and 32 key bytes');
  assert.ok(!hex(raw).includes('3a20' + hex(a.details.publicKey)));
  assert.throws(() => parseCertificate(raw), (e: unknown) => e instanceof CertError && e.reason === 'malformed');
  const back = parseCertificate(raw, { allowMissingPublicKey: true });
  assert.equal(back.details.publicKey.length, 0);
  assert.equal(back.details.name, 'a');
});

test('recombined with the right static key it verifies; with another key the signature fails', { skip }, () => {
  const a = parseCertificatePem(p.a.crt);
  const pool = CaPool.fromPem(p.ca.crt);
  const raw = marshalHandshakeCertificate(a);
  const rc = recombineHandshakeCertificate(raw, a.details.publicKey);
  assert.equal(hex(marshalCertificate(rc)), hex(marshalCertificate(a)));
  assert.equal(verifyCertificate(rc, pool).cert.details.name, 'a');
  const bKey = parseCertificatePem(p.b.crt).details.publicKey;
  assert.throws(() => verifyCertificate(recombineHandshakeCertificate(raw, bKey), pool),
    (e: unknown) => e instanceof CertError && e.reason === 'bad-signature');
});

test('a full certificate works too, and its PublicKey is overwritten by the static key', { skip }, () => {
  const a = parseCertificatePem(p.a.crt);
  const b = parseCertificatePem(p.b.crt);
  const full = marshalCertificate(a);
  assert.equal(hex(recombineHandshakeCertificate(full, a.details.publicKey).details.publicKey), hex(a.details.publicKey));
  assert.equal(hex(recombineHandshakeCertificate(full, b.details.publicKey).details.publicKey), hex(b.details.publicKey));
});

test('bad input is typed: empty, garbage, wrong static key length', () => {
  const isCert = (reason: string) => (e: unknown): boolean => e instanceof CertError && e.reason === reason;
  assert.throws(() => recombineHandshakeCertificate(new Uint8Array(0), new Uint8Array(32)), isCert('malformed'));
  assert.throws(() => recombineHandshakeCertificate(Uint8Array.of(0xff, 0xff), new Uint8Array(32)), isCert('malformed'));
  assert.throws(() => recombineHandshakeCertificate(Uint8Array.of(0x0a, 0x00), new Uint8Array(31)), isCert('bad-key'));
});
