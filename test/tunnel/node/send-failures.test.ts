// Failed UDP sends are said at warning level, summarised, at most once per WARN_EVERY_MS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SendFailures, WARN_EVERY_MS } from '../../../src/tunnel/node/send-failures.js';

test('failed sends are summarised in one warning per WARN_EVERY_MS, with their count and the last error', () => {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const f = new SendFailures((level, msg, fields) => lines.push({ level, msg, fields }));
  f.tick(1000);
  assert.equal(lines.length, 0, 'nothing failed, nothing said');
  f.note('198.18.0.9:4242', new Error('first'));
  f.note('198.18.0.8:4242', new Error('second'), 3);
  f.tick(1000);
  assert.deepEqual(lines, [{ level: 'warning', msg: 'UDP sends failed', fields: { count: 4, lastUdpAddr: '198.18.0.8:4242', lastError: 'second' } }]);
  f.note('198.18.0.9:4242', 'again');
  f.tick(1000 + WARN_EVERY_MS - 1);
  assert.equal(lines.length, 1, 'not twice within WARN_EVERY_MS');
  f.tick(1000 + WARN_EVERY_MS);
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.fields!.count, 1, 'the count restarts after each warning');
});
