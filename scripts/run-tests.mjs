// Runs every compiled test file under dist/test with the built-in runner,
// one file at a time: root tests create network namespaces and saturate the CPU.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Filters name parts of paths under test/ as written (a .ts file names its compiled .js).
const filter = process.argv.slice(2).map((s) => s.replace(/^\.\//, '').replace(/\.ts$/, '.js'));
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
let files = walk(join(root, 'dist', 'test'));
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
// With no file at all, node --test would run every test it finds: say so instead.
if (files.length === 0) {
  console.error(`run-tests: no compiled test matches ${filter.join(' ')} (run tsc first?)`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
