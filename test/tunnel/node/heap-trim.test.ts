// The node returns freed malloc memory to the kernel after tunnels come and
// go (heap-trim.ts): HeapTrimmer's rule on its own, the native trim, and a
// node pair that trims once its tunnel is up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { HeapTrimmer, TRIM_INTERVAL_MS } from '../../../src/tunnel/node/heap-trim.js';
import { nativeAvailable, trimMallocHeap } from '../../../src/native.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { destroyAll, rootSkipReason, waitFor } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { withNodePair } from '../../helpers/node-pair.js';
import { ipU32 } from '../../helpers/overlay.js';
import { OVERLAY_B } from '../../helpers/node-pair.js';

after(destroyAll);

test('HeapTrimmer trims when the tunnel set changed, at most once per interval', () => {
  const t = new HeapTrimmer();
  t.tick(0, 0);
  assert.equal(t.trims, 0, 'nothing changed since start');
  t.tick(1000, 3);
  assert.equal(t.trims, 1, 'changed: trims at once');
  t.tick(1000 + TRIM_INTERVAL_MS - 1, 7);
  assert.equal(t.trims, 1, 'changed again, but within the interval');
  t.tick(1000 + TRIM_INTERVAL_MS, 7);
  assert.equal(t.trims, 2, 'the interval passed');
  t.tick(1000 + 5 * TRIM_INTERVAL_MS, 7);
  assert.equal(t.trims, 2, 'no change since the last trim');
});

test('trimMallocHeap returns freed heap pages: true after 25 MiB of buffers were freed, and RSS drops', { skip: nativeAvailable ? undefined : 'native addon not built' }, async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (o?: { type: 'major'; execution: 'sync' }) => void;
  trimMallocHeap();
  // 64 KiB each: below glibc's mmap threshold, so they live in the malloc heap.
  let held: Buffer[] | null = Array.from({ length: 400 }, () => Buffer.alloc(65536, 1));
  // One later allocation stays, so the freed ones lie below it rather than only at the top.
  const pin = Buffer.alloc(65536, 2);
  assert.equal(held.length, 400);
  held = null;
  gc({ type: 'major', execution: 'sync' });
  const before = process.memoryUsage().rss;
  // V8 frees ArrayBuffer backing stores from a background sweeper after the
  // GC returns; on a busy machine that can come later, so this waits for the
  // memory to reach free() and then for the trim to return it.
  let trimmed = false;
  let dropped = 0;
  await waitFor(() => {
    trimmed = trimMallocHeap() || trimmed;
    dropped = before - process.memoryUsage().rss;
    return dropped > 10 * 1048576;
  }, 10_000, 'RSS to drop 10 MiB after a trim').catch((e: unknown) => {
    throw new Error(`RSS dropped ${(dropped / 1048576).toFixed(1)} MiB (freed: 25 MiB)`, { cause: e });
  });
  assert.equal(trimmed, true);
  assert.equal(pin[0], 2);
});

test('a node trims the malloc heap once a tunnel has come up', { skip: rootSkipReason() ?? nebulaCertSkipReason(), timeout: 30_000 }, async () => {
  await withNodePair({ tag: 'htrim', net: 94 }, async ({ na, nb }) => {
    const before = nodeInternals(na).heapTrimmer.trims;
    assert.ok(na.connect(ipU32(OVERLAY_B)));
    await waitFor(() => nodeInternals(na).hostmap.size === 1 && nodeInternals(nb).hostmap.size === 1, 10_000, 'the tunnel');
    await waitFor(() => nodeInternals(na).heapTrimmer.trims > before, 5_000, 'a trim after the handshake');
  });
});
