// RejectBudget: a token bucket of REJECT_BURST tokens refilled at REJECTS_PER_SECOND.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REJECTS_PER_SECOND, REJECT_BURST, RejectBudget } from '../../../src/tunnel/node/reject-budget.js';

function takes(b: RejectBudget, at: number, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (b.take(at)) ok++;
  return ok;
}

test('a full burst at once, then one token per millisecond at 1000/s, never more than the burst saved up', () => {
  assert.equal(REJECTS_PER_SECOND, 1000);
  assert.equal(REJECT_BURST, 50);
  const b = new RejectBudget();
  assert.equal(takes(b, 1000, 100), 50, 'the burst');
  assert.equal(takes(b, 1000, 10), 0, 'spent');
  assert.equal(takes(b, 1010, 100), 10, '10 ms later: 10 more');
  assert.equal(takes(b, 61_000, 1000), 50, 'a long pause saves up no more than the burst');
  assert.equal(takes(b, 60_000, 10), 0, 'a clock going backwards refills nothing');
});

test('over one second of steady flood the budget admits about rate + burst', () => {
  const b = new RejectBudget();
  let ok = 0;
  for (let t = 0; t <= 1000; t += 0.25) ok += takes(b, t, 1);
  assert.ok(ok >= 1040 && ok <= 1051, `${ok} admitted`);
});
