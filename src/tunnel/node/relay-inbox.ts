/**
 * Inner packets that arrived through relays during one receive batch (docs/PROTOCOL.md "Relays"),
 * copied out of the receive buffer and handed to the inbound path as one more batch once the outer
 * batch is done: the inbound path is not re-entrant. Sized once; what does not fit is dropped.
 */
import type { Endpoint } from '../../udp/index.js';
import type { DatagramBatch } from './inbound.js';

const EMPTY = Buffer.alloc(0);
/** Inner packets one receive batch may carry through relays. */
const INBOX_PACKETS = 256;
/** Bytes of those packets (a receive batch is at most 64 datagrams of 9001 bytes with GRO splits). */
const INBOX_BYTES = 1 << 20;

/** The relayed inner packets of one receive batch, as a DatagramBatch. */
export class RelayInbox implements DatagramBatch {
  // Allocated at the first relayed packet: most nodes never see one.
  private storage: Buffer | null = null;
  count = 0;
  readonly offsets = new Int32Array(INBOX_PACKETS);
  readonly lengths = new Int32Array(INBOX_PACKETS);
  readonly senders = new Int32Array(INBOX_PACKETS);
  private readonly from: (Endpoint | null)[] = new Array<Endpoint | null>(INBOX_PACKETS).fill(null);
  private used = 0;

  /** Copies src[off, off+len) from relay path `from`; false when the inbox is full. */
  add(from: Endpoint, src: Buffer, off: number, len: number): boolean {
    const i = this.count;
    if (i >= INBOX_PACKETS || this.used + len > INBOX_BYTES) return false;
    this.storage ??= Buffer.allocUnsafe(INBOX_BYTES);
    src.copy(this.storage, this.used, off, off + len);
    this.offsets[i] = this.used;
    this.lengths[i] = len;
    // Every stand-in endpoint has its own port: use it as the sender slot.
    this.senders[i] = from.port;
    this.from[i] = from;
    this.used += len;
    this.count++;
    return true;
  }

  /** The copies (empty before the first relayed packet). */
  get buf(): Buffer {
    return this.storage ?? EMPTY;
  }

  /** Empties the inbox (after its batch went through). */
  clear(): void {
    this.from.fill(null, 0, this.count);
    this.count = 0;
    this.used = 0;
  }

  peer(i: number): Endpoint {
    return this.from[i]!;
  }

  isFrom(i: number, ep: Endpoint): boolean {
    return this.from[i]!.equals(ep);
  }
}
