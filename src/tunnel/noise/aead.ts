// One-shot AEAD seal/open for the Noise handshake with node:crypto. The data
// phase has its own batched AEAD (src/tunnel/aead); this is the reference-speed
// path used a few times per handshake. Keys go to node:crypto as secret KeyObjects: on Node 24 a
// byte key costs two thrown brand checks, ~25-33 us per cipher against ~6 (hkdf.ts says more).
import { createCipheriv, createDecipheriv, createSecretKey, type CipherGCM, type DecipherGCM, type KeyObject } from 'node:crypto';
import { KEY_LEN, TAG_LEN, type NoiseCipher } from './constants.js';
import { NoiseError } from './errors.js';

// Both AEADs share the GCM-style interface (setAAD, getAuthTag/setAuthTag).
function cipherFor(cipher: NoiseCipher, key: KeyObject, nonce: Uint8Array): CipherGCM {
  return cipher === 'aes'
    ? createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN })
    : createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LEN });
}

function decipherFor(cipher: NoiseCipher, key: KeyObject, nonce: Uint8Array): DecipherGCM {
  return cipher === 'aes'
    ? createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN })
    : createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LEN });
}

/** ciphertext || tag of `plaintext` under key, nonce and associated data. */
export function aeadSeal(cipher: NoiseCipher, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkKey(key);
  const c = cipherFor(cipher, createSecretKey(key), nonce);
  c.setAAD(ad);
  const head = c.update(plaintext);
  const tail = c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(head.length + tail.length + TAG_LEN);
  out.set(head, 0);
  out.set(tail, head.length);
  out.set(tag, head.length + tail.length);
  return out;
}

/** Plaintext of `sealed` (ciphertext || tag); NoiseError 'decrypt-failed' when it does not authenticate. */
export function aeadOpen(cipher: NoiseCipher, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array {
  checkKey(key);
  if (sealed.length < TAG_LEN) throw new NoiseError('truncated', `sealed value of ${sealed.length} bytes is shorter than the ${TAG_LEN}-byte tag`);
  const split = sealed.length - TAG_LEN;
  const d = decipherFor(cipher, createSecretKey(key), nonce);
  d.setAAD(ad);
  d.setAuthTag(sealed.subarray(split));
  const head = d.update(sealed.subarray(0, split));
  let tail: Buffer;
  try {
    tail = d.final();
  } catch {
    throw new NoiseError('decrypt-failed', `${cipher} message authentication failed`);
  }
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_LEN) throw new NoiseError('bad-key', `AEAD key is ${key.length} bytes, expected ${KEY_LEN}`);
}
