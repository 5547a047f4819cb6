// A protobuf writer that produces the bytes Go's proto.Marshal produces for proto3
// messages: fields in ascending number order, singular zero values omitted,
// repeated scalars packed. Nebula signs and fingerprints re-marshalled bytes
// (docs/PROTOCOL.md "Signature and fingerprint"), so this must be byte-exact, not merely decodable.
import { MAX_FIELD_NUMBER, MAX_UINT32, WIRE_LEN, WIRE_VARINT } from './constants.js';
import { ProtobufError } from './errors.js';

const UTF8 = new TextEncoder();
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Appends fields in ascending order to a growing buffer; `finish()` returns the message bytes. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;
  private lastField = 0;

  /** Writes a uint32 field; 0 is omitted (proto3 default). */
  uint32(field: number, value: number): this {
    this.order(field);
    checkUint32(value, field);
    if (value !== 0) {
      this.key(field, WIRE_VARINT);
      this.varint32(value);
    }
    return this;
  }

  /** Writes a uint64 field; 0 is omitted. */
  uint64(field: number, value: bigint): this {
    this.order(field);
    if (value < 0n || value > UINT64_MAX) throw new ProtobufError('bad-value', `field ${field}: ${value} is not a uint64`);
    if (value !== 0n) {
      this.key(field, WIRE_VARINT);
      this.varint64(value);
    }
    return this;
  }

  /** Writes an int64 field (negative values take 10 bytes, two's complement); 0 is omitted. */
  int64(field: number, value: bigint): this {
    this.order(field);
    if (value < INT64_MIN || value > INT64_MAX) throw new ProtobufError('bad-value', `field ${field}: ${value} is not an int64`);
    if (value !== 0n) {
      this.key(field, WIRE_VARINT);
      this.varint64(BigInt.asUintN(64, value));
    }
    return this;
  }

  /** Writes a bool field as 1; false is omitted. */
  bool(field: number, value: boolean): this {
    this.order(field);
    if (value) {
      this.key(field, WIRE_VARINT);
      this.byte(1);
    }
    return this;
  }

  /** Writes a bytes field; an empty value is omitted. */
  bytes(field: number, value: Uint8Array): this {
    this.order(field);
    if (value.length > 0) this.lenField(field, value);
    return this;
  }

  /** Writes a string field as UTF-8; the empty string is omitted. */
  string(field: number, value: string): this {
    this.order(field);
    if (value.length > 0) this.lenField(field, UTF8.encode(value));
    return this;
  }

  /** Writes an embedded message that is set: emitted even when empty, as Go does for a non-nil message. */
  message(field: number, encoded: Uint8Array): this {
    this.order(field);
    this.lenField(field, encoded);
    return this;
  }

  /** Writes a repeated embedded message field: one field per element, in order, empty ones included (as Go does). */
  repeatedMessage(field: number, encoded: readonly Uint8Array[]): this {
    this.order(field);
    for (const e of encoded) this.lenField(field, e);
    return this;
  }

  /** Writes a repeated string field: one field per element, in order, empty strings included. */
  repeatedString(field: number, values: readonly string[]): this {
    this.order(field);
    for (const v of values) this.lenField(field, UTF8.encode(v));
    return this;
  }

  /** Writes a repeated uint32 field packed into one length-delimited value; an empty list is omitted. */
  packedUint32(field: number, values: readonly number[]): this {
    this.order(field);
    if (values.length === 0) return this;
    let size = 0;
    for (const v of values) {
      checkUint32(v, field);
      size += varint32Size(v);
    }
    this.key(field, WIRE_LEN);
    this.varint32(size);
    for (const v of values) this.varint32(v);
    return this;
  }

  /** The bytes written so far, as a new array of exactly that length. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  // Go's marshaller emits fields by ascending number; refusing anything else
  // keeps every encoder in this project canonical by construction.
  private order(field: number): void {
    if (!Number.isInteger(field) || field < 1 || field > MAX_FIELD_NUMBER) {
      throw new ProtobufError('bad-field-number', `field number ${field}`);
    }
    if (field <= this.lastField) {
      throw new ProtobufError('field-order', `field ${field} written after field ${this.lastField}`);
    }
    this.lastField = field;
  }

  private key(field: number, wireType: number): void {
    // field <= 2^29 - 1, so field * 8 + wireType < 2^32.
    this.varint32(field * 8 + wireType);
  }

  private lenField(field: number, value: Uint8Array): void {
    this.key(field, WIRE_LEN);
    this.varint32(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
  }

  private varint32(v: number): void {
    this.reserve(5);
    while (v >= 0x80) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v >>>= 7; // unsigned shift: v may be >= 2^31
    }
    this.buf[this.len++] = v;
  }

  private varint64(v: bigint): void {
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/** Number of bytes the varint encoding of a uint32 takes (1..5). */
export function varint32Size(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

function checkUint32(v: number, field: number): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_UINT32) {
    throw new ProtobufError('bad-value', `field ${field}: ${v} is not a uint32`);
  }
}
