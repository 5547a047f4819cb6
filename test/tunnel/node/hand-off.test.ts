// LoneBatches: which batches hand the CPU off (small ones after a quiet spell);
// HandOff: one yield a turn; afterLoneSend: read, yield, read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HandOff, LONE_BATCH_MAX, LoneBatches, QUIET_MS, afterLoneSend } from '../../../src/tunnel/node/hand-off.js';

test('a small batch after a quiet spell is lone; a big one, an empty one or one close behind another is not', () => {
  const g = new LoneBatches();
  assert.equal(g.lone(1, 1000), true, 'the first batch of a path follows nothing');
  assert.equal(g.lone(1, 1000 + QUIET_MS / 2), false, 'close behind the last batch');
  assert.equal(g.lone(LONE_BATCH_MAX, 1000 + 3 * QUIET_MS), true);
  assert.equal(g.lone(LONE_BATCH_MAX + 1, 1000 + 6 * QUIET_MS), false, 'too many packets');
  assert.equal(g.lone(0, 1000 + 9 * QUIET_MS), false, 'nothing was written');
  // Every batch counts as activity, lone or not.
  assert.equal(g.lone(1, 1000 + 9.5 * QUIET_MS), false);
});

test('a hand-off yields unless another yield came after the mark it is given', () => {
  let yielded = 0;
  const h = new HandOff(() => yielded++);
  const mark = h.yields;
  h.unlessSince(mark);
  assert.equal(yielded, 1, 'nothing yielded since the mark');
  const later = h.yields;
  h.now();
  h.unlessSince(later);
  assert.equal(yielded, 2, 'the yield after the mark stands for this one');
  assert.equal(h.yields, 2);
});

test('after a lone send the socket is read, then the CPU handed off, then the socket read again; without a hand-off, read once', () => {
  const steps: string[] = [];
  afterLoneSend(() => steps.push('read'), new HandOff(() => steps.push('yield')));
  assert.deepEqual(steps, ['read', 'yield', 'read']);
  const alone: string[] = [];
  afterLoneSend(() => alone.push('read'), undefined);
  assert.deepEqual(alone, ['read']);
});
