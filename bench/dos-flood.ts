// bench:dos's flood sender, run by the bench inside a namespace:
//   node dist/bench/dos-flood.js --target IP:PORT --sources IP,IP,... --rate N --seconds S --kind junk|signed [--ca F --cert F --key F]
// One UdpSocket (the project's own, batched with sendmmsg) bound once per
// source address; a token bucket refilled on a timer paces the datagrams to
// --rate, spread round-robin over the sources. Bounded: it stops after
// --seconds or rate x seconds datagrams, on SIGTERM/SIGINT, or when its stdin
// closes (the bench died). Prints one JSON line when ready and one when done
// (with the rate it achieved).
import { parseArgs } from 'node:util';
import * as udp from '../src/udp/index.js';
import { datagramWriter, FLOOD_KINDS, type FloodKind } from './lib/dos-datagrams.js';
import { BenchError } from './lib/errors.js';

/** Timer period of the token bucket: small enough for even spacing, large enough that a tick sends a batch. */
const TICK_MS = 5;
/** Bucket depth in seconds of rate: a late tick catches up at most this much (no burst after a stall). */
const BURST_S = 0.02;
/** How long a stop waits for sends the kernel has not taken yet. */
const DRAIN_MS = 1_000;

/** The lines this program prints (read by bench/lib/dos-flooder.ts). */
export type FloodEvent =
  | { event: 'ready'; bytes: number; sources: number }
  | { event: 'done'; sent: number; failed: number; seconds: number; rate: number; why: string; error?: string };

function emit(e: FloodEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

function positive(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new BenchError('ERR_BENCH_ARGS', `--${name} must be a number in (0, ${max}], got ${v}`);
  return n;
}

function options(): { target: udp.Endpoint; sources: string[]; rate: number; seconds: number; kind: FloodKind; who?: { ca: string; cert: string; key: string } } {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' }, sources: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' },
      kind: { type: 'string' }, ca: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' },
    },
    strict: true,
  });
  if (!values.target || !values.sources || !values.rate || !values.seconds || !values.kind) throw new BenchError('ERR_BENCH_ARGS', 'need --target, --sources, --rate, --seconds and --kind');
  const kind = FLOOD_KINDS.find((k) => k === values.kind);
  if (!kind) throw new BenchError('ERR_BENCH_ARGS', `--kind must be one of ${FLOOD_KINDS.join(', ')}`);
  const who = values.ca && values.cert && values.key ? { ca: values.ca, cert: values.cert, key: values.key } : undefined;
  return {
    target: udp.Endpoint.parse(values.target),
    sources: values.sources.split(',').filter(Boolean),
    rate: positive('rate', values.rate, 1e7),
    seconds: positive('seconds', values.seconds, 3600),
    kind,
    ...(who ? { who } : {}),
  };
}

interface Source {
  sock: udp.UdpSocket;
  buf: Buffer;
  batch: udp.SendBatch;
  /** A sendBatch the kernel has not taken all of yet (its buffer must not change). */
  busy: boolean;
}

async function main(): Promise<void> {
  const o = options();
  const writer = datagramWriter(o.kind, o.who);
  // At least one datagram deep, or a low rate would never fill a whole token.
  const depth = Math.max(o.rate * BURST_S, 1);
  // The most one source is given in one tick: an equal share of a full bucket.
  const perTick = Math.ceil(depth / o.sources.length) + 1;
  const sources: Source[] = o.sources.map((host) => ({
    sock: udp.UdpSocket.open({ host, port: 0, gro: 'off', gso: 'off' }),
    buf: Buffer.alloc(perTick * writer.bytes),
    batch: new udp.SendBatch(perTick),
    busy: false,
  }));
  const maxCount = Math.floor(o.rate * o.seconds);
  let queued = 0;
  let sent = 0;
  let failed = 0;
  let lastError: string | undefined;
  let tokens = 0;
  let next = 0;
  const t0 = performance.now();
  let last = t0;
  let timer: NodeJS.Timeout | undefined;
  let finishing = false;

  const finish = async (why: string): Promise<void> => {
    if (finishing) return;
    finishing = true;
    clearInterval(timer);
    const seconds = (performance.now() - t0) / 1000;
    // Sends already handed over are counted when they settle; wait briefly for them (bounded).
    const deadline = performance.now() + DRAIN_MS;
    while (sources.some((s) => s.busy) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const s of sources) s.sock.close();
    emit({ event: 'done', sent, failed, seconds, rate: sent / seconds, why, ...(lastError ? { error: lastError } : {}) });
    process.exit(0);
  };

  const tick = (): void => {
    const now = performance.now();
    tokens = Math.min(tokens + (o.rate * (now - last)) / 1000, depth);
    last = now;
    if (queued >= maxCount || now - t0 >= o.seconds * 1000) {
      void finish(queued >= maxCount ? 'count' : 'seconds');
      return;
    }
    let n = Math.min(Math.floor(tokens), maxCount - queued);
    // Round-robin from a rotating start so the remainder is spread over the sources.
    for (let k = 0; k < sources.length && n > 0; k++) {
      const s = sources[(next + k) % sources.length]!;
      if (s.busy) continue;
      const share = Math.min(perTick, Math.ceil(n / (sources.length - k)));
      writer.write(s.buf, 0, share);
      s.batch.clear();
      for (let i = 0; i < share; i++) s.batch.add(o.target, i * writer.bytes, writer.bytes);
      s.busy = true;
      s.sock.sendBatch(s.buf, s.batch).then(
        (took) => {
          sent += took;
          failed += s.batch.failed;
          if (s.batch.lastError) lastError = s.batch.lastError.message;
          s.busy = false;
        },
        (e: unknown) => {
          failed += share;
          lastError = e instanceof Error ? e.message : String(e);
          s.busy = false;
        },
      );
      queued += share;
      tokens -= share;
      n -= share;
    }
    next = (next + 1) % sources.length;
  };

  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void finish(sig));
  // The bench holds our stdin: EOF means it is gone, and so must we be.
  process.stdin.once('end', () => void finish('stdin closed'));
  process.stdin.resume();
  emit({ event: 'ready', bytes: writer.bytes, sources: sources.length });
  timer = setInterval(tick, TICK_MS);
}

main().catch((e: unknown) => {
  process.stderr.write(`dos-flood: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
