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

test('runNow starts the job in the call when Turns is idle, and queues it behind a job still running', async () => {
  const turns = new Turns();
  const log: string[] = [];
  let release!: () => void;
  const first = turns.runNow(async () => {
    log.push('a+');
    await new Promise<void>((r) => (release = r));
    log.push('a-');
  });
  assert.deepEqual(log, ['a+'], 'started synchronously');
  const second = turns.runNow(async () => {
    log.push('b');
  });
  const third = turns.run(async () => {
    log.push('c');
  });
  assert.deepEqual(log, ['a+'], 'b waits for a');
  release();
  await Promise.all([first, second, third]);
  assert.deepEqual(log, ['a+', 'a-', 'b', 'c']);
  await turns.idle();
  const sync: string[] = [];
  void turns.runNow(async () => {
    sync.push('d');
  });
  assert.deepEqual(sync, ['d'], 'idle again: the next runNow starts at once');
  await assert.rejects(turns.runNow(() => {
    throw new Error('threw before its promise');
  }), /threw before its promise/);
  await turns.idle();
});
