// An in-process TUN->TUN forwarder for integration tests: every packet read
// from one queue is written to the other, superpackets included.
import type { Packet, Queue } from '../../src/index.js';
import { ClosedError } from '../../src/index.js';

/** A running forwarder: both directions, errors collected instead of thrown. */
export interface Forwarder {
  /** Write errors seen (a correct forwarder has none). */
  errors: Error[];
  /** Resolves when both directions have stopped (their queues closed). */
  done: Promise<void>;
}

async function pump(from: Queue, to: Queue, errors: Error[], onPacket?: (p: Packet) => void): Promise<void> {
  try {
    for await (const batch of from) {
      for (const p of batch) {
        onPacket?.(p);
        try {
          await to.write(p);
        } catch (e) {
          if (e instanceof ClosedError) return;
          errors.push(e as Error);
        }
      }
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) errors.push(e as Error);
  }
}

/** Starts forwarding a<->b; `onPacket` sees each packet (as read) before it is written. */
export function startForwarder(a: Queue, b: Queue, onPacket?: (p: Packet) => void): Forwarder {
  const errors: Error[] = [];
  const done = Promise.all([pump(a, b, errors, onPacket), pump(b, a, errors, onPacket)]).then(() => undefined);
  return { errors, done };
}
