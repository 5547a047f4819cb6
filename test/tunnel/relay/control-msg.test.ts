// NebulaControl codec: the bytes nebula 1.6.1's gogoproto marshaller makes (worked out by hand from
// nebula.proto), round trips, and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONTROL_CREATE_RELAY_REQUEST, CONTROL_CREATE_RELAY_RESPONSE, ControlMessageError, decodeControl, encodeControl,
} from '../../../src/tunnel/relay/index.js';

const ip = (s: string): number => s.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);

test('a CreateRelayRequest encodes Type, InitiatorRelayIndex, RelayToIp, RelayFromIp in field order, no ResponderRelayIndex', () => {
  const b = encodeControl({ type: CONTROL_CREATE_RELAY_REQUEST, initiatorRelayIndex: 300, relayToIp: ip('198.19.0.2'), relayFromIp: ip('198.19.0.1') });
  // 300 -> ac 02; 198.19.0.2 -> 82 80 cc b0 0c; 198.19.0.1 -> 81 80 cc b0 0c
  assert.equal(Buffer.from(b).toString('hex'), '0801' + '10ac02' + '20' + '8280ccb00c' + '28' + '8180ccb00c');
});

test('a CreateRelayResponse round-trips every field over the full uint32 range', () => {
  const m = { type: CONTROL_CREATE_RELAY_RESPONSE, initiatorRelayIndex: 0xffffffff, responderRelayIndex: 1, relayToIp: 0x80000000, relayFromIp: 0x7fffffff };
  assert.deepEqual(decodeControl(encodeControl(m)), m);
});

test('empty input decodes as Type None with every index and address 0', () => {
  assert.deepEqual(decodeControl(new Uint8Array(0)), { type: 0, initiatorRelayIndex: 0, responderRelayIndex: 0, relayToIp: 0, relayFromIp: 0 });
});

test('unknown fields are skipped and a repeated field keeps its last value', () => {
  const b = Buffer.from('0801' + '3a0161' + '1001' + '1002', 'hex');
  assert.deepEqual(decodeControl(b), { type: 1, initiatorRelayIndex: 2, responderRelayIndex: 0, relayToIp: 0, relayFromIp: 0 });
});

test('a varint wider than 32 bits keeps its low 32 bits, as Go does for uint32', () => {
  // 2^32 + 5 as a varint
  const b = Buffer.from('10' + '8580808010', 'hex');
  assert.equal(decodeControl(b).initiatorRelayIndex, 5);
});

test('a truncated varint, a wrong wire type and a length past the end are refused with ControlMessageError', () => {
  for (const hex of ['10ff', '1201', '3a05aa']) {
    assert.throws(() => decodeControl(Buffer.from(hex, 'hex')), ControlMessageError, hex);
  }
});

test('decoding reads only its range', () => {
  const inner = encodeControl({ type: CONTROL_CREATE_RELAY_REQUEST, initiatorRelayIndex: 7 });
  const buf = Buffer.concat([Buffer.from('ffff', 'hex'), inner, Buffer.from('ff', 'hex')]);
  assert.equal(decodeControl(buf, 2, 2 + inner.length).initiatorRelayIndex, 7);
});
