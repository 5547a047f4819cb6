// How hard the fuzz suite pushes. `npm test` runs every target with a fixed seed
// and a bounded run count, so CI is deterministic and quick. `npm run fuzz`
// (scripts/fuzz.mjs) sets TIO_FUZZ_RUNS and TIO_FUZZ_SEED for long randomized
// runs; a failure names the seed, and the same two variables reproduce it.
import type { Parameters } from 'fast-check';

function envInt(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name}=${text} must be a non-negative integer`);
  return n;
}

/** Runs per target in fuzz mode (scaled by each target's weight); unset in CI mode. */
export const FUZZ_RUNS = envInt('TIO_FUZZ_RUNS');
/** Master seed in fuzz mode; unset in CI mode. */
export const FUZZ_SEED = envInt('TIO_FUZZ_SEED');
/** True under `npm run fuzz`. */
export const FUZZ_MODE = FUZZ_RUNS !== undefined || FUZZ_SEED !== undefined;

/** Time limit of one fuzz test: generous in CI mode (the runs are bounded), none worth hitting in fuzz mode. */
export const FUZZ_TIMEOUT_MS = FUZZ_MODE ? 24 * 3600_000 : 120_000;

/**
 * fast-check parameters of one target. CI mode: `ciSeed` and `ciRuns`.
 * Fuzz mode: TIO_FUZZ_RUNS * weight runs (weight < 1 for slow targets, e.g.
 * handshakes or syscalls) and a seed mixed from TIO_FUZZ_SEED and ciSeed, so
 * targets draw different streams from one master seed.
 */
export function fuzzParams(ciSeed: number, ciRuns: number, weight = 1): Parameters<unknown> & { seed: number; numRuns: number } {
  // includeErrorInReport: the failure names the broken property, not just the counterexample.
  if (!FUZZ_MODE) return { seed: ciSeed, numRuns: ciRuns, includeErrorInReport: true };
  const numRuns = FUZZ_RUNS === undefined ? ciRuns : Math.max(1, Math.round(FUZZ_RUNS * weight));
  const seed = FUZZ_SEED === undefined ? ciSeed : (Math.imul(FUZZ_SEED ^ ciSeed, 0x9e3779b1) ^ ciSeed) | 0;
  return { seed, numRuns, includeErrorInReport: true };
}

/** One line for the test log: which seed and how many runs a target used. */
export function describeParams(p: { seed: number; numRuns: number }): string {
  return `seed ${p.seed}, ${p.numRuns} runs${FUZZ_MODE ? ` (TIO_FUZZ_SEED=${FUZZ_SEED ?? '-'} TIO_FUZZ_RUNS=${FUZZ_RUNS ?? '-'})` : ''}`;
}
