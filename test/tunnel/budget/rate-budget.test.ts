// RateBudget: a token bucket of `burst` tokens (one second's worth by default) refilled at `perSecond`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateBudget } from '../../../src/tunnel/budget/index.js';

function takes(b: RateBudget, at: number, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (b.take(at)) ok++;
  return ok;
}

test('a full bucket gives one second of tokens at once, then refills at the rate', () => {
  const b = new RateBudget(100);
  assert.equal(takes(b, 5000, 150), 100, 'the burst is one second of tokens');
  assert.equal(takes(b, 5000, 10), 0, 'nothing left at the same instant');
  assert.equal(takes(b, 5100, 20), 10, '100 ms refill 10 tokens');
  assert.equal(takes(b, 7000, 500), 100, 'never more than the burst, however long the pause');
});

test('isFull says when forgetting the bucket loses nothing; a clock going back refills nothing', () => {
  const b = new RateBudget(10, 20);
  assert.ok(b.isFull(0));
  assert.ok(b.take(0));
  assert.ok(!b.isFull(0));
  assert.ok(!b.isFull(50), '0.5 token back');
  assert.ok(b.isFull(100), 'one token back: full');
  assert.equal(takes(b, 100, 30), 20);
  assert.equal(takes(b, 50, 5), 0, 'an earlier time adds nothing');
});
