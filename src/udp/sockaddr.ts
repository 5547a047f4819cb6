/**
 * Sockaddr slots: the byte layout the addon hands to the kernel unchanged
 * (native/udp.c). A slot is SOCKADDR_SLOT_BYTES long and holds
 *
 *   struct sockaddr_in  (16 bytes): family u16 (host order, AF_INET = 2),
 *                                   port u16 (network order), address[4], zero[8]
 *   struct sockaddr_in6 (28 bytes): family u16 (host order, AF_INET6 = 10),
 *                                   port u16 (network order), flowinfo u32,
 *                                   address[16], scope_id u32 (host order)
 *
 * Bytes past the structure are ignored. Equality and hashing look at family,
 * port, address and (IPv6) scope id only; flowinfo is not part of a peer's identity.
 */
import { HOST_LITTLE_ENDIAN } from '../packet/host-endian.js';
import { AF_INET, AF_INET6, SOCKADDR_SLOT_BYTES } from './constants.js';

/** A decoded sockaddr: family, network-order address bytes, port and IPv6 scope id. */
export interface SockaddrParts {
  family: 4 | 6;
  /** 4 or 16 network-order bytes. */
  addr: Uint8Array;
  port: number;
  /** IPv6 interface index for link-local peers; 0 otherwise (always 0 for IPv4). */
  scopeId: number;
}

function readHost16(b: Uint8Array, i: number): number {
  return HOST_LITTLE_ENDIAN ? b[i]! | (b[i + 1]! << 8) : (b[i]! << 8) | b[i + 1]!;
}

function writeHost16(b: Uint8Array, i: number, v: number): void {
  if (HOST_LITTLE_ENDIAN) {
    b[i] = v & 0xff;
    b[i + 1] = v >>> 8;
  } else {
    b[i] = v >>> 8;
    b[i + 1] = v & 0xff;
  }
}

function readHost32(b: Uint8Array, i: number): number {
  return HOST_LITTLE_ENDIAN
    ? (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0
    : ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function writeHost32(b: Uint8Array, i: number, v: number): void {
  for (let k = 0; k < 4; k++) {
    const shift = HOST_LITTLE_ENDIAN ? 8 * k : 24 - 8 * k;
    b[i + k] = (v >>> shift) & 0xff;
  }
}

/** Writes a sockaddr for (family, addr, port, scopeId) into out[off, off + SOCKADDR_SLOT_BYTES), zeroing the rest of the slot. */
export function encodeSockaddr(family: 4 | 6, addr: Uint8Array, port: number, scopeId: number, out: Uint8Array, off: number): void {
  out.fill(0, off, off + SOCKADDR_SLOT_BYTES);
  writeHost16(out, off, family === 4 ? AF_INET : AF_INET6);
  out[off + 2] = port >>> 8;
  out[off + 3] = port & 0xff;
  if (family === 4) {
    out.set(addr.subarray(0, 4), off + 4);
  } else {
    out.set(addr.subarray(0, 16), off + 8);
    writeHost32(out, off + 24, scopeId);
  }
}

/** Family of the slot at table[off]: 4, 6, or 0 when it holds neither. */
export function sockaddrFamily(table: Uint8Array, off: number): 0 | 4 | 6 {
  const f = readHost16(table, off);
  return f === AF_INET ? 4 : f === AF_INET6 ? 6 : 0;
}

/** Port of the slot at table[off]. */
export function sockaddrPort(table: Uint8Array, off: number): number {
  return (table[off + 2]! << 8) | table[off + 3]!;
}

/** IPv6 scope id of the slot at table[off] (0 for IPv4). */
export function sockaddrScopeId(table: Uint8Array, off: number): number {
  return sockaddrFamily(table, off) === 6 ? readHost32(table, off + 24) : 0;
}

/** Offset of the address bytes within a slot of the given family. */
export function sockaddrAddrOffset(family: 4 | 6): number {
  return family === 4 ? 4 : 8;
}

/** Decodes the slot at table[off] (copies the address); null when its family is neither IPv4 nor IPv6. */
export function decodeSockaddr(table: Uint8Array, off: number): SockaddrParts | null {
  const family = sockaddrFamily(table, off);
  if (family === 0) return null;
  const at = off + sockaddrAddrOffset(family);
  return {
    family,
    addr: table.slice(at, at + (family === 4 ? 4 : 16)),
    port: sockaddrPort(table, off),
    scopeId: sockaddrScopeId(table, off),
  };
}

/** True when two slots name the same peer (family, port, address, scope id). */
export function sockaddrEquals(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  // family + port
  for (let i = 0; i < 4; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  const family = sockaddrFamily(a, aOff);
  if (family === 4) {
    for (let i = 4; i < 8; i++) if (a[aOff + i] !== b[bOff + i]) return false;
    return true;
  }
  if (family !== 6) return false;
  for (let i = 8; i < 28; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

/** A 32-bit FNV-1a hash of the identity bytes of the slot at table[off] (same bytes sockaddrEquals compares). */
export function sockaddrHash(table: Uint8Array, off: number): number {
  let h = 0x811c9dc5;
  const family = sockaddrFamily(table, off);
  const end = family === 4 ? 8 : family === 6 ? 28 : 4;
  for (let i = 0; i < end; i++) {
    if (family === 6 && i >= 4 && i < 8) continue; // flowinfo
    h = Math.imul(h ^ table[off + i]!, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Rewrites, in place, every IPv4 slot of table[0, n slots) as its IPv4-mapped IPv6 form
 * (::ffff:a.b.c.d, same port): what a dual-stack IPv6 socket sends to. IPv6 slots stay.
 */
export function mapV4Slots(table: Uint8Array, n: number): void {
  for (let s = 0; s < n; s++) {
    const off = s * SOCKADDR_SLOT_BYTES;
    if (sockaddrFamily(table, off) !== 4) continue;
    // Address bytes move from offset 4 to 8 + 12; the port (offset 2) stays where it is.
    const a0 = table[off + 4]!, a1 = table[off + 5]!, a2 = table[off + 6]!, a3 = table[off + 7]!;
    table.fill(0, off + 4, off + SOCKADDR_SLOT_BYTES);
    writeHost16(table, off, AF_INET6);
    table[off + 18] = 0xff;
    table[off + 19] = 0xff;
    table[off + 20] = a0;
    table[off + 21] = a1;
    table[off + 22] = a2;
    table[off + 23] = a3;
  }
}
