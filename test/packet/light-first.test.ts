// LightFirst: which packets of a batch lead, and that no flow's packets change order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LightFirst, type BatchEntry } from '../../src/packet/index.js';
import { ACK, FIN, PSH, build, icmpEchoV4 } from '../../kit/packet.js';

interface Item {
  bytes: Buffer;
  superpacket: boolean;
}

const bulk = (spec: Parameters<typeof build>[0]): Item => ({ bytes: build({ payload: 1200, ...spec }), superpacket: true });
const plain = (spec: Parameters<typeof build>[0]): Item => ({ bytes: build(spec), superpacket: false });
const ping: Item = { bytes: icmpEchoV4('198.19.0.1', '198.19.0.2', 7, 1), superpacket: false };

function view(items: readonly Item[], i: number, out: BatchEntry): void {
  const it = items[i]!;
  out.buf = it.bytes;
  out.off = 0;
  out.len = it.bytes.length;
  out.superpacket = it.superpacket;
}

// The order LightFirst gives, and lead[i] = 1 for each entry it moved to the front.
function plan(items: readonly Item[], lf = new LightFirst()): { leading: number; lead: number[]; order: number[] } {
  const order = Array.from(lf.order(items, items.length, view).subarray(0, items.length));
  const lead = items.map(() => 0);
  for (const i of order.slice(0, lf.leading)) lead[i] = 1;
  return { leading: lf.leading, lead, order };
}

test('a ping read after a stream\'s superpackets leads', () => {
  const r = plan([bulk({ version: 4 }), bulk({ version: 4, seq: 2200 }), ping]);
  assert.equal(r.leading, 1);
  assert.deepEqual(r.lead, [0, 0, 1]);
});

test('without bulk, or without light packets, nothing moves', () => {
  assert.equal(plan([ping, plain({ version: 4, proto: 'udp', payload: 64 }), ping]).leading, 0);
  const r = plan([bulk({ version: 4 }), bulk({ version: 6 })]);
  assert.equal(r.leading, 0);
  assert.deepEqual(r.lead, [0, 0]);
});

test('pure ACKs, SYN/FIN segments are bulk: an ACK clock does not delay a reply', () => {
  const acks = [1, 2, 3].map((i) => plain({ version: 4, ack: 1000 * i, sport: 5201, dport: 40000 }));
  const fin = plain({ version: 4, flags: FIN | ACK, sport: 9, dport: 10 });
  const r = plan([...acks, fin, ping]);
  assert.equal(r.leading, 1);
  assert.deepEqual(r.lead, [0, 0, 0, 0, 1]);
});

test('a data packet of a bulk flow stays behind, wherever it is in the batch', () => {
  const sameFlowData = plain({ version: 4, payload: 100, flags: PSH | ACK });
  const otherPorts = plain({ version: 4, payload: 100, sport: 40001 });
  const r = plan([sameFlowData, bulk({ version: 4, seq: 5000 }), otherPorts]);
  assert.deepEqual(r.lead, [0, 0, 1]);
  // The flow is the direction too: the bulk stream's reverse direction with data may lead.
  const reverse = plain({ version: 4, payload: 100, sport: 443, dport: 40000 });
  assert.deepEqual(plan([bulk({ version: 4 }), reverse]).lead, [0, 1]);
});

test('IPv6: a light UDP datagram leads a TCP stream; the same ports over UDP are another flow', () => {
  const r = plan([bulk({ version: 6 }), plain({ version: 6, proto: 'udp', payload: 50 })]);
  assert.deepEqual(r.lead, [0, 1]);
  const udpBulk = bulk({ version: 6, proto: 'udp' });
  assert.deepEqual(plan([udpBulk, plain({ version: 6, proto: 'udp', payload: 50 })]).lead, [0, 0]);
});

test('fragments and unparseable packets never lead', () => {
  const frag = plain({ version: 4, proto: 'udp', payload: 64, df: false, mf: true });
  const later = plain({ version: 4, proto: 'udp', payload: 64, df: false, fragOffset: 10 });
  const junk: Item = { bytes: Buffer.from([0x45, 0, 0]), superpacket: false };
  const r = plan([bulk({ version: 4 }), frag, later, junk, ping]);
  assert.deepEqual(r.lead, [0, 0, 0, 0, 1]);
});

test('more than 8 bulk flows in one batch: nothing moves', () => {
  const nine = Array.from({ length: 9 }, (_, i) => bulk({ version: 4, sport: 1000 + i }));
  assert.equal(plan([...nine, ping]).leading, 0);
  assert.equal(plan([...nine.slice(0, 8), ping]).leading, 1);
});

test('one instance plans batch after batch, growing past its first size', () => {
  const lf = new LightFirst();
  const big = [...Array.from({ length: 100 }, (_, i) => bulk({ version: 4, seq: i * 1200 })), ping];
  assert.equal(plan(big, lf).leading, 1);
  assert.equal(plan([ping, ping], lf).leading, 0);
  assert.deepEqual(plan([bulk({ version: 4 }), ping], lf).lead, [0, 1]);
});

test('the order is every entry once: light ones first, then the rest, each in arrival order', () => {
  const r = plan([bulk({ version: 4 }), ping, bulk({ version: 4, seq: 2200 }), plain({ version: 4, proto: 'udp', payload: 30 })]);
  assert.equal(r.leading, 2);
  assert.deepEqual(r.order, [1, 3, 0, 2]);
  // Nothing leads: arrival order, also for a lone packet.
  assert.deepEqual(plan([ping, ping, ping]).order, [0, 1, 2]);
  assert.deepEqual(plan([bulk({ version: 4 })]).order, [0]);
});

// The flow key of a built packet as the test sees it: version, protocol, addresses, ports.
function flowOf(b: Buffer): string {
  const v4 = b[0]! >>> 4 === 4;
  const proto = v4 ? b[9]! : b[6]!;
  const l4 = v4 ? (b[0]! & 0x0f) * 4 : 40;
  const ports = proto === 6 || proto === 17 ? b.subarray(l4, l4 + 4).toString('hex') : '';
  return `${v4 ? b.subarray(12, 20).toString('hex') : b.subarray(8, 40).toString('hex')}/${proto}/${ports}`;
}

test('property: lead-then-rest keeps every flow\'s packets in arrival order', () => {
  const kind = fc.constantFrom('bulk', 'data', 'ack', 'udp', 'ping');
  const spec = fc.record({ kind, version: fc.constantFrom(4 as const, 6 as const), port: fc.integer({ min: 1, max: 3 }) });
  fc.assert(fc.property(fc.array(spec, { maxLength: 40 }), (specs) => {
    const items: Item[] = specs.map((s, i) => {
      const base = { version: s.version, sport: s.port, seq: i * 100 } as const;
      switch (s.kind) {
        case 'bulk': return bulk(base);
        case 'data': return plain({ ...base, payload: 20 });
        case 'ack': return plain(base);
        case 'udp': return plain({ ...base, proto: 'udp', payload: 20 });
        default: return s.version === 4 ? ping : plain({ ...base, proto: 'udp', payload: 5 });
      }
    });
    const { lead, order } = plan(items);
    // Every entry once, the moved ones first, each part in arrival order.
    const expected = [...items.keys()].filter((i) => lead[i] === 1).concat([...items.keys()].filter((i) => lead[i] === 0));
    assert.deepEqual(order, expected);
    const last = new Map<string, number>();
    for (const i of order) {
      const f = flowOf(items[i]!.bytes);
      const prev = last.get(f);
      // Identical ping packets share a flow and an index order; anything else must not go backwards.
      assert.ok(prev === undefined || prev < i, `flow ${f}: ${prev} after ${i}`);
      last.set(f, i);
    }
    // A batch with bulk leads every packet that is light and shares no flow with bulk.
    const bulkFlows = new Set(items.filter((it, i) => it.superpacket || (specs[i]!.kind === 'ack')).map((it) => flowOf(it.bytes)));
    if (bulkFlows.size > 0 && bulkFlows.size <= 8) {
      items.forEach((it, i) => {
        const light = !it.superpacket && specs[i]!.kind !== 'ack' && !bulkFlows.has(flowOf(it.bytes));
        assert.equal(lead[i] === 1, light, `entry ${i} (${specs[i]!.kind})`);
      });
    }
  }), { numRuns: 300 });
});
