// What the bench entry points share around their measurements: integer and
// list options checked against what they allow, result files written whole, and how
// a run's outcome becomes the exit status.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './errors.js';
import { REPO_ROOT } from './paths.js';

/** `--name value` as an integer in min..max; BenchError ERR_BENCH_ARGS otherwise. */
export function intOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new BenchError('ERR_BENCH_ARGS', `--${name} must be an integer ${min}..${max}, got ${value}`);
  return n;
}

/**
 * `--name a,b` as a subset of `known`, in known's order and each once; BenchError ERR_BENCH_ARGS
 * for a name not in it or an empty list.
 */
export function listOption<T extends string>(name: string, value: string, known: readonly T[]): T[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!known.some((k) => k === n)) throw new BenchError('ERR_BENCH_ARGS', `--${name}: unknown ${n}; known: ${known.join(', ')}`);
  const out = known.filter((k) => names.includes(k));
  if (out.length === 0) throw new BenchError('ERR_BENCH_ARGS', `--${name} is empty`);
  return out;
}

/** Writes through a temp file and a rename, so a reader never sees half a chart. */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Writes a bench's chart as bench/results/NAME-<UTC stamp of date>.svg and NAME-latest.svg; returns the stamped path. */
export function writeChart(name: string, date: Date, svg: string): string {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const chart = join(dir, `${name}-${stamp}.svg`);
  writeAtomic(chart, svg);
  writeAtomic(join(dir, `${name}-latest.svg`), svg);
  return chart;
}

/** Runs a bench's main: its result is the exit status; a throw is printed as `bench:NAME: message` and exits 1. */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`bench:${name}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
