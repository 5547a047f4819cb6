// verifyCertificate against nebula-cert PKIs: every check of docs/PROTOCOL.md "Certificate validation",
// each failure with its own reason, and the order in which nebula applies them.
// Certificates nebula-cert refuses to sign are built here and signed with the CA key.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CaPool, CertError, fingerprintHex, parseCertNetwork, parseCertificatePem, parseEd25519PrivateKeyPem, signCertificate,
  verifyCertificate, type CertDetails, type CertErrorReason, type NebulaCertificate,
} from '../../../src/tunnel/cert/index.js';
import { nebulaCertSkip, standardPki, type PkiFiles, type StandardPki } from './pki.js';

const skip = nebulaCertSkip;
let p: StandardPki;
let pool: CaPool;
let a: NebulaCertificate;
let caKey: Uint8Array;
let caCert: NebulaCertificate;
before(() => {
  if (skip) return;
  p = standardPki();
  pool = CaPool.fromPem(p.ca.crt);
  a = parseCertificatePem(p.a.crt);
  caCert = parseCertificatePem(p.ca.crt);
  caKey = parseEd25519PrivateKeyPem(p.ca.key);
});
after(() => p?.pki.remove());

const at = (seconds: bigint): Date => new Date(Number(seconds) * 1000);

function fails(reason: CertErrorReason, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CertError, `CertError expected, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    assert.equal(e.code, 'ERR_TIO_CERT');
    return true;
  });
}

/** A copy of `cert` with some details changed, re-signed by `key`. */
function resign(cert: NebulaCertificate, key: Uint8Array, change: Partial<CertDetails>): NebulaCertificate {
  return signCertificate({ ...cert.details, ...change }, key);
}

test('a nebula-cert host certificate verifies, now and at the edges of its validity', { skip }, () => {
  const v = verifyCertificate(a, pool);
  assert.equal(v.fingerprint, fingerprintHex(a));
  assert.equal(v.ca.cert.details.name, 't-ca');
  assert.equal(v.ca.fingerprint, fingerprintHex(caCert));
  verifyCertificate(a, pool, at(a.details.notBefore));
  verifyCertificate(a, pool, at(a.details.notAfter));
  verifyCertificate(parseCertificatePem(p.b.crt), pool);
});

test('expired: before NotBefore and after NotAfter', { skip }, () => {
  // nebula-cert may sign in the same second as the CA was made, so move NotBefore past the CA's.
  const later = resign(a, caKey, { notBefore: caCert.details.notBefore + 100n });
  verifyCertificate(later, pool, at(later.details.notBefore));
  fails('expired', () => verifyCertificate(later, pool, new Date(Number(later.details.notBefore) * 1000 - 1)));
  const short = parseCertificatePem(p.pki.sign(p.ca, 'short', '198.19.0.9/16', ['-duration', '1h']).crt);
  verifyCertificate(short, pool, at(short.details.notAfter));
  fails('expired', () => verifyCertificate(short, pool, new Date(Number(short.details.notAfter) * 1000 + 1)));
  fails('expired', () => verifyCertificate(short, pool, at(short.details.notAfter + 3600n)));
});

test('ca-expired is checked before the certificate itself', { skip }, () => {
  fails('ca-expired', () => verifyCertificate(a, pool, at(caCert.details.notAfter + 1n)));
  fails('ca-expired', () => verifyCertificate(a, pool, at(caCert.details.notBefore - 1n)));
});

test('unknown-ca for another CA, no-issuer for a self-signed certificate', { skip }, () => {
  fails('unknown-ca', () => verifyCertificate(a, CaPool.fromPem(p.other.crt)));
  fails('no-issuer', () => verifyCertificate(caCert, pool));
  // A pool with both CAs accepts a.
  verifyCertificate(a, CaPool.fromPem(p.other.crt + p.ca.crt));
});

test('bad-signature: a flipped signature byte, changed details, or another CA key under the same issuer', { skip }, () => {
  const sig = Uint8Array.from(a.signature);
  sig[10]! ^= 0x01;
  fails('bad-signature', () => verifyCertificate({ details: a.details, signature: sig }, pool));
  fails('bad-signature', () => verifyCertificate({ details: { ...a.details, name: 'mallory' }, signature: a.signature }, pool));
  fails('bad-signature', () => verifyCertificate({ details: { ...a.details, groups: ['g1', 'g2', 'admin'] }, signature: a.signature }, pool));
  fails('bad-signature', () => verifyCertificate({ details: a.details, signature: a.signature.subarray(0, 63) }, pool));
  fails('bad-signature', () => verifyCertificate(resign(a, parseEd25519PrivateKeyPem(p.other.key), {}), pool));
});

test('blocklisted is the first check', { skip }, () => {
  const blocking = CaPool.fromPem(p.ca.crt);
  blocking.blocklist(fingerprintHex(a).toUpperCase());
  fails('blocklisted', () => verifyCertificate(a, blocking));
  // Even an expired, unknown-CA certificate reports blocklisted first.
  blocking.blocklist(fingerprintHex(caCert));
  fails('blocklisted', () => verifyCertificate(caCert, blocking, at(0n)));
  verifyCertificate(parseCertificatePem(p.b.crt), blocking);
  blocking.resetBlocklist();
  verifyCertificate(a, blocking);
});

test('validity-outside-ca: expiring after, or valid before, the CA', { skip }, () => {
  fails('validity-outside-ca', () => verifyCertificate(resign(a, caKey, { notAfter: caCert.details.notAfter + 1n }), pool));
  fails('validity-outside-ca', () => verifyCertificate(resign(a, caKey, { notBefore: caCert.details.notBefore - 1n }), pool));
  verifyCertificate(resign(a, caKey, { notAfter: caCert.details.notAfter, notBefore: caCert.details.notBefore }), pool);
});

/** A CA restricted to 198.19.0.0/24, groups g1 and g2, subnets 10.0.0.0/8, and a host it signed. */
let restrictedCount = 0;
function restricted(): { files: PkiFiles; pool: CaPool; key: Uint8Array; host: NebulaCertificate } {
  const n = restrictedCount++;
  const files = p.pki.ca(`restricted${n}`, ['-ips', '198.19.0.0/24', '-groups', 'g1,g2', '-subnets', '10.0.0.0/8']);
  const host = p.pki.sign(files, `inside${n}`, '198.19.0.5/24', ['-groups', 'g1', '-subnets', '10.1.0.0/16']);
  return { files, pool: CaPool.fromPem(files.crt), key: parseEd25519PrivateKeyPem(files.key), host: parseCertificatePem(host.crt) };
}

test('ip-outside-ca: an IP outside the CA networks, or inside with a shorter mask', { skip }, () => {
  const r = restricted();
  verifyCertificate(r.host, r.pool);
  // nebula-cert refuses to sign these; nebula must still refuse them when someone else does.
  assert.throws(() => p.pki.sign(r.files, 'outside', '198.19.1.5/16'), /refusing to sign/);
  fails('ip-outside-ca', () => verifyCertificate(resign(r.host, r.key, { ips: [parseCertNetwork('198.19.1.5/24')] }), r.pool));
  fails('ip-outside-ca', () => verifyCertificate(resign(r.host, r.key, { ips: [parseCertNetwork('198.19.0.5/16')] }), r.pool));
  fails('ip-outside-ca', () => verifyCertificate(resign(r.host, r.key, { ips: [parseCertNetwork('198.19.0.5/24'), parseCertNetwork('198.18.0.5/24')] }), r.pool));
  verifyCertificate(resign(r.host, r.key, { ips: [parseCertNetwork('198.19.0.5/30')] }), r.pool);
});

test('groups-outside-ca and subnet-outside-ca', { skip }, () => {
  const r = restricted();
  fails('groups-outside-ca', () => verifyCertificate(resign(r.host, r.key, { groups: ['g1', 'g3'] }), r.pool));
  verifyCertificate(resign(r.host, r.key, { groups: [] }), r.pool);
  fails('subnet-outside-ca', () => verifyCertificate(resign(r.host, r.key, { subnets: [parseCertNetwork('192.168.0.0/24')] }), r.pool));
  fails('subnet-outside-ca', () => verifyCertificate(resign(r.host, r.key, { subnets: [parseCertNetwork('10.0.0.0/7')] }), r.pool));
  // The order of CheckRootConstrains: groups before ips before subnets.
  const all = resign(r.host, r.key, { groups: ['x'], ips: [parseCertNetwork('1.2.3.4/32')], subnets: [parseCertNetwork('1.0.0.0/8')] });
  fails('groups-outside-ca', () => verifyCertificate(all, r.pool));
  fails('ip-outside-ca', () => verifyCertificate(resign(all, r.key, { groups: [] }), r.pool));
  // A CA without limits allows any groups, IPs and subnets.
  verifyCertificate(resign(all, caKey, { issuer: a.details.issuer }), pool);
});

test('an invalid Date is a typed error', { skip }, () => {
  fails('bad-argument', () => verifyCertificate(a, pool, new Date(NaN)));
});
