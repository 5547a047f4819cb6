import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configFromObject, parseConfig } from '../../../src/tunnel/config/index.js';
import { MINIMAL } from './fixtures.js';

const PKI = { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' };
const load = (extra: Record<string, unknown>) => configFromObject({ pki: PKI, ...extra }).config;

test('booleans in every form nebula accepts (Go ParseBool, y/yes/n/no, YAML 1.1 on/off)', () => {
  for (const v of [true, 'true', 'True', 'TRUE', 't', '1', 1, 'yes', 'Y', 'on']) assert.equal(load({ tun: { drop_multicast: v } }).tun.dropMulticast, true, String(v));
  for (const v of [false, 'false', 'F', '0', 0, 'no', 'n', 'off']) assert.equal(load({ tun: { drop_multicast: v } }).tun.dropMulticast, false, String(v));
  assert.equal(parseConfig(`${MINIMAL}\npunchy:\n  punch: yes\n`).config.punchy.punch, true, 'YAML 1.2 reads yes as a string; still true');
});

test('send_recv_error also takes a boolean (nebula GetBool fallback)', () => {
  assert.equal(load({ listen: { send_recv_error: 'never' } }).listen.sendRecvError, 'never');
  assert.equal(load({ listen: { send_recv_error: false } }).listen.sendRecvError, 'never');
  assert.equal(load({ listen: { send_recv_error: true } }).listen.sendRecvError, 'always');
});

test('listen.host takes IPv4 and IPv6 literals, brackets optional', () => {
  assert.equal(load({ listen: { host: '198.18.0.2' } }).listen.host, '198.18.0.2');
  assert.equal(load({ listen: { host: '[::]' } }).listen.host, '::');
  assert.equal(load({ listen: { host: '::' } }).listen.host, '::');
});

test('routines: top-level wins; else the larger of tun.routines and listen.routines; default 1', () => {
  assert.equal(load({}).routines, 1);
  assert.equal(load({ routines: 4 }).routines, 4);
  assert.equal(load({ routines: 4, tun: { routines: 8 } }).routines, 4);
  assert.equal(load({ routines: 0, tun: { routines: 3 } }).routines, 3, 'routines 0 means unset');
  assert.equal(load({ tun: { routines: 2 }, listen: { routines: 5 } }).routines, 5);
});

test('pki values with -----BEGIN are inline PEM, others paths', () => {
  const pem = '-----BEGIN NEBULA CERTIFICATE-----\nAAAA\n-----END NEBULA CERTIFICATE-----\n';
  const c = configFromObject({ pki: { ca: pem + pem, cert: './rel/host.crt', key: 'host.key' } }).config;
  assert.deepEqual(c.pki.ca, { value: pem + pem, inline: true });
  assert.deepEqual(c.pki.cert, { value: './rel/host.crt', inline: false });
});

test('static_host_map keys and values: one string or a list, order kept', () => {
  const c = load({ static_host_map: { '198.19.0.9': '198.18.0.9:1', '198.19.0.2': ['198.18.0.2:2', '[fd00::2]:3'] } });
  assert.deepEqual([...c.staticHostMap.keys()], [0xc6130009, 0xc6130002]);
  assert.deepEqual(c.staticHostMap.get(0xc6130002), [
    { host: '198.18.0.2', port: 2, family: 4 },
    { host: 'fd00::2', port: 3, family: 6 },
  ]);
});

test('firewall rule values: numbers as text, groups as one string, code like port, ca_sha lower-cased, "" unset', () => {
  const c = load({
    firewall: {
      inbound: [
        { port: '22', proto: 'tcp', host: 1234 },
        { port: 'any', proto: 'any', groups: 'ops' },
        { code: 0, proto: 'icmp', ca_sha: 'ABCD', host: '' },
        { port: '1000 - 2000', proto: 'udp', cidr: '10.1.2.3/8' },
      ],
    },
  });
  const [a, b, d, e] = c.firewall.inbound;
  assert.equal(a!.host, '1234');
  assert.deepEqual(b!.groups, ['ops']);
  assert.deepEqual([d!.portStart, d!.portEnd, d!.caSha, d!.host], [0, 0, 'abcd', null]);
  assert.deepEqual([e!.portStart, e!.portEnd, e!.cidr], [1000, 2000, { addr: 0x0a000000, mask: 0xff000000 }]);
});

test('durations accept Go strings and a bare 0', () => {
  assert.equal(load({ punchy: { delay: 0 } }).punchy.delayMs, 0);
  assert.equal(load({ punchy: { delay: '1m30s' } }).punchy.delayMs, 90_000);
  assert.equal(load({ handshakes: { try_interval: '1.5s' } }).handshakes.tryIntervalMs, 1500);
});

test('tio.write_strategy takes auto, writev or copy; auto when absent', () => {
  for (const v of ['auto', 'writev', 'copy'] as const) assert.equal(load({ tio: { write_strategy: v } }).tio.writeStrategy, v);
  assert.equal(load({ tio: { gro: true } }).tio.writeStrategy, 'auto');
});

test('tio.hand_off is on when absent and can be turned off', () => {
  assert.equal(load({ tio: { gro: true } }).tio.handOff, true);
  assert.equal(load({ tio: { hand_off: false } }).tio.handOff, false);
  assert.equal(load({ tio: { hand_off: true } }).tio.handOff, true);
});

test('tio.status_interval is a duration, 0 turns the status line off, a minute when absent', () => {
  assert.equal(load({ tio: { status_interval: '10s' } }).tio.statusIntervalMs, 10_000);
  assert.equal(load({ tio: { status_interval: 0 } }).tio.statusIntervalMs, 0);
  assert.equal(load({ tio: { gro: true } }).tio.statusIntervalMs, 60_000);
});

test('tio.offload also takes a boolean', () => {
  assert.equal(load({ tio: { offload: false } }).tio.offload, 'off');
  assert.equal(load({ tio: { offload: true } }).tio.offload, 'auto');
});
