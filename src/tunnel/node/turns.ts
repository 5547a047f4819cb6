/**
 * Runs async jobs one at a time, in the order given. The data paths (OutboundPath,
 * InboundPath) are not re-entrant (one arena, one coalescer), yet batches reach them
 * from more than their read loop: packets held for a handshake, datagrams a routine
 * parked until their tunnel came. Every batch of a path takes its turn here.
 */
export class Turns {
  private tail: Promise<void> = Promise.resolve();

  /** Queues `job` after every job queued before; resolves or rejects as it does. */
  run(job: () => Promise<void>): Promise<void> {
    const turn = this.tail.then(job);
    // A failed job is its caller's to handle; the next one runs regardless.
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Resolves once every job queued so far has settled. */
  idle(): Promise<void> {
    return this.tail;
  }
}
