// The addon is built hardened (binding.gyp): a memory bug in it should trap
// (stack protector, fortified libc calls) instead of being exploitable, and its
// GOT should be read-only after load (full RELRO).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tryRun } from '../../kit/run.js';

const addon = fileURLToPath(new URL('../../../build/Release/tio.node', import.meta.url));
const readelf = tryRun('readelf', ['--version']) === undefined ? null : 'readelf';
const skip = !existsSync(addon) ? 'native addon not built' : readelf === null ? 'readelf not installed' : undefined;

test('the addon is linked with full RELRO (GNU_RELRO segment and BIND_NOW)', { skip }, () => {
  const segments = tryRun('readelf', ['-lW', addon]) ?? '';
  assert.match(segments, /GNU_RELRO/);
  const dynamic = tryRun('readelf', ['-dW', addon]) ?? '';
  assert.match(dynamic, /\(FLAGS\)\s+BIND_NOW|\(FLAGS_1\)\s+Flags:.*\bNOW\b/);
  // A non-executable stack: GNU_STACK without the E bit.
  assert.match(segments, /GNU_STACK(\s+\S+){5}\s+RW\s/);
});

test('the addon is compiled with the stack protector and _FORTIFY_SOURCE', { skip }, () => {
  const symbols = tryRun('readelf', ['--dyn-syms', '-W', addon]) ?? '';
  assert.match(symbols, /\b__stack_chk_fail\b/, 'stack protector calls __stack_chk_fail');
  assert.match(symbols, /\b__(?!stack_chk)\w+_chk@/, 'fortified libc calls (__*_chk)');
});
