// Between two namespaces over veth: UDP_SEGMENT sends arrive as separate
// datagrams at a plain socket and as GRO messages (split back in order) at a
// GRO socket, over IPv4 and IPv6; gso: 'off' and the GSO fallback send the same bytes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Endpoint, UdpSocket } from '../../src/udp/index.js';
import { destroyAll, rootSkipReason } from '../../kit/netns.js';
import { collect, makePair, pattern, type Pair } from './harness.js';

const skip = rootSkipReason();
let net: Pair;
before(() => {
  if (!skip) net = makePair('udpgso');
});
after(destroyAll);

const COUNT = 40;
const SIZE = 1200;

/** COUNT datagrams of SIZE bytes back to back (the last `lastSize` long), and the expected pieces. */
function run(lastSize = SIZE, seed = 0): { buf: Buffer; parts: Buffer[] } {
  const parts = Array.from({ length: COUNT }, (_, i) => pattern(i, i === COUNT - 1 ? lastSize : SIZE, seed));
  return { buf: Buffer.concat(parts), parts };
}

test('sendSegments of 40 x 1200 bytes arrives as 40 datagrams at a plain receiver', { skip }, async () => {
  const rx = UdpSocket.open({ host: '198.18.50.2', gro: 'off', netns: net.b.name });
  const tx = UdpSocket.open({ host: '198.18.50.1', netns: net.a.name });
  try {
    assert.equal(tx.gso, true, 'this kernel knows UDP_SEGMENT');
    assert.equal(rx.gro, false);
    const { buf, parts } = run();
    await tx.sendSegments(Endpoint.of('198.18.50.2', rx.port), buf, 0, buf.length, SIZE);
    const got = await collect(rx, COUNT);
    assert.equal(got.length, COUNT);
    assert.deepEqual(got.map((g) => g.data), parts);
    assert.ok(got.every((g) => g.segSize === 0 && g.from.equals(tx.local)));
    const s = tx.stats();
    assert.deepEqual([s.txGsoSends, s.txSyscalls, s.txDatagrams, s.txBytes], [1, 1, COUNT, COUNT * SIZE]);
    assert.equal(rx.stats().rxMessages, COUNT);
  } finally {
    rx.close();
    tx.close();
  }
});

for (const family of [4, 6] as const) {
  const [aIp, bIp] = family === 4 ? ['198.18.50.1', '198.18.50.2'] : ['fd00:50::1', 'fd00:50::2'];
  test(`IPv${family}: GRO receiver gets merged messages and recv splits them into the original datagrams in order`, { skip }, async () => {
    const rx = UdpSocket.open({ host: bIp, netns: net.b.name });
    const tx = UdpSocket.open({ host: aIp, netns: net.a.name });
    try {
      assert.equal(rx.gro, true, 'this kernel accepts UDP_GRO');
      const to = Endpoint.of(bIp, rx.port);
      const a = run(700, 1);
      const b = run(SIZE, 2);
      await tx.sendSegments(to, a.buf, 0, a.buf.length, SIZE);
      await tx.sendSegments(to, b.buf, 0, b.buf.length, SIZE);
      const got = await collect(rx, 2 * COUNT);
      assert.deepEqual(got.map((g) => g.data), [...a.parts, ...b.parts]);
      assert.ok(got.every((g) => g.from.equals(tx.local)));
      const s = rx.stats();
      assert.ok(s.rxGroMessages >= 1, `merged messages: ${JSON.stringify(s)}`);
      assert.ok(got.some((g) => g.segSize === SIZE));
      assert.equal(s.rxDatagrams, 2 * COUNT);
      assert.ok(s.rxMessages < 2 * COUNT);
    } finally {
      rx.close();
      tx.close();
    }
  });
}

test("gso: 'off' sends the same datagrams one by one with sendmmsg", { skip }, async () => {
  const rx = UdpSocket.open({ host: 'fd00:50::2', gro: 'off', netns: net.b.name });
  const tx = UdpSocket.open({ host: 'fd00:50::1', gso: 'off', netns: net.a.name });
  try {
    assert.equal(tx.gso, false);
    const { buf, parts } = run(1);
    await tx.sendSegments(Endpoint.of('fd00:50::2', rx.port), buf, 0, buf.length, SIZE);
    const got = await collect(rx, COUNT);
    assert.deepEqual(got.map((g) => g.data), parts);
    const s = tx.stats();
    assert.deepEqual([s.txGsoSends, s.txSyscalls, s.txDatagrams], [0, 1, COUNT]);
  } finally {
    rx.close();
    tx.close();
  }
});

test('segments above the route MTU: the kernel refuses GSO (EMSGSIZE), the run goes out datagram by datagram, GSO stays on', { skip }, async () => {
  const rx = UdpSocket.open({ host: '198.18.50.2', gro: 'off', netns: net.b.name });
  const tx = UdpSocket.open({ host: '198.18.50.1', netns: net.a.name });
  try {
    // 3 x 2000 bytes over a 1500-byte veth: each datagram is fragmented, which only a plain send may do.
    const parts = [pattern(0, 2000), pattern(1, 2000), pattern(2, 2000)];
    const buf = Buffer.concat(parts);
    await tx.sendSegments(Endpoint.of('198.18.50.2', rx.port), buf, 0, buf.length, 2000);
    const got = await collect(rx, 3);
    assert.deepEqual(got.map((g) => g.data), parts);
    const s = tx.stats();
    assert.deepEqual([s.txGsoFallbacks, s.txGsoSends, s.txDatagrams, s.txErrors], [1, 0, 3, 0]);
    assert.equal(tx.gso, true, 'a geometry refusal does not turn GSO off');
  } finally {
    rx.close();
    tx.close();
  }
});
