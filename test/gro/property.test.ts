// Randomized batches against oracles: resegmenting the output gives back the
// input packets, each flow's data in arrival order, every superpacket valid.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertMerged, run } from './harness.js';
import { ACK, CE, ECE, ECT0, FIN, PSH, type Spec, build, headerLen } from '../../kit/packet.js';
import { resegment } from './resegment.js';
import { xorshift32 } from '../../kit/random.js';

// Uniform in [0, 1), deterministic per seed.
function rng(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 0x100000000;
}

interface FlowState {
  spec: Spec;
  seq: number;
  id: number;
  size: number;
}

// One random event of a flow: mostly full segments, sometimes something that breaks or ends a run.
function next(r: () => number, f: FlowState, n: number): Buffer {
  const tcp = f.spec.proto !== 'udp';
  const x = r();
  let payload = f.size;
  const s: Spec = { ...f.spec };
  if (x < 0.05) payload = 1 + Math.floor(r() * (f.size - 1));
  else if (x < 0.08) payload = 0;
  else if (x < 0.1 && tcp) s.flags = ACK | PSH;
  else if (x < 0.11 && tcp) { s.flags = ACK | FIN; payload = 0; }
  else if (x < 0.13 && tcp) f.seq = (f.seq + 1 + Math.floor(r() * 3000)) >>> 0;
  else if (x < 0.15) f.spec.ttl = f.spec.ttl === 64 ? 63 : 64;
  else if (x < 0.16) f.spec.tos = f.spec.tos === ECT0 ? CE : ECT0;
  else if (x < 0.17 && tcp) f.spec.window = 400 + Math.floor(r() * 4);
  else if (x < 0.18 && tcp) f.spec.tcpOptions = [1, 1, 8, 10, 0, 0, 0, Math.floor(r() * 3), 0, 0, 0, 1];
  else if (x < 0.19) f.id = (f.id + 2) & 0xffff;
  const b = build({ ...s, seq: f.seq, id: f.id, payload, fill: n });
  if (tcp) f.seq = (f.seq + payload + (s.flags !== undefined && s.flags & FIN ? 1 : 0)) >>> 0;
  f.id = (f.id + 1) & 0xffff;
  if (r() < 0.02) b[b.length - 1 - Math.floor(r() * payload)]! ^= 0x20; // corrupted
  return b;
}

// A DF-set IPv4 id is free to change when merged; compare without it (and the header checksum covering it).
function normalize(b: Buffer): string {
  const c = Buffer.from(b);
  if (c[0]! >>> 4 === 4 && (c[6]! & 0x40) !== 0) c[4] = c[5] = c[10] = c[11] = 0;
  return c.toString('hex');
}

function flowOf(b: Buffer): string {
  const v = b[0]! >>> 4;
  const ip = v === 4 ? 20 : 40;
  return b.subarray(v === 4 ? 9 : 6, v === 4 ? 10 : 7).toString('hex') + b.subarray(v === 4 ? 12 : 8, ip + 4).toString('hex');
}

// Pure ACKs may be overtaken by later data of their flow (they do not seal); everything else keeps its place.
function keepsOrder(b: Buffer): boolean {
  const v = b[0]! >>> 4;
  const ip = v === 4 ? 20 : 40;
  const tcp = (v === 4 ? b[9] : b[6]) === 6;
  return !tcp || b.length > headerLen(b) || (b[ip + 13]! & ~(ACK | PSH | ECE)) !== 0;
}

test('randomized batches: resegmented output equals the input, each flow in order', async () => {
  let superpackets = 0;
  let passthrough = 0;
  for (let round = 0; round < 300; round++) {
    const r = rng(round + 1);
    const flows: FlowState[] = [];
    for (let i = 0; i < 5; i++) {
      const version = r() < 0.5 ? 4 : 6;
      const proto = i < 3 ? 'tcp' : 'udp';
      flows.push({
        spec: { version, proto, sport: 1000 + i, df: r() < 0.7, ttl: 64, tos: ECT0 },
        seq: Math.floor(r() * 0x100000000), id: Math.floor(r() * 0x10000), size: 100 + Math.floor(r() * 1400),
      });
    }
    const input: Buffer[] = [];
    const count = 1 + Math.floor(r() * 150);
    for (let n = 0; n < count; n++) input.push(next(r, flows[Math.floor(r() * flows.length)]!, n));
    const { out, c } = await run(input, { maxFlows: 1 + Math.floor(r() * 40) });

    const s = c.stats();
    superpackets += s.superpackets;
    passthrough += s.passthrough;
    assert.equal(s.packetsIn, s.passthrough + s.chainsWritten + s.segmentsCoalesced, `round ${round}: stats add up`);
    const segmented: Buffer[] = [];
    for (const w of out) {
      const parts = resegment(w);
      if (w.gso) {
        assert.ok(parts.length >= 2 && parts.length <= 64 && w.bytes.length <= 65535, `round ${round}: superpacket bounds`);
        assertMerged(w, parts, (w.bytes[w.gso.csumStart + 13]! & PSH) !== 0 && w.gso.proto === 'tcp');
      }
      segmented.push(...parts);
    }
    assert.deepEqual(segmented.map(normalize).sort(), input.map(normalize).sort(), `round ${round}: same packets`);
    const byFlow = (list: Buffer[]) => {
      const m = new Map<string, string[]>();
      for (const b of list) if (keepsOrder(b)) m.set(flowOf(b), [...(m.get(flowOf(b)) ?? []), normalize(b)]);
      return m;
    };
    assert.deepEqual(byFlow(segmented), byFlow(input), `round ${round}: each flow's data in arrival order`);
  }
  // The generator must exercise both outcomes, or the checks above prove little.
  assert.ok(superpackets > 1000 && passthrough > 1000, `superpackets ${superpackets}, passthrough ${passthrough}`);
});
