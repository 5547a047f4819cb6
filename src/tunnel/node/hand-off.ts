/**
 * Handing the CPU to the task a lone packet's write woke (docs/LATENCY.md
 * "Handing off the CPU"). The write's wakeup queues that task on this CPU, and
 * without a yield it waits for the rest of our turn: the JavaScript after the
 * write, promise continuations, libuv's bookkeeping.
 */
import { native } from '../../native.js';

/**
 * Batches of at most this many packets can be lone traffic (a ping, an RPC, a
 * keystroke): the task the write woke waits on them alone.
 */
export const LONE_BATCH_MAX = 4;
/**
 * A path that had no batch for this long (ms) was idle, so a small batch now is
 * lone traffic and not a stream's ACK clock or a flood, whose batches follow
 * each other within tens of microseconds. Yielding there would only reshuffle a busy CPU.
 */
export const QUIET_MS = 1;

/** Yields this thread's CPU; returns at once when nothing else waits for it. */
export function handOff(): void {
  native.schedYield();
}

/**
 * Tells lone batches from busy ones on one path: one instance per path. The
 * inbound path asks once per batch with the packets it delivered; the outbound
 * path once per send with its datagrams (a later send of the same batch comes
 * less than QUIET_MS after the first, so it is never lone).
 */
export class LoneBatches {
  private last = Number.NEGATIVE_INFINITY;

  /** Whether a batch of `packets` that started at nowMs (clock.ts) is lone traffic. */
  lone(packets: number, nowMs: number): boolean {
    const quiet = nowMs - this.last >= QUIET_MS;
    this.last = nowMs;
    return quiet && packets > 0 && packets <= LONE_BATCH_MAX;
  }
}
