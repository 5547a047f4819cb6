// Nebula 1.6.1 v1 certificates: PEM, protobuf, fingerprints, signatures, CA pool,
// verification, own-certificate checks and handshake certificates (docs/PROTOCOL.md "Certificate encoding").
export * from './ca-pool.js';
export * from './certificate.js';
export * from './codec.js';
export * from './constants.js';
export * from './ed25519.js';
export * from './errors.js';
export * from './expiry.js';
export * from './fingerprint.js';
export * from './handshake-cert.js';
export * from './keys.js';
export * from './network.js';
export * from './own-cert.js';
export * from './pem.js';
export * from './signature.js';
export * from './verify.js';
