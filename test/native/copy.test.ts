// native/copy.c copyPieces: index arrays in a SharedArrayBuffer can change
// while C runs. Each offset is read once and the checked copy is used, so a
// racing writer can make the call fail (-1) but never copy from outside src.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAvailable } from '../../src/native.js';
import { runWithNative } from './child.js';

const skip = nativeAvailable ? undefined : 'native addon not built';

test('an offset flipped by another thread between check and copy never reaches memcpy (no crash, no wrong bytes)', { skip, timeout: 60_000 }, async () => {
  const r = await runWithNative(`
    import { Worker } from 'node:worker_threads';
    import { setImmediate as turn } from 'node:timers/promises';
    const N = 4096;
    const offs = new Int32Array(new SharedArrayBuffer(4 * N));
    const lens = new Int32Array(N).fill(1);
    const ctl = new Int32Array(new SharedArrayBuffer(8));
    // The last offset flips between 0 and 1 GiB past the 64-byte source for as long as the main thread runs.
    const w = new Worker(\`
      const { workerData: { offs, ctl } } = require('node:worker_threads');
      const last = offs.length - 1;
      Atomics.store(ctl, 1, 1);
      while (Atomics.load(ctl, 0) === 0) {
        offs[last] = 1 << 30;
        offs[last] = 0;
      }
    \`, { eval: true, execArgv: [], workerData: { offs, ctl } });
    // The worker's start-up needs this thread's event loop: wait for it without blocking.
    while (Atomics.load(ctl, 1) === 0) await turn();
    const src = new Uint8Array(64).fill(7);
    const dst = new Uint8Array(N);
    let refused = 0, copied = 0;
    for (let i = 0; i < 20000; i++) {
      dst.fill(0);
      const r = native.copyPieces(src, offs, lens, N, dst, 0);
      if (r === -1) { refused++; continue; }
      if (r !== N || dst.some((b) => b !== 7)) throw new Error('wrong copy: ' + r);
      copied++;
    }
    Atomics.store(ctl, 0, 1);
    await w.terminate();
    console.log(JSON.stringify({ refused, copied }));
  `);
  assert.equal(r.signal, null, `child died of ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  const { refused, copied } = JSON.parse(r.stdout) as { refused: number; copied: number };
  assert.equal(refused + copied, 20000);
});
