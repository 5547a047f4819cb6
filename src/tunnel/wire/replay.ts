// Nebula's anti-replay window (docs/PROTOCOL.md "Replay window", nebula bits.go): a ring of 1024 flags
// indexed by counter mod 1024 plus `current`, the highest accepted counter. The flags are bits
// (128 bytes a tunnel, not 1 KiB: memory per tunnel counts at thousands of peers).
//
// Counters are u64 and arrive as u32 halves (hi, lo). Arithmetic uses the signed distance
// d = counter - current as a double: exact while |d| < 2^53 and, beyond that, still on the
// right side of every threshold used here (0, 1, ±1024), so the full u64 range works.
// Nebula's uint64 arithmetic wraps near 0 and 2^64; we follow the documented (non-wrapping)
// semantics instead. The two differ only for counters within 1024 of 2^64.
import { REPLAY_WINDOW } from './constants.js';
import { TWO_POW_32, counterNumber } from './counter.js';
import { DROP_REPLAY_DUPLICATE, DROP_REPLAY_TOO_OLD, type ReplayDropReason } from './reasons.js';

const SLOT_MASK = REPLAY_WINDOW - 1;
/** 32 flags per word. */
const WORDS = REPLAY_WINDOW >>> 5;

/**
 * Per-tunnel receive window. Call check() before decrypting (a refusal there earns the sender a
 * recv_error) and update() only after the AEAD verified the packet (a refusal there is a silent drop).
 * A new window is in the post-handshake state: 0, 1 and 2 marked seen, highest = 2 (docs/PROTOCOL.md "Replay window").
 */
export class ReplayWindow {
  // Flag of slot s: bit (s & 31) of word s >>> 5.
  private readonly slots = new Int32Array(WORDS);
  private curHi = 0;
  private curLo = 0;

  constructor() {
    this.reset();
  }

  /** Returns the window to its post-handshake state: 0, 1, 2 seen, highest = 2. */
  reset(): void {
    this.slots.fill(0);
    this.slots[0] = 0b111;
    this.curHi = 0;
    this.curLo = 2;
  }

  /** High u32 half of the highest accepted counter. */
  get highestHi(): number {
    return this.curHi;
  }

  /** Low u32 half of the highest accepted counter. */
  get highestLo(): number {
    return this.curLo;
  }

  /** The highest accepted counter as a number (exact below 2^53). */
  get highest(): number {
    return counterNumber(this.curHi, this.curLo);
  }

  /**
   * Pre-decrypt check of counter hi/lo; null = may be decrypted. Accepts anything above the highest;
   * otherwise, if highest >= 1024 and c > highest-1024, or if c < 1024, accepts when slot c mod 1024
   * is clear. Does not change the window. (docs/PROTOCOL.md "Replay window": Check)
   */
  check(hi: number, lo: number): ReplayDropReason | null {
    const d = this.distance(hi, lo);
    if (d > 0) return null;
    if ((this.currentAtLeastWindow() && d > -REPLAY_WINDOW) || (hi === 0 && lo < REPLAY_WINDOW)) {
      return this.seen(lo & SLOT_MASK) ? DROP_REPLAY_DUPLICATE : null;
    }
    return DROP_REPLAY_TOO_OLD;
  }

  /**
   * Post-decrypt update with counter hi/lo; null = accepted (and recorded). Any forward move is
   * accepted: +1 marks the slot, < +1024 also clears the skipped slots, >= +1024 clears the ring.
   * A counter inside the window and not above the highest is accepted once. (docs/PROTOCOL.md "Replay window": Update)
   */
  update(hi: number, lo: number): ReplayDropReason | null {
    const d = this.distance(hi, lo);
    const slot = lo & SLOT_MASK;
    if (d > 0) {
      if (d >= REPLAY_WINDOW) {
        this.slots.fill(0);
      } else {
        // Counters between the old highest and this one may still arrive: free their slots.
        for (let k = 1; k < d; k++) this.clear((this.curLo + k) & SLOT_MASK);
      }
      this.mark(slot);
      this.curHi = hi >>> 0;
      this.curLo = lo >>> 0;
      return null;
    }
    const inWindow = this.currentAtLeastWindow() ? d > -REPLAY_WINDOW : hi === 0 && lo < REPLAY_WINDOW;
    if (!inWindow) return DROP_REPLAY_TOO_OLD;
    if (d === 0 || this.seen(slot)) return DROP_REPLAY_DUPLICATE;
    this.mark(slot);
    return null;
  }

  /**
   * Refuses from now on every counter up to hi/lo: they were accepted on
   * another thread's window (a multi-queue node's tunnel moving between
   * threads when it roams). Above the highest, the whole ring is marked.
   */
  advanceTo(hi: number, lo: number): void {
    const d = this.distance(hi, lo);
    if (d > 0) {
      this.slots.fill(-1);
      this.curHi = hi >>> 0;
      this.curLo = lo >>> 0;
      return;
    }
    // Mark the window's counters from its oldest up to hi/lo (none below 0 while it reaches 0).
    const oldest = this.curHi === 0 ? Math.max(-this.curLo, 1 - REPLAY_WINDOW) : 1 - REPLAY_WINDOW;
    for (let k = oldest; k <= d; k++) this.mark((this.curLo + k) & SLOT_MASK);
  }

  private seen(slot: number): boolean {
    return (this.slots[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  private mark(slot: number): void {
    this.slots[slot >>> 5]! |= 1 << (slot & 31);
  }

  private clear(slot: number): void {
    this.slots[slot >>> 5]! &= ~(1 << (slot & 31));
  }

  /** Signed counter - highest; exact while small, correct in sign and magnitude class when huge. */
  private distance(hi: number, lo: number): number {
    return (hi - this.curHi) * TWO_POW_32 + (lo - this.curLo);
  }

  /** Whether the highest accepted counter is >= 1024 (the window no longer reaches 0). */
  private currentAtLeastWindow(): boolean {
    return this.curHi !== 0 || this.curLo >= REPLAY_WINDOW;
  }
}
