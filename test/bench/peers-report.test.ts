// bench:peers's parsing helpers and derived figures: tunnel-count lists, the
// peer's command and event lines, RTT percentiles, memory per tunnel, ratios.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePeerCommand, parsePeerEvent, summarize } from '../../bench/lib/peers-protocol.js';
import { MAX_TUNNELS, parseSteps, perTunnel, ratio } from '../../bench/lib/peers-report.js';
import type { StepResult } from '../../bench/lib/peers-run.js';

test('parseSteps returns distinct counts ascending and refuses junk, zero, repeats and counts beyond the overlay', () => {
  assert.deepEqual(parseSteps('1,100,1000'), [1, 100, 1000]);
  assert.deepEqual(parseSteps(' 1000, 1 ,100 '), [1, 100, 1000]);
  for (const bad of ['', ',', '0', '1,1', '1.5', '-3', 'ten', '1e3', String(MAX_TUNNELS + 1)]) {
    assert.throws(() => parseSteps(bad), { code: 'ERR_BENCH_ARGS' }, bad);
  }
});

test('peer commands round-trip through JSON and malformed lines are refused with a BenchError', () => {
  const cmds = [
    { op: 'grow', to: 100, window: 64, timeoutMs: 1000 },
    { op: 'ping', count: 5, timeoutMs: 1000 },
    { op: 'rate', ms: 3000, window: 64 },
    { op: 'quit' },
  ] as const;
  for (const c of cmds) assert.deepEqual(parsePeerCommand(JSON.stringify(c)), c);
  for (const bad of ['', 'not json', '[]', '{"op":"jump"}', '{"op":"grow","to":"100","window":1,"timeoutMs":1}', '{"op":"ping","count":5}']) {
    assert.throws(() => parsePeerCommand(bad), { code: 'ERR_BENCH_PEER' }, bad);
  }
});

test('peer events parse field by field; a missing or non-numeric field is refused', () => {
  const grown = { event: 'grown', tunnels: 100, added: 99, handshakeMs: 500, provenMs: 600, msg1Sent: 120, restarted: 0 };
  assert.deepEqual(parsePeerEvent(JSON.stringify({ ...grown, extra: 1 })), grown);
  const rated = { event: 'rated', sent: 10, answered: 9, ms: 1000, rtt: { count: 9, p50Us: 100, p99Us: 300 } };
  assert.deepEqual(parsePeerEvent(JSON.stringify(rated)), rated);
  assert.deepEqual(parsePeerEvent('{"event":"error","message":"x"}'), { event: 'error', message: 'x' });
  for (const bad of ['{"event":"ready","certs":1}', '{"event":"pinged","sent":1,"rtt":{"count":1,"p50Us":2}}',
    '{"event":"grown"}', '{"event":"error","message":3}', '{"event":"nope"}', 'null']) {
    assert.throws(() => parsePeerEvent(bad), { code: 'ERR_BENCH_PEER' }, bad);
  }
});

test('summarize takes nearest-rank p50 and p99 of unsorted samples, and zeros for none', () => {
  assert.deepEqual(summarize([]), { count: 0, p50Us: 0, p99Us: 0 });
  assert.deepEqual(summarize([5]), { count: 1, p50Us: 5, p99Us: 5 });
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.deepEqual(summarize(hundred), { count: 100, p50Us: 50, p99Us: 99 });
  assert.deepEqual(summarize([3.4, 1.2, 2.6]), { count: 3, p50Us: 3, p99Us: 3 });
});

function step(tunnels: number, rssIdle: number, rssAfter = rssIdle): StepResult {
  const rtt = { count: 0, p50Us: 0, p99Us: 0 };
  return {
    tunnels, added: tunnels, handshakesPerS: 1, msg1PerHandshake: 1, restarted: 0, rssIdle, rssAfter, ping: rtt, pingSent: 0,
    echoPerS: 0, echoRtt: rtt, cpuUsPerEcho: 0,
  };
}

test('perTunnel divides the RSS growth since the first step by the tunnels added since it', () => {
  const steps = [step(1, 1000, 2000), step(100, 1000 + 99 * 50, 2000 + 99 * 10), step(1000, 1000 + 999 * 40)];
  assert.ok(Number.isNaN(perTunnel(steps, steps[0]!, 'rssIdle')));
  assert.equal(perTunnel(steps, steps[1]!, 'rssIdle'), 50);
  assert.equal(perTunnel(steps, steps[1]!, 'rssAfter'), 10);
  assert.equal(perTunnel(steps, steps[2]!, 'rssIdle'), 40);
  assert.ok(Number.isNaN(perTunnel([], steps[1]!, 'rssIdle')));
});

test('ratio is NaN unless both sides are finite and the divisor is not zero', () => {
  assert.equal(ratio(3, 2), 1.5);
  for (const [a, b] of [[1, 0], [Number.NaN, 1], [1, Number.NaN], [Number.POSITIVE_INFINITY, 1]] as const) assert.ok(Number.isNaN(ratio(a, b)));
});
