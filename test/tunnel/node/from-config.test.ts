// nodeOptionsFromConfig checks the config against the certificate's network before anything is
// opened, naming the config path, and hands the routes and the lighthouse section on to the node.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, configFromObject, parseConfig } from '../../../src/tunnel/config/index.js';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { nodeOptionsFromConfig } from '../../../src/tunnel/node/from-config.js';
import { makePki, nebulaCertSkipReason, type TestPki } from '../../../kit/nebula-pki.js';

const skip = nebulaCertSkipReason();
let pki: TestPki | undefined;
before(() => {
  if (!skip) pki = makePki([['a', '198.19.0.1/16']]);
});
after(() => pki?.dispose());

const log = new Logger('error', 'text', () => undefined);
function options(tun: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const a = pki!.hosts.get('a')!;
  return nodeOptionsFromConfig(configFromObject({ pki: { ca: pki!.caCrt, cert: a.crt, key: a.key }, tun, ...extra }).config, log);
}
function refuses(tun: Record<string, unknown>, path: string, extra: Record<string, unknown> = {}): void {
  assert.throws(() => options(tun, extra), (e: unknown) => e instanceof ConfigError && e.path === path, path);
}

test('routes that contradict the certificate network are refused with their config path', { skip }, () => {
  refuses({ unsafe_routes: [{ route: '198.18.200.0/24', via: '198.18.0.2' }] }, 'tun.unsafe_routes[0].via');
  refuses({ unsafe_routes: [{ route: '198.18.200.0/24', via: '198.19.0.1' }] }, 'tun.unsafe_routes[0].via');
  refuses({ unsafe_routes: [{ route: '198.19.200.0/24', via: '198.19.0.2' }] }, 'tun.unsafe_routes[0].route');
  refuses({ routes: [{ route: '198.18.200.0/24', mtu: 1400 }] }, 'tun.routes[0].route');
  refuses({}, 'static_host_map["198.18.0.9"]', { static_host_map: { '198.18.0.9': ['198.18.0.9:4242'] } });
});

test('valid routes reach the node options as parsed', { skip }, () => {
  const o = options({
    mtu: 1300,
    routes: [{ route: '198.19.5.0/24', mtu: 1400 }],
    unsafe_routes: [{ route: '198.18.200.0/24', via: '198.19.0.2', metric: 7 }],
  });
  assert.deepEqual(o.tun.routes?.map((r) => r.mtu), [1400]);
  assert.deepEqual(o.tun.unsafeRoutes?.map((r) => [r.via, r.mtu, r.metric, r.install]), [[0xc6130002, 0, 7, true]]);
});

test('lighthouse.hosts, interval, advertise_addrs and the allow lists become NodeOptions.lighthouse', { skip: nebulaCertSkipReason() }, () => {
  const pki = makePki([['me', '198.19.0.2/16']]);
  try {
    const me = pki.hosts.get('me')!;
    const { config } = parseConfig(`pki: {ca: ${pki.caCrt}, cert: ${me.crt}, key: ${me.key}}
static_host_map: {"198.19.0.1": ["198.18.0.1:4242"]}
lighthouse: {hosts: ["198.19.0.1"], interval: 7, advertise_addrs: ["203.0.113.9:0"], local_allow_list: {"10.0.0.0/8": false}}
`);
    const o = nodeOptionsFromConfig(config, new Logger('info', 'text', () => undefined));
    const { localAllowList, remoteAllowList, ...rest } = o.lighthouse!;
    assert.deepEqual(rest, { amLighthouse: false, hosts: [0xc6130001], intervalMs: 7000, advertiseAddrs: [{ host: '203.0.113.9', port: 0, family: 4 }] });
    assert.equal(localAllowList?.allowsIp('10.1.2.3'), false, 'local_allow_list passed on');
    assert.equal(localAllowList?.allowsIp('198.18.0.2'), true);
    assert.equal(remoteAllowList, null);
    assert.deepEqual(o.punchy, { punch: false, respond: false, delayMs: 1000 });
  } finally {
    pki.dispose();
  }
});

test('am_lighthouse and punchy become NodeOptions.lighthouse.amLighthouse and NodeOptions.punchy', { skip: nebulaCertSkipReason() }, () => {
  const pki = makePki([['me', '198.19.0.1/16']]);
  try {
    const me = pki.hosts.get('me')!;
    const { config } = parseConfig(`pki: {ca: ${pki.caCrt}, cert: ${me.crt}, key: ${me.key}}
listen: {port: 4242}
lighthouse: {am_lighthouse: true}
punchy: {punch: true, respond: true, delay: 250ms}
`);
    const o = nodeOptionsFromConfig(config, new Logger('info', 'text', () => undefined));
    assert.equal(o.lighthouse?.amLighthouse, true);
    assert.deepEqual(o.punchy, { punch: true, respond: true, delayMs: 250 });
  } finally {
    pki.dispose();
  }
});
