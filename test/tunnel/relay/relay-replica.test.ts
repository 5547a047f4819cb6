// RelayTable replicas (how main's relay entries reach the routines): every change main's manager makes
// goes to an observer, and a replica table fed with put/forget by local index ends up with the same
// entries, states, remote indexes, partner links and stand-in endpoints at every step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONTROL_CREATE_RELAY_REQUEST, CONTROL_CREATE_RELAY_RESPONSE, RELAY_ESTABLISHED, RELAY_FORWARDING, RelayManager, RelayTable, decodeControl,
  type NebulaControl, type RelayEntry,
} from '../../../src/tunnel/relay/index.js';

const ME = 0xc6130001;
const A = { vpnIp: 0xc6130002 };
const B = { vpnIp: 0xc6130003 };
const C = { vpnIp: 0xc6130004 };
type V = typeof A;
const VIAS = [A, B, C];

// Each entry as plain data, partner by local index, in local index order.
function entries(t: RelayTable<V>): string[] {
  const out: string[] = [];
  for (const via of VIAS) {
    for (const e of t.on(via)) {
      out.push(JSON.stringify([e.localIndex, e.via.vpnIp, e.peer, e.type, e.remoteIndex, e.state, e.partner?.localIndex ?? 0, e.path?.key ?? '']));
    }
  }
  return out.sort();
}

function setup(terminal: boolean) {
  const sent: { to: number; m: NebulaControl }[] = [];
  const replica = new RelayTable<V>();
  const put = (e: RelayEntry<V>): void => replica.put({
    via: e.via, peer: e.peer, type: e.type, localIndex: e.localIndex, remoteIndex: e.remoteIndex, state: e.state,
    partner: e.partner?.localIndex ?? 0, pathPort: e.path?.port ?? 0,
  });
  const m = new RelayManager<V>({
    vpnIp: ME,
    inNetwork: (ip) => (ip >>> 16) === 0xc613,
    tunnel: (ip) => VIAS.find((t) => t.vpnIp === ip),
    reach: () => undefined,
    send: (t, p) => sent.push({ to: t.vpnIp, m: decodeControl(p) }),
    log: () => undefined,
    observer: { changed: put, removed: (e) => replica.forget(e.localIndex) },
  }, true, terminal);
  return { m, sent, replica };
}

const req = (from: number, to: number, idx: number): NebulaControl => ({ type: CONTROL_CREATE_RELAY_REQUEST, initiatorRelayIndex: idx, responderRelayIndex: 0, relayToIp: to, relayFromIp: from });
const resp = (initiator: number, responder: number, from: number, to: number): NebulaControl => ({ type: CONTROL_CREATE_RELAY_RESPONSE, initiatorRelayIndex: initiator, responderRelayIndex: responder, relayToIp: to, relayFromIp: from });

test('a replica follows a forwarding relay through request, response, a fresh request and a closed tunnel', () => {
  const { m, sent, replica } = setup(false);
  m.onMessage(A, req(A.vpnIp, B.vpnIp, 1111));
  assert.equal(replica.size, 2);
  assert.deepEqual(entries(replica), entries(m.table));
  m.onMessage(B, resp(sent[0]!.m.initiatorRelayIndex, 2222, A.vpnIp, B.vpnIp));
  assert.deepEqual(entries(replica), entries(m.table));
  const aSide = replica.get(sent[1]!.m.responderRelayIndex)!;
  assert.equal(aSide.state, RELAY_ESTABLISHED);
  assert.equal(aSide.partner?.remoteIndex, 2222, 'the replica\'s halves are linked');
  assert.equal(aSide.partner?.partner, aSide);
  // A restarted initiator asks again with a fresh index: its half is replaced, the far half stays linked.
  m.onMessage(A, req(A.vpnIp, B.vpnIp, 3333));
  assert.deepEqual(entries(replica), entries(m.table));
  const fresh = replica.find(A, B.vpnIp)!;
  assert.equal(fresh.remoteIndex, 3333);
  assert.equal(fresh.partner?.partner, fresh);
  m.onMessage(C, req(C.vpnIp, B.vpnIp, 4444));
  assert.deepEqual(entries(replica), entries(m.table));
  m.tunnelClosed(B);
  assert.deepEqual(entries(replica), entries(m.table));
  assert.equal(replica.size, 0);
});

test('a replica has the terminal entries with their stand-in endpoints, found by endpoint', () => {
  const { m, sent, replica } = setup(true);
  m.onMessage(A, req(C.vpnIp, ME, 5555));
  m.wantRelay(B.vpnIp, [C.vpnIp]);
  const asked = sent.find((s) => s.m.type === CONTROL_CREATE_RELAY_REQUEST)!;
  m.onMessage(C, resp(asked.m.initiatorRelayIndex, 6666, ME, B.vpnIp));
  assert.deepEqual(entries(replica), entries(m.table));
  for (const via of [A, C]) {
    for (const e of m.table.on(via)) {
      const r = replica.byEndpoint(e.path!)!;
      assert.equal(r.localIndex, e.localIndex);
      assert.equal(r.state, RELAY_ESTABLISHED);
    }
  }
  m.tunnelClosed(A);
  m.tunnelClosed(C);
  assert.equal(replica.size, 0);
  assert.equal(replica.pathsTo(B.vpnIp).length, 0);
});

test('a replica entry whose partner is not there yet is linked when the partner arrives', () => {
  const replica = new RelayTable<V>();
  replica.put({ via: A, peer: B.vpnIp, type: RELAY_FORWARDING, localIndex: 10, remoteIndex: 1, state: RELAY_ESTABLISHED, partner: 20, pathPort: 0 });
  assert.equal(replica.get(10)!.partner, null);
  replica.put({ via: B, peer: A.vpnIp, type: RELAY_FORWARDING, localIndex: 20, remoteIndex: 2, state: RELAY_ESTABLISHED, partner: 10, pathPort: 0 });
  assert.equal(replica.get(10)!.partner, replica.get(20));
  assert.equal(replica.get(20)!.partner, replica.get(10));
  replica.forget(20);
  assert.equal(replica.get(10)!.partner, null, 'forgetting one half unlinks the other');
  assert.equal(replica.size, 1, 'and leaves it for main to remove');
});
