// Which packets of a batch may go ahead of its bulk traffic (docs/LATENCY.md
// "Light packets first"): a ping, a DNS answer or a keystroke read in the same
// batch as 1 MiB of a bulk stream leaves before it rather than after, and no
// flow's own packets change order.
import { flowKeyHash } from './flow-hash.js';
import { l4Info, type L4Info } from './ip.js';
import { IPV4_MIN_HEADER_LEN, IPV4_PROTOCOL } from './ipv4.js';
import { IPPROTO_TCP, TCP_MIN_HEADER_LEN, tcpDataOffset } from './tcp.js';
import { IPPROTO_UDP } from './udp.js';

/**
 * Distinct bulk flows one batch may hold before nothing is moved: a batch of
 * more is not one bulk stream beside light traffic, and the per-packet search
 * stays a few compares. 8 covers the streams of a busy host between two peers.
 */
const MAX_BULK_FLOWS = 8;
/** Bytes of the L4 header holding both ports (TCP, RFC 9293; UDP, RFC 768). */
const PORTS_LEN = 4;

/** One entry of a batch as LightFirst.order() sees it; the caller's view function fills it. */
export interface BatchEntry {
  /** The IP packet is buf[off, off+len). */
  buf: Uint8Array;
  off: number;
  len: number;
  /** A superpacket (TSO/USO or a coalesced chain): bulk by definition. */
  superpacket: boolean;
}

/**
 * Orders a batch in two passes: light packets first, then the rest, each in
 * arrival order. Bulk is a superpacket or a TCP segment without payload (the
 * ACK clock of a stream the other way, a SYN, FIN or RST); a packet is light
 * when it is neither, is not an IP fragment, and no bulk packet of the batch
 * has its flow (version, protocol, addresses, ports). So a flow's packets keep
 * their order, whatever the pass each lands in. A hash collision can only keep
 * a light packet in the second pass. One instance per path, reused for every
 * batch; not re-entrant, and the order it returns is valid until its next call.
 */
export class LightFirst {
  /** How many entries at the front of the last order() are light packets moved ahead; 0 when it is arrival order. */
  leading = 0;
  // Entry indexes in the order to handle them; grows with the largest batch.
  private seq = new Int32Array(64);
  // Per entry of the batch being ordered: 1 while it may still lead.
  private lead = new Uint8Array(64);
  private readonly bulk = new Int32Array(MAX_BULK_FLOWS);
  private bulkCount = 0;
  private readonly entry: BatchEntry = { buf: new Uint8Array(0), off: 0, len: 0, superpacket: false };
  private readonly l4: L4Info = { version: 0, proto: 0, l4Offset: 0, ipHdrLen: 0, fragment: false };

  /**
   * The order in which to handle entries 0..count-1 of `batch`: the returned
   * array's first `count` values are their indexes, light packets first.
   * view(batch, i, out) describes entry i; it is called at most twice per
   * entry. With no bulk, no light packet, or too many bulk flows, the order is
   * arrival order (and `leading` is 0).
   */
  order<B>(batch: B, count: number, view: (batch: B, i: number, out: BatchEntry) => void): Int32Array {
    if (this.seq.length < count) {
      const size = Math.max(count, this.seq.length * 2);
      this.seq = new Int32Array(size);
      this.lead = new Uint8Array(size);
    }
    const seq = this.seq;
    // A lone packet (the idle case) has nothing to go ahead of: touch nothing more.
    const leading = count < 2 ? 0 : this.classify(batch, count, view);
    this.leading = leading;
    if (leading === 0) {
      for (let i = 0; i < count; i++) seq[i] = i;
      return seq;
    }
    const lead = this.lead;
    let front = 0;
    let back = leading;
    for (let i = 0; i < count; i++) {
      if (lead[i] === 1) seq[front++] = i;
      else seq[back++] = i;
    }
    return seq;
  }

  // Marks lead[i] = 1 for each light entry and returns how many there are, or 0 (then lead is not meaningful).
  private classify<B>(batch: B, count: number, view: (batch: B, i: number, out: BatchEntry) => void): number {
    const lead = this.lead;
    const e = this.entry;
    this.bulkCount = 0;
    let candidates = 0;
    // First: every bulk flow of the batch. What is not bulk is a candidate, looked at only if there is bulk.
    for (let i = 0; i < count; i++) {
      view(batch, i, e);
      const h = this.bulkHash(e);
      if (h === NOT_BULK) {
        lead[i] = 1;
        candidates++;
      } else {
        lead[i] = 0;
        if (!this.noteBulk(h)) return 0;
      }
    }
    if (this.bulkCount === 0 || candidates === 0) return 0;
    let light = 0;
    for (let i = 0; i < count; i++) {
      if (lead[i] === 0) continue;
      view(batch, i, e);
      if (this.isLight(e)) light++;
      else lead[i] = 0;
    }
    return light;
  }

  // The flow hash of a bulk packet, or NOT_BULK. The common case, an IPv4 packet that is neither
  // a superpacket nor TCP (a datagram flood), reads two bytes.
  private bulkHash(e: BatchEntry): number {
    const { buf, off, len } = e;
    if (!e.superpacket && len >= IPV4_MIN_HEADER_LEN && buf[off]! >>> 4 === 4 && buf[off + IPV4_PROTOCOL] !== IPPROTO_TCP) return NOT_BULK;
    const l4 = this.l4;
    if (!l4Info(buf, off, len, l4) || l4.fragment) return NOT_BULK;
    const proto = l4.proto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return NOT_BULK;
    const end = off + len;
    if (l4.l4Offset + PORTS_LEN > end) return NOT_BULK;
    if (!e.superpacket) {
      // Not a superpacket: bulk only as a TCP segment without payload.
      if (proto !== IPPROTO_TCP || l4.l4Offset + TCP_MIN_HEADER_LEN > end) return NOT_BULK;
      if (l4.l4Offset + tcpDataOffset(buf, l4.l4Offset) < end) return NOT_BULK;
    }
    return flowHash(buf, off, l4);
  }

  // A candidate (not bulk) is light if it is a whole IP packet, not a fragment, and its flow has no bulk packet.
  private isLight(e: BatchEntry): boolean {
    if (e.superpacket) return false;
    const l4 = this.l4;
    if (!l4Info(e.buf, e.off, e.len, l4) || l4.fragment) return false;
    // Not TCP/UDP: no bulk flow can be its flow (bulk is TCP or UDP).
    if (l4.proto !== IPPROTO_TCP && l4.proto !== IPPROTO_UDP) return true;
    if (l4.l4Offset + PORTS_LEN > e.off + e.len) return false;
    const h = flowHash(e.buf, e.off, l4);
    for (let k = 0; k < this.bulkCount; k++) if (this.bulk[k] === h) return false;
    return true;
  }

  private noteBulk(h: number): boolean {
    const n = this.bulkCount;
    for (let k = 0; k < n; k++) if (this.bulk[k] === h) return true;
    if (n === MAX_BULK_FLOWS) return false;
    this.bulk[n] = h;
    this.bulkCount = n + 1;
    return true;
  }
}

// What bulkHash returns for a packet that is not bulk; flowHash never returns it (bit 1 is set there).
const NOT_BULK = 0;

// The flow key's hash (version, protocol, addresses, ports) with bit 1 set, so never NOT_BULK.
function flowHash(buf: Uint8Array, off: number, l4: L4Info): number {
  return flowKeyHash(buf, off, l4.version, l4.proto, l4.l4Offset) | 2;
}
