import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, configFromObject } from '../../../src/tunnel/config/index.js';

const PKI = { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' };

/** Loads {pki, ...extra} and returns the ConfigError it must throw. */
function errorOf(extra: Record<string, unknown>, withPki = true): ConfigError {
  try {
    configFromObject(withPki ? { pki: PKI, ...extra } : extra);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
    assert.equal(e.code, 'ERR_TIO_CONFIG');
    return e;
  }
  assert.fail(`no error for ${JSON.stringify(extra)}`);
}

test('the brief example message, verbatim', () => {
  assert.equal(errorOf({ tun: { mtu: 'big' } }).message, 'config tun.mtu: must be an integer 68..65535, got "big"');
});

test('every bad value names its path', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ pki: { cert: 'b', key: 'c' } }, 'pki.ca', /required/],
    [{ pki: { ca: 'a', cert: 'b', key: '' } }, 'pki.key', /required/],
    [{ pki: { ...PKI, blocklist: ['xyz'] } }, 'pki.blocklist[0]', /64 hex digits/],
    [{ pki: { ...PKI, disconnect_invalid: 'maybe' } }, 'pki.disconnect_invalid', /true or false, got "maybe"/],
    [{ pki: 'ca.crt' }, 'pki', /must be a map/],
    [{ static_host_map: ['198.18.0.1:4242'] }, 'static_host_map', /must be a map/],
    [{ static_host_map: { 'host-a': ['198.18.0.1:4242'] } }, 'static_host_map["host-a"]', /IPv4 overlay address/],
    [{ static_host_map: { '198.19.0.1': ['nebula.example.com:4242'] } }, 'static_host_map["198.19.0.1"][0]', /host name "nebula\.example\.com".*no DNS/],
    [{ static_host_map: { '198.19.0.1': 'lighthouse:4242' } }, 'static_host_map["198.19.0.1"]', /host name.*no DNS/],
    [{ static_host_map: { '198.19.0.1': ['198.18.0.1:4242', '198.18.0.1'] } }, 'static_host_map["198.19.0.1"][1]', /no port/],
    [{ static_host_map: { '198.19.0.1': ['198.18.0.1:70000'] } }, 'static_host_map["198.19.0.1"][0]', /port must be 1\.\.65535/],
    [{ static_host_map: { '198.19.0.1': ['fd00::1:4242'] } }, 'static_host_map["198.19.0.1"][0]', /\[ipv6\]:port/],
    [{ static_host_map: { '198.19.0.1': ['fd00::1'] } }, 'static_host_map["198.19.0.1"][0]', /\[ipv6\]:port/],
    [{ static_host_map: { '198.19.0.1': ['999.1.1.1:4242'] } }, 'static_host_map["198.19.0.1"][0]', /not an IPv4 address/],
    [{ static_host_map: { '198.19.0.1': ['[nope]:4242'] } }, 'static_host_map["198.19.0.1"][0]', /not an IPv6 address/],
    [{ lighthouse: { hosts: ['lh'] } }, 'lighthouse.hosts[0]', /IPv4 overlay address/],
    [{ lighthouse: { interval: '10s' } }, 'lighthouse.interval', /whole number of seconds/],
    [{ lighthouse: { am_lighthouse: true } }, 'lighthouse.am_lighthouse', /no port number is set in config/],
    [{ lighthouse: { am_lighthouse: true }, listen: { port: 0 } }, 'lighthouse.am_lighthouse', /no port number is set in config/],
    [{ static_host_map: { '198.19.0.1': ['198.18.0.1:4242'] }, lighthouse: { hosts: ['198.19.0.1', '198.19.0.2'] } }, 'lighthouse.hosts[1]', /no static_host_map entry/],
    [{ lighthouse: { local_allow_list: { '10.0.0.0/8': true, '192.168.0.0/16': false } } }, 'lighthouse.local_allow_list', /both true and false rules for IPv4 but no default; add 0\.0\.0\.0\/0/],
    [{ lighthouse: { local_allow_list: { interfaces: { 'eth.*': true, 'wl.*': false } } } }, 'lighthouse.local_allow_list.interfaces', /all be true or all be false/],
    [{ lighthouse: { local_allow_list: { interfaces: { 'eth[': true } } } }, 'lighthouse.local_allow_list.interfaces["eth["]', /not a valid regular expression/],
    [{ lighthouse: { local_allow_list: { '10.0.0.0/8': 1 } } }, 'lighthouse.local_allow_list["10.0.0.0/8"]', /true or false, got 1/],
    [{ lighthouse: { local_allow_list: ['10.0.0.0/8'] } }, 'lighthouse.local_allow_list', /must be a map/],
    [{ lighthouse: { remote_allow_list: { interfaces: { eth0: true } } } }, 'lighthouse.remote_allow_list.interfaces', /true or false/],
    [{ lighthouse: { remote_allow_list: { '10.0.0.0/33': false } } }, 'lighthouse.remote_allow_list["10.0.0.0/33"]', /not a CIDR/],
    [{ lighthouse: { remote_allow_ranges: { '198.19.0.0/24': { '10.0.0.0/8': true, '11.0.0.0/8': false } } } }, 'lighthouse.remote_allow_ranges["198.19.0.0/24"]', /no default/],
    [{ lighthouse: { remote_allow_ranges: { 'lan': { '10.0.0.0/8': false } } } }, 'lighthouse.remote_allow_ranges.lan', /not a CIDR/],
    [{ lighthouse: { advertise_addrs: ['198.18.0.1'] } }, 'lighthouse.advertise_addrs[0]', /no port/],
    [{ listen: { host: 'localhost' } }, 'listen.host', /IP address.*no DNS/],
    [{ listen: { port: 65536 } }, 'listen.port', /0\.\.65535, got 65536/],
    [{ listen: { port: 42.5 } }, 'listen.port', /integer/],
    [{ listen: { send_recv_error: 'sometimes' } }, 'listen.send_recv_error', /always, never or private, got "sometimes"/],
    [{ listen: { batch: 128 } }, 'listen.batch', /1\.\.64, got 128/],
    [{ tun: { disabled: true } }, 'tun.disabled', /always creates its TUN device/],
    [{ stats: { type: 'graphite', interval: '10s' } }, 'stats.type', /Prometheus only/],
    [{ stats: { type: 'prometheus', listen: ':8080', path: '/metrics' } }, 'stats.interval', /duration/],
    [{ stats: { type: 'prometheus', interval: '10s', path: '/metrics' } }, 'stats.listen', /should not be empty/],
    [{ stats: { type: 'prometheus', interval: '10s', listen: 'metrics.local:8080', path: '/metrics' } }, 'stats.listen', /not an IP address/],
    [{ stats: { type: 'prometheus', interval: '10s', listen: ':8080' } }, 'stats.path', /URL path/],
    [{ punchy: { delay: 5 } }, 'punchy.delay', /duration like/],
    [{ punchy: { delay: '-1s' } }, 'punchy.delay', /zero or more/],
    [{ punchy: 'sometimes' }, 'punchy', /legacy form/],
    [{ cipher: 'aes256' }, 'cipher', /one of aes, chachapoly, got "aes256"/],
    [{ cipher: 'AES' }, 'cipher', /one of aes, chachapoly/],
    [{ tun: { mtu: 67 } }, 'tun.mtu', /68\.\.65535/],
    [{ tun: { dev: 'a-very-long-interface-name' } }, 'tun.dev', /at most 15/],
    [{ tun: { tx_queue: -1 } }, 'tun.tx_queue', /integer/],
    [{ tun: { routes: [{ route: '10.0.0.0/8' }] } }, 'tun.routes[0].mtu', /required/],
    [{ tun: { routes: [{ mtu: 400, route: '10.0.0.0/8' }] } }, 'tun.routes[0].mtu', /500\.\.65535/],
    [{ tun: { routes: [{ mtu: 1500, route: '10.0.0.0' }] } }, 'tun.routes[0].route', /IPv4 network/],
    [{ tun: { routes: {} } }, 'tun.routes', /must be a list/],
    [{ tun: { routes: ['10.0.0.0/8'] } }, 'tun.routes[0]', /must be a map/],
    [{ tun: { unsafe_routes: [{ route: '172.16.0.0/24' }] } }, 'tun.unsafe_routes[0].via', /required/],
    [{ tun: { unsafe_routes: [{ route: '172.16.0.0/24', via: 'gw' }] } }, 'tun.unsafe_routes[0].via', /IPv4 overlay address/],
    [{ tun: { unsafe_routes: [{ route: '172.16.0.0/24', via: '198.19.0.1', mtu: 100 }] } }, 'tun.unsafe_routes[0].mtu', /0 \(tun\.mtu\) or 500/],
    [{ tun: { unsafe_routes: [{ route: '172.16.0.0/24', via: '198.19.0.1', metric: -5 }] } }, 'tun.unsafe_routes[0].metric', /integer/],
    [{ tun: { disabled: 'nah' } }, 'tun.disabled', /true or false/],
    [{ routines: 0.5 }, 'routines', /integer 0\.\.256/],
    [{ routines: 1000 }, 'routines', /integer 0\.\.256/],
    [{ tun: { routines: 0 } }, 'tun.routines', /integer 1\.\.256/],
    [{ handshakes: { try_interval: '100' } }, 'handshakes.try_interval', /duration like/],
    [{ handshakes: { try_interval: '0s' } }, 'handshakes.try_interval', /longer than 0/],
    [{ handshakes: { retries: 0 } }, 'handshakes.retries', /integer 1\.\./],
    [{ timers: { connection_alive_interval: '5s' } }, 'timers.connection_alive_interval', /whole number of seconds/],
    [{ firewall: { conntrack: { tcp_timeout: 'forever' } } }, 'firewall.conntrack.tcp_timeout', /duration like/],
    [{ firewall: { conntrack: { udp_timeout: '0s' } } }, 'firewall.conntrack.udp_timeout', /longer than 0/],
    [{ firewall: { inbound: {} } }, 'firewall.inbound', /must be a list/],
    [{ logging: { level: 'verbose' } }, 'logging.level', /one of panic, fatal, error, warn, warning, info, debug, trace/],
    [{ logging: { format: 'xml' } }, 'logging.format', /text, json/],
    [{ relay: { relays: ['relay-host'] } }, 'relay.relays[0]', /IPv4 overlay address/],
    [{ tio: { offload: 'sometimes' } }, 'tio.offload', /auto, off/],
    [{ tio: { gro: 'perhaps' } }, 'tio.gro', /true or false/],
    [{ tio: { hand_off: 'yes please' } }, 'tio.hand_off', /true or false/],
    [{ tio: { write_strategy: 'sendfile' } }, 'tio.write_strategy', /one of auto, writev, copy, got "sendfile"/],
    [{ tio: { write_strategy: 'COPY' } }, 'tio.write_strategy', /one of auto, writev, copy/],
    [{ tio: { write_strategy: true } }, 'tio.write_strategy', /one of auto, writev, copy/],
    [{ tio: { status_interval: 'often' } }, 'tio.status_interval', /duration/],
  ];
  for (const [extra, path, detail] of cases) {
    const e = errorOf(extra);
    assert.equal(e.path, path, `${JSON.stringify(extra)} -> ${e.message}`);
    assert.ok(e.message.startsWith(`config ${path}: `), e.message);
    assert.match(e.message, detail, e.message);
  }
});

test('a config without pki names pki.ca', () => {
  assert.equal(errorOf({}, false).path, 'pki.ca');
});

test('firewall rule errors name the rule and field', () => {
  const rule = (r: Record<string, unknown>) => ({ firewall: { outbound: [{ port: 'any', proto: 'any', host: 'any' }], inbound: [r] } });
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ proto: 'tcp', host: 'any' }, 'firewall.inbound[0].port', /required/],
    [{ port: 80, proto: 'tcp' }, 'firewall.inbound[0]', /at least one of host, group, groups, cidr, ca_name or ca_sha/],
    [{ port: 80, code: 8, proto: 'tcp', host: 'any' }, 'firewall.inbound[0]', /both port and code/],
    [{ port: 'http', proto: 'tcp', host: 'any' }, 'firewall.inbound[0].port', /got "http"/],
    [{ port: '90-80', proto: 'tcp', host: 'any' }, 'firewall.inbound[0].port', /range N-M/],
    [{ code: 'echo', proto: 'icmp', host: 'any' }, 'firewall.inbound[0].code', /got "echo"/],
    [{ port: 80, host: 'any' }, 'firewall.inbound[0].proto', /required/],
    [{ port: 80, proto: 'sctp', host: 'any' }, 'firewall.inbound[0].proto', /got "sctp"/],
    [{ port: 80, proto: 'TCP', host: 'any' }, 'firewall.inbound[0].proto', /got "TCP"/],
    [{ port: 80, proto: 'tcp', cidr: '10.0.0.1' }, 'firewall.inbound[0].cidr', /IPv4 network/],
    [{ port: 80, proto: 'tcp', group: ['a', 'b'] }, 'firewall.inbound[0].group', /single group/],
    [{ port: 80, proto: 'tcp', group: 'a', groups: ['b'] }, 'firewall.inbound[0]', /both group and groups/],
    [{ port: 80, proto: 'tcp', host: 'any', local_cidr: '10.0.0.0/8' }, 'firewall.inbound[0].local_cidr', /unknown rule field.*widen/],
    [{ port: 80, proto: 'tcp', host: { name: 'x' } }, 'firewall.inbound[0].host', /must be a string/],
  ];
  for (const [r, path, detail] of cases) {
    const e = errorOf(rule(r));
    assert.equal(e.path, path, `${JSON.stringify(r)} -> ${e.message}`);
    assert.match(e.message, detail, e.message);
  }
});

test('errors cut long values and never echo a PEM block', () => {
  const long = errorOf({ cipher: 'x'.repeat(500) });
  assert.equal(long.path, 'cipher');
  assert.ok(long.message.length < 200, long.message);
  assert.match(long.message, /\(500 characters\)/);
  const pem = '-----BEGIN NEBULA X25519 PRIVATE KEY-----\nc2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\n-----END NEBULA X25519 PRIVATE KEY-----\n';
  const e = errorOf({ cipher: pem });
  assert.doesNotMatch(e.message, /c2VjcmV0/);
  assert.match(e.message, /a PEM block/);
});
