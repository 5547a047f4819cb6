// The interface shared by the native batch AEAD and its node:crypto reference.
import type { AeadBatch } from './batch.js';
import type { CipherName } from './cipher.js';

/** A context seals (encrypts) or opens (decrypts); nebula uses a different key per direction (docs/PROTOCOL.md "Keys and nonces"). */
export type AeadDirection = 'seal' | 'open';

/** Seals or opens whole batches of Nebula data packets with one key. */
export interface PacketAead {
  /** Config name of the cipher. */
  readonly cipher: CipherName;
  /** What this context does; calling the other method throws ERR_TIO_AEAD_DIRECTION. */
  readonly direction: AeadDirection;
  /** Seals every packet of the batch (see AeadBatch); returns batch.count. */
  seal(batch: AeadBatch): number;
  /** Opens every packet of the batch, setting batch.out[i]; returns how many authenticated. A refused packet's plaintext range is zeroed (no unauthenticated plaintext is left); a short one is untouched. */
  open(batch: AeadBatch): number;
  /** Releases the key now; later calls throw ERR_TIO_AEAD_CLOSED. Idempotent. */
  close(): void;
}
