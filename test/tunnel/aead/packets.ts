// Test fixtures: Nebula data packets laid out in one buffer at random gaps,
// with headers written by hand from docs/PROTOCOL.md "Header" (not by the code under test).
import fc from 'fast-check';
import { AeadBatch, type CipherName } from '../../../src/tunnel/aead/index.js';
import { seededBytes } from '../../../kit/random.js';

/** Header length and per-packet overhead, restated from docs/PROTOCOL.md "Numbers at a glance" so a wrong constant in src is caught. */
export const HDR = 16;
/** Tag length. */
export const TAG = 16;

/** One packet to lay out. */
export interface PacketSpec {
  /** Plaintext length. */
  len: number;
  /** Header message counter (u64). */
  counter: bigint;
  /** Header remote index (u32). */
  index: number;
  /** Free bytes before the packet. */
  gap: number;
  /** Seeds the plaintext bytes. */
  seed: number;
}

/** Plaintext lengths 0..9000 (nebula's 9001-byte receive buffer), weighted towards the edges and MTU sizes. */
export const lenArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 9000 }),
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: 1250, max: 1450 }),
  fc.constantFrom(0, 1, 15, 16, 17, 8999, 9000),
);

/** Any u64 counter, with the 2^32 boundary and the post-handshake start (3) likely. */
export const counterArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: (1n << 32n) - 4n, max: (1n << 32n) + 4n }),
  fc.constantFrom(3n, 0n, (1n << 64n) - 1n),
);

/** A random packet spec. */
export const packetArb: fc.Arbitrary<PacketSpec> = fc.record({
  len: lenArb,
  counter: counterArb,
  index: fc.integer({ min: 0, max: 0xffffffff }),
  gap: fc.integer({ min: 0, max: 40 }),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
});

/** Both ciphers. */
export const cipherArb: fc.Arbitrary<CipherName> = fc.constantFrom('aes' as const, 'chachapoly' as const);

/** Deterministic bytes from a seed (xorshift32). */
export const pattern: (len: number, seed: number) => Uint8Array = seededBytes;

/** Writes a message header (type 1, subtype 0) with a big-endian index and counter. */
export function writeHeader(buf: Uint8Array, off: number, index: number, counter: bigint): void {
  buf[off] = 0x11;
  buf[off + 1] = 0;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  for (let i = 0; i < 4; i++) buf[off + 4 + i] = (index >>> (24 - 8 * i)) & 0xff;
  for (let i = 0; i < 8; i++) buf[off + 8 + i] = Number((counter >> BigInt(56 - 8 * i)) & 0xffn);
}

/** Packets laid out for an in-place seal: header || plaintext || tag room, gaps filled with 0xee. */
export interface Layout {
  buf: Uint8Array;
  offs: number[];
  plains: Uint8Array[];
  specs: PacketSpec[];
}

/** Lays the specs out back to back after their gaps, with `tail` spare bytes at the end. */
export function layout(specs: readonly PacketSpec[], tail = 0): Layout {
  const total = specs.reduce((s, p) => s + p.gap + HDR + p.len + TAG, 0) + tail;
  const buf = new Uint8Array(total).fill(0xee);
  const offs: number[] = [];
  const plains: Uint8Array[] = [];
  let at = 0;
  for (const p of specs) {
    at += p.gap;
    offs.push(at);
    writeHeader(buf, at, p.index, p.counter);
    const plain = pattern(p.len, p.seed);
    buf.set(plain, at + HDR);
    plains.push(plain);
    at += HDR + p.len + TAG;
  }
  return { buf, offs, plains, specs: [...specs] };
}

/** An in-place batch over buf: for seal lens = plaintext lengths, for open lens = sealed lengths. */
export function batchFor(l: Layout, op: 'seal' | 'open', buf: Uint8Array = l.buf): AeadBatch {
  const b = new AeadBatch(Math.max(1, l.specs.length)).reset(buf);
  l.specs.forEach((p, i) => b.add(l.offs[i]!, op === 'seal' ? p.len : HDR + p.len + TAG));
  return b;
}

/** Hex of a byte range, for readable assertion failures. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
