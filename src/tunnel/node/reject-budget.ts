/** A token bucket bounding how many reject packets one data path sends. */

/**
 * Rejects per second one data path (one direction of one thread) may send: Linux's default
 * ICMP rate (net.ipv4.icmp_msgs_per_sec = 1000, Documentation/networking/ip-sysctl.rst).
 */
export const REJECTS_PER_SECOND = 1000;
/** Rejects one data path may send back to back: Linux's net.ipv4.icmp_msgs_burst default (50). */
export const REJECT_BURST = 50;

/** Tokens refilled at `perSecond` up to `burst`; take() spends one. No allocation. */
export class RejectBudget {
  private tokens: number;
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly perSecond = REJECTS_PER_SECOND, private readonly burst = REJECT_BURST) {
    this.tokens = burst;
  }

  /** Spends a token at `nowMs` (any monotonic ms clock): true if there was one. */
  take(nowMs: number): boolean {
    if (nowMs > this.last) {
      const refill = this.last === Number.NEGATIVE_INFINITY ? this.burst : ((nowMs - this.last) * this.perSecond) / 1000;
      this.tokens = Math.min(this.burst, this.tokens + refill);
      this.last = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
