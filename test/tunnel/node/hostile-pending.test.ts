// SECURITY.md "What it does not do (yet)", memory: bounded by pending
// handshakes only for static_host_map peers and by the trigger buffer (64
// packets per pending handshake, handshakes.trigger_buffer). Against node A:
// - 100 packets to a static_host_map peer that has not answered yet: the
//   first 64 are held and sent once the handshake completes, the rest dropped;
// - packets to an overlay IP without a static_host_map entry start no
//   handshake, leave no pending state and are counted as inside-no-remote.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UdpSocket, Endpoint } from '../../../src/udp/index.js';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { ipU32 } from '../../helpers/overlay.js';
import { waitFor } from '../../../kit/wait.js';
import { T_HANDSHAKE, parseHeader, type Received } from './hostile-peer.js';
import { IP_A, quietPeriod, stage, withLog, type Stage } from './hostile-setup.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
let s: Stage | undefined;

/** handshakes.trigger_buffer's default (docs/PROTOCOL.md "Config keys and defaults"), restated so a changed default is caught. */
const TRIGGER_BUFFER = 64;

before(async () => {
  if (!skip) s = await stage({ subnet: 45, hostile: [['slow', 51]] });
});
after(async () => {
  await s?.dispose();
  destroyAll();
});

const isMsg1 = (r: Received): boolean => {
  const h = parseHeader(r.bytes);
  return h !== null && h.type === T_HANDSHAKE && h.counter === 1n;
};

/** Sends `n` UDP datagrams from A's overlay IP to dst:9 through A's TUN, payload "seq <i>"; waits until A has read them. */
async function sendInside(st: Stage, dst: string, n: number): Promise<void> {
  const before = st.a.stats.insidePackets;
  const sock = UdpSocket.open({ host: IP_A, port: 0, netns: st.nsA.name, gro: 'off', gso: 'off' });
  try {
    for (let i = 0; i < n; i++) await sock.sendTo(Endpoint.of(dst, 9), Buffer.from(`seq ${i}`));
  } finally {
    sock.close();
  }
  await waitFor(() => st.a.stats.insidePackets >= before + n, 5000, `A to read ${n} packets from its TUN`);
}

test(`a pending handshake holds the first ${TRIGGER_BUFFER} packets (trigger_buffer) and drops the rest`, { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const me = st.ids.get('slow')!;
    const mark = st.peer.mark();
    const initiated = nodeInternals(st.a).handshakes.stats.initiated;
    await sendInside(st, me.vpnIp, 100);
    assert.equal(nodeInternals(st.a).handshakes.stats.initiated, initiated + 1, 'one handshake for all of them');
    assert.ok(nodeInternals(st.a).handshakes.isPending(ipU32(me.vpnIp)));
    const msg1 = await st.peer.expect(mark, isMsg1, 5000, 'msg1 from A');
    // Answer only now: every packet met the pending handshake.
    const { msg2, session } = st.peer.answer(msg1.bytes, me);
    const after2 = st.peer.mark();
    await st.peer.send(st.epA, msg2);
    await waitFor(() => st.peer.inner(session, after2).length >= TRIGGER_BUFFER, 5000, `the ${TRIGGER_BUFFER} held packets`);
    await quietPeriod(500);
    const seqs = st.peer.inner(session, after2).map((p) => p.subarray(28).toString());
    assert.equal(seqs.length, TRIGGER_BUFFER, `exactly ${TRIGGER_BUFFER} of 100 held packets sent`);
    assert.deepEqual(seqs, Array.from({ length: TRIGGER_BUFFER }, (_, i) => `seq ${i}`), 'the first ones, in order');
  } catch (e) {
    throw withLog(st, e);
  }
});

test('traffic to an overlay IP without a static_host_map entry starts no handshake, leaves no pending state and counts as inside-no-remote', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const unknownIp = '198.19.0.99';
    const mark = st.peer.mark();
    const noRemote = st.a.stats.drops['inside-no-remote'];
    const initiated = nodeInternals(st.a).handshakes.stats.initiated;
    await sendInside(st, unknownIp, 20);
    await waitFor(() => st.a.stats.drops['inside-no-remote'] >= noRemote + 20, 3000, 'the packets counted as inside-no-remote');
    assert.equal(st.a.stats.drops['inside-no-remote'], noRemote + 20);
    assert.equal(nodeInternals(st.a).handshakes.isPending(ipU32(unknownIp)), false, 'no pending handshake');
    assert.equal(nodeInternals(st.a).handshakes.stats.initiated, initiated, 'no handshake started');
    assert.equal(nodeInternals(st.a).hostmap.get(ipU32(unknownIp)), undefined);
    await quietPeriod();
    assert.equal(st.peer.since(mark, isMsg1).length, 0, 'no msg1 sent anywhere we listen');
  } catch (e) {
    throw withLog(st, e);
  }
});
