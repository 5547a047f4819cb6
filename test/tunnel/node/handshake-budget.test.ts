import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { HandshakeBudget } from '../../../src/tunnel/node/handshake-budget.js';
import { Endpoint } from '../../../src/udp/index.js';

const src = (i: number): Endpoint => Endpoint.of(`198.18.1.${i}`, 4242);

test('a source gets its burst, then one token per 1/rate seconds; other sources are unaffected', async () => {
  let now = 0;
  const b = new HandshakeBudget({ perSourceRate: 10, perSourceBurst: 4, perTurn: 1000, maxSources: 100 }, () => now);
  try {
    for (let i = 0; i < 4; i++) assert.ok(b.admit(src(1)), `burst ${i}`);
    assert.equal(b.admit(src(1)), false, 'burst spent');
    assert.equal(b.refusedSource, 1);
    assert.ok(b.admit(src(2)), 'another source still has its burst');
    now += 99;
    assert.equal(b.admit(src(1)), false, 'not yet a whole token after 99 ms at 10/s');
    now += 2;
    assert.ok(b.admit(src(1)), 'one token after 100 ms');
    // A different port of the same address is the same source: ports are free to pick.
    assert.equal(b.admit(Endpoint.of('198.18.1.1', 9999)), false, 'the port does not make a new source');
  } finally {
    b.close();
  }
});

test('a turn admits at most perTurn units whatever their sources; the next turn admits again', async () => {
  const b = new HandshakeBudget({ perSourceRate: 10, perSourceBurst: 10, perTurn: 3, maxSources: 100 });
  try {
    const admitted = [1, 2, 3, 4, 5].map((i) => b.admit(src(i)));
    assert.deepEqual(admitted, [true, true, true, false, false]);
    assert.equal(b.refusedTurn, 2);
    await nextTurn();
    assert.ok(b.admit(src(6)), 'a new turn has a new allowance');
  } finally {
    b.close();
  }
});

test('a turn also ends perTurnMs after its first admission; the next turn admits again', async () => {
  let now = 1000;
  const b = new HandshakeBudget({ perSourceRate: 100, perSourceBurst: 100, perTurn: 1000, perTurnMs: 3, maxSources: 100 }, () => now);
  try {
    now += 50; // idle time before the turn's first admission does not count
    assert.ok(b.admit(src(1)));
    now += 2.9;
    assert.ok(b.admit(src(2)), 'within 3 ms of the first');
    assert.equal(b.turnSpent, false);
    now += 0.1;
    assert.equal(b.turnSpent, true, '3 ms spent');
    assert.equal(b.admit(src(3)), false);
    assert.equal(b.refusedTurn, 1);
    await nextTurn();
    assert.equal(b.turnSpent, false, 'a new turn');
    assert.ok(b.admit(src(3)), 'a new turn has a new allowance');
  } finally {
    b.close();
  }
});

test('the number of tracked sources stays within maxSources', async () => {
  let now = 0;
  const b = new HandshakeBudget({ perSourceRate: 1, perSourceBurst: 2, perTurn: 1_000_000, maxSources: 64 }, () => now);
  try {
    for (let i = 0; i < 5000; i++) {
      now += 1;
      b.admit(Endpoint.of(`198.18.${(i >> 8) & 0xff}.${i & 0xff}`, 1));
      assert.ok(b.size <= 64, `size ${b.size} after ${i + 1} sources`);
    }
  } finally {
    b.close();
  }
});
