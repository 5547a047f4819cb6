import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PORT_ANY, PORT_FRAGMENT, parsePortRange, protoNumber } from '../../../src/tunnel/firewall/index.js';

test('parsePortRange: any, 0, fragment, N, N-M (nebula parsePort)', () => {
  assert.deepEqual(parsePortRange('any'), { start: PORT_ANY, end: PORT_ANY });
  assert.deepEqual(parsePortRange('0'), { start: PORT_ANY, end: PORT_ANY });
  assert.deepEqual(parsePortRange('fragment'), { start: PORT_FRAGMENT, end: PORT_FRAGMENT });
  assert.deepEqual(parsePortRange('443'), { start: 443, end: 443 });
  assert.deepEqual(parsePortRange('200-901'), { start: 200, end: 901 });
  assert.deepEqual(parsePortRange(' 200 - 901 '), { start: 200, end: 901 });
  assert.deepEqual(parsePortRange('0-100'), { start: PORT_ANY, end: PORT_ANY }, 'a range from 0 is any, as in nebula');
  assert.deepEqual(parsePortRange('65535'), { start: 65535, end: 65535 });
});

test('parsePortRange refuses malformed, reversed and out-of-range ports', () => {
  for (const bad of ['', 'all', 'ANY', '-1', '5-', '-5', '1-2-3', '901-200', '65536', '1-70000', '1.5', 'x-1']) {
    assert.equal(parsePortRange(bad), null, bad);
  }
});

test('protoNumber', () => {
  assert.deepEqual(['any', 'tcp', 'udp', 'icmp'].map((p) => protoNumber(p as 'any')), [0, 6, 17, 1]);
});
