// `tio demo` as a user runs it: the whole demo with a small transfer prints the
// table with matching hashes and leaves no namespace behind; SIGINT mid-run
// cleans up (namespaces, processes, temp dir) and exits non-zero; without
// privileges it says what it needs in one sentence and exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoPrerequisiteProblem, formatTable, NEEDS_ROOT, parseDemoArgs, parseSize } from '../../src/cli/demo.js';
import { writeDemoPki } from '../../src/cli/demo/pki.js';
import { CaPool, checkOwnCertificate, parseCertificatePem, parseX25519PrivateKeyPem, verifyCertificate } from '../../src/tunnel/cert/index.js';
import { TIO_MAIN as MAIN } from '../../kit/process.js';

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

test('demo PKI: tio\'s own cert code makes a CA and host certs that verify, with keys that pair', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tio-demo-pki-test-'));
  try {
    const pki = writeDemoPki(dir, [{ name: 'a', cidr: '198.19.0.1/16' }, { name: 'b', cidr: '198.19.0.2/16' }]);
    const pool = CaPool.fromPem(readFileSync(pki.caPath));
    for (const h of pki.hosts) {
      const cert = parseCertificatePem(readFileSync(h.crtPath));
      const v = verifyCertificate(cert, pool);
      assert.equal(v.cert.details.name, h.name);
      assert.equal(`${cert.details.ips[0]!.ip}/${cert.details.ips[0]!.prefix}`, h.cidr);
      checkOwnCertificate(cert, parseX25519PrivateKeyPem(readFileSync(h.keyPath)));
      assert.equal(statSync(h.keyPath).mode & 0o077, 0, 'private key is not readable by others');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demo arguments: sizes, options, usage errors', () => {
  assert.equal(parseSize('8M'), 8 << 20);
  assert.equal(parseSize('256MiB'), 256 << 20);
  assert.equal(parseSize('1G'), 1 << 30);
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('0'), undefined);
  assert.equal(parseSize('lots'), undefined);
  assert.deepEqual(parseDemoArgs([]), { bytes: 256 << 20, iperfSeconds: 3, iperf: true, mesh: false });
  assert.deepEqual(parseDemoArgs(['--bytes=8M', '-iperf-seconds', '1', '--no-iperf']), { bytes: 8 << 20, iperfSeconds: 1, iperf: false, mesh: false });
  assert.deepEqual(parseDemoArgs(['--mesh', '--bytes', '2M']), { bytes: 2 << 20, iperfSeconds: 3, iperf: true, mesh: true });
  assert.match(parseDemoArgs(['--bytes', 'x']) as string, /--bytes needs a positive size/);
  assert.match(parseDemoArgs(['--frobnicate']) as string, /unknown option/);
});

test('demo table: aligned columns, a mismatch is shown', () => {
  const t = (gbps: number, match: boolean) => ({ bytes: 1, sentSha256: 'a', receivedBytes: 1, receivedSha256: match ? 'a' : 'b', seconds: 1, gbps, match });
  const lines = formatTable([
    { label: 'offloads on', transfer: t(2.5, true), iperfGbps: 3.25 },
    { label: 'offloads off', transfer: t(0.75, false), iperfNote: 'failed' },
  ], true);
  assert.deepEqual(lines, [
    '                 TCP + SHA-256        iperf3    SHA-256',
    '  offloads on      2.50 Gbit/s   3.25 Gbit/s      match',
    '  offloads off     0.75 Gbit/s        failed   MISMATCH',
  ]);
});
