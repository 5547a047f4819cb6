import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, checkConfigAgainstNetwork, configFromObject } from '../../../src/tunnel/config/index.js';
import { parseIpv4Cidr } from '../../../src/tunnel/firewall/index.js';

const PKI = { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' };
const NET = parseIpv4Cidr('198.19.0.0/16')!;
const check = (extra: Record<string, unknown>) => checkConfigAgainstNetwork(configFromObject({ pki: PKI, ...extra }).config, NET);

test('a config consistent with the certificate network passes', () => {
  check({
    static_host_map: { '198.19.0.1': ['198.18.0.1:4242'] },
    tun: { routes: [{ mtu: 1500, route: '198.19.5.0/24' }], unsafe_routes: [{ route: '172.16.0.0/24', via: '198.19.0.1' }] },
  });
});

test('static_host_map keys outside the network are refused, naming the key', () => {
  assert.throws(
    () => check({ static_host_map: { '10.0.0.1': ['198.18.0.1:4242'] } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'static_host_map["10.0.0.1"]' && /not in our certificate network 198\.19\.0\.0\/16/.test(e.message),
  );
});

test('tun.routes must lie inside, tun.unsafe_routes outside the network', () => {
  assert.throws(() => check({ tun: { routes: [{ mtu: 1500, route: '198.0.0.0/8' }] } }), (e: unknown) => e instanceof ConfigError && e.path === 'tun.routes[0].route');
  assert.throws(
    () => check({ tun: { unsafe_routes: [{ route: '172.16.0.0/24', via: '198.19.0.1' }, { route: '198.19.9.0/24', via: '198.19.0.1' }] } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'tun.unsafe_routes[1].route',
  );
});

test('an unsafe route via an address outside the network, or via this node itself, is refused naming via', () => {
  const own = parseIpv4Cidr('198.19.0.1/32')!.addr;
  const checkAs = (extra: Record<string, unknown>) => checkConfigAgainstNetwork(configFromObject({ pki: PKI, ...extra }).config, NET, own);
  assert.throws(
    () => checkAs({ tun: { unsafe_routes: [{ route: '198.18.200.0/24', via: '198.19.0.2' }, { route: '198.18.201.0/24', via: '198.18.0.2' }] } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'tun.unsafe_routes[1].via' && /not in our certificate network/.test(e.message),
  );
  assert.throws(
    () => checkAs({ tun: { unsafe_routes: [{ route: '198.18.200.0/24', via: '198.19.0.1' }] } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'tun.unsafe_routes[0].via' && /own address/.test(e.message),
  );
  checkAs({ tun: { unsafe_routes: [{ route: '198.18.200.0/24', via: '198.19.0.2' }] } });
});
