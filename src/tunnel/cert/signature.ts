// Certificate signatures: Ed25519 by the CA key over the marshalled Details
// (docs/PROTOCOL.md "Signature and fingerprint"; cert.go Sign, CheckSignature).
import type { CertDetails, NebulaCertificate } from './certificate.js';
import { marshalDetails } from './codec.js';
import { ed25519Sign, ed25519Verify } from './ed25519.js';

/** True when the certificate's signature verifies under `caPublicKey` (Ed25519, 32 bytes). */
export function checkSignature(cert: NebulaCertificate, caPublicKey: Uint8Array): boolean {
  return ed25519Verify(caPublicKey, marshalDetails(cert.details), cert.signature);
}

/** A certificate with `details` signed by a 64-byte CA private key (seed || public), as nebula-cert sign does. */
export function signCertificate(details: CertDetails, caPrivateKey: Uint8Array): NebulaCertificate {
  return { details, signature: ed25519Sign(caPrivateKey, marshalDetails(details)) };
}
