// nodeOptionsFromConfig: the lighthouse section of a YAML config reaches the node's options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/tunnel/config/index.js';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { nodeOptionsFromConfig } from '../../../src/tunnel/node/from-config.js';
import { makePki, nebulaCertSkipReason } from '../../../kit/nebula-pki.js';

test('lighthouse.hosts, interval and advertise_addrs become NodeOptions.lighthouse', { skip: nebulaCertSkipReason() }, () => {
  const pki = makePki([['me', '198.19.0.2/16']]);
  try {
    const me = pki.hosts.get('me')!;
    const { config } = parseConfig(`pki: {ca: ${pki.caCrt}, cert: ${me.crt}, key: ${me.key}}
static_host_map: {"198.19.0.1": ["198.18.0.1:4242"]}
lighthouse: {hosts: ["198.19.0.1"], interval: 7, advertise_addrs: ["203.0.113.9:0"]}
`);
    const o = nodeOptionsFromConfig(config, new Logger('info', 'text', () => undefined));
    assert.deepEqual(o.lighthouse, { hosts: [0xc6130001], intervalMs: 7000, advertiseAddrs: [{ host: '203.0.113.9', port: 0, family: 4 }] });
  } finally {
    pki.dispose();
  }
});
