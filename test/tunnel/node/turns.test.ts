import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Turns } from '../../../src/tunnel/node/turns.js';

test('Turns runs jobs one at a time in the order given; a failed job rejects its own turn only', async () => {
  const turns = new Turns();
  const log: string[] = [];
  let running = 0;
  const job = (name: string, fail = false) => async (): Promise<void> => {
    running++;
    assert.equal(running, 1, 'never two jobs at once');
    log.push(`${name}+`);
    await new Promise((r) => setImmediate(r));
    log.push(`${name}-`);
    running--;
    if (fail) throw new Error(`${name} failed`);
  };
  const a = turns.run(job('a'));
  const b = turns.run(job('b', true));
  const c = turns.run(job('c'));
  await a;
  await assert.rejects(b, /b failed/);
  await c;
  await turns.idle();
  assert.deepEqual(log, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
});
