import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DROP_REPLAY_DUPLICATE,
  DROP_REPLAY_TOO_OLD,
  ReplayWindow,
  counterHigh,
  counterLow,
  type ReplayDropReason,
} from '../../../src/tunnel/wire/index.js';

const check = (w: ReplayWindow, c: number): ReplayDropReason | null => w.check(counterHigh(c), counterLow(c));
const update = (w: ReplayWindow, c: number): ReplayDropReason | null => w.update(counterHigh(c), counterLow(c));
/** What the receive path does: check, "decrypt", update. */
const receive = (w: ReplayWindow, c: number): ReplayDropReason | null => check(w, c) ?? update(w, c);

test('a new window has 0, 1, 2 seen and highest 2; counter 3 is the first accepted (docs/PROTOCOL.md "Replay window")', () => {
  const w = new ReplayWindow();
  assert.equal(w.highest, 2);
  assert.equal(check(w, 0), DROP_REPLAY_DUPLICATE);
  assert.equal(check(w, 1), DROP_REPLAY_DUPLICATE);
  assert.equal(check(w, 2), DROP_REPLAY_DUPLICATE);
  assert.equal(update(w, 1), DROP_REPLAY_DUPLICATE);
  assert.equal(update(w, 2), DROP_REPLAY_DUPLICATE);
  assert.equal(receive(w, 3), null);
  assert.equal(w.highest, 3);
});

test('check() never changes the window', () => {
  const w = new ReplayWindow();
  assert.equal(check(w, 10), null);
  assert.equal(check(w, 10), null);
  assert.equal(w.highest, 2);
});

test('in-order counters are each accepted once', () => {
  const w = new ReplayWindow();
  for (let c = 3; c < 3000; c++) assert.equal(receive(w, c), null);
  for (const c of [3, 1000, 2998, 2999]) assert.notEqual(receive(w, c), null);
});

test('the observed +5000 jump scenario (docs/PROTOCOL.md "Replay window"): J-1023 once, J-1024 refused, J-1 once', () => {
  const w = new ReplayWindow();
  for (let c = 3; c <= 10; c++) assert.equal(receive(w, c), null);
  const J = 10 + 5000;
  assert.equal(receive(w, J), null, 'any forward jump is accepted');
  assert.equal(w.highest, J);
  assert.equal(check(w, J - 1023), null);
  assert.equal(update(w, J - 1023), null);
  assert.equal(check(w, J - 1023), DROP_REPLAY_DUPLICATE);
  assert.equal(check(w, J - 1024), DROP_REPLAY_TOO_OLD, 'a check refusal earns a recv_error');
  assert.equal(update(w, J - 1024), DROP_REPLAY_TOO_OLD);
  assert.equal(receive(w, J - 1), null);
  assert.equal(receive(w, J - 1), DROP_REPLAY_DUPLICATE);
  assert.equal(receive(w, J), DROP_REPLAY_DUPLICATE);
  assert.equal(receive(w, J + 1), null);
});

test('a small jump clears only the skipped slots, which then accept once', () => {
  const w = new ReplayWindow();
  for (let c = 3; c < 2000; c++) receive(w, c);
  assert.equal(receive(w, 2500), null);
  for (let c = 2000; c < 2500; c++) assert.equal(check(w, c), null, `skipped ${c}`);
  assert.equal(receive(w, 2100), null);
  assert.equal(receive(w, 2100), DROP_REPLAY_DUPLICATE);
  assert.equal(receive(w, 1999), DROP_REPLAY_DUPLICATE, 'still inside the window and seen');
  assert.equal(receive(w, 2500 - 1024), DROP_REPLAY_TOO_OLD);
});

test('after a big jump, a counter below 1024 passes check (its slot is clear) but update refuses it', () => {
  // Documented Check rule "or if c < 1024, accept if slot c mod 1024 is unset"; Update only
  // accepts inside the window. So this is decrypted, then dropped silently (no recv_error).
  const w = new ReplayWindow();
  receive(w, 5000);
  assert.equal(check(w, 5), null);
  assert.equal(update(w, 5), DROP_REPLAY_TOO_OLD);
  // the slot of 5000 (5000 mod 1024 = 904) aliases counter 904
  assert.equal(check(w, 904), DROP_REPLAY_DUPLICATE);
});

test('counters beyond 2^32 (and up to 2^64-1) work, including jumps across the 2^32 boundary', () => {
  const w = new ReplayWindow();
  const base = 2 ** 32 - 5;
  assert.equal(receive(w, base), null);
  for (let c = base + 1; c < base + 20; c++) assert.equal(receive(w, c), null, `c=${c}`);
  assert.equal(w.highestHi, 1);
  assert.equal(receive(w, base + 3), DROP_REPLAY_DUPLICATE);
  assert.equal(receive(w, base + 19 - 1024), DROP_REPLAY_TOO_OLD);
  assert.equal(receive(w, 2 ** 33 + 7), null);
  assert.equal(receive(w, 2 ** 33 + 7 - 1023), null);
  assert.equal(receive(w, 2 ** 33 + 7 - 1024), DROP_REPLAY_TOO_OLD);
  // the top of the u64 range via hi/lo
  assert.equal(w.check(0xffffffff, 0xffffffff), null);
  assert.equal(w.update(0xffffffff, 0xffffffff), null);
  assert.equal(w.check(0xffffffff, 0xffffffff), DROP_REPLAY_DUPLICATE);
  assert.equal(w.check(0xffffffff, 0xfffffbff), DROP_REPLAY_TOO_OLD);
  assert.equal(w.update(0xffffffff, 0xfffffc00), null);
  assert.equal(w.check(0, 100), null, 'below 1024: slot 100 is clear (documented Check rule)');
  assert.equal(w.update(0, 100), DROP_REPLAY_TOO_OLD);
});

test('reset() returns to the post-handshake state', () => {
  const w = new ReplayWindow();
  receive(w, 9000);
  w.reset();
  assert.equal(w.highest, 2);
  assert.equal(check(w, 3), null);
  assert.equal(check(w, 2), DROP_REPLAY_DUPLICATE);
});

// A Set-based model written straight from the prose of docs/PROTOCOL.md "Replay window": it remembers every
// accepted counter and the highest one, and knows nothing about rings.
class Model {
  current = 2n;
  readonly seen = new Set<bigint>([0n, 1n, 2n]);

  private inWindow(c: bigint): boolean {
    return this.current >= 1024n ? c > this.current - 1024n : c < 1024n;
  }

  check(c: bigint): ReplayDropReason | null {
    if (c > this.current) return null;
    if (this.current >= 1024n && c > this.current - 1024n) return this.seen.has(c) ? DROP_REPLAY_DUPLICATE : null;
    if (c < 1024n) {
      // The slot of c mod 1024 belongs to the window counter congruent to c.
      const w = this.current - ((this.current - c) % 1024n);
      return this.seen.has(w) ? DROP_REPLAY_DUPLICATE : null;
    }
    return DROP_REPLAY_TOO_OLD;
  }

  update(c: bigint): ReplayDropReason | null {
    if (c > this.current) {
      this.current = c;
      this.seen.add(c);
      return null;
    }
    if (!this.inWindow(c)) return DROP_REPLAY_TOO_OLD;
    if (this.seen.has(c)) return DROP_REPLAY_DUPLICATE;
    this.seen.add(c);
    return null;
  }
}

const MAX_U64 = 2n ** 64n - 1n;
const hiOf = (c: bigint): number => Number(c >> 32n);
const loOf = (c: bigint): number => Number(c & 0xffffffffn);

/** Counter streams near interesting bases: mostly small steps, some replays, some jumps. */
const streams = fc
  .tuple(
    fc.constantFrom(0n, 900n, 2n ** 32n - 3000n, 2n ** 53n - 1500n, MAX_U64 - 6000n),
    fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: -1100, max: 40 }).map((d) => ({ rel: true, d: BigInt(d) })) },
        { weight: 1, arbitrary: fc.integer({ min: 1000, max: 3000 }).map((d) => ({ rel: true, d: BigInt(d) })) },
        { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 1100n }).map((d) => ({ rel: false, d })) },
      ),
      { minLength: 1, maxLength: 400 },
    ),
  );

test('property: ReplayWindow agrees with the Set model on check and update over the u64 range', () => {
  fc.assert(
    fc.property(streams, ([base, steps]) => {
      const w = new ReplayWindow();
      const m = new Model();
      for (const s of steps) {
        let c = s.rel ? m.current + s.d : base + s.d;
        if (c < 0n) c = 0n;
        if (c > MAX_U64) c = MAX_U64;
        const got = w.check(hiOf(c), loOf(c));
        assert.equal(got, m.check(c), `check ${c} (highest ${m.current})`);
        if (got === null) assert.equal(w.update(hiOf(c), loOf(c)), m.update(c), `update ${c} (highest ${m.current})`);
        assert.equal(BigInt(w.highestHi) * 2n ** 32n + BigInt(w.highestLo), m.current);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: update without a prior check also agrees with the model', () => {
  fc.assert(
    fc.property(streams, ([base, steps]) => {
      const w = new ReplayWindow();
      const m = new Model();
      for (const s of steps) {
        let c = s.rel ? m.current + s.d : base + s.d;
        if (c < 0n) c = 0n;
        if (c > MAX_U64) c = MAX_U64;
        assert.equal(w.update(hiOf(c), loOf(c)), m.update(c), `update ${c}`);
      }
    }),
    { numRuns: 200 },
  );
});

test('advanceTo(c) refuses every counter up to c and keeps what is above, from any starting point', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 3, max: 6000 }), { maxLength: 40 }),
    fc.integer({ min: 0, max: 6000 }),
    fc.array(fc.integer({ min: 0, max: 8000 }), { minLength: 1, maxLength: 60 }),
    (before, target, after) => {
      const w = new ReplayWindow();
      const accepted = new Set<number>([0, 1, 2]);
      for (const c of before) if (receive(w, c) === null) accepted.add(c);
      const highestBefore = w.highest;
      w.advanceTo(counterHigh(target), counterLow(target));
      assert.equal(w.highest, Math.max(highestBefore, target));
      for (const c of after) {
        const above = c > w.highest;
        const r = receive(w, c);
        if (c <= target || accepted.has(c)) assert.notEqual(r, null, `counter ${c} accepted after advanceTo(${target})`);
        // Above the highest (so above the target too): a counter is new.
        else if (above) assert.equal(r, null, `counter ${c} refused above the highest`);
        if (r === null) accepted.add(c);
      }
    },
  ));
});
