// Property: random or mutated certificate bytes and PEM text never raise anything but CertError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CaPool, CertError, marshalCertificate, parseCertificate, parseCertificatePem, parseCertificatesPem, recombineHandshakeCertificate,
  verifyCertificate,
} from '../../../src/tunnel/cert/index.js';
import { nebulaCertSkip, pemBody, useStandardPki } from './pki.js';

function onlyCertError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof CertError)) throw e;
  }
}

test('property: random bytes parse or fail with CertError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
    onlyCertError(() => parseCertificate(b));
    onlyCertError(() => recombineHandshakeCertificate(b, new Uint8Array(32)));
  }), { seed: 3, numRuns: 3000 });
});

test('property: random text as PEM fails with CertError', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
    onlyCertError(() => parseCertificatesPem(s));
    onlyCertError(() => parseCertificatesPem(`-----BEGIN NEBULA CERTIFICATE-----\n${s}\n-----END NEBULA CERTIFICATE-----\n`));
  }), { seed: 4, numRuns: 1000 });
});

const skip = nebulaCertSkip;
const p = useStandardPki();

test('property: a nebula-cert certificate with bytes flipped, cut or inserted parses and verifies, or fails typed', { skip }, () => {
  const body = pemBody(p.a.crt);
  const pool = CaPool.fromPem(p.ca.crt);
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat({ max: body.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat({ max: body.length - 1 }), xor: fc.constant(0) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat({ max: body.length - 1 }), xor: fc.integer({ min: 0, max: 255 }) }),
  );
  let verified = 0;
  fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
    let b = Uint8Array.from(body);
    for (const m of ms) {
      if (m.kind === 'flip') b[m.at % b.length]! ^= m.xor;
      else if (m.kind === 'cut') b = b.subarray(0, m.at % (b.length + 1));
      else b = Uint8Array.from([...b.subarray(0, m.at), m.xor, ...b.subarray(m.at)]);
    }
    onlyCertError(() => {
      const cert = parseCertificate(b);
      verifyCertificate(cert, pool);
      // Anything that still verifies must carry the original signed content.
      assert.deepEqual(marshalCertificate(cert), body);
      verified++;
    });
  }), { seed: 5, numRuns: 2000 });
  // Mutations in skipped/unknown positions may keep it valid; most must not.
  assert.ok(verified < 200, `${verified} mutated certificates verified`);
  onlyCertError(() => parseCertificatePem(p.a.crt.replace('A', 'B')));
});
