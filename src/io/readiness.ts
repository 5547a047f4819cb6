/** Waiting for an fd to become readable or writable on the current thread's libuv loop; shared by tun/ and udp/. */
import { native, POLL_READABLE, POLL_WRITABLE, type PollHandle } from '../native.js';
import { SyscallError } from '../errors.js';

type Waiter = { resolve: () => void; reject: (e: Error) => void };

/** A reader called from the readiness callback itself (FdWatcher.follow). */
export interface Follower {
  /** The fd is readable (or errored: the next read reports it). */
  onReady(): void;
  /** The watcher closed: no more calls. */
  onClosed(err: Error): void;
}

/**
 * One uv_poll per fd; at most one reader and one writer wait at a time (the
 * queue guarantees it). Close it before closing the fd.
 *
 * A direction that just woke its waiter stays armed: data paths wait again
 * right after draining, and stopping and restarting the poll each time cost
 * two or three epoll_ctl calls per wake-up (strace: ~3 per epoll_wait). While
 * nobody waits the handle does not keep the event loop alive. If a direction
 * fires with nobody waiting, it is disarmed (level-triggered epoll would call
 * back on every loop turn) and its readiness kept for the next wait.
 */
export class FdWatcher {
  private handle: PollHandle | null;
  private reader: Waiter | null = null;
  private writer: Waiter | null = null;
  // A reader that stays (follow()), and whether it is busy with an earlier batch.
  private follower: Follower | null = null;
  private followerPaused = false;
  // Poll bits: started in libuv, kept armed after a wake-up, and fired with nobody waiting.
  private active = 0;
  private keep = 0;
  private ready = 0;
  // Handles start referenced (they keep the loop alive).
  private referenced = true;
  // Why the watcher stopped (close, or a poll that could not start): later waits reject with it.
  private failed: Error | null = null;

  constructor(fd: number, private readonly label: string) {
    const h = native.pollCreate(fd, (status, events) => this.onEvent(status, events));
    if (typeof h === 'number') throw new SyscallError('uv_poll_init', h, label);
    this.handle = h;
  }

  /** Resolves when the fd is readable (or errored: the next read reports it). */
  readable(): Promise<void> {
    return this.wait(POLL_READABLE);
  }

  /** Resolves when the fd is writable. */
  writable(): Promise<void> {
    return this.wait(POLL_WRITABLE);
  }

  /**
   * Calls f.onReady() from the readiness callback itself every time the fd is
   * readable: nothing (no promise, no microtask) between the wake-up and the
   * reader, which is what a lone packet's latency wants. Stays until close(),
   * which calls f.onClosed once. Exclusive with readable(); the caller keeps it so.
   */
  follow(f: Follower): void {
    if (this.failed) {
      f.onClosed(this.failed);
      return;
    }
    this.follower = f;
    this.followerPaused = false;
    this.update();
  }

  /** Stops calling the follower (it is done: its read failed); no onClosed. */
  unfollow(): void {
    this.follower = null;
    this.followerPaused = false;
    this.update();
  }

  /** The follower is busy with a batch: no onReady until resume() (readiness meanwhile is kept). */
  pause(): void {
    this.followerPaused = true;
  }

  /** The follower may read again: onReady at once if the fd became readable while paused. */
  resume(): void {
    const f = this.follower;
    if (f === null || !this.followerPaused) return;
    this.followerPaused = false;
    const pending = (this.ready & POLL_READABLE) !== 0;
    this.ready &= ~POLL_READABLE;
    this.update();
    if (pending && this.follower === f) f.onReady();
  }

  /** Rejects all waiters, and every later wait, with `err` and releases the poll handle; idempotent. */
  close(err: Error): void {
    this.release();
    this.failed ??= err;
    const r = this.reader;
    const w = this.writer;
    const f = this.follower;
    this.reader = this.writer = this.follower = null;
    r?.reject(err);
    w?.reject(err);
    f?.onClosed(err);
  }

  private release(): void {
    if (this.handle) {
      native.pollClose(this.handle);
      this.handle = null;
    }
    this.active = this.keep = this.ready = 0;
  }

  // Readiness that came while nobody waited answers at once; otherwise the waiter is parked.
  private wait(bit: number): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.handle && this.ready & bit) {
      this.ready &= ~bit;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      if (bit === POLL_READABLE) this.reader = { resolve, reject };
      else this.writer = { resolve, reject };
      this.update();
    });
  }

  private update(): void {
    if (!this.handle) return;
    const reading = this.reader !== null || (this.follower !== null && !this.followerPaused);
    const waiting = (reading ? POLL_READABLE : 0) | (this.writer ? POLL_WRITABLE : 0);
    const want = waiting | this.keep;
    if (want !== this.active) {
      this.active = want;
      const r = want === 0 ? native.pollStop(this.handle) : native.pollStart(this.handle, want);
      if (r < 0) {
        // The handle is gone (its fd was closed behind our back, native/poll.c): wake the waiters so
        // their retried syscall reports the fd's real state (EBADF), and refuse later waits.
        this.failed = new SyscallError('uv_poll_start', r, this.label);
        this.release();
        const rd = this.reader;
        const wr = this.writer;
        const f = this.follower && !this.followerPaused ? this.follower : null;
        this.reader = this.writer = null;
        rd?.resolve();
        wr?.resolve();
        f?.onReady();
        return;
      }
    }
    const ref = waiting !== 0;
    if (ref !== this.referenced) {
      this.referenced = ref;
      native.pollRef(this.handle, ref);
    }
  }

  private onEvent(status: number, events: number): void {
    // An error status (e.g. EBADF) wakes everyone; the retried syscall reports the real error.
    // libuv has stopped the handle itself then (uv__poll_io on POLLERR): the next wait must start it again.
    if (status < 0) this.active = this.keep = 0;
    const fired = status < 0 ? POLL_READABLE | POLL_WRITABLE : events & (POLL_READABLE | POLL_WRITABLE);
    const r = fired & POLL_READABLE ? this.reader : null;
    const w = fired & POLL_WRITABLE ? this.writer : null;
    const f = fired & POLL_READABLE && !this.followerPaused ? this.follower : null;
    if (fired & POLL_READABLE) this.fired(POLL_READABLE, r !== null || f !== null, status < 0);
    if (fired & POLL_WRITABLE) this.fired(POLL_WRITABLE, w !== null, status < 0);
    if (r) this.reader = null;
    if (w) this.writer = null;
    this.update();
    r?.resolve();
    w?.resolve();
    f?.onReady();
  }

  // A direction fired: keep it armed for a waiter that was woken, or disarm it and remember it is ready.
  private fired(bit: number, woke: boolean, error: boolean): void {
    if (woke) {
      if (!error) this.keep |= bit;
    } else {
      this.keep &= ~bit;
      this.ready |= bit;
    }
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
