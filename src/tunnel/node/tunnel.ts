/**
 * An established tunnel to one peer: indexes, keys, counters, replay window,
 * liveness. DataTunnel is what a data path needs (and all a worker thread of a
 * multi-queue node has); Tunnel adds what the control plane keeps (certificate,
 * handshake time, the cached msg2).
 */
import { BatchAead, type CipherName } from '../aead/index.js';
import type { VerifiedCertificate } from '../cert/index.js';
import type { PeerIdentity } from '../firewall/index.js';
import type { Endpoint } from '../../udp/index.js';
import { COUNTER_FIRST_DATA, ReplayWindow, counterBigInt } from '../wire/index.js';

/** Cells of traffic per tunnel and thread: packets in, bytes in, packets out, bytes out. */
const TRAFFIC_CELLS = 4;

/** A tunnel's data messages each way: packets, and bytes of the inner packets they carried. */
export interface TunnelTraffic {
  /** Data messages authenticated on the tunnel. */
  readonly packetsIn: number;
  /** Bytes of the inner packets those carried. */
  readonly bytesIn: number;
  /** Data messages sealed and sent on the tunnel. */
  readonly packetsOut: number;
  /** Bytes of the inner packets those carried. */
  readonly bytesOut: number;
}

/** The shared buffers of TunnelSlots, for postMessage / workerData. */
export interface TunnelSlotBuffers {
  counters: SharedArrayBuffer;
  inbound: SharedArrayBuffer;
  stamps: SharedArrayBuffer;
  traffic: SharedArrayBuffer;
}

/**
 * Per-tunnel cells shared by the threads of a multi-queue node, one slot per
 * tunnel: the last send counter used (so counters stay unique across threads:
 * every thread reserves runs with Atomics.add), the highest inbound counter
 * accepted on any thread (raised with compare-and-swap: what lets a tunnel's
 * traffic move to another thread when it roams), the liveness stamps (epoch ms,
 * see clock.ts) main's timers read, and traffic counters. Traffic has one row of
 * cells per thread, each written by its thread only (plain adds, no atomics) and
 * summed by whoever reads them.
 */
export class TunnelSlots {
  /** Default slot count: 2 MiB of shared memory, plus 2 MiB of traffic cells per thread. */
  static readonly DEFAULT_CAPACITY = 1 << 16;
  /** counters[slot]: the last counter reserved on the tunnel in `slot`. */
  readonly counters: BigInt64Array;
  /** inbound[slot]: the highest inbound counter accepted on the tunnel in `slot`, on any thread. */
  readonly inbound: BigInt64Array;
  /** stamps[2 * slot]: last authenticated inbound; stamps[2 * slot + 1]: last outbound. */
  readonly stamps: Float64Array;
  /** traffic[((thread * capacity) + slot) * 4 + k]: TunnelTraffic's fields in their order. */
  readonly traffic: Float64Array;
  /** Number of threads with a row of traffic cells. */
  readonly threads: number;

  /** New zeroed cells for `capacity` tunnels and `threads` threads, or views of cells made by another thread. */
  constructor(capacity: number | TunnelSlotBuffers, threads = 1) {
    if (typeof capacity === 'number') {
      this.counters = new BigInt64Array(new SharedArrayBuffer(8 * capacity));
      this.inbound = new BigInt64Array(new SharedArrayBuffer(8 * capacity));
      this.stamps = new Float64Array(new SharedArrayBuffer(16 * capacity));
      this.traffic = new Float64Array(new SharedArrayBuffer(8 * TRAFFIC_CELLS * capacity * threads));
    } else {
      this.counters = new BigInt64Array(capacity.counters);
      this.inbound = new BigInt64Array(capacity.inbound);
      this.stamps = new Float64Array(capacity.stamps);
      this.traffic = new Float64Array(capacity.traffic);
    }
    this.threads = this.traffic.length / (TRAFFIC_CELLS * this.counters.length);
  }

  /** Number of slots. */
  get capacity(): number {
    return this.counters.length;
  }

  /** The shared buffers, for postMessage / workerData. */
  get buffers(): TunnelSlotBuffers {
    return {
      counters: this.counters.buffer as SharedArrayBuffer, inbound: this.inbound.buffer as SharedArrayBuffer, stamps: this.stamps.buffer as SharedArrayBuffer,
      traffic: this.traffic.buffer as SharedArrayBuffer,
    };
  }

  /** Index of the first traffic cell of `slot` in `thread`'s row. */
  trafficAt(slot: number, thread: number): number {
    return (thread * this.capacity + slot) * TRAFFIC_CELLS;
  }

  /** The traffic of the tunnel in `slot`, summed over every thread. */
  trafficOf(slot: number): TunnelTraffic {
    const a = this.traffic;
    let pi = 0, bi = 0, po = 0, bo = 0;
    for (let th = 0; th < this.threads; th++) {
      const at = this.trafficAt(slot, th);
      pi += a[at]!;
      bi += a[at + 1]!;
      po += a[at + 2]!;
      bo += a[at + 3]!;
    }
    return { packetsIn: pi, bytesIn: bi, packetsOut: po, bytesOut: bo };
  }
}

/** What every data path needs to seal and open a peer's traffic. */
export interface DataTunnelParams {
  vpnIp: number;
  localIndex: number;
  remoteIndex: number;
  remote: Endpoint;
  cipher: CipherName;
  /** Key we encrypt with (k1 as initiator, k2 as responder). */
  sendKey: Uint8Array;
  /** Key we decrypt with. */
  recvKey: Uint8Array;
  identity: PeerIdentity;
}

/** The data-path half of a tunnel. Its replay window belongs to one thread. */
export class DataTunnel {
  readonly vpnIp: number;
  readonly localIndex: number;
  readonly remoteIndex: number;
  /** Where the peer is; moves on authenticated traffic from elsewhere (roaming.ts; set by main, replicated to routines). */
  remote: Endpoint;
  readonly identity: PeerIdentity;
  /** Seals on the send key; also tags relayed packets this tunnel carries (docs/PROTOCOL.md "Relays"). */
  readonly seal: BatchAead;
  /** Opens on the receive key; also checks the tags of relayed packets this tunnel carries. */
  readonly open: BatchAead;
  readonly window = new ReplayWindow();
  /** recv_error messages received for this tunnel since the last authenticated packet (torn down at the 4th, docs/PROTOCOL.md "recv_error"). */
  recvErrors = 0;
  /** When the last recv_error counted in recvErrors arrived (clock ms). */
  lastRecvError = 0;
  /** Liveness: when a test request was sent and not yet answered by any inbound packet (0: none pending). */
  testPendingSince = 0;
  /**
   * True until a packet authenticates on this tunnel. A tunnel we answered a msg1 for starts so:
   * msg1 carries no proof that its sender holds the static key, the first packet under the
   * session keys does. A tunnel we initiated is proven by msg2 itself.
   */
  awaitingProof = false;
  private counter = COUNTER_FIRST_DATA - 1;
  private sharedCounters: BigInt64Array | null = null;
  private stamps: Float64Array;
  // This thread's traffic cells (TunnelTraffic's fields from trafficAt): its own until bound to a slot.
  private trafficCells: Float64Array = new Float64Array(TRAFFIC_CELLS);
  private trafficAt = 0;
  private slots: TunnelSlots | null = null;
  private slotIndex = -1;
  private at = 0;
  private closed = false;

  constructor(p: DataTunnelParams, nowMs: number) {
    this.vpnIp = p.vpnIp;
    this.localIndex = p.localIndex;
    this.remoteIndex = p.remoteIndex;
    this.remote = p.remote;
    this.identity = p.identity;
    this.seal = new BatchAead(p.cipher, p.sendKey, 'seal');
    this.open = new BatchAead(p.cipher, p.recvKey, 'open');
    this.stamps = new Float64Array(2);
    this.stamps[0] = nowMs;
  }

  /** Last authenticated inbound packet, clock ms (from any thread once bound to a slot). */
  get lastInbound(): number {
    return this.stamps[this.at]!;
  }

  set lastInbound(v: number) {
    this.stamps[this.at] = v;
  }

  /** Last outbound packet, clock ms (from any thread once bound to a slot). */
  get lastOutbound(): number {
    return this.stamps[this.at + 1]!;
  }

  set lastOutbound(v: number) {
    this.stamps[this.at + 1] = v;
  }

  /** Counts `packets` data messages received on this thread, carrying `bytes` of inner packets (once per run). */
  countIn(packets: number, bytes: number): void {
    const a = this.trafficCells;
    a[this.trafficAt] += packets;
    a[this.trafficAt + 1] += bytes;
  }

  /** Counts `packets` data messages sent on this thread, carrying `bytes` of inner packets (once per run). */
  countOut(packets: number, bytes: number): void {
    const a = this.trafficCells;
    a[this.trafficAt + 2] += packets;
    a[this.trafficAt + 3] += bytes;
  }

  /** Data messages each way, summed over every thread once bound to a slot. */
  traffic(): TunnelTraffic {
    if (this.slots !== null) return this.slots.trafficOf(this.slotIndex);
    const a = this.trafficCells;
    return { packetsIn: a[0]!, bytesIn: a[1]!, packetsOut: a[2]!, bytesOut: a[3]! };
  }

  /** The shared slot this tunnel's counter and stamps live in, or -1. */
  get slot(): number {
    return this.slotIndex;
  }

  /**
   * Moves the counter, the stamps and the traffic into `slot` of `slots`; this
   * thread counts its traffic in row `thread` (0: main). `init` (the thread
   * that owns the slot) first copies this tunnel's current values there and
   * clears the other threads' traffic of the slot (a slot is reused only once
   * every thread let go of it); others just attach to what is in the slot.
   */
  bindSlot(slots: TunnelSlots, slot: number, init: boolean, thread = 0): void {
    const at = slots.trafficAt(slot, thread);
    if (init) {
      Atomics.store(slots.counters, slot, BigInt(this.counter));
      Atomics.store(slots.inbound, slot, counterBigInt(this.window.highestHi, this.window.highestLo));
      slots.stamps[2 * slot] = this.lastInbound;
      slots.stamps[2 * slot + 1] = this.lastOutbound;
      for (let th = 0; th < slots.threads; th++) slots.traffic.fill(0, slots.trafficAt(slot, th), slots.trafficAt(slot, th) + TRAFFIC_CELLS);
      slots.traffic.set(this.trafficCells.subarray(this.trafficAt, this.trafficAt + TRAFFIC_CELLS), at);
    }
    this.sharedCounters = slots.counters;
    this.stamps = slots.stamps;
    this.at = 2 * slot;
    this.trafficCells = slots.traffic;
    this.trafficAt = at;
    this.slots = slots;
    this.slotIndex = slot;
  }

  /**
   * Multi-queue: raises the tunnel's shared highest inbound counter to this
   * thread's highest accepted one (once per run). No-op unbound.
   */
  publishInbound(): void {
    const slots = this.slots;
    if (slots === null) return;
    const w = this.window;
    const mine = counterBigInt(w.highestHi, w.highestLo);
    let cur = Atomics.load(slots.inbound, this.slotIndex);
    while (mine > cur) {
      const seen = Atomics.compareExchange(slots.inbound, this.slotIndex, cur, mine);
      if (seen === cur) return;
      cur = seen;
    }
  }

  /**
   * Multi-queue, a packet from an address other than the remote (the peer may
   * have roamed onto this thread's socket): false unless counter hi/lo is above
   * every inbound counter accepted on any thread. Read-only: the check before
   * decrypting. Unbound: false.
   */
  aboveInbound(hi: number, lo: number): boolean {
    const slots = this.slots;
    return slots !== null && counterBigInt(hi, lo) > Atomics.load(slots.inbound, this.slotIndex);
  }

  /**
   * Multi-queue, after such a packet authenticated: claims counter hi/lo as the
   * tunnel's highest inbound one (compare-and-swap, so two threads cannot both
   * take it) and makes this thread's window refuse every counter up to the one
   * it replaces (they were accepted elsewhere). False when another thread
   * already accepted it or a higher one. Unbound: false.
   */
  claimInbound(hi: number, lo: number): boolean {
    const slots = this.slots;
    if (slots === null) return false;
    const c = counterBigInt(hi, lo);
    let cur = Atomics.load(slots.inbound, this.slotIndex);
    while (c > cur) {
      const seen = Atomics.compareExchange(slots.inbound, this.slotIndex, cur, c);
      if (seen === cur) {
        this.window.advanceTo(Number(cur >> 32n), Number(cur & 0xffffffffn));
        return true;
      }
      cur = seen;
    }
    return false;
  }

  /** The last send counter reserved (on any thread once bound to a slot); 2 before the first send. */
  get lastCounter(): number {
    const shared = this.sharedCounters;
    return shared !== null ? Number(Atomics.load(shared, this.slotIndex)) : this.counter;
  }

  /** The next send counter (the first is 3, docs/PROTOCOL.md "Counters"); one counter for every encrypted type. */
  nextCounter(): number {
    return this.reserveCounters(1);
  }

  /** Reserves `n` consecutive counters and returns the first. */
  reserveCounters(n: number): number {
    const shared = this.sharedCounters;
    if (shared !== null) return Number(Atomics.add(shared, this.slotIndex, BigInt(n))) + 1;
    const first = this.counter + 1;
    this.counter += n;
    return first;
  }

  /** True once close() ran. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Releases the keys; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.seal.close();
    this.open.close();
  }
}

/** Keys and identity a completed handshake yields. */
export interface TunnelParams extends DataTunnelParams {
  cert: VerifiedCertificate;
  /** The peer's handshake Time (ns), for "Handshake too old" (docs/PROTOCOL.md "Retries, duplicates and races"). */
  handshakeTime: bigint;
  initiator: boolean;
  /** Keep copies of the raw keys (replicas for worker threads are built from them); wiped on close. */
  keepKeys?: boolean;
}

/** One established tunnel as the control plane (main thread) holds it. */
export class Tunnel extends DataTunnel {
  readonly cert: VerifiedCertificate;
  readonly handshakeTime: bigint;
  readonly initiator: boolean;
  /** Responder: the msg1 body we answered and the msg2 we sent, replayed for duplicates (docs/PROTOCOL.md "Retries, duplicates and races"). */
  msg1Body: Buffer | null = null;
  msg2: Buffer | null = null;
  /** Raw keys when asked for (keepKeys), for replicas in worker threads; null otherwise and after close. */
  keys: { send: Uint8Array; recv: Uint8Array } | null;
  /** The address the tunnel last roamed away from (null: it never roamed), and when (clock ms): roaming.ts. */
  roamedFrom: Endpoint | null = null;
  roamedAt = 0;

  constructor(p: TunnelParams, nowMs: number) {
    super(p, nowMs);
    this.cert = p.cert;
    this.handshakeTime = p.handshakeTime;
    this.initiator = p.initiator;
    this.keys = p.keepKeys ? { send: Uint8Array.from(p.sendKey), recv: Uint8Array.from(p.recvKey) } : null;
  }

  override close(): void {
    if (this.keys) {
      this.keys.send.fill(0);
      this.keys.recv.fill(0);
      this.keys = null;
    }
    super.close();
  }
}
