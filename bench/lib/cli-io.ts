// What the bench entry points share around their measurements: integer
// options checked against their range, result files written whole, and how
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
