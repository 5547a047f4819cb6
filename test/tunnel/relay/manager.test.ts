// RelayManager as a forwarding relay: the messages it sends for a request and a response, what it
// refuses, and that a closed tunnel takes the relay with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONTROL_CREATE_RELAY_REQUEST, CONTROL_CREATE_RELAY_RESPONSE, RELAY_ESTABLISHED, RelayManager, decodeControl, type NebulaControl,
} from '../../../src/tunnel/relay/index.js';

const ME = 0xc6130001;
const A = { vpnIp: 0xc6130002 };
const B = { vpnIp: 0xc6130003 };

function setup(amRelay = true, tunnels = [A, B]) {
  const sent: { to: number; m: NebulaControl }[] = [];
  const reached: number[] = [];
  const m = new RelayManager<typeof A>({
    vpnIp: ME,
    inNetwork: (ip) => (ip >>> 16) === 0xc613,
    tunnel: (ip) => tunnels.find((t) => t.vpnIp === ip),
    reach: (ip) => reached.push(ip),
    send: (t, p) => sent.push({ to: t.vpnIp, m: decodeControl(p) }),
    log: () => undefined,
  }, amRelay);
  return { m, sent, reached };
}

const req = (from: number, to: number, idx: number): NebulaControl => ({ type: CONTROL_CREATE_RELAY_REQUEST, initiatorRelayIndex: idx, responderRelayIndex: 0, relayToIp: to, relayFromIp: from });

test('a request from A for B is passed to B under a new index, and B\'s response is answered to A with A\'s index', () => {
  const { m, sent } = setup();
  m.onMessage(A, req(A.vpnIp, B.vpnIp, 1111));
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.to, B.vpnIp);
  const toB = sent[0]!.m;
  assert.equal(toB.type, CONTROL_CREATE_RELAY_REQUEST);
  assert.equal(toB.relayFromIp, A.vpnIp);
  assert.equal(toB.relayToIp, B.vpnIp);
  m.onMessage(B, { type: CONTROL_CREATE_RELAY_RESPONSE, initiatorRelayIndex: toB.initiatorRelayIndex, responderRelayIndex: 2222, relayToIp: B.vpnIp, relayFromIp: A.vpnIp });
  assert.equal(sent.length, 2);
  const toA = sent[1]!.m;
  assert.equal(sent[1]!.to, A.vpnIp);
  assert.equal(toA.type, CONTROL_CREATE_RELAY_RESPONSE);
  assert.equal(toA.initiatorRelayIndex, 1111);
  const aSide = m.table.get(toA.responderRelayIndex)!;
  assert.equal(aSide.state, RELAY_ESTABLISHED);
  assert.equal(aSide.partner?.remoteIndex, 2222);
});

test('the sender is its tunnel, not the RelayFromIp it claims', () => {
  const { m, sent } = setup();
  m.onMessage(A, req(0xc6130009, B.vpnIp, 1));
  assert.equal(sent[0]!.m.relayFromIp, A.vpnIp);
});

test('a repeated request after the relay is up is answered at once without asking B again', () => {
  const { m, sent } = setup();
  m.onMessage(A, req(A.vpnIp, B.vpnIp, 1111));
  m.onMessage(B, { type: CONTROL_CREATE_RELAY_RESPONSE, initiatorRelayIndex: sent[0]!.m.initiatorRelayIndex, responderRelayIndex: 2222, relayToIp: B.vpnIp, relayFromIp: A.vpnIp });
  m.onMessage(A, req(A.vpnIp, B.vpnIp, 1111));
  assert.deepEqual(sent.map((s) => [s.to, s.m.type]), [[B.vpnIp, 1], [A.vpnIp, 2], [A.vpnIp, 2]]);
  assert.equal(m.table.size, 2);
});

test('without am_relay, for ourselves, for the sender or outside the network a request is refused and nothing is kept', () => {
  for (const [amRelay, to] of [[false, B.vpnIp], [true, ME], [true, A.vpnIp], [true, 0x0a000001]] as const) {
    const { m, sent } = setup(amRelay);
    m.onMessage(A, req(A.vpnIp, to, 1));
    assert.equal(sent.length, 0);
    assert.equal(m.stats.refused, 1);
    assert.equal(m.table.size, 0);
  }
});

test('a request for a host we have no tunnel to starts reaching it and keeps nothing', () => {
  const { m, sent, reached } = setup(true, [A]);
  m.onMessage(A, req(A.vpnIp, B.vpnIp, 1));
  assert.deepEqual(reached, [B.vpnIp]);
  assert.equal(sent.length, 0);
  assert.equal(m.table.size, 0);
});

test('a response naming no relay we asked for, or arriving on another tunnel, changes nothing', () => {
  const { m, sent } = setup();
  m.onMessage(A, req(A.vpnIp, B.vpnIp, 1111));
  const idx = sent[0]!.m.initiatorRelayIndex;
  m.onMessage(A, { type: CONTROL_CREATE_RELAY_RESPONSE, initiatorRelayIndex: idx, responderRelayIndex: 9, relayToIp: B.vpnIp, relayFromIp: A.vpnIp });
  m.onMessage(B, { type: CONTROL_CREATE_RELAY_RESPONSE, initiatorRelayIndex: idx ^ 1, responderRelayIndex: 9, relayToIp: B.vpnIp, relayFromIp: A.vpnIp });
  assert.equal(m.stats.unmatched, 2);
  assert.equal(sent.length, 1);
});

test('when either tunnel closes both halves of the relay go', () => {
  for (const closing of [A, B]) {
    const { m, sent } = setup();
    m.onMessage(A, req(A.vpnIp, B.vpnIp, 1111));
    m.onMessage(B, { type: CONTROL_CREATE_RELAY_RESPONSE, initiatorRelayIndex: sent[0]!.m.initiatorRelayIndex, responderRelayIndex: 2222, relayToIp: B.vpnIp, relayFromIp: A.vpnIp });
    assert.equal(m.table.size, 2);
    m.tunnelClosed(closing);
    assert.equal(m.table.size, 0);
  }
});

function terminalSetup(tunnels = [A, B]) {
  const sent: { to: number; m: NebulaControl }[] = [];
  const up: number[] = [];
  const reached: number[] = [];
  const m = new RelayManager<typeof A>({
    vpnIp: ME,
    inNetwork: (ip) => (ip >>> 16) === 0xc613,
    tunnel: (ip) => tunnels.find((t) => t.vpnIp === ip),
    reach: (ip) => reached.push(ip),
    send: (t, p) => sent.push({ to: t.vpnIp, m: decodeControl(p) }),
    log: () => undefined,
    relayUp: (peer) => up.push(peer),
  }, false, true);
  return { m, sent, up, reached };
}

test('a relay\'s request naming us is accepted with a terminal entry whose stand-in endpoint leads to the asker', () => {
  const { m, sent } = terminalSetup();
  m.onMessage(A, req(B.vpnIp, ME, 4242));
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.to, A.vpnIp);
  const r = sent[0]!.m;
  assert.equal(r.type, CONTROL_CREATE_RELAY_RESPONSE);
  assert.equal(r.initiatorRelayIndex, 4242);
  assert.equal(r.relayFromIp, B.vpnIp);
  assert.equal(r.relayToIp, ME);
  const e = m.table.get(r.responderRelayIndex)!;
  assert.equal(e.remoteIndex, 4242);
  assert.deepEqual(m.table.pathsTo(B.vpnIp), [e.path]);
  assert.equal(m.table.byEndpoint(e.path!), e);
});

test('a request naming us is refused without relay.relays, or when it claims to come from us or from the relay itself', () => {
  const off = setup(true);
  off.m.onMessage(A, req(B.vpnIp, ME, 1));
  assert.equal(off.m.stats.refused, 1);
  for (const from of [ME, A.vpnIp, 0x0a000001]) {
    const { m, sent } = terminalSetup();
    m.onMessage(A, req(from, ME, 1));
    assert.equal(sent.length, 0);
    assert.equal(m.table.size, 0);
  }
});

test('a handshake try asks each named relay we have a tunnel to, reaches the others, and the answer reports the relay up', () => {
  const { m, sent, up, reached } = terminalSetup([A]);
  m.wantRelay(B.vpnIp, [A.vpnIp, 0xc6130007, B.vpnIp, ME]);
  assert.deepEqual(reached, [0xc6130007]);
  assert.equal(sent.length, 1);
  const q = sent[0]!.m;
  assert.deepEqual([sent[0]!.to, q.type, q.relayFromIp, q.relayToIp], [A.vpnIp, CONTROL_CREATE_RELAY_REQUEST, ME, B.vpnIp]);
  // Not answered yet: the next try asks again under the same index.
  m.wantRelay(B.vpnIp, [A.vpnIp]);
  assert.equal(sent[1]!.m.initiatorRelayIndex, q.initiatorRelayIndex);
  m.onMessage(A, { type: CONTROL_CREATE_RELAY_RESPONSE, initiatorRelayIndex: q.initiatorRelayIndex, responderRelayIndex: 99, relayToIp: B.vpnIp, relayFromIp: ME });
  assert.deepEqual(up, [B.vpnIp]);
  assert.equal(m.table.pathsTo(B.vpnIp).length, 1);
  // Up: later tries send nothing more.
  m.wantRelay(B.vpnIp, [A.vpnIp]);
  assert.equal(sent.length, 2);
});
