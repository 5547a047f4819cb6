/**
 * The CLI's one internal import: certificate and key making for `tio demo`'s
 * throwaway PKI. NOT public API and not semver surface: no entry point exports
 * it (package.json "exports" names only "tio" and "tio/tunnel") and it may change
 * in any release. Users make a Nebula PKI with nebula-cert; see docs/api/README.md.
 */
export {
  certificateToPem, ed25519PrivateKeyToPem, ed25519PublicKey, fingerprint, parseCertNetwork, signCertificate,
  x25519PrivateKeyToPem, type CertDetails, type NebulaCertificate,
} from './cert/index.js';
export { generateX25519KeyPair, type KeyPair } from './noise/x25519.js';
