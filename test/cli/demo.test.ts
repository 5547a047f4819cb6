// `tio demo` as a user runs it: the whole demo with a small transfer prints the
// table with matching hashes and leaves no namespace behind; SIGINT mid-run
// cleans up (namespaces, processes, temp dir) and exits non-zero; without
// privileges it says what it needs in one sentence and exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { demoPrerequisiteProblem, NEEDS_ROOT } from '../../src/cli/demo.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ENDPOINT = fileURLToPath(new URL('../../src/cli/demo/endpoint.js', import.meta.url));
const skip = demoPrerequisiteProblem();

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [MAIN, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Bounded wait for the run to end; SIGKILLs it (and fails) after timeoutMs. */
async function finish(r: Run, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      r.child.kill('SIGKILL');
      reject(new Error(`demo did not finish in ${timeoutMs} ms\n--- stdout ---\n${r.stdout()}\n--- stderr ---\n${r.stderr()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([r.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function demoNamespaces(pid: number | undefined): string[] {
  const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return list.split('\n').map((l) => l.split(/\s+/)[0]!).filter((n) => n.startsWith(`tio-demo-${pid}-`));
}

/** Pids whose command line mentions any of `needles`. */
function processesMentioning(needles: string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (needles.some((n) => cmd.includes(n))) pids.push(Number(name));
  }
  return pids;
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

test('tio demo: table with offloads on, off and bare veth, SHA-256 matched, no namespaces left', { skip, timeout: 240_000 }, async () => {
  const r = start(['--bytes', '8M', '--iperf-seconds', '1']);
  const { code } = await finish(r, 200_000);
  const out = r.stdout();
  const ctx = `\n--- stdout ---\n${out}\n--- stderr ---\n${r.stderr()}`;
  assert.equal(code, 0, ctx);
  assert.match(out, /^Results \(8 MiB per transfer/m, ctx);
  for (const row of ['offloads on', 'offloads off', 'bare veth']) {
    assert.match(out, new RegExp(`^  ${row} +\\d+\\.\\d\\d Gbit/s .* match$`, 'm'), `table row "${row}"${ctx}`);
  }
  assert.match(out, /SHA-256 matched on every transfer/, ctx);
  assert.doesNotMatch(out, /MISMATCH/, ctx);
  assert.deepEqual(demoNamespaces(r.child.pid), []);
});

test('tio demo: SIGINT mid-run removes namespaces, processes and temp dir, exits non-zero', { skip, timeout: 120_000 }, async () => {
  // Far more data than it can move before the signal.
  const r = start(['--bytes', '16G', '--no-iperf']);
  const pid = r.child.pid;
  const running = await eventually(() => /offloads on: handshake/.test(r.stdout()) || r.child.exitCode !== null, 60_000);
  assert.ok(running && r.child.exitCode === null, `demo reached the transfer\n${r.stdout()}\n${r.stderr()}`);
  const dir = /in (\/\S*tio-demo-\w+)/.exec(r.stdout())?.[1];
  assert.ok(dir !== undefined && existsSync(dir), `temp dir printed and present: ${r.stdout()}`);
  assert.equal(demoNamespaces(pid).length, 2, 'both namespaces exist mid-run');
  await new Promise((res) => setTimeout(res, 500));
  r.child.kill('SIGINT');
  const { code, signal } = await finish(r, 30_000);
  assert.ok(code !== 0 || signal !== null, `non-zero exit (code ${code}, signal ${signal})`);
  assert.match(r.stderr(), /interrupted by SIGINT/);
  assert.deepEqual(demoNamespaces(pid), []);
  assert.equal(existsSync(dir), false, 'temp dir removed');
  // The nodes' command lines name their configs in the temp dir; the endpoints run endpoint.js.
  const left = await eventually(() => processesMentioning([dir, ENDPOINT]).length === 0, 5000);
  assert.ok(left, `no tio node or endpoint left: pids ${processesMentioning([dir, ENDPOINT]).join(', ')}`);
});

const setprivSkip = (): string | undefined => {
  if (process.getuid?.() !== 0) return 'needs root to drop to an unprivileged user with setpriv';
  return spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'setpriv (util-linux) is not installed';
};

test('tio demo without privileges: one sentence saying what it needs, exit 2', { skip: setprivSkip() }, () => {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, MAIN, 'demo'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.stderr, `${NEEDS_ROOT}\n`);
  assert.equal(r.stdout, '');
});
