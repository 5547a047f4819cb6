// Firewall.reload: new rules at once, tracked flows re-checked at their next packet against the rules
// of the direction that admitted them (docs/PROTOCOL.md "Reloading the config").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DROP_NO_RULE, Firewall, FirewallRuleError, PORT_ANY, type FirewallRule } from '../../../src/tunnel/firewall/index.js';
import { packet, peer, type PacketSpec } from './packets.js';

const anyone = (over: Partial<FirewallRule> = {}): FirewallRule => ({
  portStart: PORT_ANY, portEnd: PORT_ANY, proto: 'any', host: 'any', groups: null, cidr: null, caName: null, caSha: null, ...over,
});
const US = '198.19.0.2';
const THEM = '198.19.0.1';
const out = (s: Partial<PacketSpec> = {}): Uint8Array => packet({ src: US, dst: THEM, proto: 6, sport: 40000, dport: 80, ...s });
const back = (s: Partial<PacketSpec> = {}): Uint8Array => packet({ src: THEM, dst: US, proto: 6, sport: 80, dport: 40000, ...s });
const inTo = (dport: number): Uint8Array => packet({ src: THEM, dst: US, proto: 6, sport: 50000, dport });
const f = (fw: Firewall, p: Uint8Array, dir: 'inbound' | 'outbound', now = 1): string | null => fw.filter(p, 0, p.length, dir, peer(), now);

test('a reload keeps the flows the new rules allow and drops, at their next packet, those they do not', () => {
  const fw = new Firewall({ inbound: [anyone({ proto: 'tcp', portStart: 22, portEnd: 22 }), anyone({ proto: 'tcp', portStart: 80, portEnd: 80 })], outbound: [anyone()] });
  assert.equal(f(fw, inTo(22), 'inbound'), null);
  assert.equal(f(fw, inTo(80), 'inbound'), null);
  assert.equal(f(fw, out(), 'outbound'), null);
  assert.equal(fw.conntrack.size, 3);
  assert.equal(fw.reload({ inbound: [anyone({ proto: 'tcp', portStart: 22, portEnd: 22 })], outbound: [anyone()] }), 1);
  assert.equal(fw.rulesVersion, 1);
  assert.equal(fw.conntrack.size, 3, 'nothing is dropped at the reload itself');
  assert.equal(f(fw, inTo(22), 'inbound'), null, 'still allowed: kept');
  assert.equal(f(fw, inTo(80), 'inbound'), DROP_NO_RULE, 'no longer allowed: dropped');
  // The reply direction of a flow admitted outbound is re-checked against the outbound rules, which still allow it.
  assert.equal(f(fw, back(), 'inbound'), null);
  assert.deepEqual(fw.reloadStats, { flowsKept: 2, flowsRevoked: 1 });
  assert.equal(fw.conntrack.size, 2);
  // Re-checked once per version: the next packets pass without counting again.
  assert.equal(f(fw, inTo(22), 'inbound'), null);
  assert.equal(fw.reloadStats.flowsKept, 2);
});

test('a flow admitted outbound whose outbound rule went is judged by its packet direction afresh', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone()] });
  assert.equal(f(fw, out(), 'outbound'), null);
  fw.reload({ inbound: [], outbound: [] });
  assert.equal(f(fw, back(), 'inbound'), DROP_NO_RULE, 'the reply no longer finds its flow, and inbound allows nothing');
  assert.equal(fw.conntrack.size, 0);
  assert.equal(fw.reloadStats.flowsRevoked, 1);
});

test('a reload with a rule the matcher cannot take throws and changes nothing', () => {
  const fw = new Firewall({ inbound: [anyone()], outbound: [anyone()] });
  assert.equal(f(fw, inTo(80), 'inbound'), null);
  assert.throws(() => fw.reload({ inbound: [anyone({ portStart: 90, portEnd: 80 })], outbound: [] }), FirewallRuleError);
  assert.equal(fw.rulesVersion, 0);
  assert.equal(f(fw, inTo(81), 'inbound'), null, 'the old rules still decide');
});

test('the rules version wraps at 2^16 and the flow table then starts empty, as nebula', () => {
  const rules = { inbound: [anyone()], outbound: [anyone()] };
  const fw = new Firewall(rules);
  for (let i = 0; i < 0xffff; i++) fw.reload(rules);
  assert.equal(fw.rulesVersion, 0xffff);
  assert.equal(f(fw, inTo(80), 'inbound'), null);
  assert.equal(fw.conntrack.size, 1);
  assert.equal(fw.reload(rules), 0);
  assert.equal(fw.conntrack.size, 0);
});

test('new timeouts apply to tracked flows from their next packet', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone()], tcpTimeoutMs: 1000 });
  assert.equal(f(fw, out(), 'outbound', 0), null);
  fw.reload({ inbound: [], outbound: [anyone()], tcpTimeoutMs: 100_000 });
  assert.equal(f(fw, out(), 'outbound', 500), null);
  // Inbound allows nothing: the reply passes only because the flow, refreshed with the new timeout, is still tracked.
  assert.equal(f(fw, back(), 'inbound', 50_000), null);
});
