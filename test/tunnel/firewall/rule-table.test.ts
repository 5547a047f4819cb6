import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FirewallRuleError,
  PORT_FRAGMENT,
  RuleTable,
  newFlow,
  parseFlow,
  parseIpv4Cidr,
  parsePortRange,
  type Direction,
  type FirewallRule,
  type PeerIdentity,
} from '../../../src/tunnel/firewall/index.js';
import { packet, peer, type PacketSpec } from './packets.js';

/** A rule from a compact spec: port text, proto, and who/CA fields. */
function rule(spec: { port?: string; proto?: FirewallRule['proto']; host?: string; groups?: string[]; cidr?: string; caName?: string; caSha?: string }): FirewallRule {
  const range = parsePortRange(spec.port ?? 'any');
  if (range === null) throw new Error(`bad port ${spec.port}`);
  return {
    portStart: range.start,
    portEnd: range.end,
    proto: spec.proto ?? 'any',
    host: spec.host ?? null,
    groups: spec.groups ?? null,
    cidr: spec.cidr === undefined ? null : parseIpv4Cidr(spec.cidr),
    caName: spec.caName ?? null,
    caSha: spec.caSha ?? null,
  };
}

/** Inbound TCP to our port 443 from the peer 198.19.0.1. */
const IN_443: PacketSpec = { src: '198.19.0.1', dst: '198.19.0.2', proto: 6, sport: 40000, dport: 443 };

function admits(rules: FirewallRule[], who: PeerIdentity, spec: PacketSpec = IN_443, direction: Direction = 'inbound'): boolean {
  const table = new RuleTable(direction, rules);
  const p = packet(spec);
  const f = newFlow();
  assert.equal(parseFlow(p, 0, p.length, direction, f), null);
  return table.match(f, who);
}

test('default deny: no rules admit nothing', () => {
  assert.equal(admits([], peer()), false);
  assert.equal(admits([], peer(), { ...IN_443, dst: '198.19.0.1', src: '198.19.0.2' }, 'outbound'), false);
});

test('host: the cert name, or any', () => {
  assert.equal(admits([rule({ host: 'hosta' })], peer()), true);
  assert.equal(admits([rule({ host: 'hostb' })], peer()), false);
  assert.equal(admits([rule({ host: 'any' })], peer({ name: 'whoever' })), true);
});

test('group / groups: every listed group must be in the cert; "any" admits all', () => {
  assert.equal(admits([rule({ groups: ['g1'] })], peer()), true);
  assert.equal(admits([rule({ groups: ['g1', 'g2'] })], peer()), true);
  assert.equal(admits([rule({ groups: ['g1', 'g3'] })], peer()), false, 'groups are ANDed');
  assert.equal(admits([rule({ groups: ['g3'] })], peer()), false);
  assert.equal(admits([rule({ groups: ['g3', 'any'] })], peer({ groups: [] })), true);
  assert.equal(admits([rule({ groups: ['g1'] }), rule({ groups: ['g3'] })], peer()), true, 'separate rules are ORed');
});

test('cidr matches the peer-side address: source inbound, destination outbound', () => {
  assert.equal(admits([rule({ cidr: '198.19.0.0/24' })], peer()), true);
  assert.equal(admits([rule({ cidr: '198.19.1.0/24' })], peer()), false);
  const out: PacketSpec = { src: '198.19.0.2', dst: '198.19.0.1', proto: 6, sport: 40000, dport: 443 };
  assert.equal(admits([rule({ cidr: '198.19.0.1/32' })], peer(), out, 'outbound'), true);
  assert.equal(admits([rule({ cidr: '198.19.0.2/32' })], peer(), out, 'outbound'), false, 'our own address is not the peer side');
  assert.equal(admits([rule({ cidr: '0.0.0.0/0' })], peer()), true);
});

test('a cidr containing 0.0.0.0 is "any", as in nebula (isAny)', () => {
  assert.equal(admits([rule({ cidr: '0.0.0.0/8' })], peer()), true);
});

test('host OR groups OR cidr inside one rule', () => {
  const r = rule({ host: 'other', groups: ['g9'], cidr: '10.0.0.0/8' });
  assert.equal(admits([r], peer()), false);
  assert.equal(admits([r], peer({ name: 'other' })), true);
  assert.equal(admits([r], peer({ groups: ['g9'] })), true);
  assert.equal(admits([r], peer(), { ...IN_443, src: '10.1.1.1' }), true);
});

test('port: single, range, any; inbound uses our (destination) port, outbound the peer port', () => {
  const who = peer();
  assert.equal(admits([rule({ port: '443', host: 'any' })], who), true);
  assert.equal(admits([rule({ port: '80', host: 'any' })], who), false);
  assert.equal(admits([rule({ port: '400-500', host: 'any' })], who), true);
  assert.equal(admits([rule({ port: '444-500', host: 'any' })], who), false);
  assert.equal(admits([rule({ port: '40000', host: 'any' })], who), false, 'not the source port');
  const out: PacketSpec = { src: '198.19.0.2', dst: '198.19.0.1', proto: 17, sport: 5000, dport: 53 };
  assert.equal(admits([rule({ port: '53', host: 'any' })], who, out, 'outbound'), true);
  assert.equal(admits([rule({ port: '5000', host: 'any' })], who, out, 'outbound'), false);
});

test('proto: tcp/udp/icmp rules only match their protocol, any matches every protocol', () => {
  const who = peer();
  const udp: PacketSpec = { ...IN_443, proto: 17 };
  const gre: PacketSpec = { ...IN_443, proto: 47 };
  assert.equal(admits([rule({ proto: 'tcp', host: 'any' })], who), true);
  assert.equal(admits([rule({ proto: 'tcp', host: 'any' })], who, udp), false);
  assert.equal(admits([rule({ proto: 'udp', host: 'any' })], who, udp), true);
  assert.equal(admits([rule({ proto: 'icmp', host: 'any' })], who, udp), false);
  assert.equal(admits([rule({ proto: 'any', host: 'any' })], who, gre), true);
  assert.equal(admits([rule({ proto: 'tcp', host: 'any' }), rule({ proto: 'udp', host: 'any' })], who, gre), false);
});

test('ICMP has port 0: only port any matches it; code N never does (nebula 1.6.1)', () => {
  const who = peer();
  const ping: PacketSpec = { src: '198.19.0.1', dst: '198.19.0.2', proto: 1, sport: 0x0800 };
  assert.equal(admits([rule({ proto: 'icmp', port: 'any', host: 'any' })], who, ping), true);
  assert.equal(admits([rule({ proto: 'icmp', port: '8', host: 'any' })], who, ping), false);
  assert.equal(admits([rule({ proto: 'icmp', port: '0', host: 'any' })], who, ping), true);
});

test('fragments: matched by port fragment or any, never by a number or range', () => {
  const who = peer();
  const frag: PacketSpec = { ...IN_443, proto: 17, fragOffset: 100 };
  assert.equal(admits([rule({ port: 'fragment', host: 'any' })], who, frag), true);
  assert.equal(admits([rule({ port: 'any', host: 'any' })], who, frag), true);
  assert.equal(admits([rule({ port: '1-65535', host: 'any' })], who, frag), false);
  assert.equal(admits([rule({ port: 'fragment', host: 'any' })], who), false, 'fragment rules ignore whole packets');
  assert.equal(PORT_FRAGMENT, -1);
});

test('CA: ca_name / ca_sha alone admit any host of that CA; both given = either; AND with host/group', () => {
  const sha = 'bb'.repeat(32);
  const other = peer({ name: 'x', groups: [], caName: 'other-ca', caSha: sha });
  assert.equal(admits([rule({ caName: 't-ca' })], peer({ name: 'x', groups: [] })), true);
  assert.equal(admits([rule({ caName: 't-ca' })], other), false);
  assert.equal(admits([rule({ caSha: sha })], other), true);
  assert.equal(admits([rule({ caSha: sha.toUpperCase() })], other), true, 'rule hex is case-insensitive');
  assert.equal(admits([rule({ caSha: 'aa'.repeat(32) })], other), false);
  assert.equal(admits([rule({ caName: 't-ca', caSha: sha })], other), true, 'nebula files the rule under both: OR');
  assert.equal(admits([rule({ caName: 'other-ca', host: 'hosta' })], other), false, 'CA matches, host does not');
  assert.equal(admits([rule({ caName: 'other-ca', host: 'x' })], other), true);
  assert.equal(admits([rule({ caName: 't-ca', host: 'x' })], other), false, 'host matches, CA does not');
});

test('the full conjunction: port AND proto AND CA AND who', () => {
  const r = rule({ port: '443', proto: 'tcp', groups: ['g1'], caName: 't-ca' });
  assert.equal(admits([r], peer()), true);
  assert.equal(admits([r], peer(), { ...IN_443, dport: 80 }), false);
  assert.equal(admits([r], peer(), { ...IN_443, proto: 17 }), false);
  assert.equal(admits([r], peer({ caName: 'x' })), false);
  assert.equal(admits([r], peer({ groups: ['g2'] })), false);
});

test('invalid rules are refused with FirewallRuleError naming the rule', () => {
  const base = rule({ host: 'any' });
  const bad: [Partial<FirewallRule>, RegExp][] = [
    [{ host: null }, /inbound\[1\].*at least one of host/],
    [{ portStart: 10, portEnd: 5 }, /port range/],
    [{ portStart: 1, portEnd: 70000 }, /port range/],
    [{ portStart: -1, portEnd: 3 }, /port range/],
    [{ proto: 'gre' as 'any' }, /proto "gre"/],
    [{ host: '' }, /host is empty/],
    [{ host: null, groups: ['a', ''] }, /group name is empty/],
  ];
  for (const [patch, msg] of bad) {
    assert.throws(
      () => new RuleTable('inbound', [base, { ...base, ...patch }]),
      (e: unknown) => e instanceof FirewallRuleError && e.code === 'ERR_TIO_FIREWALL_RULE' && msg.test(e.message),
      JSON.stringify(patch),
    );
  }
});
