// Builds the Node-API addon with node-gyp against the headers of the Node
// that runs this script (never downloads headers: the machine may be offline).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = resolve(dirname(process.execPath), '..');
const args = ['rebuild'];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

// npm exports the path of its bundled node-gyp to scripts; outside npm, look
// for the copy npm ships next to this Node, then for node-gyp on PATH.
const bundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gypJs = process.env.npm_config_node_gyp || (existsSync(bundled) ? bundled : undefined);
const cmd = gypJs ? process.execPath : 'node-gyp';
const cmdArgs = gypJs ? [gypJs, ...args] : args;
const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
if (r.error) {
  console.error(`tio: could not run node-gyp (${r.error.message}); it ships with npm, run the build through npm`);
  process.exit(1);
}
process.exit(r.status ?? 1);
