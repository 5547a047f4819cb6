// A routine's counters through the shared array (src/tunnel/node/thread-counters.ts): every field of
// NodeStats, the TUN queue's (drops included), the UDP socket's and the coalescer's arrives in main's sums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newCoalescerStats } from '../../../src/gro/stats.js';
import { Counters } from '../../../src/tun/counters.js';
import { UdpCounters } from '../../../src/udp/counters.js';
import { NodeStats } from '../../../src/tunnel/node/stats.js';
import { addThreadIo, THREAD_COUNTER_SLOTS, writeThreadCounters, type IoCounters } from '../../../src/tunnel/node/thread-counters.js';

// Gives every numeric field (nested drop tables too) a distinct value from `next`.
function fill(o: Record<string, unknown>, next: () => number): void {
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number') o[k] = next();
    else if (v !== null && typeof v === 'object') fill(v as Record<string, unknown>, next);
  }
}

// A copy with every number doubled.
function twice<T>(o: T): T {
  if (typeof o === 'number') return (2 * o) as T;
  if (o === null || typeof o !== 'object') return o;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, twice(v)])) as T;
}

function zeroIo(): IoCounters {
  return { tun: new Counters().snapshot(), udp: new UdpCounters().snapshot(), gro: newCoalescerStats() };
}

test("a routine's counters written to the shared array add every field to main's sums, twice when added twice", () => {
  let n = 0;
  const next = (): number => ++n;
  const node = new NodeStats();
  const io = zeroIo();
  fill(node as unknown as Record<string, unknown>, next);
  fill(io as unknown as Record<string, unknown>, next);
  const a = new Float64Array(THREAD_COUNTER_SLOTS);
  writeThreadCounters(a, node, io);
  // Every slot was written, each with its own value: no field shares or misses a slot.
  assert.equal(new Set(a).size, THREAD_COUNTER_SLOTS);
  assert.equal(n, THREAD_COUNTER_SLOTS, 'the fields filled are exactly the slots');

  const sums = zeroIo();
  addThreadIo(a, sums);
  addThreadIo(a, sums);
  assert.deepEqual(sums, twice(io));
  const back = new NodeStats();
  back.addFrom(a);
  assert.deepEqual(back, node);
});
