// Fuzz: lighthouse messages (NebulaMeta) as they arrive decrypted inside a tunnel: random bytes and
// mutated valid messages. decodeMeta may only refuse with MetaError, never reads outside its range,
// keeps its bounds on what it stores, and re-encoding what it accepted decodes to the same thing.
import { test } from 'node:test';
import fc from 'fast-check';
import {
  LighthouseServer, MAX_META_ADDRS, MAX_META_RELAYS, MAX_REPORTED_ADDRS, META_HOST_QUERY_REPLY, META_HOST_UPDATE_NOTIFICATION, MetaError,
  decodeMeta, encodeMeta, type NebulaMeta,
} from '../../src/tunnel/lighthouse/index.js';
import { Logger } from '../../src/tunnel/log/logger.js';
import { Endpoint } from '../../src/udp/index.js';
import { describeParams, FUZZ_TIMEOUT_MS, fuzzParams } from './config.js';
import { assertSentinelIntact, place, SENTINELS, typed } from './guard.js';
import { applyMutations, mutations } from './mutate.js';

const u32 = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat({ max: 0xffffffff }));
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const meta = fc.record({
  type: fc.oneof(fc.constantFrom(1, 2, 3, 5), u32),
  details: fc.record({
    vpnIp: u32,
    counter: u32,
    ip4AndPorts: fc.array(fc.record({ ip: u32, port: u32 }), { maxLength: 20 }),
    ip6AndPorts: fc.array(fc.record({ hi: u64, lo: u64, port: u32 }), { maxLength: 4 }),
    relayVpnIps: fc.array(u32, { maxLength: 20 }),
  }),
});

function checkBounds(m: NebulaMeta): void {
  const d = m.details;
  if (d.ip4AndPorts.length > MAX_META_ADDRS || d.ip6AndPorts.length > MAX_META_ADDRS || d.relayVpnIps.length > MAX_META_RELAYS) {
    throw new Error('decodeMeta stored more than its limits');
  }
}

test('fuzz: decodeMeta refuses any bytes only with MetaError, reads only its range and keeps its limits', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x1a31, 3000);
  t.diagnostic(describeParams(params));
  const seeds = [
    encodeMeta({ type: META_HOST_QUERY_REPLY, details: { vpnIp: 0xc6130002, ip4AndPorts: [{ ip: 0xc6120502, port: 4242 }, { ip: 0xc6120602, port: 4242 }] } }),
    encodeMeta({ type: META_HOST_UPDATE_NOTIFICATION, details: { vpnIp: 0xc6130003, ip6AndPorts: [{ hi: 1n, lo: 2n, port: 3 }], relayVpnIps: [1, 2] } }),
  ];
  const input = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.tuple(fc.constantFrom(...seeds), mutations({ maxCount: 6 })).map(([s, m]) => applyMutations(s, m)));
  fc.assert(fc.property(input, (bytes) => {
    const results = SENTINELS.map((fill) => {
      const p = place(bytes, fill);
      const r = typed(() => decodeMeta(p.buf, p.off, p.off + p.len), [MetaError], 'decodeMeta');
      assertSentinelIntact(p, 'decodeMeta');
      if (r.ok) checkBounds(r.value);
      return r.ok ? JSON.stringify(r.value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : r.error.message;
    });
    if (results[0] !== results[1]) throw new Error(`decodeMeta depends on bytes outside its range: ${results[0]} vs ${results[1]}`);
  }), params);
});

test('fuzz: encodeMeta then decodeMeta gives back every field, truncated to the limits', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x1a32, 2000);
  t.diagnostic(describeParams(params));
  fc.assert(fc.property(meta, (m) => {
    const d = decodeMeta(encodeMeta(m));
    checkBounds(d);
    const want = {
      type: m.type,
      // Keys in the decoder's order, so the JSON texts compare.
      details: {
        vpnIp: m.details.vpnIp,
        ip4AndPorts: m.details.ip4AndPorts.slice(0, MAX_META_ADDRS), ip6AndPorts: m.details.ip6AndPorts.slice(0, MAX_META_ADDRS),
        relayVpnIps: m.details.relayVpnIps.slice(0, MAX_META_RELAYS), counter: m.details.counter,
      },
    };
    const dropped = Math.max(0, m.details.ip4AndPorts.length - MAX_META_ADDRS) + Math.max(0, m.details.ip6AndPorts.length - MAX_META_ADDRS)
      + Math.max(0, m.details.relayVpnIps.length - MAX_META_RELAYS);
    const j = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    if (j(d.type) !== j(want.type) || j(d.details) !== j(want.details) || d.dropped !== dropped) throw new Error(`round trip changed ${j(m)} into ${j(d)}`);
  }), params);
});

test('fuzz: a lighthouse server fed any message from any member never throws, answers only on tunnels and keeps its bounds', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x1a33, 1000);
  t.diagnostic(describeParams(params));
  const member = fc.integer({ min: 0xc6130002, max: 0xc6130009 });
  const input = fc.array(fc.tuple(member, fc.oneof(meta.map((m) => encodeMeta(m)), fc.uint8Array({ maxLength: 120 }))), { maxLength: 40 });
  fc.assert(fc.property(input, (msgs) => {
    const sentTo: number[] = [];
    const s = new LighthouseServer({
      send: (to) => {
        sentTo.push(to);
        return true;
      },
      remoteOf: (v) => (v >= 0xc6130002 && v <= 0xc6130009 ? Endpoint.of('198.18.0.1', 4242) : null),
      now: () => 0,
      log: new Logger('info', 'text', () => undefined),
    }, { vpnIp: 0xc6130001, prefix: 16, maxHosts: 4 });
    for (const [from, bytes] of msgs) {
      s.onMessage(from, bytes, 0, bytes.length);
      if (s.hosts > 4) throw new Error('the store went past its host limit');
      for (let v = 0xc6130002; v <= 0xc6130009; v++) {
        const a = s.addresses(v);
        if (a !== null && a.addrs.length > 1 + MAX_REPORTED_ADDRS) throw new Error(`too many addresses for a host: ${a.addrs.length}`);
        if (a !== null && a.relays.length > MAX_REPORTED_ADDRS) throw new Error(`too many relays for a host: ${a.relays.length}`);
      }
    }
    if (sentTo.some((to) => to < 0xc6130002 || to > 0xc6130009)) throw new Error('answered a host without a tunnel');
  }), params);
});
