// FdWatcher keeps a direction armed after it woke a waiter (no epoll_ctl per
// wake-up) but must neither lose readiness nor keep the event loop alive.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { native, nativeAvailable } from '../../src/native.js';
import { FdWatcher } from '../../src/io/readiness.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { collect } from '../../kit/run.js';

after(destroyAll);

test('a wait resolves on readiness, and readiness that comes while nobody waits is kept for the next wait', { skip: nativeAvailable ? undefined : 'native addon not built' }, async () => {
  const fd = native.eventfdCreate();
  assert.ok(fd >= 0);
  const w = new FdWatcher(fd, 'test eventfd');
  try {
    const first = w.readable();
    assert.equal(native.eventfdSignal(fd), 0);
    await first;
    // Nobody waits now; the eventfd stays readable. Give the loop turns to report it.
    await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 20));
    let resolved = false;
    const second = w.readable().then(() => (resolved = true));
    // Microtasks only: no loop turn, so no poll could have reported it anew.
    for (let i = 0; i < 3; i++) await Promise.resolve();
    assert.equal(resolved, true, 'the second wait found the kept readiness without polling again');
    await second;
  } finally {
    w.close(new Error('done'));
    native.closeFd(fd);
  }
});

const rootSkip = rootSkipReason();

test('after its last read a process exits by itself with the device still open (the armed poll does not hold the loop)', { skip: rootSkip, timeout: 30_000 }, async () => {
  const ns = Netns.create('rdy');
  try {
    // No IPv6: the kernel would send router solicitations, and a packet arriving after the read
    // takes the other path (fired with nobody waiting: disarmed). This test wants a quiet fd.
    ns.disableIpv6();
    const script = `
      import dgram from 'node:dgram';
      const { TunDevice } = await import(${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)});
      const d = TunDevice.open({ name: 'trdy0', addresses: ['198.18.91.1/24'] });
      const s = dgram.createSocket('udp4');
      s.send('x', 9, '198.18.91.2', () => s.close());
      const batch = await d.queues[0].read();
      console.log('read', batch.length);
    `;
    const child = ns.spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r = await collect(child, 10_000, 'child that read once');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^read [1-9]/m);
  } finally {
    ns.destroy();
  }
});
