// NebulaControl, the protobuf inside every control message (header type 6, subtype 0; nebula.proto
// of v1.6.1, docs/PROTOCOL.md "Relays"):
//   NebulaControl { 1 Type: enum { None 0, CreateRelayRequest 1, CreateRelayResponse 2 },
//                   2 InitiatorRelayIndex: uint32, 3 ResponderRelayIndex: uint32,
//                   4 RelayToIp: uint32, 5 RelayFromIp: uint32 }
// Five scalars: decoding allocates one small object whatever the input, and a field repeated any
// number of times keeps its last value (proto3 scalar merge), so a hostile peer cannot make it grow.
import { ProtoReader, ProtoWriter, ProtobufError, WIRE_VARINT } from '../protobuf/index.js';
import { ControlMessageError } from './errors.js';

/** NebulaControl.MessageType None (nebula.proto). */
export const CONTROL_NONE = 0;
/** Ask a relay (or, from a relay, the target) to set up a relay between RelayFromIp and RelayToIp. */
export const CONTROL_CREATE_RELAY_REQUEST = 1;
/** The answer to CreateRelayRequest, naming both sides' relay indexes. */
export const CONTROL_CREATE_RELAY_RESPONSE = 2;

/** A NebulaControl message; absent fields are 0. */
export interface NebulaControl {
  /** MessageType; unknown values are kept (proto3 open enum) and ignored by the handler. */
  readonly type: number;
  /** The relay index the request's sender chose (it receives relayed packets under it). */
  readonly initiatorRelayIndex: number;
  /** The relay index the responder chose. */
  readonly responderRelayIndex: number;
  /** Overlay address of the relay's far end (the host the initiator wants to reach). */
  readonly relayToIp: number;
  /** Overlay address of the host that asked for the relay. */
  readonly relayFromIp: number;
}

/** Encodes a NebulaControl as gogoproto marshals it in 1.6.1: fields ascending, zero values omitted. */
export function encodeControl(m: Partial<NebulaControl>): Uint8Array {
  return new ProtoWriter()
    .uint32(1, m.type ?? 0)
    .uint32(2, m.initiatorRelayIndex ?? 0)
    .uint32(3, m.responderRelayIndex ?? 0)
    .uint32(4, m.relayToIp ?? 0)
    .uint32(5, m.relayFromIp ?? 0)
    .finish();
}

/**
 * Decodes the NebulaControl in buf[start, end). ControlMessageError for bad protobuf or a known field
 * with the wrong wire type; unknown fields are skipped, as Go does.
 */
export function decodeControl(buf: Uint8Array, start = 0, end = buf.length): NebulaControl {
  try {
    const r = new ProtoReader(buf, start, end);
    let type = 0;
    let initiatorRelayIndex = 0;
    let responderRelayIndex = 0;
    let relayToIp = 0;
    let relayFromIp = 0;
    while (!r.done) {
      const tag = r.readTag();
      switch (tag.field) {
        case 1: r.expectWireType(tag, WIRE_VARINT, 'Type'); type = r.readUint32(); break;
        case 2: r.expectWireType(tag, WIRE_VARINT, 'InitiatorRelayIndex'); initiatorRelayIndex = r.readUint32(); break;
        case 3: r.expectWireType(tag, WIRE_VARINT, 'ResponderRelayIndex'); responderRelayIndex = r.readUint32(); break;
        case 4: r.expectWireType(tag, WIRE_VARINT, 'RelayToIp'); relayToIp = r.readUint32(); break;
        case 5: r.expectWireType(tag, WIRE_VARINT, 'RelayFromIp'); relayFromIp = r.readUint32(); break;
        default: r.skip(tag);
      }
    }
    return { type, initiatorRelayIndex, responderRelayIndex, relayToIp, relayFromIp };
  } catch (e) {
    if (e instanceof ProtobufError) throw new ControlMessageError(e.message);
    throw e;
  }
}
