// ProtoWriter: Go's canonical proto3 bytes (ascending fields, zero values omitted,
// packed repeated scalars), its refusals, and write/read round trips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtoReader, ProtoWriter, ProtobufError, varint32Size, type ProtobufErrorReason } from '../../../src/tunnel/protobuf/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function throwsReason(fn: () => unknown, reason: ProtobufErrorReason): void {
  assert.throws(fn, (e: unknown) => e instanceof ProtobufError && e.reason === reason);
}

test('zero values are omitted, set values encoded', () => {
  const empty = new ProtoWriter()
    .string(1, '').packedUint32(2, []).repeatedString(4, []).int64(5, 0n).uint32(6, 0)
    .bytes(7, new Uint8Array(0)).bool(8, false).uint64(9, 0n).finish();
  assert.equal(empty.length, 0);
  const full = new ProtoWriter()
    .string(1, 'a').packedUint32(2, [3323133953, 4294901760]).repeatedString(4, ['g1', '']).int64(5, 1n)
    .uint32(6, 300).bytes(7, Uint8Array.of(0xaa)).bool(8, true).uint64(9, 1n << 63n).finish();
  assert.equal(hex(full), [
    '0a0161', // 1: "a"
    '120a' + '8180ccb00c' + '8080fcff0f', // 2: packed 198.19.0.1, 255.255.0.0 (docs/PROTOCOL.md "Certificate encoding")
    '2202673122' + '00', // 4: "g1", "" (repeated elements are never omitted)
    '2801', // 5: 1
    '30ac02', // 6: 300
    '3a01aa', // 7
    '4001', // 8: true
    '48' + '80808080808080808001', // 9: 2^63
  ].join(''));
});

test('negative int64 takes 10 bytes; an empty embedded message is still emitted', () => {
  assert.equal(hex(new ProtoWriter().int64(5, -1n).finish()), '28ffffffffffffffffff01');
  assert.equal(hex(new ProtoWriter().message(1, new Uint8Array(0)).finish()), '0a00');
});

test('fields out of order, bad field numbers and out-of-range values are refused', () => {
  throwsReason(() => new ProtoWriter().uint32(2, 1).uint32(1, 1), 'field-order');
  throwsReason(() => new ProtoWriter().uint32(2, 0).uint32(2, 0), 'field-order');
  throwsReason(() => new ProtoWriter().uint32(0, 1), 'bad-field-number');
  throwsReason(() => new ProtoWriter().uint32(2 ** 29, 1), 'bad-field-number');
  throwsReason(() => new ProtoWriter().uint32(1, -1), 'bad-value');
  throwsReason(() => new ProtoWriter().uint32(1, 2 ** 32), 'bad-value');
  throwsReason(() => new ProtoWriter().uint32(1, 1.5), 'bad-value');
  throwsReason(() => new ProtoWriter().packedUint32(1, [1, -2]), 'bad-value');
  throwsReason(() => new ProtoWriter().uint64(1, -1n), 'bad-value');
  throwsReason(() => new ProtoWriter().uint64(1, 1n << 64n), 'bad-value');
  throwsReason(() => new ProtoWriter().int64(1, 1n << 63n), 'bad-value');
});

test('varint32Size matches the encoded length', () => {
  for (const v of [0, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1]) {
    const enc = new ProtoWriter().uint32(1, v).finish();
    assert.equal(enc.length - 1, v === 0 ? -1 : varint32Size(v), `value ${v}`);
  }
});

test('property: every value written reads back, and the buffer grows as needed', () => {
  const msg = fc.record({
    s: fc.string({ unit: 'grapheme', maxLength: 300 }),
    packed: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 200 }),
    strs: fc.array(fc.string({ maxLength: 20 }), { maxLength: 10 }),
    i64: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    u32: fc.nat({ max: 0xffffffff }),
    b: fc.uint8Array({ maxLength: 2000 }),
    flag: fc.boolean(),
    u64: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  });
  fc.assert(fc.property(msg, (m) => {
    const enc = new ProtoWriter().string(1, m.s).packedUint32(2, m.packed).repeatedString(4, m.strs).int64(5, m.i64)
      .uint32(6, m.u32).bytes(7, m.b).bool(8, m.flag).uint64(9, m.u64).finish();
    const got = { s: '', packed: [] as number[], strs: [] as string[], i64: 0n, u32: 0, b: new Uint8Array(0), flag: false, u64: 0n };
    const r = new ProtoReader(enc);
    let last = 0;
    while (!r.done) {
      const tag = r.readTag();
      assert.ok(tag.field >= last, 'ascending order');
      last = tag.field;
      switch (tag.field) {
        case 1: got.s = r.readString(); break;
        case 2: r.readRepeatedUint32(tag, 'packed', got.packed); break;
        case 4: got.strs.push(r.readString()); break;
        case 5: got.i64 = r.readInt64(); break;
        case 6: got.u32 = r.readUint32(); break;
        case 7: got.b = Uint8Array.from(r.readBytes()); break;
        case 8: got.flag = r.readBool(); break;
        case 9: got.u64 = r.readUint64(); break;
        default: assert.fail(`unexpected field ${tag.field}`);
      }
    }
    assert.deepEqual(got, { ...m }); // fast-check records have a null prototype
  }), { seed: 7, numRuns: 300 });
});
