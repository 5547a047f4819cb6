// The soak's result: a summary object (printed as JSON with --json) and its
// human-readable form, with the Stats line each `tio up` logs at exit.
import type { TcpReport } from '../../kit/tcp.js';
import { runtime, runtimeLine, type Runtime } from './runtime.js';
import { GB, type SoakOptions } from './soak-options.js';
import { diff, fmt, type Baseline, type NetCounters, type Sampled, type Sample } from './soak-sampling.js';

/** RSS of one node over the run, MB. */
interface RssSpan {
  start: number | null;
  peak: number;
  end: number | null;
}

/** Everything the soak found. */
export interface SoakSummary {
  bytes: number;
  seconds: number;
  gbitAvg: number;
  gbitMin: number | null;
  gbitMax: number | null;
  sha256Match: boolean | null;
  rssMB: { a: RssSpan; b: RssSpan };
  kernelDrops: { a: NetCounters; b: NetCounters };
  nodeExit: { a: number | null; b: number | null };
  nodeStats: string[] | null;
  nodeErrors: string[];
  failure: string | null;
  samples: Sample[];
  options: SoakOptions;
  runtime: Runtime;
}

/** What the run left behind, for {@link summarize}. */
export interface SoakOutcome {
  sampled: Sampled;
  base: Baseline;
  end: { a: NetCounters; b: NetCounters };
  sink: TcpReport | null;
  /** Bytes the sink had reported when sampling stopped. */
  sinkBytes: number;
  source: TcpReport | null;
  exit: { a: number | null; b: number | null };
  /** Both nodes' log lines. */
  log: string[];
}

function rssSpan(samples: readonly Sample[], pick: (s: Sample) => number): RssSpan {
  return { start: samples.length ? pick(samples[0]!) : null, peak: Math.max(...samples.map(pick)), end: samples.length ? pick(samples[samples.length - 1]!) : null };
}

/** Builds the summary. */
export function summarize(o: SoakOptions, r: SoakOutcome): SoakSummary {
  const { samples, seconds, failure } = r.sampled;
  const bytes = r.sink ? r.sink.bytes : r.sinkBytes;
  const rates = samples.filter((s) => s.t > 0 && s !== samples[samples.length - 1]).map((s) => s.gbit);
  // `tio up` logs one Stats line on its way out (src/cli/up.ts).
  const statsLines = r.log.filter((l) => /stats/i.test(l) && !/interface is active/.test(l));
  return {
    bytes,
    seconds: Number(seconds.toFixed(2)),
    gbitAvg: Number(((bytes * 8) / seconds / 1e9).toFixed(3)),
    gbitMin: rates.length ? Number(Math.min(...rates).toFixed(3)) : null,
    gbitMax: rates.length ? Number(Math.max(...rates).toFixed(3)) : null,
    sha256Match: o.verify ? (r.sink !== null && r.source !== null && r.sink.sha256 === r.source.sha256) : null,
    rssMB: { a: rssSpan(samples, (s) => s.rssA), b: rssSpan(samples, (s) => s.rssB) },
    kernelDrops: { a: diff(r.base.a, r.end.a), b: diff(r.base.b, r.end.b) },
    nodeExit: r.exit,
    nodeStats: statsLines.length ? statsLines : null,
    nodeErrors: r.log.filter((l) => /level=(error|fatal)|panic/.test(l)),
    failure,
    samples,
    options: { ...o },
    runtime: runtime(),
  };
}

/** True when everything arrived intact, both nodes exited 0 and logged no error. */
export function soakPassed(o: SoakOptions, s: SoakSummary): boolean {
  return s.failure === null && s.nodeExit.a === 0 && s.nodeExit.b === 0 && (!o.verify || s.sha256Match === true) && s.nodeErrors.length === 0;
}

/** The summary as text lines; `ends` gives the sink's and source's stderr for a failure. */
export function reportLines(o: SoakOptions, s: SoakSummary, r: SoakOutcome, ends: { sink: string; source: string }): string[] {
  const out = ['', runtimeLine()];
  out.push(`moved ${(s.bytes / GB).toFixed(3)} GB in ${s.seconds} s: ${s.gbitAvg} Gbit/s average, ${s.gbitMin ?? '-'}..${s.gbitMax ?? '-'} Gbit/s per interval`);
  if (o.verify) out.push(`sha256 ${s.sha256Match ? 'matches' : 'DOES NOT MATCH'} (source ${String(r.source?.sha256 ?? '-')}, sink ${String(r.sink?.sha256 ?? '-')})`);
  for (const n of ['a', 'b'] as const) {
    const x = s.rssMB[n];
    out.push(`node ${n} RSS MB: start ${fmt(x.start ?? Number.NaN)}, peak ${fmt(x.peak)}, end ${fmt(x.end ?? Number.NaN)}; exit after SIGTERM: ${String(s.nodeExit[n])}`);
  }
  out.push(`kernel counters over the transfer: a ${JSON.stringify(s.kernelDrops.a)}`);
  out.push(`                                   b ${JSON.stringify(s.kernelDrops.b)}`);
  if (s.nodeStats) {
    out.push('node stats logged at exit:');
    for (const l of s.nodeStats) out.push(`  ${l}`);
  }
  if (s.nodeErrors.length) out.push(`node errors:\n  ${s.nodeErrors.join('\n  ')}`);
  if (s.failure) out.push(`FAILED: ${s.failure}\n  sink: ${ends.sink}\n  source: ${ends.source}`);
  return out;
}
