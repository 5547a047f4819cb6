import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DROP_CONNTRACK_FULL,
  DROP_CONNTRACK_PEER_FULL,
  DROP_NOT_IPV4,
  DROP_NO_RULE,
  DROP_PACKET_SHORT,
  Firewall,
  FirewallRuleError,
  PORT_ANY,
  DROP_REMOTE_IP,
  PORT_FRAGMENT,
  checkAddresses,
  newFlow,
  type FirewallRule,
  type PeerIdentity,
} from '../../../src/tunnel/firewall/index.js';
import { LOCAL, ip, packet, peer, type PacketSpec } from './packets.js';

const anyone = (over: Partial<FirewallRule> = {}): FirewallRule => ({
  portStart: PORT_ANY,
  portEnd: PORT_ANY,
  proto: 'any',
  host: 'any',
  groups: null,
  cidr: null,
  caName: null,
  caSha: null,
  ...over,
});

const US = '198.19.0.2';
const THEM = '198.19.0.1';
const out = (s: Partial<PacketSpec> = {}): Uint8Array => packet({ src: US, dst: THEM, proto: 6, sport: 40000, dport: 80, ...s });
const back = (s: Partial<PacketSpec> = {}): Uint8Array => packet({ src: THEM, dst: US, proto: 6, sport: 80, dport: 40000, ...s });

test('absent rules deny everything in both directions', () => {
  const fw = new Firewall({ inbound: [], outbound: [] });
  const p = out();
  assert.equal(fw.filter(p, 0, p.length, 'outbound', peer(), 0), DROP_NO_RULE);
  const q = back();
  assert.equal(fw.filter(q, 0, q.length, 'inbound', peer(), 0), DROP_NO_RULE);
});

test('conntrack lets the replies of an outbound flow in without any inbound rule', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone()] });
  const p = out();
  const q = back();
  assert.equal(fw.filter(q, 0, q.length, 'inbound', peer(), 0), DROP_NO_RULE, 'not before the flow exists');
  assert.equal(fw.filter(p, 0, p.length, 'outbound', peer(), 1), null);
  assert.equal(fw.filter(q, 0, q.length, 'inbound', peer(), 2), null);
  const otherPort = back({ dport: 40001 });
  assert.equal(fw.filter(otherPort, 0, otherPort.length, 'inbound', peer(), 3), DROP_NO_RULE, 'a different tuple is a different flow');
  assert.equal(fw.conntrack.size, 1);
});

test('a tracked flow passes without re-evaluating the rules (both directions)', () => {
  const fw = new Firewall({ inbound: [anyone({ proto: 'udp', host: 'hosta' })], outbound: [] });
  const q = back({ proto: 17, sport: 5353, dport: 53 });
  assert.equal(fw.filter(q, 0, q.length, 'inbound', peer(), 0), null);
  const reply = out({ proto: 17, sport: 53, dport: 5353 });
  assert.equal(fw.filter(reply, 0, reply.length, 'outbound', peer(), 1), null, 'outbound reply with no outbound rules');
  assert.equal(fw.filter(q, 0, q.length, 'inbound', peer({ name: 'renamed' }), 2), null, 'rules are not consulted again');
});

test('expiry per protocol: TCP, UDP and the default timeout; traffic refreshes the deadline', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone()], tcpTimeoutMs: 1000, udpTimeoutMs: 300, defaultTimeoutMs: 600 });
  const cases: [Partial<PacketSpec>, number][] = [
    [{ proto: 6 }, 1000],
    [{ proto: 17 }, 300],
    [{ proto: 1, sport: 0x0800, dport: 0 }, 600],
  ];
  for (const [spec, ttl] of cases) {
    const t0 = 10_000 * spec.proto!;
    const p = out(spec);
    const q = back(spec);
    assert.equal(fw.filter(p, 0, p.length, 'outbound', peer(), t0), null);
    assert.equal(fw.filter(q, 0, q.length, 'inbound', peer(), t0 + ttl - 1), null, `proto ${spec.proto} alive`);
    // the reply refreshed it: alive until t0 + 2*ttl - 1
    assert.equal(fw.filter(q, 0, q.length, 'inbound', peer(), t0 + 2 * ttl - 2), null);
    assert.equal(fw.filter(q, 0, q.length, 'inbound', peer(), t0 + 3 * ttl), DROP_NO_RULE, `proto ${spec.proto} expired`);
  }
});

test('sweep() drops idle flows', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone()], tcpTimeoutMs: 100 });
  for (let port = 1; port <= 10; port++) {
    const p = out({ sport: port });
    fw.filter(p, 0, p.length, 'outbound', peer(), 0);
  }
  assert.equal(fw.conntrack.size, 10);
  assert.equal(fw.sweep(50), 0);
  assert.equal(fw.sweep(100), 10);
  assert.equal(fw.conntrack.size, 0);
});

test('ICMP: an echo out lets the echo reply in (ports are 0 both ways)', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone({ proto: 'icmp' })] });
  const echo = packet({ src: US, dst: THEM, proto: 1, sport: 0x0800, dport: 0x0001 });
  const reply = packet({ src: THEM, dst: US, proto: 1, sport: 0x0000, dport: 0x0001 });
  assert.equal(fw.filter(echo, 0, echo.length, 'outbound', peer(), 0), null);
  assert.equal(fw.filter(reply, 0, reply.length, 'inbound', peer(), 1), null);
});

test('fragments: tracked separately from their flow (nebula keys on the fragment flag); port fragment admits them', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone({ proto: 'udp', portStart: 53, portEnd: 53 })] });
  const first = out({ proto: 17, sport: 5000, dport: 53, moreFragments: true });
  const later = out({ proto: 17, fragOffset: 185 });
  assert.equal(fw.filter(first, 0, first.length, 'outbound', peer(), 0), null, 'first fragment has ports');
  assert.equal(fw.filter(later, 0, later.length, 'outbound', peer(), 0), DROP_NO_RULE);
  const fw2 = new Firewall({
    inbound: [anyone({ proto: 'udp', portStart: PORT_FRAGMENT, portEnd: PORT_FRAGMENT })],
    outbound: [anyone({ proto: 'udp', portStart: PORT_FRAGMENT, portEnd: PORT_FRAGMENT })],
  });
  assert.equal(fw2.filter(later, 0, later.length, 'outbound', peer(), 0), null);
  const laterBack = back({ proto: 17, fragOffset: 185 });
  assert.equal(fw2.filter(laterBack, 0, laterBack.length, 'inbound', peer(), 0), null);
});

test('non-IPv4 and malformed inner packets are dropped with a reason', () => {
  const fw = new Firewall({ inbound: [anyone()], outbound: [anyone()] });
  const v6 = new Uint8Array(48);
  v6[0] = 0x60;
  assert.equal(fw.filter(v6, 0, v6.length, 'inbound', peer(), 0), DROP_NOT_IPV4);
  assert.equal(fw.filter(new Uint8Array(8), 0, 8, 'inbound', peer(), 0), DROP_PACKET_SHORT);
  assert.equal(fw.conntrack.size, 0);
});

test('maxFlows: an admitted flow beyond the bound is dropped as conntrack-full', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone()], maxFlows: 2 });
  for (const sport of [1, 2]) {
    const p = out({ sport });
    assert.equal(fw.filter(p, 0, p.length, 'outbound', peer(), 0), null);
  }
  const p = out({ sport: 3 });
  assert.equal(fw.filter(p, 0, p.length, 'outbound', peer(), 0), DROP_CONNTRACK_FULL);
});

test('maxFlowsPerPeer: one remote address beyond its share is dropped as conntrack-peer-full; another passes', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone()], maxFlowsPerPeer: 2 });
  assert.equal(fw.conntrack.maxFlowsPerPeer, 2);
  for (const sport of [1, 2]) {
    const p = out({ sport });
    assert.equal(fw.filter(p, 0, p.length, 'outbound', peer(), 0), null);
  }
  const p = out({ sport: 3 });
  assert.equal(fw.filter(p, 0, p.length, 'outbound', peer(), 0), DROP_CONNTRACK_PEER_FULL);
  const q = packet({ src: US, dst: '198.19.0.3', proto: 6, sport: 3, dport: 80 });
  assert.equal(fw.filter(q, 0, q.length, 'outbound', peer(), 0), null, 'another remote address has its own share');
  // The tracked flows' replies still pass: the share limits new flows only.
  const r = back({ dport: 1 });
  assert.equal(fw.filter(r, 0, r.length, 'inbound', peer(), 1), null);
});

test('bad rules throw FirewallRuleError from the constructor', () => {
  assert.throws(() => new Firewall({ inbound: [], outbound: [anyone({ host: null })] }), FirewallRuleError);
});

// SECURITY.md "Firewall": the address pre-checks run on every inbound packet before the rules,
// so a flow admitted for peer P cannot carry packets from peer Q. Conntrack keys carry no
// identity (see the test above), so this is what stops Q: with its own source IP the key is
// another flow; with P's source IP the pre-check refuses it before conntrack is asked.
test('a flow tracked for peer P admits P\'s replies but no packet from peer Q with the same ports, whatever source IP Q puts in', () => {
  const fw = new Firewall({ inbound: [], outbound: [anyone()] });
  const P = peer({ name: 'p', ips: [ip(THEM)] });
  const Q = peer({ name: 'q', ips: [ip('198.19.0.3')] });
  // What InboundPath does with each decrypted packet: checkAddresses, then the rules.
  const inbound = (b: Uint8Array, from: PeerIdentity, now: number): string | null =>
    checkAddresses(b, 0, b.length, 'inbound', from, LOCAL) ?? fw.filter(b, 0, b.length, 'inbound', from, now);
  const syn = out();
  assert.equal(checkAddresses(syn, 0, syn.length, 'outbound', P, LOCAL), null);
  assert.equal(fw.filter(syn, 0, syn.length, 'outbound', P, 1), null, 'outbound TCP to P admitted and tracked');
  const fromQ = back({ src: '198.19.0.3' });
  assert.equal(inbound(fromQ, Q, 2), DROP_NO_RULE, 'Q with its own IP and P\'s ports: not P\'s flow, and no inbound rule');
  const spoof = back();
  assert.equal(inbound(spoof, Q, 3), DROP_REMOTE_IP, 'Q with P\'s IP as source: refused before conntrack');
  for (const proto of [6, 17]) {
    const u = out({ proto, sport: 41000, dport: 53 });
    assert.equal(fw.filter(u, 0, u.length, 'outbound', P, 4), null);
    assert.equal(inbound(back({ proto, sport: 53, dport: 41000 }), Q, 5), DROP_REMOTE_IP, `proto ${proto}: spoofed reply from Q`);
    assert.equal(inbound(back({ proto, src: '198.19.0.3', sport: 53, dport: 41000 }), Q, 5), DROP_NO_RULE, `proto ${proto}: Q's own reply`);
  }
  // The flow is P's and still works for P: the refusals above are about Q, not a broken flow.
  assert.equal(inbound(back(), P, 6), null, 'P\'s reply on its own flow is admitted');
  assert.equal(inbound(back({ proto: 17, sport: 53, dport: 41000 }), P, 6), null);
});

test('the actions for refused packets default to drop, take reject, and refuse anything else', () => {
  const plain = new Firewall({ inbound: [], outbound: [] });
  assert.equal(plain.rejects('inbound'), false);
  assert.equal(plain.rejects('outbound'), false);
  const fw = new Firewall({ inbound: [], outbound: [], inboundAction: 'reject', outboundAction: 'drop' });
  assert.equal(fw.rejects('inbound'), true);
  assert.equal(fw.rejects('outbound'), false);
  assert.equal(new Firewall({ inbound: [], outbound: [], outboundAction: 'reject' }).rejects('outbound'), true);
  assert.throws(() => new Firewall({ inbound: [], outbound: [], inboundAction: 'deny' as 'drop' }), { code: 'ERR_TIO_FIREWALL_OPTION', message: /inboundAction/ });
});

test('the admitted hook hears of each flow the rules admit, once; not of refreshed, refused or directly tracked flows', () => {
  const seen: string[] = [];
  const fw = new Firewall({ inbound: [], outbound: [anyone()] }, {
    admitted: (f) => seen.push(`${f.proto}:${f.localPort}->${f.remotePort}`),
  });
  const p = out();
  const q = back();
  assert.equal(fw.filter(p, 0, p.length, 'outbound', peer(), 1), null);
  assert.equal(fw.filter(p, 0, p.length, 'outbound', peer(), 2), null, 'refreshed, not admitted again');
  assert.equal(fw.filter(q, 0, q.length, 'inbound', peer(), 3), null, 'a reply on the tracked flow');
  const refused = back({ dport: 40001 });
  assert.equal(fw.filter(refused, 0, refused.length, 'inbound', peer(), 4), DROP_NO_RULE);
  assert.deepEqual(seen, ['6:40000->80']);
  const other = out({ sport: 40002 });
  assert.equal(fw.filter(other, 0, other.length, 'outbound', peer(), 5), null);
  assert.deepEqual(seen, ['6:40000->80', '6:40002->80']);
  const imported = newFlow();
  Object.assign(imported, { localIp: ip(US), remoteIp: ip(THEM), localPort: 40003, remotePort: 80, proto: 6 });
  assert.equal(fw.conntrack.add(imported, 6, 1000), true);
  assert.equal(seen.length, 2, 'a flow tracked through the flow table directly (imported from another thread) is not announced');
});
