// `npm run bench:aead -- [--json]`
// ns per 1400-byte packet: the native batch AEAD (one call per 64 packets, one
// reused context) on its default path (OpenSSL's provider functions called
// directly) and through OpenSSL's EVP layer, next to node:crypto with one
// cipher object per packet (ReferenceAead), both ciphers, seal and open,
// measured side by side in one run. Every row is the same OpenSSL, so the
// Node and OpenSSL versions printed with the table say which cipher code ran.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  AEAD_PATH, AeadBatch, BatchAead, type CipherName, HEADER_LEN, OVERHEAD, type PacketAead, ReferenceAead,
} from '../src/tunnel/aead/index.js';
import { runtimeLine, withRuntime } from './lib/runtime.js';

/** native: BatchAead's default path; evp: BatchAead through OpenSSL's EVP layer; node: node:crypto. */
type Impl = 'native' | 'evp' | 'node';

function makeAead(cipher: CipherName, key: Uint8Array, dir: 'seal' | 'open', impl: Impl): PacketAead {
  if (impl === 'node') return new ReferenceAead(cipher, key, dir);
  return new BatchAead(cipher, key, dir, impl === 'evp' ? AEAD_PATH.evp : AEAD_PATH.auto);
}

/** Plaintext per packet: a full inner packet at a 1400-byte tun MTU (nebula's default 1300 is close). */
const PACKET_LEN = 1400;
/** Packets per native call: one TUN read batch (native/io.c reads up to 64). */
const BATCH = 64;
/** Samples per row; the median of 7 ignores up to three outliers each way. */
const SAMPLES = 7;
/** Length of one timed sample. */
const SAMPLE_MS = 200;
/** Untimed warm-up so that the JIT and OpenSSL's tables are hot. */
const WARMUP_MS = 300;

interface Row {
  cipher: CipherName;
  op: 'seal' | 'open';
  impl: Impl;
  /** Seals or opens one batch; returns the packets processed. */
  unit: () => number;
}

/** A buffer of BATCH packets, each header(16) || 1400 bytes || tag room, with counters 3, 4, ... */
function packets(): Uint8Array {
  const stride = PACKET_LEN + OVERHEAD;
  const buf = randomBytes(BATCH * stride);
  for (let i = 0; i < BATCH; i++) {
    const at = i * stride;
    buf.fill(0, at, at + HEADER_LEN);
    buf[at] = 0x11; // version 1, type message (docs/PROTOCOL.md "Header")
    buf.writeUInt32BE(0x01020304, at + 4);
    buf.writeBigUInt64BE(BigInt(3 + i), at + 8);
  }
  return buf;
}

function sealRow(cipher: CipherName, key: Uint8Array, impl: Impl): Row {
  const aead = makeAead(cipher, key, 'seal', impl);
  const batch = new AeadBatch(BATCH).reset(packets());
  for (let i = 0; i < BATCH; i++) batch.add(i * (PACKET_LEN + OVERHEAD), PACKET_LEN);
  // Sealing in place again re-encrypts the ciphertext: the same work as fresh plaintext.
  return { cipher, op: 'seal', impl, unit: () => aead.seal(batch) };
}

function openRow(cipher: CipherName, key: Uint8Array, impl: Impl): Row {
  // Opening in place would destroy the packets after one pass; opening into a
  // separate buffer keeps every iteration authentic.
  const sealed = packets();
  const stride = PACKET_LEN + OVERHEAD;
  const sealing = new AeadBatch(BATCH).reset(sealed);
  for (let i = 0; i < BATCH; i++) sealing.add(i * stride, PACKET_LEN);
  new BatchAead(cipher, key, 'seal').seal(sealing);
  const aead = makeAead(cipher, key, 'open', impl);
  const batch = new AeadBatch(BATCH).reset(new Uint8Array(BATCH * stride), sealed);
  for (let i = 0; i < BATCH; i++) batch.addFrom(i * stride, stride, i * stride);
  return {
    cipher, op: 'open', impl,
    unit: () => {
      if (aead.open(batch) !== BATCH) throw new Error(`${impl} ${cipher}: a packet failed to authenticate`);
      return BATCH;
    },
  };
}

/** ns per packet of one timed sample of `ms` milliseconds. */
function sampleNs(unit: () => number, ms: number): number {
  const limit = BigInt(ms) * 1_000_000n;
  const start = process.hrtime.bigint();
  let n = 0;
  let elapsed = 0n;
  do {
    for (let i = 0; i < 4; i++) n += unit();
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return Number(elapsed) / n;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >>> 1]!;
}

function ns(results: ReadonlyMap<Row, number>, cipher: CipherName, op: string, impl: string): number {
  for (const [r, v] of results) if (r.cipher === cipher && r.op === op && r.impl === impl) return v;
  throw new Error(`no row ${cipher} ${op} ${impl}`);
}

function table(results: ReadonlyMap<Row, number>): string {
  const lines = [
    `${'cipher'.padEnd(11)} ${'op'.padEnd(5)} ${'native ns'.padStart(10)} ${'evp ns'.padStart(11)} ${'node ns'.padStart(10)} ` +
      `${'evp/native'.padStart(15)} ${'node/native'.padStart(12)} ${'native Gbit/s'.padStart(14)}`,
  ];
  for (const cipher of ['aes', 'chachapoly'] as const) {
    for (const op of ['seal', 'open'] as const) {
      const nat = ns(results, cipher, op, 'native');
      const evp = ns(results, cipher, op, 'evp');
      const node = ns(results, cipher, op, 'node');
      const gbps = (PACKET_LEN * 8) / nat;
      lines.push(
        `${cipher.padEnd(11)} ${op.padEnd(5)} ${nat.toFixed(0).padStart(10)} ${evp.toFixed(0).padStart(11)} ${node.toFixed(0).padStart(10)} ` +
          `${`${(evp / nat).toFixed(2)}x`.padStart(15)} ${`${(node / nat).toFixed(2)}x`.padStart(12)} ${gbps.toFixed(2).padStart(14)}`,
      );
    }
  }
  lines.push('native = the default path, OpenSSL\'s provider functions called directly; evp = the same cipher through EVP');
  lines.push(runtimeLine());
  lines.push(`(${PACKET_LEN}-byte plaintext per packet, native batches of ${BATCH}, median of ${SAMPLES} x ${SAMPLE_MS} ms, one core)`);
  return lines.join('\n');
}

function json(results: ReadonlyMap<Row, number>): string {
  const r = (c: CipherName, op: string, impl: string): number => Math.round(ns(results, c, op, impl));
  return JSON.stringify(withRuntime({
    aes_native_ns: r('aes', 'seal', 'native'),
    aes_evp_ns: r('aes', 'seal', 'evp'),
    aes_node_ns: r('aes', 'seal', 'node'),
    chacha_native_ns: r('chachapoly', 'seal', 'native'),
    chacha_evp_ns: r('chachapoly', 'seal', 'evp'),
    chacha_node_ns: r('chachapoly', 'seal', 'node'),
    aes_native_open_ns: r('aes', 'open', 'native'),
    aes_evp_open_ns: r('aes', 'open', 'evp'),
    aes_node_open_ns: r('aes', 'open', 'node'),
    chacha_native_open_ns: r('chachapoly', 'open', 'native'),
    chacha_evp_open_ns: r('chachapoly', 'open', 'evp'),
    chacha_node_open_ns: r('chachapoly', 'open', 'node'),
  }));
}

function main(): number {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { json: { type: 'boolean', default: false } }, strict: true });
  const rows: Row[] = [];
  for (const cipher of ['aes', 'chachapoly'] as const) {
    const key = randomBytes(32);
    for (const impl of ['native', 'evp', 'node'] as const) rows.push(sealRow(cipher, key, impl), openRow(cipher, key, impl));
  }
  for (const row of rows) sampleNs(row.unit, WARMUP_MS);
  // Rounds interleave the rows so that clock or thermal drift hits all of them alike.
  const samples = rows.map(() => [] as number[]);
  for (let round = 0; round < SAMPLES; round++) {
    process.stderr.write(`round ${round + 1}/${SAMPLES}\n`);
    rows.forEach((row, i) => samples[i]!.push(sampleNs(row.unit, SAMPLE_MS)));
  }
  const results = new Map(rows.map((row, i) => [row, median(samples[i]!)] as const));
  console.log(table(results));
  if (values.json) console.log(json(results));
  return 0;
}

try {
  process.exitCode = main();
} catch (e: unknown) {
  process.stderr.write(`bench:aead: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
