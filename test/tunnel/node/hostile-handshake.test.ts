// Hostile handshakes against a running OverlayNode (node A), sent from a
// scripted peer's socket inside a test namespace: msg1 and msg2 cut at every
// length class, an expired certificate at either stage, a low-order ephemeral
// key. Each is dropped and counted (and logged), makes no tunnel, and A keeps
// carrying TCP to its honest peer B afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { ipU32 } from '../../helpers/overlay.js';
import { waitFor } from '../../../kit/wait.js';
import { T_HANDSHAKE, parseHeader, type Received } from './hostile-peer.js';
import { IP_A, processed, quietPeriod, stage, withLog, type Stage } from './hostile-setup.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
let s: Stage | undefined;

before(async () => {
  if (!skip) s = await stage({ subnet: 40, hostile: [['m1', 11], ['m2', 12], ['m3', 13]], expired: ['x', 14] });
});
after(async () => {
  await s?.dispose();
  destroyAll();
});

const isMsg = (counter: bigint) => (r: Received): boolean => {
  const h = parseHeader(r.bytes);
  return h !== null && h.type === T_HANDSHAKE && h.counter === counter;
};

/** The four cuts the issue names: shorter than a header, the header alone, header + 10, half. */
function cuts(full: Buffer): Buffer[] {
  return [full.subarray(0, 9), full.subarray(0, 16), full.subarray(0, 26), full.subarray(0, full.length >>> 1)];
}

test('truncated msg1 (< 16 bytes, header only, header + 10, half) is dropped and counted, makes no tunnel, and the node keeps working', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const me = st.ids.get('m1')!;
    const full = st.peer.msg1(me).bytes;
    const before = st.a.stats.snapshot();
    const rejected = nodeInternals(st.a).handshakes.stats.rejected;
    const logged = st.logged(/Invalid handshake \(stage 1\)/);
    const mark = st.peer.mark();
    for (const cut of cuts(full)) await st.peer.send(st.epA, cut);
    await processed(st, before, 4);
    const now = st.a.stats.snapshot();
    assert.equal(now.drops['outside-short'] - before.drops['outside-short'], 1, 'the 9-byte cut counted as outside-short');
    assert.equal(nodeInternals(st.a).handshakes.stats.rejected - rejected, 3, 'header only, header + 10 and half counted as rejected handshakes');
    // Logged, but at most once a second per kind of refusal (the two too-short bodies are one kind).
    const lines = st.logged(/Invalid handshake \(stage 1\)/) - logged;
    assert.ok(lines >= 1 && lines <= 3, `refusals logged (rate-limited per kind): ${lines} lines`);
    await quietPeriod();
    assert.equal(st.peer.since(mark, isMsg(2n)).length, 0, 'no msg2 for a truncated msg1');
    assert.equal(nodeInternals(st.a).hostmap.get(ipU32(me.vpnIp)), undefined, 'no tunnel');
    // The whole msg1 still works, and so does the honest tunnel.
    const session = await st.peer.handshake(st.epA, me);
    await st.peer.ping(st.epA, session, me, IP_A);
    await st.works();
  } catch (e) {
    throw withLog(st, e);
  }
});

test('truncated msg2 (< 16 bytes, header only, header + 10, half) is dropped and counted; the genuine msg2 after them still completes the handshake', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const me = st.ids.get('m2')!;
    const mark = st.peer.mark();
    assert.ok(st.a.connect(ipU32(me.vpnIp)), 'A starts a handshake to the hostile identity');
    const msg1 = await st.peer.expect(mark, isMsg(1n), 5000, 'msg1 from A');
    const { msg2, session } = st.peer.answer(msg1.bytes, me);
    const before = st.a.stats.snapshot();
    const rejected = nodeInternals(st.a).handshakes.stats.rejected;
    const logged = st.logged(/Failed to complete handshake \(stage 2\)/);
    for (const cut of cuts(msg2)) await st.peer.send(st.epA, cut);
    await processed(st, before, 4);
    assert.equal(st.a.stats.drops['outside-short'] - before.drops['outside-short'], 1, 'the 9-byte cut counted as outside-short');
    assert.equal(nodeInternals(st.a).handshakes.stats.rejected - rejected, 3, 'header only, header + 10 and half counted as rejected');
    assert.equal(st.logged(/Failed to complete handshake \(stage 2\)/) - logged, 3, 'each logged');
    assert.equal(nodeInternals(st.a).hostmap.get(ipU32(me.vpnIp)), undefined, 'no tunnel yet');
    assert.ok(nodeInternals(st.a).handshakes.isPending(ipU32(me.vpnIp)), 'the handshake is still pending: a bad msg2 does not spoil it');
    await st.peer.send(st.epA, msg2);
    await waitFor(() => nodeInternals(st.a).hostmap.get(ipU32(me.vpnIp)) !== undefined, 5000, 'the tunnel from the genuine msg2');
    await st.peer.ping(st.epA, session, me, IP_A);
    await st.works();
  } catch (e) {
    throw withLog(st, e);
  }
});

test('a peer whose certificate has expired is refused at stage 1 and at stage 2 (logged as expired) and gets no tunnel', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const me = st.ids.get('x')!;
    // Stage 1: the expired peer initiates.
    let rejected = nodeInternals(st.a).handshakes.stats.rejected;
    let mark = st.peer.mark();
    await st.peer.send(st.epA, st.peer.msg1(me).bytes);
    await waitFor(() => nodeInternals(st.a).handshakes.stats.rejected > rejected, 3000, 'stage 1 to reject the expired certificate');
    assert.ok(st.logA.some((l) => /Invalid handshake \(stage 1\)/.test(l) && /expired/.test(l)), 'logged as expired');
    await quietPeriod();
    assert.equal(st.peer.since(mark, isMsg(2n)).length, 0, 'no msg2 for an expired certificate');
    // Stage 2: A initiates to the expired peer, which answers with its certificate.
    rejected = nodeInternals(st.a).handshakes.stats.rejected;
    mark = st.peer.mark();
    assert.ok(st.a.connect(ipU32(me.vpnIp)));
    const msg1 = await st.peer.expect(mark, isMsg(1n), 5000, 'msg1 from A');
    await st.peer.send(st.epA, st.peer.answer(msg1.bytes, me).msg2);
    await waitFor(() => nodeInternals(st.a).handshakes.stats.rejected > rejected, 3000, 'stage 2 to reject the expired certificate');
    assert.ok(st.logA.some((l) => /Failed to complete handshake \(stage 2\)/.test(l) && /expired/.test(l)), 'logged as expired');
    assert.equal(nodeInternals(st.a).hostmap.get(ipU32(me.vpnIp)), undefined, 'no tunnel');
    await st.works();
  } catch (e) {
    throw withLog(st, e);
  }
});

// Regression (found by test/fuzz/handshake.test.ts, fixed in bc3c83e): msg1 carries
// its keys in clear and unauthenticated, so anyone holding a valid msg1 (any
// network member, or a captured one from a peer A has no tunnel with) can swap
// the ephemeral key for a low-order point. Stage 1 accepts it (the certificate
// is genuine); writeMessage2's X25519 with that point then fails. That used to
// throw out of the inbound loop and stop node A; nebula 1.6.1 logs "Failed to
// call noise.WriteMessage" and carries on, and so must A.
test('a msg1 whose ephemeral key is a low-order point is refused like any bad handshake and the node keeps working', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const me = st.ids.get('m3')!;
    const before = st.a.stats.snapshot();
    const msg1 = st.peer.msg1(me).bytes;
    msg1.fill(0, 16, 48); // e = 0: a low-order point
    const mark = st.peer.mark();
    await st.peer.send(st.epA, msg1);
    await processed(st, before, 1);
    await quietPeriod();
    assert.equal(nodeInternals(st.a).udp.isClosed, false, 'node A is still running');
    assert.equal(st.peer.since(mark, isMsg(2n)).length, 0, 'no msg2');
    assert.ok(st.logA.some((l) => /Invalid handshake \(stage 1\)/.test(l) && /low-order/.test(l)), 'logged as an invalid handshake');
    assert.equal(nodeInternals(st.a).hostmap.get(ipU32(me.vpnIp)), undefined, 'no tunnel');
    await st.works();
  } catch (e) {
    throw withLog(st, e);
  }
});
