// The reusable descriptor of one seal/open call: where each packet is, as
// Int32Arrays the native code reads directly. Filled per batch without
// allocating; one descriptor per queue is enough.
import { DEFAULT_BATCH_CAPACITY, HEADER_LEN, OVERHEAD, TAG_LEN } from './constants.js';
import { AeadError } from './errors.js';

/** Which call a batch is checked for: lens[] means plaintext length for seal, packet length for open. */
export type AeadOp = 'seal' | 'open';

const EMPTY = new Uint8Array(0);

/**
 * Packets for one call, in place or from a separate source.
 *
 * In place (src null): packet i starts at buf[offs[i]].
 * - seal: header(16) written by the caller, then lens[i] plaintext bytes, then 16 bytes for the tag.
 * - open: lens[i] bytes of header || ciphertext || tag; plaintext lands at offs[i] + 16.
 *
 * With a source: seal reads plaintext src[srcOffs[i], +lens[i]) into the packet at
 * buf[offs[i]] (header already there); open reads the packet src[srcOffs[i], +lens[i])
 * and writes its plaintext to buf[offs[i]]. Source and destination ranges must not
 * overlap, except exactly (the plaintext where the ciphertext goes: in place).
 *
 * After open, out[i] is the plaintext length, or -1 (shorter than 32 bytes or not authentic).
 */
export class AeadBatch {
  /** Most packets one batch holds. */
  readonly capacity: number;
  /** Packets (in place) or their destination. */
  buf: Uint8Array = EMPTY;
  /** Separate source, or null for in place. */
  src: Uint8Array | null = null;
  /** Packet (or destination) offsets in buf. */
  readonly offs: Int32Array;
  /** Source offsets in src; unused in place. */
  readonly srcOffs: Int32Array;
  /** Seal: plaintext lengths; open: sealed packet lengths. */
  readonly lens: Int32Array;
  /** Open results: plaintext length or -1. */
  readonly out: Int32Array;
  /** Packets in the batch. */
  count = 0;

  constructor(capacity = DEFAULT_BATCH_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new AeadError('ERR_TIO_AEAD_BATCH', `batch capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.offs = new Int32Array(capacity);
    this.srcOffs = new Int32Array(capacity);
    this.lens = new Int32Array(capacity);
    this.out = new Int32Array(capacity);
  }

  /** Empties the batch and points it at new buffers; returns this. */
  reset(buf: Uint8Array, src: Uint8Array | null = null): this {
    this.buf = buf;
    this.src = src;
    this.count = 0;
    return this;
  }

  /** True when no packet can be added. */
  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Adds an in-place packet at buf[off] (len as lens[] says for the op); returns its index. */
  add(off: number, len: number): number {
    if (this.src !== null) throw new AeadError('ERR_TIO_AEAD_BATCH', 'add() is for in-place batches; this one has a source, use addFrom()');
    const i = this.#next();
    this.offs[i] = off;
    this.lens[i] = len;
    return i;
  }

  /** Adds a packet read from src[srcOff, +len) and written at buf[dstOff]; returns its index. */
  addFrom(srcOff: number, len: number, dstOff: number): number {
    if (this.src === null) throw new AeadError('ERR_TIO_AEAD_BATCH', 'addFrom() needs a source; reset(buf, src) first');
    const i = this.#next();
    this.offs[i] = dstOff;
    this.srcOffs[i] = srcOff;
    this.lens[i] = len;
    return i;
  }

  #next(): number {
    if (this.count >= this.capacity) throw new AeadError('ERR_TIO_AEAD_BATCH', `batch is full (capacity ${this.capacity}); process it and reset() before adding more`);
    return this.count++;
  }
}

function fits(off: number, len: number, buf: Uint8Array): boolean {
  return off >= 0 && len >= 0 && off + len <= buf.length;
}

/** Index of the first packet of the batch outside its buffer(s) for `op`, or -1; the same rules as native/aead.c. */
export function firstOutOfRange(batch: AeadBatch, op: AeadOp): number {
  const { buf, src, offs, srcOffs, lens } = batch;
  for (let i = 0; i < batch.count; i++) {
    const len = lens[i]!;
    if (op === 'seal') {
      if (len < 0 || !fits(offs[i]!, len + OVERHEAD, buf)) return i;
      if (src !== null && !fits(srcOffs[i]!, len, src)) return i;
    } else if (src === null) {
      if (!fits(offs[i]!, len, buf)) return i;
    } else {
      if (!fits(srcOffs[i]!, len, src)) return i;
      if (len >= OVERHEAD && !fits(offs[i]!, len - OVERHEAD, buf)) return i;
    }
  }
  return -1;
}

function overlaps(a: number, alen: number, b: number, blen: number): boolean {
  return a < b + blen && b < a + alen;
}

/**
 * Index of the first packet whose source partially overlaps its destination
 * (native/aead.c seal_overlap/open_overlap), or -1. Only views of the same
 * ArrayBuffer are compared; ranges are assumed in range.
 */
export function firstOverlap(batch: AeadBatch, op: AeadOp): number {
  const { buf, src, offs, srcOffs, lens } = batch;
  if (src === null || src.buffer !== buf.buffer) return -1;
  for (let i = 0; i < batch.count; i++) {
    const len = lens[i]!;
    const s = src.byteOffset + srcOffs[i]!;
    const d = buf.byteOffset + offs[i]!;
    if (op === 'seal') {
      if (s !== d + HEADER_LEN && overlaps(s, len, d + HEADER_LEN, len + TAG_LEN)) return i;
    } else if (len >= OVERHEAD && d !== s + HEADER_LEN && overlaps(d, len - OVERHEAD, s, len)) {
      return i;
    }
  }
  return -1;
}

/** The error native/aead.c's up-front check reports for this batch (bad count, a packet out of range, a partial overlap), or null. */
export function batchError(batch: AeadBatch, op: AeadOp): AeadError | null {
  const n = batch.count;
  if (!Number.isInteger(n) || n < 0 || n > batch.capacity) {
    return new AeadError('ERR_TIO_AEAD_BATCH', `${op}: batch count ${n} is not an integer in 0..${batch.capacity}`);
  }
  const i = firstOutOfRange(batch, op);
  if (i < 0) {
    const o = firstOverlap(batch, op);
    if (o < 0) return null;
    return new AeadError(
      'ERR_TIO_AEAD_OVERLAP',
      `${op}: packet ${o} (src[${batch.srcOffs[o]}] -> buf[${batch.offs[o]}], len ${batch.lens[o]}) partially overlaps its destination; use the in-place layout or separate buffers; nothing was processed`,
    );
  }
  const where = batch.src === null ? `buf[${batch.offs[i]}] (length ${batch.buf.length})` : `src[${batch.srcOffs[i]}] -> buf[${batch.offs[i]}]`;
  return new AeadError('ERR_TIO_AEAD_RANGE', `${op}: packet ${i} (${where}, len ${batch.lens[i]}) lies outside its buffer; nothing was processed`);
}
