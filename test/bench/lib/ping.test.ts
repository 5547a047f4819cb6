// Parsing of iputils ping output (bench/lib/ping.ts) and the percentile bench:latency reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePing } from '../../../bench/lib/ping.js';
import { percentile } from '../../../bench/lib/stats.js';

const OUTPUT = `PING 198.19.0.2 (198.19.0.2) 56(84) bytes of data.
64 bytes from 198.19.0.2: icmp_seq=1 ttl=64 time=0.912 ms
64 bytes from 198.19.0.2: icmp_seq=2 ttl=64 time=1.05 ms
64 bytes from 198.19.0.2: icmp_seq=2 ttl=64 time=1.20 ms (DUP!)
64 bytes from 198.19.0.2: icmp_seq=4 ttl=64 time=12 ms

--- 198.19.0.2 ping statistics ---
4 packets transmitted, 3 received, +1 duplicates, 25% packet loss, time 31ms
rtt min/avg/max/mdev = 0.912/3.790/12.000/4.600 ms
`;

test('parsePing takes counts from the summary and every RTT from the answers', () => {
  assert.deepEqual(parsePing(OUTPUT), { sent: 4, answered: 3, rtts: [0.912, 1.05, 1.2, 12] });
});

test('parsePing with no answers gives no RTTs', () => {
  const r = parsePing('PING 198.19.0.2 (198.19.0.2) 56(84) bytes of data.\n\n--- 198.19.0.2 ping statistics ---\n3 packets transmitted, 0 received, 100% packet loss, time 2040ms\n');
  assert.deepEqual(r, { sent: 3, answered: 0, rtts: [] });
});

test('parsePing without a summary line throws', () => {
  assert.throws(() => parsePing('64 bytes from 198.19.0.2: icmp_seq=1 ttl=64 time=0.9 ms\n'), { code: 'ERR_BENCH_PING' });
});

test('percentile is the nearest rank', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile(xs, 100), 100);
  assert.equal(percentile([3, 1, 2], 99), 3);
  assert.equal(percentile([7], 50), 7);
});
