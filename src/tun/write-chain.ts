/** Keeping a queue's writes in order while one of them waits for room (EAGAIN). */

const RESOLVED: Promise<void> = Promise.resolve();
const settle = (): undefined => undefined;

/**
 * The order of a queue's parked writes. A write that met EAGAIN is parked
 * here and retried when the fd is writable; every write submitted while one
 * is parked must queue behind it (`busy`), or it would overtake it and
 * reorder the packets. Each task starts once every task enqueued before it
 * has settled, resolved or rejected: a failed write does not stop the ones
 * behind it. Only the slow path allocates; an idle chain costs one check.
 */
export class WriteChain {
  private tail: Promise<void> | null = null;

  /** True while a task is enqueued and not yet settled: a new write must be enqueued, not issued. */
  get busy(): boolean {
    return this.tail !== null;
  }

  /** Runs `task` once every task enqueued before it has settled; the result settles as the task's does. */
  enqueue(task: () => Promise<void>): Promise<void> {
    const mine = (this.tail ?? RESOLVED).then(task);
    const tail = mine.then(settle, settle);
    this.tail = tail;
    void tail.then(() => {
      if (this.tail === tail) this.tail = null;
    });
    return mine;
  }
}
