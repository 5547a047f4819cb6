// External tools the bench depends on: installed or built on demand, so a fresh
// machine can run `npm run bench:forward` without manual setup.
import { existsSync, statSync } from 'node:fs';
import { run, tryRun } from '../../kit/run.js';
import { REF_BIN, REF_SRC } from './paths.js';

let aptUpdated = false;

/** Installs a Debian package with apt-get if `probe` fails; apt-get update runs at most once per process. */
export function ensureDebPackage(pkg: string, probe: readonly [string, ...string[]]): void {
  const [cmd, ...args] = probe;
  if (tryRun(cmd, args, { timeoutMs: 10_000 }) !== undefined) return;
  process.stderr.write(`installing ${pkg} with apt-get...\n`);
  if (!aptUpdated) {
    run('apt-get', ['update'], { timeoutMs: 300_000 });
    aptUpdated = true;
  }
  run('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', pkg], { timeoutMs: 600_000 });
}

/** Builds bench/ref/forward-ref with cc -O2 when it is missing or older than forward.c; returns its path. */
export function ensureRefForwarder(): string {
  if (!existsSync(REF_BIN) || statSync(REF_BIN).mtimeMs < statSync(REF_SRC).mtimeMs) {
    process.stderr.write('building bench/ref/forward-ref...\n');
    run('cc', ['-O2', '-o', REF_BIN, REF_SRC], { timeoutMs: 120_000 });
  }
  return REF_BIN;
}
