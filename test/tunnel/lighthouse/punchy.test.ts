// Punchy against a fake node: what is punched, when, and what is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  KEEPALIVE_PUNCH_MS, MAX_PENDING_NOTIFICATIONS, MAX_PUNCH_ADDRS, Punchy, RESPOND_DELAY_MS, ip6AndPortOf, type Ip4AndPort,
} from '../../../src/tunnel/lighthouse/index.js';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { Endpoint } from '../../../src/udp/index.js';
import { waitFor } from '../../../kit/wait.js';

const ip = (s: string): number => s.split('.').reduce((x, b) => ((x << 8) | Number(b)) >>> 0, 0);
const addr = (s: string, port = 4242): Ip4AndPort => ({ ip: ip(s), port });

function rig(o: { punch?: boolean; respond?: boolean; delayMs?: number } = {}) {
  let now = 1000;
  const raw: { to: string; byte: number }[] = [];
  const responded: number[] = [];
  const p = new Punchy({
    sendRaw: (to, bytes) => raw.push({ to: to.key, byte: bytes[0]! }),
    tunnelRemotes: () => [Endpoint.of('198.18.0.9', 4242)],
    respond: (v) => responded.push(v),
    now: () => now,
    log: new Logger('info', 'text', () => undefined),
  }, { punch: o.punch ?? false, respond: o.respond ?? false, delayMs: o.delayMs ?? 0, vpnIp: ip('198.19.0.2'), prefix: 16 });
  return { p, raw, responded, advance: (ms: number) => (now += ms) };
}

test('a punch notification sends one zero byte to each listed address after the delay, each address once', async () => {
  const r = rig({ delayMs: 20 });
  r.p.onNotification(ip('198.19.0.3'), [addr('198.18.0.3'), addr('198.18.0.3'), addr('198.18.1.3', 5000)]);
  assert.equal(r.raw.length, 0);
  await waitFor(() => r.raw.length === 2, 5_000, 'the punches');
  assert.deepEqual(r.raw.map((x) => x.byte), [0, 0]);
  assert.equal(r.p.stats.punchesSent, 2);
  r.p.close();
});

test('addresses inside the overlay network or unusable are not punched; at most MAX_PUNCH_ADDRS are', async () => {
  const r = rig();
  const many = Array.from({ length: 14 }, (_, i) => addr(`198.18.2.${i + 1}`));
  r.p.onNotification(ip('198.19.0.3'), [addr('198.19.0.50'), addr('198.18.0.3', 0), ...many]);
  await waitFor(() => r.raw.length === MAX_PUNCH_ADDRS, 5_000, 'the punches');
  assert.equal(r.p.stats.punchesSkipped, 2);
  r.p.close();
});

test('punch notifications waiting for their delay are bounded; close cancels them', async () => {
  const r = rig({ delayMs: 60_000 });
  for (let i = 0; i < MAX_PENDING_NOTIFICATIONS + 3; i++) r.p.onNotification(ip('198.19.0.3'), [addr('198.18.0.3')]);
  assert.equal(r.p.stats.notificationsDropped, 3);
  r.p.close();
  await sleep(10);
  assert.equal(r.raw.length, 0);
});

test('keepalive punches (one 0x01 byte) go to every tunnel remote every KEEPALIVE_PUNCH_MS, only with punchy.punch', () => {
  const on = rig({ punch: true });
  const off = rig({ punch: false });
  for (const r of [on, off]) {
    r.p.tick();
    r.advance(KEEPALIVE_PUNCH_MS);
    r.p.tick();
    r.p.tick();
  }
  assert.deepEqual(on.raw, [{ to: Endpoint.of('198.18.0.9', 4242).key, byte: 1 }]);
  assert.equal(off.raw.length, 0);
});

test('punchy.respond reaches the asker RESPOND_DELAY_MS after the notification, not before; without respond it never does', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const on = rig({ respond: true, delayMs: 0 });
  const off = rig({ respond: false, delayMs: 0 });
  for (const r of [on, off]) r.p.onNotification(ip('198.19.0.3'), [addr('198.18.0.3')]);
  t.mock.timers.tick(RESPOND_DELAY_MS - 1);
  assert.deepEqual(on.responded, []);
  t.mock.timers.tick(1);
  assert.deepEqual(on.responded, [ip('198.19.0.3')]);
  assert.deepEqual(off.responded, []);
  assert.equal(on.p.stats.responds, 1);
  for (const r of [on, off]) r.p.close();
});

test('IPv6 addresses of a notification are punched too, checked as a reply\'s (link-local and port 0 skipped)', async () => {
  const r = rig();
  r.p.onNotification(ip('198.19.0.3'), [addr('198.18.0.3')], [ip6AndPortOf('fd00:18::3', 4242), ip6AndPortOf('fe80::3', 4242), ip6AndPortOf('fd00:18::4', 0)]);
  await waitFor(() => r.raw.length === 2, 5_000, 'the punches');
  assert.deepEqual(r.raw.map((x) => x.to), ['198.18.0.3:4242', '[fd00:18::3]:4242']);
  assert.equal(r.p.stats.punchesSkipped, 2);
  r.p.close();
});
