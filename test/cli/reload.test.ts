// tio up on SIGHUP: reloads like nebula (the node keeps running); a broken config keeps the
// running one; the log level applies at once; other changes are named as waiting for a start.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { netnsPair, type NetnsPair } from '../../kit/topology.js';
import { run, tryRun } from '../../kit/run.js';
import { Netns, destroyAll, rootSkipReason, waitFor } from '../../kit/netns.js';
import { makePki, nebulaCertSkipReason, type TestPki } from '../../kit/nebula-pki.js';
import { writeNodeConfig } from '../../kit/nebula.js';
import { collectLines } from '../../kit/lines.js';
import { TIO_MAIN as MAIN } from '../../kit/process.js';
import { configFromObject } from '../../src/tunnel/config/index.js';
import { changedSections } from '../../src/cli/reload.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);

test('changedSections names the top-level sections whose values differ', () => {
  const pki = { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' };
  const a = configFromObject({ pki, tun: { mtu: 1300 }, logging: { level: 'info' } }).config;
  const b = configFromObject({ pki, tun: { mtu: 1400 }, logging: { level: 'debug' } }).config;
  assert.deepEqual(changedSections(a, a), []);
  assert.deepEqual(changedSections(a, b), ['logging', 'tun']);
});

test('SIGHUP reloads: the node keeps running, a broken file keeps the running config, the level applies live', { skip, timeout: 60_000 }, async () => {
  const pki = makePki([['a', '198.19.0.1/16'], ['c', '198.19.0.3/16']]);
  const ns = Netns.create('hup');
  const file = writeNodeConfig(pki, pki.hosts.get('a')!, '127.0.0.1', [], { dev: 'thup0', level: 'info' }, 'tio');
  const p = ns.spawn(process.execPath, [MAIN, 'up', '-config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = collectLines(p);
  const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
  try {
    await waitFor(() => lines.some((l) => l.includes('interface is active')), 15_000, 'the node up');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace(/level: info/, 'level: debug').replace(/mtu: 1300/, 'mtu: 1280'));
    p.kill('SIGHUP');
    await waitFor(() => lines.some((l) => l.includes('Reloaded config')), 10_000, 'the reload');
    assert.ok(lines.some((l) => /applies at the next start only.*keys=tun.mtu/.test(l)), 'the tun change is named as waiting for a start');
    assert.ok(lines.some((l) => /level=debug msg="Config compared/.test(l)), 'the new level applies at once');
    writeFileSync(file, 'pki: [not a map\n');
    p.kill('SIGHUP');
    await waitFor(() => lines.some((l) => l.includes('Failed to reload config; keeping the running one')), 10_000, 'the refused reload');
    // A certificate for another address: refused as nebula refuses it, the rest of the file applies.
    const a = pki.hosts.get('a')!;
    const c = pki.hosts.get('c')!;
    writeFileSync(file, good.replace(a.crt, c.crt).replace(a.key, c.key));
    p.kill('SIGHUP');
    await waitFor(() => lines.filter((l) => l.includes('Reloaded config')).length >= 2, 10_000, 'the third reload');
    assert.ok(lines.some((l) => /level=error msg="Could not refresh client cert" error="IP in new cert was different from old"/.test(l)), 'the new cert refused');
    assert.ok(!lines.some((l) => l.includes('Client cert refreshed from disk') && l.includes('name=c')), 'the running cert stays');
    assert.equal(p.exitCode, null, 'still running after three HUPs');
    p.kill('SIGTERM');
    assert.equal(await exited, 0);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- tio ---\n${lines.join('\n')}`, { cause: e });
  } finally {
    p.kill('SIGKILL');
    ns.destroy();
    pki.dispose();
  }
});

// Two tio nodes joined by a veth; a runs two routines so the reload reaches every data plane.
async function pairOfNodes(tag: string, net: number, aPki: string): Promise<{
  pair: NetnsPair; pki: TestPki; aFile: string; a: ChildProcess; b: ChildProcess; aLines: string[]; bLines: string[]; dispose(): void;
}> {
  const pki = makePki([['a', '198.19.0.1/16'], ['b', '198.19.0.2/16']]);
  const pair = netnsPair(tag, net);
  const ha = pki.hosts.get('a')!;
  const hb = pki.hosts.get('b')!;
  const aFile = writeNodeConfig(pki, ha, pair.aAddr, [[hb, pair.bAddr]], { dev: `t${tag}0`, extra: 'routines: 2\n' }, 'tio');
  writeFileSync(aFile, readFileSync(aFile, 'utf8').replace(/^pki:\n/m, `pki:\n${aPki}`));
  const bFile = writeNodeConfig(pki, hb, pair.bAddr, [[ha, pair.aAddr]], { dev: `t${tag}1` }, 'tio');
  const a = pair.a.spawn(process.execPath, [MAIN, 'up', '-config', aFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const b = pair.b.spawn(process.execPath, [MAIN, 'up', '-config', bFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const aLines = collectLines(a);
  const bLines = collectLines(b);
  const dispose = (): void => {
    a.kill('SIGKILL');
    b.kill('SIGKILL');
    pair.destroy();
    pki.dispose();
  };
  try {
    await waitFor(() => aLines.some((l) => l.includes('interface is active')) && bLines.some((l) => l.includes('interface is active')), 15_000, 'both nodes up');
    await waitFor(() => tryRun('ip', ['netns', 'exec', pair.b.name, 'ping', '-c', '1', '-W', '1', '198.19.0.1'], { timeoutMs: 5000 }) !== undefined, 15_000, 'the tunnel up');
  } catch (e) {
    dispose();
    throw new Error(`${(e as Error).message}\n--- a ---\n${aLines.join('\n')}\n--- b ---\n${bLines.join('\n')}`, { cause: e });
  }
  return { pair, pki, aFile, a, b, aLines, bLines, dispose };
}

// A UDP sink on a that prints a line per datagram, and a client in b sending to it every 20 ms.
// One way on purpose: a reply leaving a before the flow's next packet from b would be judged by
// the outbound rules and track the flow afresh as outgoing (docs/PROTOCOL.md "Reloading the
// config"), and whether one is in flight at the reload is timing.
const SINK = `const s = require('node:dgram').createSocket('udp4'); s.on('message', () => process.stdout.write('r\\n')); s.bind(7000, '198.19.0.1');`;
const SENDER = `const s = require('node:dgram').createSocket('udp4');
s.bind(0, '198.19.0.2', () => { const t = setInterval(() => s.send('x', 7000, '198.19.0.1'), 20); setTimeout(() => { clearInterval(t); s.close(); }, 30000); });`;

const FW_ALL = /firewall:\n  outbound:\n    - port: any\n      proto: any\n      host: any\n  inbound:\n    - port: any\n      proto: any\n      host: any\n/;
const FW_ICMP_ONLY = 'firewall:\n  outbound:\n    - port: any\n      proto: any\n      host: any\n  inbound:\n    - port: any\n      proto: icmp\n      host: any\n';

test('a firewall reload under traffic keeps the tunnel with no ping lost and stops the flow the new rules forbid', { skip, timeout: 120_000 }, async () => {
  const n = await pairOfNodes('rlf', 47, '');
  const server = n.pair.a.spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'pipe'] });
  const client = n.pair.b.spawn(process.execPath, ['-e', SENDER], { stdio: ['ignore', 'pipe', 'pipe'] });
  const received = collectLines(server);
  try {
    await waitFor(() => received.length >= 5, 10_000, 'UDP datagrams through the tunnel');
    // 100 pings 50 ms apart: the reload happens in the middle of them.
    const ping = n.pair.b.execAsync('ping', ['-n', '-i', '0.05', '-c', '100', '-W', '1', '198.19.0.1'], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1000));
    const good = readFileSync(n.aFile, 'utf8');
    assert.match(good, FW_ALL);
    writeFileSync(n.aFile, good.replace(FW_ALL, FW_ICMP_ONLY));
    n.a.kill('SIGHUP');
    await waitFor(() => n.aLines.some((l) => l.includes('New firewall has been installed')), 10_000, 'the new firewall');
    const out = await ping;
    assert.match(out, / 0% packet loss/, out);
    // The UDP flow was admitted inbound under rules that no longer allow it: its next packets are dropped.
    // (The client sends every 20 ms: half a second without a datagram means the flow stopped.)
    const quiet = async (): Promise<boolean> => {
      const seen = received.length;
      await new Promise((r) => setTimeout(r, 500));
      return received.length === seen;
    };
    await waitFor(quiet, 10_000, 'the datagrams stop');
    assert.equal(await quiet(), true, 'and stay stopped');
    assert.equal(client.exitCode, null, 'the client is still sending');
    assert.ok(!n.aLines.some((l) => /tearing down|Tunnel status.*dead/.test(l)), 'no tunnel went down');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- a ---\n${n.aLines.join('\n')}`, { cause: e });
  } finally {
    server.kill('SIGKILL');
    client.kill('SIGKILL');
    n.dispose();
  }
});

test('a reload that blocklists a peer closes its tunnel (pki.disconnect_invalid), as nebula', { skip, timeout: 90_000 }, async () => {
  // disconnect_invalid is read at start only, as in nebula 1.6.1.
  const n = await pairOfNodes('rlb', 48, '  disconnect_invalid: true\n');
  try {
    const fp = /"fingerprint":\s*"([0-9a-f]{64})"/.exec(run('nebula-cert', ['print', '-json', '-path', n.pki.hosts.get('b')!.crt]))?.[1];
    assert.ok(fp, 'b has a fingerprint');
    const good = readFileSync(n.aFile, 'utf8');
    writeFileSync(n.aFile, good.replace(/^pki:\n/m, `pki:\n  blocklist:\n    - ${fp}\n`));
    n.a.kill('SIGHUP');
    await waitFor(() => n.aLines.some((l) => l.includes('Remote certificate is no longer valid, tearing down the tunnel')), 10_000, 'the tunnel closed');
    await waitFor(() => n.bLines.some((l) => l.includes('Close tunnel received')), 10_000, 'b told');
    assert.equal(tryRun('ip', ['netns', 'exec', n.pair.b.name, 'ping', '-c', '1', '-W', '2', '198.19.0.1'], { timeoutMs: 5000 }), undefined, 'b cannot reach a again');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- a ---\n${n.aLines.join('\n')}\n--- b ---\n${n.bLines.join('\n')}`, { cause: e });
  } finally {
    n.dispose();
  }
});
