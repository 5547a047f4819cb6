// tio up on SIGHUP: reloads like nebula (the node keeps running); a broken config keeps the
// running one; the log level applies at once; other changes are named as waiting for a start.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Netns, destroyAll, rootSkipReason, waitFor } from '../../kit/netns.js';
import { makePki, nebulaCertSkipReason } from '../../kit/nebula-pki.js';
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
  const pki = makePki([['a', '198.19.0.1/16']]);
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
    assert.ok(lines.some((l) => /apply at the next start only.*keys=tun.mtu/.test(l)), 'the tun change is named as waiting for a start');
    assert.ok(lines.some((l) => /level=debug msg="Config compared/.test(l)), 'the new level applies at once');
    writeFileSync(file, 'pki: [not a map\n');
    p.kill('SIGHUP');
    await waitFor(() => lines.some((l) => l.includes('Failed to reload config; keeping the running one')), 10_000, 'the refused reload');
    assert.equal(p.exitCode, null, 'still running after two HUPs');
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
