// SECURITY.md "Handshake and peer identity", against a running OverlayNode
// (node A) from a scripted peer's socket:
// - a byte-identical duplicate msg1 gets the cached msg2, byte for byte, and
//   makes no second tunnel and takes no new index;
// - as initiator, A requires the responder's certificate IP to equal the IP it
//   dialled: a responder with a valid certificate for another overlay IP at the
//   dialled address makes no tunnel ("Incorrect host responded to handshake").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { ipU32 } from '../../helpers/overlay.js';
import { waitFor } from '../../../kit/wait.js';
import { T_HANDSHAKE, T_MESSAGE, parseHeader, type Received } from './hostile-peer.js';
import { IP_A, quietPeriod, stage, withLog, type Stage } from './hostile-setup.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
let s: Stage | undefined;

before(async () => {
  if (!skip) s = await stage({ subnet: 43, hostile: [['dup', 31], ['dialled', 32], ['other', 33], ['late', 34], ['other2', 35]] });
});
after(async () => {
  await s?.dispose();
  destroyAll();
});

const isMsg2For = (index: number) => (r: Received): boolean => {
  const h = parseHeader(r.bytes);
  return h !== null && h.type === T_HANDSHAKE && h.counter === 2n && h.index === index;
};
const isMsg1 = (r: Received): boolean => {
  const h = parseHeader(r.bytes);
  return h !== null && h.type === T_HANDSHAKE && h.counter === 1n;
};

test('a byte-identical duplicate msg1 gets the cached msg2 byte for byte, and no second tunnel or index', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const me = st.ids.get('dup')!;
    const ip = ipU32(me.vpnIp);
    const m = st.peer.msg1(me);
    let mark = st.peer.mark();
    await st.peer.send(st.epA, m.bytes);
    const first = await st.peer.expect(mark, isMsg2For(m.localIndex), 5000, 'msg2 for the msg1');
    await waitFor(() => nodeInternals(st.a).hostmap.get(ip) !== undefined, 5000, 'the tunnel');
    const t = nodeInternals(st.a).hostmap.get(ip)!;
    const size = nodeInternals(st.a).hostmap.size;
    const hs = { ...nodeInternals(st.a).handshakes.stats };
    for (let i = 1; i <= 3; i++) {
      mark = st.peer.mark();
      await st.peer.send(st.epA, m.bytes);
      const again = await st.peer.expect(mark, isMsg2For(m.localIndex), 5000, `msg2 for duplicate ${i}`);
      assert.ok(again.bytes.equals(first.bytes), `duplicate ${i}: the msg2 is the cached one, byte for byte`);
      assert.equal(nodeInternals(st.a).handshakes.stats.cachedReplies, hs.cachedReplies + i, 'answered from the cache');
    }
    assert.equal(nodeInternals(st.a).handshakes.stats.responded, hs.responded, 'no new handshake was answered');
    assert.equal(nodeInternals(st.a).handshakes.stats.tooOld, hs.tooOld, 'not refused as too old either');
    assert.equal(nodeInternals(st.a).hostmap.get(ip), t, 'the same tunnel');
    assert.equal(nodeInternals(st.a).hostmap.byLocalIndex(t.localIndex), t, 'under the same index');
    assert.equal(nodeInternals(st.a).hostmap.size, size, 'no second tunnel');
    // The session the first msg2 opened is the one A holds: data on it goes through both ways.
    const r = m.initiator.readMessage2(first.bytes.subarray(16));
    const { decodeHandshake } = await import('../../../src/tunnel/noise/index.js');
    const responderIndex = decodeHandshake(r.payload).details.responderIndex;
    assert.equal(responderIndex, t.localIndex, 'the cached msg2 names the tunnel\'s index');
    await st.peer.ping(st.epA, { localIndex: m.localIndex, remoteIndex: responderIndex, sendKey: r.k1, recvKey: r.k2, counter: 3 }, me, IP_A);
  } catch (e) {
    throw withLog(st, e);
  }
});

test('as initiator, A makes no tunnel with a responder whose valid certificate names another IP than the one dialled', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const dialled = st.ids.get('dialled')!;
    const other = st.ids.get('other')!;
    const size = nodeInternals(st.a).hostmap.size;
    const rejected = nodeInternals(st.a).handshakes.stats.rejected;
    const completed = nodeInternals(st.a).handshakes.stats.completed;
    const logged = st.logged(/Incorrect host responded to handshake/);
    const mark = st.peer.mark();
    // A dials `dialled` at the hostile socket; what answers there holds a CA-signed certificate for `other`.
    assert.ok(st.a.connect(ipU32(dialled.vpnIp)));
    const msg1 = await st.peer.expect(mark, isMsg1, 5000, 'msg1 from A');
    const { msg2, session } = st.peer.answer(msg1.bytes, other);
    await st.peer.send(st.epA, msg2);
    await waitFor(() => nodeInternals(st.a).handshakes.stats.rejected > rejected, 5000, 'the msg2 refused');
    assert.equal(st.logged(/Incorrect host responded to handshake/) - logged, 1, 'logged as an incorrect host');
    assert.ok(st.logA.some((l) => /Incorrect host responded/.test(l) && l.includes(dialled.vpnIp) && l.includes(other.vpnIp)), 'the log names both IPs');
    assert.equal(nodeInternals(st.a).handshakes.stats.completed, completed, 'no handshake completed');
    assert.equal(nodeInternals(st.a).hostmap.get(ipU32(dialled.vpnIp)), undefined, 'no tunnel for the dialled IP');
    assert.equal(nodeInternals(st.a).hostmap.get(ipU32(other.vpnIp)), undefined, 'no tunnel for the responder\'s IP');
    assert.equal(nodeInternals(st.a).hostmap.size, size);
    // Data on the session the wrong responder thinks it has goes nowhere.
    const delivered = st.a.stats.delivered;
    const unknown = st.a.stats.drops['outside-unknown-index'];
    await st.peer.send(st.epA, st.peer.echo(session, other, IP_A).bytes);
    await waitFor(() => st.a.stats.drops['outside-unknown-index'] > unknown, 3000, 'the data refused as for an unknown index');
    await quietPeriod();
    assert.equal(st.a.stats.delivered, delivered, 'nothing delivered');
    assert.equal(st.peer.since(mark, (r) => parseHeader(r.bytes)?.type === T_MESSAGE).length, 0, 'A sent no data to the wrong responder');
    await st.works();
  } catch (e) {
    throw withLog(st, e);
  }
});

// Found while writing the test above: the pending handshake's IxInitiator used to commit to the
// wrong msg2 ("handshake already complete"), so the dialled peer's genuine msg2 was refused until
// the handshake timed out; anyone with a valid certificate who saw A's msg1 could do that.
// Reading a msg2 now commits nothing (ix-initiator.ts).
test('after an incorrect host answers, the dialled peer\'s genuine msg2 still completes the handshake', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const late = st.ids.get('late')!;
    const other = st.ids.get('other2')!;
    // The test before this one leaves A's handshake to the IP it dialled pending, resending its
    // msg1 (the same bytes each time) until it times out: only a msg1 not seen before is A's
    // answer to this connect. Taking a resend for it answered the other handshake (seen once
    // in CI on a busy machine: "Incorrect host responded" for the other IP, no tunnel here).
    const earlier = new Set(st.peer.since(0, isMsg1).map((r) => r.bytes.toString('hex')));
    const mark = st.peer.mark();
    const rejected = nodeInternals(st.a).handshakes.stats.rejected;
    assert.ok(st.a.connect(ipU32(late.vpnIp)));
    const msg1 = await st.peer.expect(mark, (r) => isMsg1(r) && !earlier.has(r.bytes.toString('hex')), 5000, 'msg1 from A');
    await st.peer.send(st.epA, st.peer.answer(msg1.bytes, other).msg2);
    await waitFor(() => nodeInternals(st.a).handshakes.stats.rejected > rejected, 5000, 'the wrong msg2 refused');
    const { msg2, session } = st.peer.answer(msg1.bytes, late);
    await st.peer.send(st.epA, msg2);
    await waitFor(() => nodeInternals(st.a).hostmap.get(ipU32(late.vpnIp)) !== undefined, 1000, 'the tunnel from the genuine msg2');
    await st.peer.ping(st.epA, session, late, IP_A);
  } catch (e) {
    throw withLog(st, e);
  }
});
