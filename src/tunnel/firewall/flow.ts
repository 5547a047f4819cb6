// The firewall's view of an inner IPv4 packet, oriented from this node: "local" is our side,
// "remote" the peer's (nebula firewall.Packet). Inbound: remote = source; outbound: remote = destination.
import { readU16BE, readU32BE } from '../../packet/bytes.js';
import { PROTO_ICMP } from './constants.js';
import { DROP_BAD_IHL, DROP_NOT_IPV4, DROP_PACKET_SHORT, type FlowDropReason } from './reasons.js';

/** Which way a packet crosses the tunnel: inbound = peer to us (decrypted), outbound = us to peer (from the TUN). */
export type Direction = 'inbound' | 'outbound';

/** A locally oriented flow key; one object is reused per packet (see newFlow). */
export interface Flow {
  /** Our overlay address (u32). */
  localIp: number;
  /** The peer-side overlay address (u32). */
  remoteIp: number;
  /** Our port; 0 for ICMP and fragments. */
  localPort: number;
  /** The peer-side port; 0 for ICMP and fragments. */
  remotePort: number;
  /** IP protocol number. */
  proto: number;
  /** Second or later fragment (offset != 0): no ports (docs/PROTOCOL.md "Firewall rules"). */
  fragment: boolean;
}

/** A zeroed Flow to be filled by parseFlow. */
export function newFlow(): Flow {
  return { localIp: 0, remoteIp: 0, localPort: 0, remotePort: 0, proto: 0, fragment: false };
}

/** IPv4 header length without options (RFC 791). */
const IPV4_MIN_LEN = 20;
/** Bytes of L4 header holding the two ports, required for non-ICMP first fragments (nebula minFwPacketLen). */
const PORTS_LEN = 4;

/**
 * Reads the inner packet buf[off..off+len] into `out`, as nebula's newPacket does: IPv4 only, IHL >= 5,
 * fragment = offset != 0 (a first fragment keeps its ports), ICMP and fragments get ports 0, and any
 * other protocol's "ports" are its first 4 L4 bytes. Returns a drop reason or null.
 */
export function parseFlow(buf: Uint8Array, off: number, len: number, direction: Direction, out: Flow): FlowDropReason | null {
  if (len < IPV4_MIN_LEN || off < 0 || off + len > buf.length) return DROP_PACKET_SHORT;
  const b0 = buf[off];
  if (b0 >>> 4 !== 4) return DROP_NOT_IPV4;
  const ihl = (b0 & 0x0f) << 2;
  if (ihl < IPV4_MIN_LEN) return DROP_BAD_IHL;
  const fragment = (readU16BE(buf, off + 6) & 0x1fff) !== 0;
  const proto = buf[off + 9];
  const portless = fragment || proto === PROTO_ICMP;
  if (len < ihl + (portless ? 0 : PORTS_LEN)) return DROP_PACKET_SHORT;
  const src = readU32BE(buf, off + 12);
  const dst = readU32BE(buf, off + 16);
  const srcPort = portless ? 0 : readU16BE(buf, off + ihl);
  const dstPort = portless ? 0 : readU16BE(buf, off + ihl + 2);
  out.proto = proto;
  out.fragment = fragment;
  if (direction === 'inbound') {
    out.remoteIp = src;
    out.localIp = dst;
    out.remotePort = srcPort;
    out.localPort = dstPort;
  } else {
    out.localIp = src;
    out.remoteIp = dst;
    out.localPort = srcPort;
    out.remotePort = dstPort;
  }
  return null;
}
