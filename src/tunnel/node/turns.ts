/**
 * Runs async jobs one at a time, in the order given. The data paths (OutboundPath,
 * InboundPath) are not re-entrant (one arena, one coalescer), yet batches reach them
 * from more than their read loop: packets held for a handshake, datagrams a routine
 * parked until their tunnel came. Every batch of a path takes its turn here.
 */
export class Turns {
  private tail: Promise<void> = Promise.resolve();
  // Jobs queued or running; a job counts until a microtask after it settles.
  private queued = 0;
  private readonly done = (): void => {
    this.queued--;
  };

  /** Queues `job` after every job queued before; resolves or rejects as it does. */
  run(job: () => Promise<void>): Promise<void> {
    this.queued++;
    const turn = this.tail.then(job);
    // A failed job is its caller's to handle; the next one runs regardless.
    this.tail = turn.then(this.done, this.done);
    return turn;
  }

  /**
   * As run(), but when nothing is queued or running `job` starts now, in this
   * call, rather than a microtask later: the read callbacks hand batches over
   * this way, so a lone packet reaches its syscall in the readiness callback.
   */
  runNow(job: () => Promise<void>): Promise<void> {
    if (this.queued > 0) return this.run(job);
    this.queued++;
    let turn: Promise<void>;
    try {
      turn = job();
    } catch (e) {
      turn = Promise.reject(e);
    }
    this.tail = turn.then(this.done, this.done);
    return turn;
  }

  /** Resolves once every job queued so far has settled. */
  idle(): Promise<void> {
    return this.tail;
  }
}
