import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  Conntrack,
  DEFAULT_MAX_FLOWS_PER_PEER,
  FirewallOptionError,
  defaultMaxFlowsPerPeer,
  newFlow,
  type Flow,
} from '../../../src/tunnel/firewall/index.js';
import { halfSipHash4 } from '../../../src/tunnel/firewall/halfsiphash.js';

const flow = (localIp: number, remoteIp: number, localPort: number, remotePort: number, proto: number, fragment = false): Flow => ({
  ...newFlow(),
  localIp,
  remoteIp,
  localPort,
  remotePort,
  proto,
  fragment,
});

test('add then touch; every key field distinguishes flows', () => {
  const ct = new Conntrack();
  const f = flow(1, 2, 3, 4, 6);
  assert.equal(ct.touch(f, 0, 100), false);
  assert.equal(ct.add(f, 0, 100), true);
  assert.equal(ct.touch(f, 50, 100), true);
  for (const other of [flow(9, 2, 3, 4, 6), flow(1, 9, 3, 4, 6), flow(1, 2, 9, 4, 6), flow(1, 2, 3, 9, 6), flow(1, 2, 3, 4, 17), flow(1, 2, 3, 4, 6, true)]) {
    assert.equal(ct.touch(other, 50, 100), false, JSON.stringify(other));
  }
  assert.equal(ct.size, 1);
});

test('expiry: a flow lives until its deadline, touch extends it, sweep removes the dead', () => {
  const ct = new Conntrack();
  const a = flow(1, 2, 3, 4, 6);
  const b = flow(1, 2, 3, 5, 6);
  ct.add(a, 0, 100);
  ct.add(b, 0, 100);
  assert.equal(ct.touch(a, 99, 100), true, 'refreshed to 199');
  assert.equal(ct.has(b, 100), false, 'deadline is exclusive');
  assert.equal(ct.sweep(150), 1);
  assert.equal(ct.size, 1);
  assert.equal(ct.touch(a, 199, 100), false, 'expired entries found by lookup are removed');
  assert.equal(ct.size, 0);
});

test('the table grows past its initial size and keeps every flow', () => {
  const ct = new Conntrack();
  for (let i = 0; i < 5000; i++) assert.equal(ct.add(flow(0xc6130001, 0xc6130002 + (i >> 8), i & 0xff, 80, 6), 0, 1000), true);
  assert.equal(ct.size, 5000);
  for (let i = 0; i < 5000; i++) assert.equal(ct.has(flow(0xc6130001, 0xc6130002 + (i >> 8), i & 0xff, 80, 6), 1), true, `flow ${i}`);
});

test('maxFlows bounds the table; expired flows make room again (after the full-sweep interval)', () => {
  const ct = new Conntrack(3);
  for (let i = 0; i < 3; i++) assert.equal(ct.add(flow(1, 2, i, 0, 17), 0, 100), true);
  assert.equal(ct.add(flow(1, 2, 9, 0, 17), 10, 100), false);
  assert.equal(ct.add(flow(1, 2, 0, 0, 17), 10, 100), true, 'refreshing a tracked flow is always fine');
  assert.equal(ct.add(flow(1, 2, 9, 0, 17), 2000, 100), true, 'the old flows expired');
  assert.equal(ct.size, 1);
});

test('removing entries from the middle of probe chains keeps every other entry reachable', () => {
  const ct = new Conntrack();
  const n = 3000;
  for (let i = 0; i < n; i++) ct.add(flow(i & 3, (i >> 2) & 3, i >> 4, 0, 6), 0, i % 2 ? 100 : 1000);
  for (let i = 0; i < n; i += 2) assert.equal(ct.touch(flow(i & 3, (i >> 2) & 3, i >> 4, 0, 6), 500, 1000), true);
  for (let i = 1; i < n; i += 2) assert.equal(ct.touch(flow(i & 3, (i >> 2) & 3, i >> 4, 0, 6), 500, 1000), false, 'expired, removed');
  assert.equal(ct.size, n / 2);
  for (let i = 0; i < n; i += 2) assert.equal(ct.has(flow(i & 3, (i >> 2) & 3, i >> 4, 0, 6), 600), true, `flow ${i}`);
});

test('clear() forgets everything', () => {
  const ct = new Conntrack();
  ct.add(flow(1, 2, 3, 4, 6), 0, 100);
  ct.clear();
  assert.equal(ct.size, 0);
  assert.equal(ct.has(flow(1, 2, 3, 4, 6), 0), false);
});

// Model: a Map from key text to deadline, with the same lazy-expiry semantics.
type Op = { kind: 'add' | 'touch' | 'has'; key: number; ttl: number; dt: number } | { kind: 'sweep'; dt: number };

test('property: Conntrack agrees with a Map model under adds, touches, sweeps and time (many collisions)', () => {
  const keyArb = fc.integer({ min: 0, max: 1500 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constantFrom('add' as const, 'touch' as const, 'has' as const), key: keyArb, ttl: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 500, max: 5000 })), dt: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ kind: fc.constant('sweep' as const), dt: fc.integer({ min: 0, max: 20 }) }),
  );
  // Keys differ in one or two small fields only; hundreds live at once keep the load near 1/2.
  const keyFlow = (k: number): Flow => flow(k % 4, (k >> 2) % 4, k >> 4, 80, 6, false);
  const keyText = (f: Flow): string => `${f.localIp}|${f.remoteIp}|${f.localPort}|${f.remotePort}|${f.proto}|${f.fragment}`;
  fc.assert(
    fc.property(fc.array(op, { maxLength: 1500 }), (ops) => {
      const ct = new Conntrack();
      const model = new Map<string, number>();
      let now = 0;
      for (const o of ops) {
        now += o.dt;
        if (o.kind === 'sweep') {
          let dead = 0;
          for (const [k, t] of model) if (t <= now) (model.delete(k), dead++);
          // add() may already have swept some of them on its way to growing the table.
          assert.ok(ct.sweep(now) <= dead);
          assert.equal(ct.size, model.size);
          continue;
        }
        const f = keyFlow(o.key);
        const k = keyText(f);
        const t = model.get(k);
        const live = t !== undefined && t > now;
        if (o.kind === 'has') {
          assert.equal(ct.has(f, now), live);
        } else if (o.kind === 'touch') {
          assert.equal(ct.touch(f, now, o.ttl), live);
          if (live) model.set(k, now + o.ttl);
          else model.delete(k);
        } else {
          assert.equal(ct.add(f, now, o.ttl), true);
          model.set(k, now + o.ttl);
        }
        // Sizes differ only by expired entries the table has not met yet.
        const liveCount = [...model.values()].filter((d) => d > now).length;
        assert.ok(ct.size >= liveCount && ct.size <= model.size, `size ${ct.size} live ${liveCount} model ${model.size}`);
      }
      for (const [k, t] of model) {
        const [a, b, c, d, e, g] = k.split('|');
        assert.equal(ct.has(flow(+a!, +b!, +c!, +d!, +e!, g === 'true'), now), t > now, k);
      }
    }),
    { numRuns: 200 },
  );
});

// --- Hardening: keyed hash, per-peer share, bounded sweep (issue 13, item 4) ---

/** The fixed hash the table used before it was keyed: invertible, so colliding keys could be computed. */
function fixedHash(lip: number, rip: number, ports: number, pf: number): number {
  let h = Math.imul(lip ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ rip, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ ports, 0x27d4eb2f);
  h ^= pf;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}
/** Multiplicative inverse of an odd u32 mod 2^32 (Newton's iteration, 5 steps double the bits to 32+). */
const inverse = (c: number): number => {
  let x = c;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(c, x));
  return x;
};
/** Inverse of x ^= x >>> s for s >= 11 (3 iterations recover 32 bits). */
const unshift = (y: number, s: number): number => {
  let x = y;
  for (let i = 0; i < 3; i++) x = y ^ (x >>> s);
  return x;
};
/** The ports word that makes fixedHash(lip, rip, ports, pf) === out: what a member could compute. */
function portsForFixedHash(lip: number, rip: number, pf: number, out: number): number {
  const h1 = Math.imul(lip ^ 0x9e3779b9, 0x85ebca6b);
  const h2 = Math.imul(h1 ^ (h1 >>> 15) ^ rip, 0xc2b2ae35);
  const h4 = unshift(Math.imul(unshift(out | 0, 13), inverse(0x85ebca6b)), 16);
  return (Math.imul(h4 ^ pf, inverse(0x27d4eb2f)) ^ h2 ^ (h2 >>> 13)) >>> 0;
}

test('keyed hash: 20k flows crafted to share one chain under the old fixed hash get short probes', () => {
  const lip = 0x0a000001;
  const rip = 0x0a000002;
  const pf = 0x8000 | 6;
  const crafted: Flow[] = [];
  for (let t = 1; t <= 20_000; t++) {
    const p = portsForFixedHash(lip, rip, pf, t << 16);
    // Every one of them had home slot 0 in any table up to 2^16 slots: 10k probes a lookup on average.
    assert.equal(fixedHash(lip, rip, p, pf) & 0xffff, 0);
    crafted.push(flow(lip, rip, p >>> 16, p & 0xffff, 6));
  }
  const portRange: Flow[] = [];
  for (let t = 0; t < 20_000; t++) portRange.push(flow(lip, rip, 8000 + (t >> 10), t & 1023, 6));
  for (const [name, set] of [['crafted', crafted], ['port range', portRange]] as const) {
    const ct = new Conntrack(1 << 20, { maxFlowsPerPeer: 1 << 20 });
    for (const f of set) assert.equal(ct.add(f, 0, 1000), true);
    const s = ct.probeStats();
    assert.equal(s.flows, 20_000);
    // Uniform hashing at load 20000/65536: mean ~1.2 probes, longest chain ~10-15.
    assert.ok(s.meanProbes < 1.5, `${name}: mean ${s.meanProbes}`);
    assert.ok(s.maxProbes < 40, `${name}: max ${s.maxProbes}`);
    for (const f of set) assert.equal(ct.has(f, 1), true);
  }
});

test('keyed hash: flows colliding under a known key collide only in the table that has that key', () => {
  const key = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const k0 = Buffer.from(key).readUInt32LE(0);
  const k1 = Buffer.from(key).readUInt32LE(4);
  // Whoever knows the key can pick 31 flows homed at slot 0 of a 64-slot table (31 keep it at 64 slots).
  const chosen: Flow[] = [];
  for (let port = 0; chosen.length < 31; port++) {
    if ((halfSipHash4(k0, k1, 1, 2, (80 << 16) | port, 0x8000 | 6) & 63) === 0) chosen.push(flow(1, 2, 80, port, 6));
  }
  const maxProbes = (ct: Conntrack): number => {
    for (const f of chosen) ct.add(f, 0, 1000);
    assert.equal(ct.slots, 64);
    return ct.probeStats().maxProbes;
  };
  assert.equal(maxProbes(new Conntrack(1 << 20, { hashKey: key })), 31, 'one chain of 31');
  assert.ok(maxProbes(new Conntrack(1 << 20, { hashKey: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 9]) })) < 16, 'another key');
  assert.ok(maxProbes(new Conntrack()) < 16, 'a random key');
});

test('per-peer share: defaults, option errors', () => {
  assert.equal(new Conntrack().maxFlowsPerPeer, DEFAULT_MAX_FLOWS_PER_PEER);
  assert.equal(DEFAULT_MAX_FLOWS_PER_PEER, 65536);
  assert.equal(new Conntrack(100).maxFlowsPerPeer, 1024, 'the floor');
  assert.equal(defaultMaxFlowsPerPeer(1 << 16), 4096);
  for (const bad of [0, -1, 1.5, NaN]) {
    assert.throws(() => new Conntrack(100, { maxFlowsPerPeer: bad }), (e: unknown) => e instanceof FirewallOptionError && e.code === 'ERR_TIO_FIREWALL_OPTION');
    assert.throws(() => new Conntrack(100, { sweepSlots: bad }), FirewallOptionError);
  }
  assert.throws(() => new Conntrack(100, { hashKey: new Uint8Array(16) }), /8 bytes/);
});

test('per-peer share: one remote address cannot take more than its share; others still can', () => {
  const ct = new Conntrack(1000, { maxFlowsPerPeer: 10 });
  for (let p = 0; p < 10; p++) assert.equal(ct.add(flow(1, 7, 80, p, 6), 0, 100), true);
  assert.equal(ct.flowsOf(7), 10);
  assert.equal(ct.add(flow(1, 7, 80, 10, 6), 0, 100), false, 'the 11th');
  assert.equal(ct.add(flow(1, 7, 80, 11, 17), 50, 100), false, 'any protocol');
  assert.equal(ct.add(flow(1, 7, 80, 3, 6), 50, 100), true, 'refreshing one of its flows is fine');
  assert.equal(ct.add(flow(1, 8, 80, 10, 6), 50, 100), true, 'another address');
  assert.equal(ct.flowsOf(7), 10);
  assert.equal(ct.flowsOf(8), 1);
  assert.equal(ct.peerCount, 2);
  assert.equal(ct.size, 11);
});

test('per-peer share: released on expiry (lookup, sweep, and the rate-limited full sweep of a refused add)', () => {
  const ct = new Conntrack(1000, { maxFlowsPerPeer: 3 });
  for (let p = 0; p < 3; p++) ct.add(flow(1, 7, 80, p, 6), 0, 100);
  assert.equal(ct.add(flow(1, 7, 80, 9, 6), 10, 100), false);
  // A lookup meeting an expired flow removes it and releases its place.
  assert.equal(ct.touch(flow(1, 7, 80, 0, 6), 100, 100), false);
  assert.equal(ct.flowsOf(7), 2);
  assert.equal(ct.add(flow(1, 7, 80, 9, 6), 100, 100), true);
  // sweep() releases the rest (this table is smaller than one sweep's slots).
  assert.equal(ct.sweep(150), 2);
  assert.equal(ct.flowsOf(7), 1);
  for (let p = 20; p < 22; p++) assert.equal(ct.add(flow(1, 7, 80, p, 6), 150, 100), true);
  assert.equal(ct.add(flow(1, 7, 80, 30, 6), 150, 100), false);
  // All three expire at 250 and nothing sweeps them: the refused add sweeps once, at most once a second.
  assert.equal(ct.add(flow(1, 7, 80, 30, 6), 300, 100), false, 'a full sweep ran at 10 ms; next one from 1010 ms');
  assert.equal(ct.add(flow(1, 7, 80, 30, 6), 1010, 100), true);
  assert.equal(ct.flowsOf(7), 1);
  assert.equal(ct.size, 1);
});

test('per-peer counts survive growth and go with clear()', () => {
  const ct = new Conntrack(1 << 20, { maxFlowsPerPeer: 5000 });
  for (let i = 0; i < 4000; i++) ct.add(flow(1, 100 + (i % 7), 80, i, 6), 0, 1000);
  assert.ok(ct.slots >= 8192, 'grew');
  for (let r = 0; r < 7; r++) assert.equal(ct.flowsOf(100 + r), r < 4000 % 7 ? 572 : 571);
  assert.equal(ct.peerCount, 7);
  ct.clear();
  assert.equal(ct.flowsOf(100), 0);
  assert.equal(ct.peerCount, 0);
  assert.equal(ct.add(flow(1, 100, 80, 1, 6), 0, 1000), true);
  assert.equal(ct.flowsOf(100), 1);
});

test('sweep: each call examines a bounded part of the table; consecutive calls remove every expired flow', () => {
  const sweepSlots = 64;
  const ct = new Conntrack(1 << 20, { sweepSlots, maxFlowsPerPeer: 1 << 20 });
  const n = 5000;
  for (let i = 0; i < n; i++) ct.add(flow(1, 2 + (i & 3), 80, i, 6), 0, i % 3 === 0 ? 5000 : 100);
  const live = Math.ceil(n / 3);
  const slots = ct.slots;
  const { maxProbes } = ct.probeStats();
  let removed = 0;
  let calls = 0;
  for (; calls < slots / sweepSlots; calls++) {
    const r = ct.sweep(1000);
    // The slots themselves, plus entries shifted into them from a chain running past the last one.
    assert.ok(r <= sweepSlots + maxProbes - 1, `call ${calls} removed ${r}`);
    removed += r;
  }
  assert.equal(removed, n - live, 'one round removes everything expired');
  assert.equal(ct.size, live);
  for (let i = 0; i < n; i++) assert.equal(ct.has(flow(1, 2 + (i & 3), 80, i, 6), 1000), i % 3 === 0, `flow ${i}`);
  let counted = 0;
  for (let r = 0; r < 4; r++) counted += ct.flowsOf(2 + r);
  assert.equal(counted, live);
  assert.equal(ct.sweep(1000), 0);
});

test('sweep: a call costs the same in a huge table as in a small one (slots examined, not capacity)', () => {
  const small = new Conntrack(1 << 20, { sweepSlots: 128, maxFlowsPerPeer: 1 << 20 });
  const big = new Conntrack(1 << 20, { sweepSlots: 128, maxFlowsPerPeer: 1 << 20 });
  for (let i = 0; i < 40; i++) small.add(flow(1, 2, 80, i, 6), 0, 100);
  for (let i = 0; i < 50_000; i++) big.add(flow(1, 2 + (i >> 15), 80, i & 0x7fff, 6), 0, 100);
  // Everything is expired; one call removes only what sits in (or shifts into) its 128 slots:
  // at load ~0.38, about 50 entries, never the whole table.
  const r = big.sweep(200);
  assert.ok(r > 0 && r <= 128 + big.probeStats().maxProbes, `removed ${r}`);
  assert.equal(small.slots, 128);
  assert.equal(small.sweep(200), 40, 'a table no bigger than one call is covered by it');
});

// Model with per-peer counts: small sweeps and a small share, so both matter.
type HOp = { kind: 'add' | 'touch' | 'has'; key: number; ttl: number; dt: number } | { kind: 'sweep'; dt: number } | { kind: 'drain'; dt: number };

test('property: Conntrack with a per-peer share and an incremental sweep agrees with a Map model, counts included', () => {
  const PEERS = 4;
  const SHARE = 20;
  const SWEEP = 16;
  const keyArb = fc.integer({ min: 0, max: 600 });
  const op: fc.Arbitrary<HOp> = fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constantFrom('add' as const, 'touch' as const, 'has' as const), key: keyArb, ttl: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 500, max: 5000 })), dt: fc.integer({ min: 0, max: 5 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('sweep' as const), dt: fc.integer({ min: 0, max: 20 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('drain' as const), dt: fc.integer({ min: 0, max: 50 }) }) },
  );
  const keyFlow = (k: number): Flow => flow(k % 2, 10 + ((k >> 1) % PEERS), k >> 3, 80, 6, false);
  fc.assert(
    fc.property(fc.array(op, { minLength: 100, maxLength: 1200, size: 'max' }), (ops) => {
      const ct = new Conntrack(1 << 20, { maxFlowsPerPeer: SHARE, sweepSlots: SWEEP });
      const model = new Map<number, { peer: number; deadline: number }>();
      let now = 0;
      const checkCounts = (exact: boolean): void => {
        let sum = 0;
        let peers = 0;
        for (let p = 0; p < PEERS; p++) {
          const rip = 10 + p;
          let all = 0;
          let live = 0;
          for (const e of model.values()) if (e.peer === rip) (all++, e.deadline > now && live++);
          const n = ct.flowsOf(rip);
          assert.ok(n <= SHARE, `peer ${rip}: ${n} flows over the share`);
          if (exact) assert.equal(n, live, `peer ${rip} after a full round`);
          else assert.ok(n >= live && n <= all, `peer ${rip}: ${n} not in [${live}, ${all}]`);
          sum += n;
          if (n > 0) peers++;
        }
        assert.equal(sum, ct.size, 'per-peer counts add up to the size');
        assert.equal(ct.peerCount, peers);
      };
      for (const o of ops) {
        now += o.dt;
        if (o.kind === 'sweep' || o.kind === 'drain') {
          const calls = o.kind === 'sweep' ? 1 : Math.ceil(ct.slots / SWEEP);
          for (let c = 0; c < calls; c++) ct.sweep(now);
          if (o.kind === 'drain') {
            for (const [k, e] of model) if (e.deadline <= now) model.delete(k);
            assert.equal(ct.size, model.size, 'a full round of calls removes every expired flow');
          }
          checkCounts(o.kind === 'drain');
          continue;
        }
        const f = keyFlow(o.key);
        const e = model.get(o.key);
        const live = e !== undefined && e.deadline > now;
        if (o.kind === 'has') {
          assert.equal(ct.has(f, now), live);
        } else if (o.kind === 'touch') {
          assert.equal(ct.touch(f, now, o.ttl), live);
          if (live) e.deadline = now + o.ttl;
          else model.delete(o.key);
        } else if (ct.add(f, now, o.ttl)) {
          model.set(o.key, { peer: f.remoteIp, deadline: now + o.ttl });
        } else {
          // Refused: only a new flow of a peer at its share (expired flows not yet found included).
          assert.equal(live, false);
          assert.equal(ct.flowsOf(f.remoteIp), SHARE);
          if (e !== undefined) model.delete(o.key);
        }
        checkCounts(false);
      }
    }),
    { numRuns: 100 },
  );
});
