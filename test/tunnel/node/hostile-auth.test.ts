// SECURITY.md "Every packet is authenticated (AEAD)" and "Where tio is stricter than nebula 1.6.1" (recv_error),
// against a running OverlayNode (node A) holding a tunnel with a scripted peer:
// - a datagram that fails authentication, even from the tunnel's own address,
//   does not refresh liveness (lastInbound), does not reset the recv_error
//   count, and does not move the tunnel: after 3 recv_errors and a burst of
//   forged packets, the 4th recv_error still tears the tunnel down;
// - any authenticated packet (data, a test request) resets the count: 3
//   recv_errors, an authenticated packet, 3 more, and so on, and the tunnel
//   stays; the 4th in a row then tears it down.
// The peer never answers A's msg1s, so the handshakes that recv_errors on a
// quiet tunnel start stay pending and never replace the tunnel under test.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { clock } from '../../../src/tunnel/node/clock.js';
import type { Tunnel } from '../../../src/tunnel/node/tunnel.js';
import { UdpSocket } from '../../../src/udp/index.js';
import { recvErrorPacket } from '../../../src/tunnel/wire/index.js';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { ipU32 } from '../../helpers/overlay.js';
import { waitFor } from '../../../kit/wait.js';
import { T_CLOSE, T_MESSAGE, T_TEST, type PeerIdentity, type Session } from './hostile-peer.js';
import { IP_A, quietPeriod, stage, withLog, type Stage } from './hostile-setup.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { icmpEchoV4 } from '../../../kit/packet.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
let s: Stage | undefined;

before(async () => {
  if (!skip) s = await stage({ subnet: 44, hostile: [['forged', 41], ['reset', 42]] });
});
after(async () => {
  await s?.dispose();
  destroyAll();
});

/** The peer handshakes as `name`; returns its session and A's tunnel for it, after one ping both ways. */
async function tunnelFor(st: Stage, name: string): Promise<{ me: PeerIdentity; session: Session; t: Tunnel }> {
  const me = st.ids.get(name)!;
  const session = await st.peer.handshake(st.epA, me);
  await st.peer.ping(st.epA, session, me, IP_A);
  const t = nodeInternals(st.a).hostmap.get(ipU32(me.vpnIp));
  assert.ok(t, 'A has the tunnel');
  return { me, session, t };
}

/** n recv_errors for the tunnel from the peer's socket (the tunnel's address); waits until A has read them. */
async function recvErrors(st: Stage, session: Session, n: number): Promise<void> {
  const got = st.a.stats.recvErrorsReceived;
  for (let i = 0; i < n; i++) await st.peer.send(st.epA, recvErrorPacket(session.localIndex));
  await waitFor(() => st.a.stats.recvErrorsReceived >= got + n, 5000, `A to read ${n} recv_error(s)`);
}

test('forged packets from the tunnel\'s own address refresh no liveness, reset no recv_error count and move nothing: the 4th recv_error still tears down', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const { me, session, t } = await tunnelFor(st, 'forged');
    const ip = ipU32(me.vpnIp);
    const remote = t.remote.key;
    await recvErrors(st, session, 3);
    assert.equal(t.recvErrors, 3, 'three recv_errors counted');
    assert.equal(nodeInternals(st.a).hostmap.get(ip), t, 'three do not tear down');
    const lastInbound = t.lastInbound;
    // Let the clock move on, so a refresh by the forged packets would show in lastInbound (and reset the count).
    await waitFor(() => clock() > t.lastRecvError + 5, 1000, 'the clock to move on');
    const wrongKey = randomBytes(32);
    const forged: Buffer[] = [];
    for (let i = 0; i < 8; i++) {
      // Right index, fresh counters (ahead of the window), the peer's own address: only the tag is wrong.
      forged.push(st.peer.sealed(session, T_MESSAGE, 0, icmpEchoV4(me.vpnIp, IP_A, 0x7a00, i + 1), { key: wrongKey }));
      forged.push(st.peer.sealed(session, T_TEST, 0, new Uint8Array(0), { key: wrongKey }));
    }
    forged.push(st.peer.sealed(session, T_CLOSE, 0, new Uint8Array(0), { key: wrongKey }));
    const auth = st.a.stats.drops['outside-auth'];
    const delivered = st.a.stats.delivered;
    const replies = st.a.stats.testReplies;
    for (const f of forged) await st.peer.send(st.epA, f);
    // And the same from another port of the peer's host: authenticated traffic from there would roam the tunnel.
    const elsewhere = UdpSocket.open({ host: t.remote.ip, port: 0, netns: st.nsB.name });
    try {
      for (let i = 0; i < 4; i++) await elsewhere.sendTo(st.epA, st.peer.sealed(session, T_MESSAGE, 0, icmpEchoV4(me.vpnIp, IP_A, 0x7b00, i + 1), { key: wrongKey }));
    } finally {
      elsewhere.close();
    }
    const n = forged.length + 4;
    await waitFor(() => st.a.stats.drops['outside-auth'] >= auth + n, 5000, `${n} forged packets refused as unauthentic`);
    assert.equal(st.a.stats.delivered, delivered, 'nothing delivered');
    assert.equal(st.a.stats.testReplies, replies, 'no test request answered');
    assert.equal(t.lastInbound, lastInbound, 'liveness not refreshed');
    assert.equal(t.recvErrors, 3, 'the recv_error count not reset');
    assert.equal(t.remote.key, remote, 'the tunnel did not move');
    assert.equal(nodeInternals(st.a).hostmap.get(ip), t, 'a forged close_tunnel closed nothing');
    await recvErrors(st, session, 1);
    await waitFor(() => nodeInternals(st.a).hostmap.get(ip) !== t, 3000, 'the 4th recv_error to tear the tunnel down');
    assert.ok(t.isClosed);
    assert.ok(st.logged(/Tunnel torn down after recv_error/) >= 1);
  } catch (e) {
    throw withLog(st, e);
  }
});

test('any authenticated packet resets the recv_error count: 3 recv_errors, a data packet, 3, a test request, 3, and the tunnel stays', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const { me, session, t } = await tunnelFor(st, 'reset');
    const ip = ipU32(me.vpnIp);
    await recvErrors(st, session, 3);
    assert.equal(t.recvErrors, 3);
    // Authenticated data (a ping through the tunnel).
    await st.peer.ping(st.epA, session, me, IP_A);
    await recvErrors(st, session, 3);
    assert.equal(nodeInternals(st.a).hostmap.get(ip), t, 'six recv_errors with data between: the tunnel stays');
    assert.equal(t.recvErrors, 3, 'counted from the data packet on');
    // An authenticated test request.
    const replies = st.a.stats.testReplies;
    await st.peer.send(st.epA, st.peer.sealed(session, T_TEST, 0, new Uint8Array(0)));
    await waitFor(() => st.a.stats.testReplies === replies + 1, 5000, 'the test request answered');
    await recvErrors(st, session, 3);
    await quietPeriod();
    assert.equal(nodeInternals(st.a).hostmap.get(ip), t, 'nine recv_errors with a data packet and a test request between: the tunnel stays');
    assert.equal(t.recvErrors, 3);
    // They do count: a 4th in a row tears it down.
    await recvErrors(st, session, 1);
    await waitFor(() => nodeInternals(st.a).hostmap.get(ip) !== t, 3000, 'the 4th recv_error in a row to tear the tunnel down');
  } catch (e) {
    throw withLog(st, e);
  }
});
