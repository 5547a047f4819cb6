// Root-only: the namespace helpers really isolate, connect and clean up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, vethPair, rootSkipReason, waitFor } from '../../kit/netns.js';
import { collect, tryRun } from '../../kit/run.js';

const skip = rootSkipReason();
const A_ADDR = '198.18.200.1';
const B_ADDR = '198.18.200.2';
const PORT = 18200;

function listed(): string[] {
  return (tryRun('ip', ['netns', 'list']) ?? '').split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

function hasPing(ns: Netns): boolean {
  try {
    ns.exec('ping', ['-V'], { timeoutMs: 5_000 });
    return true;
  } catch {
    return false;
  }
}

// A one-shot TCP server that answers "hi" and exits by itself within 20 s.
const SERVER_JS = `
const net = require('node:net');
setTimeout(() => process.exit(2), 20000).unref();
const srv = net.createServer((s) => { s.end('hi'); srv.close(); });
srv.listen(${PORT}, '${B_ADDR}', () => console.log('listening'));
`;
const CLIENT_JS = `
const net = require('node:net');
const c = net.connect(${PORT}, '${B_ADDR}');
let got = '';
c.setTimeout(5000, () => { console.error('timeout'); process.exit(1); });
c.on('data', (d) => (got += d));
c.on('end', () => { console.log(got); process.exit(0); });
c.on('error', (e) => { console.error(e.message); process.exit(1); });
`;

async function tcpCheck(a: Netns, b: Netns): Promise<void> {
  const server = b.spawn(process.execPath, ['-e', SERVER_JS], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  server.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  const done = collect(server, 25_000, 'tcp server');
  await waitFor(() => out.includes('listening'), 10_000, 'tcp server to listen');
  assert.equal(a.exec(process.execPath, ['-e', CLIENT_JS], { timeoutMs: 10_000 }).trim(), 'hi');
  assert.equal((await done).code, 0);
}

test('veth pair connects two namespaces, destroy removes them', { skip, timeout: 60_000 }, async () => {
  const a = Netns.create('helpers');
  const b = Netns.create('helpers');
  try {
    assert.ok(listed().includes(a.name) && listed().includes(b.name));
    vethPair(a, b, { aAddr: `${A_ADDR}/24`, bAddr: `${B_ADDR}/24`, mtu: 1500 });
    if (hasPing(a)) {
      // veth carrier may take a moment; bounded retries.
      await waitFor(() => tryRun('ip', ['netns', 'exec', a.name, 'ping', '-c', '1', '-W', '1', B_ADDR]) !== undefined, 10_000, 'ping across the veth pair');
    } else {
      await tcpCheck(a, b);
    }
  } finally {
    a.destroy();
    b.destroy();
  }
  assert.ok(!listed().includes(a.name), `${a.name} still listed`);
  assert.ok(!listed().includes(b.name), `${b.name} still listed`);
  a.destroy(); // idempotent
});

test('TCP across namespaces; destroy kills spawned children', { skip, timeout: 60_000 }, async () => {
  const a = Netns.create('helpers');
  const b = Netns.create('helpers');
  try {
    vethPair(a, b, { aAddr: `${A_ADDR}/24`, bAddr: `${B_ADDR}/24` });
    await tcpCheck(a, b);
    const sleeper = b.spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => sleeper.once('exit', (_c, sig) => r(sig)));
    await waitFor(() => sleeper.pid !== undefined, 5_000, 'sleep to start');
    b.destroy();
    assert.equal(await exited, 'SIGKILL');
    assert.throws(() => b.exec('true', []), { code: 'ERR_HELPER_NETNS' });
  } finally {
    a.destroy();
    b.destroy();
  }
  assert.deepEqual(listed().filter((n) => n === a.name || n === b.name), []);
});

test('disableIpv6 leaves a new interface without IPv6 addresses', { skip, timeout: 60_000 }, () => {
  const ns = Netns.create('kitv6');
  try {
    // A veth pair whose ends both stay in the namespace: the kernel gives an up link an fe80:: address.
    const pair = (a: string, b: string): void => {
      ns.exec('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
      for (const d of [a, b]) ns.exec('ip', ['link', 'set', d, 'up']);
    };
    pair('v6on0', 'v6on1');
    assert.match(ns.exec('ip', ['-6', 'addr', 'show', 'dev', 'v6on0']), /inet6 /, 'IPv6 is on by default');
    ns.disableIpv6();
    pair('v6off0', 'v6off1');
    assert.equal(ns.exec('ip', ['-6', 'addr', 'show']).trim(), '');
  } finally {
    ns.destroy();
  }
});
