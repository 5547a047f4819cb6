// Numbers of the protobuf wire format (https://protobuf.dev/programming-guides/encoding/).

/** Wire type of varint-encoded scalars (int32/64, uint32/64, bool, enum). */
export const WIRE_VARINT = 0;
/** Wire type of 8-byte little-endian scalars (fixed64, sfixed64, double). */
export const WIRE_I64 = 1;
/** Wire type of length-delimited values (string, bytes, messages, packed repeated). */
export const WIRE_LEN = 2;
/** Wire type that opens a (deprecated) group. */
export const WIRE_SGROUP = 3;
/** Wire type that closes a (deprecated) group. */
export const WIRE_EGROUP = 4;
/** Wire type of 4-byte little-endian scalars (fixed32, sfixed32, float). */
export const WIRE_I32 = 5;

/** A varint encodes at most 64 bits in 7-bit groups, so at most 10 bytes (encoding guide, "Base 128 Varints"). */
export const MAX_VARINT_LEN = 10;

/** Largest field number: 2^29 - 1 (language guide, "Assigning Field Numbers"). */
export const MAX_FIELD_NUMBER = 0x1fffffff;

/** Largest uint32 value. */
export const MAX_UINT32 = 0xffffffff;
