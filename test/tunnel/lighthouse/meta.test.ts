// NebulaMeta codec: the bytes nebula 1.6.1's gogoproto marshaller makes for each message tio sends
// or reads (worked out by hand from nebula.proto), round trips, and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_META_ADDRS, META_HOST_QUERY, META_HOST_QUERY_REPLY, META_HOST_UPDATE_NOTIFICATION, MetaError, decodeMeta, encodeMeta,
} from '../../../src/tunnel/lighthouse/index.js';

const ip = (s: string): number => s.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);

test('a HostQuery for 198.19.0.2 encodes as Type 1 and Details{VpnIp} only', () => {
  const b = encodeMeta({ type: META_HOST_QUERY, details: { vpnIp: ip('198.19.0.2') } });
  // 198.19.0.2 = 0xc6130002 -> varint 82 80 cc b0 0c
  assert.equal(Buffer.from(b).toString('hex'), '0801' + '1206' + '088280ccb00c');
});

test('a HostUpdateNotification carries Ip4AndPorts as embedded messages of the address as a big-endian u32 and the port', () => {
  const b = encodeMeta({ type: META_HOST_UPDATE_NOTIFICATION, details: { vpnIp: ip('198.19.0.2'), ip4AndPorts: [{ ip: ip('198.18.5.2'), port: 4242 }] } });
  // Ip4AndPort{Ip: 0xc6120502 -> 82 8a c8 b0 0c, Port: 4242 -> 92 21}
  assert.equal(Buffer.from(b).toString('hex'), '0803' + '1211' + '088280ccb00c' + '1209' + '08828ac8b00c' + '109221');
});

test('an empty Details is still sent, as nebula sends a non-nil message', () => {
  assert.equal(Buffer.from(encodeMeta({ type: META_HOST_QUERY, details: {} })).toString('hex'), '08011200');
});

test('every field round-trips, IPv6 halves over the full u64 range and packed relays included', () => {
  const m = {
    type: META_HOST_QUERY_REPLY,
    details: {
      vpnIp: 0xffffffff, counter: 7,
      ip4AndPorts: [{ ip: 0, port: 0 }, { ip: ip('198.18.0.1'), port: 65535 }],
      ip6AndPorts: [{ hi: 0xfd00000000000000n, lo: 0xffffffffffffffffn, port: 4242 }],
      relayVpnIps: [ip('198.19.0.9'), 1],
    },
  };
  const d = decodeMeta(encodeMeta(m));
  assert.deepEqual(d, { type: m.type, details: m.details, dropped: 0 });
});

test('decoding reads only the given range', () => {
  const inner = encodeMeta({ type: META_HOST_QUERY, details: { vpnIp: 5 } });
  const buf = Buffer.concat([Buffer.from([0xff, 0xff]), inner, Buffer.from([0xff])]);
  assert.equal(decodeMeta(buf, 2, 2 + inner.length).details.vpnIp, 5);
});

test('unknown fields are skipped and unknown message types kept, as Go does', () => {
  const b = Buffer.concat([Buffer.from('0863', 'hex'), Buffer.from('1204' + '0805' + '3001', 'hex'), Buffer.from('9a0500', 'hex')]);
  const d = decodeMeta(b);
  assert.equal(d.type, 0x63);
  assert.equal(d.details.vpnIp, 5);
});

test('addresses beyond MAX_META_ADDRS are skipped and counted, not stored', () => {
  const many = Array.from({ length: MAX_META_ADDRS + 5 }, (_, i) => ({ ip: i + 1, port: 1 }));
  const d = decodeMeta(encodeMeta({ type: META_HOST_QUERY_REPLY, details: { vpnIp: 1, ip4AndPorts: many } }));
  assert.equal(d.details.ip4AndPorts.length, MAX_META_ADDRS);
  assert.equal(d.dropped, 5);
});

test('a message without Details, a truncated one and wrong wire types are refused with MetaError', () => {
  const cases: [string, string][] = [['0801', 'no-details'], ['', 'no-details'], ['08011205088280', 'malformed'], ['0a00', 'malformed'], ['08011202' + '0a00', 'malformed'], ['080112041202' + '1200', 'malformed']];
  for (const [hex, reason] of cases) {
    assert.throws(() => decodeMeta(Buffer.from(hex, 'hex')), (e: unknown) => e instanceof MetaError && e.reason === reason && e.code === 'ERR_TIO_LIGHTHOUSE_MESSAGE', hex);
  }
});
