/** Endpoint: a peer's IP and port, with its sockaddr encoded once for every send. */
import { BadAddressError } from './errors.js';
import { formatIpv4, formatIpv6, ipBytes, ipFamily } from '../packet/ip-text.js';
import { SOCKADDR_SLOT_BYTES } from './constants.js';
import {
  decodeSockaddr, encodeSockaddr, sockaddrAddrOffset, sockaddrEquals, sockaddrFamily, sockaddrPort, sockaddrScopeId,
} from './sockaddr.js';

/**
 * An immutable UDP peer address. `key` is unique per address (same address,
 * same key), so use it as a Map key or compare with equals(); `sockaddr` is
 * the kernel encoding the socket sends to without re-encoding.
 */
export class Endpoint {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Canonical text of the IP (RFC 5952 for IPv6, without the zone). */
  readonly ip: string;
  /** UDP port, 0..65535. */
  readonly port: number;
  /** IPv6 interface index (link-local peers), else 0. */
  readonly scopeId: number;
  /** "198.18.0.1:4242", "[fd00::1]:4242", "[fe80::1%2]:4242". */
  readonly key: string;
  /** The address as a sockaddr slot (SOCKADDR_SLOT_BYTES, layout in sockaddr.ts); treat it as read-only. */
  readonly sockaddr: Uint8Array;
  /**
   * IPv4 endpoints: the same address as an IPv4-mapped IPv6 sockaddr (::ffff:a.b.c.d), which a
   * dual-stack IPv6 socket sends to and receives from (RFC 4291 2.5.5.2); null for IPv6 endpoints.
   */
  readonly mappedSockaddr: Uint8Array | null;

  private constructor(family: 4 | 6, ip: string, port: number, scopeId: number, sockaddr: Uint8Array) {
    this.family = family;
    this.ip = ip;
    this.port = port;
    this.scopeId = scopeId;
    this.key = family === 4 ? `${ip}:${port}` : scopeId ? `[${ip}%${scopeId}]:${port}` : `[${ip}]:${port}`;
    this.sockaddr = sockaddr;
    this.mappedSockaddr = family === 4 ? mappedSlot(sockaddr, port) : null;
  }

  /** The endpoint of an IP literal (an IPv6 one may carry a numeric zone, "fe80::1%2") and a port. */
  static of(ip: string, port: number, scopeId = 0): Endpoint {
    const family = ipFamily(ip);
    if (family === 0) throw new BadAddressError(ip, 'not an IPv4 or IPv6 address (host names are not resolved here)');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BadAddressError(`${ip} port ${port}`, 'port must be an integer 0..65535');
    const zone = ip.indexOf('%');
    if (zone >= 0) {
      const text = ip.slice(zone + 1);
      if (!/^\d{1,10}$/.test(text)) throw new BadAddressError(ip, 'the IPv6 zone must be an interface index (e.g. %2)');
      scopeId = Number(text);
    }
    if (!Number.isInteger(scopeId) || scopeId < 0 || scopeId > 0xffffffff || (family === 4 && scopeId !== 0)) {
      throw new BadAddressError(`${ip} scope ${scopeId}`, 'scope id must be 0..2^32-1, and 0 for IPv4');
    }
    const slot = new Uint8Array(SOCKADDR_SLOT_BYTES);
    encodeSockaddr(family, ipBytes(ip, family), port, scopeId, slot, 0);
    return Endpoint.fromSockaddr(slot, 0);
  }

  /** Parses "ip:port" or "[ipv6]:port" (as `key` and nebula's static_host_map write them). */
  static parse(text: string): Endpoint {
    const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
    if (!m) throw new BadAddressError(text, 'expected ip:port or [ipv6]:port');
    return Endpoint.of(m[1]!, Number(m[2]));
  }

  /**
   * The endpoint held by the sockaddr slot at table[off] (copied); an IPv4-mapped IPv6 address
   * (what a dual-stack socket reports for an IPv4 peer) gives the IPv4 endpoint. Throws
   * BadAddressError for another family.
   */
  static fromSockaddr(table: Uint8Array, off: number): Endpoint {
    const family = sockaddrFamily(table, off);
    if (family === 0) throw new BadAddressError('sockaddr', 'family is neither AF_INET nor AF_INET6');
    if (family === 6 && isV4Mapped(table, off + sockaddrAddrOffset(6))) {
      const at = off + sockaddrAddrOffset(6) + 12;
      const slot = new Uint8Array(SOCKADDR_SLOT_BYTES);
      encodeSockaddr(4, table.subarray(at, at + 4), sockaddrPort(table, off), 0, slot, 0);
      return new Endpoint(4, formatIpv4(table, at), sockaddrPort(table, off), 0, slot);
    }
    const at = off + sockaddrAddrOffset(family);
    const ip = family === 4 ? formatIpv4(table, at) : formatIpv6(table, at);
    const slot = new Uint8Array(SOCKADDR_SLOT_BYTES);
    const parts = decodeSockaddr(table, off)!;
    encodeSockaddr(family, parts.addr, parts.port, parts.scopeId, slot, 0);
    return new Endpoint(family, ip, sockaddrPort(table, off), sockaddrScopeId(table, off), slot);
  }

  /** Network-order address bytes (a fresh copy). */
  get addressBytes(): Uint8Array {
    const at = sockaddrAddrOffset(this.family);
    return this.sockaddr.slice(at, at + (this.family === 4 ? 4 : 16));
  }

  /** Same address and port (and scope). */
  equals(other: Endpoint): boolean {
    return this === other || this.key === other.key;
  }

  /** True when the sockaddr slot at table[off] names this endpoint (an IPv4 one also in its mapped form); allocates nothing. */
  matches(table: Uint8Array, off: number): boolean {
    return sockaddrEquals(this.sockaddr, 0, table, off) || (this.mappedSockaddr !== null && sockaddrEquals(this.mappedSockaddr, 0, table, off));
  }

  /** The sockaddr a socket of `family` sends to (IPv4 via an IPv6 socket: the mapped form), or null when it cannot. */
  sockaddrFor(family: 4 | 6, dualStack: boolean): Uint8Array | null {
    if (family === this.family) return this.sockaddr;
    return family === 6 && dualStack ? this.mappedSockaddr : null;
  }

  /** The key. */
  toString(): string {
    return this.key;
  }
}

/** True when the 16 address bytes at table[at] are an IPv4-mapped IPv6 address (::ffff:0:0/96). */
function isV4Mapped(table: Uint8Array, at: number): boolean {
  for (let i = 0; i < 10; i++) if (table[at + i] !== 0) return false;
  return table[at + 10] === 0xff && table[at + 11] === 0xff;
}

/** The IPv4-mapped IPv6 sockaddr slot of an IPv4 slot. */
function mappedSlot(v4: Uint8Array, port: number): Uint8Array {
  const addr = new Uint8Array(16);
  addr[10] = 0xff;
  addr[11] = 0xff;
  const at = sockaddrAddrOffset(4);
  addr.set(v4.subarray(at, at + 4), 12);
  const slot = new Uint8Array(SOCKADDR_SLOT_BYTES);
  encodeSockaddr(6, addr, port, 0, slot, 0);
  return slot;
}
