// `tio up` argument parsing: strict, so a typo never starts a real node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseUpArgs } from '../../src/cli/up-args.js';
import { TIO_MAIN as MAIN } from '../../kit/process.js';

test('parseUpArgs accepts -config, --config=, -test and -netns', () => {
  assert.deepEqual(parseUpArgs(['-config', 'a.yml']), { config: 'a.yml', test: false });
  assert.deepEqual(parseUpArgs(['--config=a.yml', '-test', '--netns', 'n1']), { config: 'a.yml', test: true, netns: 'n1' });
});

test('parseUpArgs names an unknown flag instead of ignoring it', () => {
  assert.equal(parseUpArgs(['-config', 'a.yml', '-tset']), 'unknown flag "tset"');
  assert.equal(parseUpArgs(['-config', 'a.yml', 'extra']), 'unexpected argument "extra"');
  assert.equal(parseUpArgs(['-test']), '-config FILE is required');
  assert.equal(parseUpArgs(['-config']), '-config needs a file');
  assert.equal(parseUpArgs(['-config', 'a.yml', '-test=yes']), '-test takes no value');
});

test('parseUpArgs cuts a long unknown argument so pasted secrets do not spill into logs', () => {
  const secret = 'x'.repeat(200);
  const r = parseUpArgs(['-config', 'a.yml', secret]);
  assert.equal(typeof r, 'string');
  assert.ok((r as string).length < 80, r as string);
  assert.ok(!(r as string).includes(secret));
});

test('tio up -help prints usage and exits 0; tio up -tset exits 2 naming the flag; tio -version prints the version', () => {
  const help = spawnSync(process.execPath, [MAIN, 'up', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: tio up -config FILE/);
  const typo = spawnSync(process.execPath, [MAIN, 'up', '-config', '/nonexistent.yml', '-tset'], { encoding: 'utf8' });
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /unknown flag "tset"/);
  const version = spawnSync(process.execPath, [MAIN, '-version'], { encoding: 'utf8' });
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^tio \d+\.\d+\.\d+/);
});
