// SECURITY.md multi-queue caveats: "Datagrams for a tunnel not yet replicated
// to a routine are held briefly" (parking.ts: parked up to PARK_MS,
// 200 ms, then answered with recv_error). Node A runs routines: 2; a scripted
// peer on a port whose datagrams SO_REUSEPORT hands to routine 1 (found by
// probing) answers A's msg1 and sends its first data message *before* the
// msg2, so the data reaches routine 1 before the tunnel exists anywhere: it
// must be held and delivered once main replicates the tunnel, not dropped
// and answered with recv_error. A datagram for an index that never comes is
// held, then refused with a recv_error.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { ipU32 } from '../../helpers/overlay.js';
import { waitFor } from '../../../kit/wait.js';
import { HostilePeer, T_HANDSHAKE, parseHeader, type Received } from './hostile-peer.js';
import { HOSTILE_PORT, IP_A, quietPeriod, stage, withLog, type Stage } from './hostile-setup.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { isEchoReplyV4 } from '../../../kit/packet.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
let s: Stage | undefined;
/** Every port the peer may use: A reaches the hostile identity at all of them. */
const PORTS = Array.from({ length: 16 }, (_, i) => HOSTILE_PORT + i);
const extra: HostilePeer[] = [];

before(async () => {
  if (skip) return;
  s = await stage({ subnet: 46, hostile: [['mq', 61]], routines: 2, hostilePorts: PORTS });
  const underB = s.epA.ip.replace(/\.1$/, '.2');
  for (const port of PORTS.slice(1)) extra.push(HostilePeer.open(s.nsB.name, underB, port, 'aes'));
});
after(async () => {
  for (const p of extra) await p.close();
  await s?.dispose();
  destroyAll();
});

const isMsg1 = (r: Received): boolean => {
  const h = parseHeader(r.bytes);
  return h !== null && h.type === T_HANDSHAKE && h.counter === 1n;
};

/** The first of the peers whose datagrams A's routine 1 receives (SO_REUSEPORT hashes the 4-tuple). */
async function peerOnRoutine1(st: Stage): Promise<HostilePeer> {
  for (const p of [st.peer, ...extra]) {
    const before = st.a.stats.drops['outside-short'];
    const r1 = st.a.statsByRoutine()[1]!.drops['outside-short'];
    await p.send(st.epA, Buffer.of(0));
    await waitFor(() => st.a.stats.drops['outside-short'] > before, 3000, 'the probe read by one of A\'s threads');
    if (st.a.statsByRoutine()[1]!.drops['outside-short'] > r1) return p;
  }
  throw new Error(`none of ${PORTS.length} source ports hashes to routine 1 (chance 2^-${PORTS.length})`);
}

test('routines 2: a data datagram that reaches a routine before its tunnel does is held and delivered, not refused', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const me = st.ids.get('mq')!;
    const peer = await peerOnRoutine1(st);
    const mark = peer.mark();
    assert.ok(st.a.connect(ipU32(me.vpnIp)));
    const msg1 = await peer.expect(mark, isMsg1, 5000, 'msg1 from A');
    const { msg2, session } = peer.answer(msg1.bytes, me);
    const r1 = st.a.statsByRoutine()[1]!;
    const delivered = st.a.stats.delivered;
    const unknown = st.a.stats.drops['outside-unknown-index'];
    const recvErrorsSent = st.a.stats.recvErrorsSent;
    // The data first: when routine 1 reads it, no thread has the tunnel yet.
    const echo = peer.echo(session, me, IP_A);
    const sent = peer.mark();
    const sentAt = Date.now();
    await peer.send(st.epA, echo.bytes);
    await peer.send(st.epA, msg2);
    try {
      await waitFor(() => peer.inner(session, sent).some((p) => isEchoReplyV4(p, 0, p.length, echo.id, echo.seq)), 5000, 'the echo reply: the held datagram was delivered');
    } catch (e) {
      // Say which way it went: refused after PARK_MS (the tunnel reached routine 1 too late) or lost.
      const t = nodeInternals(st.a).hostmap.get(ipU32(me.vpnIp));
      const refused = t ? peer.recvErrors(sent, t.localIndex).map((r) => `${r.at - sentAt} ms`) : [];
      throw new Error(`${(e as Error).message}; tunnel ${t ? 'up' : 'not up'}, recv_errors at [${refused.join(', ')}], unknown-index drops +${st.a.stats.drops['outside-unknown-index'] - unknown}, delivered +${st.a.stats.delivered - delivered}`, { cause: e });
    }
    const t = nodeInternals(st.a).hostmap.get(ipU32(me.vpnIp));
    assert.ok(t, 'the tunnel is up');
    assert.equal(t.remote.port, peer.sock.port, 'with the peer on routine 1');
    assert.equal(st.a.stats.delivered, delivered + 1, 'the echo request delivered once');
    const r1now = st.a.statsByRoutine()[1]!;
    assert.ok(r1now.delivered > r1.delivered, 'by routine 1');
    assert.equal(st.a.stats.drops['outside-unknown-index'], unknown, 'not dropped as for an unknown index');
    assert.equal(st.a.stats.recvErrorsSent, recvErrorsSent, 'no recv_error sent');
    assert.equal(peer.recvErrors(sent, t.localIndex).length, 0, 'none received');
    assert.equal(nodeInternals(st.a).handshakes.stats.initiated, 1, 'no second handshake');
  } catch (e) {
    throw withLog(st, e);
  }
});

test('routines 2: a data datagram for an index that never comes is held briefly, then refused with a recv_error', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const peer = await peerOnRoutine1(st);
    const index = randomBytes(4).readUInt32BE(0) | 1;
    const unknown = st.a.stats.drops['outside-unknown-index'];
    const mark = peer.mark();
    const junk = Buffer.concat([Buffer.from([0x11, 0, 0, 0]), Buffer.alloc(4), Buffer.from('0000000000000003', 'hex'), randomBytes(64)]);
    junk.writeUInt32BE(index >>> 0, 4);
    const at = Date.now();
    await peer.send(st.epA, junk);
    const re = await peer.expect(mark, (r) => r.bytes.length === 16 && parseHeader(r.bytes)?.type === 2 && parseHeader(r.bytes)?.index === index >>> 0, 5000, 'the recv_error');
    assert.ok(re.at - at >= 150, `held before it was refused (${re.at - at} ms; PARK_MS is 200)`);
    await waitFor(() => st.a.stats.drops['outside-unknown-index'] === unknown + 1, 3000, 'counted as unknown index once');
    await quietPeriod();
    assert.equal(peer.recvErrors(mark, index >>> 0).length, 1, 'one recv_error');
  } catch (e) {
    throw withLog(st, e);
  }
});
