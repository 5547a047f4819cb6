import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../../src/tunnel/config/index.js';

test('parseDuration reads Go durations into milliseconds', () => {
  const cases: [string, number][] = [
    ['100ms', 100],
    ['5s', 5000],
    ['12m', 720_000],
    ['1h30m', 5_400_000],
    ['2h45m30.5s', 9_930_500],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['1500us', 1.5],
    ['1µs', 0.001],
    ['1μs', 0.001],
    ['250000ns', 0.25],
    ['0', 0],
    ['0s', 0],
    ['+3s', 3000],
    ['-1s', -1000],
    ['1m1m', 120_000],
  ];
  for (const [text, ms] of cases) assert.ok(Math.abs(parseDuration(text)! - ms) < 1e-9, `${text} -> ${parseDuration(text)}`);
});

test('parseDuration refuses what Go refuses', () => {
  for (const bad of ['', '5', '1x', '1h 30m', 'h', '.s', '1.2.3s', 's5', '1H', '-', '5 s', '1e3s']) {
    assert.equal(parseDuration(bad), null, bad);
  }
});
