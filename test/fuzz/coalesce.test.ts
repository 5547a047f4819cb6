// Fuzz: the coalescer over receive batches as a node's inbound path feeds it:
// interleaved same-flow runs (with empty, short, PSH/FIN, gap and zero-checksum
// packets among them), some packets mutated, some pure garbage, over several
// flushes of one coalescer with a random flow-table size. The sink checks each
// write; stats must add up; resegmenting the output gives back the input.
import { test } from 'node:test';
import fc from 'fast-check';
import { describeParams, FUZZ_TIMEOUT_MS, fuzzParams } from './config.js';
import { applyMutations, mutations, type Mutation } from './mutate.js';
import { laneBatch } from './packets.js';
import { coalesceChecked } from './pipeline.js';

// Per packet: leave it, mutate it, or put garbage after it.
const edit = fc.oneof(
  { weight: 8, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: mutations({ maxCount: 3 }).map((m) => ({ mutate: m })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map((junk) => ({ junk })) },
);

function edited(batch: readonly Buffer[], edits: readonly (null | { mutate: Mutation[] } | { junk: Uint8Array })[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  batch.forEach((b, i) => {
    const e = edits[i % edits.length] ?? null;
    if (e === null) out.push(b);
    else if ('mutate' in e) out.push(applyMutations(b, e.mutate));
    else out.push(b, e.junk);
  });
  return out;
}

test('fuzz: coalescer batches (mixed flows, odd and mutated packets, garbage) keep stats adding up and resegment to the input', { timeout: FUZZ_TIMEOUT_MS }, async (t) => {
  const params = fuzzParams(0xc0a1, 700, 0.3);
  t.diagnostic(describeParams(params));
  const totals = { in: 0, coalesced: 0, superpackets: 0, badChecksum: 0, flowTableFull: 0 };
  const batchArb = fc.tuple(laneBatch, fc.array(edit, { minLength: 1, maxLength: 16 })).map(([b, e]) => edited(b, e));
  await fc.assert(fc.asyncProperty(
    fc.array(batchArb, { minLength: 1, maxLength: 3 }),
    fc.record({ tcp: fc.boolean(), udp: fc.boolean(), maxFlows: fc.oneof(fc.constantFrom(1, 2, 64), fc.integer({ min: 1, max: 16 })) }),
    async ([first, ...rest], opts) => {
      const { stats } = await coalesceChecked(first!, opts, rest);
      totals.in += stats.packetsIn;
      totals.coalesced += stats.segmentsCoalesced;
      totals.superpackets += stats.superpackets;
      totals.badChecksum += stats.badChecksum;
      totals.flowTableFull += stats.flowTableFull;
    },
  ), params);
  t.diagnostic(`packets ${totals.in}, coalesced into others ${totals.coalesced}, superpackets ${totals.superpackets}, bad checksum ${totals.badChecksum}, table full ${totals.flowTableFull}`);
});
