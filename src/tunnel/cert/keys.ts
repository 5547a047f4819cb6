// Key files in nebula's PEM formats (cert.go Marshal*/Unmarshal*; docs/PROTOCOL.md "Certificate PEM blocks"):
// X25519 keys are 32 raw bytes (the private one unclamped), the CA's Ed25519 private key
// is Go's 64-byte seed || public form. Like nebula, the first PEM block is the key.
import {
  ED25519_PRIVATE_KEY_BANNER, ED25519_PRIVATE_KEY_LEN, ED25519_PUBLIC_KEY_BANNER, ED25519_PUBLIC_KEY_LEN,
  X25519_KEY_LEN, X25519_PRIVATE_KEY_BANNER, X25519_PUBLIC_KEY_BANNER,
} from './constants.js';
import { CertError } from './errors.js';
import { decodePem, encodePem } from './pem.js';

/** The 32-byte X25519 private key of a "NEBULA X25519 PRIVATE KEY" PEM (pki.key). */
export function parseX25519PrivateKeyPem(pem: string | Uint8Array): Uint8Array {
  return firstBlock(pem, X25519_PRIVATE_KEY_BANNER, X25519_KEY_LEN);
}

/** The 32-byte key of a "NEBULA X25519 PUBLIC KEY" PEM (nebula-cert keygen -out-pub). */
export function parseX25519PublicKeyPem(pem: string | Uint8Array): Uint8Array {
  return firstBlock(pem, X25519_PUBLIC_KEY_BANNER, X25519_KEY_LEN);
}

/** The 64-byte Ed25519 private key (seed || public) of a "NEBULA ED25519 PRIVATE KEY" PEM (ca.key). */
export function parseEd25519PrivateKeyPem(pem: string | Uint8Array): Uint8Array {
  return firstBlock(pem, ED25519_PRIVATE_KEY_BANNER, ED25519_PRIVATE_KEY_LEN);
}

/** The 32-byte key of a "NEBULA ED25519 PUBLIC KEY" PEM. */
export function parseEd25519PublicKeyPem(pem: string | Uint8Array): Uint8Array {
  return firstBlock(pem, ED25519_PUBLIC_KEY_BANNER, ED25519_PUBLIC_KEY_LEN);
}

/** PEM of a 32-byte X25519 private key, as nebula-cert writes it. */
export function x25519PrivateKeyToPem(key: Uint8Array): string {
  return keyPem(X25519_PRIVATE_KEY_BANNER, key, X25519_KEY_LEN);
}

/** PEM of a 32-byte X25519 public key. */
export function x25519PublicKeyToPem(key: Uint8Array): string {
  return keyPem(X25519_PUBLIC_KEY_BANNER, key, X25519_KEY_LEN);
}

/** PEM of a 64-byte Ed25519 private key (seed || public), as nebula-cert ca writes it. */
export function ed25519PrivateKeyToPem(key: Uint8Array): string {
  return keyPem(ED25519_PRIVATE_KEY_BANNER, key, ED25519_PRIVATE_KEY_LEN);
}

/** PEM of a 32-byte Ed25519 public key. */
export function ed25519PublicKeyToPem(key: Uint8Array): string {
  return keyPem(ED25519_PUBLIC_KEY_BANNER, key, ED25519_PUBLIC_KEY_LEN);
}

function firstBlock(pem: string | Uint8Array, banner: string, len: number): Uint8Array {
  const block = decodePem(pem)[0]!;
  if (block.type !== banner) throw new CertError('wrong-banner', `PEM block "${block.type}" is not a "${banner}"`);
  if (block.bytes.length !== len) throw new CertError('bad-key', `"${banner}" is ${block.bytes.length} bytes, expected ${len}`);
  return block.bytes;
}

function keyPem(banner: string, key: Uint8Array, len: number): string {
  if (key.length !== len) throw new CertError('bad-key', `"${banner}" must be ${len} bytes, got ${key.length}`);
  return encodePem(banner, key);
}
