// Worker side of the close test: attaches a queue handed over by the main
// thread, waits in read(), and reports how that read ended.
import { parentPort, workerData } from 'node:worker_threads';
import { Queue, type QueueHandle } from '../../src/index.js';

const q = Queue.attach(workerData as QueueHandle);
q.read().then(
  (batch) => parentPort!.postMessage({ outcome: 'packets', count: batch.length }),
  (e: { code?: string }) => parentPort!.postMessage({ outcome: 'rejected', code: e.code, closed: q.isClosed }),
);
parentPort!.postMessage({ outcome: 'reading' });
