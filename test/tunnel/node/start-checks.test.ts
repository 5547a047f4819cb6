// What OverlayNode.start refuses before it opens anything: the checks need
// no root, because they must fire before the TUN device or socket exists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AEAD_IMPL_ENV } from '../../../src/tunnel/aead/index.js';
import { OptionError } from '../../../src/errors.js';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import type { NodeOptions } from '../../../src/tunnel/node/options.js';

test('a bad TIO_AEAD_IMPL stops OverlayNode.start with ERR_TIO_AEAD_IMPL before any device is opened', () => {
  const old = process.env[AEAD_IMPL_ENV];
  process.env[AEAD_IMPL_ENV] = 'fastest';
  try {
    // Options that would make TunDevice.open fail (no tun section): the AEAD error must come first.
    const opts = { routines: 1, pki: {} } as unknown as NodeOptions;
    assert.throws(() => OverlayNode.start(opts), { code: 'ERR_TIO_AEAD_IMPL' });
  } finally {
    if (old === undefined) delete process.env[AEAD_IMPL_ENV];
    else process.env[AEAD_IMPL_ENV] = old;
  }
});

test('routes given in code that cannot work stop OverlayNode.start with an OptionError naming the route', () => {
  const net = (a: number, prefix: number) => ({ addr: a >>> 0, mask: (0xffffffff << (32 - prefix)) >>> 0 });
  const A = 0xc6130001; // 198.19.0.1
  const behind = net(0xc612c800, 24); // 198.18.200.0/24
  const start = (tun: Partial<NodeOptions['tun']>) => () => OverlayNode.start({
    routines: 1, pki: { vpnIp: A, prefix: 16 }, tun: { mtu: 1300, ...tun },
  } as unknown as NodeOptions);
  const refused = (path: string) => (e: unknown) => (e as { code?: string }).code === 'ERR_TIO_BAD_OPTION' && (e as Error).message.includes(`option ${path}:`);
  assert.throws(start({ unsafeRoutes: [{ route: behind, via: 0xc612000a, mtu: 0, metric: 0 }] }), refused('tun.unsafeRoutes[0].via'));
  assert.throws(start({ unsafeRoutes: [{ route: behind, via: A, mtu: 0, metric: 0 }] }), refused('tun.unsafeRoutes[0].via'));
  assert.throws(start({ unsafeRoutes: [{ route: net(0xc6130500, 24), via: 0xc6130002, mtu: 0, metric: 0 }] }), refused('tun.unsafeRoutes[0].route'));
  assert.throws(start({ routes: [{ route: behind, mtu: 1400 }] }), refused('tun.routes[0].route'));
});

test('a lighthouse without a staticHostMap entry stops OverlayNode.start with an OptionError naming lighthouse.hosts before any device is opened', () => {
  const opts = { routines: 1, pki: {}, staticHostMap: new Map([[0xc6130009, []]]), lighthouse: { hosts: [0xc6130001], intervalMs: 1000 } } as unknown as NodeOptions;
  assert.throws(() => OverlayNode.start(opts), (e: unknown) => e instanceof OptionError && /lighthouse\.hosts/.test(e.message) && /198\.19\.0\.1/.test(e.message));
  const empty = { ...opts, staticHostMap: new Map([[0xc6130001, []]]) } as unknown as NodeOptions;
  assert.throws(() => OverlayNode.start(empty), (e: unknown) => e instanceof OptionError && /lighthouse\.hosts/.test(e.message));
});
