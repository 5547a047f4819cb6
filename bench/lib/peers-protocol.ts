// What bench:peers and its scripted peer (bench/peers-peer.ts) say to each
// other: one JSON object per line, commands on the peer's stdin, events on its
// stdout. Both sides parse with parsePeerLine, so a malformed or unexpected
// line is a clear BenchError rather than a silent undefined.
import { BenchError } from './errors.js';

/** Commands the bench sends. */
export type PeerCommand =
  /** Bring the number of established tunnels up to `to`, at most `window` handshakes in flight, within `timeoutMs`. */
  | { op: 'grow'; to: number; window: number; timeoutMs: number }
  /** `count` pings, one at a time, round-robin over the established tunnels. */
  | { op: 'ping'; count: number; timeoutMs: number }
  /** Echo requests round-robin over the tunnels, `window` outstanding, for `ms`. */
  | { op: 'rate'; ms: number; window: number }
  | { op: 'quit' };

/** Summary of round-trip times, microseconds. */
export interface RttSummary {
  count: number;
  p50Us: number;
  p99Us: number;
}

/** Events the peer prints. */
export type PeerEvent =
  /** Certificates signed, ready for commands. */
  | { event: 'ready'; certs: number; signMs: number }
  | {
    event: 'grown';
    /** Tunnels established (handshake done and a ping answered through it). */
    tunnels: number;
    /** New tunnels in this step. */
    added: number;
    /** From the first msg1 of the step to the last completed handshake. */
    handshakeMs: number;
    /** From the first msg1 to the last proving ping answered. */
    provenMs: number;
    /** msg1 datagrams sent in the step (retransmissions included). */
    msg1Sent: number;
    /** Handshakes that gave up after their retries and were started again. */
    restarted: number;
  }
  | { event: 'pinged'; sent: number; rtt: RttSummary }
  | { event: 'rated'; sent: number; answered: number; ms: number; rtt: RttSummary }
  | { event: 'error'; message: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(o: Record<string, unknown>, key: string, line: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BenchError('ERR_BENCH_PEER', `field ${key} is not a number in ${line}`);
  return v;
}

function rtt(o: Record<string, unknown>, line: string): RttSummary {
  const r = o.rtt;
  if (!isObject(r)) throw new BenchError('ERR_BENCH_PEER', `field rtt is not an object in ${line}`);
  return { count: num(r, 'count', line), p50Us: num(r, 'p50Us', line), p99Us: num(r, 'p99Us', line) };
}

/** Parses one command line; throws BenchError on anything else. */
export function parsePeerCommand(line: string): PeerCommand {
  const o = parseObject(line);
  switch (o.op) {
    case 'grow':
      return { op: 'grow', to: num(o, 'to', line), window: num(o, 'window', line), timeoutMs: num(o, 'timeoutMs', line) };
    case 'ping':
      return { op: 'ping', count: num(o, 'count', line), timeoutMs: num(o, 'timeoutMs', line) };
    case 'rate':
      return { op: 'rate', ms: num(o, 'ms', line), window: num(o, 'window', line) };
    case 'quit':
      return { op: 'quit' };
    default:
      throw new BenchError('ERR_BENCH_PEER', `unknown command in ${line}`);
  }
}

/** Parses one event line; throws BenchError on anything else. */
export function parsePeerEvent(line: string): PeerEvent {
  const o = parseObject(line);
  switch (o.event) {
    case 'ready':
      return { event: 'ready', certs: num(o, 'certs', line), signMs: num(o, 'signMs', line) };
    case 'grown':
      return {
        event: 'grown', tunnels: num(o, 'tunnels', line), added: num(o, 'added', line), handshakeMs: num(o, 'handshakeMs', line),
        provenMs: num(o, 'provenMs', line), msg1Sent: num(o, 'msg1Sent', line), restarted: num(o, 'restarted', line),
      };
    case 'pinged':
      return { event: 'pinged', sent: num(o, 'sent', line), rtt: rtt(o, line) };
    case 'rated':
      return { event: 'rated', sent: num(o, 'sent', line), answered: num(o, 'answered', line), ms: num(o, 'ms', line), rtt: rtt(o, line) };
    case 'error':
      if (typeof o.message !== 'string') throw new BenchError('ERR_BENCH_PEER', `field message is not a string in ${line}`);
      return { event: 'error', message: o.message };
    default:
      throw new BenchError('ERR_BENCH_PEER', `unknown event in ${line}`);
  }
}

function parseObject(line: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new BenchError('ERR_BENCH_PEER', `not JSON: ${line.slice(0, 200)}`);
  }
  if (!isObject(v)) throw new BenchError('ERR_BENCH_PEER', `not a JSON object: ${line.slice(0, 200)}`);
  return v;
}

/**
 * The p50 and p99 of `samples` (any order; nearest-rank on the sorted values), rounded to whole units.
 * An empty list gives zeros with count 0.
 */
export function summarize(samples: readonly number[]): RttSummary {
  if (samples.length === 0) return { count: 0, p50Us: 0, p99Us: 0 };
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { count: s.length, p50Us: Math.round(rank(0.5)), p99Us: Math.round(rank(0.99)) };
}
