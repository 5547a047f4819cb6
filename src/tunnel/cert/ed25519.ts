// Ed25519 on raw keys via node:crypto, imported as JWK (noise/okp-keys.ts). nebula CA keys are
// Go's 64-byte form, seed || public key (docs/PROTOCOL.md "Certificate PEM blocks").
import { sign, verify, type KeyObject } from 'node:crypto';
import { okpPrivateKeyObject, okpPublicKeyObject, okpRawPublicKey } from '../noise/index.js';
import { ED25519_PRIVATE_KEY_LEN, ED25519_PUBLIC_KEY_LEN, ED25519_SIGNATURE_LEN } from './constants.js';
import { CertError } from './errors.js';

const SEED_LEN = 32;

/**
 * Verify keys kept imported, by content: in practice the CA keys, which check a signature in every
 * handshake whose certificate the pool has not seen, so each is imported once, not per handshake
 * (an import costs about a third of a verify on Node 24, okp-keys.ts). Keyed by the bytes, not the
 * array, so a key changed in place can never verify with its old value. Few CAs are loaded at once;
 * the bound only caps what other callers could add.
 */
const VERIFY_KEYS_MAX = 16;
const verifyKeys = new Map<string, KeyObject>();

function verifyKey(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64');
  let k = verifyKeys.get(id);
  if (k === undefined) {
    k = okpPublicKeyObject('Ed25519', publicKey);
    if (verifyKeys.size >= VERIFY_KEYS_MAX) verifyKeys.delete(verifyKeys.keys().next().value as string);
    verifyKeys.set(id, k);
  }
  return k;
}

/** True when `signature` is a valid Ed25519 signature of `message` under `publicKey`; false for wrong lengths too. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  // Go's ed25519.Verify returns false for a bad signature length and panics on a bad key length.
  if (publicKey.length !== ED25519_PUBLIC_KEY_LEN || signature.length !== ED25519_SIGNATURE_LEN) return false;
  try {
    return verify(null, message, verifyKey(publicKey), signature);
  } catch {
    return false; // a key OpenSSL cannot decode cannot have signed anything
  }
}

/** The public key of a 32-byte Ed25519 seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  return okpRawPublicKey(privateKeyObject(seed));
}

/**
 * Ed25519 signature of `message` with a 64-byte Go private key (seed || public).
 * CertError 'bad-key' when the length is wrong or the public half is not the seed's.
 */
export function ed25519Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  const seed = checkPrivateKey(privateKey);
  return new Uint8Array(sign(null, message, privateKeyObject(seed)));
}

/** Checks a 64-byte Go Ed25519 private key (seed || public) and returns its seed. */
export function checkPrivateKey(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== ED25519_PRIVATE_KEY_LEN) {
    throw new CertError('bad-key', `Ed25519 private key is ${privateKey.length} bytes, expected ${ED25519_PRIVATE_KEY_LEN}`);
  }
  const seed = privateKey.subarray(0, SEED_LEN);
  const pub = ed25519PublicKey(seed);
  // Go signs with the stored public half; if it disagrees with the seed the signatures are invalid.
  if (!pub.every((b, i) => b === privateKey[SEED_LEN + i])) {
    throw new CertError('bad-key', 'Ed25519 private key: the public half does not belong to the seed');
  }
  return seed;
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  return okpPrivateKeyObject('Ed25519', seed);
}
