// LearnedAddresses: per-lighthouse lists, their union, and the bounds on hosts, addresses and age.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LearnedAddresses, MAX_LEARNED_ADDRS } from '../../../src/tunnel/lighthouse/index.js';
import { Endpoint } from '../../../src/udp/index.js';

const ep = (i: number, port = 4242): Endpoint => Endpoint.of(`198.18.0.${i}`, port);

test('what two lighthouses say is merged without duplicates, and each replaces only its own list', () => {
  const c = new LearnedAddresses(() => 0);
  c.set(7, 1, [ep(1), ep(2)]);
  c.set(7, 2, [ep(2), ep(3)]);
  assert.deepEqual(c.get(7).map((e) => e.key), ['198.18.0.1:4242', '198.18.0.2:4242', '198.18.0.3:4242']);
  c.set(7, 1, [ep(4)]);
  assert.deepEqual(c.get(7).map((e) => e.key), ['198.18.0.4:4242', '198.18.0.2:4242', '198.18.0.3:4242']);
  c.set(7, 1, []);
  c.set(7, 2, []);
  assert.equal(c.size, 0);
});

test('at most MAX_LEARNED_ADDRS addresses are kept per host', () => {
  const c = new LearnedAddresses(() => 0);
  c.set(7, 1, Array.from({ length: 30 }, (_, i) => ep(i + 1)));
  assert.equal(c.get(7).length, MAX_LEARNED_ADDRS);
});

test('the host told about least recently is evicted beyond the host limit', () => {
  const c = new LearnedAddresses(() => 0, 1000, 2);
  c.set(1, 9, [ep(1)]);
  c.set(2, 9, [ep(2)]);
  c.set(1, 9, [ep(1)]);
  c.set(3, 9, [ep(3)]);
  assert.equal(c.size, 2);
  assert.equal(c.get(2).length, 0);
  assert.equal(c.get(1).length, 1);
});

test('lists expire after the TTL', () => {
  let now = 0;
  const c = new LearnedAddresses(() => now, 1000);
  c.set(7, 1, [ep(1)]);
  now = 500;
  c.set(7, 2, [ep(2)]);
  now = 1001;
  assert.deepEqual(c.get(7).map((e) => e.key), ['198.18.0.2:4242']);
  now = 1501;
  assert.equal(c.get(7).length, 0);
  assert.equal(c.size, 0);
});
