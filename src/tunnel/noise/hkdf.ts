// Noise's HKDF with two outputs over HMAC-SHA256 (Noise spec §4.3; flynn/noise hkdf.go). With an
// empty info it is RFC 5869's HKDF with salt = ck and 64 bytes of output, so it is one hkdfSync.
//
// The input key goes to node:crypto as a secret KeyObject, not bytes: Node 24 tells a KeyObject from
// other key input by brand checks that throw and catch, and each throw captures a stack trace
// (docs/ARCHITECTURE.md "Handshake cost"). Three byte-keyed createHmac calls, as this was before,
// cost ~100 us on Node 24.21 here from a shallow stack (more from a node's deeper ones); this ~15-20.
import { createSecretKey, hkdfSync } from 'node:crypto';
import { HASH_LEN } from './constants.js';

const EMPTY = new Uint8Array(0);

/** (o1, o2) = HKDF(chainingKey, ikm): t = HMAC(ck, ikm); o1 = HMAC(t, 0x01); o2 = HMAC(t, o1 || 0x02). */
export function hkdf2(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const out = new Uint8Array(hkdfSync('sha256', createSecretKey(ikm), chainingKey, EMPTY, 2 * HASH_LEN));
  return [out.slice(0, HASH_LEN), out.slice(HASH_LEN)];
}
