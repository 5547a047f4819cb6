// Index from flow key to the newest chain of that flow, for one flush period.
// Open addressing with linear probing over a table at least twice the number
// of chains, so a probe always reaches an empty slot; entries are only added
// or repointed (a flow's newer chain replaces its older one), never removed,
// and the whole table is cleared at each flush.
import type { Chain } from './chain.js';
import type { ParsedPacket } from './parse.js';

const EMPTY_SLOT = -1;
// Smallest table: keeps the probe math trivial for tiny maxFlows.
const MIN_SLOTS = 8;

/** Flow key -> chain index, sized for `capacity` chains. */
export class FlowTable {
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(capacity: number) {
    let n = MIN_SLOTS;
    while (n < capacity * 2) n *= 2;
    this.slots = new Int32Array(n).fill(EMPTY_SLOT);
    this.mask = n - 1;
  }

  /**
   * Slot of the chain whose key matches the packet at buf[off] (parsed as
   * `p`), or, if none, the bitwise complement (~slot) of the empty slot where it belongs.
   */
  find(chains: readonly Chain[], buf: Uint8Array, off: number, p: ParsedPacket): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = p.hash & mask; ; i = (i + 1) & mask) {
      const c = slots[i];
      if (c === EMPTY_SLOT) return ~i;
      if (chains[c].hasKey(buf, off, p)) return i;
    }
  }

  /** Chain index stored at a slot find() returned (non-negative). */
  at(slot: number): number {
    return this.slots[slot];
  }

  /** Points a slot at a chain index. */
  set(slot: number, chain: number): void {
    this.slots[slot] = chain;
  }

  /** Forgets every entry. */
  clear(): void {
    this.slots.fill(EMPTY_SLOT);
  }
}
