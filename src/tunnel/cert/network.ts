// Cert IPs and subnets: nebula stores each as an (ip, mask) pair of big-endian
// u32s (docs/PROTOCOL.md "Certificate encoding": 198.19.0.1/16 -> 3323133953, 4294901760); the
// IP keeps its host bits. Matching follows cert.go netMatch/maskContains exactly.
import { CertError } from './errors.js';

/** One (ip, mask) pair of a certificate's Ips or Subnets. */
export interface CertNetwork {
  /** The address as a dotted quad, host bits kept (e.g. "198.19.0.1"). */
  readonly ip: string;
  /** Mask length, or null when the mask is not a run of leading ones (nebula does not refuse such masks). */
  readonly prefix: number | null;
  /** The address as stored: a big-endian-read u32. */
  readonly ipU32: number;
  /** The mask as stored: a big-endian-read u32. */
  readonly maskU32: number;
}

/** A CertNetwork from its stored u32 pair. */
export function certNetwork(ipU32: number, maskU32: number): CertNetwork {
  return { ip: u32ToIp(ipU32), prefix: maskPrefix(maskU32), ipU32: ipU32 >>> 0, maskU32: maskU32 >>> 0 };
}

/** A CertNetwork from "a.b.c.d/len" (as nebula-cert's -ip and -subnets flags take it); CertError 'bad-argument' otherwise. */
export function parseCertNetwork(cidr: string): CertNetwork {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = m === null ? [] : m.slice(1, 5).map(Number);
  const prefix = m === null ? NaN : Number(m[5]);
  if (m === null || octets.some((o) => o > 255) || prefix > 32) {
    throw new CertError('bad-argument', `${JSON.stringify(cidr)} is not an IPv4 address/prefix`);
  }
  const ip = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  return certNetwork(ip, prefixMask(prefix));
}

/** Go's IPNet.String(): "198.19.0.1/16", or the mask in hex when it is not a prefix ("198.19.0.1/ff00ff00"). */
export function formatCertNetwork(n: CertNetwork): string {
  return `${n.ip}/${n.prefix ?? n.maskU32.toString(16).padStart(8, '0')}`;
}

/** True when `ipU32` lies in the network (Go's IPNet.Contains: equal under the mask). */
export function networkContainsIp(n: CertNetwork, ipU32: number): boolean {
  return ((n.ipU32 & n.maskU32) >>> 0) === ((ipU32 & n.maskU32) >>> 0);
}

/**
 * cert.go netMatch for one CA network: the inner IP lies in the CA network and
 * no byte of the CA mask exceeds the inner mask's byte (maskContains compares bytes, not bits).
 */
export function networkAllows(ca: CertNetwork, inner: CertNetwork): boolean {
  if (!networkContainsIp(ca, inner.ipU32)) return false;
  for (let shift = 24; shift >= 0; shift -= 8) {
    if (((ca.maskU32 >>> shift) & 0xff) > ((inner.maskU32 >>> shift) & 0xff)) return false;
  }
  return true;
}

/** Dotted quad of a u32. */
export function u32ToIp(v: number): string {
  return `${(v >>> 24) & 0xff}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** Mask u32 of a prefix length 0..32. */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function maskPrefix(mask: number): number | null {
  const m = mask >>> 0;
  // A prefix mask is all ones then all zeros: its complement plus one is a power of two.
  const inv = ~m >>> 0;
  if ((inv & (inv + 1)) !== 0) return null;
  return Math.clz32(inv); // leading zeros of the complement = leading ones of the mask
}
