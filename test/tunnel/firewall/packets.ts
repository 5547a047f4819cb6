// Inner IPv4 packets for firewall tests: only the fields the firewall reads are meaningful.
import { parseIpv4 } from '../../../src/tunnel/firewall/index.js';
import type { PeerIdentity } from '../../../src/tunnel/firewall/index.js';

/** What to put in a test packet. */
export interface PacketSpec {
  src: string;
  dst: string;
  proto?: number;
  sport?: number;
  dport?: number;
  /** Fragment offset in 8-byte units (non-zero = later fragment). */
  fragOffset?: number;
  moreFragments?: boolean;
  /** IHL in 32-bit words (default 5). */
  ihl?: number;
  /** Payload bytes after the IP header (default 8). */
  payload?: number;
}

/** IPv4 address text to u32, failing the test on bad input. */
export function ip(text: string): number {
  const v = parseIpv4(text);
  if (v === null) throw new Error(`bad test address ${text}`);
  return v;
}

/** Builds an IPv4 packet. */
export function packet(spec: PacketSpec): Uint8Array {
  const ihl = spec.ihl ?? 5;
  const hl = Math.max(ihl, 5) * 4;
  const len = hl + (spec.payload ?? 8);
  const b = new Uint8Array(len);
  const dv = new DataView(b.buffer);
  b[0] = 0x40 | ihl;
  dv.setUint16(2, len);
  dv.setUint16(6, ((spec.moreFragments ? 1 : 0) << 13) | (spec.fragOffset ?? 0));
  b[8] = 64;
  b[9] = spec.proto ?? 6;
  dv.setUint32(12, ip(spec.src));
  dv.setUint32(16, ip(spec.dst));
  if (len >= hl + 4) {
    dv.setUint16(hl, spec.sport ?? 0);
    dv.setUint16(hl + 2, spec.dport ?? 0);
  }
  return b;
}

/** A peer identity with sensible defaults. */
export function peer(over: Partial<PeerIdentity> = {}): PeerIdentity {
  return {
    name: 'hosta',
    groups: ['g1', 'g2'],
    ips: [ip('198.19.0.1')],
    subnets: [],
    caName: 't-ca',
    caSha: 'aa'.repeat(32),
    ...over,
  };
}

/** Our own addresses in tests. */
export const LOCAL = { ips: [ip('198.19.0.2')], subnets: [] };
