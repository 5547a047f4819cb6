// Data-phase nonces: 4 zero bytes, then the packet's 64-bit counter, big-endian
// for AES-256-GCM and little-endian for ChaCha20-Poly1305 (docs/PROTOCOL.md "Keys and nonces").
// The wrong order still encrypts fine but every peer fails to authenticate.
import { CIPHERS, type CipherName } from './cipher.js';
import { COUNTER_OFFSET, NONCE_LEN } from './constants.js';

const U64_MAX = (1n << 64n) - 1n;

/** Writes the nonce of `counter` (0 .. 2^64-1) at out[off, off+12). */
export function writeNonce(cipher: CipherName, counter: bigint, out: Uint8Array, off = 0): void {
  if (counter < 0n || counter > U64_MAX) throw new RangeError(`nonce counter ${counter} is not a u64`);
  out.fill(0, off, off + 4);
  const little = CIPHERS[cipher].counterOrder === 'little';
  let c = counter;
  for (let i = 0; i < 8; i++) {
    out[off + 4 + (little ? i : 7 - i)] = Number(c & 0xffn);
    c >>= 8n;
  }
}

/** Writes the nonce for the header at hdr[hdrOff, hdrOff+16) to out[off, off+12), straight from the counter bytes. */
export function writeNonceFromHeader(cipher: CipherName, hdr: Uint8Array, hdrOff: number, out: Uint8Array, off = 0): void {
  out.fill(0, off, off + 4);
  const little = CIPHERS[cipher].counterOrder === 'little';
  for (let i = 0; i < 8; i++) out[off + 4 + (little ? 7 - i : i)] = hdr[hdrOff + COUNTER_OFFSET + i]!;
}

/** A fresh 12-byte nonce for `counter`. */
export function nonceFor(cipher: CipherName, counter: bigint): Uint8Array {
  const out = new Uint8Array(NONCE_LEN);
  writeNonce(cipher, counter, out);
  return out;
}
