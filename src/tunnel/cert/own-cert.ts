// Startup checks of our own certificate and key (pki.go loadCertAndKey;
// docs/PROTOCOL.md "Certificate validation"): not expired, at least one IP, and pki.key derives the
// certificate's PublicKey. Stricter than nebula: Ips[0] must have a prefix mask,
// because it becomes the tun address and network.
import { x25519PublicKey } from '../noise/x25519.js';
import type { NebulaCertificate } from './certificate.js';
import { ED25519_PRIVATE_KEY_LEN, X25519_KEY_LEN } from './constants.js';
import { ed25519PublicKey } from './ed25519.js';
import { CertError } from './errors.js';
import { formatSeconds, isExpired } from './expiry.js';
import { formatCertNetwork } from './network.js';

/**
 * CertError 'key-mismatch' unless `privateKey` belongs to the certificate's PublicKey
 * (cert.go VerifyPrivateKey): X25519 (32 bytes) for hosts, Ed25519 (64 bytes, seed || public) for CAs.
 */
export function verifyPrivateKey(cert: NebulaCertificate, privateKey: Uint8Array): void {
  const d = cert.details;
  let derived: Uint8Array;
  if (d.isCA) {
    if (privateKey.length !== ED25519_PRIVATE_KEY_LEN) throw new CertError('bad-key', `CA key was not ${ED25519_PRIVATE_KEY_LEN} bytes`);
    derived = ed25519PublicKey(privateKey.subarray(0, 32));
  } else {
    if (privateKey.length !== X25519_KEY_LEN) throw new CertError('bad-key', `X25519 private key was not ${X25519_KEY_LEN} bytes`);
    derived = x25519PublicKey(privateKey);
  }
  if (derived.length !== d.publicKey.length || !derived.every((b, i) => b === d.publicKey[i])) {
    throw new CertError('key-mismatch', `private key is not a pair with the public key in certificate "${d.name}"`);
  }
}

/** Checks our own certificate and private key before use; throws CertError ('expired', 'no-ips', 'bad-mask', 'bad-key', 'key-mismatch'). */
export function checkOwnCertificate(cert: NebulaCertificate, privateKey: Uint8Array, now: Date = new Date()): void {
  const d = cert.details;
  if (isExpired(d, now)) {
    throw new CertError('expired', `certificate "${d.name}" for this host is valid from ${formatSeconds(d.notBefore)} to ${formatSeconds(d.notAfter)}; renew it`);
  }
  const first = d.ips[0];
  if (first === undefined) throw new CertError('no-ips', `no IPs encoded in certificate "${d.name}"`);
  if (first.prefix === null) throw new CertError('bad-mask', `certificate "${d.name}" IP ${formatCertNetwork(first)} has a mask that is not a prefix`);
  verifyPrivateKey(cert, privateKey);
}
