// Fuzz: the first things a datagram from the network meets: the 16-byte header
// decode (any bytes, any range) and the replay window driven as the inbound path
// drives it (a run of datagrams checked against the window as it was, then
// decrypted, some failing authentication, then updated in order).
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DROP_REPLAY_DUPLICATE, DROP_REPLAY_TOO_OLD, HEADER_LEN, ReplayWindow, decodeHeader, encodeHeaderHiLo, isTunnelType,
  newHeader, type ReplayDropReason,
} from '../../src/tunnel/wire/index.js';
import { describeParams, FUZZ_TIMEOUT_MS, fuzzParams } from './config.js';
import { place, SENTINELS } from './guard.js';

const be32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

test('fuzz: decodeHeader reads exactly the 16 header bytes of any range it is given, and refuses short or outside ranges without touching its output', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x3e4d, 5000);
  t.diagnostic(describeParams(params));
  const off = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, -16, 1e9, 0.5, Number.NaN) });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), off, fc.integer({ min: -2, max: 64 }), (bytes, o, len) => {
    const out = newHeader();
    out.type = 99;
    const ok = decodeHeader(bytes, o, len, out);
    const fits = Number.isInteger(o) && o >= 0 && len >= HEADER_LEN && o + HEADER_LEN <= bytes.length;
    if (ok !== fits) throw new Error(`decodeHeader(len ${bytes.length}, off ${o}, len ${len}) = ${ok}`);
    if (!ok) {
      if (out.type !== 99) throw new Error('a refused header changed its output');
      return;
    }
    const want = {
      version: bytes[o]! >>> 4, type: bytes[o]! & 15, subtype: bytes[o + 1]!, reserved: (bytes[o + 2]! << 8) | bytes[o + 3]!,
      remoteIndex: be32(bytes, o + 4), counterHi: be32(bytes, o + 8), counterLo: be32(bytes, o + 12),
    };
    for (const [k, v] of Object.entries(want)) {
      if (out[k as keyof typeof want] !== v) throw new Error(`${k} decoded as ${out[k as keyof typeof want]}, bytes say ${v}`);
    }
  }), params);

  // In a sentinel-filled buffer the result may not depend on the bytes around the header.
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 40 }), (bytes) => {
    const [a, b] = SENTINELS.map((fill) => {
      const p = place(bytes, fill, 5, 3);
      const h = newHeader();
      decodeHeader(p.buf, p.off, p.len, h);
      if (p.buf.some((v, i) => (i < p.off || i >= p.off + p.len) && v !== fill)) throw new Error('decodeHeader wrote into its buffer');
      return JSON.stringify(h);
    });
    if (a !== b) throw new Error(`decodeHeader result depends on bytes outside the header: ${a} vs ${b}`);
  }), fuzzParams(0x3e4e, 1000));
});

test('fuzz: encodeHeaderHiLo and decodeHeader round-trip every field over the full u32/u64 ranges', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x3e4f, 3000);
  t.diagnostic(describeParams(params));
  const u32 = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat({ max: 0xffffffff }));
  fc.assert(fc.property(fc.nat({ max: 15 }), fc.nat({ max: 255 }), u32, u32, u32, fc.nat({ max: 8 }), (type, sub, ri, hi, lo, at) => {
    const buf = new Uint8Array(at + HEADER_LEN + 4).fill(0xee);
    if (encodeHeaderHiLo(buf, at, type, sub, ri, hi, lo) !== at + HEADER_LEN) throw new Error('encode returned the wrong end');
    if (buf.some((v, i) => (i < at || i >= at + HEADER_LEN) && v !== 0xee)) throw new Error('encode wrote outside its 16 bytes');
    const h = newHeader();
    if (!decodeHeader(buf, at, HEADER_LEN, h)) throw new Error('decode refused an encoded header');
    if (h.version !== 1 || h.type !== type || h.subtype !== sub || h.reserved !== 0 || h.remoteIndex !== ri || h.counterHi !== hi || h.counterLo !== lo) {
      throw new Error(`round trip changed ${JSON.stringify(h)}`);
    }
    if (isTunnelType(type) !== [1, 3, 4, 5, 6].includes(type)) throw new Error(`isTunnelType(${type})`);
  }), params);
});

// The replay window as docs/PROTOCOL.md "Replay window" words it, over bigints, remembering
// the accepted counters and the highest (written from the prose, not the code).
class WindowModel {
  highest = 2n;
  private readonly accepted = new Set<bigint>([0n, 1n, 2n]);

  check(c: bigint): ReplayDropReason | null {
    if (c > this.highest) return null;
    const h = this.highest;
    let slotOwner: bigint | null = null;
    if (h >= 1024n && c > h - 1024n) slotOwner = c;
    // "or if c < 1024": the ring slot c mod 1024 now belongs to the window counter congruent to c.
    else if (c < 1024n) slotOwner = h >= 1024n ? h - ((h - c) % 1024n) : c;
    if (slotOwner === null) return DROP_REPLAY_TOO_OLD;
    return this.accepted.has(slotOwner) ? DROP_REPLAY_DUPLICATE : null;
  }

  update(c: bigint): ReplayDropReason | null {
    if (c > this.highest) {
      this.highest = c;
      this.accepted.add(c);
      return null;
    }
    const inWindow = this.highest >= 1024n ? c > this.highest - 1024n : c < 1024n;
    if (!inWindow) return DROP_REPLAY_TOO_OLD;
    if (this.accepted.has(c)) return DROP_REPLAY_DUPLICATE;
    this.accepted.add(c);
    return null;
  }
}

const MAX_U64 = (1n << 64n) - 1n;

test('fuzz: the replay window driven like the inbound path (check a run, some fail authentication, update in order) never accepts a counter twice and matches the docs/PROTOCOL.md "Replay window" model', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x3e50, 400, 0.2);
  t.diagnostic(describeParams(params));
  // A datagram's counter relative to the highest seen, or near a fixed base, or a replay of an earlier one.
  const step = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('rel' as const), d: fc.integer({ min: -1100, max: 64 }).map(BigInt) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('rel' as const), d: fc.integer({ min: 1000, max: 5000 }).map(BigInt) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('abs' as const), d: fc.bigInt({ min: 0n, max: 1100n }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), d: fc.nat({ max: 1000 }).map(BigInt) }) },
  );
  fc.assert(fc.property(
    fc.constantFrom(0n, 1000n, (1n << 32n) - 2000n, (1n << 53n) - 1000n, MAX_U64 - 5000n),
    // About one datagram in ten fails authentication after passing check().
    fc.array(fc.array(fc.record({ step, authFails: fc.nat({ max: 9 }).map((n) => n === 0) }), { minLength: 1, maxLength: 32 }), { minLength: 1, maxLength: 30 }),
    (base, runs) => {
      const w = new ReplayWindow();
      const m = new WindowModel();
      const delivered = new Set<bigint>();
      const history: bigint[] = [];
      for (const run of runs) {
        // 1. Each datagram of the run is checked against the window as it was before the run.
        const passed: { c: bigint; authFails: boolean }[] = [];
        for (const { step: s, authFails } of run) {
          let c = s.kind === 'rel' ? m.highest + s.d : s.kind === 'abs' ? base + s.d : history[Number(s.d) % Math.max(1, history.length)] ?? base;
          if (c < 0n) c = 0n;
          if (c > MAX_U64) c = MAX_U64;
          history.push(c);
          const hi = Number(c >> 32n);
          const lo = Number(c & 0xffffffffn);
          const got = w.check(hi, lo);
          const want = m.check(c);
          if (got !== want) throw new Error(`check(${c}) = ${got}, model ${want} (highest ${m.highest})`);
          if (got === null) passed.push({ c, authFails });
        }
        // 2. Decrypted as one batch; 3. what authenticated is recorded, in order.
        for (const { c, authFails } of passed) {
          if (authFails) continue;
          const got = w.update(Number(c >> 32n), Number(c & 0xffffffffn));
          const want = m.update(c);
          if (got !== want) throw new Error(`update(${c}) = ${got}, model ${want} (highest ${m.highest})`);
          if (got === null) {
            if (delivered.has(c)) throw new Error(`counter ${c} was accepted twice`);
            delivered.add(c);
          }
        }
        const highest = (BigInt(w.highestHi) << 32n) | BigInt(w.highestLo);
        if (highest !== m.highest) throw new Error(`highest ${highest}, model ${m.highest}`);
      }
    },
  ), params);
});

test('decodeHeader refuses a NaN, fractional or negative offset and a NaN length instead of decoding bytes that are not there (found by the fuzz above)', () => {
  const buf = new Uint8Array(32).fill(0x11);
  for (const [off, len] of [[Number.NaN, 16], [0.5, 16], [-1, 16], [0, Number.NaN], [2 ** 32, 16]] as const) {
    const out = newHeader();
    out.type = 99;
    if (decodeHeader(buf, off, len, out)) throw new Error(`decodeHeader(off ${off}, len ${len}) decoded`);
    if (out.type !== 99) throw new Error('a refused header changed its output');
  }
});
