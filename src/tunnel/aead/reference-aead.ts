// The tested reference: the same batch semantics as BatchAead, one
// node:crypto cipher object per packet. Slow, obviously right.
import { type CipherGCM, type DecipherGCM, createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { type AeadBatch, type AeadOp, batchError } from './batch.js';
import { CIPHERS, type CipherName } from './cipher.js';
import { HEADER_LEN, NONCE_LEN, OVERHEAD, TAG_LEN } from './constants.js';
import { checkKeyArgs, closedError, directionError } from './key.js';
import { writeNonceFromHeader } from './nonce.js';
import type { AeadDirection, PacketAead } from './types.js';

type NodeAlgo = (typeof CIPHERS)[CipherName]['nodeName'];

// One branch per algorithm because @types/node types each AEAD's options separately.
function cipherFor(algo: NodeAlgo, key: KeyObject, nonce: Uint8Array): CipherGCM {
  const opts = { authTagLength: TAG_LEN };
  return algo === 'aes-256-gcm' ? createCipheriv(algo, key, nonce, opts) : createCipheriv(algo, key, nonce, opts);
}

function decipherFor(algo: NodeAlgo, key: KeyObject, nonce: Uint8Array): DecipherGCM {
  const opts = { authTagLength: TAG_LEN };
  return algo === 'aes-256-gcm' ? createDecipheriv(algo, key, nonce, opts) : createDecipheriv(algo, key, nonce, opts);
}

/** node:crypto implementation of PacketAead, packet by packet. */
export class ReferenceAead implements PacketAead {
  readonly cipher: CipherName;
  readonly direction: AeadDirection;
  #key: KeyObject | null;
  readonly #nonce = new Uint8Array(NONCE_LEN);

  /** Keeps `key` (32 bytes) as a node:crypto KeyObject. */
  constructor(cipher: CipherName, key: Uint8Array, direction: AeadDirection) {
    checkKeyArgs(cipher, key, direction);
    this.cipher = cipher;
    this.direction = direction;
    this.#key = createSecretKey(key);
  }

  seal(batch: AeadBatch): number {
    const key = this.#usable('seal', batch);
    const { buf, src, offs, srcOffs, lens } = batch;
    const algo = CIPHERS[this.cipher].nodeName;
    for (let i = 0; i < batch.count; i++) {
      const at = offs[i]!;
      const len = lens[i]!;
      const plain = src === null ? buf.subarray(at + HEADER_LEN, at + HEADER_LEN + len) : src.subarray(srcOffs[i]!, srcOffs[i]! + len);
      writeNonceFromHeader(this.cipher, buf, at, this.#nonce);
      const c = cipherFor(algo, key, this.#nonce);
      c.setAAD(buf.subarray(at, at + HEADER_LEN));
      // update() returns a copy, so writing over the plaintext afterwards is safe.
      const ct = c.update(plain);
      c.final();
      buf.set(ct, at + HEADER_LEN);
      buf.set(c.getAuthTag(), at + HEADER_LEN + len);
    }
    return batch.count;
  }

  open(batch: AeadBatch): number {
    const key = this.#usable('open', batch);
    const { buf, src, offs, srcOffs, lens, out } = batch;
    const algo = CIPHERS[this.cipher].nodeName;
    const from = src ?? buf;
    let ok = 0;
    for (let i = 0; i < batch.count; i++) {
      const at = src === null ? offs[i]! : srcOffs[i]!;
      const len = lens[i]!;
      out[i] = -1;
      if (len < OVERHEAD) continue;
      const plen = len - OVERHEAD;
      writeNonceFromHeader(this.cipher, from, at, this.#nonce);
      const d = decipherFor(algo, key, this.#nonce);
      d.setAAD(from.subarray(at, at + HEADER_LEN));
      d.setAuthTag(from.subarray(at + HEADER_LEN + plen, at + len));
      const plain = d.update(from.subarray(at + HEADER_LEN, at + HEADER_LEN + plen));
      const to = src === null ? at + HEADER_LEN : offs[i]!;
      try {
        d.final();
      } catch {
        // Authentication failed: out[i] stays -1, and the plaintext range is zeroed as native/aead.c does.
        buf.fill(0, to, to + plen);
        continue;
      }
      buf.set(plain, to);
      out[i] = plen;
      ok++;
    }
    return ok;
  }

  close(): void {
    this.#key = null;
  }

  #usable(op: AeadOp, batch: AeadBatch): KeyObject {
    if (this.#key === null) throw closedError();
    if (op !== this.direction) throw directionError(op);
    // The same up-front check as native/aead.c: a bad batch touches nothing.
    const bad = batchError(batch, op);
    if (bad !== null) throw bad;
    return this.#key;
  }
}
