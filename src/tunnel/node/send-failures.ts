/**
 * UDP send failures, said out loud but not per packet: a dual-stack or routing
 * mistake makes every send fail, and an operator must see it at the default log
 * level, without a line per datagram. The data plane reports each failure it
 * sees (cheap: a counter and the last error) and, on its 1 Hz tick, at most one
 * warning per WARN_EVERY_MS summarises them.
 */
import type { LogFields, LogLevel } from '../log/logger.js';

/** Least time between two warnings (nebula logs each failed send at error; one line per 10 s is enough to notice). */
export const WARN_EVERY_MS = 10_000;

/** Counts failed sends and logs a rate-limited summary. One per data plane, on its thread. */
export class SendFailures {
  private count = 0;
  private lastError = '';
  private lastPeer = '';
  private nextWarnAt = 0;

  constructor(private readonly log: (level: LogLevel, msg: string, fields?: LogFields) => void) {}

  /** Records one failed send (or `n` of a batch) to `peer`. */
  note(peer: string, error: unknown, n = 1): void {
    this.count += n;
    this.lastPeer = peer;
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  /** Logs the failures since the last warning, if any and if WARN_EVERY_MS has passed. */
  tick(nowMs: number): void {
    if (this.count === 0 || nowMs < this.nextWarnAt) return;
    this.log('warning', 'UDP sends failed', { count: this.count, lastUdpAddr: this.lastPeer, lastError: this.lastError });
    this.count = 0;
    this.nextWarnAt = nowMs + WARN_EVERY_MS;
  }
}
