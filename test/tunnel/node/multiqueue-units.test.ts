// The pieces of a multi-queue node that need no root: shared send counters
// reserved from several threads at once stay unique and gapless; admitted
// flows reach another thread's firewall (by its event loop, or synchronously
// with refresh() when a reply races the message); hostmap events; stats
// through a shared array; per-tunnel traffic summed over threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { Firewall, PORT_ANY, type FirewallRule } from '../../../src/tunnel/firewall/index.js';
import { FlowShare } from '../../../src/tunnel/node/flow-share.js';
import { Hostmap } from '../../../src/tunnel/node/hostmap.js';
import { NODE_STATS_SLOTS, NodeStats } from '../../../src/tunnel/node/stats.js';
import { DataTunnel, TunnelSlots } from '../../../src/tunnel/node/tunnel.js';
import { Endpoint } from '../../../src/udp/index.js';
import { packet, peer } from '../firewall/packets.js';

const TUNNEL_JS = new URL('../../../src/tunnel/node/tunnel.js', import.meta.url).href;
const ENDPOINT_JS = new URL('../../../src/udp/index.js', import.meta.url).href;

function dataTunnel(localIndex: number): DataTunnel {
  return new DataTunnel({
    vpnIp: 0xc6130002, localIndex, remoteIndex: 7, remote: Endpoint.of('198.18.0.2', 4242), cipher: 'aes',
    sendKey: new Uint8Array(32).fill(1), recvKey: new Uint8Array(32).fill(2), identity: peer(),
  }, 0);
}

// A worker that binds a replica to the slot and reserves `rounds` runs of `run` counters, reporting the first of each.
const RESERVER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { DataTunnel, TunnelSlots } = await import(workerData.tunnelJs);
  const { Endpoint } = await import(workerData.endpointJs);
  const t = new DataTunnel({ vpnIp: 1, localIndex: 1, remoteIndex: 1, remote: Endpoint.of('198.18.0.2', 4242), cipher: 'aes',
    sendKey: new Uint8Array(32), recvKey: new Uint8Array(32), identity: { name: 'x', groups: [], ips: [], subnets: [], caName: '', caSha: '' } }, 0);
  t.bindSlot(new TunnelSlots(workerData.slots), workerData.slot, false);
  const firsts = [];
  for (let i = 0; i < workerData.rounds; i++) firsts.push(t.reserveCounters(workerData.run));
  t.close();
  parentPort.postMessage(firsts);
})();
`;

test('send counters reserved from three threads at once are unique and leave no gap', async () => {
  const slots = new TunnelSlots(8);
  const main = dataTunnel(1);
  assert.equal(main.nextCounter(), 3, 'the first data counter is 3');
  main.bindSlot(slots, 5, true);
  const rounds = 20_000;
  const runs = [1, 7, 64];
  const workers = runs.slice(1).map((run) => new Worker(RESERVER, {
    eval: true, workerData: { tunnelJs: TUNNEL_JS, endpointJs: ENDPOINT_JS, slots: slots.buffers, slot: 5, rounds, run },
  }));
  const results = workers.map((w) => new Promise<number[]>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  }));
  const mine: number[] = [];
  for (let i = 0; i < rounds; i++) mine.push(main.reserveCounters(runs[0]!));
  const all = [mine, ...(await Promise.all(results))];
  // Counter 3 went before the bind; 4 .. 3 + total are the reserved ones.
  const used = new Uint8Array(4 + rounds * runs.reduce((a, b) => a + b, 0));
  all.forEach((firsts, k) => {
    for (const f of firsts) {
      for (let c = f; c < f + runs[k]!; c++) {
        assert.equal(used[c], 0, `counter ${c} reserved twice`);
        used[c] = 1;
      }
    }
  });
  assert.equal(used.indexOf(0, 4), -1, 'every counter from 4 on was reserved exactly once');
  assert.equal(main.nextCounter(), used.length, 'the next counter follows all of them');
  main.close();
});

test('liveness stamps written on a replica are what main reads', () => {
  const slots = new TunnelSlots(4);
  const main = dataTunnel(1);
  main.lastOutbound = 5;
  main.bindSlot(slots, 2, true);
  assert.equal(main.lastInbound, 0);
  assert.equal(main.lastOutbound, 5, 'binding keeps the stamps');
  const replica = dataTunnel(1);
  replica.bindSlot(new TunnelSlots(slots.buffers), 2, false);
  replica.lastInbound = 1234.5;
  replica.lastOutbound = 99;
  assert.equal(main.lastInbound, 1234.5);
  assert.equal(main.lastOutbound, 99);
  assert.equal(main.slot, 2);
  main.close();
  replica.close();
});

test('traffic counted on each thread is summed on main; a reused slot starts from the new tunnel', () => {
  const slots = new TunnelSlots(4, 3);
  const main = dataTunnel(1);
  main.countOut(2, 3000);
  main.bindSlot(slots, 1, true);
  const r1 = dataTunnel(1);
  const r2 = dataTunnel(1);
  r1.bindSlot(new TunnelSlots(slots.buffers), 1, false, 1);
  r2.bindSlot(new TunnelSlots(slots.buffers), 1, false, 2);
  main.countIn(1, 100);
  r1.countIn(4, 4000);
  r1.countOut(1, 50);
  r2.countIn(5, 7000);
  assert.deepEqual(main.traffic(), { packetsIn: 10, bytesIn: 11_100, packetsOut: 3, bytesOut: 3050 }, 'counts before the bind are kept');
  // The slot reused for another tunnel: it starts from that tunnel's own counts.
  const next = dataTunnel(2);
  next.countIn(1, 60);
  next.bindSlot(slots, 1, true);
  assert.deepEqual(next.traffic(), { packetsIn: 1, bytesIn: 60, packetsOut: 0, bytesOut: 0 });
  for (const t of [main, r1, r2, next]) t.close();
});

const anyone = (over: Partial<FirewallRule> = {}): FirewallRule => ({
  portStart: PORT_ANY, portEnd: PORT_ANY, proto: 'any', host: 'any', groups: null, cidr: null, caName: null, caSha: null, ...over,
});

test('a flow one thread admits lets its replies through another thread (event loop, or refresh() before a refusal)', async () => {
  const rules = { inbound: [anyone({ proto: 'icmp' })], outbound: [anyone()] };
  const [pa, pb] = FlowShare.mesh(2);
  // As a data plane wires them: each firewall reports the flows it admits to its FlowShare.
  const shares: FlowShare[] = [];
  const fa = new Firewall(rules, { admitted: (f, incoming, version) => shares[0]!.admitted(f, incoming, version) });
  const fb = new Firewall(rules, { admitted: (f, incoming, version) => shares[1]!.admitted(f, incoming, version) });
  const sa = new FlowShare(pa!, fa, () => 0);
  const sb = new FlowShare(pb!, fb, () => 0);
  shares.push(sa, sb);
  try {
    const out = (sport: number): Uint8Array => packet({ src: '198.19.0.2', dst: '198.19.0.1', proto: 6, sport, dport: 80 });
    const back = (dport: number): Uint8Array => packet({ src: '198.19.0.1', dst: '198.19.0.2', proto: 6, sport: 80, dport });
    const filter = (fw: Firewall, p: Uint8Array, dir: 'inbound' | 'outbound'): string | null => fw.filter(p, 0, p.length, dir, peer(), 1);
    assert.notEqual(filter(fb, back(40000), 'inbound'), null, 'b refuses the reply of a flow it has not heard of');
    assert.equal(filter(fa, out(40000), 'outbound'), null);
    assert.equal(filter(fa, out(40000), 'outbound'), null, 'a tracked flow is announced once');
    sa.flush();
    assert.equal(sa.stats.announced, 1);
    // Synchronously, as the data path does before refusing a packet.
    assert.notEqual(filter(fb, back(40000), 'inbound'), null, 'the message has not been taken in yet');
    assert.equal(sb.refresh(), true);
    assert.equal(filter(fb, back(40000), 'inbound'), null, 'then the reply passes in b');
    assert.equal(sb.refresh(), false, 'nothing more queued');
    // Through the event loop.
    assert.equal(filter(fa, out(40001), 'outbound'), null);
    sa.flush();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(filter(fb, back(40001), 'inbound'), null, 'delivered by the event loop');
    assert.equal(sb.stats.imported, 2);
    assert.equal(sb.stats.rechecked, 1);
    // Imported flows are not announced again (no echo back to a).
    sb.flush();
    assert.equal(sb.stats.announced, 0);
    assert.notEqual(filter(fa, back(40002), 'inbound'), null, 'the rules still decide for unknown flows');
  } finally {
    sa.close();
    sb.close();
  }
});

test('hostmap events: added on install, removed on remove and on replacement', () => {
  const events: string[] = [];
  const h = new Hostmap<DataTunnel>({ added: (t) => events.push(`+${t.localIndex}`), removed: (t) => events.push(`-${t.localIndex}`) });
  const a = dataTunnel(10);
  const b = dataTunnel(11);
  h.add(a);
  h.add(b);
  h.remove(a);
  h.remove(b);
  assert.deepEqual(events, ['+10', '-10', '+11', '-11'], 'removing a tunnel that is no longer installed says nothing');
  assert.ok(a.isClosed && b.isClosed);
});

test('NodeStats through a shared array: writeTo then addFrom sums every counter and drop', () => {
  const s = new NodeStats();
  s.datagramsIn = 5;
  s.testReplies = 2;
  s.drops['outside-wrong-remote'] = 3;
  const shared = new Float64Array(new SharedArrayBuffer(8 * NODE_STATS_SLOTS));
  s.writeTo(shared);
  const sum = new NodeStats();
  sum.datagramsIn = 1;
  sum.addFrom(shared);
  sum.addFrom(shared);
  assert.equal(sum.datagramsIn, 11);
  assert.equal(sum.testReplies, 4);
  assert.equal(sum.drops['outside-wrong-remote'], 6);
  assert.equal(sum.drops['outside-auth'], 0);
});
