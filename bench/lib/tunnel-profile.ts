// Reading V8 .cpuprofile files (node --cpu-prof) back: self time per function
// as a share of all samples, to point performance work at the hot spots.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of a .cpuprofile we read. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** One function's self time. */
export interface HotFunction {
  /** `name file:line`, or V8's pseudo-frames like `(idle)`, `(garbage collector)`. */
  name: string;
  /** Self time as a share of the profile's sampled time, 0..1. */
  share: number;
}

/** Self-time shares of a profile, largest first, and the busy share (everything but `(idle)`). */
export interface ProfileSummary {
  /** Sampled wall time in ms. */
  ms: number;
  busy: number;
  top: HotFunction[];
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function where(url: string): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

/** Aggregates self time by function (name + file + line) using the sample time deltas; returns the `n` largest. */
export function summarizeProfile(file: string, n = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nameOf = new Map<number, string>();
  for (const node of p.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = functionName || '(anonymous)';
    nameOf.set(node.id, url ? `${fn} ${where(url)}:${lineNumber + 1}` : fn);
  }
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  // timeDeltas[i] is the time since the previous sample; charge it to sample i
  // (with a fallback to counting samples when deltas are missing or skewed).
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const d = Math.max(0, deltas[i] ?? 1);
    const name = nameOf.get(samples[i]!) ?? '(unknown)';
    self.set(name, (self.get(name) ?? 0) + d);
    total += d;
  }
  if (total === 0) return { ms: 0, busy: 0, top: [] };
  const top = [...self.entries()].sort((x, y) => y[1] - x[1]).slice(0, n).map(([name, t]) => ({ name, share: t / total }));
  return { ms: total / 1000, busy: 1 - (self.get('(idle)') ?? 0) / total, top };
}

/** The summary as indented text lines. */
export function formatProfile(file: string, s: ProfileSummary): string {
  const lines = [`${file}: ${(s.ms / 1000).toFixed(1)} s sampled, busy ${(s.busy * 100).toFixed(1)}%`];
  for (const f of s.top) lines.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
  return lines.join('\n');
}
