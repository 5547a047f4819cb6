// Fuzz: certificates and keys as they arrive from files and handshakes, valid
// ones mutated: the protobuf bytes, the PEM text (with armour tokens spliced in),
// CA bundles. Only CertError may come out; whatever parses re-marshals to a
// fixed point; nothing verifies unless it says what the CA signed; a CA bundle
// with one bad certificate adds nothing.
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CaPool, CertError, certificateToPem, marshalCertificate, marshalDetails, parseCertificate, parseCertificatePem,
  parseCertificatesPem, parseEd25519PrivateKeyPem, parseX25519PrivateKeyPem, verifyCertificate, x25519PrivateKeyToPem,
  ed25519PrivateKeyToPem, type NebulaCertificate,
} from '../../src/tunnel/cert/index.js';
import { describeParams, FUZZ_TIMEOUT_MS, fuzzParams } from './config.js';
import { assertSentinelIntact, hex, place, SENTINELS, typed } from './guard.js';
import { applyMutations, mutations } from './mutate.js';
import { makeFuzzPki } from './pki.js';

const pki = makeFuzzPki();
const hosts = [
  pki.host('alice', '198.19.0.1/16'),
  pki.host('bob-with-a-longer-name', '198.19.7.2/24', { groups: ['a', 'b'] }),
];
const originals: NebulaCertificate[] = [pki.ca, ...hosts.map((h) => h.cert)];

const PEM_TOKENS = [
  '-----BEGIN NEBULA CERTIFICATE-----\n', '-----END NEBULA CERTIFICATE-----\n', '-----BEGIN NEBULA X25519 PRIVATE KEY-----\n',
  '-----END ', '-----', '\n', '\r\n', ' ', '\t', '=', '==', 'Proc-Type: 4,ENCRYPTED\n', ':', '\u00ff', 'AAAA',
].map((s) => Uint8Array.from(Buffer.from(s, 'latin1')));

function parseOnce(b: Uint8Array) {
  return typed(() => parseCertificate(b), [CertError], 'parseCertificate');
}

// Parsing must be a fixed point after one canonical re-marshal.
function checkFixedPoint(c: NebulaCertificate, what: string, allowMissingPublicKey = false): void {
  const once = marshalCertificate(c);
  const again = typed(() => parseCertificate(once, { allowMissingPublicKey }), [CertError], `${what}: re-parse`);
  if (!again.ok) throw new Error(`${what}: a parsed certificate does not re-parse after marshalling (${again.error.message})`);
  if (hex(marshalCertificate(again.value)) !== hex(once)) throw new Error(`${what}: marshal(parse(marshal(c))) != marshal(c)`);
}

// A certificate that verifies must carry exactly the details its CA signed.
function checkNoForgery(c: NebulaCertificate, what: string): void {
  const v = typed(() => verifyCertificate(c, pki.pool), [CertError], `${what}: verify`);
  if (!v.ok) return;
  const d = hex(marshalDetails(c.details));
  if (!originals.some((o) => hex(marshalDetails(o.details)) === d)) throw new Error(`${what}: verified details the CA never signed`);
}

test('fuzz: mutated certificate bytes parse to a re-marshal fixed point or fail with CertError, and verify only as signed', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0xce57, 2000, 0.3);
  t.diagnostic(describeParams(params));
  const outcomes = new Map<string, number>();
  fc.assert(fc.property(fc.nat({ max: originals.length - 1 }), mutations({ maxCount: 4 }), fc.boolean(), (which, muts, handshakeForm) => {
    const bytes = applyMutations(marshalCertificate(originals[which]!), muts);
    // Parsed from a view into a sentinel-filled buffer, twice: the result may not
    // depend on the bytes around the view (e.g. code using .buffer without byteOffset).
    const [r, r2] = SENTINELS.map((fill) => {
      const p = place(bytes, fill);
      const view = p.buf.subarray(p.off, p.off + p.len);
      const out = typed(() => parseCertificate(view, { allowMissingPublicKey: handshakeForm }), [CertError], 'parseCertificate');
      assertSentinelIntact(p, 'parseCertificate');
      return out;
    }) as [ReturnType<typeof parseOnce>, ReturnType<typeof parseOnce>];
    const summary = (x: ReturnType<typeof parseOnce>): string => (x.ok ? hex(marshalCertificate(x.value)) : x.error.message);
    if (summary(r) !== summary(r2)) throw new Error(`parseCertificate depends on bytes outside its input: ${summary(r)} vs ${summary(r2)}`);
    const key = r.ok ? 'parsed' : (r.error as CertError).reason;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    if (!r.ok) return;
    checkFixedPoint(r.value, 'bytes', handshakeForm);
    checkNoForgery(r.value, 'bytes');
    // As a CA: loads only if IsCA and self-signed; never throws anything else.
    const pool = new CaPool();
    typed(() => pool.add(r.value), [CertError], 'CaPool.add');
  }), params);
  t.diagnostic(`outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
});

test('fuzz: mutated PEM text (armour tokens spliced in) parses or fails with CertError, for certificates, bundles and keys', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0xce58, 1500, 0.3);
  t.diagnostic(describeParams(params));
  const texts = [
    ...originals.map((c) => certificateToPem(c)),
    originals.map((c) => certificateToPem(c)).join(''),
    x25519PrivateKeyToPem(hosts[0]!.keys.privateKey),
    ed25519PrivateKeyToPem(pki.caKey),
  ].map((s) => Uint8Array.from(Buffer.from(s, 'latin1')));
  const outcomes = new Map<string, number>();
  fc.assert(fc.property(fc.nat({ max: texts.length - 1 }), mutations({ tokens: PEM_TOKENS.length, maxCount: 2, maxInsert: 24 }), fc.boolean(), (which, muts, asString) => {
    const bytes = applyMutations(texts[which]!, muts, PEM_TOKENS);
    const input = asString ? Buffer.from(bytes).toString('latin1') : bytes;
    const one = typed(() => parseCertificatePem(input), [CertError], 'parseCertificatePem');
    const all = typed(() => parseCertificatesPem(input), [CertError], 'parseCertificatesPem');
    typed(() => parseX25519PrivateKeyPem(input), [CertError], 'parseX25519PrivateKeyPem');
    typed(() => parseEd25519PrivateKeyPem(input), [CertError], 'parseEd25519PrivateKeyPem');
    const key = one.ok ? 'parsed' : (one.error as CertError).reason;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    if (one.ok) {
      checkFixedPoint(one.value, 'pem');
      checkNoForgery(one.value, 'pem');
    }
    if (all.ok) for (const c of all.value) checkNoForgery(c, 'pem bundle');
    // A bundle loads whole or not at all.
    const pool = new CaPool();
    pool.add(pki.ca);
    const r = typed(() => pool.addPem(input), [CertError], 'CaPool.addPem');
    if (!r.ok && pool.size !== 1) throw new Error(`a refused bundle still added ${pool.size - 1} CAs`);
  }), params);
  t.diagnostic(`outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
});
