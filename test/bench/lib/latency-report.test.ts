// bench:latency's table: ratios to nebula and to a --baseline twin, and the targets beside them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLatencyTable, summarizeLatency, type LatencySample } from '../../../bench/lib/latency-report.js';
import type { LatencyResult } from '../../../bench/lib/latency-measure.js';

function result(idle: number, bulkP99: number): LatencyResult {
  return { idleP50Ms: idle, idleP99Ms: idle * 2, bulkP50Ms: bulkP99 / 3, bulkP99Ms: bulkP99, udpPps: 100_000, cpuSPerGb: 3, bulkGbps: 4 };
}

test('with a baseline twin the table prints this build\'s ratio to it, and the bulk p99 target against nebula', () => {
  const samples: LatencySample[] = [
    { contender: 'tio', round: 1, result: result(0.5, 6) },
    { contender: 'tio@base', round: 1, result: result(0.5, 12) },
    { contender: 'nebula', round: 1, result: result(0.3, 10) },
  ];
  const table = formatLatencyTable(summarizeLatency(['tio', 'tio@base', 'nebula'], samples), 1);
  const row = table.split('\n').find((l) => l.startsWith('tio/tio@base'));
  assert.ok(row, table);
  // Columns: idle p50, idle p99, bulk p50, bulk p99, ...: 1.00x, 1.00x, 0.50x, 0.50x.
  assert.deepEqual(row.trim().split(/\s+/).slice(1, 5), ['1.00x', '1.00x', '0.50x', '0.50x']);
  assert.match(table, /target bulk p99 tio\/nebula <= 0\.80x: 0\.60x met/);
  assert.match(table, /target idle p50 tio\/nebula <= 1\.00x: 1\.67x NOT met/);
  assert.doesNotMatch(table, /tio_plain\/tio_plain@base/, 'no row for a contender that did not run');
});
