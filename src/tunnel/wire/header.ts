// The 16-byte Nebula header (docs/PROTOCOL.md "Header"):
//   0: version<<4 | type, 1: subtype, 2-3: reserved, 4-7: remote index u32 BE, 8-15: counter u64 BE.
// Encode and decode are per-packet: no allocation, no throwing.
import { readU16BE, readU32BE, writeU32BE } from '../../packet/bytes.js';
import { HEADER_LEN, HEADER_VERSION } from './constants.js';
import { counterHigh, counterLow, counterNumber } from './counter.js';

/** A decoded header; one object is reused for every packet (see newHeader). */
export interface Header {
  /** High nibble of byte 0; nebula does not check it, neither do we (docs/PROTOCOL.md "Header"). */
  version: number;
  /** Message type, low nibble of byte 0 (TYPE_*). */
  type: number;
  /** Subtype byte (SUBTYPE_*). */
  subtype: number;
  /** Reserved u16, 0 on send, ignored on receive. */
  reserved: number;
  /** The receiver's local index of the tunnel (u32). */
  remoteIndex: number;
  /** High u32 half of the u64 counter. */
  counterHi: number;
  /** Low u32 half of the u64 counter. */
  counterLo: number;
  /** The counter as a number: exact below 2^53, rounded above; use counterHi/counterLo when exactness matters. */
  counter: number;
}

/** A zeroed Header to be filled by decodeHeader. */
export function newHeader(): Header {
  return { version: 0, type: 0, subtype: 0, reserved: 0, remoteIndex: 0, counterHi: 0, counterLo: 0, counter: 0 };
}

/**
 * Writes a header at buf[off..off+16] and returns off + 16.
 * `counter` must be a non-negative safe integer (sender counters start at 3 and never get near 2^53);
 * type, subtype and remoteIndex are masked to their field widths. The caller guarantees 16 bytes of room.
 */
export function encodeHeader(buf: Uint8Array, off: number, type: number, subtype: number, remoteIndex: number, counter: number): number {
  return encodeHeaderHiLo(buf, off, type, subtype, remoteIndex, counterHigh(counter), counterLow(counter));
}

/** encodeHeader with the counter given as u32 halves, for the full u64 range. */
export function encodeHeaderHiLo(
  buf: Uint8Array,
  off: number,
  type: number,
  subtype: number,
  remoteIndex: number,
  counterHi: number,
  counterLo: number,
): number {
  buf[off] = (HEADER_VERSION << 4) | (type & 0x0f);
  buf[off + 1] = subtype;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  writeU32BE(buf, off + 4, remoteIndex);
  writeU32BE(buf, off + 8, counterHi);
  writeU32BE(buf, off + 12, counterLo);
  return off + HEADER_LEN;
}

/**
 * Fills `out` from the header at buf[off..]; `len` is the datagram length from off.
 * Returns false (out untouched) when fewer than 16 bytes are there: nebula drops such datagrams
 * silently (1-byte ones are punchy keepalives) (docs/PROTOCOL.md "Header"). Also false for an offset
 * that is not a whole index into buf, or a length that is not a number.
 */
export function decodeHeader(buf: Uint8Array, off: number, len: number, out: Header): boolean {
  // Written so that NaN and fractions fail too: buf[NaN] or buf[0.5] would read as undefined.
  if (!(len >= HEADER_LEN) || off >>> 0 !== off || off + HEADER_LEN > buf.length) return false;
  const b0 = buf[off];
  out.version = b0 >>> 4;
  out.type = b0 & 0x0f;
  out.subtype = buf[off + 1];
  out.reserved = readU16BE(buf, off + 2);
  out.remoteIndex = readU32BE(buf, off + 4);
  const hi = readU32BE(buf, off + 8);
  const lo = readU32BE(buf, off + 12);
  out.counterHi = hi;
  out.counterLo = lo;
  out.counter = counterNumber(hi, lo);
  return true;
}
