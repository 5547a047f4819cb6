/**
 * What a data plane does after a lone packet's write: hand the CPU to the task
 * the write woke (docs/LATENCY.md "Handing off the CPU"), and after a send,
 * read the answer a peer on this host may already have sent ("Answers from
 * this host"). The write's wakeup queues that task on this CPU, and without a
 * yield it waits for the rest of our turn: the JavaScript after the write,
 * promise continuations, libuv's bookkeeping.
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

/**
 * One thread's yields, shared by its data plane's two paths. One turn can wake
 * tasks through both: an inbound packet's TUN write wakes its application, and
 * the answer the kernel queued during that write (an echo reply, a TCP ACK)
 * goes out through the outbound path, whose send wakes the peer. One yield
 * lets all of them run, so the inbound path skips its own when the outbound
 * path yielded during its batch. Not thread-safe: one per data plane, used on
 * its thread only.
 */
export class HandOff {
  private count = 0;

  /** `yieldCpu` gives up the CPU; the default is sched_yield, which returns at once when nothing else waits. */
  constructor(private readonly yieldCpu: () => void = () => {
    native.schedYield();
  }) {}

  /** How many yields so far: a mark for `unlessSince`. */
  get yields(): number {
    return this.count;
  }

  /** Yields now. */
  now(): void {
    this.yieldCpu();
    this.count++;
  }

  /** Yields unless one came after `mark` (a value of `yields`). */
  unlessSince(mark: number): void {
    if (this.count === mark) this.now();
  }
}

/**
 * What the data plane does right after a lone batch's send (docs/LATENCY.md
 * "Answers from this host"). A peer on this host that the send woke often runs
 * its whole turn inside that send (its wakeup preempts us) and has answered
 * by the time the send returns: `readSocket` handles the answer first, ahead
 * of the rest of our turn. Then, with `handOff`, the CPU goes to whatever the
 * send woke and did not run yet, and the socket is read again for the answer
 * that run may have sent. Without `handOff`, only the first read.
 */
export function afterLoneSend(readSocket: () => void, handOff: HandOff | undefined): void {
  readSocket();
  if (handOff === undefined) return;
  handOff.now();
  readSocket();
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
