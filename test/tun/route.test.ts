// TunDevice.addRoute / removeRoute against the real kernel, inside a namespace
// this test creates; `ip route show dev X` is the oracle. Option checks run
// without privileges.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { OptionError, RouteExistsError, RouteRefusedError, TunDevice } from '../../src/index.js';
import { resolveRoute } from '../../src/tun/index.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';

const skip = rootSkipReason();
let ns: Netns;
before(() => {
  if (!skip) ns = Netns.create('route');
});
after(destroyAll);

// iproute2 leaves out `proto boot`, the protocol of routes added without one.
const routes = (dev: string, family: 4 | 6 = 4): string => ns.exec('ip', [`-${family}`, 'route', 'show', 'dev', dev]);

test('a route with mtu and metric appears in ip route through the device', { skip }, () => {
  const d = TunDevice.open({ name: 'trt0', netns: ns.name, addresses: ['198.19.0.1/16'], mtu: 1300 });
  try {
    d.addRoute({ net: '198.18.200.0/24', mtu: 1200, metric: 77 });
    d.addRoute({ net: '198.18.201.0/24' });
    const out = routes('trt0');
    assert.match(out, /^198\.18\.200\.0\/24 scope link metric 77 mtu 1200 $/m);
    assert.match(out, /^198\.18\.201\.0\/24 scope link $/m);
  } finally {
    d.close();
  }
});

test('the same network and metric twice is RouteExistsError; replace: true replaces it', { skip }, () => {
  const d = TunDevice.open({ name: 'trt1', netns: ns.name, addresses: ['198.19.0.1/16'] });
  try {
    d.addRoute({ net: '198.18.202.0/24', mtu: 1200 });
    assert.throws(() => d.addRoute({ net: '198.18.202.0/24' }), (e: unknown) => e instanceof RouteExistsError && e.code === 'ERR_TIO_ROUTE_EXISTS');
    d.addRoute({ net: '198.18.202.0/24', mtu: 1100, advmss: 1060, replace: true });
    assert.match(routes('trt1'), /^198\.18\.202\.0\/24 scope link mtu 1100 advmss 1060 $/m);
    // Another metric is another route.
    d.addRoute({ net: '198.18.202.0/24', metric: 5 });
    assert.match(routes('trt1'), /^198\.18\.202\.0\/24 scope link metric 5 $/m);
  } finally {
    d.close();
  }
});

test('replacing the prefix route of an address keeps it the kernel\'s, with src and an MTU', { skip }, () => {
  const d = TunDevice.open({ name: 'trt2', netns: ns.name, addresses: ['198.19.0.1/16'], mtu: 1500 });
  try {
    d.addRoute({ net: '198.19.0.0/16', mtu: 1300, src: '198.19.0.1', replace: true, kernel: true });
    assert.match(routes('trt2'), /^198\.19\.0\.0\/16 proto kernel scope link src 198\.19\.0\.1 mtu 1300 $/m);
  } finally {
    d.close();
  }
});

test('removeRoute removes the route; removing it again is RouteRefusedError (ESRCH)', { skip }, () => {
  const d = TunDevice.open({ name: 'trt3', netns: ns.name, addresses: ['198.19.0.1/16'] });
  try {
    d.addRoute({ net: '198.18.203.0/24', metric: 9 });
    d.removeRoute({ net: '198.18.203.0/24', metric: 9 });
    assert.doesNotMatch(routes('trt3'), /198\.18\.203\.0/);
    assert.throws(() => d.removeRoute({ net: '198.18.203.0/24', metric: 9 }), (e: unknown) => e instanceof RouteRefusedError && e.code === 'ERR_TIO_ROUTE_REFUSED' && /ESRCH/.test(e.message));
  } finally {
    d.close();
  }
});

test('IPv6 routes take an mtu and metric too', { skip }, () => {
  const d = TunDevice.open({ name: 'trt4', netns: ns.name, addresses: ['fd00:19::1/64'] });
  try {
    d.addRoute({ net: 'fd00:200::/48', mtu: 1400, metric: 300 });
    assert.match(routes('trt4', 6), /^fd00:200::\/48 metric 300 mtu 1400 pref medium$/m);
  } finally {
    d.close();
  }
});

test('a route through a device that is down is refused with a hint to bring it up', { skip }, () => {
  const d = TunDevice.open({ name: 'trt5', netns: ns.name, up: false });
  try {
    assert.throws(() => d.addRoute({ net: '198.18.204.0/24' }), (e: unknown) => e instanceof RouteRefusedError && /device\.up\(\)/.test(e.message));
  } finally {
    d.close();
  }
});

test('route options are checked before any syscall, naming the field', () => {
  const bad: [Parameters<typeof resolveRoute>[0], string][] = [
    [{ net: '198.18.200.1/24' }, 'route.net'],
    [{ net: '198.18.200.0' }, 'route.net'],
    [{ net: '198.18.200.0/24', mtu: 40 }, 'route.mtu'],
    [{ net: 'fd00::/64', mtu: 1000 }, 'route.mtu'],
    [{ net: '198.18.200.0/24', metric: -1 }, 'route.metric'],
    [{ net: '198.18.200.0/24', metric: 1.5 }, 'route.metric'],
    [{ net: '198.18.200.0/24', src: 'fd00::1' }, 'route.src'],
  ];
  for (const [o, field] of bad) {
    assert.throws(() => resolveRoute(o), (e: unknown) => e instanceof OptionError && e.message.includes(`option ${field}:`), JSON.stringify(o));
  }
  const r = resolveRoute({ net: '198.18.200.0/24', mtu: 0, metric: 0 });
  assert.deepEqual([r.family, [...r.dst], r.prefixLen, r.mtu, r.metric, r.src], [4, [198, 18, 200, 0], 24, 0, 0, null]);
});
