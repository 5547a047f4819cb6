// -config DIR, as nebula loads it: every .yml/.yaml below the directory, in sorted path order,
// merged (maps key by key, lists concatenated later-first, later scalars win unless empty).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, mergeConfigs } from '../../../src/tunnel/config/index.js';

test('mergeConfigs: maps merge, lists concatenate later-first, an empty later value keeps the earlier one', () => {
  assert.deepEqual(
    mergeConfigs({ a: { x: 2, l: ['b'] }, f: false, s: 'new' }, { a: { x: 1, y: 1, l: ['a'] }, f: true, s: 'old', e: 5 }),
    { a: { x: 2, y: 1, l: ['b', 'a'] }, f: true, s: 'new', e: 5 },
  );
});

test('a config directory is read recursively in path order and merged; other files are skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tio-confdir-'));
  try {
    writeFileSync(join(dir, '00-base.yml'), 'pki: {ca: ca.crt, cert: host.crt, key: host.key}\ntun: {mtu: 1300, dev: tio0}\nfirewall:\n  inbound: [{port: 22, proto: tcp, host: any}]\n');
    writeFileSync(join(dir, '10-more.yaml'), 'tun: {mtu: 1400}\nfirewall:\n  inbound: [{port: 80, proto: tcp, host: any}]\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', '20.yml'), 'listen: {port: 4243}\n');
    writeFileSync(join(dir, 'README.txt'), 'not: [yaml');
    const { config } = await loadConfigFile(dir);
    assert.equal(config.tun.mtu, 1400, 'the later file wins');
    assert.equal(config.tun.dev, 'tio0', 'keys the later file leaves out stay');
    assert.deepEqual(config.firewall.inbound.map((r) => r.portStart), [80, 22], 'rules of every file, later first');
    assert.equal(config.listen.port, 4243, 'subdirectories are read');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty config directory, a missing path and a non-map file are ConfigErrors saying so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tio-confdir-'));
  try {
    await assert.rejects(loadConfigFile(dir), (e: unknown) => e instanceof ConfigError && /no config files/.test(e.message));
    await assert.rejects(loadConfigFile(join(dir, 'absent.yml')), (e: unknown) => e instanceof ConfigError && /ENOENT/.test(e.message));
    writeFileSync(join(dir, 'list.yml'), '- a\n- b\n');
    await assert.rejects(loadConfigFile(dir), (e: unknown) => e instanceof ConfigError && /must hold a map/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
