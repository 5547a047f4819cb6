// Fuzz: relay control messages (NebulaControl) as they arrive decrypted inside a tunnel: random bytes
// and mutated valid messages. decodeControl may only refuse with ControlMessageError, never reads
// outside its range, and what it encodes decodes to the same thing.
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CONTROL_CREATE_RELAY_REQUEST, CONTROL_CREATE_RELAY_RESPONSE, ControlMessageError, decodeControl, encodeControl,
} from '../../src/tunnel/relay/index.js';
import { describeParams, FUZZ_TIMEOUT_MS, fuzzParams } from './config.js';
import { assertSentinelIntact, place, SENTINELS, typed } from './guard.js';
import { applyMutations, mutations } from './mutate.js';

const u32 = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat({ max: 0xffffffff }));
const control = fc.record({ type: u32, initiatorRelayIndex: u32, responderRelayIndex: u32, relayToIp: u32, relayFromIp: u32 });

test('fuzz: decodeControl refuses any bytes only with ControlMessageError and reads only its range', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x2e1a, 3000);
  t.diagnostic(describeParams(params));
  const seeds = [
    encodeControl({ type: CONTROL_CREATE_RELAY_REQUEST, initiatorRelayIndex: 0x12345678, relayToIp: 0xc6130002, relayFromIp: 0xc6130001 }),
    encodeControl({ type: CONTROL_CREATE_RELAY_RESPONSE, initiatorRelayIndex: 1, responderRelayIndex: 0xfffffffe, relayToIp: 2, relayFromIp: 3 }),
  ];
  const input = fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.tuple(fc.constantFrom(...seeds), mutations({ maxCount: 6 })).map(([s, m]) => applyMutations(s, m)));
  fc.assert(fc.property(input, (bytes) => {
    const results = SENTINELS.map((fill) => {
      const p = place(bytes, fill);
      const r = typed(() => decodeControl(p.buf, p.off, p.off + p.len), [ControlMessageError], 'decodeControl');
      assertSentinelIntact(p, 'decodeControl');
      return r.ok ? JSON.stringify(r.value) : r.error.message;
    });
    if (results[0] !== results[1]) throw new Error(`decodeControl depends on bytes outside its range: ${results[0]} vs ${results[1]}`);
  }), params);
});

test('fuzz: encodeControl then decodeControl gives back every field', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x2e1b, 2000);
  t.diagnostic(describeParams(params));
  fc.assert(fc.property(control, (m) => {
    const d = decodeControl(encodeControl(m));
    if (JSON.stringify(d) !== JSON.stringify(m)) throw new Error(`round trip changed ${JSON.stringify(m)} into ${JSON.stringify(d)}`);
  }), params);
});
