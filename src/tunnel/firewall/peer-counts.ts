// Flows per remote address, for the conntrack's per-peer share. An open-addressing table (linear
// probing, backward-shift deletion) over typed arrays like the flow table, keyed by the same
// HalfSipHash key: remote addresses come from peers too (a member with certificate subnets picks
// many), so its layout must not be choosable either. A peer's entry exists while it has flows.
import { halfSipHash1 } from './halfsiphash.js';

/** Smallest table, in slots (a power of two). */
const MIN_CAPACITY = 16;

/** Counters keyed by u32 address; every operation O(1) expected, none allocates but growth. */
export class PeerCounts {
  private capacity = 0;
  private keys = new Uint32Array(0);
  /** 0 = empty slot: an address with no flows has no entry. */
  private counts = new Uint32Array(0);
  private used = 0;

  /** An empty table hashing under the HalfSipHash key (k0, k1). */
  constructor(
    private readonly k0: number,
    private readonly k1: number,
  ) {
    this.allocate(MIN_CAPACITY);
  }

  /** Addresses with at least one flow. */
  get size(): number {
    return this.used;
  }

  /** Flows counted for `ip`. */
  get(ip: number): number {
    const i = this.find(ip >>> 0);
    return i < 0 ? 0 : this.counts[i];
  }

  /** Counts one more flow for `ip`. */
  increment(ip: number): void {
    const key = ip >>> 0;
    const i = this.find(key);
    if (i >= 0) {
      this.counts[i]++;
      return;
    }
    // Load at most 1/2, as the flow table.
    if ((this.used + 1) * 2 > this.capacity) this.rehash(this.capacity * 2);
    this.place(key, 1);
    this.used++;
  }

  /** Counts one flow fewer for `ip`; its entry goes when it reaches 0. A no-op for an absent address. */
  decrement(ip: number): void {
    const i = this.find(ip >>> 0);
    if (i < 0) return;
    if (--this.counts[i] === 0) this.removeAt(i);
  }

  /** Forgets every count. */
  clear(): void {
    this.allocate(MIN_CAPACITY);
  }

  private home(key: number): number {
    return halfSipHash1(this.k0, this.k1, key) & (this.capacity - 1);
  }

  private find(key: number): number {
    const mask = this.capacity - 1;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      if (this.counts[i] === 0) return -1;
      if (this.keys[i] === key) return i;
    }
  }

  private place(key: number, count: number): void {
    const mask = this.capacity - 1;
    let i = this.home(key);
    while (this.counts[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = key;
    this.counts[i] = count;
  }

  /** Empties slot `slot`, shifting back later entries of its cluster so every probe sequence stays unbroken. */
  private removeAt(slot: number): void {
    const mask = this.capacity - 1;
    let hole = slot;
    for (let j = (slot + 1) & mask; this.counts[j] !== 0; j = (j + 1) & mask) {
      const home = this.home(this.keys[j]);
      // The entry at j may fill the hole only if its home is not cyclically inside (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      this.keys[hole] = this.keys[j];
      this.counts[hole] = this.counts[j];
      hole = j;
    }
    this.counts[hole] = 0;
    this.used--;
  }

  private rehash(capacity: number): void {
    const { keys, counts } = this;
    const used = this.used;
    this.allocate(capacity);
    for (let i = 0; i < keys.length; i++) if (counts[i] !== 0) this.place(keys[i], counts[i]);
    this.used = used;
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.keys = new Uint32Array(capacity);
    this.counts = new Uint32Array(capacity);
    this.used = 0;
  }
}
