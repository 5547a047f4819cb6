// Certificates in handshake payloads travel without PublicKey; the receiver
// inserts the Noise remote static key and re-marshals before verifying, so the
// signature binds the certificate to the key that completed the handshake
// (handshake_ix.go, outside.go RecombineCertAndValidate; docs/PROTOCOL.md "Handshake payload", "Static key and certificate").
import type { NebulaCertificate } from './certificate.js';
import { marshalCertificate, parseCertificate } from './codec.js';
import { X25519_KEY_LEN } from './constants.js';
import { CertError } from './errors.js';

/** Our certificate marshalled with PublicKey removed, for NebulaHandshakeDetails.Cert. */
export function marshalHandshakeCertificate(cert: NebulaCertificate): Uint8Array {
  return marshalCertificate({ details: { ...cert.details, publicKey: new Uint8Array(0) }, signature: cert.signature });
}

/**
 * The peer's certificate from NebulaHandshakeDetails.Cert with PublicKey set to the Noise
 * remote static key (overwriting any PublicKey the sender included). Verify the result
 * with verifyCertificate. CertError 'malformed' for bad bytes, 'bad-key' for a bad static key.
 */
export function recombineHandshakeCertificate(raw: Uint8Array, remoteStatic: Uint8Array): NebulaCertificate {
  if (remoteStatic.length !== X25519_KEY_LEN) {
    throw new CertError('bad-key', `remote static key is ${remoteStatic.length} bytes, expected ${X25519_KEY_LEN}`);
  }
  const cert = parseCertificate(raw, { allowMissingPublicKey: true });
  return { details: { ...cert.details, publicKey: Uint8Array.from(remoteStatic) }, signature: cert.signature };
}
