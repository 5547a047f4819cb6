// The lighthouse client's part in relays (docs/PROTOCOL.md "Relays"): our relay.relays go out in every
// update, and the relays a reply names for a host are kept, bounded, from lighthouses only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LighthouseClient, MAX_RELAYS_PER_HOST, META_HOST_QUERY_REPLY, decodeMeta, encodeMeta,
} from '../../../src/tunnel/lighthouse/index.js';
import { Logger } from '../../../src/tunnel/log/logger.js';

const LH = 0xc6130001;
const ME = 0xc6130002;
const PEER = 0xc6130003;

function client() {
  const relaysSent: (readonly number[])[] = [];
  const c = new LighthouseClient({
    send: (_to, payload) => {
      relaysSent.push(decodeMeta(payload).details.relayVpnIps);
      return true;
    },
    reportAddrs: () => [{ ip: 0xc6120002, port: 4242 }],
    learned: () => undefined,
    now: () => 1000,
    log: new Logger('info', 'text', () => undefined),
  }, { lighthouses: [LH], intervalMs: 10_000, vpnIp: ME, prefix: 16, holdPackets: 4, relays: [LH, 0xc6130009] });
  const reply = (from: number, vpnIp: number, relayVpnIps: number[]) => {
    const b = encodeMeta({ type: META_HOST_QUERY_REPLY, details: { vpnIp, ip4AndPorts: [{ ip: 0xc6120003, port: 4242 }], relayVpnIps } });
    c.onMessage(from, b, 0, b.length);
  };
  return { c, relaysSent, reply };
}

test('every HostUpdateNotification carries our relay.relays', () => {
  const { c, relaysSent } = client();
  c.start();
  assert.deepEqual(relaysSent, [[LH, 0xc6130009]]);
});

test('a reply\'s relays for a host are kept, without the host itself or us, at most MAX_RELAYS_PER_HOST', () => {
  const { c, reply } = client();
  reply(LH, PEER, [PEER, ME, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(c.relaysFor(PEER), [1, 2, 3, 4].slice(0, MAX_RELAYS_PER_HOST));
  reply(LH, PEER, []);
  assert.deepEqual(c.relaysFor(PEER), []);
});

test('relays named by a host that is not a lighthouse are not kept', () => {
  const { c, reply } = client();
  reply(0xc6130005, PEER, [1]);
  assert.deepEqual(c.relaysFor(PEER), []);
});
