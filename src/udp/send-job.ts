/** The state of one send operation while the sender works through it (possibly across EAGAIN waits). */
import { SEND_META } from './constants.js';
import type { UdpSendError } from './errors.js';

const EMPTY = new Uint8Array(0);

/**
 * Rows (native SEND_META layout) plus a cursor: `row` is the next message,
 * `sub` the bytes of it already sent when it goes out one datagram at a time.
 * A job is reused for every send that completes without waiting; one that
 * must wait is handed to the slow path and the sender takes a fresh one.
 */
export class SendJob {
  /** Buffer the rows point into. */
  buf: Uint8Array = EMPTY;
  /** Rows: off, len, segSize, addrSlot. */
  meta: Int32Array;
  /** Address slot table the rows index. */
  addrs: Uint8Array = EMPTY;
  /** Number of rows. */
  rows = 0;
  /** Next row to send. */
  row = 0;
  /** Bytes of `row` already sent datagram by datagram. */
  sub = 0;
  /** Row being redone datagram by datagram after the kernel refused it as one GSO send; -1 for none. */
  splitRow = -1;
  /** Errno that made splitRow split. */
  splitErrno = 0;
  /** True for sendTo/sendSegments (one peer: a single row goes out with sendmsg). */
  single = false;
  /** Rows handed to the kernel. */
  sent = 0;
  /** Rows the kernel refused. */
  failed = 0;
  /** The last refusal. */
  lastError: UdpSendError | null = null;

  /** Scratch rows of single sends; grows for runs longer than one GSO send. */
  private own: Int32Array = new Int32Array(4 * SEND_META);

  constructor() {
    this.meta = this.own;
  }

  /** Resets the cursor and results for new rows. */
  reset(buf: Uint8Array, meta: Int32Array, addrs: Uint8Array, rows: number, single: boolean): void {
    this.buf = buf;
    this.meta = meta;
    this.addrs = addrs;
    this.rows = rows;
    this.single = single;
    this.row = 0;
    this.sub = 0;
    this.splitRow = -1;
    this.splitErrno = 0;
    this.sent = 0;
    this.failed = 0;
    this.lastError = null;
  }

  /** Rows of buf[off, off+len) to the peer in slot 0 of addrs, chunked at `chunk` bytes (each a GSO run of segSize, or plain). */
  resetSingle(buf: Uint8Array, addrs: Uint8Array, off: number, len: number, segSize: number, chunk: number): void {
    const rows = segSize > 0 && len > segSize ? Math.ceil(len / chunk) : 1;
    if (rows * SEND_META > this.own.length) this.own = new Int32Array(rows * SEND_META);
    const m = this.own;
    if (rows === 1) {
      m[0] = off;
      m[1] = len;
      m[2] = segSize > 0 && len > segSize ? segSize : 0;
      m[3] = 0;
    } else {
      for (let r = 0, at = 0; r < rows; r++, at += chunk) {
        const n = Math.min(chunk, len - at);
        const b = r * SEND_META;
        m[b] = off + at;
        m[b + 1] = n;
        m[b + 2] = n > segSize ? segSize : 0;
        m[b + 3] = 0;
      }
    }
    this.reset(buf, m, addrs, rows, true);
  }
}
