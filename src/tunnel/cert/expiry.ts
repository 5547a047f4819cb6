// Validity period checks (cert.go Expired): valid iff NotBefore <= now <= NotAfter,
// comparing whole seconds against a millisecond clock exactly.
import type { CertDetails } from './certificate.js';
import { CertError } from './errors.js';

/** `now` in milliseconds since the Unix epoch as bigint; CertError 'bad-argument' for an invalid Date. */
export function dateMillis(now: Date): bigint {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) throw new CertError('bad-argument', 'now is an invalid Date');
  return BigInt(ms);
}

/** True when `now` is before NotBefore or after NotAfter. */
export function isExpired(details: CertDetails, now: Date): boolean {
  const ms = dateMillis(now);
  return details.notBefore * 1000n > ms || details.notAfter * 1000n < ms;
}

/** A Unix-seconds value for messages: ISO 8601 when a Date can hold it, else the raw number (never throws). */
export function formatSeconds(seconds: bigint): string {
  const d = new Date(Number(seconds) * 1000);
  return Number.isFinite(d.getTime()) ? d.toISOString() : `${seconds}s since the epoch`;
}
