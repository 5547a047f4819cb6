// lighthouse.local_allow_list / remote_allow_list / remote_allow_ranges: parsing with nebula 1.6.1's
// defaults and matching (docs/PROTOCOL.md "Allow lists").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromObject } from '../../../src/tunnel/config/index.js';
import { parseCidr } from '../../../src/tunnel/config/sections/allow-list.js';
import { ipv4ToU32, reportedAddresses, type LocalAllowList, type RemoteAllowList } from '../../../src/tunnel/lighthouse/index.js';
import { Endpoint } from '../../../src/udp/index.js';

const PKI = { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' };
const ip = (s: string): number => ipv4ToU32(s)!;

function lighthouse(lh: Record<string, unknown>): { local: LocalAllowList | null; remote: RemoteAllowList | null } {
  const { config } = configFromObject({ pki: PKI, lighthouse: lh });
  return { local: config.lighthouse.localAllowList, remote: config.lighthouse.remoteAllowList };
}

test('parseCidr clears host bits and refuses what Go net.ParseCIDR refuses', () => {
  assert.deepEqual(parseCidr('10.1.2.3/8'), { family: 4, addr: Uint8Array.from([10, 0, 0, 0]), prefix: 8 });
  assert.deepEqual(parseCidr('198.18.5.255/23')?.addr, Uint8Array.from([198, 18, 4, 0]));
  assert.equal(parseCidr('fd00:1:2::7/20')?.addr[2], 0);
  assert.equal(parseCidr('fd00:1fff::/20')?.addr[2], 0x10);
  for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/129', 'eth0', '10.0.0.0/x', 'fe80::1%2/64']) assert.equal(parseCidr(bad), null, bad);
});

test('absent lists are null (everything allowed); an empty map allows everything', () => {
  assert.deepEqual(lighthouse({}), { local: null, remote: null });
  const { local, remote } = lighthouse({ local_allow_list: {}, remote_allow_list: {} });
  for (const a of ['10.0.0.1', '198.18.0.1', 'fd00::1']) {
    assert.equal(local!.allowsIp(a), true, a);
    assert.equal(remote!.allows(1, Endpoint.of(a, 4242)), true, a);
  }
});

test('rules all true deny the rest of their family and leave the other family allowed', () => {
  const { local } = lighthouse({ local_allow_list: { '198.18.0.0/16': true } });
  assert.equal(local!.allowsIp('198.18.9.9'), true);
  assert.equal(local!.allowsIp('10.0.0.1'), false);
  assert.equal(local!.allowsIp('fd00::1'), true);
  assert.equal(local!.allowsIp('::ffff:198.18.9.9'), true, 'an IPv4-mapped address is matched as IPv4');
});

test('rules all false allow the rest; a default makes mixed rules legal and the most specific rule wins', () => {
  const { remote } = lighthouse({ remote_allow_list: { '10.0.0.0/8': false, 'fd00::/8': false } });
  assert.equal(remote!.allows(1, Endpoint.of('10.2.3.4', 1)), false);
  assert.equal(remote!.allows(1, Endpoint.of('198.18.0.1', 1)), true);
  assert.equal(remote!.allows(1, Endpoint.of('fd12::1', 1)), false);
  assert.equal(remote!.allows(1, Endpoint.of('fe80::1', 1)), true);
  const mixed = lighthouse({ remote_allow_list: { '0.0.0.0/0': false, '198.18.0.0/16': true, '198.18.7.0/24': false, '198.18.7.9/32': true } }).remote!;
  const allow = (a: string): boolean => mixed.allows(1, Endpoint.of(a, 1));
  assert.deepEqual(['10.0.0.1', '198.18.1.1', '198.18.7.1', '198.18.7.9'].map(allow), [false, true, false, true]);
});

test('remote_allow_ranges: the most specific overlay range containing the peer applies, and remote_allow_list too', () => {
  const { remote } = lighthouse({
    remote_allow_list: { '203.0.113.0/24': false },
    remote_allow_ranges: {
      '198.19.0.0/16': { '198.18.0.0/15': true },
      '198.19.5.0/24': { '198.18.66.0/24': false },
      'fd00::/8': { '0.0.0.0/0': false },
    },
  });
  const allow = (vpn: string, a: string): boolean => remote!.allows(ip(vpn), Endpoint.of(a, 1));
  assert.equal(allow('198.19.1.1', '198.18.66.1'), true);
  assert.equal(allow('198.19.1.1', '10.0.0.1'), false, 'outside the /16 range list');
  assert.equal(allow('198.19.5.1', '10.0.0.1'), true, 'the /24 range (all false) allows the rest');
  assert.equal(allow('198.19.5.1', '198.18.66.1'), false);
  assert.equal(allow('10.9.9.9', '198.18.66.1'), true, 'no range: remote_allow_list alone');
  assert.equal(allow('10.9.9.9', '203.0.113.1'), false);
  assert.equal(allow('198.19.5.1', '203.0.113.1'), false, 'both must allow');
});

test('interfaces: the first matching name rule decides, else the opposite of the rules; names match whole', () => {
  const allowOnly = lighthouse({ local_allow_list: { interfaces: { 'veth[0-9]+': true, 'eth0': true } } }).local!;
  assert.deepEqual(['veth12', 'eth0', 'eth01', 'xveth1', 'wlan0'].map((n) => allowOnly.allowsName(n)), [true, true, false, false, false]);
  const deny = lighthouse({ local_allow_list: { interfaces: { 'docker.*': false } } }).local!;
  assert.deepEqual(['docker0', 'eth0'].map((n) => deny.allowsName(n)), [false, true]);
  assert.equal(deny.allowsIp('10.0.0.1'), true, 'interfaces alone leave every address allowed');
});

test('a report leaves out interfaces and addresses local_allow_list refuses, never advertise_addrs', () => {
  const local = lighthouse({ local_allow_list: { interfaces: { 'dock.*': false }, '198.18.9.0/24': false } }).local!;
  const interfaces = [
    { name: 'eth0', address: '198.18.1.2', family: 'IPv4', internal: false },
    { name: 'eth1', address: '198.18.9.2', family: 'IPv4', internal: false },
    { name: 'dock0', address: '198.18.2.2', family: 'IPv4', internal: false },
  ];
  const r = reportedAddresses({
    advertise: [{ host: '198.18.9.7', port: 0 }], interfaces, listenHost: '0.0.0.0', port: 4242, vpnIp: ip('198.19.0.2'), prefix: 16, localAllowList: local,
  });
  assert.deepEqual(r, [{ ip: ip('198.18.9.7'), port: 4242 }, { ip: ip('198.18.1.2'), port: 4242 }]);
  const bound = reportedAddresses({ advertise: [], interfaces, listenHost: '198.18.9.2', port: 4242, vpnIp: ip('198.19.0.2'), prefix: 16, localAllowList: local });
  assert.deepEqual(bound, []);
});
