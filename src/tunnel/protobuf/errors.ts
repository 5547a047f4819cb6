// Errors of the protobuf codec. Decoding untrusted bytes (certificates, handshake
// payloads from the network) must fail with this, never with a RangeError.
import { TioError } from '../../errors.js';

/** Why protobuf bytes could not be decoded, or why a value could not be encoded. */
export type ProtobufErrorReason =
  | 'truncated' // input ends inside a tag, varint, fixed value or length-delimited value
  | 'overlong-varint' // a varint longer than 10 bytes or above 2^64 - 1
  | 'bad-field-number' // field number 0 or above 2^29 - 1
  | 'bad-wire-type' // wire type 6 or 7, or a known field with a wire type its type never uses
  | 'bad-group' // an end-group tag without its start, or with another field number
  | 'bad-utf8' // a proto3 string field that is not valid UTF-8 (Go's decoder refuses those too)
  | 'field-order' // writer: fields must be written in ascending order (Go's canonical order)
  | 'bad-value'; // writer: a value outside its type's range

/** Malformed protobuf input, or a writer misuse; `reason` says which. */
export class ProtobufError extends TioError {
  /** Machine-readable cause. */
  readonly reason: ProtobufErrorReason;
  constructor(reason: ProtobufErrorReason, detail: string) {
    super('ERR_TIO_PROTOBUF', `protobuf ${reason}: ${detail}`);
    this.reason = reason;
  }
}
