// Worker side of the multi-queue close tests: attaches a queue handed over by
// the main thread and reads in a loop (optionally writing each packet back),
// reporting when traffic arrives and, at the end, how the loop ended.
import { parentPort, workerData } from 'node:worker_threads';
import { ClosedError, Queue, type QueueHandle } from '../../src/index.js';

const { handle, echo } = workerData as { handle: QueueHandle; echo: boolean };
const q = Queue.attach(handle);
let packets = 0;
let writes = 0;
let writeErrors = 0;
let firstWriteError: string | undefined;
let announced = false;
parentPort!.postMessage({ outcome: 'reading', index: q.index });
for (;;) {
  try {
    const batch = await q.read();
    packets += batch.length;
    if (!announced) {
      announced = true;
      parentPort!.postMessage({ outcome: 'traffic', index: q.index });
    }
    if (echo) {
      // Back into the kernel (a packet from our own address: it is dropped there), racing the close.
      for (const p of batch) {
        try {
          await q.write(p);
          writes++;
        } catch (e) {
          if (e instanceof ClosedError) throw e;
          writeErrors++;
          firstWriteError ??= String(e);
        }
      }
    }
  } catch (e) {
    const err = e as { code?: string; message?: string };
    parentPort!.postMessage({ outcome: 'rejected', index: q.index, code: err.code, message: err.message, closed: q.isClosed, packets, writes, writeErrors, firstWriteError, ringReads: q.stats().rxRingReads });
    break;
  }
}
