// Certificate fingerprints: SHA-256 of the canonically re-marshalled certificate,
// which is what nebula's Sha256Sum hashes (docs/PROTOCOL.md "Signature and fingerprint"). For
// nebula-cert output this equals the hash of the PEM body.
import { createHash } from 'node:crypto';
import type { NebulaCertificate } from './certificate.js';
import { marshalCertificate } from './codec.js';

/** SHA-256 fingerprint of the certificate (32 bytes). */
export function fingerprint(cert: NebulaCertificate): Uint8Array {
  return new Uint8Array(createHash('sha256').update(marshalCertificate(cert)).digest());
}

/** Fingerprint in lowercase hex, as `nebula-cert print -json`, pki.blocklist and log lines show it. */
export function fingerprintHex(cert: NebulaCertificate): string {
  return Buffer.from(fingerprint(cert)).toString('hex');
}
