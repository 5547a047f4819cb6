/**
 * The one rate limit of the node: a token bucket that holds up to `burst` tokens and
 * refills at `perSecond`; take() spends one. Used wherever a per-second budget bounds
 * work (rejects, handshake sources, lighthouse queries and answers, punches). No
 * allocation, no timer: the refill is computed from the clock passed in.
 */

/** Tokens refilled at `perSecond` up to `burst` (default: one second's worth). */
export class RateBudget {
  private tokens: number;
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly perSecond: number, private readonly burst = perSecond) {
    this.tokens = burst;
  }

  /** Spends a token at `nowMs` (any monotonic ms clock): true if there was one. */
  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when the bucket is full again at `nowMs`: forgetting it loses nothing. */
  isFull(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= this.burst;
  }

  private refill(nowMs: number): void {
    if (nowMs <= this.last) return;
    const refill = this.last === Number.NEGATIVE_INFINITY ? this.burst : ((nowMs - this.last) * this.perSecond) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + refill);
    this.last = nowMs;
  }
}
