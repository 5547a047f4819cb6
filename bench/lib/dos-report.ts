// bench:dos results: the human table (each flooded phase next to its
// contender's baseline), the targets checked (not asserted) under it,
// and the one JSON line scripts read.
import type { DosSample, Phase, PhaseResult } from './dos-run.js';
import { READY_TIMEOUT_MS } from './tunnel-run.js';

/** Targets of issue 13, per flood kind, for tio. */
export const DOS_TARGETS = {
  /** Flooded / baseline throughput at least this. */
  keptThroughput: 0.5,
  /** Fraction of the flooded phase's pings answered at least this. */
  answeredPings: 0.9,
} as const;

function baseline(s: DosSample): PhaseResult | undefined {
  return s.phases.find((p) => p.phase === 'none');
}

/** Flooded / baseline throughput, when both are known and the baseline is positive. */
export function keptThroughput(s: DosSample, r: PhaseResult): number | undefined {
  const base = baseline(s)?.gbps;
  return r.gbps !== undefined && base !== undefined && base > 0 ? r.gbps / base : undefined;
}

function answered(r: PhaseResult): number | undefined {
  return r.pings && r.pings.sent > 0 ? r.pings.answered / r.pings.sent : undefined;
}

/** Flooded / baseline answered-ping fraction. */
export function keptPings(s: DosSample, r: PhaseResult): number | undefined {
  const base = baseline(s);
  const b = base ? answered(base) : undefined;
  const f = answered(r);
  return b !== undefined && f !== undefined && b > 0 ? f / b : undefined;
}

const pct = (x: number | undefined): string => (x === undefined ? '-' : `${Math.round(x * 100)}%`);
const fixed = (x: number | undefined, d: number): string => (x === undefined ? '-' : x.toFixed(d));

function joinText(r: PhaseResult): string {
  if (r.joinError !== undefined) return 'error';
  return r.joinMs === undefined ? 'timeout' : (r.joinMs / 1000).toFixed(2);
}

/** Table: one row per contender and phase, then the failures in full and the targets. */
export function formatDosTable(samples: readonly DosSample[], kinds: readonly Phase[]): string {
  const head = ['contender'.padEnd(10), 'flood'.padEnd(7), 'sent/s'.padStart(7), 'Gbit/s'.padStart(7), 'kept'.padStart(5), 'pings'.padStart(6), 'kept'.padStart(5),
    'p50 ms'.padStart(7), 'join s'.padStart(8), 'back s'.padStart(7)];
  const lines = [head.join(' ')];
  const notes: string[] = [];
  for (const s of samples) {
    for (const r of s.phases) {
      lines.push([
        s.contender.padEnd(10),
        (r.phase === 'none' ? '-' : r.phase).padEnd(7),
        (r.flood ? String(Math.round(r.flood.rate)) : '-').padStart(7),
        fixed(r.gbps, 2).padStart(7),
        (r.phase === 'none' ? '' : pct(keptThroughput(s, r))).padStart(5),
        (r.pings ? `${r.pings.answered}/${r.pings.sent}` : '-').padStart(6),
        (r.phase === 'none' ? '' : pct(keptPings(s, r))).padStart(5),
        fixed(r.pings?.p50Ms, 2).padStart(7),
        joinText(r).padStart(8),
        (r.noRecovery ? `>${READY_TIMEOUT_MS / 1000}` : r.recoveryMs === undefined ? '-' : (r.recoveryMs / 1000).toFixed(2)).padStart(7),
      ].join(' '));
      const where = `${s.contender} ${r.phase}`;
      if (r.iperfError) notes.push(`${where}: iperf3: ${r.iperfError}`);
      if (r.pingError) notes.push(`${where}: ping: ${r.pingError}`);
      if (r.joinError) notes.push(`${where}: newcomer: ${r.joinError}`);
      if (r.floodError) notes.push(`${where}: flood: ${r.floodError}`);
      if (r.flood?.error) notes.push(`${where}: flood send errors (${r.flood.failed}): ${r.flood.error}`);
    }
    if (s.error) notes.push(`${s.contender}: run stopped: ${s.error}`);
    if (s.teardown) notes.push(`${s.contender}: teardown: ${s.teardown}`);
  }
  lines.push('(sent/s: flood datagrams/s achieved; kept: flooded / baseline; join s: newcomer C start to first answered ping;');
  lines.push(' back s: after the flood, until A\'s ping to B is answered again)');
  for (const n of notes) lines.push(n.replace(/\s+/g, ' ').slice(0, 400));
  const tio = samples.find((s) => s.contender === 'tio');
  const neb = samples.find((s) => s.contender === 'nebula');
  const mark = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
  if (tio) {
    for (const kind of kinds.filter((k) => k !== 'none')) {
      const r = tio.phases.find((p) => p.phase === kind);
      if (!r) continue;
      const kt = keptThroughput(tio, r);
      const ap = answered(r);
      const nr = neb?.phases.find((p) => p.phase === kind);
      const nk = neb && nr ? keptThroughput(neb, nr) : undefined;
      lines.push(`tio ${kind}: throughput kept ${pct(kt)} (target >= ${pct(DOS_TARGETS.keptThroughput)}: ${mark(kt === undefined ? undefined : kt >= DOS_TARGETS.keptThroughput)}), `
        + `pings answered ${pct(ap)} (target >= ${pct(DOS_TARGETS.answeredPings)}: ${mark(ap === undefined ? undefined : ap >= DOS_TARGETS.answeredPings)}), `
        + `kept vs nebula's ${pct(nk)} (target: more: ${mark(kt === undefined || nk === undefined ? undefined : kt > nk)})`);
    }
  }
  return lines.join('\n');
}

type JsonPhase = Record<string, number | string | null>;

const round = (x: number | undefined, d: number): number | null => (x === undefined ? null : Number(x.toFixed(d)));

/**
 * One JSON line: {"tio":{"none":{...},"junk":{...}},"nebula":{...},"versions":{...}}; per phase gbps,
 * pings answered/sent, p50_ms, join_s (seconds, "timeout" or null when it failed), and for floods
 * kept (throughput), pings_kept, flood_rate (achieved datagrams/s) and back_s (seconds or "timeout"); null = not measured.
 */
export function formatDosJson(samples: readonly DosSample[], versions: Record<string, string>): string {
  const o: Record<string, Record<string, JsonPhase | string>> = {};
  for (const s of samples) {
    const c: Record<string, JsonPhase | string> = {};
    for (const r of s.phases) {
      const p: JsonPhase = {
        gbps: round(r.gbps, 2),
        pings: r.pings?.answered ?? null,
        pings_sent: r.pings?.sent ?? null,
        p50_ms: round(r.pings?.p50Ms, 3),
        join_s: r.joinError !== undefined ? null : r.joinMs === undefined ? 'timeout' : round(r.joinMs / 1000, 2),
      };
      if (r.phase !== 'none') {
        p.kept = round(keptThroughput(s, r), 3);
        p.pings_kept = round(keptPings(s, r), 3);
        p.flood_rate = r.flood ? Math.round(r.flood.rate) : null;
        p.back_s = r.noRecovery ? 'timeout' : round(r.recoveryMs === undefined ? undefined : r.recoveryMs / 1000, 2);
      }
      c[r.phase] = p;
    }
    if (s.error) c.error = s.error.split('\n')[0] ?? '';
    o[s.contender] = c;
  }
  return JSON.stringify({ ...o, versions });
}
