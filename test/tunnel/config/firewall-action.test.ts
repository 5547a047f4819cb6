// firewall.inbound_action / outbound_action: drop (default) or reject, validated like every
// other value, and no longer an "unknown key, ignored" (which silently turned a reject into a drop).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, configFromObject, parseConfig } from '../../../src/tunnel/config/index.js';
import { MINIMAL } from './fixtures.js';

const PKI = { ca: 'ca.crt', cert: 'host.crt', key: 'host.key' };

test('the actions default to drop and take reject, without a warning', () => {
  const plain = configFromObject({ pki: PKI });
  assert.equal(plain.config.firewall.inboundAction, 'drop');
  assert.equal(plain.config.firewall.outboundAction, 'drop');
  const { config, warnings } = parseConfig(`${MINIMAL}\nfirewall:\n  inbound_action: reject\n  outbound_action: reject\n`);
  assert.equal(config.firewall.inboundAction, 'reject');
  assert.equal(config.firewall.outboundAction, 'reject');
  assert.deepEqual(warnings.filter((w) => w.path.startsWith('firewall')), [], 'no "unknown key, ignored"');
  const mixed = configFromObject({ pki: PKI, firewall: { inbound_action: 'drop', outbound_action: 'reject' } }).config.firewall;
  assert.deepEqual([mixed.inboundAction, mixed.outboundAction], ['drop', 'reject']);
});

test('any other value is refused with an error naming the field', () => {
  for (const [key, v] of [['inbound_action', 'deny'], ['outbound_action', 'REJECT'], ['inbound_action', true], ['outbound_action', 1]] as const) {
    assert.throws(() => configFromObject({ pki: PKI, firewall: { [key]: v } }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, new RegExp(`firewall\\.${key}`));
      assert.match(e.message, /drop, reject/);
      return true;
    }, `${key}: ${String(v)}`);
  }
});
