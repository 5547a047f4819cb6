// WriteOp is the reused record of one TUN write; parked() is what a write
// waiting on EAGAIN keeps: its own copy of everything the queue reuses, and
// the caller's bytes by reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteOp } from '../../src/tun/write-op.js';

test('packet() and inParts() each replace every field of the record', () => {
  const op = new WriteOp();
  const hdr = Buffer.alloc(10);
  const parts = [Uint8Array.of(1, 2), Uint8Array.of(3)];
  op.inParts(hdr, parts, 3, true);
  assert.deepEqual({ hdr: op.hdr, buf: op.buf, len: op.len, parts: op.parts, nparts: op.nparts, sp: op.superpacket },
    { hdr, buf: null, len: 3, parts, nparts: 2, sp: true });
  const buf = new Uint8Array(100);
  assert.equal(op.packet(null, buf, 7, 40, false), op, 'returns the record itself (no allocation)');
  assert.deepEqual({ hdr: op.hdr, buf: op.buf, off: op.off, len: op.len, parts: op.parts, nparts: op.nparts, sp: op.superpacket },
    { hdr: null, buf, off: 7, len: 40, parts: null, nparts: 0, sp: false });
});

test('parked() copies the header and the parts in the queue scratch, and keeps the caller\'s bytes by reference', () => {
  const scratch = new ArrayBuffer(64);
  const hdr = Buffer.from(scratch, 0, 10).fill(0xaa);
  const headers = new Uint8Array(scratch, 10, 20).fill(0xbb);
  const payload = Uint8Array.of(1, 2, 3);
  const op = new WriteOp().inParts(hdr, [headers, payload], 23, true);
  const parked = op.parked(new Uint8Array(scratch));
  assert.notEqual(parked, op);
  // The queue reuses its scratch and record for the next write.
  new Uint8Array(scratch).fill(0);
  op.packet(null, new Uint8Array(1), 0, 1, false);
  assert.deepEqual([...parked.hdr!], new Array(10).fill(0xaa), 'header copied');
  assert.deepEqual([...parked.parts![0]!], new Array(20).fill(0xbb), 'scratch-backed part copied');
  assert.equal(parked.parts![1], payload, 'the caller\'s part is referenced, not copied');
  assert.deepEqual({ len: parked.len, nparts: parked.nparts, sp: parked.superpacket, buf: parked.buf }, { len: 23, nparts: 2, sp: true, buf: null });
});

test('parked() of a plain packet keeps the caller\'s buffer and offset', () => {
  const buf = new Uint8Array(50);
  const hdr = Buffer.alloc(10);
  const parked = new WriteOp().packet(hdr, buf, 5, 20, false).parked(new Uint8Array(8));
  assert.equal(parked.buf, buf);
  assert.deepEqual({ off: parked.off, len: parked.len, parts: parked.parts }, { off: 5, len: 20, parts: null });
  assert.notEqual(parked.hdr, hdr, 'the header is the queue\'s scratch: copied');
});
