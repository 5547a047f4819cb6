// Numbers and names of nebula 1.6.1 certificates (cert/cert.go, cert/cert.proto; docs/PROTOCOL.md "Certificate encoding").

/** PEM banner of a certificate (docs/PROTOCOL.md "Certificate PEM blocks"). */
export const CERT_BANNER = 'NEBULA CERTIFICATE';
/** PEM banner of a host's X25519 private key, 32 raw bytes (docs/PROTOCOL.md "Certificate PEM blocks"). */
export const X25519_PRIVATE_KEY_BANNER = 'NEBULA X25519 PRIVATE KEY';
/** PEM banner of an X25519 public key, 32 raw bytes (docs/PROTOCOL.md "Certificate PEM blocks"). */
export const X25519_PUBLIC_KEY_BANNER = 'NEBULA X25519 PUBLIC KEY';
/** PEM banner of a CA's Ed25519 private key, 64 raw bytes: seed || public key (docs/PROTOCOL.md "Certificate PEM blocks"). */
export const ED25519_PRIVATE_KEY_BANNER = 'NEBULA ED25519 PRIVATE KEY';
/** PEM banner of an Ed25519 public key, 32 raw bytes (docs/PROTOCOL.md "Certificate PEM blocks"). */
export const ED25519_PUBLIC_KEY_BANNER = 'NEBULA ED25519 PUBLIC KEY';

/** X25519 key length (cert.go publicKeyLen). */
export const X25519_KEY_LEN = 32;
/** Ed25519 public key length (RFC 8032). */
export const ED25519_PUBLIC_KEY_LEN = 32;
/** Ed25519 private key length as Go stores it: 32-byte seed then 32-byte public key. */
export const ED25519_PRIVATE_KEY_LEN = 64;
/** Ed25519 signature length (RFC 8032). */
export const ED25519_SIGNATURE_LEN = 64;
/** Shortest PublicKey UnmarshalNebulaCertificate accepts (cert.go: "Public key was fewer than 32 bytes"). */
export const MIN_PUBLIC_KEY_LEN = 32;
/** Certificate fingerprint length: SHA-256 (docs/PROTOCOL.md "Signature and fingerprint"). */
export const FINGERPRINT_LEN = 32;

/** Field numbers of RawNebulaCertificate (cert.proto). */
export const RawCertField = { Details: 1, Signature: 2 } as const;

/** Field numbers of RawNebulaCertificateDetails (cert.proto; docs/PROTOCOL.md "Certificate encoding"). */
export const DetailsField = {
  Name: 1,
  Ips: 2,
  Subnets: 3,
  Groups: 4,
  NotBefore: 5,
  NotAfter: 6,
  PublicKey: 7,
  IsCA: 8,
  Issuer: 9,
} as const;
