// X25519 on raw 32-byte keys via node:crypto, imported as JWK (okp-keys.ts).
import { diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import { DH_LEN } from './constants.js';
import { NoiseError } from './errors.js';
import { okpPrivateKeyObject, okpPublicKeyObject, okpRawPublicKey } from './okp-keys.js';

/** An X25519 key pair as raw 32-byte strings (the private key as stored by nebula, unclamped). */
export interface KeyPair {
  /** 32-byte private scalar; X25519 clamps it internally (docs/PROTOCOL.md "Certificate PEM blocks"). */
  readonly privateKey: Uint8Array;
  /** 32-byte public u-coordinate. */
  readonly publicKey: Uint8Array;
}

// Private KeyObjects by the raw key they were made from. Importing a private key cost ~44 us
// here (~360 us through DER before), more than the DH itself, and a node's static key takes
// part in every handshake. Keyed by the array, so a key must not be changed in place once
// used (KeyPair's are readonly).
const privateObjects = new WeakMap<Uint8Array, KeyObject>();

/** node:crypto private KeyObject for a raw 32-byte X25519 private key (made once per key array). */
export function x25519PrivateKeyObject(privateKey: Uint8Array): KeyObject {
  let k = privateObjects.get(privateKey);
  if (k === undefined) {
    checkLen(privateKey, 'private');
    k = okpPrivateKeyObject('X25519', privateKey);
    privateObjects.set(privateKey, k);
  }
  return k;
}

/** node:crypto public KeyObject for a raw 32-byte X25519 public key. */
export function x25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  checkLen(publicKey, 'public');
  try {
    return okpPublicKeyObject('X25519', publicKey);
  } catch {
    // OpenSSL takes any 32 bytes today; this keeps a future refusal typed.
    throw new NoiseError('bad-key', 'X25519 public key refused by the crypto library');
  }
}

/** The X25519 public key of a raw private key (X25519(priv, basepoint)). */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  return okpRawPublicKey(x25519PrivateKeyObject(privateKey));
}

/** Key pair of a raw private key. */
export function x25519KeyPair(privateKey: Uint8Array): KeyPair {
  return { privateKey: Uint8Array.from(privateKey), publicKey: x25519PublicKey(privateKey) };
}

/**
 * A fresh random key pair, made as flynn/noise's GenerateKeypair makes it: 32 random bytes from
 * OpenSSL's generator (X25519 clamps them when used), the public half derived. The private
 * KeyObject this imports is the one the handshake's DHs use next (cached above), so a key pair
 * costs one import and one export (~48 us here, against ~84 through generateKeyPairSync).
 *
 * generateKeyPairSync is avoided on purpose: Node 20 deadlocks when a garbage collection runs
 * during the export of a key it generated and finalizes the generation job, whose destructor
 * takes the key's mutex that the export holds (seen: a node stuck in a futex, its stack
 * ExportJWKEdKey -> GC -> ~KeyGenJob -> mutex lock; more likely with a small young generation).
 * Imported keys have no generation job.
 */
export function generateX25519KeyPair(): KeyPair {
  const privateKey = new Uint8Array(randomBytes(DH_LEN));
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}

/**
 * X25519(privateKey, publicKey). A low-order public key gives the all-zero output,
 * which both Go's curve25519.X25519 (used by flynn/noise) and OpenSSL refuse: NoiseError 'bad-key'.
 * A public key used twice can be passed as its KeyObject (x25519PublicKeyObject) to import it once.
 */
export function x25519(privateKey: Uint8Array, publicKey: Uint8Array | KeyObject): Uint8Array {
  const priv = x25519PrivateKeyObject(privateKey);
  const pub = publicKey instanceof Uint8Array ? x25519PublicKeyObject(publicKey) : publicKey;
  try {
    return new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
  } catch {
    throw new NoiseError('bad-key', 'X25519 gave the all-zero output: the peer key is a low-order point');
  }
}

function checkLen(key: Uint8Array, what: string): void {
  if (key.length !== DH_LEN) throw new NoiseError('bad-key', `X25519 ${what} key is ${key.length} bytes, expected ${DH_LEN}`);
}
