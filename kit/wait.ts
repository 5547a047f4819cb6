// Polling for a condition with a deadline: namespaces, links and servers come up
// asynchronously and a fixed sleep is either flaky or slow.
import { setTimeout as sleep } from 'node:timers/promises';
import { WaitTimeoutError } from './errors.js';

/** How often waitFor re-checks its predicate. */
const POLL_MS = 20;

/** Polls pred until it returns true; throws WaitTimeoutError (`timed out waiting for ${what}`) after timeoutMs. */
export async function waitFor(
  pred: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() >= deadline) throw new WaitTimeoutError(what);
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
}
