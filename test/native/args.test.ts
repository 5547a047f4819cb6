// native/args.c tio_get_string: a string longer than its buffer or with an
// embedded NUL is refused, instead of C silently acting on a truncated name
// or path (a different interface or namespace than the one JS named).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, nativeAvailable } from '../../src/native.js';
import { OptionError } from '../../src/errors.js';
import { TunDevice } from '../../src/tun/device.js';
import { inNetns } from '../../src/io/netns.js';

const skip = nativeAvailable ? undefined : 'native addon not built';

function argError(re: RegExp): (e: unknown) => boolean {
  return (e: unknown) => e instanceof TypeError && (e as { code?: string }).code === 'ERR_TIO_NATIVE_ARG' && re.test(e.message);
}

/** PATH_MAX (include/uapi/linux/limits.h): netnsEnter's path buffer, NUL included. */
const PATH_MAX = 4096;
const OWN_NS = '/proc/self/ns/net';

/** Calls netnsEnter and, should it succeed after all (the bug), moves back before reporting. */
function enter(path: string): void {
  const r = native.netnsEnter(path);
  if (typeof r !== 'number') native.netnsRestore(r);
}

test('interface names with an embedded NUL are refused, not cut at the NUL', { skip }, () => {
  assert.ok(native.ifIndex('lo') > 0);
  assert.throws(() => native.ifIndex('lo\0anything'), argError(/no NUL/));
  assert.throws(() => native.ifIndex('\0'), argError(/no NUL/));
  // Too long for IFNAMSIZ (16 bytes with the NUL).
  assert.throws(() => native.ifIndex('x'.repeat(16)), argError(/shorter than 16 bytes/));
  assert.equal(native.ifIndex('x'.repeat(15)) < 0, true, 'a 15-byte name is accepted (and unknown)');
  assert.throws(() => native.tunOpen('tio\0evil', 0), argError(/no NUL/));
  // Multi-byte UTF-8: 8 two-byte characters are 16 bytes.
  assert.throws(() => native.ifIndex('é'.repeat(8)), argError(/shorter than 16 bytes/));
});

test('netnsEnter refuses a path longer than PATH_MAX or with a NUL instead of opening its prefix', { skip }, () => {
  // Cut at PATH_MAX - 1 bytes this is a valid path to the current namespace.
  const prefix = '/'.repeat(PATH_MAX - 1 - OWN_NS.length) + OWN_NS;
  assert.equal(Buffer.byteLength(prefix), PATH_MAX - 1);
  assert.throws(() => enter(`${prefix}/nonexistent`), argError(/PATH_MAX/));
  assert.throws(() => enter(`${OWN_NS}\0/nonexistent`), argError(/no NUL/));
});

test('the TypeScript layer names the bad option: TunDevice name and netns with a NUL', { skip }, () => {
  assert.throws(() => TunDevice.open({ name: 'tio\0x' }), (e: unknown) => e instanceof OptionError && /NUL/.test((e as Error).message));
  assert.throws(() => inNetns(`${OWN_NS}\0x`, () => 1), (e: unknown) => e instanceof OptionError && /NUL/.test((e as Error).message));
});
