// stats.type: prometheus for tio up: metrics served at stats.path, named with namespace and
// subsystem, nebula's names where nebula has the counter, and they move with traffic.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, destroyAll, rootSkipReason, vethPair, waitFor } from '../../kit/netns.js';
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
    assert.ok(metric(first, 'tio_node_process_resident_memory_bytes') > 10 * 1048576, 'the process\'s resident memory');
    assert.ok(metric(first, 'tio_node_tio_memory_bytes{name="heapUsed"}') > 0, 'the JavaScript heap in use');
    assert.match(await get('/other'), /^404\n/);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- tio ---\n${lines.join('\n')}`, { cause: e });
  } finally {
    p.kill('SIGKILL');
    ns.destroy();
    pki.dispose();
  }
});

test('per-tunnel and node byte counters grow by at least what crossed; the status line reports it', { skip, timeout: 90_000 }, async () => {
  const pki = makePki([['a', '198.19.0.1/16'], ['b', '198.19.0.2/16']]);
  const na = Netns.create('pma');
  const nb = Netns.create('pmb');
  vethPair(na, nb, { aAddr: '198.18.61.1/24', bAddr: '198.18.61.2/24' });
  const a = pki.hosts.get('a')!;
  const b = pki.hosts.get('b')!;
  const fa = writeNodeConfig(pki, a, '198.18.61.1', [[b, '198.18.61.2']], { dev: 'tpma0', extra: `${STATS}tio:\n  status_interval: 1s\n` }, 'tio');
  const fb = writeNodeConfig(pki, b, '198.18.61.2', [[a, '198.18.61.1']], { dev: 'tpmb0' }, 'tio');
  const pa = na.spawn(process.execPath, [MAIN, 'up', '-config', fa], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pb = nb.spawn(process.execPath, [MAIN, 'up', '-config', fb], { stdio: ['ignore', 'pipe', 'pipe'] });
  const la = collectLines(pa);
  const lb = collectLines(pb);
  const get = async (): Promise<string> => na.execAsync(process.execPath, ['-e',
    `fetch('http://127.0.0.1:9142/metrics').then(async (r) => process.stdout.write(await r.text()))`], { timeoutMs: 10_000 });
  // A metric's value, 0 when the series is not there (yet).
  const value = (text: string, series: string): number => {
    const m = new RegExp(`^${series.replace(/[{}".]/g, '\\$&')} (\\d+)$`, 'm').exec(text);
    return m === null ? 0 : Number(m[1]);
  };
  const tunnel = (name: string): string => `tio_node_tio_tunnel_${name}_total{vpn_ip="198.19.0.2",cert_name="b"}`;
  // Status lines' figures (text format: key=value).
  const statusLines = (): Map<string, number>[] => la.filter((l) => / msg="?Status"? /.test(l)).map((l) =>
    new Map([...l.matchAll(/(\w+)=(\d+)(?=\s|$)/g)].map((m) => [m[1]!, Number(m[2])])));
  try {
    await waitFor(() => la.some((l) => l.includes('Prometheus stats listening')), 15_000, 'the metrics server');
    await waitFor(() => lb.some((l) => l.includes('Nebula interface is active')), 15_000, 'node b');
    // The tunnel first (its series appear with it), then the measured transfer.
    tryRun('ip', ['netns', 'exec', na.name, 'ping', '-c', '1', '-W', '2', '198.19.0.2'], { timeoutMs: 5000 });
    await waitFor(async () => (await get()).includes(tunnel('bytes_out')), 10_000, 'the tunnel series');
    const before = await get();
    const linesBefore = statusLines().length;
    const COUNT = 20;
    const INNER = 1000 + 28; // ICMP payload + ICMP and IPv4 headers
    na.exec('ping', ['-c', String(COUNT), '-i', '0.01', '-s', '1000', '-W', '2', '198.19.0.2'], { timeoutMs: 15_000 });
    const after = await get();
    for (const [name, least] of [['packets_out', COUNT], ['bytes_out', COUNT * INNER], ['packets_in', COUNT], ['bytes_in', COUNT * INNER]] as const) {
      const grew = value(after, tunnel(name)) - value(before, tunnel(name));
      assert.ok(grew >= least, `${name} grew by ${grew}, at least ${least} crossed`);
    }
    assert.ok(value(after, 'tio_node_tio_bytes_out_total') - value(before, 'tio_node_tio_bytes_out_total') >= COUNT * INNER);
    assert.ok(value(after, 'tio_node_tio_aead_seal_calls_total') > value(before, 'tio_node_tio_aead_seal_calls_total'));
    assert.ok(value(after, 'tio_node_tio_aead_opened_total') - value(before, 'tio_node_tio_aead_opened_total') >= COUNT);
    assert.equal(value(after, 'tio_node_tio_tunnel_series_omitted'), 0);
    const flushes = 'tio_node_tio_gro{name="flushes"}';
    assert.ok(value(after, flushes) - value(before, flushes) >= COUNT, 'a coalescer flush per receive batch with replies');
    // The status lines that follow add up to what crossed; all of them together never exceed the counters.
    await waitFor(() => statusLines().slice(linesBefore).reduce((n, f) => n + (f.get('bytesOut') ?? 0), 0) >= COUNT * INNER, 10_000, 'status lines with the transfer');
    const lines = statusLines();
    const total = (k: string): number => lines.reduce((n, f) => n + (f.get(k) ?? 0), 0);
    const final = await get();
    assert.ok(total('bytesOut') <= value(final, 'tio_node_tio_bytes_out_total'), 'status bytesOut within the counter');
    assert.ok(total('bytesIn') <= value(final, 'tio_node_tio_bytes_in_total'), 'status bytesIn within the counter');
    assert.equal(lines.at(-1)!.get('tunnels'), 1);
    const drops = [...final.matchAll(/^tio_node_tio_drops_total\{reason="[^"]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    assert.ok(total('drops') <= drops, `status drops ${total('drops')} within the counters' ${drops}`);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- a ---\n${la.join('\n')}\n--- b ---\n${lb.join('\n')}`, { cause: e });
  } finally {
    pa.kill('SIGKILL');
    pb.kill('SIGKILL');
    na.destroy();
    nb.destroy();
    pki.dispose();
  }
});
