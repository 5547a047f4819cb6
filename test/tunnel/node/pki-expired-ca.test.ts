// loadPki refuses a CA file in which every CA has expired, as nebula 1.6.1 does
// ("no valid CA certificates present"); one valid CA beside an expired one loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { certificateToPem, parseCertificatePem, parseEd25519PrivateKeyPem, signCertificate } from '../../../src/tunnel/cert/index.js';
import { PkiError, loadPki } from '../../../src/tunnel/node/pki.js';
import { makePki, nebulaCertSkipReason } from '../../../kit/nebula-pki.js';

test('a CA file whose every CA has expired is refused naming pki.ca; with a valid CA beside it, it loads', { skip: nebulaCertSkipReason() }, () => {
  const pki = makePki([['a', '198.19.0.1/16']]);
  try {
    const caPem = readFileSync(pki.caCrt, 'utf8');
    const ca = parseCertificatePem(caPem);
    const now = BigInt(Math.floor(Date.now() / 1000));
    // The same CA key, re-signed with a validity that ended ten seconds ago.
    const expired = signCertificate({ ...ca.details, notBefore: now - 1000n, notAfter: now - 10n }, parseEd25519PrivateKeyPem(readFileSync(pki.caKey, 'utf8')));
    const a = pki.hosts.get('a')!;
    const src = (caText: string) => ({ ca: caText, cert: readFileSync(a.crt, 'utf8'), key: readFileSync(a.key, 'utf8') });
    assert.throws(() => loadPki(src(certificateToPem(expired))), (e: unknown) => e instanceof PkiError && /pki\.ca/.test(e.message) && /no valid CA certificates present/.test(e.message));
    const both = loadPki(src(certificateToPem(expired) + caPem));
    assert.equal(both.pool.expired().length, 1, 'the expired CA is loaded beside the valid one');
  } finally {
    pki.dispose();
  }
});
