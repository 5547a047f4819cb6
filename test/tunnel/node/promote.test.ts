// DirectProber: relayed tunnels with traffic are probed straight at their peer's addresses, bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DirectProber, PROBE_ADDRS, PROBE_INTERVAL_MS, REQUERY_INTERVAL_MS } from '../../../src/tunnel/node/promote.js';
import { Endpoint } from '../../../src/udp/index.js';

function rig(tunnels: { vpnIp: number; lastOutbound: number }[], addrs: Endpoint[]) {
  const probes: string[] = [];
  const queries: number[] = [];
  const p = new DirectProber({
    relayed: () => tunnels,
    remotes: () => addrs,
    probe: (t, to) => probes.push(`${t.vpnIp}@${to.toString()}`),
    query: (v) => queries.push(v),
  });
  return { p, probes, queries };
}

test('a relayed tunnel with outbound traffic is probed at each known address, once per interval', () => {
  const t = { vpnIp: 7, lastOutbound: 500 };
  const r = rig([t], [Endpoint.of('198.18.0.2', 4242), Endpoint.of('198.18.0.3', 4242)]);
  r.p.tick(1000);
  assert.deepEqual(r.probes, ['7@198.18.0.2:4242', '7@198.18.0.3:4242']);
  assert.deepEqual(r.queries, [7]);
  t.lastOutbound = 1500;
  r.p.tick(1000 + PROBE_INTERVAL_MS - 1);
  assert.equal(r.probes.length, 2);
  r.p.tick(1000 + PROBE_INTERVAL_MS);
  assert.equal(r.probes.length, 4);
  assert.deepEqual(r.queries, [7], 'the lighthouses are asked again only after REQUERY_INTERVAL_MS');
  t.lastOutbound = 1000 + REQUERY_INTERVAL_MS;
  r.p.tick(1000 + REQUERY_INTERVAL_MS);
  assert.deepEqual(r.queries, [7, 7]);
});

test('an idle relayed tunnel is not probed', () => {
  const t = { vpnIp: 7, lastOutbound: 500 };
  const r = rig([t], [Endpoint.of('198.18.0.2', 4242)]);
  r.p.tick(1000);
  r.p.tick(1000 + PROBE_INTERVAL_MS);
  assert.equal(r.probes.length, 1);
});

test('at most PROBE_ADDRS addresses are probed per tunnel per round', () => {
  const many = Array.from({ length: PROBE_ADDRS + 5 }, (_, i) => Endpoint.of(`198.18.0.${i + 1}`, 4242));
  const r = rig([{ vpnIp: 7, lastOutbound: 1 }], many);
  r.p.tick(1000);
  assert.equal(r.probes.length, PROBE_ADDRS);
  assert.equal(r.p.stats.probesSent, PROBE_ADDRS);
});
