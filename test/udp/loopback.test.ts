// A basic send/receive over 127.0.0.1 in the test's own namespace: no root
// needed. The real coverage runs between namespaces (gso-gro.test, socket.test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedError } from '../../src/errors.js';
import { Endpoint, UdpSocket } from '../../src/udp/index.js';
import { collect, pattern, within } from './harness.js';

test('loopback: ephemeral port, sendTo and sendSegments arrive intact, close rejects recv', async () => {
  const rx = UdpSocket.open({ host: '127.0.0.1', bufferBytes: 0 });
  const tx = UdpSocket.open({ host: '127.0.0.1', gro: 'off' });
  try {
    assert.ok(rx.port > 0);
    const to = Endpoint.of('127.0.0.1', rx.port);
    await tx.sendTo(to, pattern(0, 100));
    const run = Buffer.concat([pattern(1, 500), pattern(2, 500), pattern(3, 200)]);
    await tx.sendSegments(to, run, 0, run.length, 500);
    const got = await collect(rx, 4);
    assert.deepEqual(got.map((g) => g.data), [pattern(0, 100), pattern(1, 500), pattern(2, 500), pattern(3, 200)]);
    assert.ok(got.every((g) => g.from.equals(tx.local)));
    assert.equal(rx.stats().rxDatagrams, 4);
    assert.equal(tx.stats().txDatagrams, 4);
    const pending = rx.recv();
    rx.close();
    await within(assert.rejects(pending, ClosedError), 2000, 'close wake-up');
  } finally {
    rx.close();
    tx.close();
  }
});
