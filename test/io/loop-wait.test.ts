// The loop wait (waitInJavaScript, native/loop_wait.c): the thread sleeps in
// epoll_wait inside a JavaScript call, and tio's fds are dispatched from there.
// Watches started before it keep working, timers, immediates and promise jobs
// run as before, and the suites of every fd user pass with it on. The node
// test runner gives each file its own process, so this file turns it on for
// itself only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { native, nativeAvailable, POLL_READABLE, type PollHandle } from '../../src/native.js';
import { FdWatcher } from '../../src/io/readiness.js';
import { waitInJavaScript } from '../../src/io/loop-wait.js';
import { EBADF, EPERM } from '../../src/errno.js';
import { SyscallError } from '../../src/errors.js';
import { closeSync, readFileSync } from 'node:fs';
import { rootSkipReason } from '../../kit/netns.js';
import { collect } from '../../kit/run.js';
import { spawn } from 'node:child_process';

const skip = nativeAvailable ? undefined : 'native addon not built';

/** An eventfd and its watcher, closed after fn. */
async function withEventfd(fn: (fd: number, w: FdWatcher) => Promise<void>): Promise<void> {
  const fd = native.eventfdCreate();
  assert.ok(fd >= 0);
  const w = new FdWatcher(fd, 'test eventfd');
  try {
    await fn(fd, w);
  } finally {
    w.close(new Error('done'));
    native.closeFd(fd);
  }
}

// First in the file: the loop wait is still off here.
test('a wait started before the loop wait is turned on is woken by it', { skip }, async () => {
  await withEventfd(async (fd, w) => {
    const woken = w.readable();
    // Let libuv's epoll take the watch first, then move it over.
    await new Promise((r) => setImmediate(r));
    waitInJavaScript();
    assert.equal(native.eventfdSignal(fd), 0);
    await woken;
  });
});

test('readiness is delivered from the dispatcher, with no promise job in between', { skip }, async () => {
  waitInJavaScript(); // idempotent
  await withEventfd(async (fd, w) => {
    const stacks: string[] = [];
    await new Promise<void>((resolve) => {
      w.follow({
        onReady: () => {
          stacks.push(new Error('where').stack ?? '');
          // The eventfd stays readable: one call is all this test wants.
          w.unfollow();
          resolve();
        },
        onClosed: () => {},
      });
      assert.equal(native.eventfdSignal(fd), 0);
    });
    assert.match(stacks[0]!, /dispatch/);
    assert.match(stacks[0]!, /onEvent/);
    assert.doesNotMatch(stacks[0]!, /processTicksAndRejections|runMicrotasks/);
  });
});

test('timers, immediates and promise jobs run while a watched fd stays quiet', { skip }, async () => {
  await withEventfd(async (_fd, w) => {
    let readable = false;
    const never = w.readable().then(() => (readable = true), () => {});
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        order.push('timer');
        setImmediate(() => {
          order.push('immediate');
          void Promise.resolve().then(() => {
            order.push('job');
            resolve();
          });
        });
      }, 30);
    });
    assert.deepEqual(order, ['timer', 'immediate', 'job']);
    assert.equal(readable, false);
    w.close(new Error('done'));
    await never;
  });
});

/** utime + stime of the main thread, in clock ticks (USER_HZ, 100 on Linux: 10 ms). */
function mainThreadTicks(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** A readable eventfd and a poll handle on it whose callback is `onEvent`; both closed after fn. */
async function withReadyHandle(onEvent: (h: PollHandle) => void, fn: (h: PollHandle) => Promise<void>): Promise<void> {
  waitInJavaScript();
  const fd = native.eventfdCreate();
  assert.ok(fd >= 0);
  assert.equal(native.eventfdSignal(fd), 0); // never read: it stays readable
  let h: PollHandle | undefined;
  const created = native.pollCreate(fd, () => onEvent(h!));
  if (typeof created === 'number') assert.fail(`pollCreate: ${created}`);
  h = created;
  try {
    await fn(h);
  } finally {
    native.pollClose(h);
    native.closeFd(fd);
  }
}

test('a watch stopped while its fd stays ready stays quiet without keeping the thread busy, and fires again once started', { skip }, async () => {
  let calls = 0;
  let first!: () => void;
  const firstCall = new Promise<void>((r) => (first = r));
  let again!: () => void;
  const secondCall = new Promise<void>((r) => (again = r));
  await withReadyHandle((h) => {
    calls++;
    native.pollStop(h);
    (calls === 1 ? first : again)();
  }, async (h) => {
    assert.equal(native.pollStart(h, POLL_READABLE), 0);
    await firstCall;
    // The stopped handle stays in the wait's set for the rest of the turn; a wait that blocks must
    // not be ended by it, or the thread would spin through loop turns. Another watch, started and
    // quiet, keeps the dispatcher waiting meanwhile.
    await withEventfd(async (_quietFd, quiet) => {
      const never = quiet.readable().catch(() => {});
      // The main thread's own CPU time: V8's compiler and GC threads may be busy meanwhile.
      const ticks0 = mainThreadTicks();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 300));
      const wallTicks = (performance.now() - t0) / 10;
      const ticks = mainThreadTicks() - ticks0;
      assert.ok(ticks < wallTicks / 2, `the main thread ran ${ticks} of ${wallTicks.toFixed(0)} ticks`);
      quiet.close(new Error('done'));
      await never;
    });
    assert.equal(calls, 1);
    assert.equal(native.pollStart(h, POLL_READABLE), 0);
    await secondCall;
    assert.equal(calls, 2);
  });
});

test('a watch stopped and started again within a turn keeps firing', { skip }, async () => {
  let calls = 0;
  let done!: () => void;
  const twice = new Promise<void>((r) => (done = r));
  await withReadyHandle((h) => {
    calls++;
    native.pollStop(h);
    // As a reader does when its batch settles: a promise job later, before the next loop turn.
    if (calls === 1) void Promise.resolve().then(() => assert.equal(native.pollStart(h, POLL_READABLE), 0));
    else done();
  }, async (h) => {
    assert.equal(native.pollStart(h, POLL_READABLE), 0);
    await twice;
    assert.equal(calls, 2);
  });
});

test('an fd closed behind the watcher\'s back wakes its waiter, and later waits fail with the refused start', { skip }, async () => {
  const fd = native.eventfdCreate();
  assert.ok(fd >= 0);
  const w = new FdWatcher(fd, 'test eventfd');
  try {
    // Not through closeFd (which closes the poll first): the wait's epoll set then refuses the fd.
    closeSync(fd);
    await w.readable();
    await assert.rejects(w.readable(), (e: unknown) => e instanceof SyscallError && e.errno === EBADF);
  } finally {
    w.close(new Error('done'));
  }
});

test('loopWait refuses to run outside the dispatcher', { skip }, () => {
  assert.equal(native.loopWait(0), -EPERM);
  assert.equal(native.loopNext(new Int32Array(2)), undefined);
});

// The suites of every user of FdWatcher, again, with the loop wait on from the start.
const suites = ['io/readiness.test.js', 'udp/recv-each.test.js', 'udp/socket.test.js', 'tun/read-each.test.js', 'tun/queue-ebadf.test.js', 'tun/close.test.js'];
const here = fileURLToPath(new URL('.', import.meta.url));
const preload = new URL('../helpers/loop-wait-on.js', import.meta.url).href;
for (const suite of suites) {
  test(`${suite} passes with the loop wait on`, { skip: rootSkipReason(), timeout: 180_000 }, async () => {
    // Run directly (not under --test), so the suite runs in the process the preload set up;
    // without the runner's NODE_TEST_CONTEXT, or it would report in the runner's binary protocol.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--import', preload, '--test-reporter=tap', `${here}../${suite}`], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const r = await collect(child, 170_000, suite);
    assert.equal(r.code, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /^# loop wait on$/m);
    assert.match(r.stdout, /^# pass [1-9]/m);
    assert.match(r.stdout, /^# fail 0$/m);
  });
}
