// Key PEMs written by nebula-cert: sizes, banners, byte-identical re-encoding, and
// that the keys belong to their certificates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CertError, ed25519PrivateKeyToPem, ed25519PublicKey, ed25519PublicKeyToPem, parseCertificatePem, parseEd25519PrivateKeyPem,
  parseEd25519PublicKeyPem, parseX25519PrivateKeyPem, parseX25519PublicKeyPem, x25519PrivateKeyToPem, x25519PublicKeyToPem,
} from '../../../src/tunnel/cert/index.js';
import { x25519PublicKey } from '../../../src/tunnel/noise/index.js';
import { hex, nebulaCertSkip, useStandardPki } from './pki.js';

const skip = nebulaCertSkip;
const p = useStandardPki();

test('host X25519 private key: 32 bytes, derives the certificate public key, re-encodes identically', { skip }, () => {
  const key = parseX25519PrivateKeyPem(p.a.key);
  assert.equal(key.length, 32);
  assert.equal(hex(x25519PublicKey(key)), hex(parseCertificatePem(p.a.crt).details.publicKey));
  assert.equal(x25519PrivateKeyToPem(key), p.a.key);
});

test('CA Ed25519 private key: 64 bytes = seed || public, public equals the CA certificate key', { skip }, () => {
  const key = parseEd25519PrivateKeyPem(p.ca.key);
  assert.equal(key.length, 64);
  const pub = parseCertificatePem(p.ca.crt).details.publicKey;
  assert.equal(hex(key.subarray(32)), hex(pub));
  assert.equal(hex(ed25519PublicKey(key.subarray(0, 32))), hex(pub));
  assert.equal(ed25519PrivateKeyToPem(key), p.ca.key);
  assert.deepEqual([...parseEd25519PublicKeyPem(ed25519PublicKeyToPem(pub))], [...pub]);
});

test('nebula-cert keygen public key PEM parses and matches its private key', { skip }, () => {
  const k = p.pki.keygen('kg');
  const pub = parseX25519PublicKeyPem(k.pub);
  assert.equal(hex(pub), hex(x25519PublicKey(parseX25519PrivateKeyPem(k.key))));
  assert.equal(x25519PublicKeyToPem(pub), k.pub);
});

test('wrong banner, wrong length and bad PEM are typed', () => {
  const reasonIs = (reason: string) => (e: unknown): boolean => e instanceof CertError && e.reason === reason;
  const x = x25519PrivateKeyToPem(new Uint8Array(32));
  assert.throws(() => parseEd25519PrivateKeyPem(x), reasonIs('wrong-banner'));
  assert.throws(() => parseX25519PublicKeyPem(x), reasonIs('wrong-banner'));
  const short = x.replace(/\n[^-].*\n/, '\nAAAA\n');
  assert.throws(() => parseX25519PrivateKeyPem(short), reasonIs('bad-key'));
  assert.throws(() => parseX25519PrivateKeyPem('nothing'), reasonIs('bad-pem'));
  assert.throws(() => x25519PrivateKeyToPem(new Uint8Array(31)), reasonIs('bad-key'));
  assert.throws(() => ed25519PrivateKeyToPem(new Uint8Array(32)), reasonIs('bad-key'));
});
