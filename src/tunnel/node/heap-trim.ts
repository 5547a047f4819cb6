/**
 * Returning freed malloc memory to the kernel after tunnels come and go.
 * A handshake frees what it allocated (OpenSSL key objects, certificate and
 * message buffers), but glibc keeps the freed pages resident in its arenas;
 * after a burst of handshakes that is a few KiB per tunnel of RSS nobody uses
 * (bench:peers at 1000 tunnels: 2.7 MiB returned by one trim). The node calls
 * tick() on its timer; the trim (malloc_trim(0), well under a millisecond
 * there) runs only when the tunnel set changed since the last one, and at
 * most every TRIM_INTERVAL_MS. Single-threaded: the node's main thread owns it.
 */
import { trimMallocHeap } from '../../native.js';

/** At most one trim this often, ms: a handshake burst is trimmed once it settles, not per handshake. */
export const TRIM_INTERVAL_MS = 5_000;

/** Decides when the node trims the malloc heap. */
export class HeapTrimmer {
  /** Trims done (for tests and metrics). */
  trims = 0;
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastChurn = 0;

  /**
   * `churn` is any number that changes when tunnels come or go (the node passes
   * handshakes completed + answered + tunnels now); trims when it changed since
   * the last trim and TRIM_INTERVAL_MS passed.
   */
  tick(nowMs: number, churn: number): void {
    if (churn === this.lastChurn || nowMs - this.lastAt < TRIM_INTERVAL_MS) return;
    this.lastChurn = churn;
    this.lastAt = nowMs;
    trimMallocHeap();
    this.trims++;
  }
}
