import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, configFromObject, loadConfigFile, parseConfig } from '../../../src/tunnel/config/index.js';
import { parseIpv4, parseIpv4Cidr } from '../../../src/tunnel/firewall/index.js';
import { FULL, MINIMAL } from './fixtures.js';

const ip = (s: string): number => parseIpv4(s)!;
const net = (s: string) => parseIpv4Cidr(s)!;

test('a full realistic config loads with every value typed', () => {
  const { config: c, warnings } = parseConfig(FULL);
  assert.deepEqual(warnings, []);
  assert.deepEqual(c.pki.ca, { value: '/etc/nebula/ca.crt', inline: false });
  assert.equal(c.pki.key.inline, true);
  assert.match(c.pki.key.value, /^-----BEGIN NEBULA X25519 PRIVATE KEY-----\n/);
  assert.deepEqual(c.pki.blocklist, ['c99d4e650533b92061b09918e838a5a0a6aaee21eed1d12fd937682865936c72']);
  assert.equal(c.pki.disconnectInvalid, true);
  assert.deepEqual([...c.staticHostMap.entries()], [
    [ip('198.19.0.1'), [{ host: '198.18.0.1', port: 4242, family: 4 }, { host: '198.18.1.1', port: 4243, family: 4 }]],
    [ip('198.19.0.3'), [{ host: '198.18.0.3', port: 4242, family: 4 }]],
    [ip('198.19.0.4'), [{ host: 'fd00::4', port: 4242, family: 6 }]],
  ]);
  assert.deepEqual(c.lighthouse, { amLighthouse: false, hosts: [], intervalMs: 60_000, advertiseAddrs: [], localAllowList: null, remoteAllowList: null });
  assert.deepEqual(c.listen, { host: '0.0.0.0', port: 4242, batch: 32, readBuffer: 10485760, writeBuffer: 10485760, sendRecvError: 'private' });
  assert.deepEqual(c.punchy, { punch: true, respond: true, delayMs: 2000 });
  assert.equal(c.cipher, 'chachapoly');
  assert.equal(c.routines, 2);
  assert.deepEqual(c.tun, {
    dev: 'nebula1',
    mtu: 1400,
    txQueue: 1000,
    routes: [{ mtu: 8800, route: net('198.19.2.0/24') }],
    unsafeRoutes: [
      { route: net('172.16.1.0/24'), via: ip('198.19.0.1'), mtu: 1300, metric: 100, install: true },
      // No mtu: none is set on the route (nebula's meaning), not tun.mtu.
      { route: net('172.16.2.0/24'), via: ip('198.19.0.3'), mtu: 0, metric: 0, install: true },
    ],
    disabled: false,
    dropLocalBroadcast: false,
    dropMulticast: false,
  });
  assert.deepEqual(c.handshakes, { tryIntervalMs: 200, retries: 20, triggerBuffer: 32 });
  assert.deepEqual(c.timers, { connectionAliveIntervalMs: 7000, pendingDeletionIntervalMs: 14_000 });
  assert.deepEqual(c.logging, { level: 'debug', format: 'json', disableTimestamp: false, timestampFormat: null });
  assert.deepEqual(c.relay, { relays: [], amRelay: false, useRelays: false });
  assert.deepEqual(c.tio, { offload: 'off', gro: false, handOff: false, writeStrategy: 'copy', statusIntervalMs: 5000 });
  const fw = c.firewall;
  assert.equal(fw.tcpTimeoutMs, 720_000);
  assert.equal(fw.udpTimeoutMs, 180_000);
  assert.equal(fw.defaultTimeoutMs, 5_400_000);
  const none = { host: null, groups: null, cidr: null, caName: null, caSha: null };
  assert.deepEqual(fw.outbound, [{ ...none, portStart: 0, portEnd: 0, proto: 'any', host: 'any' }]);
  assert.deepEqual(fw.inbound, [
    { ...none, portStart: 0, portEnd: 0, proto: 'icmp', host: 'any' },
    { ...none, portStart: 443, portEnd: 443, proto: 'tcp', groups: ['laptop', 'home'] },
    { ...none, portStart: 8000, portEnd: 8100, proto: 'udp', groups: ['servers'], caName: 't-ca' },
    { ...none, portStart: -1, portEnd: -1, proto: 'any', cidr: net('198.19.0.0/16') },
    { ...none, portStart: 0, portEnd: 0, proto: 'icmp', caSha: 'abcdef' },
  ]);
});

test('a minimal config gets exactly the 1.6.1 defaults of docs/PROTOCOL.md "Config keys and defaults"', () => {
  const { config: c, warnings } = parseConfig(MINIMAL);
  assert.deepEqual(warnings, []);
  assert.deepEqual(c.pki, {
    ca: { value: 'ca.crt', inline: false },
    cert: { value: 'host.crt', inline: false },
    key: { value: 'host.key', inline: false },
    blocklist: [],
    disconnectInvalid: false,
  });
  assert.equal(c.staticHostMap.size, 0);
  assert.deepEqual(c.lighthouse, { amLighthouse: false, hosts: [], intervalMs: 10_000, advertiseAddrs: [], localAllowList: null, remoteAllowList: null });
  assert.deepEqual(c.listen, { host: '0.0.0.0', port: 0, batch: 64, readBuffer: 0, writeBuffer: 0, sendRecvError: 'always' });
  assert.deepEqual(c.punchy, { punch: false, respond: false, delayMs: 1000 });
  assert.equal(c.cipher, 'aes');
  assert.deepEqual(c.tun, { dev: null, mtu: 1300, txQueue: 500, routes: [], unsafeRoutes: [], disabled: false, dropLocalBroadcast: false, dropMulticast: false });
  assert.equal(c.routines, 1);
  assert.deepEqual(c.handshakes, { tryIntervalMs: 100, retries: 10, triggerBuffer: 64 });
  assert.deepEqual(c.timers, { connectionAliveIntervalMs: 5000, pendingDeletionIntervalMs: 10_000 });
  assert.deepEqual(c.firewall, {
    tcpTimeoutMs: 720_000, udpTimeoutMs: 180_000, defaultTimeoutMs: 600_000, outbound: [], inbound: [], inboundAction: 'drop', outboundAction: 'drop',
  });
  assert.deepEqual(c.logging, { level: 'info', format: 'text', disableTimestamp: false, timestampFormat: null });
  assert.deepEqual(c.relay, { relays: [], amRelay: false, useRelays: true });
  assert.deepEqual(c.tio, { offload: 'auto', gro: true, handOff: true, writeStrategy: 'auto', statusIntervalMs: 60_000 });
});

test('empty sections (YAML null) count as absent', () => {
  const { config: c } = parseConfig(`${MINIMAL}\ntun:\nfirewall:\n  inbound:\nlogging:\n`);
  assert.equal(c.tun.mtu, 1300);
  assert.deepEqual(c.firewall.inbound, []);
});

test('loadConfigFile reads a file; a missing file is a ConfigError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tio-config-'));
  try {
    const file = join(dir, 'node.yml');
    writeFileSync(file, FULL);
    const { config } = await loadConfigFile(file);
    assert.equal(config.listen.port, 4242);
    await assert.rejects(loadConfigFile(join(dir, 'missing.yml')), (e: unknown) => e instanceof ConfigError && /cannot read .*missing\.yml: ENOENT/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('YAML syntax errors and duplicate keys are ConfigErrors', () => {
  assert.throws(() => parseConfig('pki: [unclosed', 'a.yml'), (e: unknown) => e instanceof ConfigError && e.code === 'ERR_TIO_CONFIG' && /a\.yml is not valid YAML/.test(e.message));
  assert.throws(() => parseConfig(`${MINIMAL}\ncipher: aes\ncipher: aes\n`), /not valid YAML/);
  assert.throws(() => parseConfig('- a\n- b\n'), /config: must be a map of sections at the top level/);
});

test('configFromObject takes an already parsed tree', () => {
  const { config } = configFromObject({ pki: { ca: 'a', cert: 'b', key: 'c' }, listen: { port: '4242' } });
  assert.equal(config.listen.port, 4242, 'digit strings are integers, as nebula GetInt');
});

test('am_lighthouse with a listen port serves; its lighthouse.hosts only earn a warning', () => {
  const { config: c, warnings } = configFromObject({
    pki: { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' },
    listen: { port: 4242 },
    static_host_map: { '198.19.0.1': ['198.18.0.1:4242'] },
    lighthouse: { am_lighthouse: true, hosts: ['198.19.0.1'] },
  });
  assert.equal(c.lighthouse.amLighthouse, true);
  assert.ok(warnings.some((w) => w.path === 'lighthouse.hosts'), JSON.stringify(warnings));
});
