// Raw 32-byte X25519 and Ed25519 keys as node:crypto KeyObjects, through JWK (RFC 8037 "OKP" keys).
// Node hands a JWK's raw key straight to OpenSSL (EVP_PKEY_new_raw_*_key), while the DER forms
// (RFC 8410) go through OpenSSL 3.0's decoders. Measured here (Node 20, OpenSSL 3.0): a public key
// ~9 us through JWK against ~80 us through DER, a private key ~44 us against ~354 us. A responder
// imports two public keys per handshake and verifies a certificate signature.
//
// Node 24 tells a KeyObject from other key input by brand checks that throw and catch for anything
// else (two per import), and each throw captures a stack trace: in a node's deep call stacks that
// capture, not the import, was most of the cost (a public key ~85 us at 20 frames deep, ~20 us
// with no trace captured; Node 24.21 here). Imports therefore run with trace capture off.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** The two curves nebula uses: X25519 for the Noise DHs, Ed25519 for certificate signatures. */
export type OkpCurve = 'X25519' | 'Ed25519';

/** Public KeyObject of a raw 32-byte key; throws (a TypeError from node:crypto) for another length. */
export function okpPublicKeyObject(crv: OkpCurve, raw: Uint8Array): KeyObject {
  const jwk = { key: { kty: 'OKP', crv, x: base64url(raw) }, format: 'jwk' } as const;
  return withoutStackTraces(() => createPublicKey(jwk));
}

/**
 * Private KeyObject of a raw 32-byte key (an X25519 scalar or an Ed25519 seed); throws for another length.
 * Node requires the JWK's public member `x` to be a string but builds the key from `d` alone,
 * deriving the public half, so none is needed here.
 */
export function okpPrivateKeyObject(crv: OkpCurve, raw: Uint8Array): KeyObject {
  const jwk = { key: { kty: 'OKP', crv, x: '', d: base64url(raw) }, format: 'jwk' } as const;
  return withoutStackTraces(() => createPrivateKey(jwk));
}

/** The raw 32-byte public key of an OKP KeyObject (public or private). */
export function okpRawPublicKey(key: KeyObject): Uint8Array {
  const { x } = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (x === undefined) throw new TypeError('not an OKP key: its JWK has no x');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/**
 * Runs `f` with Error.stackTraceLimit 0, restored after. Only for node:crypto imports: nothing else
 * runs meanwhile (they are synchronous), and their own errors (a key of the wrong length) reach
 * callers that check lengths first or turn them into typed errors, so no trace is missed.
 */
function withoutStackTraces<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function base64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}
