// A Queue whose fd is a FIFO instead of a TUN device: lets unit tests (no
// root) see exactly which bytes a write issues, or that it issued none.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Capabilities, type WriteStrategy } from '../../src/index.js';
import { native } from '../../src/native.js';

/** A queue writing into a FIFO, and the FIFO's read end. */
export interface FifoQueue {
  queue: Queue;
  /** Everything written so far (drains the FIFO). */
  drain(): Buffer;
  /** Closes the queue and removes the FIFO. */
  dispose(): void;
}

/** Builds a queue over a FIFO with the given capabilities. */
export function fifoQueue(capabilities: Capabilities, writeStrategy: WriteStrategy = 'writev'): FifoQueue {
  const dir = mkdtempSync(join(tmpdir(), 'tio-fifo-'));
  const path = join(dir, 'q');
  execFileSync('mkfifo', [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  const closeFd = native.eventfdCreate();
  const queue = Queue.attach({ fd: writer, closeFd, name: 'fifo', index: 0, capabilities, writeStrategy, rxBufferSize: 65536 });
  const chunk = Buffer.alloc(1 << 17);
  return {
    queue,
    drain() {
      const parts: Buffer[] = [];
      for (;;) {
        let n = 0;
        try {
          n = readSync(reader, chunk, 0, chunk.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
          throw e;
        }
        if (n <= 0) break;
        parts.push(Buffer.from(chunk.subarray(0, n)));
      }
      return Buffer.concat(parts);
    },
    dispose() {
      queue.close();
      closeSync(reader);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
