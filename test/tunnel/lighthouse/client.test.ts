// LighthouseClient against a fake node: what it sends, what it holds, what it learns and what it
// refuses, with a controllable clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LighthouseClient, MAX_WAITING, META_HOST_PUNCH_NOTIFICATION, META_HOST_QUERY, META_HOST_QUERY_REPLY, META_HOST_UPDATE_NOTIFICATION,
  QUERIES_PER_SECOND, QUERY_INTERVAL_MS, WAIT_MS, decodeMeta, encodeMeta, type Ip4AndPort,
} from '../../../src/tunnel/lighthouse/index.js';
import { Logger } from '../../../src/tunnel/log/logger.js';

const ip = (s: string): number => s.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
const LH = ip('198.19.0.1');
const ME = ip('198.19.0.2');
const PEER = ip('198.19.0.3');

function rig(opts: { tunnels?: boolean; holdPackets?: number } = {}) {
  let now = 1000;
  const sent: { to: number; type: number; vpnIp: number; addrs: readonly Ip4AndPort[] }[] = [];
  const learned: { vpnIp: number; held: readonly Buffer[] | null }[] = [];
  let tunnels = opts.tunnels ?? true;
  const report: Ip4AndPort[] = [{ ip: ip('198.18.0.2'), port: 4242 }];
  const c = new LighthouseClient({
    send: (to, payload) => {
      if (!tunnels) return false;
      const m = decodeMeta(payload);
      sent.push({ to, type: m.type, vpnIp: m.details.vpnIp, addrs: m.details.ip4AndPorts });
      return true;
    },
    reportAddrs: () => report,
    learned: (vpnIp, held) => learned.push({ vpnIp, held }),
    now: () => now,
    log: new Logger('info', 'text', () => undefined),
  }, { lighthouses: [LH], intervalMs: 10_000, vpnIp: ME, prefix: 16, holdPackets: opts.holdPackets ?? 4 });
  return {
    c, sent, learned,
    advance: (ms: number) => (now += ms),
    setTunnels: (v: boolean) => (tunnels = v),
    reply: (vpnIp: number, addrs: Ip4AndPort[], from = LH, type = META_HOST_QUERY_REPLY) => {
      const b = encodeMeta({ type, details: { vpnIp, ip4AndPorts: addrs } });
      c.onMessage(from, b, 0, b.length);
    },
  };
}

test('start sends our vpn ip and reported addresses to every lighthouse as a HostUpdateNotification, and again each interval', () => {
  const r = rig();
  r.c.start();
  assert.deepEqual(r.sent, [{ to: LH, type: META_HOST_UPDATE_NOTIFICATION, vpnIp: ME, addrs: [{ ip: ip('198.18.0.2'), port: 4242 }] }]);
  r.advance(9_999);
  r.c.tick();
  assert.equal(r.sent.length, 1);
  r.advance(1);
  r.c.tick();
  assert.equal(r.sent.length, 2);
  assert.equal(r.c.stats.updatesSent, 2);
});

test('without a lighthouse tunnel nothing is counted as sent; the tunnel coming up delivers the update and the waiting queries', () => {
  const r = rig({ tunnels: false });
  r.c.start();
  assert.equal(r.c.hold(PEER, Buffer.from([0x45])), true);
  assert.equal(r.c.stats.updatesSent, 0);
  assert.equal(r.c.stats.queriesSent, 0);
  r.setTunnels(true);
  r.c.tunnelUp(LH);
  assert.deepEqual(r.sent.map((s) => [s.type, s.vpnIp]), [[META_HOST_UPDATE_NOTIFICATION, ME], [META_HOST_QUERY, PEER]]);
});

test('a held peer is asked about at most once per QUERY_INTERVAL_MS', () => {
  const r = rig();
  r.c.hold(PEER, Buffer.from([1]));
  r.c.hold(PEER, Buffer.from([2]));
  r.c.tick();
  assert.equal(r.c.stats.queriesSent, 1);
  assert.equal(r.c.stats.queriesLimited, 1);
  r.advance(QUERY_INTERVAL_MS);
  r.c.tick();
  assert.equal(r.c.stats.queriesSent, 2);
});

test('queries over all peers are capped at QUERIES_PER_SECOND', () => {
  const r = rig();
  for (let i = 0; i < QUERIES_PER_SECOND + 50; i++) r.c.hold(ip('198.19.10.0') + i);
  assert.equal(r.c.stats.queriesSent, QUERIES_PER_SECOND);
  assert.equal(r.c.stats.queriesLimited, 50);
});

test('a reply hands the held packets to the node and its addresses become the peer\'s remotes', () => {
  const r = rig();
  r.c.hold(PEER, Buffer.from([1, 2]));
  r.reply(PEER, [{ ip: ip('198.18.0.3'), port: 4242 }, { ip: ip('198.18.1.3'), port: 4243 }]);
  assert.equal(r.learned.length, 1);
  assert.equal(r.learned[0]!.vpnIp, PEER);
  assert.deepEqual(r.learned[0]!.held!.map((b) => [...b]), [[1, 2]]);
  assert.deepEqual(r.c.remotes(PEER).map((e) => e.key), ['198.18.0.3:4242', '198.18.1.3:4243']);
  assert.equal(r.c.waitingHosts, 0);
  assert.equal(r.c.stats.addressesLearned, 2);
});

test('an address listed twice (learned and reported) is learned once', () => {
  const r = rig();
  r.reply(PEER, [{ ip: ip('198.18.0.3'), port: 4242 }, { ip: ip('198.18.0.3'), port: 4242 }]);
  assert.deepEqual(r.c.remotes(PEER).map((e) => e.key), ['198.18.0.3:4242']);
  assert.equal(r.c.stats.addressesLearned, 1);
});

test('a reply nobody waited for is cached and reported with null held packets', () => {
  const r = rig();
  r.reply(PEER, [{ ip: ip('198.18.0.3'), port: 4242 }]);
  assert.deepEqual(r.learned, [{ vpnIp: PEER, held: null }]);
});

test('unusable addresses are refused: port 0, 0/8, multicast, broadcast, inside the overlay network', () => {
  const r = rig();
  r.reply(PEER, [
    { ip: ip('198.18.0.3'), port: 0 }, { ip: ip('0.1.2.3'), port: 1 }, { ip: ip('224.0.0.1'), port: 1 },
    { ip: ip('255.255.255.255'), port: 1 }, { ip: ip('198.19.7.7'), port: 1 }, { ip: ip('198.18.0.3'), port: 70000 },
  ]);
  assert.equal(r.c.stats.addressesRefused, 6);
  assert.equal(r.c.remotes(PEER).length, 0);
  assert.equal(r.learned.length, 0);
});

test('replies from a host that is not our lighthouse, about ourselves or about a lighthouse change nothing', () => {
  const r = rig();
  r.c.hold(PEER);
  r.reply(PEER, [{ ip: ip('198.18.0.3'), port: 4242 }], ip('198.19.0.99'));
  r.reply(ME, [{ ip: ip('198.18.0.66'), port: 4242 }]);
  r.reply(LH, [{ ip: ip('198.18.0.66'), port: 4242 }]);
  assert.equal(r.c.remotes(PEER).length, 0);
  assert.equal(r.c.remotes(ME).length, 0);
  assert.equal(r.c.remotes(LH).length, 0);
  assert.equal(r.learned.length, 0);
  assert.equal(r.c.waitingHosts, 1);
});

test('queries and updates sent to us are ignored, punch notifications counted and handed on, malformed messages dropped and counted', () => {
  const r = rig();
  r.reply(PEER, [], LH, META_HOST_QUERY);
  r.reply(PEER, [{ ip: ip('198.18.0.3'), port: 4242 }], LH, META_HOST_UPDATE_NOTIFICATION);
  r.reply(PEER, [{ ip: ip('198.18.0.3'), port: 4242 }], LH, META_HOST_PUNCH_NOTIFICATION);
  const bad = Buffer.from('0801120508', 'hex');
  r.c.onMessage(LH, bad, 0, bad.length);
  assert.equal(r.c.stats.ignored, 2);
  assert.equal(r.c.stats.punchNotifications, 1);
  assert.equal(r.c.stats.malformed, 1);
  assert.equal(r.c.remotes(PEER).length, 0);
});

test('held packets are bounded per peer and dropped after WAIT_MS without an answer', () => {
  const r = rig({ holdPackets: 2 });
  for (let i = 0; i < 5; i++) r.c.hold(PEER, Buffer.from([i]));
  assert.equal(r.c.stats.heldDropped, 3);
  r.advance(WAIT_MS + 1);
  r.c.tick();
  assert.equal(r.c.waitingHosts, 0);
  assert.equal(r.c.stats.heldDropped, 5);
});

test('at most MAX_WAITING peers wait; traffic for more is dropped and counted', () => {
  const r = rig();
  for (let i = 0; i < MAX_WAITING + 3; i++) r.c.hold(ip('198.19.100.0') + i, Buffer.from([1]));
  assert.equal(r.c.waitingHosts, MAX_WAITING);
  assert.equal(r.c.stats.heldDropped, 3);
});

test('a lighthouse, our own address and a node without lighthouses are not held', () => {
  const r = rig();
  assert.equal(r.c.hold(LH), false);
  assert.equal(r.c.hold(ME), false);
  const none = new LighthouseClient({
    send: () => true, reportAddrs: () => [], learned: () => undefined, now: () => 0, log: new Logger('info', 'text', () => undefined),
  }, { lighthouses: [], intervalMs: 1000, vpnIp: ME, prefix: 16, holdPackets: 1 });
  assert.equal(none.hold(PEER), false);
});

test('after close nothing is sent, held or learned', () => {
  const r = rig();
  r.c.close();
  r.c.start();
  r.c.tick();
  assert.equal(r.c.hold(PEER), false);
  r.reply(PEER, [{ ip: ip('198.18.0.3'), port: 4242 }]);
  assert.equal(r.sent.length, 0);
  assert.equal(r.learned.length, 0);
});

test('a punch notification from our lighthouse is handed to punchy with its addresses; one about ourselves is not', () => {
  const punched: { vpnIp: number; addrs: readonly Ip4AndPort[] }[] = [];
  const c = new LighthouseClient({
    send: () => true,
    reportAddrs: () => [],
    learned: () => undefined,
    punch: (vpnIp, addrs) => punched.push({ vpnIp, addrs }),
    now: () => 0,
    log: new Logger('info', 'text', () => undefined),
  }, { lighthouses: [LH], intervalMs: 10_000, vpnIp: ME, prefix: 16, holdPackets: 4 });
  const send = (from: number, vpnIp: number) => {
    const b = encodeMeta({ type: META_HOST_PUNCH_NOTIFICATION, details: { vpnIp, ip4AndPorts: [{ ip: ip('198.18.0.3'), port: 4242 }] } });
    c.onMessage(from, b, 0, b.length);
  };
  send(LH, PEER);
  send(LH, ME);
  send(PEER, PEER);
  assert.deepEqual(punched, [{ vpnIp: PEER, addrs: [{ ip: ip('198.18.0.3'), port: 4242 }] }]);
  assert.equal(c.stats.punchNotifications, 2);
});
