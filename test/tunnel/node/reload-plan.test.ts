// The pure parts of a live reload (docs/PROTOCOL.md "Reloading the config"): static_host_map merged as
// nebula 1.6.1 merges it, a certificate with another address refused, which changed keys need a restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Endpoint } from '../../../src/udp/index.js';
import { certRefusal, firewallChanged, mergeStaticHostMap } from '../../../src/tunnel/node/reload-plan.js';
import type { Pki } from '../../../src/tunnel/node/pki.js';
import { configFromObject } from '../../../src/tunnel/config/index.js';
import { changedKeys, restartKeys } from '../../../src/cli/reload.js';

const e = (host: string): Endpoint => Endpoint.of(host, 4242);
const keys = (m: ReadonlyMap<number, readonly Endpoint[]>): [number, string[]][] => [...m].map(([k, v]) => [k, v.map((x) => x.toString())]);

test('static_host_map reloads as nebula: new addresses first, old ones kept after them, dropped hosts kept', () => {
  const running = new Map([[1, [e('198.18.0.1'), e('198.18.0.2')]], [2, [e('198.18.0.20')]]]);
  const next = new Map([[1, [e('198.18.0.3'), e('198.18.0.1')]], [3, [e('198.18.0.30')]]]);
  assert.deepEqual(keys(mergeStaticHostMap(running, next)), [
    [1, ['198.18.0.3:4242', '198.18.0.1:4242', '198.18.0.2:4242']],
    [3, ['198.18.0.30:4242']],
    [2, ['198.18.0.20:4242']],
  ]);
});

test('a certificate with another address or prefix is refused; the same address is taken', () => {
  const pki = (vpnIp: number, prefix: number): Pki => ({ vpnIp, prefix } as Pki);
  assert.equal(certRefusal(pki(1, 16), pki(1, 16)), null);
  assert.match(certRefusal(pki(1, 16), pki(2, 16)) ?? '', /IP in new cert was different from old/);
  assert.match(certRefusal(pki(1, 16), pki(1, 24)) ?? '', /different/);
});

test('firewallChanged compares rules, actions and timeouts', () => {
  assert.equal(firewallChanged({ inbound: [], outbound: [] }, { inbound: [], outbound: [] }), false);
  assert.equal(firewallChanged({ inbound: [], outbound: [] }, { inbound: [], outbound: [], tcpTimeoutMs: 1 }), true);
});

test('changed keys a node applies live are not named as waiting for a restart', () => {
  const pki = { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' };
  const a = configFromObject({ pki, tun: { mtu: 1300 }, punchy: { punch: false, respond: false }, firewall: { outbound: [{ port: 'any', proto: 'any', host: 'any' }] } }).config;
  const b = configFromObject({
    pki: { ...pki, blocklist: ['00'.repeat(32)] }, tun: { mtu: 1400 }, punchy: { punch: true, respond: true },
    firewall: { outbound: [], inbound: [{ port: 'any', proto: 'icmp', host: 'any' }] },
  }).config;
  const changed = changedKeys(a, b);
  assert.deepEqual(changed, ['firewall.inbound', 'firewall.outbound', 'pki.blocklist', 'punchy.punch', 'punchy.respond', 'tun.mtu']);
  assert.deepEqual(restartKeys(changed), ['punchy.punch', 'tun.mtu']);
});
