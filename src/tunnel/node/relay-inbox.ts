/**
 * Inner packets that arrived through relays during one receive batch (docs/PROTOCOL.md "Relays"),
 * handed to the inbound path as one more batch once the outer batch is done: the inbound path is
 * not re-entrant. They are ranges of the outer batch's buffer (batch-ranges.ts), which the outer
 * pass only tag-checked; nothing is dropped for room.
 */
import type { Endpoint } from '../../udp/index.js';
import { BatchRanges } from './batch-ranges.js';
import type { DatagramBatch } from './inbound.js';

/** The relayed inner packets of one receive batch, as a DatagramBatch over that batch's buffer. */
export class RelayInbox implements DatagramBatch {
  private readonly r = new BatchRanges<Endpoint>();

  /**
   * Takes src[off, off+len) from relay path `from`, in place. Every packet of one inbox comes from
   * one receive batch, so from one buffer: false (the caller drops it) for another buffer.
   */
  add(from: Endpoint, src: Buffer, off: number, len: number): boolean {
    // Every stand-in endpoint has its own port: it is the sender slot.
    return this.r.add(src, off, len, from.port, from);
  }

  get count(): number {
    return this.r.count;
  }

  get offsets(): Int32Array {
    return this.r.offsets;
  }

  get lengths(): Int32Array {
    return this.r.lengths;
  }

  get senders(): Int32Array {
    return this.r.keys;
  }

  /** The buffer the packets lie in (the outer batch's). */
  get buf(): Buffer {
    return this.r.buf;
  }

  /** Empties the inbox (after its batch went through). */
  clear(): void {
    this.r.clear();
  }

  peer(i: number): Endpoint {
    return this.r.items[i]!;
  }

  isFrom(i: number, ep: Endpoint): boolean {
    return this.r.items[i]!.equals(ep);
  }
}
