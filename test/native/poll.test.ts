// native/poll.c: handles are type-tagged (another addon external is refused,
// not run as a uv_poll_t), and closing an fd first closes its polls, so a
// reused fd number is never confused with the old one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, nativeAvailable, type PollHandle } from '../../src/native.js';
import { waitFor } from '../../kit/wait.js';
import { EXPECT_TYPE_ERROR, runWithNative } from './child.js';

const skip = nativeAvailable ? undefined : 'native addon not built';

test('poll entry points refuse an AEAD handle and other non-poll values with a TypeError (no crash)', { skip }, async () => {
  const r = await runWithNative(`${EXPECT_TYPE_ERROR}
    const aead = native.aeadCreate(0, new Uint8Array(32), true);
    if (typeof aead === 'number') throw new Error('aeadCreate: ' + aead);
    const re = /not a poll handle/;
    for (const [name, bogus] of [['aead', aead], ['object', {}], ['proxy', new Proxy({}, {})], ['number', 3], ['null', null]]) {
      expectTypeError('pollClose ' + name, () => native.pollClose(bogus), re);
      expectTypeError('pollRef ' + name, () => native.pollRef(bogus, true), re);
      expectTypeError('pollRef(false) ' + name, () => native.pollRef(bogus, false), re);
      expectTypeError('pollStart ' + name, () => native.pollStart(bogus, 1), re);
      expectTypeError('pollStop ' + name, () => native.pollStop(bogus), re);
    }
    // The AEAD handle is intact after all that.
    if (native.aeadPath(aead) < 0) throw new Error('aead handle damaged');
    native.aeadFree(aead);
    console.log('refused');
  `);
  assert.equal(r.signal, null, `child died of ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^refused$/m);
});

test('closeFd closes the fd\'s poll first: a poll on the reused fd number is created and fires', { skip }, async () => {
  const a = native.eventfdCreate();
  assert.ok(a >= 0);
  const stale = native.pollCreate(a, () => undefined);
  assert.notEqual(typeof stale, 'number');
  assert.equal(native.pollStart(stale as PollHandle, 1), 0);
  // The fd goes away while its poll is still running (the misuse).
  assert.equal(native.closeFd(a), 0);
  const b = native.eventfdCreate();
  assert.ok(b >= 0);
  let fresh: PollHandle | number = -1;
  try {
    // The lowest free number is handed out again: the same number as the closed fd.
    assert.equal(b, a, 'the fd number was reused');
    let fired = 0;
    fresh = native.pollCreate(b, (status, events) => {
      if (status === 0 && events & 1) fired++;
    });
    assert.notEqual(typeof fresh, 'number', `pollCreate on the reused fd failed: ${typeof fresh === 'number' ? fresh : ''}`);
    assert.equal(native.pollStart(fresh as PollHandle, 1), 0);
    // Closing the stale handle late must not unregister the new poll.
    native.pollClose(stale as PollHandle);
    assert.equal(native.pollStart(stale as PollHandle, 1) < 0, true, 'the stale handle stays closed');
    assert.equal(native.eventfdSignal(b), 0);
    await waitFor(() => fired > 0, 5_000, 'the poll on the reused fd to report readable');
  } finally {
    if (typeof fresh !== 'number') native.pollClose(fresh);
    native.closeFd(b);
  }
});
