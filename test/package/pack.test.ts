// The package as users get it: `npm pack` (which runs prepack: tsc and a native
// build copied to prebuilds/) and an install of the tarball into an empty
// project with install scripts off, as CI and security-minded shops run npm.
// There `tio` and `tio/tunnel` must import and open a TUN device on the
// shipped binary alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { prebuildKey } from '../../src/native-load.js';
import { onCleanup } from '../../kit/cleanup.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { run, tryRun } from '../../kit/run.js';

// dist/test/package/ -> the repository root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** npm pack compiles TypeScript twice and the addon once; on a loaded 2-core machine that takes minutes. */
const PACK_TIMEOUT_MS = 8 * 60_000;
/** An install of the tarball; yaml comes from npm's cache (filled by the repo's own `npm ci`) or the registry. */
const INSTALL_TIMEOUT_MS = 3 * 60_000;
/** Files in the package: 388 when written (dist/src .js + .d.ts, sources, prebuild); 1,439 when dist/test was shipped. */
const MAX_FILES = 700;
/** Newest glibc symbol version the shipped addon may need; README "Installation" states it (pthread_once moved into libc in 2.34). */
const GLIBC_FLOOR: readonly [number, number] = [2, 34];

/** Builds from the shipped sources take as long as the prepack build. */
const BUILD_TIMEOUT_MS = 5 * 60_000;

/** Runs npm's CLI with this Node (the npm that ships beside it, else `npm` on PATH), with extra environment `env`. */
function npm(args: readonly string[], cwd: string, timeoutMs: number, env: readonly string[] = []): string {
  const cli = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  const cmd = existsSync(cli) ? [process.execPath, cli] : ['npm'];
  return run('sh', ['-c', 'cd "$0" && exec env "$@"', cwd, ...env, ...cmd, ...args], { timeoutMs });
}

/** An empty ES-module project under the work dir, for installing the tarball into. */
function emptyProject(name: string, fields: Record<string, unknown> = {}): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `tio-pack-${name}`, private: true, type: 'module', ...fields }));
  return dir;
}

const npmSkip = tryRun('sh', ['-c', 'command -v tar'], { timeoutMs: 5_000 }) === undefined ? 'tar not installed' : undefined;
let work = '';
let tarball = '';
let files: string[] = [];

before(() => {
  if (npmSkip) return;
  work = mkdtempSync(join(tmpdir(), 'tio-pack-'));
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const out = join(work, 'out');
  mkdirSync(out);
  npm(['pack', '--pack-destination', out, '--no-audit', '--no-fund'], root, PACK_TIMEOUT_MS);
  const made = readdirSync(out).filter((f) => f.endsWith('.tgz'));
  assert.equal(made.length, 1, `npm pack made ${made.join(', ') || 'no tarball'}`);
  tarball = join(out, made[0]!);
  files = run('tar', ['-tzf', tarball]).split('\n').filter((l) => l !== '' && !l.endsWith('/'))
    .map((l) => l.replace(/^package\//, ''));
});
after(() => {
  destroyAll();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the compiled library, addon sources, build scripts, docs and the prebuilt addon, and no tests or benches', { skip: npmSkip }, () => {
  const key = prebuildKey();
  for (const f of [
    'package.json', 'LICENSE', 'README.md', 'SECURITY.md', 'binding.gyp', 'native/addon.c', 'native/tio.h',
    'scripts/build-native.mjs', 'scripts/install.mjs', 'dist/src/index.js', 'dist/src/index.d.ts',
    'dist/src/tunnel/index.js', 'dist/src/cli/main.js', `prebuilds/${key}/tio.node`, 'examples/tio.service', 'examples/config.yml',
  ]) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  const stray = files.filter((f) =>
    /^(dist\/(test|bench)|test|bench|src|build|node_modules)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts') && !f.endsWith('.d.ts'));
  assert.deepEqual(stray, [], 'no tests, benches, TypeScript sources, source maps or build tree');
  assert.ok(files.length <= MAX_FILES, `${files.length} files (at most ${MAX_FILES})`);
});

test('the LICENSE shipped is the MIT text package.json names', { skip: npmSkip }, () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string };
  assert.equal(pkg.license, 'MIT');
  const license = run('tar', ['-xzOf', tarball, 'package/LICENSE']);
  assert.match(license, /^MIT License\n\nCopyright \(c\) \d{4} tio contributors\n/);
  assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
});

test('the shipped addon embeds no path of the machine that built it and needs no glibc newer than README states', { skip: npmSkip }, () => {
  const extracted = join(work, 'extracted');
  mkdirSync(extracted, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', extracted]);
  const addon = join(extracted, 'package', 'prebuilds', prebuildKey(), 'tio.node');
  const bytes = readFileSync(addon);
  assert.ok(bytes.length > 0);
  assert.equal(bytes.includes(Buffer.from(root)), false, `no "${root}" inside the binary`);
  const versions = tryRun('readelf', ['-VW', addon]);
  if (versions === undefined) return; // binutils missing: the path check above still ran
  const needed = [...versions.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
  assert.ok(needed.length > 0, 'readelf lists the glibc versions the addon needs');
  for (const [maj, min] of needed) {
    assert.ok(maj < GLIBC_FLOOR[0] || (maj === GLIBC_FLOOR[0] && min <= GLIBC_FLOOR[1]), `needs GLIBC_${maj}.${min}, README says ${GLIBC_FLOOR.join('.')}`);
  }
});

test('installed with --ignore-scripts, tio and tio/tunnel import and open a TUN device on the prebuilt addon, and the CLI runs', { skip: npmSkip ?? rootSkipReason() }, () => {
  const project = emptyProject('ignore-scripts');
  npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], project, INSTALL_TIMEOUT_MS);
  const installed = join(project, 'node_modules', 'tio');
  assert.ok(existsSync(join(installed, 'package.json')), 'tio is installed');
  // Nothing was compiled, so the addon that loads below can only be the shipped one.
  assert.equal(existsSync(join(installed, 'build')), false, 'no build/ in the installed package');

  const ns = Netns.create('pk');
  const script = `
    import { TunDevice } from 'tio';
    import * as tunnel from 'tio/tunnel';
    const d = TunDevice.open({ name: 'tpk0', netns: ${JSON.stringify(ns.name)} });
    try {
      console.log(JSON.stringify({ name: d.name, fd: d.queues[0].fileDescriptor, tunnel: Object.keys(tunnel).length }));
    } finally {
      d.close();
    }`;
  const out = run('sh', ['-c', 'cd "$0" && exec "$1" --input-type=module -e "$2"', project, process.execPath, script]);
  const seen = JSON.parse(out.trim()) as { name: string; fd: number; tunnel: number };
  assert.equal(seen.name, 'tpk0');
  assert.ok(seen.fd >= 0, `a TUN file descriptor (${seen.fd})`);
  assert.ok(seen.tunnel > 0, 'tio/tunnel exports something');

  const usage = run(join(project, 'node_modules', '.bin', 'tio'), ['--help']);
  assert.match(usage, /usage: tio <command>/);
});

test('with scripts on, install takes the prebuild; TIO_BUILD_FROM_SOURCE=1 builds from the shipped sources; with no compiler the install fails saying how', { skip: npmSkip }, () => {
  // npm 11 runs a dependency's install script only when the project approves it.
  const project = emptyProject('scripts', { allowScripts: { tio: true } });
  const scripts = ['--foreground-scripts', '--no-audit', '--no-fund', '--prefer-offline'];
  const installLog = npm(['install', ...scripts, tarball], project, INSTALL_TIMEOUT_MS);
  const installed = join(project, 'node_modules', 'tio');
  assert.match(installLog, new RegExp(`tio: using the prebuilt addon prebuilds/${prebuildKey()}/tio\\.node; nothing to compile`));
  assert.equal(existsSync(join(installed, 'build')), false, 'nothing compiled');

  // The tarball alone (native/, binding.gyp, scripts) is enough to build the addon.
  npm(['rebuild', 'tio', ...scripts], project, BUILD_TIMEOUT_MS, ['TIO_BUILD_FROM_SOURCE=1']);
  const loader = JSON.stringify(pathToFileURL(join(installed, 'dist', 'src', 'native-load.js')).href);
  const which = run(process.execPath, ['--input-type=module', '-e', `
    const l = await import(${loader});
    const { addon, path } = l.loadAddonFrom(l.addonCandidates(l.packageRoot()));
    console.log(JSON.stringify({ path, sum: addon.checksumSum(new Uint8Array([1, 2, 3, 4]), 0, 4) }));`]);
  const seen = JSON.parse(which.trim()) as { path: string; sum: number };
  assert.equal(seen.path, join(installed, 'build', 'Release', 'tio.node'), 'the local build is loaded first');
  assert.equal(seen.sum, 0x0102 + 0x0304, 'RFC 1071 sum of 01 02 03 04');

  // Neither a shipped binary nor a compiler: the install fails with the loader's message.
  rmSync(join(installed, 'build'), { recursive: true, force: true });
  rmSync(join(installed, 'prebuilds'), { recursive: true, force: true });
  assert.throws(
    () => npm(['rebuild', 'tio', ...scripts], project, BUILD_TIMEOUT_MS, ['CC=/nonexistent/cc']),
    (e: Error) => /building the addon from native\/ failed/.test(e.message) && /could not be loaded/.test(e.message)
      && /npm rebuild tio/.test(e.message) && /C compiler/.test(e.message),
  );
});
