// The data-path AEAD: one native call per batch over a reused context
// (native/aead.c, every byte of the cipher in Node's OpenSSL), so per packet
// only the cipher itself runs.
import { native, type AeadHandle, type AeadPath } from '../../native.js';
import { EBADF, EINVAL, EPERM, ERANGE, errnoName } from '../../errno.js';
import { type AeadBatch, type AeadOp, batchError } from './batch.js';
import { CIPHERS, type CipherName } from './cipher.js';
import { AeadError } from './errors.js';
import { defaultAeadPath } from './impl.js';
import { checkKeyArgs, closedError, directionError } from './key.js';
import type { AeadDirection, PacketAead } from './types.js';

/** 2^32: the weight of the high half of a u64 counter. */
const TWO_POW_32 = 4294967296;

/** Native batched AEAD for one key and direction; the reference is ReferenceAead. */
export class BatchAead implements PacketAead {
  readonly cipher: CipherName;
  readonly direction: AeadDirection;
  #handle: AeadHandle | null;

  /** Sets up the cipher context for `key` (32 bytes; not retained) on `path` (AEAD_PATH; default defaultAeadPath()). */
  constructor(cipher: CipherName, key: Uint8Array, direction: AeadDirection, path: AeadPath = defaultAeadPath()) {
    checkKeyArgs(cipher, key, direction);
    const h = native.aeadCreate(CIPHERS[cipher].nativeId, key, direction === 'seal', path);
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

  /**
   * Writes a data-message header to `remoteIndex` in front of each plaintext
   * buf[plainOffs[i], +lens[i]) for i in [from, to), with counters
   * firstCounter, firstCounter + 1, ..., and seals it in place (16 bytes of
   * room before and after each). One native call per run; returns to - from.
   */
  sealMessages(buf: Uint8Array, plainOffs: Int32Array, lens: Int32Array, from: number, to: number, remoteIndex: number, firstCounter: number): number {
    const h = this.#usable('seal');
    const r = native.aeadSealMessages(
      h, buf, plainOffs, lens, from, to, remoteIndex >>> 0, Math.floor(firstCounter / TWO_POW_32) >>> 0, firstCounter >>> 0,
    );
    if (r >= 0) return r;
    throw runError('sealMessages', r, from, to);
  }

  /**
   * Relayed packets (docs/PROTOCOL.md "Relays"): writes a relay header to
   * `remoteIndex` in front of each inner packet buf[innerOffs[i], +innerLens[i])
   * for i in [from, to), with counters firstCounter, firstCounter + 1, ..., and
   * writes the tag after it: header and inner packet authenticated as associated
   * data, nothing encrypted (16 bytes of room before and after each). One native
   * call per run; returns to - from.
   */
  tagMessages(buf: Uint8Array, innerOffs: Int32Array, innerLens: Int32Array, from: number, to: number, remoteIndex: number, firstCounter: number): number {
    const h = this.#usable('seal');
    const r = native.aeadTagMessages(
      h, buf, innerOffs, innerLens, from, to, remoteIndex >>> 0, Math.floor(firstCounter / TWO_POW_32) >>> 0, firstCounter >>> 0,
    );
    if (r >= 0) return r;
    throw runError('tagMessages', r, from, to);
  }

  /**
   * Checks the tags of relayed packets (in place, as tagMessages writes them:
   * header || body || tag, lens[i] the whole packet) without writing them:
   * out[i] is the body length, or -1 (shorter than 32 bytes or not authentic).
   * Returns the number authentic.
   */
  verify(batch: AeadBatch): number {
    const h = this.#usable('open');
    if (batch.src !== null) throw new AeadError('ERR_TIO_AEAD_BATCH', 'verify: the batch must be in place (reset(buf) without a source)');
    const r = native.aeadVerify(h, batch.count, batch.buf, batch.offs, batch.lens, batch.out);
    if (r < 0) throw nativeError(r, batch, 'open');
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

  /** The native implementation this context runs on (an AEAD_PATH value other than auto). */
  get path(): AeadPath {
    return native.aeadPath(this.#usable(this.direction)) as AeadPath;
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

// The error of a failed sealMessages or tagMessages call (r a negative errno).
function runError(op: string, r: number, from: number, to: number): AeadError {
  switch (-r) {
    case EINVAL:
    case ERANGE:
      return new AeadError('ERR_TIO_AEAD_RANGE', `${op}: [${from}, ${to}) is outside the index arrays, or a packet has no header or tag room in its buffer`);
    case EBADF:
      return closedError();
    default:
      return new AeadError('ERR_TIO_AEAD_CRYPTO', `${op}: OpenSSL failed (${errnoName(r)}); packets before the failing one are done`);
  }
}

function nativeError(r: number, batch: AeadBatch, op: AeadOp): AeadError {
  switch (-r) {
    case EINVAL:
    case ERANGE:
      // Passes the TS check after failing the native one: a batch changed by another thread mid-call,
      // or source and destination views of different ArrayBuffer objects over the same memory.
      return batchError(batch, op) ?? new AeadError('ERR_TIO_AEAD_RANGE', `${op}: the batch changed during the call, or its source overlaps its destination`);
    case EBADF:
      return closedError();
    case EPERM:
      return directionError(op);
    default:
      return new AeadError('ERR_TIO_AEAD_CRYPTO', `${op}: OpenSSL failed (${errnoName(r)}); packets before the failing one are done`);
  }
}
