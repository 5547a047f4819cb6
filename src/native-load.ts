/**
 * Finding and loading tio's compiled addon: a from-source build on this machine
 * first, then the prebuilt binary the package ships for this platform.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TioError } from './errors.js';

/** File name of the addon: binding.gyp's target_name plus node-gyp's ".node". */
export const ADDON_FILE = 'tio.node';

/** Folder of the shipped binaries, one subfolder per prebuildKey() (written by scripts/prebuild.mjs). */
export const PREBUILDS_DIR = 'prebuilds';

/** What to do when no addon loads; shared by the load error and scripts/install.mjs. */
export const BUILD_HINT =
  'tio ships a prebuilt addon for linux-x64 with glibc (see README "Installation"); anywhere else it is built ' +
  'from native/ at install, which needs a C compiler (cc), make and python3. Install those, then run ' +
  '`npm rebuild tio` (in a checkout of tio itself: `npm run build`); an install with --ignore-scripts skips that build.';

/** No candidate addon loaded; the message lists each candidate and why it failed, then how to build. */
export class AddonLoadError extends TioError {
  /** Each candidate path with the reason it did not load, in the order tried. */
  readonly failures: readonly { path: string; reason: string }[];
  constructor(failures: readonly { path: string; reason: string }[]) {
    const lines = failures.map((f) => `  ${f.path}: ${f.reason}`).join('\n');
    super('ERR_TIO_NO_ADDON', `tio's native addon could not be loaded; tried:\n${lines}\n${BUILD_HINT}`);
    this.failures = failures;
  }
}

/** Shape of the report fields read below; Node's types leave the report untyped. */
interface ReportApi {
  excludeNetwork?: boolean;
  getReport(): { header?: { glibcVersionRuntime?: string } };
}

/** The C library of this process on Linux: Node's diagnostic report names a glibc version, musl builds have none. */
export function libc(): 'glibc' | 'musl' {
  const report = process.report as unknown as ReportApi | undefined;
  // A Node built without diagnostic reports: guess the common case; a wrong guess only fails the load.
  if (report === undefined) return 'glibc';
  // Without sockets in the report it costs a few milliseconds and no DNS lookups.
  const before = report.excludeNetwork;
  report.excludeNetwork = true;
  try {
    return report.getReport().header?.glibcVersionRuntime ? 'glibc' : 'musl';
  } finally {
    report.excludeNetwork = before;
  }
}

/** Subfolder of prebuilds/ for this process, e.g. "linux-x64-glibc" (libc only on Linux). */
export function prebuildKey(): string {
  const base = `${process.platform}-${process.arch}`;
  return process.platform === 'linux' ? `${base}-${libc()}` : base;
}

/** The package's root: the nearest folder up from this module that holds binding.gyp. */
export function packageRoot(): string {
  // dist/src/native-load.js is two levels below the root, src/native-load.ts one.
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  return dirname(dirname(here));
}

/** The shipped binary for this platform under root. */
export function prebuildPath(root: string): string {
  return join(root, PREBUILDS_DIR, prebuildKey(), ADDON_FILE);
}

/** Addon files to try, in order: a from-source build (node-gyp's build/Release), then the shipped prebuild. */
export function addonCandidates(root: string): string[] {
  return [join(root, 'build', 'Release', ADDON_FILE), prebuildPath(root)];
}

/** Loads the first candidate that exists and loads; throws AddonLoadError naming every failure. */
export function loadAddonFrom<T>(candidates: readonly string[]): { addon: T; path: string } {
  const failures: { path: string; reason: string }[] = [];
  const load = createRequire(import.meta.url);
  for (const path of candidates) {
    if (!existsSync(path)) {
      failures.push({ path, reason: 'not found' });
      continue;
    }
    try {
      return { addon: load(path) as T, path };
    } catch (e) {
      // dlopen's message names the cause (a missing GLIBC_x.y, wrong ELF class, ...).
      failures.push({ path, reason: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
    }
  }
  throw new AddonLoadError(failures);
}
