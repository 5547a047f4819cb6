// ProtoReader: varints at the 32/64-bit edges, Go's overflow rules, every wire type
// skipped, bounds checks, and typed errors for every malformed input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtoReader, ProtobufError, type ProtobufErrorReason } from '../../../src/tunnel/protobuf/index.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

function throwsReason(fn: () => unknown, reason: ProtobufErrorReason): void {
  assert.throws(fn, (e: unknown) => e instanceof ProtobufError && e.reason === reason && e.code === 'ERR_TIO_PROTOBUF');
}

test('varints decode at the 7-bit, 32-bit and 64-bit edges', () => {
  const cases: [number[], bigint][] = [
    [[0x00], 0n],
    [[0x01], 1n],
    [[0x7f], 127n],
    [[0x80, 0x01], 128n],
    [[0xac, 0x02], 300n],
    [[0xff, 0xff, 0xff, 0xff, 0x0f], 0xffffffffn],
    [[0x80, 0x80, 0x80, 0x80, 0x10], 0x100000000n],
    [[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 1n << 63n],
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], (1n << 64n) - 1n],
    // Non-minimal encodings are accepted, as Go's protowire accepts them.
    [[0x80, 0x00], 0n],
  ];
  for (const [enc, want] of cases) {
    assert.equal(new ProtoReader(bytes(...enc)).readUint64(), want, `uint64 ${enc}`);
    assert.equal(new ProtoReader(bytes(...enc)).readUint32(), Number(want & 0xffffffffn), `uint32 ${enc}`);
  }
});

test('int64 is two\'s complement over 10 bytes; bool is any non-zero value', () => {
  const minusOne = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
  assert.equal(new ProtoReader(minusOne).readInt64(), -1n);
  assert.equal(new ProtoReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).readInt64(), -(1n << 63n));
  assert.equal(new ProtoReader(bytes(0x02)).readBool(), true);
  assert.equal(new ProtoReader(bytes(0x80, 0x80, 0x80, 0x80, 0x10)).readBool(), true, 'only high bits set');
  assert.equal(new ProtoReader(bytes(0x00)).readBool(), false);
});

test('overlong and truncated varints are typed errors', () => {
  throwsReason(() => new ProtoReader(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)).readUint64(), 'overlong-varint');
  throwsReason(() => new ProtoReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)).readUint64(), 'overlong-varint');
  throwsReason(() => new ProtoReader(bytes()).readUint32(), 'truncated');
  throwsReason(() => new ProtoReader(bytes(0x80)).readUint32(), 'truncated');
  throwsReason(() => new ProtoReader(bytes(0xff, 0xff, 0xff)).readUint64(), 'truncated');
});

test('tags: field and wire type; field 0, > 2^29-1 and wire types 6/7 refused', () => {
  assert.deepEqual(new ProtoReader(bytes(0x0a)).readTag(), { field: 1, wireType: 2 });
  assert.deepEqual(new ProtoReader(bytes(0xf8, 0xff, 0xff, 0xff, 0x0f)).readTag(), { field: 0x1fffffff, wireType: 0 });
  throwsReason(() => new ProtoReader(bytes(0x02)).readTag(), 'bad-field-number');
  throwsReason(() => new ProtoReader(bytes(0x80, 0x80, 0x80, 0x80, 0x10)).readTag(), 'bad-field-number');
  throwsReason(() => new ProtoReader(bytes(0x0e)).readTag(), 'bad-wire-type');
  throwsReason(() => new ProtoReader(bytes(0x0f)).readTag(), 'bad-wire-type');
});

test('length-delimited values are views bounded by the range', () => {
  const buf = bytes(0x03, 0x61, 0x62, 0x63, 0x99);
  const r = new ProtoReader(buf, 0, 4);
  const v = r.readBytes();
  assert.deepEqual([...v], [0x61, 0x62, 0x63]);
  assert.equal(v.buffer, buf.buffer, 'a view, not a copy');
  assert.ok(r.done);
  throwsReason(() => new ProtoReader(buf, 0, 3).readBytes(), 'truncated');
  throwsReason(() => new ProtoReader(bytes(0x80, 0x80, 0x80, 0x80, 0x10)).readBytes(), 'truncated');
  throwsReason(() => new ProtoReader(buf, 2, 9), 'truncated');
});

test('strings must be valid UTF-8', () => {
  assert.equal(new ProtoReader(bytes(0x04, 0xf0, 0x9f, 0x8c, 0x8c)).readString(), '\u{1f30c}');
  throwsReason(() => new ProtoReader(bytes(0x02, 0xc3, 0x28)).readString(), 'bad-utf8');
  throwsReason(() => new ProtoReader(bytes(0x01, 0xff)).readString(), 'bad-utf8');
});

test('repeated uint32: packed, unpacked, and a packed body that ends inside a varint', () => {
  const out: number[] = [];
  const r = new ProtoReader(bytes(0x12, 0x03, 0x01, 0xac, 0x02, 0x10, 0x07));
  r.readRepeatedUint32(r.readTag(), 'Ips', out);
  r.readRepeatedUint32(r.readTag(), 'Ips', out);
  assert.deepEqual(out, [1, 300, 7]);
  assert.ok(r.done);
  const bad = new ProtoReader(bytes(0x12, 0x02, 0x01, 0xac, 0x02));
  throwsReason(() => bad.readRepeatedUint32(bad.readTag(), 'Ips', []), 'truncated');
  const wrong = new ProtoReader(bytes(0x15, 0, 0, 0, 0));
  throwsReason(() => wrong.readRepeatedUint32(wrong.readTag(), 'Ips', []), 'bad-wire-type');
});

test('skip() passes over every wire type, including nested groups', () => {
  const msg = bytes(
    0x08, 0x96, 0x01, // 1: varint 150
    0x11, 1, 2, 3, 4, 5, 6, 7, 8, // 2: fixed64
    0x1a, 0x02, 0xaa, 0xbb, // 3: bytes
    0x25, 1, 2, 3, 4, // 4: fixed32
    0x2b, // 5: start group
    0x33, 0x08, 0x01, 0x34, // 6: nested group holding a varint
    0x2c, // 5: end group
    0x38, 0x2a, // 7: varint 42
  );
  const r = new ProtoReader(msg);
  const seen: number[] = [];
  while (!r.done) {
    const tag = r.readTag();
    if (tag.field === 7) seen.push(r.readUint32());
    else r.skip(tag);
  }
  assert.deepEqual(seen, [42]);
});

test('malformed groups and truncated fixed values are typed errors', () => {
  const skipAll = (b: Uint8Array): void => {
    const r = new ProtoReader(b);
    while (!r.done) r.skip(r.readTag());
  };
  throwsReason(() => skipAll(bytes(0x2c)), 'bad-group');
  throwsReason(() => skipAll(bytes(0x2b, 0x34)), 'bad-group');
  throwsReason(() => skipAll(bytes(0x2b, 0x08, 0x01)), 'truncated');
  throwsReason(() => skipAll(bytes(0x11, 1, 2, 3)), 'truncated');
  throwsReason(() => skipAll(bytes(0x25, 1, 2, 3)), 'truncated');
  // Deep nesting is handled without recursion.
  const deep = new Uint8Array(200_001).fill(0x0b);
  throwsReason(() => skipAll(deep), 'truncated');
});

test('expectWireType names the field', () => {
  const r = new ProtoReader(bytes(0x08, 0x01));
  const tag = r.readTag();
  assert.throws(() => r.expectWireType(tag, 2, 'Name'), /field 1 \(Name\) has wire type 0, expected 2/);
});
