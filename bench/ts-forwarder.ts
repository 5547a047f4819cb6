// TUN->TUN forwarder on the tio library, the TypeScript side of bench/forward.ts.
// Args: --ns-a NS --ns-b NS --if-a IF --if-b IF --addr-a CIDR --addr-b CIDR --mode offload|plain|segment
// Prints `ready` on stdout once both devices are up, forwards until SIGTERM/SIGINT
// (or stdin EOF: the harness died), then prints queue stats as one JSON line on stderr.
import { fstatSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Coalescer, Segmenter, TunDevice } from '../src/index.js';
import * as gso from '../src/gso/index.js';
import type { CoalescerStats } from '../src/gro/index.js';

type Queue = TunDevice['queues'][number];
type OpenOptions = NonNullable<Parameters<typeof TunDevice.open>[0]>;

/** How a mode opens its devices and whether it runs superpackets through software GSO and GRO. */
interface ModeOptions extends Pick<OpenOptions, 'offload' | 'vnetHdr'> {
  /** Segment every superpacket and coalesce the segments again before writing. */
  segment?: boolean;
}

/** Device options per --mode; a new TS bench mode adds a row here and in bench/lib/modes.ts. */
const MODE_OPTIONS: Readonly<Record<string, ModeOptions>> = {
  offload: { offload: 'auto', vnetHdr: true },
  plain: { offload: 'off', vnetHdr: false },
  segment: { offload: 'auto', vnetHdr: true, segment: true },
};

// Segments of one read batch live here until the batch's flush. A full batch is
// at most the queue's 1 MiB receive buffer plus one header copy per segment
// (~4% at 1448-byte segments); the pump flushes early if one ever needs more.
const ARENA_BYTES = 2 << 20;

/** Write failures per direction; the first message is kept to explain them. */
interface DirErrors {
  count: number;
  first?: string;
}

function isClosed(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ERR_TIO_CLOSED';
}

function recordError(errors: DirErrors, e: unknown): void {
  errors.count++;
  errors.first ??= e instanceof Error ? e.message : String(e);
}

/** Forwards every packet read from `from` to `to` until either queue is closed. */
async function pump(from: Queue, to: Queue, errors: DirErrors): Promise<void> {
  for (;;) {
    let batch;
    try {
      batch = await from.read();
    } catch (e) {
      if (isClosed(e)) return;
      throw e;
    }
    for (const p of batch) {
      try {
        if (p.gso) await to.writeSuperpacket(p);
        else await to.write(p);
      } catch (e) {
        if (isClosed(e)) return;
        // One bad packet must not end the run; it is counted and reported.
        recordError(errors, e);
      }
    }
  }
}

/** What a segment-mode direction did: software segmentation in, coalesced writes out. */
interface SegmentStats {
  /** Packets read (superpackets count once). */
  packetsIn: number;
  /** Segments produced by Segmenter.segmentInto (a packet without gso info counts as one). */
  segments: number;
  /** Packets the segmenter refused, by reason. */
  rejects: Record<string, number>;
  /** Flushes forced mid-batch because the arena was full. */
  earlyFlushes: number;
  /** Writes the coalescer made to the output queue (chains, merged or not, plus passthrough packets). */
  writes: number;
  /** Of those, superpackets of two or more segments. */
  superpacketWrites: number;
  /** The coalescer's own counters. */
  coalescer: CoalescerStats;
}

/** One direction of segment mode: its segmenter, arena, coalescer (writing to the output queue) and counters. */
class SegmentDirection {
  readonly segmenter = new Segmenter();
  readonly arena = Buffer.alloc(ARENA_BYTES);
  readonly coalescer: Coalescer;
  packetsIn = 0;
  segments = 0;
  earlyFlushes = 0;
  readonly rejects: Record<string, number> = {};

  constructor(to: Queue) {
    // The segments come from our own Segmenter, which just computed their checksums:
    // verifying them again would only re-check our own arithmetic (measured ~15% of the loop).
    this.coalescer = new Coalescer(to, { tcp: to.capabilities.tso, udp: to.capabilities.uso, verifyChecksums: false });
  }

  stats(): SegmentStats {
    const c = this.coalescer.stats();
    return {
      packetsIn: this.packetsIn, segments: this.segments, rejects: { ...this.rejects }, earlyFlushes: this.earlyFlushes,
      writes: c.chainsWritten + c.passthrough, superpacketWrites: c.superpackets, coalescer: c,
    };
  }
}

/**
 * Forwards `from` -> `to` (the queue d's coalescer writes to) through software
 * GSO and GRO: every packet of a read batch is cut into segments in d's arena,
 * each segment is fed to d's coalescer, and the coalescer is flushed at the end
 * of the batch (or earlier, when the arena would overflow).
 */
async function segmentPump(from: Queue, d: SegmentDirection, errors: DirErrors): Promise<void> {
  const { segmenter, coalescer, arena } = d;
  const add = (buf: Buffer, off: number, len: number): void => {
    coalescer.add(buf, off, len);
  };
  // False once the output queue is closed. Otherwise a failed flush still wrote
  // the rest; the coalescer counts the failures, the first message is kept.
  const flush = async (): Promise<boolean> => {
    const before = coalescer.stats().writeErrors;
    try {
      await coalescer.flush();
    } catch (e) {
      if (isClosed(e)) return false;
      errors.count += Math.max(1, coalescer.stats().writeErrors - before);
      errors.first ??= e instanceof Error ? e.message : String(e);
    }
    return true;
  };
  for (;;) {
    let batch;
    try {
      batch = await from.read();
    } catch (e) {
      if (isClosed(e)) return;
      throw e;
    }
    let pos = 0;
    for (const p of batch) {
      d.packetsIn++;
      const room = segmenter.roomFor(p, 0, 0);
      if (pos + room > arena.length && pos > 0) {
        d.earlyFlushes++;
        if (!(await flush())) return;
        pos = 0;
      }
      const n = segmenter.segmentInto(p, arena, pos, 0, 0, add);
      if (n < 0) {
        const why = gso.segmentRejectReason(n) ?? String(n);
        d.rejects[why] = (d.rejects[why] ?? 0) + 1;
        continue;
      }
      d.segments += n;
      pos += room;
    }
    if (!(await flush())) return;
  }
}

function main(): void {
  const { values: v } = parseArgs({
    options: {
      'ns-a': { type: 'string' },
      'ns-b': { type: 'string' },
      'if-a': { type: 'string' },
      'if-b': { type: 'string' },
      'addr-a': { type: 'string' },
      'addr-b': { type: 'string' },
      mode: { type: 'string' },
    },
    strict: true,
  });
  const modeOpts = MODE_OPTIONS[v.mode ?? ''];
  if (!v['ns-a'] || !v['ns-b'] || !v['if-a'] || !v['if-b'] || !v['addr-a'] || !v['addr-b'] || !modeOpts) {
    process.stderr.write(`usage: ts-forwarder --ns-a NS --ns-b NS --if-a IF --if-b IF --addr-a CIDR --addr-b CIDR --mode ${Object.keys(MODE_OPTIONS).join('|')}\n`);
    process.exit(2);
  }

  const open = (name: string, netns: string, addr: string): TunDevice =>
    TunDevice.open({ name, netns, ...modeOpts, mtu: 1500, addresses: [addr] });
  const a = open(v['if-a'], v['ns-a'], v['addr-a']);
  const b = open(v['if-b'], v['ns-b'], v['addr-b']);
  const qa = a.queues[0];
  const qb = b.queues[0];
  if (!qa || !qb) throw new Error('device opened without a queue');
  if (modeOpts.vnetHdr && !a.capabilities.tso) process.stderr.write('ts-forwarder: warning: TSO not negotiated\n');

  const errors: Record<'aToB' | 'bToA', DirErrors> = { aToB: { count: 0 }, bToA: { count: 0 } };
  const segment = modeOpts.segment ? { aToB: new SegmentDirection(qb), bToA: new SegmentDirection(qa) } : undefined;
  const pumps = segment
    ? Promise.all([segmentPump(qa, segment.aToB, errors.aToB), segmentPump(qb, segment.bToA, errors.bToA)])
    : Promise.all([pump(qa, qb, errors.aToB), pump(qb, qa, errors.bToA)]);
  process.stdout.write('ready\n');
  // CPU time from here on, so that cost per byte can be compared even when the machine is noisy.
  const cpuStart = process.cpuUsage();

  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    a.close();
    b.close();
    // Closing wakes pending reads; bounded in case a write is stuck.
    await Promise.race([pumps.catch(() => undefined), sleep(3_000)]);
    try {
      const sa = qa.stats();
      const sb = qb.stats();
      const used = process.cpuUsage(cpuStart);
      const bytes = sa.rxBytes + sb.rxBytes;
      const cpu = {
        userMs: Math.round(used.user / 1000),
        systemMs: Math.round(used.system / 1000),
        // Forwarder CPU (user + system) per forwarded byte, both directions.
        nsPerByte: bytes > 0 ? Number((((used.user + used.system) * 1000) / bytes).toFixed(3)) : null,
      };
      const stats = { capabilities: a.capabilities, cpu, a: sa, b: sb, writeErrors: errors, ...(segment ? { segment: { aToB: segment.aToB.stats(), bToA: segment.bToA.stats() } } : {}) };
      process.stderr.write(`${JSON.stringify(stats)}\n`);
      process.exit(0);
    } catch (e) {
      process.stderr.write(`ts-forwarder: stats: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  // The harness keeps our stdin open; EOF means it is gone and we must not linger.
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on('end', () => void shutdown());
    process.stdin.resume();
  }
  pumps.catch((e: unknown) => {
    process.stderr.write(`ts-forwarder: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}

main();
