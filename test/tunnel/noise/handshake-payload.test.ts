// NebulaHandshake protobuf (nebula.proto; docs/PROTOCOL.md "Handshake payload"): exact bytes,
// round trips, unknown fields, and typed errors for bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HandshakePayloadError, decodeHandshake, encodeHandshake, unixNanos } from '../../../src/tunnel/noise/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

test('msg1 and msg2 payloads encode canonically: ascending fields, zero values absent', () => {
  const msg1 = encodeHandshake({ details: { cert: Uint8Array.of(1, 2), initiatorIndex: 0x12345678, time: 1700000000123456789n } });
  const details1 = '0a020102' + '10f8acd19101' + '28959a97ece39fe7cb17';
  assert.equal(hex(msg1), '0a' + (details1.length / 2).toString(16) + details1);
  const msg2 = encodeHandshake({ details: { cert: Uint8Array.of(1, 2), initiatorIndex: 0x12345678, responderIndex: 0xdeadbeef, time: 1n } });
  const details2 = '0a020102' + '10f8acd19101' + '18effdb6f50d' + '2801';
  assert.equal(hex(msg2), '0a' + (details2.length / 2).toString(16) + details2);
  // Cookie and Hmac are never set by nebula; when given they still go in field order.
  assert.equal(hex(encodeHandshake({ details: { cookie: 5n }, hmac: Uint8Array.of(9) })), '0a022005' + '120109');
  // Empty details are still present (Details != nil).
  assert.equal(hex(encodeHandshake({ details: {} })), '0a00');
});

test('decode: fields, defaults, unknown fields skipped, last scalar wins, Details merged', () => {
  const d = decodeHandshake(unhex('0a10' + '0a020102' + '10f8acd19101' + '18effdb6f50d' + '120109'));
  assert.deepEqual([...d.details.cert], [1, 2]);
  assert.equal(d.details.initiatorIndex, 0x12345678);
  assert.equal(d.details.responderIndex, 0xdeadbeef);
  assert.equal(d.details.cookie, 0n);
  assert.equal(d.details.time, 0n);
  assert.deepEqual([...d.hmac], [9]);
  // Field 8 (CertVersion in nebula >= 1.10) and field 99 of the outer message are skipped.
  const withUnknown = decodeHandshake(unhex('0a04' + '4002' + '1001' + '9806' + '07' + '0a02' + '1003'));
  assert.equal(withUnknown.details.initiatorIndex, 3);
  // Time is a full u64.
  assert.equal(decodeHandshake(unhex('0a0b28ffffffffffffffffff01')).details.time, (1n << 64n) - 1n);
});

test('no Details and malformed bytes are typed errors', () => {
  const reason = (b: Uint8Array): string => {
    try {
      decodeHandshake(b);
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof HandshakePayloadError);
      assert.equal(e.code, 'ERR_TIO_HANDSHAKE_PAYLOAD');
      return e.reason;
    }
  };
  assert.equal(reason(new Uint8Array(0)), 'no-details');
  assert.equal(reason(unhex('120109')), 'no-details');
  assert.equal(reason(unhex('0a05')), 'malformed');
  assert.equal(reason(unhex('0a021001' + '08')), 'malformed');
  assert.equal(reason(unhex('0a020a01')), 'malformed');
  assert.equal(reason(unhex('0a021201')), 'malformed', 'InitiatorIndex with wire type 2');
  assert.equal(reason(unhex('0801')), 'malformed', 'Details with wire type 0');
});

test('property: encode/decode round trip', () => {
  const details = fc.record({
    cert: fc.uint8Array({ maxLength: 300 }),
    initiatorIndex: fc.nat({ max: 0xffffffff }),
    responderIndex: fc.nat({ max: 0xffffffff }),
    cookie: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    time: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  });
  fc.assert(fc.property(details, fc.uint8Array({ maxLength: 40 }), (d, hmac) => {
    const back = decodeHandshake(encodeHandshake({ details: d, hmac }));
    assert.deepEqual({ ...back.details }, { ...d });
    assert.deepEqual(back.hmac, hmac);
  }), { seed: 21, numRuns: 300 });
});

test('property: random bytes decode or fail with HandshakePayloadError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
    try {
      decodeHandshake(b);
    } catch (e) {
      if (!(e instanceof HandshakePayloadError)) throw e;
    }
  }), { seed: 22, numRuns: 3000 });
});

test('unixNanos: milliseconds times 10^6', () => {
  assert.equal(unixNanos(new Date(1_700_000_000_123)), 1_700_000_000_123_000_000n);
  const now = unixNanos();
  assert.ok(now > 1_600_000_000_000_000_000n);
});

test('unixNanos: the current time strictly increases from call to call, even within a millisecond', () => {
  let prev = unixNanos();
  for (let i = 0; i < 1000; i++) {
    const t = unixNanos();
    assert.ok(t > prev, `call ${i}: ${t} after ${prev}`);
    assert.ok(t - BigInt(Date.now()) * 1_000_000n < 1_000_000_000n, 'and stays within a second of the clock');
    prev = t;
  }
});
