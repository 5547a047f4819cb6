/** Waiting for an fd to become readable or writable on the current thread's libuv loop. */
import { native, POLL_READABLE, POLL_WRITABLE, type PollHandle } from '../native.js';
import { SyscallError } from '../errors.js';

type Waiter = { resolve: () => void; reject: (e: Error) => void };

/**
 * One uv_poll per fd; at most one reader and one writer wait at a time (the
 * queue guarantees it). Close it before closing the fd.
 */
export class FdWatcher {
  private handle: PollHandle | null;
  private reader: Waiter | null = null;
  private writer: Waiter | null = null;
  private active = 0;

  constructor(fd: number, private readonly label: string) {
    const h = native.pollCreate(fd, (status, events) => this.onEvent(status, events));
    if (typeof h === 'number') throw new SyscallError('uv_poll_init', h, label);
    this.handle = h;
  }

  /** Resolves when the fd is readable (or errored: the next read reports it). */
  readable(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject };
      this.update();
    });
  }

  /** Resolves when the fd is writable. */
  writable(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writer = { resolve, reject };
      this.update();
    });
  }

  /** Rejects all waiters with `err` and releases the poll handle; idempotent. */
  close(err: Error): void {
    if (this.handle) {
      native.pollClose(this.handle);
      this.handle = null;
    }
    const r = this.reader;
    const w = this.writer;
    this.reader = this.writer = null;
    r?.reject(err);
    w?.reject(err);
  }

  private update(): void {
    if (!this.handle) return;
    const want = (this.reader ? POLL_READABLE : 0) | (this.writer ? POLL_WRITABLE : 0);
    if (want === this.active) return;
    this.active = want;
    const r = want === 0 ? native.pollStop(this.handle) : native.pollStart(this.handle, want);
    if (r < 0) this.close(new SyscallError('uv_poll_start', r, this.label));
  }

  private onEvent(status: number, events: number): void {
    // An error status (e.g. EBADF) wakes everyone; the retried syscall reports the real error.
    const all = status < 0;
    const r = this.reader;
    const w = this.writer;
    if (r && (all || events & POLL_READABLE)) this.reader = null;
    if (w && (all || events & POLL_WRITABLE)) this.writer = null;
    this.update();
    if (r && this.reader === null) r.resolve();
    if (w && this.writer === null) w.resolve();
  }
}

/** Watches an fd that only ever becomes readable once (the close eventfd); does not keep the loop alive. */
export class SignalWatcher {
  private handle: PollHandle | null;

  constructor(fd: number, label: string, onSignal: () => void) {
    const h = native.pollCreate(fd, () => {
      this.close();
      onSignal();
    });
    if (typeof h === 'number') throw new SyscallError('uv_poll_init', h, label);
    this.handle = h;
    native.pollRef(h, false);
    const r = native.pollStart(h, POLL_READABLE);
    if (r < 0) {
      this.close();
      throw new SyscallError('uv_poll_start', r, label);
    }
  }

  /** Stops watching; idempotent. */
  close(): void {
    if (this.handle) {
      native.pollClose(this.handle);
      this.handle = null;
    }
  }
}
