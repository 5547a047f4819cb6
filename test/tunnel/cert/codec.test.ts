// Certificates written by the real nebula-cert 1.6.1: parsed field by field,
// re-marshalled byte-identical (PEM text too), fingerprint equal to `nebula-cert print -json`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CertError, certificateToPem, fingerprintHex, formatCertNetwork, marshalCertificate, marshalDetails, parseCertificate,
  parseCertificatePem, parseCertificatesPem,
} from '../../../src/tunnel/cert/index.js';
import { hex, nebulaCertSkip, pemBody, useStandardPki } from './pki.js';

const skip = nebulaCertSkip;
const p = useStandardPki();

test('a host certificate parses into the fields nebula-cert wrote', { skip }, () => {
  const cert = parseCertificatePem(p.a.crt);
  const json = p.pki.printJson(p.a);
  const d = cert.details;
  assert.equal(d.name, 'a');
  assert.equal(d.ips.length, 1);
  // docs/PROTOCOL.md "Certificate encoding": 198.19.0.1/16 -> 3323133953, 4294901760.
  assert.deepEqual(d.ips[0], { ip: '198.19.0.1', prefix: 16, ipU32: 3323133953, maskU32: 4294901760 });
  assert.deepEqual(d.ips.map(formatCertNetwork), json.details.ips);
  assert.deepEqual(d.subnets, []);
  assert.deepEqual(d.groups, ['g1', 'g2']);
  assert.equal(d.isCA, false);
  assert.equal(hex(d.publicKey), json.details.publicKey);
  assert.equal(hex(d.issuer), json.details.issuer);
  assert.equal(hex(cert.signature), json.signature);
  const ca = parseCertificatePem(p.ca.crt);
  // nebula-cert: a host cert's NotAfter is the CA's minus one second (docs/PROTOCOL.md "Certificate validation").
  assert.equal(d.notAfter, ca.details.notAfter - 1n);
  assert.ok(d.notBefore >= ca.details.notBefore);
  assert.equal(ca.details.notAfter - ca.details.notBefore, 48n * 3600n);
});

test('a CA certificate parses: IsCA, no issuer, Ed25519 public key', { skip }, () => {
  const ca = parseCertificatePem(p.ca.crt);
  assert.equal(ca.details.name, 't-ca');
  assert.equal(ca.details.isCA, true);
  assert.equal(ca.details.issuer.length, 0);
  assert.equal(ca.details.publicKey.length, 32);
  assert.equal(hex(ca.details.publicKey), p.pki.printJson(p.ca).details.publicKey);
});

test('re-marshalling reproduces nebula-cert bytes and PEM text exactly', { skip }, () => {
  for (const files of [p.ca, p.a, p.b, p.other]) {
    const cert = parseCertificatePem(files.crt);
    assert.equal(hex(marshalCertificate(cert)), hex(pemBody(files.crt)));
    assert.equal(certificateToPem(cert), files.crt);
    // The signed bytes are the Details field's value inside the file.
    const body = pemBody(files.crt);
    const details = marshalDetails(cert.details);
    assert.equal(hex(body.subarray(body.length - 66 - details.length, body.length - 66)), hex(details));
  }
});

test('fingerprint equals nebula-cert print -json, and is the issuer of the certs the CA signed', { skip }, () => {
  for (const files of [p.ca, p.a, p.b, p.other]) {
    assert.equal(fingerprintHex(parseCertificatePem(files.crt)), p.pki.printJson(files).fingerprint);
  }
  assert.equal(hex(parseCertificatePem(p.a.crt).details.issuer), fingerprintHex(parseCertificatePem(p.ca.crt)));
});

test('a CA bundle of several certificates back to back parses in order', { skip }, () => {
  const certs = parseCertificatesPem(p.ca.crt + p.other.crt + '\n\n');
  assert.deepEqual(certs.map((c) => c.details.name), ['t-ca', 'other-ca']);
  // Only the first block counts for a single certificate, as nebula reads pki.cert.
  assert.equal(parseCertificatePem(p.a.crt + p.b.crt).details.name, 'a');
  assert.throws(() => parseCertificatesPem(p.ca.crt + p.a.key), (e: unknown) => e instanceof CertError && e.reason === 'wrong-banner');
  assert.throws(() => parseCertificatePem(p.a.key), (e: unknown) => e instanceof CertError && e.reason === 'wrong-banner');
});

test('subnets and many groups round trip', { skip }, () => {
  const s = p.pki.sign(p.ca, 'router', '198.19.7.9/16', ['-subnets', '10.1.0.0/16,192.168.5.0/24', '-groups', 'x,y,z,w']);
  const cert = parseCertificatePem(s.crt);
  assert.deepEqual(cert.details.subnets.map(formatCertNetwork), ['10.1.0.0/16', '192.168.5.0/24']);
  assert.deepEqual(cert.details.groups, ['x', 'y', 'z', 'w']);
  assert.equal(certificateToPem(cert), s.crt);
});

test('unmarshal checks of cert.go: empty, no Details, odd Ips/Subnets, short public key', () => {
  const reason = (b: number[]): string | undefined => {
    try {
      parseCertificate(Uint8Array.from(b));
      return undefined;
    } catch (e) {
      assert.ok(e instanceof CertError);
      return e.reason + ': ' + e.message;
    }
  };
  const key32 = [0x3a, 0x20, ...new Array<number>(32).fill(7)];
  assert.match(reason([])!, /malformed: .*empty/);
  assert.match(reason([0x12, 0x01, 0x00])!, /malformed: .*Details was nil/);
  assert.match(reason([0x0a, 0x03, 0x12, 0x01, 0x01])!, /malformed: .*IPs should be in pairs/);
  assert.match(reason([0x0a, 0x03, 0x1a, 0x01, 0x01])!, /malformed: .*Subnets should be in pairs/);
  assert.match(reason([0x0a, 0x02, 0x3a, 0x00])!, /malformed: .*fewer than 32/);
  assert.match(reason([0x0a, 0x03, 0x0a, 0x01, 0xff])!, /malformed: .*UTF-8/);
  assert.match(reason([0x0a, 0x02, 0x08, 0x01])!, /malformed: .*wire type/);
  assert.equal(reason([0x0a, key32.length, ...key32]), undefined, 'a bare public key is enough');
  assert.equal(parseCertificate(Uint8Array.from([0x0a, 0x02, 0x3a, 0x00]), { allowMissingPublicKey: true }).details.publicKey.length, 0);
});

test('unknown fields are skipped and dropped on re-marshal; repeated Details merge as in Go', () => {
  const key32 = [0x3a, 0x20, ...new Array<number>(32).fill(7)];
  // Details with an unknown field 100 (later nebula's curve), then a second Details occurrence adding a name.
  const details = [...key32, 0xa0, 0x06, 0x01];
  const bytes = Uint8Array.from([0x0a, details.length, ...details, 0x0a, 0x03, 0x0a, 0x01, 0x7a, 0x98, 0x01, 0x05]);
  const cert = parseCertificate(bytes);
  assert.equal(cert.details.name, 'z');
  assert.equal(hex(cert.details.publicKey), '07'.repeat(32));
  assert.equal(hex(marshalCertificate(cert)), '0a25' + '0a017a' + '3a20' + '07'.repeat(32));
});
