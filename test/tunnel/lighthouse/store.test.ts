// HostStore: the lighthouse server's per-host addresses, bounded in hosts and addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostStore, MAX_REPORTED_ADDRS } from '../../../src/tunnel/lighthouse/index.js';

const a = (n: number) => ({ ip: 0xc6120000 + n, port: 4242 });

test('an answer lists the learned address first, then the reported ones, duplicates kept as nebula', () => {
  const s = new HostStore();
  s.report(7, [a(1), a(2)]);
  assert.deepEqual(s.answer(7, a(1))?.addrs, [a(1), a(1), a(2)]);
  assert.deepEqual(s.answer(7, null)?.addrs, [a(1), a(2)]);
});

test('a host known neither by a tunnel nor by an update has no answer', () => {
  const s = new HostStore();
  assert.equal(s.answer(9, null), null);
  assert.deepEqual(s.answer(9, a(3)), { addrs: [a(3)], addrs6: [], relays: [] });
});

test('an update\'s relays are answered with the host, at most MAX_REPORTED_ADDRS, and replaced by the next update', () => {
  const s = new HostStore();
  s.report(7, [a(1)], Array.from({ length: 15 }, (_, i) => 100 + i));
  assert.equal(s.answer(7, null)?.relays.length, MAX_REPORTED_ADDRS);
  s.report(7, [a(1)], [5]);
  assert.deepEqual(s.answer(7, a(2)), { addrs: [a(2), a(1)], addrs6: [], relays: [5] });
  s.report(7, [a(1)]);
  assert.deepEqual(s.answer(7, null)?.relays, []);
});

test('an update keeps at most MAX_REPORTED_ADDRS addresses and replaces the previous list', () => {
  const s = new HostStore();
  s.report(7, Array.from({ length: 15 }, (_, i) => a(i)));
  assert.equal(s.get(7)!.reported.length, MAX_REPORTED_ADDRS);
  s.report(7, [a(99)]);
  assert.deepEqual(s.get(7)!.reported, [a(99)]);
});

test('a full store keeps no new host but still updates the ones it has', () => {
  const s = new HostStore(2);
  assert.ok(s.report(1, [a(1)]));
  assert.ok(s.report(2, [a(2)]));
  assert.equal(s.report(3, [a(3)]), false);
  assert.equal(s.size, 2);
  assert.ok(s.report(1, [a(4)]));
  s.forget(1);
  assert.ok(s.report(3, [a(3)]));
});

test('a forgotten host is gone', () => {
  const s = new HostStore();
  s.report(7, [a(1)]);
  assert.equal(s.forget(7), true);
  assert.equal(s.get(7), undefined);
  assert.equal(s.forget(7), false);
});

test('an update\'s relays are kept as sent (unchecked, as nebula 1.6.1) and replaced by the next update', () => {
  const s = new HostStore();
  s.report(7, [], [1, 7, 2]);
  assert.deepEqual(s.relaysOf(7), [1, 7, 2]);
  s.report(7, []);
  assert.deepEqual(s.relaysOf(7), []);
  assert.deepEqual(s.relaysOf(8), []);
});
