// npm pack's prepack step: compiles TypeScript, builds the addon from native/
// and copies it to prebuilds/<platform>-<arch>-<libc>/, so a tarball always
// ships the binary built from the sources it ships. Node-API is ABI-stable, so
// the one binary serves every Node the package supports.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function step(what, args) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`tio prepack: ${what} failed${r.error ? ` (${r.error.message})` : ''}`);
    process.exit(1);
  }
}

// dist/ first: the loader that names the platform folder is compiled TypeScript.
step('tsc', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
step('the native build', [join(root, 'scripts', 'build-native.mjs')]);

const loader = await import(pathToFileURL(join(root, 'dist', 'src', 'native-load.js')).href);
const dest = loader.prebuildPath(root);
mkdirSync(dirname(dest), { recursive: true });
copyFileSync(join(root, 'build', 'Release', loader.ADDON_FILE), dest);
// A binary that does not load here must not ship.
loader.loadAddonFrom([dest]);
console.log(`tio prepack: ${relative(root, dest)} built and loads`);
