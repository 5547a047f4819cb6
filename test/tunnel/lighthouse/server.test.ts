// LighthouseServer against a fake node: what it keeps, what it answers and to whom, what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ANSWERS_PER_SECOND, LighthouseServer, META_HOST_PUNCH_NOTIFICATION, META_HOST_QUERY, META_HOST_QUERY_REPLY, META_HOST_UPDATE_NOTIFICATION,
  decodeMeta, encodeMeta, type Ip4AndPort,
} from '../../../src/tunnel/lighthouse/index.js';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { Endpoint } from '../../../src/udp/index.js';

const ip = (s: string): number => s.split('.').reduce((x, b) => ((x << 8) | Number(b)) >>> 0, 0);
const ME = ip('198.19.0.1');
const A = ip('198.19.0.10');
const B = ip('198.19.0.11');
const addr = (s: string, port = 4242): Ip4AndPort => ({ ip: ip(s), port });

function rig(maxHosts?: number) {
  const now = 1000;
  const sent: { to: number; type: number; vpnIp: number; addrs: readonly Ip4AndPort[]; relays?: readonly number[] }[] = [];
  const remotes = new Map<number, Endpoint>([[A, Endpoint.of('198.18.50.2', 4242)], [B, Endpoint.of('198.18.50.3', 4242)]]);
  const s = new LighthouseServer({
    send: (to, payload) => {
      if (!remotes.has(to)) return false;
      const m = decodeMeta(payload);
      sent.push({ to, type: m.type, vpnIp: m.details.vpnIp, addrs: m.details.ip4AndPorts, ...(m.details.relayVpnIps.length > 0 ? { relays: m.details.relayVpnIps } : {}) });
      return true;
    },
    remoteOf: (v) => remotes.get(v) ?? null,
    now: () => now,
    log: new Logger('info', 'text', () => undefined),
  }, { vpnIp: ME, prefix: 16, ...(maxHosts === undefined ? {} : { maxHosts }) });
  const msg = (from: number, type: number, vpnIp: number, addrs: Ip4AndPort[] = [], relays: number[] = []) => {
    const b = encodeMeta({ type, details: { vpnIp, ip4AndPorts: addrs, relayVpnIps: relays } });
    s.onMessage(from, b, 0, b.length);
  };
  return { s, sent, remotes, msg };
}

test('a query is answered with the learned address then the reported ones, and the queried host is told who asked', () => {
  const r = rig();
  r.msg(B, META_HOST_UPDATE_NOTIFICATION, B, [addr('10.0.0.11')]);
  r.msg(A, META_HOST_UPDATE_NOTIFICATION, A, [addr('10.0.0.10')]);
  r.msg(A, META_HOST_QUERY, B);
  assert.deepEqual(r.sent, [
    { to: A, type: META_HOST_QUERY_REPLY, vpnIp: B, addrs: [addr('198.18.50.3'), addr('10.0.0.11')] },
    { to: B, type: META_HOST_PUNCH_NOTIFICATION, vpnIp: A, addrs: [addr('198.18.50.2'), addr('10.0.0.10')] },
  ]);
  assert.equal(r.s.stats.repliesSent, 1);
  assert.equal(r.s.stats.punchNotificationsSent, 1);
});

test('the relays a host names in its update go with its addresses in replies and punch notifications', () => {
  const r = rig();
  r.msg(B, META_HOST_UPDATE_NOTIFICATION, B, [addr('10.0.0.11')], [ME]);
  r.msg(A, META_HOST_UPDATE_NOTIFICATION, A, [], [ME, ip('198.19.0.5')]);
  r.msg(A, META_HOST_QUERY, B);
  assert.deepEqual(r.sent, [
    { to: A, type: META_HOST_QUERY_REPLY, vpnIp: B, addrs: [addr('198.18.50.3'), addr('10.0.0.11')], relays: [ME] },
    { to: B, type: META_HOST_PUNCH_NOTIFICATION, vpnIp: A, addrs: [addr('198.18.50.2')], relays: [ME, ip('198.19.0.5')] },
  ]);
});

test('an update about another host than its sender is dropped and counted', () => {
  const r = rig();
  r.msg(A, META_HOST_UPDATE_NOTIFICATION, B, [addr('10.6.6.6')]);
  assert.equal(r.s.stats.updatesRefused, 1);
  assert.deepEqual(r.s.addresses(B)?.addrs, [addr('198.18.50.3')]);
});

test('reported addresses inside the overlay network, with port 0 or not unicast are dropped and counted', () => {
  const r = rig();
  r.msg(A, META_HOST_UPDATE_NOTIFICATION, A, [addr('198.19.0.99'), addr('10.0.0.1', 0), addr('224.0.0.1'), addr('10.0.0.2')]);
  assert.equal(r.s.stats.addressesRefused, 3);
  assert.deepEqual(r.s.addresses(A)?.addrs, [addr('198.18.50.2'), addr('10.0.0.2')]);
});

test('a query about a host we do not know gets no answer and no punch notification', () => {
  const r = rig();
  r.msg(A, META_HOST_QUERY, ip('198.19.0.77'));
  assert.deepEqual(r.sent, []);
  assert.equal(r.s.stats.queriesUnknown, 1);
});

test('a host whose tunnel closed is forgotten: its reported addresses go and queries about it go unanswered', () => {
  const r = rig();
  r.msg(B, META_HOST_UPDATE_NOTIFICATION, B, [addr('10.0.0.11')]);
  r.remotes.delete(B);
  r.s.tunnelClosed(B);
  assert.equal(r.s.hosts, 0);
  assert.equal(r.s.stats.hostsForgotten, 1);
  r.msg(A, META_HOST_QUERY, B);
  assert.deepEqual(r.sent, []);
});

test('the store is bounded in hosts: a full lighthouse refuses new hosts and counts them', () => {
  const r = rig(1);
  r.msg(A, META_HOST_UPDATE_NOTIFICATION, A, [addr('10.0.0.10')]);
  r.msg(B, META_HOST_UPDATE_NOTIFICATION, B, [addr('10.0.0.11')]);
  assert.equal(r.s.hosts, 1);
  assert.equal(r.s.stats.hostsRefused, 1);
});

test('answers are capped at ANSWERS_PER_SECOND; the rest are counted', () => {
  const r = rig();
  for (let i = 0; i < ANSWERS_PER_SECOND + 5; i++) r.msg(A, META_HOST_QUERY, B);
  assert.equal(r.s.stats.repliesSent, ANSWERS_PER_SECOND);
  assert.equal(r.s.stats.queriesLimited, 5);
});

test('malformed messages are dropped and counted; other types are ignored', () => {
  const r = rig();
  const bad = Buffer.from('0801120508', 'hex');
  r.s.onMessage(A, bad, 0, bad.length);
  r.msg(A, META_HOST_QUERY_REPLY, B, [addr('10.0.0.1')]);
  assert.equal(r.s.stats.malformed, 1);
  assert.equal(r.s.stats.ignored, 1);
  assert.deepEqual(r.sent, []);
});

test('the relays a host named in its update go along in replies about it and in punch notifications', () => {
  const r = rig();
  const R = ip('198.19.0.1');
  const relaysSeen: number[][] = [];
  const s = new LighthouseServer({
    send: (_to, payload) => {
      relaysSeen.push([...decodeMeta(payload).details.relayVpnIps]);
      return true;
    },
    remoteOf: (v) => r.remotes.get(v) ?? null,
    now: () => 1000,
    log: new Logger('info', 'text', () => undefined),
  }, { vpnIp: ME, prefix: 16 });
  const up = (from: number, relays: number[]) => {
    const b = encodeMeta({ type: META_HOST_UPDATE_NOTIFICATION, details: { vpnIp: from, ip4AndPorts: [addr('10.0.0.1')], relayVpnIps: relays } });
    s.onMessage(from, b, 0, b.length);
  };
  up(B, [R]);
  up(A, []);
  const q = encodeMeta({ type: META_HOST_QUERY, details: { vpnIp: B, ip4AndPorts: [] } });
  s.onMessage(A, q, 0, q.length);
  assert.deepEqual(relaysSeen, [[R], []], 'reply about B names B\'s relay; the punch notification about A names none');
});
