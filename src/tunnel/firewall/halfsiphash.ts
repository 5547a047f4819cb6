// HalfSipHash-2-4 with a 32-bit tag: SipHash (Aumasson & Bernstein, "SipHash: a fast short-input
// PRF", 2012) on 32-bit lanes, as specified by the reference repository github.com/veorq/SipHash
// (halfsiphash). A keyed PRF: without the 64-bit key, nobody can choose inputs whose hashes collide,
// which is what a hash table fed by untrusted peers needs (the Linux kernel keys its hash tables
// against flooding with the same construction, hsiphash). Written from the specification; the tests
// check it against the reference repository's vectors (test/tunnel/firewall/halfsiphash.test.ts).
//
// JS runs these as int32 operations: additions wrap with `| 0`, rotations are shift pairs, no
// Math.imul, and nothing allocates, so it can run per packet.

/** Initialisation constants of HalfSipHash's v2 and v3 ("lyge", "tedb": the low words of SipHash's). */
const INIT_V2 = 0x6c796765;
const INIT_V3 = 0x74656462;
/** Finalisation marker xored into v2 for a 32-bit tag (halfsiphash, outlen 4). */
const FINAL_32 = 0xff;
/** Last block of a 16-byte message: its length in the top byte, no leftover bytes. */
const LAST_BLOCK_16 = (16 << 24) | 0;
/** Last block of a 4-byte message. */
const LAST_BLOCK_4 = (4 << 24) | 0;

/**
 * HalfSipHash-c-d of msg under an 8-byte key, as the reference defines it over bytes (little-endian
 * words, length in the top byte of the last block); returns the 32-bit tag as the u32 that the tag's
 * 4 little-endian bytes encode. The general form, for known-answer tests and any non-hot use.
 */
export function halfSipHash(key: Uint8Array, msg: Uint8Array, cRounds = 2, dRounds = 4): number {
  const k0 = le32(key, 0);
  const k1 = le32(key, 4);
  let v0 = k0;
  let v1 = k1;
  let v2 = k0 ^ INIT_V2;
  let v3 = k1 ^ INIT_V3;
  const whole = msg.length - (msg.length & 3);
  let last = (msg.length << 24) | 0;
  for (let at = 0; at <= whole; at += 4) {
    let m: number;
    if (at < whole) {
      m = le32(msg, at);
    } else {
      // Leftover bytes go in the low bytes of the last block, below the length.
      for (let b = whole; b < msg.length; b++) last |= (msg[b] as number) << (8 * (b - whole));
      m = last;
    }
    v3 ^= m;
    for (let r = 0; r < cRounds; r++) {
      v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
      v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
      v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
      v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
    }
    v0 ^= m;
  }
  v2 ^= FINAL_32;
  for (let r = 0; r < dRounds; r++) {
    v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
    v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
    v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  }
  return (v1 ^ v3) >>> 0;
}

/**
 * HalfSipHash-2-4 of the 16 bytes that words w0..w3 encode little-endian, under the key (k0, k1)
 * (its two little-endian words): halfSipHash for that message, unrolled for the per-packet path.
 */
export function halfSipHash4(k0: number, k1: number, w0: number, w1: number, w2: number, w3: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = k0 ^ INIT_V2;
  let v3 = k1 ^ INIT_V3;
  let m = w0 | 0;
  // Five compression blocks (four words, then the length block), two rounds each.
  for (let block = 0; block < 5; block++) {
    v3 ^= m;
    for (let r = 0; r < 2; r++) {
      v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
      v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
      v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
      v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
    }
    v0 ^= m;
    m = block === 0 ? w1 | 0 : block === 1 ? w2 | 0 : block === 2 ? w3 | 0 : LAST_BLOCK_16;
  }
  v2 ^= FINAL_32;
  for (let r = 0; r < 4; r++) {
    v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
    v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
    v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  }
  return (v1 ^ v3) >>> 0;
}

/** HalfSipHash-2-4 of the 4 bytes that w encodes little-endian, under the key (k0, k1). */
export function halfSipHash1(k0: number, k1: number, w: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = k0 ^ INIT_V2;
  let v3 = k1 ^ INIT_V3;
  let m = w | 0;
  for (let block = 0; block < 2; block++) {
    v3 ^= m;
    for (let r = 0; r < 2; r++) {
      v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
      v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
      v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
      v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
    }
    v0 ^= m;
    m = LAST_BLOCK_4;
  }
  v2 ^= FINAL_32;
  for (let r = 0; r < 4; r++) {
    v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
    v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
    v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  }
  return (v1 ^ v3) >>> 0;
}

/** The little-endian u32 (as int32) at b[at..at+4). */
function le32(b: Uint8Array, at: number): number {
  return (b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24);
}
