// native/fd.c network-namespace switching: the way back is a tagged handle,
// and a thread that cannot get back aborts the process instead of running on
// in the wrong namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EBADF } from '../../src/errno.js';
import { native, nativeAvailable, type NetnsHandle } from '../../src/native.js';
import { runWithNative } from './child.js';

const OWN_NS = '/proc/self/ns/net';
const skip = !nativeAvailable ? 'native addon not built' : process.getuid?.() !== 0 ? 'needs root (setns)' : undefined;

function argError(re: RegExp): (e: unknown) => boolean {
  return (e: unknown) => e instanceof TypeError && (e as { code?: string }).code === 'ERR_TIO_NATIVE_ARG' && re.test(e.message);
}

test('netnsRestore takes only a handle from netnsEnter, once', { skip }, () => {
  const back = native.netnsEnter(OWN_NS);
  assert.notEqual(typeof back, 'number', `netnsEnter: ${String(typeof back === 'number' ? back : '')}`);
  assert.equal(native.netnsRestore(back as NetnsHandle), 0);
  assert.equal(native.netnsRestore(back as NetnsHandle), -EBADF, 'a second restore is refused, not run on a closed or reused fd');
  const aead = native.aeadCreate(0, new Uint8Array(32), true);
  for (const bogus of [0, -1, {}, aead]) {
    assert.throws(() => native.netnsRestore(bogus as unknown as NetnsHandle), argError(/not a namespace handle/));
  }
  assert.ok(typeof native.netnsEnter('/nonexistent/ns') === 'number');
});

test('a thread that cannot move back to its namespace aborts the process with a clear message', { skip }, async () => {
  // Dropping root inside inNetns takes away CAP_SYS_ADMIN, so the restore's setns fails (EPERM).
  const netnsUrl = new URL('../../src/io/netns.js', import.meta.url).href;
  const r = await runWithNative(`
    const { inNetns } = await import(${JSON.stringify(netnsUrl)});
    try {
      inNetns(${JSON.stringify(OWN_NS)}, () => process.setuid(65534));
    } catch (e) {
      console.log('continued after: ' + e.message);
      process.exit(3);
    }
    console.log('continued');
  `);
  assert.equal(r.signal, 'SIGABRT', `expected an abort; exit ${r.code}, stdout ${r.stdout}, stderr ${r.stderr}`);
  assert.doesNotMatch(r.stdout, /continued/);
  assert.match(r.stderr, /tio netnsRestore/);
  assert.match(r.stderr, /could not move the thread back to its network namespace \(setns: Operation not permitted\)/);
});
