// `npm run bench:segment -- [--json]`
// Software segmentation throughput (payload GB/s) of 64 KiB superpackets into
// 1448-byte segments, coalescing of those segments back into superpackets, both
// in a row (the ts_segment forwarder's work), next to a plain Buffer.copy of the
// same bytes, in one run.
import { parseArgs } from 'node:util';
import {
  type BenchCase, benchSink, coalesceCases, forwardPathCases, referenceCases, segmentCases,
} from './lib/segment-cases.js';
import { SAMPLES, sampleGBs, sampleGBsAsync, warmUp, warmUpAsync } from './lib/segment-measure.js';
import { median } from './lib/stats.js';
import { runtimeLine } from './lib/runtime.js';
import { type PendingRow, type SegmentResult, formatSegmentJson, formatSegmentTable } from './lib/segment-report.js';
import { runMain } from './lib/cli-io.js';

async function warmUpCase(c: BenchCase): Promise<void> {
  if (c.async === true) await warmUpAsync(c.unit);
  else warmUp(c.unit);
  c.check?.();
}

async function sampleCase(c: BenchCase): Promise<number> {
  return c.async === true ? sampleGBsAsync(c.unit) : sampleGBs(c.unit);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { json: { type: 'boolean', default: false } }, strict: true });
  const coalesce = coalesceCases();
  const cases: BenchCase[] = [...segmentCases(), ...coalesce, ...forwardPathCases(), ...referenceCases()];
  const pending: PendingRow[] = coalesce.length === 0 ? [{ label: 'coalesce (GRO)', why: 'not measured yet: src/gro in progress' }] : [];

  for (const c of cases) await warmUpCase(c);
  // Rounds interleave the rows so that clock or thermal drift hits all of them alike.
  const samples = cases.map(() => [] as number[]);
  for (let round = 0; round < SAMPLES; round++) {
    process.stderr.write(`round ${round + 1}/${SAMPLES}\n`);
    for (let i = 0; i < cases.length; i++) samples[i]!.push(await sampleCase(cases[i]!));
  }
  for (const c of cases) c.check?.();
  const results: SegmentResult[] = cases.map((c, i) => ({ key: c.key, label: c.label, yardstick: c.yardstick ?? false, gbs: median(samples[i]!) }));

  console.log(formatSegmentTable(results, pending));
  console.log(runtimeLine());
  process.stderr.write(`(sink ${benchSink()})\n`);
  if (values.json) console.log(formatSegmentJson(results));
  return 0;
}

runMain('segment', main);
