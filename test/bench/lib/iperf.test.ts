// Parsing of iperf3 -J output (bench/lib/iperf.ts): the UDP received packet rate and TCP bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIperfJson, parseIperfUdpJson } from '../../../bench/lib/iperf.js';

test('parseIperfUdpJson: packets minus lost over seconds, from sum_received', () => {
  const j = { end: { sum_sent: { packets: 9999, lost_packets: 0, seconds: 2 }, sum_received: { packets: 483969, lost_packets: 11584, seconds: 2 } } };
  assert.equal(parseIperfUdpJson(JSON.stringify(j)), (483969 - 11584) / 2);
});

test('parseIperfUdpJson reports iperf3 errors and missing fields', () => {
  assert.throws(() => parseIperfUdpJson(JSON.stringify({ error: 'unable to connect' })), /unable to connect/);
  assert.throws(() => parseIperfUdpJson(JSON.stringify({ end: { sum_received: { packets: 1 } } })), { code: 'ERR_BENCH_IPERF' });
  assert.throws(() => parseIperfUdpJson('not json', 'boom'), /boom/);
});

test('parseIperfJson gives the bytes received', () => {
  const j = { end: { sum_received: { bits_per_second: 8e9, bytes: 1e10 }, sum_sent: { retransmits: 3 } } };
  assert.deepEqual(parseIperfJson(JSON.stringify(j)), { gbps: 8, retransmits: 3, bytes: 1e10 });
});
