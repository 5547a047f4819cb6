// Parsing of iperf3 -J output (bench/lib/iperf.ts): TCP bytes and rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIperfJson } from '../../../bench/lib/iperf.js';

test('parseIperfJson gives the bytes received', () => {
  const j = { end: { sum_received: { bits_per_second: 8e9, bytes: 1e10 }, sum_sent: { retransmits: 3 } } };
  assert.deepEqual(parseIperfJson(JSON.stringify(j)), { gbps: 8, retransmits: 3, bytes: 1e10 });
});
