// Hostile post-handshake traffic against a running OverlayNode (node A) from a
// scripted peer that holds a real tunnel with it: replays, reordering within and
// beyond the replay window, the wrong key, a close_tunnel with a garbage tag,
// oversize junk, messages shorter than header + tag. What the node must do is
// in docs/PROTOCOL.md "Replay window", "close_tunnel" and "recv_error";
// after each, A still pings back through the tunnel and carries TCP to B.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { ipU32 } from '../../helpers/overlay.js';
import { waitFor } from '../../../kit/wait.js';
import { T_CLOSE, T_HANDSHAKE, T_MESSAGE, header } from './hostile-peer.js';
import { IP_A, processed, quietPeriod, stage, withLog, type Stage } from './hostile-setup.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { icmpEchoV4, isEchoReplyV4 } from '../../../kit/packet.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
let s: Stage | undefined;

before(async () => {
  if (!skip) s = await stage({ subnet: 41, hostile: [['m', 21]] });
});
after(async () => {
  await s?.dispose();
  destroyAll();
});

/** A fresh tunnel between the hostile peer and A (a newer handshake replaces the previous one). */
async function session(st: Stage) {
  const me = st.ids.get('m')!;
  const sess = await st.peer.handshake(st.epA, me);
  await waitFor(() => nodeInternals(st.a).hostmap.get(ipU32(me.vpnIp))?.localIndex === sess.remoteIndex, 3000, 'A to install the tunnel');
  return { me, sess };
}

test('a replayed data message is rejected (counter reused), answered with recv_error (docs/PROTOCOL.md "recv_error") and not delivered twice', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const { me, sess } = await session(st);
    const e = st.peer.echo(sess, me, IP_A);
    let mark = st.peer.mark();
    await st.peer.send(st.epA, e.bytes);
    await waitFor(() => st.peer.inner(sess, mark).some((p) => isEchoReplyV4(p, 0, p.length, e.id, e.seq)), 3000, 'the first echo reply');
    const before = st.a.stats.snapshot();
    mark = st.peer.mark();
    await st.peer.send(st.epA, e.bytes);
    await st.peer.expect(mark, () => st.peer.recvErrors(mark, sess.remoteIndex).length > 0, 3000, 'a recv_error naming A\'s index');
    const now = st.a.stats.snapshot();
    assert.equal(now.drops['outside-replay'] - before.drops['outside-replay'], 1, 'counted as outside-replay');
    assert.equal(now.recvErrorsSent - before.recvErrorsSent, 1, 'one recv_error sent');
    assert.equal(now.delivered, before.delivered, 'not delivered again');
    await quietPeriod();
    assert.equal(st.peer.inner(sess, mark).filter((p) => isEchoReplyV4(p, 0, p.length, e.id, e.seq)).length, 0, 'no second echo reply');
    await st.peer.ping(st.epA, sess, me, IP_A);
    await st.works();
  } catch (err) {
    throw withLog(st, err);
  }
});

test('reordered data messages within the window are each delivered once; duplicates and a counter 1024 behind the highest get recv_error', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const { me, sess } = await session(st);
    const order = [10, 5, 8, 6, 9, 7];
    const echoes = order.map((c) => ({ c, ...st.peer.echo(sess, me, IP_A, c) }));
    let mark = st.peer.mark();
    for (const e of echoes) await st.peer.send(st.epA, e.bytes);
    await waitFor(() => echoes.every((e) => st.peer.inner(sess, mark).some((p) => isEchoReplyV4(p, 0, p.length, e.id, e.seq))), 3000, 'an echo reply for each reordered request');
    // Duplicates of two of them (one at the highest counter, one below it).
    let before = st.a.stats.snapshot();
    mark = st.peer.mark();
    await st.peer.send(st.epA, echoes[0]!.bytes);
    await st.peer.send(st.epA, echoes[1]!.bytes);
    await waitFor(() => st.peer.recvErrors(mark, sess.remoteIndex).length === 2, 3000, 'two recv_errors for the duplicates');
    let now = st.a.stats.snapshot();
    assert.equal(now.drops['outside-replay'] - before.drops['outside-replay'], 2);
    assert.equal(now.delivered, before.delivered, 'duplicates not delivered');
    // A jump forward is accepted; then J-1023 once, J-1024 never (docs/PROTOCOL.md "Replay window", the observed +5000 case).
    // One at a time, as observed against nebula: the window is checked before a
    // receive batch is decrypted, so a too-old counter in the same batch as the
    // jump would be dropped after decryption, silently.
    const J = 5000;
    const jump = st.peer.echo(sess, me, IP_A, J);
    const inside = st.peer.echo(sess, me, IP_A, J - 1023);
    const outside = st.peer.echo(sess, me, IP_A, J - 1024);
    before = st.a.stats.snapshot();
    mark = st.peer.mark();
    for (const e of [jump, inside]) {
      await st.peer.send(st.epA, e.bytes);
      await waitFor(() => st.peer.inner(sess, mark).some((p) => isEchoReplyV4(p, 0, p.length, e.id, e.seq)), 3000, `the echo reply for counter ${e === jump ? 'J' : 'J-1023'}`);
    }
    await st.peer.send(st.epA, outside.bytes);
    await waitFor(() => st.peer.recvErrors(mark, sess.remoteIndex).length === 1, 3000, 'a recv_error for J-1024');
    now = st.a.stats.snapshot();
    assert.equal(now.delivered - before.delivered, 2, 'J and J-1023 delivered');
    assert.equal(now.drops['outside-replay'] - before.drops['outside-replay'], 1, 'J-1024 refused');
    sess.counter = J + 1;
    await st.peer.ping(st.epA, sess, me, IP_A);
    await st.works();
  } catch (err) {
    throw withLog(st, err);
  }
});

test('a data message sealed with the wrong key is dropped as outside-auth, gets no recv_error, and does not use up its counter', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const { me, sess } = await session(st);
    const counter = sess.counter++;
    const inner = icmpEchoV4(me.vpnIp, IP_A, 0x7777, 1);
    const forged = st.peer.sealed(sess, T_MESSAGE, 0, inner, { counter, key: randomBytes(32) });
    const before = st.a.stats.snapshot();
    let mark = st.peer.mark();
    await st.peer.send(st.epA, forged);
    await processed(st, before, 1);
    await quietPeriod();
    const now = st.a.stats.snapshot();
    assert.equal(now.drops['outside-auth'] - before.drops['outside-auth'], 1, 'counted as outside-auth');
    assert.equal(now.recvErrorsSent, before.recvErrorsSent, 'no recv_error sent');
    assert.equal(st.peer.recvErrors(mark, sess.remoteIndex).length, 0, 'no recv_error received');
    assert.equal(now.delivered, before.delivered, 'nothing delivered');
    // The genuine packet with the same counter is still accepted: the forgery did not touch the window.
    mark = st.peer.mark();
    await st.peer.send(st.epA, st.peer.sealed(sess, T_MESSAGE, 0, inner, { counter }));
    await waitFor(() => st.peer.inner(sess, mark).some((p) => isEchoReplyV4(p, 0, p.length, 0x7777, 1)), 3000, 'the genuine message at the same counter to be answered');
    await st.works();
  } catch (err) {
    throw withLog(st, err);
  }
});

test('close_tunnel with a bad tag is ignored (stricter than nebula 1.6.1, docs/PROTOCOL.md "close_tunnel"); a genuine one tears the tunnel down', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const { me, sess } = await session(st);
    const vpn = ipU32(me.vpnIp);
    const before = st.a.stats.snapshot();
    const garbage = Buffer.concat([header(T_CLOSE, 0, sess.remoteIndex, sess.counter++), randomBytes(16)]);
    await st.peer.send(st.epA, garbage);
    await processed(st, before, 1);
    assert.equal(st.a.stats.drops['outside-auth'] - before.drops['outside-auth'], 1, 'the forged close failed authentication');
    assert.equal(nodeInternals(st.a).hostmap.get(vpn)?.localIndex, sess.remoteIndex, 'the tunnel is still up');
    assert.equal(st.logged(/Close tunnel received/), 0, 'nothing was torn down');
    await st.peer.ping(st.epA, sess, me, IP_A);
    // The real thing, for contrast: an authenticated close (empty plaintext, 32 bytes).
    await st.peer.send(st.epA, st.peer.sealed(sess, T_CLOSE, 0, new Uint8Array(0)));
    await waitFor(() => nodeInternals(st.a).hostmap.get(vpn) === undefined, 3000, 'the genuine close to tear the tunnel down');
    // A later packet to the old index gets recv_error (docs/PROTOCOL.md "close_tunnel").
    const mark = st.peer.mark();
    await st.peer.send(st.epA, st.peer.echo(sess, me, IP_A).bytes);
    await waitFor(() => st.peer.recvErrors(mark, sess.remoteIndex).length === 1, 3000, 'recv_error for the closed tunnel\'s index');
    await st.works();
  } catch (err) {
    throw withLog(st, err);
  }
});

test('oversize datagrams (9001, 12000, 65000 and 65507 bytes of junk) are dropped and counted by kind, and the node keeps working', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const { me, sess } = await session(st);
    const junk = (n: number): Buffer => randomBytes(n);
    // Tunnel index and a fresh counter, junk body: fails authentication (no recv_error).
    const authJunk = Buffer.concat([header(T_MESSAGE, 0, sess.remoteIndex, sess.counter++), junk(9001 - 16)]);
    // An index A never gave out: recv_error.
    const unknownIndex = (sess.remoteIndex ^ 0x5a5a5a5a) >>> 0 || 1;
    const unknownJunk = Buffer.concat([header(T_MESSAGE, 0, unknownIndex, 77), junk(12000 - 16)]);
    // A type nebula 1.6.1 defines but no node sends here (15): unhandled.
    const typeJunk = junk(65000);
    typeJunk[0] = 0x1f;
    // The largest IPv4 UDP payload as a msg1: refused by the handshake.
    const hsJunk = Buffer.concat([header(T_HANDSHAKE, 0, 0, 1), junk(65507 - 16)]);
    const before = st.a.stats.snapshot();
    const rejected = nodeInternals(st.a).handshakes.stats.rejected;
    const mark = st.peer.mark();
    for (const d of [authJunk, unknownJunk, typeJunk, hsJunk]) await st.peer.send(st.epA, d);
    await processed(st, before, 4);
    await waitFor(() => st.peer.recvErrors(mark, unknownIndex).length === 1, 3000, 'recv_error for the unknown index');
    const now = st.a.stats.snapshot();
    const grew = (r: keyof typeof now.drops): number => now.drops[r] - before.drops[r];
    assert.equal(grew('outside-auth'), 1, '9001 bytes on the tunnel index: outside-auth');
    assert.equal(grew('outside-unknown-index'), 1, '12000 bytes for an unknown index: outside-unknown-index');
    assert.equal(grew('outside-unhandled-type'), 1, '65000 bytes of type 15: outside-unhandled-type');
    assert.equal(nodeInternals(st.a).handshakes.stats.rejected - rejected, 1, '65507-byte msg1: a rejected handshake');
    assert.equal(now.delivered, before.delivered, 'nothing delivered');
    await st.peer.ping(st.epA, sess, me, IP_A);
    await st.works();
  } catch (err) {
    throw withLog(st, err);
  }
});

// Nebula 1.6.1 checks the window (recv_error if that fails), then decrypts; a
// message shorter than header + tag with a fresh counter simply fails to
// decrypt, and AEAD failures get no recv_error (docs/PROTOCOL.md "recv_error"). Regression: inbound.ts
// used to test `len < AEAD_OVERHEAD` together with the window check, answering
// with recv_error and counting a replay (fixed in 0cf9c01).
test('a data message shorter than header + tag with a fresh counter is dropped without recv_error and not counted as a replay', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const { me, sess } = await session(st);
    const before = st.a.stats.snapshot();
    const mark = st.peer.mark();
    for (const n of [0, 4, 15]) await st.peer.send(st.epA, Buffer.concat([header(T_MESSAGE, 0, sess.remoteIndex, sess.counter++), randomBytes(n)]));
    await processed(st, before, 3);
    await quietPeriod();
    const now = st.a.stats.snapshot();
    assert.equal(st.peer.recvErrors(mark, sess.remoteIndex).length, 0, 'no recv_error');
    assert.equal(now.drops['outside-replay'], before.drops['outside-replay'], 'not counted as a replay');
    const counted = (['outside-short', 'outside-auth'] as const).reduce((n, r) => n + now.drops[r] - before.drops[r], 0);
    assert.equal(counted, 3, 'counted as short or failed authentication');
    await st.peer.ping(st.epA, sess, me, IP_A);
    await st.works();
  } catch (err) {
    throw withLog(st, err);
  }
});
