// IPv6 underlay addresses in lighthouse messages (docs/PROTOCOL.md "Lighthouse messages"): what an
// IPv6 socket reports, which Ip6AndPorts are accepted, and a lighthouse keeping and answering them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LighthouseClient, LighthouseServer, META_HOST_PUNCH_NOTIFICATION, META_HOST_QUERY, META_HOST_QUERY_REPLY, META_HOST_UPDATE_NOTIFICATION,
  acceptedAddress6, decodeMeta, encodeMeta, ip6AndPortOf, ipv4ToU32, reportedAddresses, reportedAddresses6, type Ip6AndPort, type NebulaMeta,
} from '../../../src/tunnel/lighthouse/index.js';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { Endpoint } from '../../../src/udp/index.js';

const ip = (s: string): number => ipv4ToU32(s)!;
const quiet = new Logger('info', 'text', () => undefined);
const IFACES = [
  { name: 'lo', address: '::1', family: 'IPv6', internal: true },
  { name: 'eth0', address: '198.18.0.2', family: 'IPv4', internal: false },
  { name: 'eth0', address: 'fd00:18::2', family: 'IPv6', internal: false },
  { name: 'eth0', address: 'fe80::2%2', family: 'IPv6', internal: false },
  { name: 'eth1', address: '2001:db8::2', family: 'IPv6', internal: false },
];
const base = { advertise: [], interfaces: IFACES, listenHost: '::', port: 4242, vpnIp: ip('198.19.0.2'), prefix: 16 };
const key = (a: Ip6AndPort): string => acceptedAddress6(a)!.key;

test('an IPv6 socket reports its global and unique-local addresses, never loopback or link-local; an IPv4 one none', () => {
  assert.deepEqual(reportedAddresses6(base).map(key), ['[fd00:18::2]:4242', '[2001:db8::2]:4242']);
  assert.deepEqual(reportedAddresses(base), [{ ip: ip('198.18.0.2'), port: 4242 }], 'dual-stack: IPv4 as before');
  assert.deepEqual(reportedAddresses6({ ...base, listenHost: '0.0.0.0' }), []);
});

test('bound to one IPv6 address: only it, and no IPv4 address; advertise_addrs by family', () => {
  assert.deepEqual(reportedAddresses6({ ...base, listenHost: 'fd00:18::2' }).map(key), ['[fd00:18::2]:4242']);
  assert.deepEqual(reportedAddresses({ ...base, listenHost: 'fd00:18::2' }), []);
  const adv = { ...base, advertise: [{ host: 'fd00:99::1', port: 0 }, { host: '198.18.9.9', port: 5000 }] };
  assert.deepEqual(reportedAddresses6(adv).map(key), ['[fd00:99::1]:4242', '[fd00:18::2]:4242', '[2001:db8::2]:4242']);
});

test('Ip6AndPort round-trips the address halves; only unicast addresses with a port 1..65535 are accepted', () => {
  const a = ip6AndPortOf('fd00:18::2', 4242);
  assert.equal(a.hi, 0xfd00_0018_0000_0000n);
  assert.equal(a.lo, 2n);
  assert.equal(acceptedAddress6(a)?.key, '[fd00:18::2]:4242');
  for (const [h, p] of [['fd00::1', 0], ['fd00::1', 70000], ['::', 1], ['::1', 1], ['ff02::1', 1], ['fe80::1', 1], ['::ffff:198.18.0.1', 1]] as const) {
    assert.equal(acceptedAddress6(ip6AndPortOf(h, p)), null, `${h} port ${p}`);
  }
});

function clientRig(ipv6: boolean) {
  const sent: NebulaMeta[] = [];
  const punched: { vpnIp: number; v6: readonly Ip6AndPort[] }[] = [];
  const LH = ip('198.19.0.1');
  const c = new LighthouseClient({
    send: (_to, payload) => (sent.push(decodeMeta(payload)), true),
    reportAddrs: () => [],
    reportAddrs6: () => [ip6AndPortOf('fd00:18::2', 4242)],
    learned: () => undefined,
    punch: (vpnIp, _v4, v6) => punched.push({ vpnIp, v6 }),
    now: () => 1000,
    log: quiet,
  }, { lighthouses: [LH], intervalMs: 10_000, vpnIp: ip('198.19.0.2'), prefix: 16, holdPackets: 4, ipv6 });
  const deliver = (type: number, vpnIp: number, v6: Ip6AndPort[]): void => {
    const b = encodeMeta({ type, details: { vpnIp, ip4AndPorts: [{ ip: ip('198.18.0.3'), port: 4242 }], ip6AndPorts: v6 } });
    c.onMessage(LH, b, 0, b.length);
  };
  return { c, sent, punched, deliver };
}

test('a client with an IPv6 socket sends Ip6AndPorts and uses IPv6 replies and punch notifications; an IPv4 one refuses them', () => {
  const PEER = ip('198.19.0.3');
  const v6 = [ip6AndPortOf('fd00:18::3', 4242), ip6AndPortOf('fe80::3', 4242)];
  const r = clientRig(true);
  r.c.start();
  assert.equal(r.sent[0]!.type, META_HOST_UPDATE_NOTIFICATION);
  assert.deepEqual(r.sent[0]!.details.ip6AndPorts.map(key), ['[fd00:18::2]:4242']);
  r.deliver(META_HOST_QUERY_REPLY, PEER, v6);
  assert.deepEqual(r.c.remotes(PEER).map((e) => e.key), ['198.18.0.3:4242', '[fd00:18::3]:4242']);
  assert.equal(r.c.stats.addressesRefused, 1, 'the link-local one');
  r.deliver(META_HOST_PUNCH_NOTIFICATION, PEER, v6);
  assert.equal(r.punched[0]!.v6.length, 2, 'punchy checks them itself');
  const four = clientRig(false);
  four.deliver(META_HOST_QUERY_REPLY, PEER, v6);
  assert.deepEqual(four.c.remotes(PEER).map((e) => e.key), ['198.18.0.3:4242']);
  assert.equal(four.c.stats.addressesRefused, 2);
  four.deliver(META_HOST_PUNCH_NOTIFICATION, PEER, v6);
  assert.deepEqual(four.punched[0]!.v6, []);
});

test('a lighthouse keeps reported IPv6 addresses and answers them, a tunnel\'s IPv6 address first', () => {
  const ME = ip('198.19.0.1');
  const A = ip('198.19.0.10');
  const B = ip('198.19.0.11');
  const remotes = new Map([[A, Endpoint.of('fd00:18::10', 4242)], [B, Endpoint.of('198.18.0.11', 4242)]]);
  const sent: { to: number; m: NebulaMeta }[] = [];
  const s = new LighthouseServer({
    send: (to, payload) => (sent.push({ to, m: decodeMeta(payload) }), true),
    remoteOf: (v) => remotes.get(v) ?? null,
    now: () => 1000,
    log: quiet,
  }, { vpnIp: ME, prefix: 16 });
  const msg = (from: number, type: number, vpnIp: number, v6: Ip6AndPort[] = []): void => {
    const b = encodeMeta({ type, details: { vpnIp, ip6AndPorts: v6 } });
    s.onMessage(from, b, 0, b.length);
  };
  msg(A, META_HOST_UPDATE_NOTIFICATION, A, [ip6AndPortOf('2001:db8::10', 4242), ip6AndPortOf('ff02::1', 4242), ip6AndPortOf('fd00:18::11', 0)]);
  assert.equal(s.stats.addressesRefused, 2);
  msg(B, META_HOST_QUERY, A);
  const reply = sent.find((x) => x.m.type === META_HOST_QUERY_REPLY)!;
  assert.equal(reply.to, B);
  assert.deepEqual(reply.m.details.ip6AndPorts.map(key), ['[fd00:18::10]:4242', '[2001:db8::10]:4242']);
  assert.deepEqual(reply.m.details.ip4AndPorts, []);
  const punch = sent.find((x) => x.m.type === META_HOST_PUNCH_NOTIFICATION)!;
  assert.equal(punch.to, A);
  assert.deepEqual(punch.m.details.ip4AndPorts, [{ ip: ip('198.18.0.11'), port: 4242 }]);
});
