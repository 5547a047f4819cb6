// Raw X25519 and Ed25519 keys imported through JWK: the published test vectors
// (RFC 7748 §6.1, RFC 8032 §7.1 test 1) come out of node:crypto unchanged.
import assert from 'node:assert/strict';
import { diffieHellman, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { okpPrivateKeyObject, okpPublicKeyObject, okpRawPublicKey } from '../../../src/tunnel/noise/index.js';

const h = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 7748 §6.1: Alice's and Bob's key pairs and their shared secret.
const ALICE_PRIV = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PUB = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_PUB = h('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
const SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
// RFC 8032 §7.1 TEST 1: seed, public key, and the signature of the empty message.
const ED_SEED = h('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const ED_PUB = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const ED_SIG = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

test('X25519: a private key imported raw gives its public key and the RFC 7748 shared secret', () => {
  const priv = okpPrivateKeyObject('X25519', ALICE_PRIV);
  assert.equal(hex(okpRawPublicKey(priv)), ALICE_PUB);
  assert.equal(hex(okpRawPublicKey(okpPublicKeyObject('X25519', h(ALICE_PUB)))), ALICE_PUB);
  assert.equal(hex(diffieHellman({ privateKey: priv, publicKey: okpPublicKeyObject('X25519', BOB_PUB) })), SHARED);
});

test('Ed25519: a seed imported raw signs as RFC 8032 says, and its public key verifies that', () => {
  const priv = okpPrivateKeyObject('Ed25519', ED_SEED);
  assert.equal(hex(okpRawPublicKey(priv)), ED_PUB);
  assert.equal(hex(sign(null, new Uint8Array(0), priv)), ED_SIG);
  assert.equal(verify(null, new Uint8Array(0), okpPublicKeyObject('Ed25519', h(ED_PUB)), h(ED_SIG)), true);
});

test('a key of the wrong length is refused, and the stack trace limit is as it was after', () => {
  const before = Error.stackTraceLimit;
  assert.throws(() => okpPublicKeyObject('X25519', new Uint8Array(31)));
  assert.throws(() => okpPrivateKeyObject('Ed25519', new Uint8Array(33)));
  assert.equal(Error.stackTraceLimit, before);
  okpPublicKeyObject('X25519', BOB_PUB);
  assert.equal(Error.stackTraceLimit, before);
});
