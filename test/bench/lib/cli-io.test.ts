// The bench entry points' option checks: a bad value names its option and what it allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intOption, listOption } from '../../../bench/lib/cli-io.js';

const argsError = (pattern: RegExp) => (e: unknown): boolean => (e as { code?: string }).code === 'ERR_BENCH_ARGS' && pattern.test((e as Error).message);

test('intOption takes an integer in range and names the option otherwise', () => {
  assert.equal(intOption('rounds', '3', 1, 50), 3);
  assert.throws(() => intOption('rounds', '0', 1, 50), argsError(/--rounds must be an integer 1\.\.50, got 0/));
  assert.throws(() => intOption('rounds', '2.5', 1, 50), argsError(/--rounds/));
  assert.throws(() => intOption('rounds', 'x', 1, 50), argsError(/--rounds/));
});

test('listOption keeps the known order, each name once, and refuses unknown or empty lists', () => {
  const known = ['tio', 'nebula', 'veth'] as const;
  assert.deepEqual(listOption('only', 'veth, tio,veth', known), ['tio', 'veth']);
  assert.throws(() => listOption('only', 'tio,wg', known), argsError(/--only: unknown wg; known: tio, nebula, veth/));
  assert.throws(() => listOption('only', ' , ', known), argsError(/--only is empty/));
});
