// native/io.c writeParts: reading the parts array can run JS (a getter) that
// detaches a buffer of the same call. C must take data pointers only after
// every element is read, so it sends what the buffers hold then and never
// touches freed memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAvailable } from '../../src/native.js';
import { EXPECT_TYPE_ERROR, runWithNative } from './child.js';

const skip = nativeAvailable ? undefined : 'native addon not built';

// A file stands in for the TUN fd: writeParts is one writev (or write) on any fd.
const PRELUDE = `${EXPECT_TYPE_ERROR}
import { openSync, readFileSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dir = mkdtempSync(join(tmpdir(), 'tio-io-'));
let n = 0;
function sent(fn) {
  const file = join(dir, String(n++));
  const fd = openSync(file, 'w');
  let r;
  try { r = fn(fd); } finally { closeSync(fd); }
  return { r, bytes: readFileSync(file).toString('latin1') };
}
// Detaches (and, with the clone dropped and collected, frees) a buffer's memory.
function detach(u8) {
  (() => structuredClone(u8.buffer, { transfer: [u8.buffer] }))();
  globalThis.gc();
}
function withGetter(parts, index, before) {
  const v = parts[index];
  Object.defineProperty(parts, index, { get() { before(); return v; } });
  return parts;
}
`;

test('a getter on parts that detaches an earlier part: the write sees the part as it is then (empty), no stale pointer', { skip }, async () => {
  const r = await runWithNative(`${PRELUDE}
    const a = new Uint8Array(new ArrayBuffer(4)).fill(0x61);
    const b = new Uint8Array(4).fill(0x62);
    const parts = withGetter([a, b], 1, () => detach(a));
    const { r, bytes } = sent((fd) => native.writeParts(fd, null, parts, 2, null));
    console.log(JSON.stringify({ r, bytes }));
    rmSync(dir, { recursive: true });
  `);
  assert.equal(r.signal, null, `child died of ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { r: 4, bytes: 'bbbb' });
});

test('a getter on parts that frees the copy scratch or the header: refused with a TypeError, nothing written, no crash', { skip }, async () => {
  const r = await runWithNative(`${PRELUDE}
    // 4 MiB: allocated with mmap, so a use after free would fault instead of passing silently.
    const scratch = new Uint8Array(new ArrayBuffer(4 << 20));
    const hdr = new Uint8Array(new ArrayBuffer(10));
    const b = new Uint8Array(1000).fill(0x62);
    let out = sent((fd) => expectTypeError('scratch', () => native.writeParts(fd, null, withGetter([b, b], 1, () => detach(scratch)), 2, scratch), /copy scratch too small/));
    if (out.bytes !== '') throw new Error('scratch case wrote ' + out.bytes.length);
    out = sent((fd) => expectTypeError('hdr', () => native.writeParts(fd, hdr, withGetter([b, b], 0, () => detach(hdr)), 2, null), /header shorter/));
    if (out.bytes !== '') throw new Error('hdr case wrote ' + out.bytes.length);
    // A getter that throws: the exception propagates, nothing written.
    out = sent((fd) => {
      try {
        native.writeParts(fd, null, withGetter([b, b], 1, () => { throw new Error('boom'); }), 2, null);
      } catch (e) {
        if (e.message !== 'boom') throw e;
        return;
      }
      throw new Error('getter exception swallowed');
    });
    if (out.bytes !== '') throw new Error('throwing getter case wrote ' + out.bytes.length);
    console.log('refused');
    rmSync(dir, { recursive: true });
  `);
  assert.equal(r.signal, null, `child died of ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^refused$/m);
});
