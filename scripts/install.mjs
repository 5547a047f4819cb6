// npm's install step for tio. In an installed package, the addon prebuilt for
// this platform (prebuilds/, shipped in the tarball) is used when it loads in
// this Node, and nothing is compiled; otherwise the addon is built from native/.
// A checkout of tio itself (it has .git) always builds from native/, since its
// developers change the C sources; TIO_BUILD_FROM_SOURCE=1 forces that anywhere.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The compiled loader (src/native-load.ts); a fresh checkout has no dist/ until `prepare` runs after this.
const loaderFile = join(root, 'dist', 'src', 'native-load.js');
const loader = existsSync(loaderFile) ? await import(pathToFileURL(loaderFile).href) : null;
const checkout = existsSync(join(root, '.git'));
const forced = process.env.TIO_BUILD_FROM_SOURCE === '1';

if (loader && !checkout && !forced) {
  const prebuilt = loader.prebuildPath(root);
  try {
    loader.loadAddonFrom([prebuilt]);
    console.log(`tio: using the prebuilt addon ${relative(root, prebuilt)}; nothing to compile`);
    process.exit(0);
  } catch (e) {
    const why = e instanceof loader.AddonLoadError ? e.failures[0].reason : String(e);
    console.log(`tio: no prebuilt addon loads here (${why}); building it from native/`);
  }
}

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { cwd: root, stdio: 'inherit' });
const built = build.status === 0;
if (checkout || !loader) process.exit(built ? 0 : 1);
if (forced && !built) {
  console.error('tio: TIO_BUILD_FROM_SOURCE=1 asked for a build from native/, and it failed (see above)');
  process.exit(1);
}

// An installed package: succeed only if something loads now.
try {
  loader.loadAddonFrom(loader.addonCandidates(root));
  process.exit(0);
} catch (e) {
  console.error(`tio: ${built ? 'the addon built but does not load' : 'building the addon from native/ failed (see above)'}.`);
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
