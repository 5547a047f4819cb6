// `npm run fuzz [-- NAME...]`: the fuzz suite (dist/test/fuzz) as a long randomized
// run. TIO_FUZZ_RUNS sets the runs per target (default 20000; slow targets such
// as handshakes and syscalls take a fraction of it), TIO_FUZZ_SEED the master seed
// (default: random). Both are printed first and last, so any failure can be
// replayed with the same two variables. NAME filters the test files.
// `npm test` runs the same files with fixed seeds and bounded runs instead.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'dist', 'test', 'fuzz');
const filter = process.argv.slice(2);
const runs = process.env.TIO_FUZZ_RUNS || '20000';
const seed = process.env.TIO_FUZZ_SEED || String(randomInt(1, 2 ** 31 - 1));
if (!/^\d+$/.test(runs) || !/^\d+$/.test(seed)) {
  console.error(`fuzz: TIO_FUZZ_RUNS (${runs}) and TIO_FUZZ_SEED (${seed}) must be non-negative integers`);
  process.exit(2);
}
let files = readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(dir, f));
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
const replay = `TIO_FUZZ_SEED=${seed} TIO_FUZZ_RUNS=${runs} npm run fuzz${filter.length ? ` -- ${filter.join(' ')}` : ''}`;
console.log(`fuzz: seed ${seed}, ${runs} runs per target, ${files.length} files; replay with: ${replay}`);
const start = Date.now();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, TIO_FUZZ_RUNS: runs, TIO_FUZZ_SEED: seed },
});
const secs = ((Date.now() - start) / 1000).toFixed(1);
console.log(`fuzz: ${r.status === 0 ? 'passed' : 'FAILED'} in ${secs} s (seed ${seed}, ${runs} runs per target); replay with: ${replay}`);
process.exit(r.status ?? 1);
