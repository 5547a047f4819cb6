// A fast, unkeyed hash of a packet's flow key, for tables and sets that
// compare the key bytes (or tolerate a collision) after the hash matches.
// Not for anything a sender could aim at: it is not keyed.
import { readU32BE } from './bytes.js';
import { IPV4_DST, IPV4_SRC } from './ipv4.js';
import { IPV6_HEADER_LEN, IPV6_SRC } from './ipv6.js';

/** Multiplier: 2^32 / golden ratio, the usual odd constant of multiplicative hashing (Knuth, TAOCP 6.4). */
const GOLDEN = 0x9e3779b1;

/** Mixes one more 32-bit word into hash h. */
export function mixHash(h: number, word: number): number {
  const x = Math.imul(h ^ word, GOLDEN);
  return x ^ (x >>> 15);
}

/**
 * Hash of the flow key of the IP packet at buf[off]: version, protocol, both
 * addresses, and the 4 bytes at l4 (a TCP or UDP header's ports). The caller
 * has checked that the packet holds them.
 */
export function flowKeyHash(buf: Uint8Array, off: number, version: number, proto: number, l4: number): number {
  let h = mixHash(version, proto);
  if (version === 4) {
    h = mixHash(h, readU32BE(buf, off + IPV4_SRC));
    h = mixHash(h, readU32BE(buf, off + IPV4_DST));
  } else {
    for (let i = off + IPV6_SRC; i < off + IPV6_HEADER_LEN; i += 4) h = mixHash(h, readU32BE(buf, i));
  }
  return mixHash(h, readU32BE(buf, l4));
}
