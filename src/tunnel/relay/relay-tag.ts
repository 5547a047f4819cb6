// The tag of a relayed packet (header type 1, subtype 1; docs/PROTOCOL.md "Relays"): nebula 1.6.1
// authenticates the outer header and the whole body (the end-to-end packet, already sealed on its own
// tunnel) as associated data with an empty plaintext, on the relay tunnel's key and counter
// (inside.go SendVia, outside.go). This is the node:crypto reference, one packet at a time; the data
// path uses the batched native form (BatchAead.tagMessages / verify), tested byte for byte against it.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { CIPHERS, type CipherName, writeNonceFromHeader } from '../aead/index.js';
import { AEAD_OVERHEAD, AEAD_TAG_LEN } from '../wire/index.js';

/** Signs and checks relayed packets for one tunnel: its send key and its receive key. */
export class RelayTag {
  private readonly algo: 'aes-256-gcm' | 'chacha20-poly1305';
  private readonly nonce = new Uint8Array(12);
  private send: KeyObject | null;
  private recv: KeyObject | null;

  /** Copies both 32-byte keys (the caller may wipe its own). */
  constructor(private readonly cipher: CipherName, sendKey: Uint8Array, recvKey: Uint8Array) {
    this.algo = CIPHERS[cipher].nodeName;
    this.send = createSecretKey(sendKey);
    this.recv = createSecretKey(recvKey);
  }

  /**
   * Writes the tag of the relayed packet buf[off, off+len): header (its counter names the nonce) and
   * body are authenticated, the tag goes in the last 16 bytes. False when closed or too short.
   */
  sign(buf: Uint8Array, off: number, len: number): boolean {
    const key = this.send;
    if (key === null || len < AEAD_OVERHEAD) return false;
    writeNonceFromHeader(this.cipher, buf, off, this.nonce);
    const c = this.algo === 'aes-256-gcm'
      ? createCipheriv(this.algo, key, this.nonce, { authTagLength: AEAD_TAG_LEN })
      : createCipheriv(this.algo, key, this.nonce, { authTagLength: AEAD_TAG_LEN });
    c.setAAD(buf.subarray(off, off + len - AEAD_TAG_LEN));
    c.final();
    buf.set(c.getAuthTag(), off + len - AEAD_TAG_LEN);
    return true;
  }

  /** True when the last 16 bytes of buf[off, off+len) authenticate the rest on the receive key. */
  verify(buf: Uint8Array, off: number, len: number): boolean {
    const key = this.recv;
    if (key === null || len < AEAD_OVERHEAD) return false;
    writeNonceFromHeader(this.cipher, buf, off, this.nonce);
    const d = this.algo === 'aes-256-gcm'
      ? createDecipheriv(this.algo, key, this.nonce, { authTagLength: AEAD_TAG_LEN })
      : createDecipheriv(this.algo, key, this.nonce, { authTagLength: AEAD_TAG_LEN });
    d.setAAD(buf.subarray(off, off + len - AEAD_TAG_LEN));
    d.setAuthTag(buf.subarray(off + len - AEAD_TAG_LEN, off + len));
    try {
      d.final();
      return true;
    } catch {
      return false;
    }
  }

  /** Forgets the keys; sign and verify fail from now on. */
  close(): void {
    this.send = null;
    this.recv = null;
  }
}
