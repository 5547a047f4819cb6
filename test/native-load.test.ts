// Which addon file tio loads, and the error that says how to build one when none loads.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddonLoadError, addonCandidates, libc, loadAddonFrom, packageRoot, prebuildKey } from '../src/native-load.js';
import { TioError } from '../src/errors.js';
import { tryRun } from '../kit/run.js';

const dir = mkdtempSync(join(tmpdir(), 'tio-load-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const built = join(packageRoot(), 'build', 'Release', 'tio.node');

test('a from-source build is tried before the prebuild shipped for this platform', () => {
  assert.deepEqual(addonCandidates('/pkg'), ['/pkg/build/Release/tio.node', `/pkg/prebuilds/${prebuildKey()}/tio.node`]);
  assert.equal(prebuildKey(), `linux-${process.arch}-${libc()}`);
});

test('libc() tells glibc from musl as ldd does', { skip: tryRun('ldd', ['--version']) === undefined && 'ldd missing' }, () => {
  // glibc's ldd prints its version on stdout and exits 0; musl's prints to stderr and exits 1.
  const glibc = /GNU libc|GLIBC/i.test(tryRun('ldd', ['--version']) ?? '');
  assert.equal(libc(), glibc ? 'glibc' : 'musl');
});

test('when no candidate loads, the error has code ERR_TIO_NO_ADDON, says why each failed and how to build', () => {
  const missing = join(dir, 'missing.node');
  const garbage = join(dir, 'garbage.node');
  writeFileSync(garbage, 'not an ELF shared object');
  let err: unknown;
  try {
    loadAddonFrom([missing, garbage]);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof AddonLoadError && err instanceof TioError, 'an AddonLoadError');
  assert.equal(err.code, 'ERR_TIO_NO_ADDON');
  assert.deepEqual(err.failures.map((f) => f.path), [missing, garbage]);
  assert.equal(err.failures[0]!.reason, 'not found');
  assert.match(err.failures[1]!.reason, /invalid ELF header|file too short/);
  assert.ok(err.message.includes(`${missing}: not found`));
  assert.ok(err.message.includes(garbage));
  assert.match(err.message, /npm rebuild tio/);
  assert.match(err.message, /C compiler/);
  assert.match(err.message, /--ignore-scripts/);
});

test('the first candidate that loads wins, after ones that do not', { skip: !existsSync(built) && 'native addon not built' }, () => {
  const garbage = join(dir, 'garbage2.node');
  writeFileSync(garbage, 'x');
  const { addon, path } = loadAddonFrom<{ checksumSum: unknown }>([join(dir, 'none.node'), garbage, built]);
  assert.equal(path, built);
  assert.equal(typeof addon.checksumSum, 'function');
});
