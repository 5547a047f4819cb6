// Property: no input makes the reader throw anything but ProtobufError, or read
// outside its range, whatever the caller asks for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtoReader, ProtobufError } from '../../../src/tunnel/protobuf/index.js';

type Op = 'skip' | 'u32' | 'u64' | 'i64' | 'bool' | 'bytes' | 'string' | 'repeated';

function walk(buf: Uint8Array, start: number, end: number, ops: readonly Op[]): void {
  const r = new ProtoReader(buf, start, end);
  let i = 0;
  while (!r.done) {
    const tag = r.readTag();
    const op = ops[i++ % ops.length]!;
    switch (op) {
      case 'u32': r.readUint32(); break;
      case 'u64': r.readUint64(); break;
      case 'i64': r.readInt64(); break;
      case 'bool': r.readBool(); break;
      case 'bytes': {
        const v = r.readBytes();
        assert.ok(v.byteOffset >= buf.byteOffset + start && v.byteOffset + v.length <= buf.byteOffset + end, 'view inside the range');
        break;
      }
      case 'string': r.readString(); break;
      case 'repeated': r.readRepeatedUint32(tag, 'x', []); break;
      default: r.skip(tag);
    }
    assert.ok(r.pos <= end, 'never past the end');
  }
}

const ops = fc.array(fc.constantFrom<Op>('skip', 'u32', 'u64', 'i64', 'bool', 'bytes', 'string', 'repeated'), { minLength: 1, maxLength: 8 });

test('property: random bytes only ever raise ProtobufError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), ops, fc.nat({ max: 8 }), (buf, o, cut) => {
    const end = Math.max(0, buf.length - cut);
    try {
      walk(buf, 0, end, o);
    } catch (e) {
      if (!(e instanceof ProtobufError)) throw e;
    }
  }), { seed: 1, numRuns: 3000 });
});

test('property: well-formed prefixes cut anywhere only raise ProtobufError', () => {
  // Bytes biased towards valid tags and short lengths, so deeper paths are reached.
  const biased = fc.array(fc.oneof(fc.constantFrom(0x08, 0x0a, 0x11, 0x15, 0x1b, 0x1c, 0x02, 0x80, 0x01), fc.integer({ min: 0, max: 255 })), { maxLength: 200 });
  fc.assert(fc.property(biased, ops, (arr, o) => {
    const buf = Uint8Array.from(arr);
    for (let end = 0; end <= buf.length; end++) {
      try {
        walk(buf, 0, end, o);
      } catch (e) {
        if (!(e instanceof ProtobufError)) throw e;
      }
    }
  }), { seed: 2, numRuns: 300 });
});
