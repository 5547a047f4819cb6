// native/netdev.c ifAddrChange: only the kernel's NLMSG_ERROR ack for the
// request counts as success, and the wait for it is bounded. The kernel
// always acks, so the lost ack is simulated with strace fault injection on
// recvfrom in a child inside a namespace this test creates.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EEXIST, ETIMEDOUT } from '../../src/errno.js';
import { nativeAvailable } from '../../src/native.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { collect, tryRun } from '../../kit/run.js';

after(destroyAll);

const NATIVE_URL = new URL('../../src/native.js', import.meta.url).href;
const skip = !nativeAvailable
  ? 'native addon not built'
  : rootSkipReason() ?? (tryRun('strace', ['-qq', '-e', 'trace=none', 'true']) === undefined ? 'strace (with ptrace) not available' : undefined);

/** ifAddrChange(lo, add 198.18.77.<host>/32) in a child, with `inject` (strace -e inject=...) on its recvfrom calls. */
async function addAddress(ns: Netns, host: number, inject: string | null): Promise<number> {
  const script = `
    const { native } = await import(${JSON.stringify(NATIVE_URL)});
    console.log(native.ifAddrChange('lo', true, 4, Uint8Array.of(198, 18, 77, ${host}), 32));
  `;
  // Without -f only the main thread (where the call runs) is traced.
  const trace = inject === null ? [] : ['strace', '-qq', '-o', '/dev/null', '-e', 'trace=recvfrom', '-e', `inject=recvfrom:${inject}`];
  const argv = [...trace, process.execPath, '--input-type=module', '-e', script];
  const child = ns.spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collect(child, 30_000, 'ifAddrChange child');
  assert.equal(r.code, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('ifAddrChange succeeds only on the kernel\'s ack, and a missing ack is -ETIMEDOUT, not success', { skip, timeout: 60_000 }, async () => {
  const ns = Netns.create('nlack');
  try {
    // Every receive "returns" 16 bytes without reading anything: no ack ever arrives.
    assert.equal(await addAddress(ns, 1, 'retval=16'), -ETIMEDOUT, 'no ack within the timeout');
    // The socket's receive timeout expiring (recvfrom fails with EAGAIN) is reported as ETIMEDOUT too.
    assert.equal(await addAddress(ns, 2, 'error=EAGAIN'), -ETIMEDOUT);
    // Untouched, the kernel acks: 0, then its refusal (EEXIST) for the same address again.
    assert.equal(await addAddress(ns, 3, null), 0);
    assert.equal(await addAddress(ns, 3, null), -EEXIST);
  } finally {
    ns.destroy();
  }
});
