// stats.type: prometheus for tio up: metrics served at stats.path, named with namespace and
// subsystem, nebula's names where nebula has the counter, and they move with traffic.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, destroyAll, rootSkipReason, waitFor } from '../../kit/netns.js';
import { makePki, nebulaCertSkipReason } from '../../kit/nebula-pki.js';
import { writeNodeConfig } from '../../kit/nebula.js';
import { collectLines } from '../../kit/lines.js';
import { TIO_MAIN as MAIN } from '../../kit/process.js';
import { tryRun } from '../../kit/run.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason() ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);
after(destroyAll);

const STATS = 'stats:\n  type: prometheus\n  listen: 127.0.0.1:9142\n  path: /metrics\n  namespace: tio\n  subsystem: node\n  interval: 10s\n';

test('tio up serves Prometheus metrics at stats.path; they move with traffic; other paths are 404', { skip, timeout: 60_000 }, async () => {
  const pki = makePki([['a', '198.19.0.1/16'], ['b', '198.19.0.2/16']]);
  const ns = Netns.create('prom');
  // b is in the host map at an address nobody answers on: traffic to it starts handshakes.
  const file = writeNodeConfig(pki, pki.hosts.get('a')!, '127.0.0.1', [[pki.hosts.get('b')!, '127.0.0.2']], { dev: 'tprom0', extra: STATS }, 'tio');
  const p = ns.spawn(process.execPath, [MAIN, 'up', '-config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = collectLines(p);
  const get = async (path: string): Promise<string> => ns.execAsync(process.execPath, ['-e',
    `fetch('http://127.0.0.1:9142${path}').then(async (r) => process.stdout.write(r.status + '\\n' + await r.text()))`], { timeoutMs: 10_000 });
  const metric = (text: string, name: string): number => {
    const m = new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text);
    assert.ok(m, `${name} in\n${text}`);
    return Number(m[1]);
  };
  try {
    await waitFor(() => lines.some((l) => l.includes('Prometheus stats listening')), 15_000, 'the metrics server');
    const first = await get('/metrics');
    assert.match(first, /^200\n/);
    assert.match(first, /# TYPE tio_node_handshake_manager_initiated counter/);
    const before = metric(first, 'tio_node_handshake_manager_initiated');
    tryRun('ip', ['netns', 'exec', ns.name, 'ping', '-c', '1', '-W', '1', '198.19.0.2'], { timeoutMs: 5000 });
    await waitFor(async () => metric(await get('/metrics'), 'tio_node_handshake_manager_initiated') > before, 10_000, 'a handshake counted');
    assert.ok(metric(await get('/metrics'), 'tio_node_tio_inside_packets_total') >= 1, 'the ping was read from the TUN');
    assert.match(await get('/other'), /^404\n/);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- tio ---\n${lines.join('\n')}`, { cause: e });
  } finally {
    p.kill('SIGKILL');
    ns.destroy();
    pki.dispose();
  }
});
