/** Reading in callback mode, shared by tun/ and udp/: the readiness callback reads and hands the batch on. */
import type { FdWatcher } from './readiness.js';

/**
 * Calls read() from watcher's readiness callback and hands what it returns to
 * onBatch, in that same call: a lone packet is read and handled with no
 * promise or microtask in between. read() returns null when nothing usable was
 * there and throws on a read error. When onBatch returns a promise, the batch
 * is in use until it settles and no read happens meanwhile; then, if more()
 * says the last read stopped before the source was empty, the next read
 * happens at once rather than after another trip through the event loop's
 * poll (under load, one epoll_wait per batch saved). onEnd runs once: with
 * the watcher's close error (after a batch in use settles), a read error, or
 * onBatch's error. Returns a function that reads now, as a readiness callback
 * would (a no-op while a batch is in use or once ended): for a caller that
 * knows data has just been queued, e.g. by its own write. While a read or
 * onBatch runs, read-now and readiness do nothing (the source stays readable,
 * so nothing is lost) and a close ends it only after onBatch returns.
 */
export function followReads<T>(
  watcher: FdWatcher,
  read: () => T | null,
  onBatch: (batch: T) => Promise<void> | undefined,
  onEnd: (err: Error) => void,
  more: () => boolean = () => false,
): () => void {
  let ended = false;
  let busy = false;
  let closedWhileBusy: Error | null = null;
  const end = (err: Error): void => {
    if (ended) return;
    ended = true;
    onEnd(err);
  };
  const fail = (err: unknown): void => {
    busy = false;
    watcher.unfollow();
    end(err instanceof Error ? err : new Error(String(err)));
  };
  const settled = (): void => {
    busy = false;
    if (closedWhileBusy !== null) {
      end(closedWhileBusy);
      return;
    }
    // resume() itself reads if readiness came while the batch was in use.
    watcher.resume();
    if (!busy && !ended && more()) follower.onReady();
  };
  const follower = {
    onReady(): void {
      if (ended || busy) return;
      // Busy from the read on: a read-now from inside onBatch (the other
      // path's handler, called from ours) must not read over the batch in hand.
      busy = true;
      let pending: Promise<void> | undefined;
      try {
        const batch = read();
        if (batch !== null) pending = onBatch(batch);
      } catch (e) {
        fail(e);
        return;
      }
      if (pending === undefined) {
        busy = false;
        if (closedWhileBusy !== null) end(closedWhileBusy);
        return;
      }
      watcher.pause();
      pending.then(settled, fail);
    },
    onClosed(err: Error): void {
      if (busy) closedWhileBusy = err;
      else end(err);
    },
  };
  watcher.follow(follower);
  return () => follower.onReady();
}
