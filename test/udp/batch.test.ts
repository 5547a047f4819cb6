// Pure logic of batches, no sockets: GRO messages split into datagrams, send
// batches chunked for UDP_SEGMENT, options validated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptionError } from '../../src/errors.js';
import {
  Endpoint, EndpointCache, SendBatch, SOCKADDR_SLOT_BYTES, UdpBatch, encodeSockaddr, maxGsoBytes,
} from '../../src/udp/index.js';
import { UdpCounters } from '../../src/udp/counters.js';
import { RECV_META, SEND_META } from '../../src/udp/constants.js';
import { resolveUdpOptions } from '../../src/udp/options.js';

function recvMeta(rows: [off: number, len: number, gso: number, flags: number, drops: number][]): Int32Array {
  const m = new Int32Array(rows.length * RECV_META);
  rows.forEach((r, i) => m.set(r, i * RECV_META));
  return m;
}

test('UdpBatch.fill splits GRO messages at their segment size, in order, and drops truncated ones', () => {
  const slot = 4096;
  const buf = Buffer.alloc(4 * slot);
  const addrs = new Uint8Array(4 * SOCKADDR_SLOT_BYTES);
  for (let i = 0; i < 4; i++) encodeSockaddr(4, Uint8Array.of(198, 18, 0, 1 + (i % 2)), 4000, 0, addrs, i * SOCKADDR_SLOT_BYTES);
  const batch = new UdpBatch(buf, addrs, new EndpointCache(), 1); // capacity 64 datagrams: forces growth below
  const c = new UdpCounters();
  const n = batch.fill(4, recvMeta([
    [0, 3500, 1000, 0, -1], // 1000, 1000, 1000, 500
    [slot, 0, 0, 0, -1], // an empty datagram
    [2 * slot, 4096, 0, 0x20, 3], // truncated: dropped
    [3 * slot, 2000, 30, 0, 5], // 66 datagrams of 30 + one of 20: more than the initial capacity
  ]), c);
  assert.equal(n, 4 + 1 + 67);
  assert.equal(batch.count, n);
  assert.deepEqual([...batch.offsets.subarray(0, 5)], [0, 1000, 2000, 3000, slot]);
  assert.deepEqual([...batch.lengths.subarray(0, 5)], [1000, 1000, 1000, 500, 0]);
  assert.deepEqual([...batch.senders.subarray(0, 6)], [0, 0, 0, 0, 1, 3]);
  assert.equal(batch.offsets[n - 1], 3 * slot + 66 * 30);
  assert.equal(batch.lengths[n - 1], 20);
  assert.equal(batch.segSizes[5], 30);
  assert.equal(batch.peer(0).key, '198.18.0.1:4000');
  assert.equal(batch.peer(4).key, '198.18.0.2:4000');
  assert.equal(batch.peer(0), batch.peer(3), 'same sender, same cached Endpoint');
  assert.ok(batch.sameSender(4, 5) && !batch.sameSender(0, 4));
  assert.ok(batch.isFrom(4, Endpoint.of('198.18.0.2', 4000)));
  assert.deepEqual(
    { dg: c.rxDatagrams, bytes: c.rxBytes, msgs: c.rxMessages, gro: c.rxGroMessages, trunc: c.rxTruncated, drops: c.rxKernelDrops },
    { dg: n, bytes: 3500 + 2000, msgs: 4, gro: 2, trunc: 1, drops: 5 },
  );
});

test('SendBatch.addSegments chunks runs to what one UDP_SEGMENT send carries and shares address slots', () => {
  const peer4 = Endpoint.of('198.18.0.2', 9);
  const peer6 = Endpoint.of('fd00::2', 9);
  const b = new SendBatch(2);
  b.addSegments(peer4, 0, 100 * 1200, 1200); // 54 + 46 segments: 54 * 1200 is the most under 65507 bytes
  b.addSegments(peer4, 0, 1000, 1200); // one short datagram: plain
  b.add(Endpoint.of('198.18.0.2', 9), 5, 7); // equal endpoint, other object: same slot
  b.addSegments(peer6, 0, 80000, 1000); // IPv6: 64 segments (UDP_MAX_SEGMENTS), then 16
  b.addSegments(peer4, 0, 65507 + 1, 60000); // a full-size datagram, then one byte
  const rows = [];
  for (let i = 0; i < b.count; i++) rows.push([...b.meta.subarray(i * SEND_META, (i + 1) * SEND_META)]);
  assert.deepEqual(rows, [
    [0, 54 * 1200, 1200, 0], [54 * 1200, 46 * 1200, 1200, 0], [0, 1000, 0, 0], [5, 7, 0, 0],
    [0, 64000, 1000, 1], [64000, 16000, 1000, 1], [0, 60000, 0, 2], [60000, 5508, 0, 2],
  ]);
  assert.equal(maxGsoBytes(4, 1400), 46 * 1400, 'IPv4 payload limit caps the segment count');
  assert.equal(maxGsoBytes(6, 1000), 64 * 1000);
  b.clear();
  assert.equal(b.count, 0);
  assert.throws(() => b.addSegments(peer4, 0, 10, 0), OptionError);
  assert.throws(() => b.add(peer4, -1, 10), OptionError);
});

test('options: defaults, validation with the option named', () => {
  const o = resolveUdpOptions({});
  assert.equal(o.family, 4);
  assert.equal(o.port, 0);
  assert.equal(resolveUdpOptions({ host: '::' }).family, 6);
  for (const bad of [{ host: 'localhost' }, { port: 65536 }, { gro: 'on' as 'off' }, { batchMessages: 65 }, { slotBytes: 0 }, { bufferBytes: -1 }]) {
    assert.throws(() => resolveUdpOptions(bad), (e: unknown) => e instanceof OptionError && e.message.includes(Object.keys(bad)[0]!));
  }
});
