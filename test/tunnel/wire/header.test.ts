import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  AEAD_OVERHEAD,
  HEADER_LEN,
  SUBTYPE_TEST_REPLY,
  TYPE_CLOSE_TUNNEL,
  TYPE_HANDSHAKE,
  TYPE_MESSAGE,
  TYPE_RECV_ERROR,
  TYPE_TEST,
  counterBigInt,
  decodeHeader,
  encodeHeader,
  encodeHeaderHiLo,
  newHeader,
} from '../../../src/tunnel/wire/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('constants match docs/PROTOCOL.md "Numbers at a glance", "Header"', () => {
  assert.equal(HEADER_LEN, 16);
  assert.equal(AEAD_OVERHEAD, 32);
});

test('encodeHeader reproduces the headers captured on the wire (docs/PROTOCOL.md "Header")', () => {
  const cases: [number, number, number, number, string][] = [
    [TYPE_HANDSHAKE, 0, 0, 1, '10 00 0000 00000000 0000000000000001'],
    [TYPE_HANDSHAKE, 0, 0x1234abcd, 2, '10 00 0000 1234abcd 0000000000000002'],
    [TYPE_MESSAGE, 0, 0xdeadbeef, 3, '11 00 0000 deadbeef 0000000000000003'],
    [TYPE_TEST, 0, 7, 5, '14 00 0000 00000007 0000000000000005'],
    [TYPE_TEST, SUBTYPE_TEST_REPLY, 7, 6, '14 01 0000 00000007 0000000000000006'],
    [TYPE_CLOSE_TUNNEL, 0, 7, 6, '15 00 0000 00000007 0000000000000006'],
    [TYPE_RECV_ERROR, 0, 0x12345678, 0, '12 00 0000 12345678 0000000000000000'],
  ];
  for (const [type, sub, idx, ctr, want] of cases) {
    const buf = new Uint8Array(16);
    assert.equal(encodeHeader(buf, 0, type, sub, idx, ctr), 16);
    assert.equal(hex(buf), want.replace(/ /g, ''));
  }
});

test('decodeHeader reads the captured first data packet header', () => {
  const h = newHeader();
  assert.equal(decodeHeader(fromHex('11 00 0000 89abcdef 0000000000000003'), 0, 16, h), true);
  assert.deepEqual(h, { version: 1, type: 1, subtype: 0, reserved: 0, remoteIndex: 0x89abcdef, counterHi: 0, counterLo: 3, counter: 3 });
});

test('decodeHeader ignores the version and reserved fields but reports them', () => {
  const h = newHeader();
  assert.equal(decodeHeader(fromHex('f4 01 abcd 00000001 0000000100000002'), 0, 16, h), true);
  assert.equal(h.version, 15);
  assert.equal(h.type, 4);
  assert.equal(h.subtype, 1);
  assert.equal(h.reserved, 0xabcd);
  assert.equal(h.counterHi, 1);
  assert.equal(h.counterLo, 2);
  assert.equal(h.counter, 2 ** 32 + 2);
});

test('decodeHeader refuses short datagrams (punchy keepalive, 15 bytes) and leaves out untouched', () => {
  const h = newHeader();
  h.type = 9;
  assert.equal(decodeHeader(Uint8Array.of(1), 0, 1, h), false);
  assert.equal(decodeHeader(new Uint8Array(15), 0, 15, h), false);
  // len claims 16 but the buffer ends early
  assert.equal(decodeHeader(new Uint8Array(20), 8, 16, h), false);
  assert.equal(h.type, 9);
});

test('decodeHeader works at an offset within a larger buffer', () => {
  const buf = new Uint8Array(40).fill(0xee);
  encodeHeader(buf, 7, TYPE_MESSAGE, 0, 42, 1000);
  const h = newHeader();
  assert.equal(decodeHeader(buf, 7, 33, h), true);
  assert.equal(h.remoteIndex, 42);
  assert.equal(h.counter, 1000);
  assert.equal(buf[6], 0xee);
  assert.equal(buf[23], 0xee);
});

test('counters above 2^32 and up to 2^53-1 round-trip exactly as numbers', () => {
  for (const c of [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER]) {
    const buf = new Uint8Array(16);
    encodeHeader(buf, 0, TYPE_MESSAGE, 0, 1, c);
    const h = newHeader();
    decodeHeader(buf, 0, 16, h);
    assert.equal(h.counter, c);
    assert.equal(counterBigInt(h.counterHi, h.counterLo), BigInt(c));
  }
});

test('the full u64 range round-trips through hi/lo', () => {
  const buf = new Uint8Array(16);
  encodeHeaderHiLo(buf, 0, TYPE_MESSAGE, 0, 1, 0xffffffff, 0xffffffff);
  assert.equal(hex(buf.subarray(8)), 'ffffffffffffffff');
  const h = newHeader();
  decodeHeader(buf, 0, 16, h);
  assert.equal(counterBigInt(h.counterHi, h.counterLo), 2n ** 64n - 1n);
});

test('property: encode then decode is the identity on every field', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 15 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      (type, sub, idx, ctr) => {
        const buf = new Uint8Array(16);
        encodeHeaderHiLo(buf, 0, type, sub, idx, Number(ctr >> 32n), Number(ctr & 0xffffffffn));
        const h = newHeader();
        assert.equal(decodeHeader(buf, 0, 16, h), true);
        assert.equal(h.version, 1);
        assert.equal(h.type, type);
        assert.equal(h.subtype, sub);
        assert.equal(h.reserved, 0);
        assert.equal(h.remoteIndex, idx);
        assert.equal(counterBigInt(h.counterHi, h.counterLo), ctr);
        if (ctr <= BigInt(Number.MAX_SAFE_INTEGER)) assert.equal(h.counter, Number(ctr));
      },
    ),
  );
});
