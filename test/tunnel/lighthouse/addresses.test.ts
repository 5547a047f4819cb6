// What we report to lighthouses about ourselves, and which reported addresses we accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedAddress, ipv4ToU32, MAX_REPORTED_ADDRS, reportedAddresses } from '../../../src/tunnel/lighthouse/index.js';

const ip = (s: string): number => ipv4ToU32(s)!;
const IFACES = [
  { address: '127.0.0.1', family: 'IPv4', internal: true },
  { address: '198.18.0.2', family: 'IPv4', internal: false },
  { address: '169.254.1.1', family: 'IPv4', internal: false },
  { address: '198.19.0.2', family: 'IPv4', internal: false },
  { address: 'fd00::2', family: 'IPv6', internal: false },
  { address: '198.18.1.2', family: 'IPv4', internal: false },
];
const base = { advertise: [], interfaces: IFACES, listenHost: '0.0.0.0', port: 4242, vpnIp: ip('198.19.0.2'), prefix: 16 };

test('an unspecified listen address reports every IPv4 interface address with our port, skipping loopback, link-local and the overlay', () => {
  assert.deepEqual(reportedAddresses(base), [{ ip: ip('198.18.0.2'), port: 4242 }, { ip: ip('198.18.1.2'), port: 4242 }]);
});

test('advertise_addrs come first, port 0 meaning ours, duplicates once', () => {
  const r = reportedAddresses({ ...base, advertise: [{ host: '203.0.113.5', port: 0 }, { host: '198.18.0.2', port: 4242 }, { host: '203.0.113.6', port: 5000 }] });
  assert.deepEqual(r, [{ ip: ip('203.0.113.5'), port: 4242 }, { ip: ip('198.18.0.2'), port: 4242 }, { ip: ip('203.0.113.6'), port: 5000 }, { ip: ip('198.18.1.2'), port: 4242 }]);
});

test('a socket bound to one address reports only that address (plus advertise_addrs)', () => {
  assert.deepEqual(reportedAddresses({ ...base, listenHost: '198.18.1.2' }), [{ ip: ip('198.18.1.2'), port: 4242 }]);
});

test('at most MAX_REPORTED_ADDRS are reported', () => {
  const many = Array.from({ length: 20 }, (_, i) => ({ address: `198.18.2.${i + 1}`, family: 'IPv4', internal: false }));
  assert.equal(reportedAddresses({ ...base, interfaces: many }).length, MAX_REPORTED_ADDRS);
});

test('accepted addresses are unicast IPv4 outside the overlay with a port 1..65535', () => {
  assert.equal(acceptedAddress({ ip: ip('198.18.0.3'), port: 4242 }, ip('198.19.0.2'), 16)!.key, '198.18.0.3:4242');
  for (const [a, p] of [['198.18.0.3', 0], ['198.18.0.3', 65536], ['0.0.0.0', 1], ['239.1.1.1', 1], ['198.19.1.1', 1]] as const) {
    assert.equal(acceptedAddress({ ip: ip(a), port: p }, ip('198.19.0.2'), 16), null, `${a}:${p}`);
  }
});
