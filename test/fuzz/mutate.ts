// Byte-level mutations of valid inputs, as a coverage-guided fuzzer would make
// them but drawn by fast-check (so failures shrink): flip a bit, overwrite a
// byte or a 16/32-bit word with a boundary value, truncate, extend, insert,
// delete, duplicate a range, or splice in a dictionary token (e.g. a
// low-order X25519 point where a key sits).
import fc from 'fast-check';

/** One edit; positions are taken modulo the current length when applied. */
export type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'byte'; readonly at: number; readonly value: number }
  | { readonly op: 'word'; readonly at: number; readonly value: number; readonly width: 2 | 4; readonly le: boolean }
  | { readonly op: 'truncate'; readonly keep: number }
  | { readonly op: 'extend'; readonly bytes: Uint8Array }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly n: number }
  | { readonly op: 'dup'; readonly at: number; readonly n: number }
  | { readonly op: 'token'; readonly at: number; readonly token: number; readonly overwrite: boolean };

/** Byte values at field boundaries (0, sign bits, all ones, IP version/IHL bytes). */
export const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x05, 0x06, 0x11, 0x40, 0x45, 0x60, 0x7f, 0x80, 0xfe, 0xff] as const;
/** 16-bit values at boundaries: 0, 1, sign bit, all ones, header lengths, a typical MSS. */
export const INTERESTING_U16 = [0, 1, 8, 16, 20, 28, 40, 48, 60, 120, 1448, 0x7fff, 0x8000, 0xfffe, 0xffff] as const;
/** 32-bit values at boundaries. */
export const INTERESTING_U32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff] as const;

// Headers sit at the front, so positions favour the first 128 bytes.
const position = fc.oneof({ weight: 2, arbitrary: fc.nat({ max: 127 }) }, { weight: 1, arbitrary: fc.nat({ max: 1 << 20 }) });

/** An arbitrary single mutation; `tokens` is the dictionary size for 'token' edits (0: none). */
export function mutation(tokens = 0, maxInsert = 64): fc.Arbitrary<Mutation> {
  const arbs: fc.Arbitrary<Mutation>[] = [
    fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
    fc.record({ op: fc.constant('byte' as const), at: position, value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat({ max: 255 })) }),
    fc.oneof(
      fc.record({ op: fc.constant('word' as const), at: position, value: fc.oneof(fc.constantFrom(...INTERESTING_U16), fc.nat({ max: 0xffff })), width: fc.constant(2 as const), le: fc.boolean() }),
      fc.record({ op: fc.constant('word' as const), at: position, value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.nat({ max: 0xffffffff })), width: fc.constant(4 as const), le: fc.boolean() }),
    ),
    fc.record({ op: fc.constant('truncate' as const), keep: position }),
    fc.record({ op: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: maxInsert }) }),
    fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: maxInsert }) }),
    fc.record({ op: fc.constant('delete' as const), at: position, n: fc.integer({ min: 1, max: maxInsert }) }),
    fc.record({ op: fc.constant('dup' as const), at: position, n: fc.integer({ min: 1, max: maxInsert }) }),
  ];
  if (tokens > 0) {
    arbs.push(fc.record({ op: fc.constant('token' as const), at: position, token: fc.nat({ max: tokens - 1 }), overwrite: fc.boolean() }));
  }
  return fc.oneof(...arbs);
}

/** 1..maxCount mutations, applied in order. */
export function mutations(opts: { tokens?: number; maxCount?: number; maxInsert?: number } = {}): fc.Arbitrary<Mutation[]> {
  return fc.array(mutation(opts.tokens ?? 0, opts.maxInsert ?? 64), { minLength: 1, maxLength: opts.maxCount ?? 4 });
}

/** `base` with the mutations applied (a new array; `base` is not changed). */
export function applyMutations(base: Uint8Array, muts: readonly Mutation[], dictionary: readonly Uint8Array[] = []): Uint8Array {
  let b: Uint8Array = Uint8Array.from(base);
  for (const m of muts) b = applyOne(b, m, dictionary);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function applyOne(b: Uint8Array, m: Mutation, dictionary: readonly Uint8Array[]): Uint8Array {
  const len = b.length;
  switch (m.op) {
    case 'flip':
      if (len > 0) b[m.at % len]! ^= 1 << m.bit;
      return b;
    case 'byte':
      if (len > 0) b[m.at % len] = m.value;
      return b;
    case 'word': {
      if (len < m.width) return b;
      const at = m.at % (len - m.width + 1);
      for (let i = 0; i < m.width; i++) {
        const shift = 8 * (m.le ? i : m.width - 1 - i);
        b[at + i] = Math.floor(m.value / 2 ** shift) & 0xff;
      }
      return b;
    }
    case 'truncate':
      return b.slice(0, m.keep % (len + 1));
    case 'extend':
      return concat(b, m.bytes);
    case 'insert': {
      const at = m.at % (len + 1);
      return concat(b.subarray(0, at), m.bytes, b.subarray(at));
    }
    case 'delete': {
      if (len === 0) return b;
      const at = m.at % len;
      return concat(b.subarray(0, at), b.subarray(Math.min(len, at + m.n)));
    }
    case 'dup': {
      if (len === 0) return b;
      const at = m.at % len;
      const piece = b.slice(at, Math.min(len, at + m.n));
      return concat(b.subarray(0, at), piece, b.subarray(at));
    }
    case 'token': {
      const t = dictionary[m.token % dictionary.length];
      if (t === undefined) return b;
      const at = m.at % (len + 1);
      if (!m.overwrite) return concat(b.subarray(0, at), t, b.subarray(at));
      const out = len >= at + t.length ? b : concat(b, new Uint8Array(at + t.length - len));
      out.set(t, at);
      return out;
    }
  }
}
