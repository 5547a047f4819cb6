/**
 * Ranges of one receive batch's buffer gathered during its pass, each with a key and an item,
 * for work that must wait until the pass is over (relay-inbox.ts, the relay's forwarding in
 * data-plane.ts). Not copies: the data plane does not receive again until the batch is handled
 * to the end. A batch with UDP GRO holds up to 64 messages of 64 segments, so the arrays grow to
 * what a batch brings (allocating only when a batch brings more than any before).
 */

const EMPTY = Buffer.alloc(0);
/** Starting capacity, in ranges; doubled when a batch brings more. */
const INITIAL_RANGES = 256;

/** The gathered ranges of one batch. Single-threaded; valid until clear(). */
export class BatchRanges<E> {
  count = 0;
  offsets = new Int32Array(INITIAL_RANGES);
  lengths = new Int32Array(INITIAL_RANGES);
  keys = new Int32Array(INITIAL_RANGES);
  items: (E | null)[] = new Array<E | null>(INITIAL_RANGES).fill(null);
  private source: Buffer = EMPTY;

  /** Takes src[off, off+len) with `key` and `item`; false for a buffer other than the batch's (not taken). */
  add(src: Buffer, off: number, len: number, key: number, item: E): boolean {
    const i = this.count;
    if (i === 0) this.source = src;
    else if (src !== this.source) return false;
    if (i === this.offsets.length) this.grow();
    this.offsets[i] = off;
    this.lengths[i] = len;
    this.keys[i] = key;
    this.items[i] = item;
    this.count++;
    return true;
  }

  /** The buffer the ranges lie in (empty when there are none). */
  get buf(): Buffer {
    return this.source;
  }

  /** Forgets the ranges, their items and the buffer. */
  clear(): void {
    this.items.fill(null, 0, this.count);
    this.count = 0;
    this.source = EMPTY;
  }

  private grow(): void {
    const n = this.offsets.length * 2;
    const widen = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.offsets = widen(this.offsets);
    this.lengths = widen(this.lengths);
    this.keys = widen(this.keys);
    this.items = this.items.concat(new Array<E | null>(n - this.items.length).fill(null));
  }
}
