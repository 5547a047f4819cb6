// X25519 on raw 32-byte keys via node:crypto. Node only imports X25519 keys in
// DER or JWK form, so raw bytes are wrapped in fixed DER prefixes (RFC 8410).
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { DH_LEN } from './constants.js';
import { NoiseError } from './errors.js';

// PKCS#8 PrivateKeyInfo for X25519 (OID 1.3.101.110) up to the 32-byte key (RFC 8410 §7).
const PKCS8_PREFIX = Buffer.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
// SubjectPublicKeyInfo for X25519 up to the 32-byte key (RFC 8410 §4).
const SPKI_PREFIX = Buffer.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);

/** An X25519 key pair as raw 32-byte strings (the private key as stored by nebula, unclamped). */
export interface KeyPair {
  /** 32-byte private scalar; X25519 clamps it internally (docs/PROTOCOL.md "Certificate PEM blocks"). */
  readonly privateKey: Uint8Array;
  /** 32-byte public u-coordinate. */
  readonly publicKey: Uint8Array;
}

// Private KeyObjects by the raw key they were made from. Importing a raw key through its DER
// wrapper cost ~360 us here (OpenSSL 3.0's decoder), ten times the DH itself, and a node's
// static key takes part in every handshake: bench:peers measured tio's handshake rate at
// 0.3x nebula's with most of the time in createPrivateKey. Keyed by the array, so a key
// must not be changed in place once used (KeyPair's are readonly).
const privateObjects = new WeakMap<Uint8Array, KeyObject>();

/** node:crypto private KeyObject for a raw 32-byte X25519 private key (made once per key array). */
export function x25519PrivateKeyObject(privateKey: Uint8Array): KeyObject {
  let k = privateObjects.get(privateKey);
  if (k === undefined) {
    checkLen(privateKey, 'private');
    k = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
    privateObjects.set(privateKey, k);
  }
  return k;
}

/** node:crypto public KeyObject for a raw 32-byte X25519 public key. */
export function x25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  checkLen(publicKey, 'public');
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  } catch {
    // OpenSSL takes any 32 bytes today; this keeps a future refusal typed.
    throw new NoiseError('bad-key', 'X25519 public key refused by the crypto library');
  }
}

/** The X25519 public key of a raw private key (X25519(priv, basepoint)). */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  const der = createPublicKey(x25519PrivateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

/** Key pair of a raw private key. */
export function x25519KeyPair(privateKey: Uint8Array): KeyPair {
  return { privateKey: Uint8Array.from(privateKey), publicKey: x25519PublicKey(privateKey) };
}

/**
 * A fresh random key pair (as flynn/noise's GenerateKeypair: 32 random bytes, public derived).
 * OpenSSL makes it and hands the raw halves out as JWK, ~45 us against ~440 us for random bytes
 * imported through DER; its KeyObject is kept for the DH that follows.
 */
export function generateX25519KeyPair(): KeyPair {
  const { privateKey: obj } = generateKeyPairSync('x25519');
  const jwk = obj.export({ format: 'jwk' });
  if (jwk.d === undefined || jwk.x === undefined) throw new NoiseError('bad-key', 'X25519 key generation gave no raw key');
  const privateKey = new Uint8Array(Buffer.from(jwk.d, 'base64url'));
  const publicKey = new Uint8Array(Buffer.from(jwk.x, 'base64url'));
  checkLen(privateKey, 'private');
  checkLen(publicKey, 'public');
  privateObjects.set(privateKey, obj);
  return { privateKey, publicKey };
}

/**
 * X25519(privateKey, publicKey). A low-order public key gives the all-zero output,
 * which both Go's curve25519.X25519 (used by flynn/noise) and OpenSSL refuse: NoiseError 'bad-key'.
 */
export function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const priv = x25519PrivateKeyObject(privateKey);
  const pub = x25519PublicKeyObject(publicKey);
  try {
    return new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
  } catch {
    throw new NoiseError('bad-key', 'X25519 gave the all-zero output: the peer key is a low-order point');
  }
}

function checkLen(key: Uint8Array, what: string): void {
  if (key.length !== DH_LEN) throw new NoiseError('bad-key', `X25519 ${what} key is ${key.length} bytes, expected ${DH_LEN}`);
}
