// The logger writes what logging.* asks: no time field with disable_timestamp, a Go layout with timestamp_format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromObject } from '../../../src/tunnel/config/index.js';
import { loggerFromConfig } from '../../../src/tunnel/node/from-config.js';

const PKI = { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' };

function lineOf(logging: Record<string, unknown>): string {
  const lines: string[] = [];
  loggerFromConfig(configFromObject({ pki: PKI, logging }).config, (l) => lines.push(l)).info('hello', { n: 1 });
  assert.equal(lines.length, 1);
  return lines[0]!;
}

test('disable_timestamp drops the time field in text and json', () => {
  assert.equal(lineOf({ format: 'text', disable_timestamp: true }), 'level=info msg="hello" n=1');
  assert.deepEqual(JSON.parse(lineOf({ format: 'json', disable_timestamp: true })), { level: 'info', msg: 'hello', n: 1 });
});

test('timestamp_format writes the time in that Go layout; the default is ISO 8601 UTC', () => {
  assert.match(lineOf({ format: 'text', timestamp_format: '2006' }), /^time="\d{4}" level=info/);
  assert.match(JSON.parse(lineOf({ format: 'json' })).time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});
