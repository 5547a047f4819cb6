// `tio demo --mesh` as a user runs it (root, nft): with small transfers it exits 0, prints a
// matching SHA-256 line for the punched and the relayed path, says the punched path did not cross
// the lighthouse and the relayed one did, and leaves no namespace behind. Its config parts
// (punchy, relay) are checked without root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { demoPrerequisiteProblem, meshPrerequisiteProblem } from '../../src/cli/demo.js';
import { writeNodeConfigFile } from '../../src/cli/demo/config.js';
import { TIO_MAIN as MAIN } from '../../kit/process.js';

const skip = demoPrerequisiteProblem() ?? meshPrerequisiteProblem();

function demoNamespaces(pid: number | undefined): string[] {
  const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return list.split('\n').map((l) => l.split(/\s+/)[0]!).filter((n) => n.startsWith(`tio-demo-${pid}-`));
}

test('tio demo --mesh: punched and relayed transfers match, the punch bypasses the lighthouse, no namespaces left', { skip, timeout: 240_000 }, async () => {
  const child = spawn(process.execPath, [MAIN, 'demo', '--mesh', '--bytes', '4M'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 200_000);
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  clearTimeout(timer);
  const ctx = `\n--- stdout ---\n${out}\n--- stderr ---\n${err}`;
  assert.equal(code, 0, ctx);
  assert.match(out, /^ {2}a <-> b \(punched\): SHA-256 match [0-9a-f]{64}; /m, ctx);
  assert.match(out, /^ {2}a <-> c \(relayed\): SHA-256 match [0-9a-f]{64}; /m, ctx);
  assert.match(out, /meanwhile: the data did not cross it/, ctx);
  assert.match(out, /meanwhile: the data crossed it \(the relay\)/, ctx);
  assert.match(out, /SHA-256 matched on every transfer/, ctx);
  assert.deepEqual(demoNamespaces(child.pid), []);
});

test('tio demo --mesh: SIGINT mid-transfer removes all eight namespaces and exits non-zero', { skip, timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, [MAIN, 'demo', '--mesh', '--bytes', '16G'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  try {
    const end = Date.now() + 60_000;
    while (Date.now() < end && !/a's handshake with 198\.19\.100\.11/.test(out) && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    assert.ok(child.exitCode === null && /a's handshake with/.test(out), `the mesh demo reached the punched transfer\n${out}\n${err}`);
    assert.equal(demoNamespaces(child.pid).length, 8, 'bridge, lighthouse, three routers and three nodes exist mid-run');
    child.kill('SIGINT');
    const { code, signal } = await closed;
    assert.ok(code !== 0 || signal !== null, `non-zero exit (code ${code}, signal ${signal})`);
    assert.match(err, /interrupted by SIGINT/);
    assert.deepEqual(demoNamespaces(child.pid), []);
  } finally {
    clearTimeout(timer);
  }
});

test('demo config: punchy on and a relay section name the relays and turn use_relays on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tio-demo-cfg-'));
  try {
    const file = writeNodeConfigFile(join(dir, 'c.yml'), {
      ca: 'ca.crt', cert: 'c.crt', key: 'c.key', listenHost: '198.18.112.2', port: 4242, peers: [], dev: 'tio-c', mtu: 1300,
      punchy: true, relay: { am: false, relays: ['198.19.100.1'] },
    });
    const y = parse(readFileSync(file, 'utf8')) as { punchy: unknown; relay: unknown };
    assert.deepEqual(y.punchy, { punch: true, respond: true });
    assert.deepEqual(y.relay, { am_relay: false, use_relays: true, relays: ['198.19.100.1'] });
    const plain = parse(readFileSync(writeNodeConfigFile(join(dir, 'p.yml'), {
      ca: 'ca.crt', cert: 'p.crt', key: 'p.key', listenHost: '198.18.0.1', port: 4242, peers: [], dev: 'tio-p', mtu: 1300,
    }), 'utf8')) as { punchy: unknown; relay?: unknown };
    assert.deepEqual(plain.punchy, { punch: false, respond: false });
    assert.equal(plain.relay, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
