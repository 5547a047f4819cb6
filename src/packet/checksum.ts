// RFC 1071 Internet checksum. Sums here are ones'-complement sums of big-endian
// 16-bit words, folded to 16 bits but not complemented; `finish` complements.
import { native, nativeAvailable } from '../native.js';
import { rangesOverlap } from './bytes.js';
import { HOST_LITTLE_ENDIAN } from './host-endian.js';

/** Folds a non-negative sum (exact integer below 2^53) to 16 bits with end-around carry. */
export function fold(sum: number): number {
  let s = sum;
  // Beyond int32 range the bit operators would truncate; divide instead (not %, which
  // is a slow library call on doubles). At most two rounds from 2^53.
  while (s > 0x7fffffff) {
    const high = Math.floor(s / 0x10000);
    s = s - high * 0x10000 + high;
  }
  s = (s & 0xffff) + (s >>> 16);
  return (s & 0xffff) + (s >>> 16);
}

/** The value stored in a header checksum field: the complement of the folded sum. */
export function finish(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/** Plain RFC 1071 sum of buf[off, off+len) plus `initial`; the oracle that sum16 is tested against. */
export function checksumReference(buf: Uint8Array, off: number, len: number, initial = 0): number {
  // Kept obviously correct rather than fast: an odd trailing byte is the high byte of a zero-padded word.
  let s = initial;
  const end = off + len;
  let i = off;
  for (; i + 1 < end; i += 2) s += buf[i] * 256 + buf[i + 1];
  if (i < end) s += buf[i] * 256;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

// Below this length the word-view setup costs more than it saves (measured).
const SMALL_LEN = 64;
// Each accumulator adds u32 words as float64; 2^20 words of < 2^32 stay below 2^53, so exact.
const WORDS_PER_CHUNK = 1 << 20;

// Two-entry cache keyed by the ArrayBuffer: packets of a batch share one receive
// buffer, and a forwarder alternates between two (receive buffer and segment
// arena: a one-entry cache reallocated a view on every call there, measured ~5%),
// so a call normally reuses a word view instead of allocating one. The last
// Uint8Array of each entry is remembered too because reading `.buffer` is a slow
// getter; the word count is re-checked so a grown (resizable) buffer gets a fresh view.
let bytesA: Uint8Array | null = null;
let bufferA: ArrayBufferLike | null = null;
let wordsA: Uint32Array = new Uint32Array(0);
let bytesB: Uint8Array | null = null;
let bufferB: ArrayBufferLike | null = null;
let wordsB: Uint32Array = new Uint32Array(0);

function wordsOver(buf: Uint8Array, endWord: number): Uint32Array {
  if (buf === bytesA && endWord <= wordsA.length) return wordsA;
  if (buf === bytesB && endWord <= wordsB.length) {
    // Most recent first.
    const b = bytesB;
    const ab = bufferB;
    const w = wordsB;
    bytesB = bytesA;
    bufferB = bufferA;
    wordsB = wordsA;
    bytesA = b;
    bufferA = ab;
    wordsA = w;
    return w;
  }
  const ab = buf.buffer;
  let w: Uint32Array;
  if (ab === bufferA && endWord <= wordsA.length) w = wordsA;
  else if (ab === bufferB && endWord <= wordsB.length) w = wordsB;
  else w = new Uint32Array(ab, 0, ab.byteLength >>> 2);
  if (ab !== bufferA) {
    bytesB = bytesA;
    bufferB = bufferA;
    wordsB = wordsA;
  }
  bytesA = buf;
  bufferA = ab;
  wordsA = w;
  return w;
}

function swap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

// Big-endian word sum of len bytes from start, unfolded (callers keep len small).
// Two accumulators per 4 bytes measured ~20% faster than one per 2 bytes.
function sumBytes(buf: Uint8Array, start: number, len: number): number {
  let s = 0;
  let t = 0;
  const end = start + len;
  let i = start;
  for (; i + 3 < end; i += 4) {
    s += (buf[i] << 8) | buf[i + 1];
    t += (buf[i + 2] << 8) | buf[i + 3];
  }
  for (; i + 1 < end; i += 2) s += (buf[i] << 8) | buf[i + 1];
  if (i < end) s += buf[i] << 8;
  return s + t;
}

// Folded sum of `count` host-order u32 words. Four independent accumulators keep
// the float adds from waiting on each other; the 16-way unroll was fastest measured.
function sumWords(w: Uint32Array, start: number, count: number): number {
  let total = 0;
  let i = start;
  const end = start + count;
  while (i < end) {
    const stop = Math.min(end, i + WORDS_PER_CHUNK);
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (; i + 16 <= stop; i += 16) {
      a += w[i] + w[i + 4] + w[i + 8] + w[i + 12];
      b += w[i + 1] + w[i + 5] + w[i + 9] + w[i + 13];
      c += w[i + 2] + w[i + 6] + w[i + 10] + w[i + 14];
      d += w[i + 3] + w[i + 7] + w[i + 11] + w[i + 15];
    }
    for (; i < stop; i++) a += w[i];
    total = fold(total + a + b + c + d);
  }
  return total;
}

// From this length on the native sum wins despite its call cost (measured: 1448
// bytes 122 ns native vs 241 ns sum16Js; below ~256 bytes the call overhead eats the gain).
const NATIVE_MIN_LEN = 256;
const nativeSum = nativeAvailable ? native.checksumSum : null;

/**
 * Fast RFC 1071 sum with the same contract and results as checksumReference:
 * native/checksum.c for long ranges when the addon is built, sum16Js otherwise.
 */
export function sum16(buf: Uint8Array, off: number, len: number, initial = 0): number {
  if (len >= NATIVE_MIN_LEN && nativeSum !== null) {
    const s = nativeSum(buf, off, len);
    if (s >= 0) return fold(s + initial);
  }
  return sum16Js(buf, off, len, initial);
}

/** The TypeScript fast sum (word views, unrolled), same contract as checksumReference; sum16 uses it without the addon. */
export function sum16Js(buf: Uint8Array, off: number, len: number, initial = 0): number {
  if (len < SMALL_LEN) return fold(sumBytes(buf, off, len) + initial);
  const abs = buf.byteOffset + off;
  // Bytes before the first 4-byte-aligned address; they sit at even/odd word positions from off.
  const head = (4 - (abs & 3)) & 3;
  const count = (len - head) >>> 2;
  const tail = head + count * 4;
  let s = sumBytes(buf, off, head);
  const first = (abs + head) >>> 2;
  let words = sumWords(wordsOver(buf, first + count), first, count);
  // A little-endian word sum is the byte-swapped big-endian sum, and a run starting
  // at an odd offset from off is byte-swapped too; two swaps cancel.
  if (HOST_LITTLE_ENDIAN !== ((head & 1) === 1)) words = swap16(words);
  s += words;
  let rest = sumBytes(buf, off + tail, len - tail);
  if (tail & 1) rest = swap16(fold(rest));
  return fold(s + rest + initial);
}

/** Folded sum of the IPv4 pseudo-header (src, dst, protocol, L4 length) of the header at ipOff; usable as `initial`. */
export function pseudoHeaderSumV4(buf: Uint8Array, ipOff: number, proto: number, l4Len: number): number {
  // Source and destination are the 8 bytes at offset 12 (RFC 791).
  return fold(sumBytes(buf, ipOff + 12, 8) + proto + l4Len);
}

/** Folded sum of the IPv6 pseudo-header (src, dst, 32-bit L4 length, next header) of the header at ipOff; usable as `initial`. */
export function pseudoHeaderSumV6(buf: Uint8Array, ipOff: number, proto: number, l4Len: number): number {
  // Source and destination are the 32 bytes at offset 8 (RFC 8200 section 8.1).
  return fold(sumBytes(buf, ipOff + 8, 32) + proto + (l4Len >>> 16) + (l4Len & 0xffff));
}

const nativePieces = nativeAvailable ? native.checksumPieces : null;

/**
 * Cuts src[srcOff, +total) into pieceLen-byte pieces (the last may be shorter)
 * and stores piece i's folded sum in sums[i]. With dst, piece i is first
 * copied to dst[dstOff + i * dstStride], right after a copy of
 * src[prefixOff, +prefixLen) (a header template; not summed). Returns the piece
 * count. One native call for all of a superpacket's segments, where a header
 * copy, a payload copy and a sum per segment cost a JS loop, two calls and, on
 * Node 20, a view allocation for Buffer.copy.
 * Throws RangeError for a range outside its buffer, more pieces than sums
 * holds, dstStride < prefixLen + pieceLen, a prefix without dst, or copies that
 * would overlap the source.
 */
export function sumPieces(
  src: Buffer, srcOff: number, pieceLen: number, total: number, sums: Int32Array,
  dst: Buffer | null, dstOff: number, dstStride: number, prefixOff = 0, prefixLen = 0,
): number {
  if (nativePieces !== null) {
    const n = nativePieces(src, srcOff, pieceLen, total, sums, dst, dstOff, dstStride, prefixOff, prefixLen);
    if (n < 0) throw piecesError(srcOff, total, pieceLen, dstOff, dstStride);
    return n;
  }
  return sumPiecesJs(src, srcOff, pieceLen, total, sums, dst, dstOff, dstStride, prefixOff, prefixLen);
}

function piecesError(srcOff: number, total: number, pieceLen: number, dstOff: number, dstStride: number): RangeError {
  return new RangeError(`sumPieces: bad ranges (src ${srcOff}+${total}, piece ${pieceLen}, dst ${dstOff} stride ${dstStride})`);
}

/** sumPieces without the addon: the same checks, then copies and a sum16Js per piece. */
export function sumPiecesJs(
  src: Buffer, srcOff: number, pieceLen: number, total: number, sums: Int32Array,
  dst: Buffer | null, dstOff: number, dstStride: number, prefixOff = 0, prefixLen = 0,
): number {
  const count = total === 0 ? 0 : Math.ceil(total / pieceLen);
  const last = total - (count - 1) * pieceLen;
  const bad = !Number.isInteger(srcOff) || !Number.isInteger(total) || !(pieceLen >= 1) || srcOff < 0 || total < 0
    || srcOff + total > src.length || count > sums.length
    || prefixLen < 0 || (prefixLen > 0 && (dst === null || prefixOff < 0 || prefixOff + prefixLen > src.length));
  if (bad) throw piecesError(srcOff, total, pieceLen, dstOff, dstStride);
  if (dst !== null && count > 0) {
    const begin = dstOff - prefixLen;
    const span = dstOff + (count - 1) * dstStride + last - begin;
    if (begin < 0 || dstStride < pieceLen + prefixLen || begin + span > dst.length
      || rangesOverlap(src, srcOff, total, dst, begin, span)
      || (prefixLen > 0 && rangesOverlap(src, prefixOff, prefixLen, dst, begin, span))) {
      throw piecesError(srcOff, total, pieceLen, dstOff, dstStride);
    }
  }
  for (let i = 0; i < count; i++) {
    const at = srcOff + i * pieceLen;
    const n = i === count - 1 ? last : pieceLen;
    if (dst === null) {
      sums[i] = sum16Js(src, at, n);
      continue;
    }
    const to = dstOff + i * dstStride;
    if (prefixLen > 0) src.copy(dst, to - prefixLen, prefixOff, prefixOff + prefixLen);
    src.copy(dst, to, at, at + n);
    sums[i] = sum16Js(dst, to, n);
  }
  return count;
}
