// The NebulaHandshake protobuf carried as the Noise payload of msg1 and msg2
// (nebula.proto; docs/PROTOCOL.md "Handshake payload"):
//   NebulaHandshake        { 1 Details: NebulaHandshakeDetails, 2 Hmac: bytes }
//   NebulaHandshakeDetails { 1 Cert: bytes, 2 InitiatorIndex: uint32, 3 ResponderIndex: uint32,
//                            4 Cookie: uint64, 5 Time: uint64 (ns since the Unix epoch) }
import { ProtoReader, ProtoWriter, ProtobufError, WIRE_LEN, WIRE_VARINT } from '../protobuf/index.js';
import { HandshakePayloadError } from './errors.js';

/** NebulaHandshakeDetails; absent fields decode as zero / empty. */
export interface HandshakeDetails {
  /** Sender's certificate, marshalled without PublicKey (docs/PROTOCOL.md "Handshake payload"). */
  readonly cert: Uint8Array;
  /** Initiator's local index (non-zero u32). */
  readonly initiatorIndex: number;
  /** Responder's local index; 0 (absent) in msg1. */
  readonly responderIndex: number;
  /** Never set by nebula 1.6.1. */
  readonly cookie: bigint;
  /** Sender's wall clock in nanoseconds since the Unix epoch. */
  readonly time: bigint;
}

/** NebulaHandshake. */
export interface NebulaHandshake {
  /** The details; nebula drops a handshake without them. */
  readonly details: HandshakeDetails;
  /** Never set by nebula 1.6.1. */
  readonly hmac: Uint8Array;
}

/** Input of {@link encodeHandshake}: unset fields are zero and omitted on the wire. */
export interface HandshakeInit {
  /** The details to send. */
  readonly details: Partial<HandshakeDetails>;
  /** Normally unset. */
  readonly hmac?: Uint8Array;
}

/** The last value {@link unixNanos} returned for the current time. */
let lastNow = 0n;

/**
 * Nanoseconds since the Unix epoch, as nebula puts them in `Time` (u64 ns): of `now` exactly,
 * or, without an argument, of the current time, strictly increasing within this process.
 * A peer refuses a handshake whose Time is not newer than its tunnel's (docs/PROTOCOL.md, "Handshake payload"),
 * and nebula's Time has nanosecond resolution; the clock here has milliseconds, so two
 * handshakes in one millisecond would carry the same Time and the second would be refused.
 */
export function unixNanos(now?: Date): bigint {
  if (now !== undefined) return BigInt(now.getTime()) * 1_000_000n;
  const t = BigInt(Date.now()) * 1_000_000n;
  lastNow = t > lastNow ? t : lastNow + 1n;
  return lastNow;
}

/** Encodes a NebulaHandshake canonically (fields ascending, zero values omitted). */
export function encodeHandshake(h: HandshakeInit): Uint8Array {
  const d = h.details;
  const details = new ProtoWriter()
    .bytes(1, d.cert ?? new Uint8Array(0))
    .uint32(2, d.initiatorIndex ?? 0)
    .uint32(3, d.responderIndex ?? 0)
    .uint64(4, d.cookie ?? 0n)
    .uint64(5, d.time ?? 0n)
    .finish();
  return new ProtoWriter()
    .message(1, details)
    .bytes(2, h.hmac ?? new Uint8Array(0))
    .finish();
}

/**
 * Decodes a NebulaHandshake. Unknown fields are skipped (e.g. CertVersion of later
 * nebula versions). HandshakePayloadError 'malformed' for bad protobuf, 'no-details' without field 1.
 */
export function decodeHandshake(bytes: Uint8Array): NebulaHandshake {
  try {
    const r = new ProtoReader(bytes);
    let details: HandshakeDetails | undefined;
    let hmac = new Uint8Array(0);
    while (!r.done) {
      const tag = r.readTag();
      if (tag.field === 1) {
        r.expectWireType(tag, WIRE_LEN, 'Details');
        // A repeated embedded message merges into the first, as in Go.
        details = decodeDetails(r.readBytes(), details);
      } else if (tag.field === 2) {
        r.expectWireType(tag, WIRE_LEN, 'Hmac');
        hmac = Uint8Array.from(r.readBytes());
      } else {
        r.skip(tag);
      }
    }
    if (details === undefined) throw new HandshakePayloadError('no-details', 'NebulaHandshake has no Details (field 1)');
    return { details, hmac };
  } catch (e) {
    if (e instanceof ProtobufError) throw new HandshakePayloadError('malformed', e.message);
    throw e;
  }
}

function decodeDetails(bytes: Uint8Array, prev: HandshakeDetails | undefined): HandshakeDetails {
  let cert = prev?.cert ?? new Uint8Array(0);
  let initiatorIndex = prev?.initiatorIndex ?? 0;
  let responderIndex = prev?.responderIndex ?? 0;
  let cookie = prev?.cookie ?? 0n;
  let time = prev?.time ?? 0n;
  const r = new ProtoReader(bytes);
  while (!r.done) {
    const tag = r.readTag();
    switch (tag.field) {
      case 1:
        r.expectWireType(tag, WIRE_LEN, 'Cert');
        cert = Uint8Array.from(r.readBytes());
        break;
      case 2:
        r.expectWireType(tag, WIRE_VARINT, 'InitiatorIndex');
        initiatorIndex = r.readUint32();
        break;
      case 3:
        r.expectWireType(tag, WIRE_VARINT, 'ResponderIndex');
        responderIndex = r.readUint32();
        break;
      case 4:
        r.expectWireType(tag, WIRE_VARINT, 'Cookie');
        cookie = r.readUint64();
        break;
      case 5:
        r.expectWireType(tag, WIRE_VARINT, 'Time');
        time = r.readUint64();
        break;
      default:
        r.skip(tag);
    }
  }
  return { cert, initiatorIndex, responderIndex, cookie, time };
}
