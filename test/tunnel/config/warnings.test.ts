import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, configFromObject, parseConfig } from '../../../src/tunnel/config/index.js';
import { MINIMAL } from './fixtures.js';

const PKI = { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' };
const paths = (w: readonly { path: string }[]): string[] => w.map((x) => x.path);

test('unknown keys anywhere are warnings with their path, not errors', () => {
  const { warnings } = configFromObject({
    pki: { ...PKI, colour: 'blue' },
    bogus: 1,
    tun: { mtu: 1300, mtuu: 1400, routes: [{ mtu: 1500, route: '198.19.0.0/24', note: 'x' }] },
    listen: { prot: 4242 },
    'weird key': true,
    firewall: { conntrack: { max_connections: 10 } },
    tio: { turbo: true },
  });
  assert.deepEqual(paths(warnings), [
    'bogus',
    '["weird key"]',
    'pki.colour',
    'listen.prot',
    'tun.mtuu',
    'tun.routes[0].note',
    'firewall.conntrack.max_connections',
    'tio.turbo',
  ]);
  for (const w of warnings) assert.equal(w.message, 'unknown key, ignored');
});

test('nebula features tio does not implement are refused while switched on, naming the key', () => {
  const on: [Record<string, unknown>, string][] = [
    [{ sshd: { enabled: true } }, 'sshd'],
    [{ preferred_ranges: ['10.0.0.0/8'] }, 'preferred_ranges'],
    [{ handshake_mac: { key: 'k' } }, 'handshake_mac'],
    [{ lighthouse: { serve_dns: true } }, 'lighthouse.serve_dns'],
  ];
  for (const [extra, path] of on) {
    assert.throws(() => configFromObject({ pki: PKI, ...extra }), (e: unknown) => e instanceof ConfigError && e.path === path && /not supported by tio/.test(e.message), path);
  }
});

test('switched off or empty, those keys change nothing and pass quietly; tuning knobs are warned about', () => {
  const { warnings } = configFromObject({
    pki: PKI,
    sshd: { enabled: false, listen: '127.0.0.1:2222' },
    stats: {},
    preferred_ranges: [],
    handshake_mac: { key: '', accepted_keys: [] },
    lighthouse: { serve_dns: false, remote_allow_list: {} },
    firewall: { conntrack: { routine_cache_timeout: '1s' } },
  });
  // An empty allow list allows everything, which is what tio does: no warning, no error.
  assert.deepEqual(paths(warnings), ['firewall.conntrack.routine_cache_timeout']);
  assert.match(warnings[0]!.message, /changes no behaviour/);
});

test('lighthouse hosts and advertise_addrs are read; relay.am_relay and relay.relays are taken without warnings', () => {
  const { config, warnings } = configFromObject({
    pki: PKI,
    static_host_map: { '198.19.0.1': ['198.18.0.1:4242'] },
    lighthouse: { hosts: ['198.19.0.1'], interval: 3, advertise_addrs: ['198.18.9.9:0', '198.18.9.8:4000'] },
    relay: { am_relay: true, relays: ['198.19.0.1'] },
  });
  assert.deepEqual(config.lighthouse, {
    amLighthouse: false, hosts: [0xc6130001], intervalMs: 3000,
    advertiseAddrs: [{ host: '198.18.9.9', port: 0, family: 4 }, { host: '198.18.9.8', port: 4000, family: 4 }],
    localAllowList: null, remoteAllowList: null,
  });
  assert.equal(config.relay.amRelay, true);
  assert.deepEqual(config.relay.relays, [0xc6130001]);
  assert.deepEqual(paths(warnings), []);
});

test('deprecated forms warn but work: pki.blacklist, punchy: true, punch_back, group: [one]', () => {
  const fp = 'ab'.repeat(32);
  const { config, warnings } = configFromObject({
    pki: { ...PKI, blocklist: ['cd'.repeat(32)], blacklist: [fp.toUpperCase()] },
    punchy: 'yes',
    punch_back: true,
    firewall: { inbound: [{ port: 22, proto: 'tcp', group: ['admins'] }] },
  });
  assert.deepEqual(config.pki.blocklist, ['cd'.repeat(32), fp]);
  assert.deepEqual(config.punchy, { punch: true, respond: true, delayMs: 1000 });
  assert.deepEqual(config.firewall.inbound[0]!.groups, ['admins']);
  assert.deepEqual(paths(warnings), ['pki.blacklist', 'punchy', 'punch_back', 'firewall.inbound[0].group']);
});

test('punchy.respond wins over the legacy punch_back', () => {
  const { config } = configFromObject({ pki: PKI, punchy: { respond: false }, punch_back: true });
  assert.equal(config.punchy.respond, false);
});

test('a tun.mtu too big for nebula peers warns', () => {
  const { config, warnings } = parseConfig(`${MINIMAL}\ntun: {mtu: 9000}\n`);
  assert.equal(config.tun.mtu, 9000);
  assert.deepEqual(paths(warnings), ['tun.mtu']);
  assert.match(warnings[0]!.message, /9001-byte/);
});

test('a static host without addresses warns', () => {
  const { warnings } = configFromObject({ pki: PKI, static_host_map: { '198.19.0.9': [] } });
  assert.deepEqual(paths(warnings), ['static_host_map["198.19.0.9"]']);
});

test('unsafe_routes install is read (default true) and setting it warns that nebula 1.6.1 ignores it', () => {
  const { config, warnings } = configFromObject({
    pki: PKI,
    tun: { unsafe_routes: [{ route: '198.18.200.0/24', via: '198.19.0.2', install: false }, { route: '198.18.201.0/24', via: '198.19.0.2' }] },
  });
  assert.deepEqual(config.tun.unsafeRoutes.map((r) => r.install), [false, true]);
  assert.deepEqual(paths(warnings), ['tun.unsafe_routes[0].install']);
  assert.match(warnings[0]!.message, /nebula 1\.6\.1 ignores/);
});
