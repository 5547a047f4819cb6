/**
 * writeGSO preparation: geometry checks that keep every refusal ours (never a
 * kernel EINVAL), and the headers the kernel expects on a GSO write.
 */
import { GeometryError } from '../errors.js';
import {
  IPPROTO_TCP, IPPROTO_UDP, IPV4_MIN_HEADER_LEN, IPV6_HEADER_LEN, TCP_CHECKSUM, TCP_MIN_HEADER_LEN,
  UDP_CHECKSUM, UDP_HEADER_LEN, fold, ipv4HeaderChecksumUpdate, ipv4Ihl, pseudoHeaderSumV4, pseudoHeaderSumV6,
  setIpv4TotalLength, setIpv6PayloadLength, setUdpLength, sum16, tcpDataOffset, writeU16BE,
} from '../packet/index.js';
import {
  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, gsoTypeFor, type VirtioNetHdr,
} from '../virtio/index.js';

/** L4 protocol of a GSO write. */
export type GsoWriteProto = 'tcp' | 'udp';

/** Largest IP packet (IPv4 total length is 16 bits; TUN GSO keeps IPv6 to the same bound). */
export const MAX_GSO_BYTES = 65535;
/** Largest writev: virtio header + IP header + L4 header + payloads (docs/OFFLOADS.md "Writing": 256 iovecs). */
export const MAX_GSO_IOVECS = 256;
/** Header scratch size: IPv4 with options (60) plus TCP with options (60), rounded up. */
export const MAX_GSO_HEADER = 128;

/**
 * Throws GeometryError unless the arguments form a superpacket the kernel will
 * segment: IP version and header length sane, L4 header matching `proto`,
 * first payload non-empty, middle payloads equal to the first, last not longer,
 * total <= 65535, iovec count <= 256. Returns the total IP packet length.
 */
export function checkGsoGeometry(ip: Uint8Array, l4: Uint8Array, payloads: readonly Uint8Array[], proto: GsoWriteProto): number {
  const n = payloads.length;
  if (n === 0) throw new GeometryError('no payload fragments');
  if (n + 3 > MAX_GSO_IOVECS) throw new GeometryError(`${n} payload fragments exceed the ${MAX_GSO_IOVECS - 3} that fit in ${MAX_GSO_IOVECS} iovecs`);
  const version = ip.length > 0 ? ip[0]! >>> 4 : 0;
  if (version === 4) {
    if (ip.length < IPV4_MIN_HEADER_LEN || ipv4Ihl(ip, 0) !== ip.length) {
      throw new GeometryError(`IPv4 header length ${ip.length} does not match its IHL`);
    }
  } else if (version === 6) {
    if (ip.length !== IPV6_HEADER_LEN) throw new GeometryError(`IPv6 header must be ${IPV6_HEADER_LEN} bytes (extension headers are not supported), got ${ip.length}`);
  } else {
    throw new GeometryError(`IP version ${version} is neither 4 nor 6`);
  }
  const nextProto = version === 4 ? ip[9] : ip[6];
  const wantProto = proto === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
  if (nextProto !== wantProto) throw new GeometryError(`IP header carries protocol ${nextProto}, not ${proto}`);
  if (proto === 'tcp') {
    if (l4.length < TCP_MIN_HEADER_LEN || tcpDataOffset(l4, 0) !== l4.length) {
      throw new GeometryError(`TCP header length ${l4.length} does not match its data offset`);
    }
  } else if (l4.length !== UDP_HEADER_LEN) {
    throw new GeometryError(`UDP header must be ${UDP_HEADER_LEN} bytes, got ${l4.length}`);
  }
  if (ip.length + l4.length > MAX_GSO_HEADER) throw new GeometryError('headers longer than 128 bytes');
  const first = payloads[0]!.length;
  if (first === 0) throw new GeometryError('the first payload fragment is empty');
  let total = ip.length + l4.length;
  for (let i = 0; i < n; i++) {
    const len = payloads[i]!.length;
    if (i > 0 && i < n - 1 && len !== first) throw new GeometryError(`payload fragment ${i} is ${len} bytes, not ${first} like the first`);
    if (i === n - 1 && len > first) throw new GeometryError(`the last payload fragment (${len}) is longer than the first (${first})`);
    if (i === n - 1 && len === 0 && n > 1) throw new GeometryError('the last payload fragment is empty');
    total += len;
  }
  if (total > MAX_GSO_BYTES) throw new GeometryError(`total length ${total} exceeds ${MAX_GSO_BYTES}`);
  return total;
}

/**
 * Copies the headers into `ipOut`/`l4Out` and sets lengths for the whole
 * superpacket, the IPv4 header checksum and, in the L4 checksum field, the
 * pseudo-header sum the kernel completes (NEEDS_CSUM); fills `vh`.
 * With `fullChecksum` (no vnet header: nothing will finish it) the L4
 * checksum is computed over the payloads instead.
 */
export function prepareGsoHeaders(
  ip: Uint8Array, l4: Uint8Array, payloads: readonly Uint8Array[], proto: GsoWriteProto, total: number,
  ipOut: Uint8Array, l4Out: Uint8Array, vh: VirtioNetHdr, fullChecksum: boolean,
): void {
  ipOut.set(ip);
  l4Out.set(l4);
  const version = ip[0]! >>> 4;
  const l4Len = total - ip.length;
  if (version === 4) {
    setIpv4TotalLength(ipOut, 0, total);
    ipv4HeaderChecksumUpdate(ipOut, 0);
  } else {
    setIpv6PayloadLength(ipOut, 0, l4Len);
  }
  const csumOffset = proto === 'tcp' ? TCP_CHECKSUM : UDP_CHECKSUM;
  if (proto === 'udp') setUdpLength(l4Out, 0, l4Len);
  const protoNum = proto === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
  const pseudo = version === 4 ? pseudoHeaderSumV4(ipOut, 0, protoNum, l4Len) : pseudoHeaderSumV6(ipOut, 0, protoNum, l4Len);
  writeU16BE(l4Out, csumOffset, 0);
  if (fullChecksum) {
    let s = sum16(l4Out, 0, l4.length, pseudo);
    for (const p of payloads) s = sum16(p, 0, p.length, s);
    let c = ~fold(s) & 0xffff;
    if (c === 0 && proto === 'udp') c = 0xffff;
    writeU16BE(l4Out, csumOffset, c);
  } else {
    writeU16BE(l4Out, csumOffset, fold(pseudo));
  }
  const segments = payloads.length;
  vh.flags = fullChecksum ? 0 : VIRTIO_NET_HDR_F_NEEDS_CSUM;
  vh.gsoType = segments > 1 ? gsoTypeFor(proto, version) : VIRTIO_NET_HDR_GSO_NONE;
  vh.hdrLen = ip.length + l4.length;
  vh.gsoSize = segments > 1 ? payloads[0]!.length : 0;
  vh.csumStart = fullChecksum ? 0 : ip.length;
  vh.csumOffset = fullChecksum ? 0 : csumOffset;
}
