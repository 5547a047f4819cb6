// Noise CipherState (Noise spec §5.1): a key, possibly none, and a nonce counter.
import { aeadOpen, aeadSeal } from './aead.js';
import { KEY_LEN, type NoiseCipher } from './constants.js';
import { NoiseError } from './errors.js';
import { noiseNonce } from './nonce.js';

// 2^64 - 1 is reserved and never used as a nonce (Noise spec §5.1).
const MAX_NONCE = (1n << 64n) - 1n;

/** A Noise CipherState: without a key it passes plaintext through; with one it seals with nonce n, then n++. */
export class CipherState {
  /** The cipher this state seals with. */
  readonly cipher: NoiseCipher;
  private k: Uint8Array | undefined;
  private n = 0n;

  /** A state for `cipher`, with key `k` (32 bytes) or no key. */
  constructor(cipher: NoiseCipher, k?: Uint8Array) {
    if (k !== undefined && k.length !== KEY_LEN) throw new NoiseError('bad-key', `cipher key is ${k.length} bytes, expected ${KEY_LEN}`);
    this.cipher = cipher;
    this.k = k === undefined ? undefined : Uint8Array.from(k);
  }

  /** True once a key is set. */
  get hasKey(): boolean {
    return this.k !== undefined;
  }

  /** Next nonce to use. */
  get nonce(): bigint {
    return this.n;
  }

  /** Sets a new key and resets the nonce to 0 (Noise spec InitializeKey). */
  initializeKey(k: Uint8Array): void {
    if (k.length !== KEY_LEN) throw new NoiseError('bad-key', `cipher key is ${k.length} bytes, expected ${KEY_LEN}`);
    this.k = Uint8Array.from(k);
    this.n = 0n;
  }

  /** Seals `plaintext` with associated data `ad` (or returns it as is without a key). */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.k === undefined) return Uint8Array.from(plaintext);
    const out = aeadSeal(this.cipher, this.k, this.nextNonce(), ad, plaintext);
    this.n++;
    return out;
  }

  /** Opens `ciphertext` with associated data `ad`; on failure the nonce is not advanced. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.k === undefined) return Uint8Array.from(ciphertext);
    const out = aeadOpen(this.cipher, this.k, this.nextNonce(), ad, ciphertext);
    this.n++;
    return out;
  }

  /** An independent copy (for transactional message processing). */
  clone(): CipherState {
    const c = new CipherState(this.cipher, this.k);
    c.n = this.n;
    return c;
  }

  private nextNonce(): Uint8Array {
    if (this.n >= MAX_NONCE) throw new NoiseError('bad-state', 'nonce space exhausted');
    return noiseNonce(this.cipher, this.n);
  }
}
