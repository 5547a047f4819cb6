// bench:latency results: per-contender medians over the rounds (with min and
// max), the table, tio's ratios to nebula and to the C reference beside the
// issue's targets, and the one JSON line scripts read.
import { withRuntime } from './runtime.js';
import { BASELINE_SUFFIX } from './tunnel-contenders.js';
import { median } from './stats.js';
import type { LatencyResult } from './latency-measure.js';

/** The figures of a result, by key. */
export type Metric = keyof LatencyResult;

/** Each figure: key, column title, JSON name, decimals, and whether lower is better. */
export const METRICS: readonly { key: Metric; title: string; json: string; digits: number; lowerBetter: boolean }[] = [
  { key: 'idleP50Ms', title: 'idle p50', json: 'idle_p50_ms', digits: 3, lowerBetter: true },
  { key: 'idleP99Ms', title: 'idle p99', json: 'idle_p99_ms', digits: 3, lowerBetter: true },
  { key: 'bulkP50Ms', title: 'bulk p50', json: 'bulk_p50_ms', digits: 3, lowerBetter: true },
  { key: 'bulkP99Ms', title: 'bulk p99', json: 'bulk_p99_ms', digits: 3, lowerBetter: true },
  { key: 'udpPps', title: 'udp64 pps', json: 'udp64_pps', digits: 0, lowerBetter: false },
  { key: 'cpuSPerGb', title: 'cpu s/GB', json: 'cpu_s_per_gb', digits: 2, lowerBetter: true },
  { key: 'bulkGbps', title: 'bulk Gb/s', json: 'bulk_gbps', digits: 2, lowerBetter: false },
  // Only with --split (rtt-split.ts).
  { key: 'idleFwdP50Ms', title: 'idle fwd50', json: 'idle_forward_p50_ms', digits: 3, lowerBetter: true },
  { key: 'idleRevP50Ms', title: 'idle rev50', json: 'idle_reverse_p50_ms', digits: 3, lowerBetter: true },
  { key: 'bulkFwdP99Ms', title: 'bulk fwd99', json: 'bulk_forward_p99_ms', digits: 3, lowerBetter: true },
  { key: 'bulkRevP99Ms', title: 'bulk rev99', json: 'bulk_reverse_p99_ms', digits: 3, lowerBetter: true },
];

/** One round of one contender. */
export interface LatencySample {
  contender: string;
  round: number;
  result?: LatencyResult;
  error?: string;
}

/** Median, min and max of one figure over the successful rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** One contender over all rounds. */
export interface LatencySummary {
  contender: string;
  ok: number;
  figures: Partial<Record<Metric, Spread>>;
  /** Failed rounds: `round N: reason`. */
  errors: string[];
}

/** The targets (issue 18), as tio's ratio to a contender's median: `max` bounds lower-is-better figures, `min` the others. */
export const TARGETS: readonly { metric: Metric; vs: string; max?: number; min?: number }[] = [
  { metric: 'idleP50Ms', vs: 'nebula', max: 1 },
  { metric: 'idleP50Ms', vs: 'c_ref', max: 1.3 },
  { metric: 'bulkP99Ms', vs: 'nebula', max: 0.8 },
  { metric: 'udpPps', vs: 'nebula', min: 3 },
  { metric: 'cpuSPerGb', vs: 'nebula', max: 1 / 6 },
];

/** Groups samples by contender, in the given order. */
export function summarizeLatency(order: readonly string[], samples: readonly LatencySample[]): LatencySummary[] {
  return order.map((contender) => {
    const mine = samples.filter((s) => s.contender === contender);
    const ok = mine.flatMap((s) => (s.result ? [s.result] : []));
    const figures: Partial<Record<Metric, Spread>> = {};
    for (const { key } of METRICS) {
      const xs = ok.flatMap((r) => (r[key] === undefined ? [] : [r[key]]));
      if (xs.length > 0) figures[key] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
    }
    const errors = mine.filter((s) => !s.result).map((s) => `round ${s.round}: ${s.error ?? 'no result'}`);
    return { contender, ok: ok.length, figures, errors };
  });
}

function medianOf(sums: readonly LatencySummary[], name: string, m: Metric): number | undefined {
  return sums.find((s) => s.contender === name)?.figures[m]?.median;
}

/** Table of medians (RTTs in ms), then tio's and tio_plain's ratios to nebula, c_ref and their --baseline twins, each target beside its ratio; figures no contender has (the split without --split) get no column. */
export function formatLatencyTable(sums: readonly LatencySummary[], rounds: number): string {
  const cols = METRICS.filter((m) => sums.some((s) => s.figures[m.key] !== undefined));
  // Wide enough for the longest name and the ratio rows' labels (tio_plain/nebula, tio/tio@base).
  const w = Math.max(17, ...sums.map((s) => s.contender.length + (s.contender.endsWith(BASELINE_SUFFIX) ? s.contender.length - BASELINE_SUFFIX.length + 1 : 0)));
  const head = ['contender'.padEnd(w), 'ok'.padStart(4), ...cols.map((m) => m.title.padStart(10))];
  const lines = [`${head.join(' ')}   (medians; RTTs in ms)`];
  for (const s of sums) {
    const ok = `${s.ok}/${rounds}`.padStart(4);
    if (s.ok === 0) {
      lines.push(`${s.contender.padEnd(w)} ${ok} ${'FAILED'.padStart(10)}  ${(s.errors[0] ?? '').replace(/\s+/g, ' ').slice(0, 140)}`);
      continue;
    }
    const cells = cols.map((m) => {
      const f = s.figures[m.key];
      return (f === undefined ? '-' : f.median.toFixed(m.digits)).padStart(10);
    });
    lines.push([s.contender.padEnd(w), ok, ...cells].join(' '));
  }
  for (const who of ['tio', 'tio_plain']) {
    for (const vs of ['nebula', 'c_ref', `${who}${BASELINE_SUFFIX}`]) {
      const cells = cols.map((m) => {
        const n = medianOf(sums, who, m.key);
        const d = medianOf(sums, vs, m.key);
        return (n !== undefined && d !== undefined && d > 0 ? `${(n / d).toFixed(2)}x` : '-').padStart(10);
      });
      if (cells.every((c) => c.trim() === '-')) continue;
      lines.push([`${who}/${vs}`.padEnd(w), ''.padStart(4), ...cells].join(' '));
    }
  }
  for (const t of TARGETS) {
    const n = medianOf(sums, 'tio', t.metric);
    const d = medianOf(sums, t.vs, t.metric);
    const title = METRICS.find((m) => m.key === t.metric)?.title ?? t.metric;
    const want = t.max !== undefined ? `<= ${t.max.toFixed(2)}x` : `>= ${(t.min ?? 0).toFixed(2)}x`;
    if (n === undefined || d === undefined || !(d > 0)) {
      lines.push(`target ${title} tio/${t.vs} ${want}: not measured`);
      continue;
    }
    const r = n / d;
    const met = t.max !== undefined ? r <= t.max : r >= (t.min ?? 0);
    lines.push(`target ${title} tio/${t.vs} ${want}: ${r.toFixed(2)}x ${met ? 'met' : 'NOT met'}`);
  }
  return lines.join('\n');
}

/** One JSON line: per contender its medians under snake_case names (null when not measured), plus "runtime". */
export function formatLatencyJson(sums: readonly LatencySummary[]): string {
  const o: Record<string, Record<string, number | null> | null> = {};
  for (const s of sums) {
    if (s.ok === 0) {
      o[s.contender] = null;
      continue;
    }
    const row: Record<string, number | null> = {};
    for (const m of METRICS) {
      const f = s.figures[m.key];
      row[m.json] = f === undefined ? null : Number(f.median.toFixed(m.digits));
    }
    o[s.contender] = row;
  }
  return JSON.stringify(withRuntime(o));
}
