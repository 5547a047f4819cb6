// Flow table of the stateful firewall: an open-addressing hash table (linear probing, backward-shift
// deletion) over typed arrays, so lookups never allocate; only growth does (NEBULA-PROTOCOL.md §6:
// "packets of a tracked flow in either direction pass without re-evaluation").
//
// Keys are locally oriented (local/remote IP and port, proto, fragment flag, as nebula's
// firewall.Packet), so an outbound packet and its inbound reply share one entry.
// Expiry is lazy (an expired entry found by a lookup is removed) plus sweep(), which callers may
// run periodically and which runs before the table grows.
import { DEFAULT_MAX_FLOWS } from './constants.js';
import type { Flow } from './flow.js';

/** Smallest table, in slots (a power of two). */
const MIN_CAPACITY = 64;
/** Minimum time between full sweeps while the table is at maxFlows, so a flood of new flows cannot make every packet O(capacity). */
const FULL_SWEEP_INTERVAL_MS = 1000;
/** Marks an occupied slot in the proto/fragment word (0 = empty). */
const USED = 0x8000;
/** Fragment flag bit in the proto/fragment word. */
const FRAG = 0x100;

/** Mixes a flow key into 32 bits (multiply-xorshift, murmur3-style finaliser). */
function hashKey(localIp: number, remoteIp: number, ports: number, protoFrag: number): number {
  let h = Math.imul(localIp ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ remoteIp, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ ports, 0x27d4eb2f);
  h ^= protoFrag;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Tracked flows with their expiry times (milliseconds on the caller's clock). */
export class Conntrack {
  private capacity = 0;
  private localIp = new Uint32Array(0);
  private remoteIp = new Uint32Array(0);
  private ports = new Uint32Array(0);
  private protoFrag = new Uint16Array(0);
  private expires = new Float64Array(0);
  private count = 0;
  private lastFullSweep = -Infinity;
  /** Most flows tracked at once; add() refuses beyond it. */
  readonly maxFlows: number;

  /** An empty table bounded at `maxFlows` flows. */
  constructor(maxFlows = DEFAULT_MAX_FLOWS) {
    this.maxFlows = Math.max(1, Math.floor(maxFlows));
    this.allocate(MIN_CAPACITY);
  }

  /** Number of tracked flows (expired ones not yet swept included). */
  get size(): number {
    return this.count;
  }

  /**
   * If `flow` is tracked and not expired at `nowMs`, extends it to nowMs + ttlMs and returns true.
   * An expired entry is removed and false returned.
   */
  touch(flow: Flow, nowMs: number, ttlMs: number): boolean {
    const i = this.find(flow);
    if (i < 0) return false;
    if (this.expires[i] <= nowMs) {
      this.removeAt(i);
      return false;
    }
    this.expires[i] = nowMs + ttlMs;
    return true;
  }

  /** Whether `flow` is tracked and not expired at `nowMs`; changes nothing. */
  has(flow: Flow, nowMs: number): boolean {
    const i = this.find(flow);
    return i >= 0 && this.expires[i] > nowMs;
  }

  /** Tracks `flow` until nowMs + ttlMs (refreshing it if present); false when maxFlows live flows are tracked. */
  add(flow: Flow, nowMs: number, ttlMs: number): boolean {
    const found = this.find(flow);
    if (found >= 0) {
      this.expires[found] = nowMs + ttlMs;
      return true;
    }
    if (this.count >= this.maxFlows) {
      if (nowMs - this.lastFullSweep < FULL_SWEEP_INTERVAL_MS) return false;
      this.lastFullSweep = nowMs;
      this.sweep(nowMs);
      if (this.count >= this.maxFlows) return false;
    }
    // Keep the load at or below 1/2; sweep first, and grow unless the sweep left a margin of 1/8.
    if ((this.count + 1) * 2 > this.capacity) {
      this.sweep(nowMs);
      if ((this.count + 1) * 8 > this.capacity * 3) this.rehash(this.capacity * 2);
    }
    this.insert(flow.localIp, flow.remoteIp, ((flow.localPort << 16) | flow.remotePort) >>> 0, keyProto(flow), nowMs + ttlMs);
    return true;
  }

  /** Removes every flow expired at `nowMs`; returns how many. */
  sweep(nowMs: number): number {
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

  /** Forgets every flow. */
  clear(): void {
    this.allocate(MIN_CAPACITY);
  }

  /** Slot of `flow`, or -1. */
  private find(flow: Flow): number {
    const lip = flow.localIp >>> 0;
    const rip = flow.remoteIp >>> 0;
    const ports = ((flow.localPort << 16) | flow.remotePort) >>> 0;
    const pf = keyProto(flow);
    const mask = this.capacity - 1;
    let i = hashKey(lip, rip, ports, pf) & mask;
    for (;;) {
      const p = this.protoFrag[i];
      if (p === 0) return -1;
      if (p === pf && this.localIp[i] === lip && this.remoteIp[i] === rip && this.ports[i] === ports) return i;
      i = (i + 1) & mask;
    }
  }

  /** Puts a key known to be absent into the first free slot of its probe sequence. */
  private insert(lip: number, rip: number, ports: number, pf: number, expires: number): void {
    const mask = this.capacity - 1;
    let i = hashKey(lip >>> 0, rip >>> 0, ports, pf) & mask;
    while (this.protoFrag[i] !== 0) i = (i + 1) & mask;
    this.localIp[i] = lip;
    this.remoteIp[i] = rip;
    this.ports[i] = ports;
    this.protoFrag[i] = pf;
    this.expires[i] = expires;
    this.count++;
  }

  /** Empties slot i, shifting back later entries of its cluster so every probe sequence stays unbroken. */
  private removeAt(slot: number): void {
    const mask = this.capacity - 1;
    let hole = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      if (this.protoFrag[j] === 0) break;
      const home = hashKey(this.localIp[j], this.remoteIp[j], this.ports[j], this.protoFrag[j]) & mask;
      // The entry at j may fill the hole only if its home is not cyclically inside (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      this.localIp[hole] = this.localIp[j];
      this.remoteIp[hole] = this.remoteIp[j];
      this.ports[hole] = this.ports[j];
      this.protoFrag[hole] = this.protoFrag[j];
      this.expires[hole] = this.expires[j];
      hole = j;
    }
    this.protoFrag[hole] = 0;
    this.count--;
  }

  /** Moves every entry into fresh arrays of `capacity` slots. */
  private rehash(capacity: number): void {
    const { localIp, remoteIp, ports, protoFrag, expires } = this;
    const old = this.capacity;
    this.allocate(capacity);
    for (let i = 0; i < old; i++) {
      if (protoFrag[i] !== 0) this.insert(localIp[i], remoteIp[i], ports[i], protoFrag[i], expires[i]);
    }
  }

  /** Replaces the arrays with empty ones of `capacity` slots (a power of two). */
  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.localIp = new Uint32Array(capacity);
    this.remoteIp = new Uint32Array(capacity);
    this.ports = new Uint32Array(capacity);
    this.protoFrag = new Uint16Array(capacity);
    this.expires = new Float64Array(capacity);
    this.count = 0;
  }
}

/** The proto/fragment word of a flow's key: never 0, so 0 can mean "empty slot". */
function keyProto(flow: Flow): number {
  return USED | (flow.fragment ? FRAG : 0) | (flow.proto & 0xff);
}
