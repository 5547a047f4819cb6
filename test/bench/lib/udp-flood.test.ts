// Parsing of the udp-flood sink's result line (bench/lib/udp-flood.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSinkLine } from '../../../bench/lib/udp-flood.js';

test('parseSinkLine: datagrams received over the seconds of the window', () => {
  assert.equal(parseSinkLine('{"received":300000,"seconds":2.500000}\n'), 120_000);
});

test('parseSinkLine refuses a missing line, missing fields and an empty window, with the sink\'s words', () => {
  assert.throws(() => parseSinkLine('', 'udp-flood: bind: Address already in use'), /Address already in use/);
  assert.throws(() => parseSinkLine('{"received":5}'), { code: 'ERR_BENCH_FLOOD' });
  assert.throws(() => parseSinkLine('{"received":0,"seconds":0.000000}'), /received nothing/);
});
