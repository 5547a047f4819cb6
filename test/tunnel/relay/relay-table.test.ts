// RelayTable: entries by index and by (tunnel, far end), partners going together, and the bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_RELAYS_PER_TUNNEL, RELAY_ESTABLISHED, RELAY_FORWARDING, RELAY_REQUESTED, RELAY_TERMINAL, RelayTable,
} from '../../../src/tunnel/relay/index.js';

const A = { vpnIp: 1 };
const B = { vpnIp: 2 };

test('an entry is found by its fresh non-zero local index and by its tunnel and far end', () => {
  const t = new RelayTable<typeof A>();
  const e = t.add(A, 2, RELAY_FORWARDING, 77, RELAY_REQUESTED)!;
  assert.notEqual(e.localIndex, 0);
  assert.equal(t.get(e.localIndex), e);
  assert.equal(t.find(A, 2), e);
  assert.equal(t.find(B, 1), undefined);
});

test('removing one half of a forwarding relay removes its partner too', () => {
  const t = new RelayTable<typeof A>();
  const a = t.add(A, 2, RELAY_FORWARDING, 5, RELAY_REQUESTED)!;
  const b = t.add(B, 1, RELAY_FORWARDING, 0, RELAY_REQUESTED)!;
  t.link(a, b);
  t.remove(b);
  assert.equal(t.size, 0);
  assert.equal(t.get(a.localIndex), undefined);
});

test('a closed tunnel takes every relay on it and the far halves with it', () => {
  const t = new RelayTable<typeof A>();
  const a = t.add(A, 2, RELAY_FORWARDING, 5, RELAY_ESTABLISHED)!;
  const b = t.add(B, 1, RELAY_FORWARDING, 6, RELAY_ESTABLISHED)!;
  t.link(a, b);
  t.add(A, 9, RELAY_TERMINAL, 7, RELAY_ESTABLISHED);
  assert.equal(t.dropTunnel(A), 3);
  assert.equal(t.size, 0);
});

test('a second entry for the same pair replaces the first', () => {
  const t = new RelayTable<typeof A>();
  const first = t.add(A, 2, RELAY_FORWARDING, 5, RELAY_REQUESTED)!;
  const second = t.add(A, 2, RELAY_FORWARDING, 6, RELAY_REQUESTED)!;
  assert.equal(t.size, 1);
  assert.equal(t.get(first.localIndex), undefined);
  assert.equal(t.find(A, 2), second);
});

test('one tunnel carries at most MAX_RELAYS_PER_TUNNEL entries; others still have room', () => {
  const t = new RelayTable<typeof A>();
  for (let i = 0; i < MAX_RELAYS_PER_TUNNEL; i++) assert.ok(t.add(A, 100 + i, RELAY_FORWARDING, i, RELAY_REQUESTED));
  assert.equal(t.add(A, 5000, RELAY_FORWARDING, 1, RELAY_REQUESTED), null);
  assert.ok(t.add(B, 5000, RELAY_FORWARDING, 1, RELAY_REQUESTED));
});
