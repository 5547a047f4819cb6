// native/sched.c: the yield a data path makes after a lone packet's write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, nativeAvailable } from '../../src/native.js';

test('schedYield runs sched_yield and reports success as 0, however often it is called', { skip: !nativeAvailable ? 'native addon not built' : undefined }, () => {
  for (let i = 0; i < 100; i++) assert.equal(native.schedYield(), 0);
});
