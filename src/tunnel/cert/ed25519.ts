// Ed25519 on raw keys via node:crypto (RFC 8410 DER wrappings). nebula CA keys are
// Go's 64-byte form, seed || public key (docs/PROTOCOL.md "Certificate PEM blocks").
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { ED25519_PRIVATE_KEY_LEN, ED25519_PUBLIC_KEY_LEN, ED25519_SIGNATURE_LEN } from './constants.js';
import { CertError } from './errors.js';

// PKCS#8 PrivateKeyInfo for Ed25519 (OID 1.3.101.112) up to the 32-byte seed (RFC 8410 §7).
const PKCS8_PREFIX = Buffer.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
// SubjectPublicKeyInfo for Ed25519 up to the 32-byte key (RFC 8410 §4).
const SPKI_PREFIX = Buffer.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const SEED_LEN = 32;

/** True when `signature` is a valid Ed25519 signature of `message` under `publicKey`; false for wrong lengths too. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  // Go's ed25519.Verify returns false for a bad signature length and panics on a bad key length.
  if (publicKey.length !== ED25519_PUBLIC_KEY_LEN || signature.length !== ED25519_SIGNATURE_LEN) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    return verify(null, message, key, signature);
  } catch {
    return false; // a key OpenSSL cannot decode cannot have signed anything
  }
}

/** The public key of a 32-byte Ed25519 seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
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
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}
