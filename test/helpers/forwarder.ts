// An in-process TUN->TUN forwarder for integration tests and the forward
// bench: every packet read from one queue is written to the other. In
// `segment` mode each superpacket is cut into wire-sized segments and the
// segments are coalesced back (GRO) before writing, exercising gso/ and gro/
// against the kernel.
import type { Packet, Queue } from '../../src/index.js';
import { ClosedError, Coalescer, Segmenter } from '../../src/index.js';

/** A running forwarder: both directions, errors collected instead of thrown. */
export interface Forwarder {
  /** Write errors seen (a correct forwarder has none). */
  errors: Error[];
  /** Segments produced by software segmentation (segment mode). */
  segments: number;
  /** Resolves when both directions have stopped (their queues closed). */
  done: Promise<void>;
}

/** How packets cross: unchanged, or segmented and coalesced again. */
export type ForwardMode = 'passthrough' | 'segment';

/** Options of startForwarder. */
export interface ForwarderOptions {
  mode?: ForwardMode;
  /** Sees each packet as read, before it is forwarded. */
  onPacket?: (p: Packet) => void;
  /** Whether the coalescer may build TCP / UDP superpackets (default: the output queue's TSO / USO). */
  gro?: { tcp: boolean; udp: boolean };
}

// Segments of one read batch live here until the batch's flush: a batch holds
// at most the queue's receive buffer (1 MiB) plus one header copy per segment.
const ARENA_BYTES = 4 << 20;

async function pump(from: Queue, to: Queue, f: Forwarder, opts: ForwarderOptions): Promise<void> {
  const segment = opts.mode === 'segment';
  const segmenter = segment ? new Segmenter() : null;
  const coalescer = segment
    ? new Coalescer(to, opts.gro ?? { tcp: to.capabilities.tso, udp: to.capabilities.uso })
    : null;
  const arena = segment ? Buffer.alloc(ARENA_BYTES) : null;
  const add = (buf: Buffer, off: number, len: number): void => {
    f.segments++;
    coalescer!.add(buf, off, len);
  };
  const record = (e: unknown): boolean => {
    if (e instanceof ClosedError) return false;
    f.errors.push(e as Error);
    return true;
  };
  try {
    for await (const batch of from) {
      let pos = 0;
      for (const p of batch) {
        opts.onPacket?.(p);
        if (!segmenter) {
          try {
            await to.write(p);
          } catch (e) {
            if (!record(e)) return;
          }
          continue;
        }
        const room = segmenter.roomFor(p, 0, 0);
        if (pos + room > arena!.length) {
          await coalescer!.flush();
          pos = 0;
        }
        const n = segmenter.segmentInto(p, arena!, pos, 0, 0, add);
        if (n < 0) f.errors.push(new Error(`segmentation refused a packet (code ${n})`));
        else pos += room;
      }
      if (coalescer) {
        try {
          await coalescer.flush();
        } catch (e) {
          if (!record(e)) return;
        }
      }
    }
  } catch (e) {
    record(e);
  }
}

/** Starts forwarding a<->b. */
export function startForwarder(a: Queue, b: Queue, opts: ForwarderOptions | ((p: Packet) => void) = {}): Forwarder {
  const o: ForwarderOptions = typeof opts === 'function' ? { onPacket: opts } : opts;
  const f: Forwarder = { errors: [], segments: 0, done: Promise.resolve() };
  f.done = Promise.all([pump(a, b, f, o), pump(b, a, f, o)]).then(() => undefined);
  return f;
}
