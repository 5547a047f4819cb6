// Noise's HKDF with two outputs over HMAC-SHA256 (Noise spec §4.3; flynn/noise hkdf.go).
import { createHmac } from 'node:crypto';

/** (o1, o2) = HKDF(chainingKey, ikm): t = HMAC(ck, ikm); o1 = HMAC(t, 0x01); o2 = HMAC(t, o1 || 0x02). */
export function hkdf2(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const temp = createHmac('sha256', chainingKey).update(ikm).digest();
  const o1 = createHmac('sha256', temp).update(Uint8Array.of(0x01)).digest();
  const o2 = createHmac('sha256', temp).update(o1).update(Uint8Array.of(0x02)).digest();
  return [new Uint8Array(o1), new Uint8Array(o2)];
}
