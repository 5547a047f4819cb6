// Noise SymmetricState (Noise spec §5.2) as flynn/noise v1.0.0 runs it for nebula
// (docs/PROTOCOL.md "Noise primitives"): h and ck from the zero-padded name, then MixHash(prologue)
// even when the prologue is empty.
import { createHash } from 'node:crypto';
import { CipherState } from './cipher-state.js';
import { HASH_LEN, KEY_LEN, PROTOCOL_NAMES, type NoiseCipher } from './constants.js';
import { hkdf2 } from './hkdf.js';

const EMPTY = new Uint8Array(0);

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return new Uint8Array(hash.digest());
}

/** The initial handshake hash h for a protocol name: padded with zeros to 32 bytes, or hashed if longer. */
export function initialHash(protocolName: string): Uint8Array {
  const name = new TextEncoder().encode(protocolName);
  if (name.length <= HASH_LEN) {
    const h = new Uint8Array(HASH_LEN);
    h.set(name);
    return h;
  }
  return sha256(name);
}

/** Noise SymmetricState: chaining key ck, handshake hash h and a CipherState. */
export class SymmetricState {
  private ck: Uint8Array;
  private h: Uint8Array;
  private cs: CipherState;

  private constructor(ck: Uint8Array, h: Uint8Array, cs: CipherState) {
    this.ck = ck;
    this.h = h;
    this.cs = cs;
  }

  /** InitializeSymmetric(name of `cipher`'s IX protocol) then MixHash(prologue). */
  static initialize(cipher: NoiseCipher, prologue: Uint8Array = EMPTY): SymmetricState {
    const h = initialHash(PROTOCOL_NAMES[cipher]);
    const s = new SymmetricState(Uint8Array.from(h), h, new CipherState(cipher));
    s.mixHash(prologue);
    return s;
  }

  /** The current handshake hash h (a copy). */
  get handshakeHash(): Uint8Array {
    return Uint8Array.from(this.h);
  }

  /** True once MixKey has run, i.e. EncryptAndHash really encrypts. */
  get hasKey(): boolean {
    return this.cs.hasKey;
  }

  /** h = SHA256(h || data). */
  mixHash(data: Uint8Array): void {
    this.h = sha256(this.h, data);
  }

  /** (ck, k) = HKDF(ck, ikm); the cipher key is set to k with nonce 0. */
  mixKey(ikm: Uint8Array): void {
    const [ck, k] = hkdf2(this.ck, ikm);
    this.ck = ck;
    this.cs.initializeKey(k.subarray(0, KEY_LEN));
  }

  /** c = Encrypt(k, n++, ad = h, plaintext) (or plaintext without a key); MixHash(c). */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const c = this.cs.encryptWithAd(this.h, plaintext);
    this.mixHash(c);
    return c;
  }

  /** plaintext = Decrypt(k, n++, ad = h, c) (or c without a key); MixHash(c). */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const p = this.cs.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return p;
  }

  /** (k1, k2) = HKDF(ck, empty): k1 protects initiator -> responder, k2 the reverse (docs/PROTOCOL.md "Noise primitives"). */
  split(): [Uint8Array, Uint8Array] {
    return hkdf2(this.ck, EMPTY);
  }

  /** An independent copy, so a message can be processed and committed only if it all succeeds. */
  clone(): SymmetricState {
    return new SymmetricState(Uint8Array.from(this.ck), Uint8Array.from(this.h), this.cs.clone());
  }
}
