// Flow table of the stateful firewall: an open-addressing hash table (linear probing, backward-shift
// deletion) over typed arrays, so lookups never allocate; only growth does (docs/PROTOCOL.md "Firewall rules":
// "packets of a tracked flow in either direction pass without re-evaluation").
//
// Keys are locally oriented (local/remote IP and port, proto, fragment flag, as nebula's
// firewall.Packet), so an outbound packet and its inbound reply share one entry.
//
// Peers choose most of every key, so the table defends itself three ways:
// - slots come from HalfSipHash-2-4 under a random per-table key: without the key, a member cannot
//   pick flows that share a probe chain (a fixed hash let 20k chosen flows cost 10k probes a lookup);
// - one remote address holds at most maxFlowsPerPeer flows, so one member cannot fill the table;
// - the periodic sweep() examines a bounded number of slots per call, whatever the table's size.
// Expiry is lazy (an expired entry found by a lookup is removed) plus sweep(), plus a full sweep
// before the table grows and, at most once per FULL_SWEEP_INTERVAL_MS, when a bound refuses a flow.
import { randomBytes } from 'node:crypto';
import { DEFAULT_MAX_FLOWS, MIN_FLOWS_PER_PEER, PEER_SHARE_DIVISOR, SWEEP_SLOTS_PER_CALL } from './constants.js';
import { FirewallOptionError } from './errors.js';
import type { Flow } from './flow.js';
import { halfSipHash4 } from './halfsiphash.js';
import { PeerCounts } from './peer-counts.js';

/** Smallest table, in slots (a power of two). */
const MIN_CAPACITY = 64;
/** Minimum time between full sweeps triggered by a refused flow, so a flood of new flows cannot make every packet O(capacity). */
const FULL_SWEEP_INTERVAL_MS = 1000;
/** Marks an occupied slot in the proto/fragment word (0 = empty). */
const USED = 0x8000;
/** Fragment flag bit in the proto/fragment word. */
const FRAG = 0x100;
/** HalfSipHash key length in bytes (two u32 words). */
const KEY_BYTES = 8;

/** Options of a Conntrack beyond its flow bound. */
export interface ConntrackOptions {
  /** Flows one remote address may hold at once (default defaultMaxFlowsPerPeer(maxFlows)). */
  readonly maxFlowsPerPeer?: number;
  /** Slots one periodic sweep() examines (default SWEEP_SLOTS_PER_CALL). */
  readonly sweepSlots?: number;
  /** The 8-byte HalfSipHash key (default: random per table). For reproducible tests only: a known key lets peers choose collisions. */
  readonly hashKey?: Uint8Array;
}

/** How far entries sit from their home slots: the probes a lookup of each needs. */
export interface ProbeStats {
  /** Entries measured (every tracked flow). */
  readonly flows: number;
  /** Mean slots a lookup of an entry examines (1 = found at home). */
  readonly meanProbes: number;
  /** Most slots a lookup of any entry examines. */
  readonly maxProbes: number;
}

/** The per-peer share a table of `maxFlows` flows gets by default: maxFlows / 16, at least 1024 (constants.ts says why). */
export function defaultMaxFlowsPerPeer(maxFlows: number): number {
  return Math.max(MIN_FLOWS_PER_PEER, Math.floor(maxFlows / PEER_SHARE_DIVISOR));
}

/** Tracked flows with their expiry times (milliseconds on the caller's clock). */
export class Conntrack {
  private capacity = 0;
  private localIp = new Uint32Array(0);
  private remoteIp = new Uint32Array(0);
  private ports = new Uint32Array(0);
  private protoFrag = new Uint16Array(0);
  private expires = new Float64Array(0);
  /** Rules version each entry was admitted (or last re-checked) under (docs/PROTOCOL.md "Reloading the config"). */
  private versions = new Uint16Array(0);
  /** 1 when the packet that admitted the entry came from a peer, so the inbound rules re-check it; 0: outbound. */
  private incoming = new Uint8Array(0);
  /** Each entry's full hash, so deletion and growth need not rehash (HalfSipHash is not free). */
  private hashes = new Uint32Array(0);
  private count = 0;
  /** Next slot the periodic sweep examines. */
  private cursor = 0;
  private lastFullSweep = -Infinity;
  private readonly k0: number;
  private readonly k1: number;
  private readonly peers: PeerCounts;
  /** Most flows tracked at once; add() refuses beyond it. */
  readonly maxFlows: number;
  /** Most flows one remote address may hold; add() refuses beyond it. */
  readonly maxFlowsPerPeer: number;
  /** Slots one sweep() examines. */
  readonly sweepSlots: number;

  /** An empty table bounded at `maxFlows` flows; throws FirewallOptionError for a bad option. */
  constructor(maxFlows = DEFAULT_MAX_FLOWS, options: ConntrackOptions = {}) {
    this.maxFlows = Math.max(1, Math.floor(maxFlows));
    this.maxFlowsPerPeer = positive('maxFlowsPerPeer', options.maxFlowsPerPeer ?? defaultMaxFlowsPerPeer(this.maxFlows));
    this.sweepSlots = positive('sweepSlots', options.sweepSlots ?? SWEEP_SLOTS_PER_CALL);
    const key = options.hashKey ?? randomBytes(KEY_BYTES);
    if (key.length !== KEY_BYTES) throw new FirewallOptionError('hashKey', `must be ${KEY_BYTES} bytes, got ${key.length}`);
    const view = new DataView(key.buffer, key.byteOffset, KEY_BYTES);
    this.k0 = view.getUint32(0, true);
    this.k1 = view.getUint32(4, true);
    this.peers = new PeerCounts(this.k0, this.k1);
    this.allocate(MIN_CAPACITY);
  }

  /** Number of tracked flows (expired ones not yet swept included). */
  get size(): number {
    return this.count;
  }

  /** Slots in the table (a power of two, at least twice the flows): sweep() covers them in slots / sweepSlots calls. */
  get slots(): number {
    return this.capacity;
  }

  /** Remote addresses holding at least one tracked flow. */
  get peerCount(): number {
    return this.peers.size;
  }

  /** Tracked flows (expired ones not yet swept included) whose remote address is `remoteIp`. */
  flowsOf(remoteIp: number): number {
    return this.peers.get(remoteIp);
  }

  /**
   * If `flow` is tracked and not expired at `nowMs`, extends it to nowMs + ttlMs and returns true.
   * An expired entry is removed and false returned.
   */
  touch(flow: Flow, nowMs: number, ttlMs: number): boolean {
    const i = this.slotOf(flow, nowMs);
    if (i < 0) return false;
    this.expires[i] = nowMs + ttlMs;
    return true;
  }

  /**
   * The slot of `flow` if it is tracked and not expired at `nowMs`, else -1 (an expired entry is
   * removed). A slot is valid until the next call that adds or removes a flow.
   */
  slotOf(flow: Flow, nowMs: number): number {
    const i = this.find(flow);
    if (i < 0) return -1;
    if (this.expires[i] <= nowMs) {
      this.removeAt(i);
      return -1;
    }
    return i;
  }

  /** Extends the entry at `slot` (from slotOf) to expire at `expires`. */
  extend(slot: number, expires: number): void {
    this.expires[slot] = expires;
  }

  /** Rules version the entry at `slot` was admitted or last re-checked under. */
  versionAt(slot: number): number {
    return this.versions[slot]!;
  }

  /** Whether the entry at `slot` was admitted by a packet from the peer (the inbound rules). */
  incomingAt(slot: number): boolean {
    return this.incoming[slot] === 1;
  }

  /** Records that the entry at `slot` passed a re-check under rules version `version`. */
  restamp(slot: number, version: number): void {
    this.versions[slot] = version;
  }

  /** Forgets the entry at `slot` (from slotOf). */
  removeSlot(slot: number): void {
    this.removeAt(slot);
  }

  /** Whether `flow` is tracked and not expired at `nowMs`; changes nothing. */
  has(flow: Flow, nowMs: number): boolean {
    const i = this.find(flow);
    return i >= 0 && this.expires[i] > nowMs;
  }

  /**
   * Tracks `flow` until nowMs + ttlMs (refreshing it if present); false when maxFlows flows are
   * tracked, or maxFlowsPerPeer with the flow's remote address. A new entry records `version`, the
   * rules version it was admitted under, and whether a packet from the peer (`incoming`) admitted it.
   */
  add(flow: Flow, nowMs: number, ttlMs: number, version = 0, incoming = false): boolean {
    const lip = flow.localIp >>> 0;
    const rip = flow.remoteIp >>> 0;
    const ports = ((flow.localPort << 16) | flow.remotePort) >>> 0;
    const pf = keyProto(flow);
    const h = halfSipHash4(this.k0, this.k1, lip, rip, ports, pf);
    const found = this.findKey(h, lip, rip, ports, pf);
    if (found >= 0) {
      this.expires[found] = nowMs + ttlMs;
      return true;
    }
    if (this.count >= this.maxFlows || this.peers.get(rip) >= this.maxFlowsPerPeer) {
      // Expired entries may hold the room: look for them, but not on every refused packet of a flood.
      if (nowMs - this.lastFullSweep < FULL_SWEEP_INTERVAL_MS) return false;
      this.lastFullSweep = nowMs;
      this.sweepAll(nowMs);
      if (this.count >= this.maxFlows || this.peers.get(rip) >= this.maxFlowsPerPeer) return false;
    }
    // Keep the load at or below 1/2; sweep first, and grow unless the sweep left a margin of 1/8.
    // Either way capacity/8 adds pass before the next full sweep, so its cost is amortised.
    if ((this.count + 1) * 2 > this.capacity) {
      this.sweepAll(nowMs);
      if ((this.count + 1) * 8 > this.capacity * 3) this.rehash(this.capacity * 2);
    }
    const at = this.place(h, lip, rip, ports, pf, nowMs + ttlMs);
    this.versions[at] = version;
    this.incoming[at] = incoming ? 1 : 0;
    this.count++;
    this.peers.increment(rip);
    return true;
  }

  /**
   * Removes the flows expired at `nowMs` in the next `sweepSlots` slots (all of them in a smaller
   * table), continuing where the previous call stopped; returns how many. Calls at a steady rate
   * cover the whole table every slots / sweepSlots calls, and each costs a bounded amount (the slots,
   * plus the removals, each of which a lookup would otherwise have done) whatever the table's size.
   */
  sweep(nowMs: number): number {
    const mask = this.capacity - 1;
    let i = this.cursor;
    let removed = 0;
    // A removal elsewhere (a lookup meeting an expired entry) may shift an entry from just after the
    // cursor to just before it; that entry is skipped this round and examined in the next one.
    for (let left = Math.min(this.sweepSlots, this.capacity); left > 0; ) {
      if (this.protoFrag[i] !== 0 && this.expires[i] <= nowMs) {
        // removeAt shifts a later entry into i: examine i again.
        this.removeAt(i);
        removed++;
      } else {
        i = (i + 1) & mask;
        left--;
      }
    }
    this.cursor = i;
    return removed;
  }

  /** Forgets every flow. */
  clear(): void {
    this.allocate(MIN_CAPACITY);
    this.peers.clear();
  }

  /** Probe lengths of the tracked flows, by a full scan (a diagnostic: the cost of an attack is in these, not in timings). */
  probeStats(): ProbeStats {
    const mask = this.capacity - 1;
    let total = 0;
    let max = 0;
    for (let i = 0; i < this.capacity; i++) {
      if (this.protoFrag[i] === 0) continue;
      const probes = ((i - (this.hashes[i] & mask)) & mask) + 1;
      total += probes;
      if (probes > max) max = probes;
    }
    return { flows: this.count, meanProbes: this.count === 0 ? 0 : total / this.count, maxProbes: max };
  }

  /** Removes every flow expired at `nowMs` in one pass over the table; returns how many. */
  private sweepAll(nowMs: number): number {
    let removed = 0;
    for (let i = 0; i < this.capacity; i++) {
      // removeAt shifts a later entry into i: look at i again.
      while (this.protoFrag[i] !== 0 && this.expires[i] <= nowMs) {
        this.removeAt(i);
        removed++;
      }
    }
    return removed;
  }

  /** Slot of `flow`, or -1. */
  private find(flow: Flow): number {
    const lip = flow.localIp >>> 0;
    const rip = flow.remoteIp >>> 0;
    const ports = ((flow.localPort << 16) | flow.remotePort) >>> 0;
    const pf = keyProto(flow);
    return this.findKey(halfSipHash4(this.k0, this.k1, lip, rip, ports, pf), lip, rip, ports, pf);
  }

  /** Slot of the key whose hash is `h`, or -1. */
  private findKey(h: number, lip: number, rip: number, ports: number, pf: number): number {
    const mask = this.capacity - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const p = this.protoFrag[i];
      if (p === 0) return -1;
      if (this.hashes[i] === h && p === pf && this.localIp[i] === lip && this.remoteIp[i] === rip && this.ports[i] === ports) return i;
    }
  }

  /** Puts a key known to be absent, hashing to `h`, into the first free slot of its probe sequence; returns the slot; counts nothing. */
  private place(h: number, lip: number, rip: number, ports: number, pf: number, expires: number): number {
    const mask = this.capacity - 1;
    let i = h & mask;
    while (this.protoFrag[i] !== 0) i = (i + 1) & mask;
    this.localIp[i] = lip;
    this.remoteIp[i] = rip;
    this.ports[i] = ports;
    this.protoFrag[i] = pf;
    this.expires[i] = expires;
    this.hashes[i] = h;
    return i;
  }

  /** Empties slot `slot`, shifting back later entries of its cluster so every probe sequence stays unbroken. */
  private removeAt(slot: number): void {
    this.peers.decrement(this.remoteIp[slot]);
    const mask = this.capacity - 1;
    let hole = slot;
    for (let j = (slot + 1) & mask; this.protoFrag[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[j] & mask;
      // The entry at j may fill the hole only if its home is not cyclically inside (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      this.localIp[hole] = this.localIp[j];
      this.remoteIp[hole] = this.remoteIp[j];
      this.ports[hole] = this.ports[j];
      this.protoFrag[hole] = this.protoFrag[j];
      this.expires[hole] = this.expires[j];
      this.hashes[hole] = this.hashes[j];
      this.versions[hole] = this.versions[j]!;
      this.incoming[hole] = this.incoming[j]!;
      hole = j;
    }
    this.protoFrag[hole] = 0;
    this.count--;
  }

  /** Moves every entry into fresh arrays of `capacity` slots; counts (total and per peer) stay as they are. */
  private rehash(capacity: number): void {
    const { localIp, remoteIp, ports, protoFrag, expires, hashes, versions, incoming } = this;
    const old = this.capacity;
    const count = this.count;
    this.allocate(capacity);
    for (let i = 0; i < old; i++) {
      if (protoFrag[i] === 0) continue;
      const at = this.place(hashes[i], localIp[i], remoteIp[i], ports[i], protoFrag[i], expires[i]);
      this.versions[at] = versions[i]!;
      this.incoming[at] = incoming[i]!;
    }
    this.count = count;
  }

  /** Replaces the arrays with empty ones of `capacity` slots (a power of two); the sweep starts over. */
  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.localIp = new Uint32Array(capacity);
    this.remoteIp = new Uint32Array(capacity);
    this.ports = new Uint32Array(capacity);
    this.protoFrag = new Uint16Array(capacity);
    this.expires = new Float64Array(capacity);
    this.hashes = new Uint32Array(capacity);
    this.versions = new Uint16Array(capacity);
    this.incoming = new Uint8Array(capacity);
    this.count = 0;
    this.cursor = 0;
  }
}

/** The proto/fragment word of a flow's key: never 0, so 0 can mean "empty slot". */
function keyProto(flow: Flow): number {
  return USED | (flow.fragment ? FRAG : 0) | (flow.proto & 0xff);
}

/** `value` as a whole number of at least 1, or FirewallOptionError naming `option`. */
function positive(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new FirewallOptionError(option, `must be a whole number of at least 1, got ${value}`);
  return value;
}
