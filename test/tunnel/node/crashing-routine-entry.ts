// Test-only worker entry: the product routine (routine-worker.ts) plus one message it
// does not know, { t: 'crash' }, on which the thread throws from its event loop, an
// uncaught exception as a bug would raise. Spawned in place of the product entry by
// crashable-routines.ts.
import { parentPort } from 'node:worker_threads';
import '../../../src/tunnel/node/routine-worker.js';

parentPort!.on('message', (m: unknown) => {
  if (typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'crash') {
    setImmediate(() => {
      throw new Error('routine crash requested by the test');
    });
  }
});
