// A nebula-style IX handshake end to end with nebula-cert certificates, the way the
// node will drive this API (docs/PROTOCOL.md "Handshake message 1", "Handshake message 2", "Handshake payload", "Static key and certificate"): certificates travel
// without PublicKey, each side recombines the peer's with the Noise static key
// and verifies it against the CA pool. The 16-byte header is the caller's part.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CaPool, CertError, checkOwnCertificate, marshalHandshakeCertificate, parseCertificatePem, parseX25519PrivateKeyPem,
  recombineHandshakeCertificate, verifyCertificate, type NebulaCertificate,
} from '../../../src/tunnel/cert/index.js';
import {
  IxInitiator, IxResponder, decodeHandshake, encodeHandshake, generateX25519KeyPair, unixNanos, x25519KeyPair, type KeyPair,
  type NoiseCipher,
} from '../../../src/tunnel/noise/index.js';
import { hex, nebulaCertSkip, standardPki, type PkiFiles, type StandardPki } from '../cert/pki.js';

const skip = nebulaCertSkip;
let p: StandardPki;
let c: PkiFiles;
before(() => {
  if (skip) return;
  p = standardPki();
  // Same name length and groups as "a", so both certificates marshal to the same size.
  c = p.pki.sign(p.ca, 'c', '198.19.0.3/16', ['-groups', 'g1,g2']);
});
after(() => p?.pki.remove());

interface Node {
  readonly cert: NebulaCertificate;
  readonly key: KeyPair;
}

function node(files: PkiFiles): Node {
  const cert = parseCertificatePem(files.crt);
  const priv = parseX25519PrivateKeyPem(files.key);
  checkOwnCertificate(cert, priv);
  return { cert, key: x25519KeyPair(priv) };
}

for (const cipher of ['aes', 'chachapoly'] as NoiseCipher[]) {
  test(`a (initiator) and c (responder) complete a handshake and verify each other (${cipher})`, { skip }, () => {
    const pool = CaPool.fromPem(p.ca.crt);
    const a = node(p.a);
    const cn = node(c);
    const initiatorIndex = 0xa1b2c3d4;
    const responderIndex = 0x9f8e7d6c;

    const init = new IxInitiator({ cipher, staticKey: a.key });
    const msg1 = init.writeMessage1(encodeHandshake({
      details: { cert: marshalHandshakeCertificate(a.cert), initiatorIndex, time: unixNanos() },
    }));

    const resp = new IxResponder({ cipher, staticKey: cn.key });
    const m1 = resp.readMessage1(msg1);
    const hs1 = decodeHandshake(m1.payload);
    assert.equal(hs1.details.initiatorIndex, initiatorIndex);
    assert.equal(hs1.details.responderIndex, 0);
    const peerA = verifyCertificate(recombineHandshakeCertificate(hs1.details.cert, m1.remoteStatic), pool);
    assert.equal(peerA.cert.details.name, 'a');
    assert.equal(peerA.cert.details.ips[0]!.ip, '198.19.0.1');
    assert.deepEqual(peerA.cert.details.groups, ['g1', 'g2']);

    const w = resp.writeMessage2(encodeHandshake({
      details: { cert: marshalHandshakeCertificate(cn.cert), initiatorIndex, responderIndex, time: unixNanos() },
    }));
    // Equal-size certificates: msg2 is msg1 + 32 (two tags) + 6 (ResponderIndex) (docs/PROTOCOL.md "Handshake message 2").
    assert.equal(w.bytes.length - msg1.length, 38);

    const m2 = init.readMessage2(w.bytes);
    const hs2 = decodeHandshake(m2.payload);
    assert.equal(hs2.details.responderIndex, responderIndex);
    const peerC = verifyCertificate(recombineHandshakeCertificate(hs2.details.cert, m2.remoteStatic), pool);
    // The initiator requires Ips[0] to be the VPN IP it dialled (docs/PROTOCOL.md "Static key and certificate").
    assert.equal(peerC.cert.details.ips[0]!.ip, '198.19.0.3');
    assert.equal(hex(m2.k1), hex(w.k1));
    assert.equal(hex(m2.k2), hex(w.k2));
  });
}

test('a peer presenting someone else\'s certificate with its own static key fails verification', { skip }, () => {
  const pool = CaPool.fromPem(p.ca.crt);
  const a = node(p.a);
  const mallory = generateX25519KeyPair();
  const init = new IxInitiator({ cipher: 'aes', staticKey: mallory });
  const msg1 = init.writeMessage1(encodeHandshake({ details: { cert: marshalHandshakeCertificate(a.cert), initiatorIndex: 1, time: unixNanos() } }));
  const m1 = new IxResponder({ cipher: 'aes', staticKey: node(p.b).key }).readMessage1(msg1);
  const cert = recombineHandshakeCertificate(decodeHandshake(m1.payload).details.cert, m1.remoteStatic);
  assert.throws(() => verifyCertificate(cert, pool), (e: unknown) => e instanceof CertError && e.reason === 'bad-signature');
});

test('a certificate from a CA outside the pool is unknown-ca', { skip }, () => {
  const pool = CaPool.fromPem(p.other.crt);
  const a = node(p.a);
  const init = new IxInitiator({ cipher: 'chachapoly', staticKey: a.key });
  const msg1 = init.writeMessage1(encodeHandshake({ details: { cert: marshalHandshakeCertificate(a.cert), initiatorIndex: 1, time: unixNanos() } }));
  const m1 = new IxResponder({ cipher: 'chachapoly', staticKey: generateX25519KeyPair() }).readMessage1(msg1);
  const cert = recombineHandshakeCertificate(decodeHandshake(m1.payload).details.cert, m1.remoteStatic);
  assert.throws(() => verifyCertificate(cert, pool), (e: unknown) => e instanceof CertError && e.reason === 'unknown-ca');
});
