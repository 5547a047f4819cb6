/**
 * Inner packets that arrived through relays during one receive batch (docs/PROTOCOL.md "Relays"),
 * handed to the inbound path as one more batch once the outer batch is done: the inbound path is
 * not re-entrant. They are not copied: each is a range of the outer batch's buffer, which stays
 * untouched until the receive that gave it has been handled to the end (the data plane's receive
 * handler runs this batch before it settles), and the outer pass only checked their tags. A
 * receive batch can hold thousands of datagrams (64 messages, each up to 64 GRO segments), so the
 * index arrays grow to what a batch brings; nothing is dropped for room.
 */
import type { Endpoint } from '../../udp/index.js';
import type { DatagramBatch } from './inbound.js';

const EMPTY = Buffer.alloc(0);
/** Starting capacity, in packets; doubled when a batch brings more. */
const INITIAL_PACKETS = 256;

/** The relayed inner packets of one receive batch, as a DatagramBatch over that batch's buffer. */
export class RelayInbox implements DatagramBatch {
  private source: Buffer = EMPTY;
  count = 0;
  offsets = new Int32Array(INITIAL_PACKETS);
  lengths = new Int32Array(INITIAL_PACKETS);
  senders = new Int32Array(INITIAL_PACKETS);
  private from: (Endpoint | null)[] = new Array<Endpoint | null>(INITIAL_PACKETS).fill(null);

  /**
   * Takes src[off, off+len) from relay path `from`, in place. Every packet of one inbox comes from
   * one receive batch, so from one buffer: false (the caller drops it) for another buffer.
   */
  add(from: Endpoint, src: Buffer, off: number, len: number): boolean {
    const i = this.count;
    if (i === 0) this.source = src;
    else if (src !== this.source) return false;
    if (i === this.offsets.length) this.grow();
    this.offsets[i] = off;
    this.lengths[i] = len;
    // Every stand-in endpoint has its own port: use it as the sender slot.
    this.senders[i] = from.port;
    this.from[i] = from;
    this.count++;
    return true;
  }

  /** The buffer the packets lie in (the outer batch's). */
  get buf(): Buffer {
    return this.source;
  }

  /** Empties the inbox (after its batch went through). */
  clear(): void {
    this.from.fill(null, 0, this.count);
    this.count = 0;
    this.source = EMPTY;
  }

  peer(i: number): Endpoint {
    return this.from[i]!;
  }

  isFrom(i: number, ep: Endpoint): boolean {
    return this.from[i]!.equals(ep);
  }

  private grow(): void {
    const n = this.offsets.length * 2;
    const offsets = new Int32Array(n);
    offsets.set(this.offsets);
    const lengths = new Int32Array(n);
    lengths.set(this.lengths);
    const senders = new Int32Array(n);
    senders.set(this.senders);
    this.offsets = offsets;
    this.lengths = lengths;
    this.senders = senders;
    this.from = this.from.concat(new Array<Endpoint | null>(n - this.from.length).fill(null));
  }
}
