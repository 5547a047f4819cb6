// NebulaMeta, the protobuf inside every lighthouse message (header type 3; nebula.proto of v1.6.1,
// docs/PROTOCOL.md "Lighthouse messages"):
//   NebulaMeta        { 1 Type: enum MessageType, 2 Details: NebulaMetaDetails }
//   NebulaMetaDetails { 1 VpnIp: uint32, 2 Ip4AndPorts: repeated Ip4AndPort, 3 counter: uint32,
//                       4 Ip6AndPorts: repeated Ip6AndPort, 5 RelayVpnIp: repeated uint32 (packed) }
//   Ip4AndPort        { 1 Ip: uint32 (the IPv4 address read big-endian), 2 Port: uint32 }
//   Ip6AndPort        { 1 Hi: uint64, 2 Lo: uint64 (the address's two big-endian halves), 3 Port: uint32 }
// Decoding keeps at most MAX_META_ADDRS addresses per family and MAX_META_RELAYS relays: nebula
// itself stores no more than 10 per sender (hostmap.go MaxRemotes), and a hostile lighthouse must
// not make us build thousands of objects from one datagram.
import { ProtoReader, ProtoWriter, ProtobufError, WIRE_LEN, WIRE_VARINT } from '../protobuf/index.js';
import { MetaError } from './errors.js';

/** NebulaMeta.MessageType values (nebula.proto). */
export const META_NONE = 0;
/** Ask a lighthouse where a VpnIp is. */
export const META_HOST_QUERY = 1;
/** A lighthouse's answer: VpnIp's addresses. */
export const META_HOST_QUERY_REPLY = 2;
/** Tell a lighthouse our own addresses. */
export const META_HOST_UPDATE_NOTIFICATION = 3;
/** Defined, handled by nothing in 1.6.1. */
export const META_HOST_MOVED_NOTIFICATION = 4;
/** A lighthouse asks us to punch towards VpnIp's addresses (someone queried for us). */
export const META_HOST_PUNCH_NOTIFICATION = 5;
/** Defined, handled by nothing in 1.6.1. */
export const META_HOST_WHOAMI = 6;
/** Defined, handled by nothing in 1.6.1. */
export const META_HOST_WHOAMI_REPLY = 7;
/** Defined, handled by nothing in 1.6.1. */
export const META_PATH_CHECK = 8;
/** Defined, handled by nothing in 1.6.1. */
export const META_PATH_CHECK_REPLY = 9;

/** Addresses of one family kept from one decoded message; the rest are skipped (and counted in `dropped`). */
export const MAX_META_ADDRS = 16;
/** Relay VpnIps kept from one decoded message. */
export const MAX_META_RELAYS = 16;

/** An IPv4 underlay address as nebula sends it: the address as a big-endian u32, and the port. */
export interface Ip4AndPort {
  /** IPv4 address, a.b.c.d = a<<24 | b<<16 | c<<8 | d (unsigned). */
  readonly ip: number;
  /** UDP port; any uint32 on the wire, callers check the 1..65535 range. */
  readonly port: number;
}

/** An IPv6 underlay address: the two big-endian 64-bit halves, and the port. */
export interface Ip6AndPort {
  /** Bytes 0..7 of the address. */
  readonly hi: bigint;
  /** Bytes 8..15 of the address. */
  readonly lo: bigint;
  /** UDP port (any uint32 on the wire). */
  readonly port: number;
}

/** NebulaMetaDetails; absent fields decode as zero or empty. */
export interface MetaDetails {
  /** The overlay address the message is about. */
  readonly vpnIp: number;
  /** IPv4 underlay addresses (at most MAX_META_ADDRS decoded). */
  readonly ip4AndPorts: readonly Ip4AndPort[];
  /** IPv6 underlay addresses (at most MAX_META_ADDRS decoded). */
  readonly ip6AndPorts: readonly Ip6AndPort[];
  /** Overlay addresses of relays for vpnIp (at most MAX_META_RELAYS decoded). */
  readonly relayVpnIps: readonly number[];
  /** Field 3, never set by 1.6.1. */
  readonly counter: number;
}

/** A decoded NebulaMeta. */
export interface NebulaMeta {
  /** MessageType; unknown values are kept (proto3 open enum) and ignored by the handler. */
  readonly type: number;
  /** The details (a message without them is refused, as nebula drops it). */
  readonly details: MetaDetails;
  /** Addresses and relays beyond the MAX_META_* limits that were skipped. */
  readonly dropped: number;
}

/** Input of {@link encodeMeta}: unset detail fields are zero or empty and omitted on the wire. */
export interface MetaInit {
  /** MessageType. */
  readonly type: number;
  /** Details; always emitted (nebula sends Details on every message it makes). */
  readonly details: Partial<MetaDetails>;
}

const U64_MAX = (1n << 64n) - 1n;

/** Encodes a NebulaMeta as gogoproto marshals it in 1.6.1: fields ascending, zero values omitted, relays packed. */
export function encodeMeta(m: MetaInit): Uint8Array {
  const d = m.details;
  const w = new ProtoWriter().uint32(1, d.vpnIp ?? 0);
  const v4 = d.ip4AndPorts ?? [];
  if (v4.length > 0) w.repeatedMessage(2, v4.map((a) => new ProtoWriter().uint32(1, a.ip).uint32(2, a.port).finish()));
  w.uint32(3, d.counter ?? 0);
  const v6 = d.ip6AndPorts ?? [];
  if (v6.length > 0) w.repeatedMessage(4, v6.map((a) => new ProtoWriter().uint64(1, a.hi & U64_MAX).uint64(2, a.lo & U64_MAX).uint32(3, a.port).finish()));
  w.packedUint32(5, d.relayVpnIps ?? []);
  return new ProtoWriter().uint32(1, m.type).message(2, w.finish()).finish();
}

/**
 * Decodes the NebulaMeta in buf[start, end). MetaError 'malformed' for bad protobuf or wire types,
 * 'no-details' without field 2. Unknown fields are skipped, as Go does; a repeated Details merges.
 */
export function decodeMeta(buf: Uint8Array, start = 0, end = buf.length): NebulaMeta {
  try {
    const r = new ProtoReader(buf, start, end);
    let type = 0;
    const acc: Acc = { vpnIp: 0, v4: [], v6: [], relays: [], counter: 0, dropped: 0, seen: false };
    while (!r.done) {
      const tag = r.readTag();
      if (tag.field === 1) {
        r.expectWireType(tag, WIRE_VARINT, 'Type');
        type = r.readUint32();
      } else if (tag.field === 2) {
        r.expectWireType(tag, WIRE_LEN, 'Details');
        const b = r.readBytes();
        acc.seen = true;
        readDetails(b, acc);
      } else {
        r.skip(tag);
      }
    }
    if (!acc.seen) throw new MetaError('no-details', 'NebulaMeta without Details');
    return {
      type,
      details: { vpnIp: acc.vpnIp, ip4AndPorts: acc.v4, ip6AndPorts: acc.v6, relayVpnIps: acc.relays, counter: acc.counter },
      dropped: acc.dropped,
    };
  } catch (e) {
    if (e instanceof ProtobufError) throw new MetaError('malformed', e.message);
    throw e;
  }
}

interface Acc {
  vpnIp: number;
  v4: Ip4AndPort[];
  v6: Ip6AndPort[];
  relays: number[];
  counter: number;
  dropped: number;
  seen: boolean;
}

function readDetails(b: Uint8Array, acc: Acc): void {
  const r = new ProtoReader(b);
  while (!r.done) {
    const tag = r.readTag();
    switch (tag.field) {
      case 1:
        r.expectWireType(tag, WIRE_VARINT, 'VpnIp');
        acc.vpnIp = r.readUint32();
        break;
      case 2: {
        r.expectWireType(tag, WIRE_LEN, 'Ip4AndPorts');
        const a = readIp4(r.readBytes());
        if (acc.v4.length < MAX_META_ADDRS) acc.v4.push(a);
        else acc.dropped++;
        break;
      }
      case 3:
        r.expectWireType(tag, WIRE_VARINT, 'counter');
        acc.counter = r.readUint32();
        break;
      case 4: {
        r.expectWireType(tag, WIRE_LEN, 'Ip6AndPorts');
        const a = readIp6(r.readBytes());
        if (acc.v6.length < MAX_META_ADDRS) acc.v6.push(a);
        else acc.dropped++;
        break;
      }
      case 5: {
        const before = acc.relays.length;
        r.readRepeatedUint32(tag, 'RelayVpnIp', acc.relays);
        if (acc.relays.length > MAX_META_RELAYS) {
          acc.dropped += acc.relays.length - Math.max(before, MAX_META_RELAYS);
          acc.relays.length = MAX_META_RELAYS;
        }
        break;
      }
      default:
        r.skip(tag);
    }
  }
}

function readIp4(b: Uint8Array): Ip4AndPort {
  const r = new ProtoReader(b);
  let ip = 0;
  let port = 0;
  while (!r.done) {
    const tag = r.readTag();
    if (tag.field === 1) {
      r.expectWireType(tag, WIRE_VARINT, 'Ip');
      ip = r.readUint32();
    } else if (tag.field === 2) {
      r.expectWireType(tag, WIRE_VARINT, 'Port');
      port = r.readUint32();
    } else {
      r.skip(tag);
    }
  }
  return { ip, port };
}

function readIp6(b: Uint8Array): Ip6AndPort {
  const r = new ProtoReader(b);
  let hi = 0n;
  let lo = 0n;
  let port = 0;
  while (!r.done) {
    const tag = r.readTag();
    if (tag.field === 1) {
      r.expectWireType(tag, WIRE_VARINT, 'Hi');
      hi = r.readUint64();
    } else if (tag.field === 2) {
      r.expectWireType(tag, WIRE_VARINT, 'Lo');
      lo = r.readUint64();
    } else if (tag.field === 3) {
      r.expectWireType(tag, WIRE_VARINT, 'Port');
      port = r.readUint32();
    } else {
      r.skip(tag);
    }
  }
  return { hi, lo, port };
}
