// turnSink: the lines of one event-loop turn leave in one write, in order, after the turn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { turnSink, TURN_SINK_MAX_PENDING } from '../../../src/tunnel/log/turn-sink.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('lines logged in one turn are written together after it, in order; the next turn writes again', async () => {
  const writes: string[] = [];
  const { sink } = turnSink((t) => writes.push(t));
  const log = new Logger('info', 'text', sink, {}, null);
  log.info('one', { n: 1 });
  log.info('two');
  log.debug('not at info');
  assert.equal(writes.length, 0, 'nothing written during the turn');
  await turn();
  assert.deepEqual(writes, ['level=info msg="one" n=1\nlevel=info msg="two"\n']);
  log.info('three');
  await turn();
  assert.deepEqual(writes.slice(1), ['level=info msg="three"\n']);
});

test('flush() writes at once; a turn holding a pipe buffer of text writes it without waiting', async () => {
  const writes: string[] = [];
  const t = turnSink((s) => writes.push(s));
  t.sink('a');
  t.flush();
  assert.deepEqual(writes, ['a\n']);
  const big = 'x'.repeat(1024);
  for (let i = 0; i < TURN_SINK_MAX_PENDING / 1024; i++) t.sink(big);
  assert.ok(writes.length >= 2, 'a full buffer is written within the turn');
  await turn();
  assert.equal(writes.slice(1).join('').length, (TURN_SINK_MAX_PENDING / 1024) * 1025, 'every line written once');
});
