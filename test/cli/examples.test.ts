// The example config in examples/ is a config tio reads without a warning, and nebula's own
// example config (shipped by the Debian package) passes -test in tio as it does in nebula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/tunnel/config/index.js';
import { makePki, nebulaSkipReason } from '../../kit/nebula-pki.js';
import { TIO_MAIN as MAIN } from '../../kit/process.js';

/** nebula's example config as the Debian package installs it. */
const NEBULA_EXAMPLE = '/usr/share/doc/nebula/examples/config.yml';

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

test('nebula 1.6.1\'s example config passes -test in tio as in nebula (its pki paths pointed at a fresh PKI)', {
  skip: nebulaSkipReason() ?? (existsSync(NEBULA_EXAMPLE) ? undefined : `${NEBULA_EXAMPLE} is not installed (apt install nebula)`),
}, () => {
  // Only parsed and checked, never run: the certificate takes the example's own network so its
  // lighthouse and static_host_map entries are inside it.
  const pki = makePki([['host', '192.168.100.5/24']]);
  try {
    const h = pki.hosts.get('host')!;
    const text = readFileSync(NEBULA_EXAMPLE, 'utf8')
      .replace('/etc/nebula/ca.crt', pki.caCrt).replace('/etc/nebula/host.crt', h.crt).replace('/etc/nebula/host.key', h.key);
    const file = join(pki.dir, 'example.yml');
    writeFileSync(file, text);
    const neb = spawnSync('nebula', ['-config', file, '-test'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(neb.status, 0, `nebula -test: ${neb.stderr}${neb.stdout}`);
    const tio = spawnSync(process.execPath, [MAIN, 'up', '-config', file, '-test'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(tio.status, 0, `tio up -test: ${tio.stderr}${tio.stdout}`);
    assert.match(tio.stderr + tio.stdout, /Config is valid/);
  } finally {
    pki.dispose();
  }
});
