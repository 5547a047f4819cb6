import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Ipv6L4,
  ipv6HopLimit,
  ipv6L4,
  ipv6NextHeader,
  ipv6PayloadLength,
  ipv6TrafficClass,
  setIpv6HopLimit,
  setIpv6PayloadLength,
  setIpv6TrafficClass,
} from '../../src/packet/index.js';

// Builds fixed header + extension headers (each [type, lengthInBytes]) + 20 bytes of L4.
function chain(exts: Array<[number, number]>, l4Proto: number): Uint8Array {
  const extBytes = exts.reduce((n, [, l]) => n + l, 0);
  const b = new Uint8Array(40 + extBytes + 20);
  b[0] = 0x60;
  b[4] = (extBytes + 20) >>> 8;
  b[5] = (extBytes + 20) & 0xff;
  b[7] = 64;
  let nextField = 6;
  let p = 40;
  for (const [type, len] of exts) {
    b[nextField] = type;
    nextField = p;
    if (type === 51) b[p + 1] = len / 4 - 2;
    else if (type !== 44) b[p + 1] = len / 8 - 1;
    p += len;
  }
  b[nextField] = l4Proto;
  return b;
}

const out = (): Ipv6L4 => ({ proto: -1, offset: -1, fragment: true });

test('ipv6L4 returns the fixed header next header when there are no extensions', () => {
  const b = chain([], 17);
  const o = out();
  assert.equal(ipv6L4(b, 0, b.length, o), true);
  assert.deepEqual(o, { proto: 17, offset: 40, fragment: false });
});

test('ipv6L4 walks hop-by-hop and destination options to TCP', () => {
  const b = chain([[0, 8], [60, 16]], 6);
  const o = out();
  assert.equal(ipv6L4(b, 0, b.length, o), true);
  assert.deepEqual(o, { proto: 6, offset: 64, fragment: false });
});

test('ipv6L4 sizes routing, fragment (8 bytes) and AH (4-byte units + 2) headers and reports the Fragment header', () => {
  const b = chain([[0, 8], [43, 24], [44, 8], [51, 24], [60, 8]], 17);
  const o = out();
  assert.equal(ipv6L4(b, 0, b.length, o), true);
  assert.deepEqual(o, { proto: 17, offset: 40 + 8 + 24 + 8 + 24 + 8, fragment: true });
});

test('ipv6L4 reports an absolute offset for a packet not at the buffer start', () => {
  const inner = chain([[0, 8]], 6);
  const b = new Uint8Array(5 + inner.length);
  b.set(inner, 5);
  const o = out();
  assert.equal(ipv6L4(b, 5, inner.length, o), true);
  assert.deepEqual(o, { proto: 6, offset: 5 + 48, fragment: false });
});

test('ipv6L4 rejects a chain truncated inside an extension header', () => {
  const b = chain([[0, 8], [60, 16]], 6);
  assert.equal(ipv6L4(b, 0, 40 + 8 + 10, out()), false);
  // Cut just after the hop-by-hop header: the next header's length byte is missing.
  assert.equal(ipv6L4(b, 0, 40 + 8 + 1, out()), false);
  assert.equal(ipv6L4(b, 0, 40 + 4, out()), false);
});

test('ipv6L4 rejects a packet shorter than the fixed header', () => {
  const b = chain([], 6);
  assert.equal(ipv6L4(b, 0, 39, out()), false);
});

test('ipv6L4 accepts 8 extension headers and rejects 9', () => {
  const eight = chain(Array.from({ length: 8 }, (): [number, number] => [60, 8]), 6);
  assert.equal(ipv6L4(eight, 0, eight.length, out()), true);
  const nine = chain(Array.from({ length: 9 }, (): [number, number] => [60, 8]), 6);
  assert.equal(ipv6L4(nine, 0, nine.length, out()), false);
});

test('IPv6 accessors and setters', () => {
  const b = chain([], 6);
  b[1] = 0x0a; // flow label bits must survive a traffic class write
  setIpv6TrafficClass(b, 0, 0xb9);
  assert.equal(ipv6TrafficClass(b, 0), 0xb9);
  assert.equal(b[0], 0x6b);
  assert.equal(b[1], 0x9a);
  setIpv6PayloadLength(b, 0, 0x1234);
  assert.equal(ipv6PayloadLength(b, 0), 0x1234);
  setIpv6HopLimit(b, 0, 1);
  assert.equal(ipv6HopLimit(b, 0), 1);
  assert.equal(ipv6NextHeader(b, 0), 6);
});
