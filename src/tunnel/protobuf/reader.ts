// A bounds-checked protobuf reader over a byte range. Every read checks the end
// of the range first, so truncated or hostile input fails with ProtobufError
// and never reads past the buffer. Semantics follow Go's protowire
// (google.golang.org/protobuf/encoding/protowire), which decodes nebula's messages.
import {
  MAX_FIELD_NUMBER, MAX_VARINT_LEN, WIRE_EGROUP, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_SGROUP, WIRE_VARINT,
} from './constants.js';
import { ProtobufError } from './errors.js';

/** A decoded field key: field number and wire type. */
export interface Tag {
  /** Field number, 1 .. 2^29 - 1. */
  readonly field: number;
  /** Wire type, 0 .. 5. */
  readonly wireType: number;
}

// Fatal decoder: proto3 strings must be valid UTF-8, and Go refuses those that are not.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Sequential reader of protobuf fields in buf[start, end). */
export class ProtoReader {
  private readonly buf: Uint8Array;
  private readonly end: number;
  private p: number;
  // Last varint split in two u32 halves, so 32-bit reads need no bigint.
  private lo = 0;
  private hi = 0;

  /** Reads buf[start, end); the range must lie inside buf. */
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    if (!(start >= 0 && start <= end && end <= buf.length)) {
      throw new ProtobufError('truncated', `range ${start}..${end} outside a ${buf.length}-byte buffer`);
    }
    this.buf = buf;
    this.p = start;
    this.end = end;
  }

  /** True when every byte of the range has been consumed. */
  get done(): boolean {
    return this.p >= this.end;
  }

  /** Offset of the next byte to read, within the whole buffer. */
  get pos(): number {
    return this.p;
  }

  /** Reads a field key; refuses field number 0, numbers above 2^29 - 1 and wire types 6 and 7. */
  readTag(): Tag {
    this.varint();
    const wireType = this.lo & 7;
    // field = value >>> 3 over 64 bits; anything above 2^29 - 1 has bits in hi or is too big in lo.
    const field = this.hi === 0 ? this.lo >>> 3 : MAX_FIELD_NUMBER + 1;
    if (field === 0 || field > MAX_FIELD_NUMBER) {
      throw new ProtobufError('bad-field-number', `field number ${this.hi === 0 ? field : '>= 2^29'} at offset ${this.p}`);
    }
    if (wireType > WIRE_I32) throw new ProtobufError('bad-wire-type', `wire type ${wireType} for field ${field}`);
    return { field, wireType };
  }

  /** Throws unless `tag` has wire type `wireType`; `name` names the field in the message. */
  expectWireType(tag: Tag, wireType: number, name: string): void {
    if (tag.wireType !== wireType) {
      throw new ProtobufError('bad-wire-type', `field ${tag.field} (${name}) has wire type ${tag.wireType}, expected ${wireType}`);
    }
  }

  /** Reads a varint as an unsigned 64-bit value. */
  readUint64(): bigint {
    this.varint();
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Reads a varint as a signed 64-bit value (two's complement, as int64 fields are encoded). */
  readInt64(): bigint {
    return BigInt.asIntN(64, this.readUint64());
  }

  /** Reads a varint as uint32, keeping the low 32 bits as Go does for uint32 fields. */
  readUint32(): number {
    this.varint();
    return this.lo;
  }

  /** Reads a varint as bool: any non-zero value is true (Go's protowire.DecodeBool). */
  readBool(): boolean {
    this.varint();
    return this.lo !== 0 || this.hi !== 0;
  }

  /** Reads a length-delimited value; the result is a view into the input, not a copy. */
  readBytes(): Uint8Array {
    const start = this.lenPrefix();
    return this.buf.subarray(start, this.p);
  }

  /** Reads a length-delimited value as a UTF-8 string; invalid UTF-8 is refused. */
  readString(): string {
    const bytes = this.readBytes();
    try {
      return UTF8.decode(bytes);
    } catch {
      throw new ProtobufError('bad-utf8', `string of ${bytes.length} bytes ending at offset ${this.p} is not valid UTF-8`);
    }
  }

  /**
   * Reads one occurrence of a repeated uint32 field and appends its values to `out`:
   * packed (wire type 2) or a single unpacked element (wire type 0); Go accepts both.
   */
  readRepeatedUint32(tag: Tag, name: string, out: number[]): void {
    if (tag.wireType === WIRE_VARINT) {
      out.push(this.readUint32());
      return;
    }
    this.expectWireType(tag, WIRE_LEN, name);
    const start = this.lenPrefix();
    const inner = new ProtoReader(this.buf, start, this.p);
    while (!inner.done) out.push(inner.readUint32());
  }

  /** Skips the value of a field with the given tag, including whole (nested) groups. */
  skip(tag: Tag): void {
    switch (tag.wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.fixed(8);
        return;
      case WIRE_LEN:
        this.lenPrefix();
        return;
      case WIRE_I32:
        this.fixed(4);
        return;
      case WIRE_SGROUP:
        this.skipGroup(tag.field);
        return;
      case WIRE_EGROUP:
        throw new ProtobufError('bad-group', `end of group ${tag.field} without a start`);
      default:
        throw new ProtobufError('bad-wire-type', `wire type ${tag.wireType} for field ${tag.field}`);
    }
  }

  // Skips to the end-group tag matching `field`. Iterative, with an explicit stack,
  // so deeply nested groups in hostile input cannot overflow the call stack.
  private skipGroup(field: number): void {
    const open = [field];
    while (open.length > 0) {
      if (this.done) throw new ProtobufError('truncated', `group ${open[open.length - 1]} not closed`);
      const t = this.readTag();
      if (t.wireType === WIRE_SGROUP) {
        open.push(t.field);
      } else if (t.wireType === WIRE_EGROUP) {
        const top = open.pop();
        if (t.field !== top) throw new ProtobufError('bad-group', `end of group ${t.field} closes group ${top}`);
      } else {
        this.skip(t);
      }
    }
  }

  // Reads a length prefix, checks the value fits, moves past it; returns its start.
  private lenPrefix(): number {
    this.varint();
    const avail = this.end - this.p;
    if (this.hi !== 0 || this.lo > avail) {
      throw new ProtobufError('truncated', `length ${this.hi !== 0 ? '>= 2^32' : this.lo} at offset ${this.p} exceeds the ${avail} bytes left`);
    }
    const start = this.p;
    this.p += this.lo;
    return start;
  }

  private fixed(n: number): void {
    if (this.end - this.p < n) throw new ProtobufError('truncated', `${n}-byte fixed value at offset ${this.p}`);
    this.p += n;
  }

  // Decodes a varint into lo/hi (unsigned 32-bit halves). Go's rules: at most 10
  // bytes, and the 10th byte may only be 0 or 1 (bit 63); non-minimal encodings are accepted.
  private varint(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < MAX_VARINT_LEN; i++) {
      if (this.p >= this.end) throw new ProtobufError('truncated', `varint at offset ${this.p}`);
      const b = buf[this.p++]!;
      const v = b & 0x7f;
      if (i < 4) {
        lo |= v << (7 * i); // bits 0..27
      } else if (i === 4) {
        lo |= (v & 0x0f) << 28; // bits 28..31
        hi = v >>> 4; // bits 32..34
      } else if (i < 9) {
        hi |= v << (7 * i - 32); // bits 35..62
      } else if (b > 1) {
        throw new ProtobufError('overlong-varint', `10th varint byte 0x${b.toString(16)} at offset ${this.p - 1}`);
      } else {
        hi |= b << 31; // bit 63
      }
      if ((b & 0x80) === 0) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    // Unreachable: the 10th byte either ends the varint or throws above.
    throw new ProtobufError('overlong-varint', `varint longer than ${MAX_VARINT_LEN} bytes at offset ${this.p}`);
  }
}
