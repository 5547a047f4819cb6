/**
 * How much curve and signature work unauthenticated handshake datagrams may cost.
 *
 * A msg1 proves nothing (Noise IX sends the certificate and static key in clear), and
 * answering one costs an Ed25519 check (until cached) and four X25519 operations, all on
 * the main thread that also runs data plane 0. The budget admits that work per source
 * address (a token bucket each) and per event-loop turn (a count and a time allowance,
 * refilled by setImmediate), so a flood is refused at the price of a map lookup while established
 * tunnels keep moving, and a new peer from another address still gets its tokens.
 *
 * Single-threaded: owned by the control plane (main thread). Sources are bounded in
 * number; a source not seen for a while is forgotten when room is needed.
 */
import type { Endpoint } from '../../udp/index.js';
import { RateBudget } from '../budget/index.js';

/** Budget settings; defaults in DEFAULT_HANDSHAKE_BUDGET. */
export interface HandshakeBudgetOptions {
  /** Tokens a source address earns per second. */
  perSourceRate: number;
  /** Tokens a source can save up (its burst). */
  perSourceBurst: number;
  /** Expensive handshakes admitted per event-loop turn, whatever their source. */
  perTurn: number;
  /**
   * Time, ms (on the budget's clock), after the turn's first admission from which nothing more
   * is admitted in that turn; unset: the count alone limits a turn.
   */
  perTurnMs?: number;
  /** Source addresses tracked at once. */
  maxSources: number;
}

/**
 * Defaults. A nebula peer sends at most 10 msg1 per handshake over ~9.4 s (try_interval 100 ms,
 * retries 10: docs/PROTOCOL.md "Retries, duplicates and races"), and a few peers may share one NAT address: a burst of 20 and
 * 10 per second leave them room. A turn's handshake work is what the data plane on the same
 * thread waits for: an answered msg1 cost ~0.25 ms on one machine and 0.7-1.0 ms on Node 24 on
 * this 2-vCPU VM (docs/ARCHITECTURE.md "Handshake cost"), so 20 per turn could hold packets
 * 20 ms; 3 ms of it (plus the handshake under way), then the next turn, holds them a few.
 * 16384 sources: 1 MiB or so of map.
 */
export const DEFAULT_HANDSHAKE_BUDGET: HandshakeBudgetOptions = {
  perSourceRate: 10, perSourceBurst: 20, perTurn: 20, perTurnMs: 3, maxSources: 16384,
};

/**
 * Defaults of the screen every msg1 passes before it is parsed at all. Parsing a msg1 with a
 * valid certificate (hashes, protobuf, fingerprint) cost ~30 us here: at 20,000/s from 20
 * addresses that alone took most of a core (bench:dos, signed flood). Five times the expensive
 * budget's rates leaves honest retransmissions and refusals room while capping the parse work.
 */
export const DEFAULT_HANDSHAKE_SCREEN: HandshakeBudgetOptions = {
  perSourceRate: 50, perSourceBurst: 100, perTurn: 100, maxSources: 16384,
};

/** Per-source and per-turn admission of expensive handshake work. */
export class HandshakeBudget {
  private readonly sources = new Map<string, RateBudget>();
  private usedThisTurn = 0;
  private turnStartedAt = 0;
  private turnReset: NodeJS.Immediate | null = null;
  /** Refusals because the source had no token left. */
  refusedSource = 0;
  /** Refusals because this turn's allowance was spent. */
  refusedTurn = 0;

  constructor(private readonly o: HandshakeBudgetOptions = DEFAULT_HANDSHAKE_BUDGET, private readonly now: () => number = Date.now) {}

  /** Takes one unit of work for a datagram from `from`; false (counted) when over budget. */
  admit(from: Endpoint): boolean {
    const now = this.now();
    if (this.spent(now)) {
      this.refusedTurn++;
      return false;
    }
    const key = from.ip;
    let b = this.sources.get(key);
    if (b === undefined) {
      if (this.sources.size >= this.o.maxSources) this.makeRoom(now);
      b = new RateBudget(this.o.perSourceRate, this.o.perSourceBurst);
      this.sources.set(key, b);
    }
    if (!b.take(now)) {
      this.refusedSource++;
      return false;
    }
    if (this.usedThisTurn === 0) this.turnStartedAt = now;
    this.usedThisTurn++;
    this.turnReset ??= setImmediate(() => {
      this.turnReset = null;
      this.usedThisTurn = 0;
    });
    return true;
  }

  /** True when this turn's allowance is spent: nothing more is admitted until the next turn. */
  get turnSpent(): boolean {
    return this.spent(this.now());
  }

  private spent(now: number): boolean {
    if (this.usedThisTurn >= this.o.perTurn) return true;
    const ms = this.o.perTurnMs;
    return ms !== undefined && this.usedThisTurn > 0 && now - this.turnStartedAt >= ms;
  }

  /** False when no turn can admit anything (perTurn 0): waiting for the next turn is pointless. */
  get renews(): boolean {
    return this.o.perTurn > 0;
  }

  /** Stops the turn timer (node stopping). */
  close(): void {
    if (this.turnReset) clearImmediate(this.turnReset);
    this.turnReset = null;
  }

  /** Number of source addresses tracked. */
  get size(): number {
    return this.sources.size;
  }

  // Forgets sources whose bucket has refilled (they lose nothing by it); if none has, the oldest half.
  private makeRoom(now: number): void {
    for (const [k, b] of this.sources) if (b.isFull(now)) this.sources.delete(k);
    if (this.sources.size < this.o.maxSources) return;
    let n = this.sources.size >> 1;
    for (const k of this.sources.keys()) {
      if (n-- <= 0) break;
      this.sources.delete(k);
    }
  }
}
