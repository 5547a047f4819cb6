// Timing for the in-process segmentation bench: warm up, then several timed
// samples of a fixed work unit, reported as the median payload throughput.

/** One unit of work repeated while timing; returns the payload bytes it processed. */
export type WorkUnit = () => number;
/** A unit of work that must be awaited (e.g. it ends with Coalescer.flush()). */
export type AsyncWorkUnit = () => Promise<number>;

/** Samples per measurement; the median of 5 ignores one slow outlier each way. */
export const SAMPLES = 5;
/** Length of one timed sample (5 samples: ~1.5 s per row). */
export const SAMPLE_MS = 300;
/** Untimed warm-up so that the JIT has optimised the loop before the first sample. */
export const WARMUP_MS = 300;

function runFor(unit: WorkUnit, ms: number): { bytes: number; ns: number } {
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let bytes = 0;
  let elapsed = 0n;
  // Check the clock every few units only: hrtime allocates a BigInt per call.
  do {
    for (let i = 0; i < 8; i++) bytes += unit();
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return { bytes, ns: Number(elapsed) };
}

// The same loop awaiting every unit: the microtask turns per unit are timed too,
// as they are part of what a caller of an async API pays.
async function runForAsync(unit: AsyncWorkUnit, ms: number): Promise<{ bytes: number; ns: number }> {
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let bytes = 0;
  let elapsed = 0n;
  do {
    for (let i = 0; i < 8; i++) bytes += await unit();
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return { bytes, ns: Number(elapsed) };
}

/** Warms `unit` up. */
export function warmUp(unit: WorkUnit): void {
  runFor(unit, WARMUP_MS);
}

/** Warms an async `unit` up. */
export async function warmUpAsync(unit: AsyncWorkUnit): Promise<void> {
  await runForAsync(unit, WARMUP_MS);
}

/** Throughput of one timed sample in GB/s (10^9 bytes per second) of payload. */
export function sampleGBs(unit: WorkUnit): number {
  const { bytes, ns } = runFor(unit, SAMPLE_MS);
  return bytes / ns;
}

/** Throughput of one timed sample of an async unit in GB/s. */
export async function sampleGBsAsync(unit: AsyncWorkUnit): Promise<number> {
  const { bytes, ns } = await runForAsync(unit, SAMPLE_MS);
  return bytes / ns;
}

