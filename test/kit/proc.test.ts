// /proc/PID/stat parsing: utime and stime counted from the last ')', whatever the command name holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuSecondsOf, parseProcStat } from '../../kit/proc.js';

// Fields 14 and 15 (utime, stime) are 7 and 3 here.
const tail = 'S 1 1 1 0 -1 4194304 99 0 0 0 7 3 0 0 20 0 4 0 662952 3133440 407';

test('parseProcStat reads utime and stime of a plain name', () => {
  assert.deepEqual(parseProcStat(`4242 (node) ${tail}\n`), { utime: 7, stime: 3 });
});

test('parseProcStat counts fields from the last parenthesis of a name with spaces and parentheses', () => {
  assert.deepEqual(parseProcStat(`4242 (a) b (c) ${tail}`), { utime: 7, stime: 3 });
});

test('parseProcStat rejects text of another shape', () => {
  assert.throws(() => parseProcStat('no parenthesis here'), /not \/proc\/PID\/stat/);
  assert.throws(() => parseProcStat('1 (x) S 1 2'), /without utime\/stime/);
});

test('cpuSecondsOf grows while this process burns CPU', () => {
  const before = cpuSecondsOf(process.pid);
  const t0 = process.cpuUsage();
  // Bounded busy work: until process.cpuUsage says 50 ms of CPU went by.
  let x = 0;
  for (let i = 0; i < 1e9 && process.cpuUsage(t0).user < 50_000; i++) x += i;
  assert.ok(x > 0);
  assert.ok(cpuSecondsOf(process.pid) > before, 'utime+stime grew');
});
