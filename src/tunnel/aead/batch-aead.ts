// The data-path AEAD: one native call per batch over a reused OpenSSL
// context (native/aead.c), so per packet only the cipher itself runs.
import { constants as osConstants } from 'node:os';
import { native, type AeadHandle } from '../../native.js';
import { errnoName } from '../../errors.js';
import { type AeadBatch, type AeadOp, batchError } from './batch.js';
import { CIPHERS, type CipherName } from './cipher.js';
import { AeadError } from './errors.js';
import { checkKeyArgs, closedError, directionError } from './key.js';
import type { AeadDirection, PacketAead } from './types.js';

const { EBADF, EINVAL, EPERM, ERANGE } = osConstants.errno;

/** Native batched AEAD for one key and direction; the reference is ReferenceAead. */
export class BatchAead implements PacketAead {
  readonly cipher: CipherName;
  readonly direction: AeadDirection;
  #handle: AeadHandle | null;

  /** Sets up the cipher context for `key` (32 bytes; not retained). */
  constructor(cipher: CipherName, key: Uint8Array, direction: AeadDirection) {
    checkKeyArgs(cipher, key, direction);
    const h = native.aeadCreate(CIPHERS[cipher].nativeId, key, direction === 'seal');
    if (typeof h === 'number') throw new AeadError('ERR_TIO_AEAD_CRYPTO', `could not set up ${cipher}: ${errnoName(h)}`);
    this.cipher = cipher;
    this.direction = direction;
    this.#handle = h;
  }

  seal(batch: AeadBatch): number {
    const h = this.#usable('seal');
    const r = batch.src === null
      ? native.aeadSeal(h, batch.count, batch.buf, batch.offs, batch.lens)
      : native.aeadSealTo(h, batch.count, batch.src, batch.srcOffs, batch.lens, batch.buf, batch.offs);
    if (r < 0) throw nativeError(r, batch, 'seal');
    return r;
  }

  open(batch: AeadBatch): number {
    const h = this.#usable('open');
    const r = batch.src === null
      ? native.aeadOpen(h, batch.count, batch.buf, batch.offs, batch.lens, batch.out)
      : native.aeadOpenTo(h, batch.count, batch.src, batch.srcOffs, batch.lens, batch.buf, batch.offs, batch.out);
    if (r < 0) throw nativeError(r, batch, 'open');
    return r;
  }

  close(): void {
    // Frees (and wipes) the key schedule now rather than whenever GC runs.
    if (this.#handle !== null) native.aeadFree(this.#handle);
    this.#handle = null;
  }

  #usable(op: AeadDirection): AeadHandle {
    if (this.#handle === null) throw closedError();
    if (op !== this.direction) throw directionError(op);
    return this.#handle;
  }
}

function nativeError(r: number, batch: AeadBatch, op: AeadOp): AeadError {
  switch (-r) {
    case EINVAL:
    case ERANGE:
      // Only a batch changed by another thread mid-call passes the TS check after failing the native one.
      return batchError(batch, op) ?? new AeadError('ERR_TIO_AEAD_RANGE', `${op}: the batch changed during the call`);
    case EBADF:
      return closedError();
    case EPERM:
      return directionError(op);
    default:
      return new AeadError('ERR_TIO_AEAD_CRYPTO', `${op}: OpenSSL failed (${errnoName(r)}); packets before the failing one are done`);
  }
}
