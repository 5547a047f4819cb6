/** A received batch: recvmmsg messages split into datagrams, as views into the socket's receive buffer. */
import { MSG_TRUNC, RECV_META, SOCKADDR_SLOT_BYTES, UDP_GRO_CNT_MAX } from './constants.js';
import type { UdpCounters } from './counters.js';
import type { Endpoint } from './endpoint.js';
import type { EndpointCache } from './endpoint-cache.js';
import { sockaddrEquals } from './sockaddr.js';

/**
 * The datagrams of one recv(). Datagram i is buf[offsets[i], offsets[i] +
 * lengths[i]) from the sender in address slot senders[i]. Everything here
 * (buffer contents, arrays, count) is valid only until the next recv() on the
 * same socket, which reuses it; copy what must live longer. The typed arrays
 * may be replaced by larger ones on a later recv, so read them from the batch
 * each time rather than keeping them.
 */
export class UdpBatch {
  /** Number of datagrams. */
  count = 0;
  /** Number of messages they came in (fewer than count when the kernel merged datagrams with GRO). */
  messages = 0;
  /** Start of datagram i in buf. */
  offsets: Int32Array;
  /** Length of datagram i (0 is a valid, empty datagram). */
  lengths: Int32Array;
  /** Address slot (index into addrs, SOCKADDR_SLOT_BYTES each) of datagram i's sender. */
  senders: Int32Array;
  /** GRO segment size of the message datagram i came in (0: it came alone). */
  segSizes: Int32Array;

  /**
   * @internal Made by UdpSocket.
   * @param buf the receive buffer all datagrams point into
   * @param addrs sender sockaddrs, one slot per message (layout in sockaddr.ts)
   */
  constructor(readonly buf: Buffer, readonly addrs: Uint8Array, private readonly cache: EndpointCache, messages: number) {
    const cap = messages * UDP_GRO_CNT_MAX;
    this.offsets = new Int32Array(cap);
    this.lengths = new Int32Array(cap);
    this.senders = new Int32Array(cap);
    this.segSizes = new Int32Array(cap);
  }

  /** Datagram i as a view (allocates the view object; the hot path reads offsets/lengths instead). */
  datagram(i: number): Buffer {
    const off = this.offsets[i]!;
    return this.buf.subarray(off, off + this.lengths[i]!);
  }

  /** Sender of datagram i; the same Endpoint object for a peer seen before (cached, no allocation). */
  peer(i: number): Endpoint {
    return this.cache.lookup(this.addrs, this.senders[i]! * SOCKADDR_SLOT_BYTES);
  }

  /** True when datagrams i and j came from the same sender; allocates nothing. */
  sameSender(i: number, j: number): boolean {
    const a = this.senders[i]!;
    const b = this.senders[j]!;
    return a === b || sockaddrEquals(this.addrs, a * SOCKADDR_SLOT_BYTES, this.addrs, b * SOCKADDR_SLOT_BYTES);
  }

  /** True when datagram i came from `ep`; allocates nothing. */
  isFrom(i: number, ep: Endpoint): boolean {
    return ep.matches(this.addrs, this.senders[i]! * SOCKADDR_SLOT_BYTES);
  }

  /**
   * @internal Splits `n` received messages (udpRecvBatch meta) into datagrams
   * at their GRO segment size, in order; drops truncated messages. Returns count.
   */
  fill(n: number, meta: Int32Array, c: UdpCounters): number {
    let k = 0;
    for (let m = 0; m < n; m++) {
      const b = m * RECV_META;
      const off = meta[b]!;
      const len = meta[b + 1]!;
      const gso = meta[b + 2]!;
      const drops = meta[b + 4]!;
      if (drops > c.rxKernelDrops) c.rxKernelDrops = drops;
      c.rxMessages++;
      if (meta[b + 3]! & MSG_TRUNC) {
        // The tail is gone and, for a GRO message, so is the datagram count: drop it whole.
        c.rxTruncated++;
        continue;
      }
      const segs = gso > 0 ? Math.ceil(len / gso) : 1;
      if (k + segs > this.offsets.length) this.grow(k + segs);
      if (segs > 1) {
        c.rxGroMessages++;
        c.rxGroDatagrams += segs;
      }
      const step = gso > 0 ? gso : len;
      for (let s = 0, at = 0; s < segs; s++, at += step) {
        this.offsets[k] = off + at;
        this.lengths[k] = Math.min(step, len - at);
        this.senders[k] = m;
        this.segSizes[k] = gso;
        k++;
      }
      c.rxBytes += len;
    }
    c.rxDatagrams += k;
    if (k > 0) c.rxBatches++;
    this.count = k;
    this.messages = n;
    return k;
  }

  // Only if a kernel merges more than UDP_GRO_CNT_MAX datagrams per message; doubling amortizes it.
  private grow(need: number): void {
    const cap = Math.max(need, this.offsets.length * 2);
    const copy = (a: Int32Array): Int32Array => {
      const out = new Int32Array(cap);
      out.set(a);
      return out;
    };
    this.offsets = copy(this.offsets);
    this.lengths = copy(this.lengths);
    this.senders = copy(this.senders);
    this.segSizes = copy(this.segSizes);
  }
}
