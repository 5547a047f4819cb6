// GRO in userspace: same-flow TCP/UDP packets of one receive batch are merged
// into superpackets so the TUN write path takes one syscall (and the kernel
// one pass through its stack) per chain instead of per packet.
import { ClosedError, OptionError } from '../errors.js';
import { releaseBuffer } from '../native.js';
import { IPPROTO_TCP, LightFirst, TCP_FLAG_ACK, TCP_FLAG_ECE, TCP_FLAG_PSH, type BatchEntry } from '../packet/index.js';
import { Packet } from '../tun/packet.js';
import { Chain, EMPTY } from './chain.js';
import { DEFAULT_MAX_FLOWS, INITIAL_PENDING, MAX_CHAIN_BYTES } from './constants.js';
import { CoalescerBusyError } from './errors.js';
import { FlowTable } from './flow-table.js';
import { ParsedPacket, parseLane } from './parse.js';
import { type CoalescerStats, newCoalescerStats } from './stats.js';
import { checksumsVerify } from './verify.js';

/** Where coalesced output goes; a tio Queue satisfies it (write() sends a Packet with gso set as a superpacket: NEEDS_CSUM, see Queue.writeSuperpacket). */
export interface CoalescerSink {
  /** Writes one packet; the Packet object and its bytes are reused once the promise settles. */
  write(p: Packet): Promise<void>;
}

/** Which lanes a Coalescer runs and how big its flow table is. */
export interface CoalescerOptions {
  /** Coalesce TCP: only if the sink takes TCP superpackets (the device negotiated TSO). */
  tcp: boolean;
  /** Coalesce UDP: only if the sink takes UDP superpackets (the device negotiated USO). */
  udp: boolean;
  /** Chains held between flushes (default 64); each reserves 64 KiB. */
  maxFlows?: number;
  /** Pass through lane packets whose checksums do not verify instead of merging them (default true). */
  verifyChecksums?: boolean;
  /**
   * Write a batch's light packets before its bulk (LightFirst: a ping before the
   * superpackets of a stream; no flow's packets change order). Default false:
   * everything in arrival order.
   */
  lightFirst?: boolean;
}

/** Largest maxFlows accepted: 4096 chains already reserve 256 MiB of store. */
export const MAX_FLOWS_LIMIT = 4096;
// Each chain's store starts on a 64 KiB boundary, so stores never overlap.
const STORE_STRIDE = 65536;
// TCP flags that may appear on a merged segment; ACK is required (RFC 3168 for ECE).
const MERGEABLE_TCP_FLAGS = TCP_FLAG_ACK | TCP_FLAG_PSH | TCP_FLAG_ECE;

/**
 * Coalesces the packets of a receive batch (docs/OFFLOADS.md "Coalescing"). add()
 * each packet, then flush() once per batch; output keeps arrival order, each
 * chain at the position of its first packet.
 */
export class Coalescer {
  private readonly sink: CoalescerSink;
  private readonly tcp: boolean;
  private readonly udp: boolean;
  private readonly verify: boolean;
  private readonly chains: Chain[];
  // The chains' common store, freed by close().
  private readonly store: ArrayBuffer;
  private closed = false;
  private chainCount = 0;
  private readonly table: FlowTable;
  private readonly parsed = new ParsedPacket();
  // Packets written as they came, by reference.
  private passthrough: Packet[] = [];
  private passCount = 0;
  // Output order: a chain index (>= 0) or the complement of a passthrough index.
  private order = new Int32Array(INITIAL_PENDING);
  private orderCount = 0;
  private flushing = false;
  private readonly counters = newCoalescerStats();
  private readonly lightFirst: LightFirst | null;

  constructor(sink: CoalescerSink, opts: CoalescerOptions) {
    const maxFlows = opts.maxFlows ?? DEFAULT_MAX_FLOWS;
    if (!Number.isInteger(maxFlows) || maxFlows < 1 || maxFlows > MAX_FLOWS_LIMIT) {
      throw new OptionError('maxFlows', `must be an integer from 1 to ${MAX_FLOWS_LIMIT}, got ${maxFlows}`);
    }
    this.sink = sink;
    this.tcp = opts.tcp;
    this.udp = opts.udp;
    this.verify = opts.verifyChecksums ?? true;
    this.lightFirst = opts.lightFirst === true ? new LightFirst() : null;
    const storeBuffer = new ArrayBuffer(maxFlows * STORE_STRIDE);
    this.store = storeBuffer;
    this.chains = [];
    for (let i = 0; i < maxFlows; i++) {
      this.chains.push(new Chain(Buffer.from(storeBuffer, i * STORE_STRIDE, MAX_CHAIN_BYTES)));
    }
    this.table = new FlowTable(maxFlows);
    this.growPassthrough(INITIAL_PENDING);
  }

  /**
   * Offers one complete IP packet (checksums complete). Packets that can't be
   * coalesced pass through. buf[off,off+len) must stay unchanged until flush() resolves.
   */
  add(buf: Buffer, off: number, len: number): void {
    if (this.flushing) throw new CoalescerBusyError('add()');
    if (this.closed) throw new ClosedError('coalescer');
    this.counters.packetsIn++;
    const p = this.parsed;
    if (!parseLane(buf, off, len, this.tcp, this.udp, p)) {
      this.pass(buf, off, len);
      return;
    }
    if (p.proto === IPPROTO_TCP) {
      if ((p.flags & ~MERGEABLE_TCP_FLAGS) !== 0 || (p.flags & TCP_FLAG_ACK) === 0) {
        // SYN, FIN, RST, URG, CWR (or no ACK): the segment must reach the
        // receiver after the data before it and before any data after it.
        this.seal(buf, off);
        this.pass(buf, off, len);
        return;
      }
      if (p.payloadLen === 0) {
        // A pure ACK carries no data to reorder; the chain may continue past it.
        this.pass(buf, off, len);
        return;
      }
    } else if (p.payloadLen === 0) {
      // An empty datagram cannot be a segment (gso_size would be 0) but is still data in order.
      this.seal(buf, off);
      this.pass(buf, off, len);
      return;
    }
    if (this.verify && !checksumsVerify(buf, off, len, p)) {
      // Not merged, but still kept in arrival order with its flow's data.
      this.counters.badChecksum++;
      this.seal(buf, off);
      this.pass(buf, off, len);
      return;
    }
    const slot = this.table.find(this.chains, buf, off, p);
    if (slot >= 0) {
      const c = this.chains[this.table.at(slot)];
      if (c.open) {
        if (c.canAppend(buf, off, p)) {
          c.append(buf, off, p);
          this.counters.segmentsCoalesced++;
          return;
        }
        // The packet starts a new chain; anything joining the old one would overtake it.
        c.open = false;
      }
    }
    if (this.chainCount === this.chains.length) {
      this.counters.flowTableFull++;
      this.pass(buf, off, len);
      return;
    }
    const idx = this.chainCount++;
    this.chains[idx].seed(buf, off, len, p);
    this.table.set(slot >= 0 ? slot : ~slot, idx);
    this.pushOrder(idx);
  }

  /**
   * Writes everything held, in arrival order (a flow's chain at the position of
   * its seed; with lightFirst, the light ones first), then resets. Called at the
   * end of every receive batch. Writes go one at a time; if the sink refuses one,
   * the rest are still written and flush rejects with the first error.
   */
  async flush(): Promise<void> {
    if (this.flushing) throw new CoalescerBusyError('flush()');
    if (this.closed) throw new ClosedError('coalescer');
    this.flushing = true;
    const n = this.counters;
    n.flushes++;
    let failed = false;
    let failure: unknown;
    try {
      const count = this.orderCount;
      const seq = this.lightFirst === null ? null : this.lightFirst.order(this, count, Coalescer.viewEntry);
      for (let i = 0; i < count; i++) {
        const e = this.order[seq === null ? i : seq[i]];
        let pk: Packet;
        if (e >= 0) {
          const c = this.chains[e];
          pk = c.finish();
          n.chainsWritten++;
          if (c.segments > 1) n.superpackets++;
        } else {
          pk = this.passthrough[~e];
        }
        try {
          await this.sink.write(pk);
        } catch (err) {
          n.writeErrors++;
          if (!failed) {
            failed = true;
            failure = err;
          }
        }
      }
    } finally {
      this.reset();
      this.flushing = false;
    }
    if (failed) throw failure;
  }

  /**
   * Frees the chain store (64 KiB per flow) now instead of whenever GC gets to
   * it, dropping anything held. add() and flush() throw ClosedError afterwards.
   * Not during a flush (CoalescerBusyError). Idempotent.
   */
  close(): void {
    if (this.flushing) throw new CoalescerBusyError('close()');
    if (this.closed) return;
    this.closed = true;
    this.reset();
    releaseBuffer(this.store);
  }

  // How LightFirst sees entry i of the output order: a chain by its seed, or a passthrough packet.
  private static viewEntry(c: Coalescer, i: number, out: BatchEntry): void {
    const e = c.order[i]!;
    if (e >= 0) {
      c.chains[e]!.describe(out);
      return;
    }
    const pk = c.passthrough[~e]!;
    out.buf = pk.buf;
    out.off = pk.off;
    out.len = pk.len;
    out.superpacket = false;
  }

  /** A snapshot of the counters. */
  stats(): CoalescerStats {
    return { ...this.counters };
  }

  // Closes the open chain of the packet's flow, if any: what follows must not join it.
  private seal(buf: Buffer, off: number): void {
    const slot = this.table.find(this.chains, buf, off, this.parsed);
    if (slot >= 0) this.chains[this.table.at(slot)].open = false;
  }

  private pass(buf: Buffer, off: number, len: number): void {
    if (this.passCount === this.passthrough.length) this.growPassthrough(this.passCount * 2);
    const pk = this.passthrough[this.passCount];
    pk.buf = buf;
    pk.off = off;
    pk.len = len;
    this.pushOrder(~this.passCount);
    this.passCount++;
    this.counters.passthrough++;
  }

  // Steady state never gets here: only a flush period with more packets than ever before grows.
  private growPassthrough(size: number): void {
    for (let i = this.passthrough.length; i < size; i++) this.passthrough.push(new Packet(EMPTY, 0, 0));
  }

  private pushOrder(entry: number): void {
    if (this.orderCount === this.order.length) {
      const bigger = new Int32Array(this.order.length * 2);
      bigger.set(this.order);
      this.order = bigger;
    }
    this.order[this.orderCount++] = entry;
  }

  private reset(): void {
    for (let i = 0; i < this.chainCount; i++) this.chains[i].release();
    for (let i = 0; i < this.passCount; i++) this.passthrough[i].buf = EMPTY;
    this.chainCount = 0;
    this.passCount = 0;
    this.orderCount = 0;
    this.table.clear();
  }
}
