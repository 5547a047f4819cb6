// The example config in examples/ is a config tio reads without a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/tunnel/config/index.js';

const ROOT = new URL('../../../', import.meta.url);

test('examples/config.yml parses with no warning, listening dual-stack with a lighthouse', () => {
  const { config, warnings } = parseConfig(readFileSync(fileURLToPath(new URL('examples/config.yml', ROOT)), 'utf8'), 'examples/config.yml');
  assert.deepEqual(warnings, []);
  assert.equal(config.listen.host, '::');
  assert.equal(config.lighthouse.hosts.length, 1);
});

test('examples/tio.service reloads with SIGHUP and runs tio up', () => {
  const unit = readFileSync(fileURLToPath(new URL('examples/tio.service', ROOT)), 'utf8');
  assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  assert.match(unit, /^ExecStart=.*tio up -config /m);
});
