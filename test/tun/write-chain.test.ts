// WriteChain keeps a queue's writes in order while one waits for room: each
// task starts only after every earlier one settled, a failure does not stop
// the ones behind it, and the chain reports busy exactly while tasks are pending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteChain } from '../../src/tun/write-chain.js';

/** A promise and the functions that settle it. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask (and the ones they queue) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

test('an idle chain is not busy', () => {
  assert.equal(new WriteChain().busy, false);
});

test('tasks start in the order they were enqueued, each only after the one before it settled', async () => {
  const chain = new WriteChain();
  const started: number[] = [];
  const gates = [deferred(), deferred(), deferred()];
  const results = gates.map((g, i) => chain.enqueue(() => {
    started.push(i);
    return g.promise;
  }));
  await flush();
  assert.deepEqual(started, [0], 'only the first task runs while it waits');
  assert.equal(chain.busy, true);
  gates[0]!.resolve();
  await results[0];
  await flush();
  assert.deepEqual(started, [0, 1], 'the second starts once the first settled, the third still waits');
  gates[1]!.resolve();
  gates[2]!.resolve();
  await Promise.all(results);
  assert.deepEqual(started, [0, 1, 2]);
});

test('a task that fails rejects its own promise only, and the tasks behind it still run in order', async () => {
  const chain = new WriteChain();
  const started: string[] = [];
  const first = deferred();
  const failed = chain.enqueue(() => {
    started.push('a');
    return first.promise;
  });
  const next = chain.enqueue(async () => {
    started.push('b');
  });
  first.reject(new Error('EIO'));
  await assert.rejects(failed, /EIO/);
  await next;
  assert.deepEqual(started, ['a', 'b']);
});

test('a task that throws synchronously is a rejection of its own promise, not of the caller', async () => {
  const chain = new WriteChain();
  const failed = chain.enqueue(() => {
    throw new Error('closed');
  });
  const after = chain.enqueue(() => Promise.resolve());
  await assert.rejects(failed, /closed/);
  await after;
});

test('busy stays true until the last pending task settled, then the chain is idle again', async () => {
  const chain = new WriteChain();
  const a = deferred();
  const b = deferred();
  const pa = chain.enqueue(() => a.promise);
  const pb = chain.enqueue(() => b.promise);
  a.resolve();
  await pa;
  await flush();
  assert.equal(chain.busy, true, 'the second task is still pending');
  b.resolve();
  await pb;
  await flush();
  assert.equal(chain.busy, false);
  // Idle again: a new task runs at once.
  let ran = false;
  await chain.enqueue(async () => {
    ran = true;
  });
  assert.equal(ran, true);
  await flush();
  assert.equal(chain.busy, false);
});

test('a task enqueued while the chain drains waits for the tasks before it', async () => {
  const chain = new WriteChain();
  const order: number[] = [];
  const gate = deferred();
  const p1 = chain.enqueue(async () => {
    await gate.promise;
    order.push(1);
  });
  gate.resolve();
  // Enqueued after the first task's gate opened but before it finished: it must not overtake it.
  const p2 = chain.enqueue(async () => {
    order.push(2);
  });
  await Promise.all([p1, p2]);
  assert.deepEqual(order, [1, 2]);
});
