// SECURITY.md "Firewall" (and firewall/address-check.ts): "a peer can never
// ride another peer's flow". End to end: node A admits nothing new inbound
// (no inbound rules) and opens a UDP flow to peer P. A scripted peer holding
// tunnels as both P and Q sends the reply to that flow: through P's tunnel it
// is delivered; through Q's tunnel it is refused, whether Q puts its own IP
// as the source (another conntrack key) or P's (the address pre-check).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Endpoint, UdpSocket } from '../../../src/udp/index.js';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { ALLOW_ALL, ipU32 } from '../../helpers/overlay.js';
import { waitFor } from '../../../kit/wait.js';
import { T_MESSAGE, type Session } from './hostile-peer.js';
import { IP_A, quietPeriod, stage, withLog, type Stage } from './hostile-setup.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { build } from '../../../kit/packet.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
let s: Stage | undefined;

before(async () => {
  if (!skip) s = await stage({ subnet: 47, hostile: [['p', 71], ['q', 72]], firewall: { inbound: [], outbound: [ALLOW_ALL] } });
});
after(async () => {
  await s?.dispose();
  destroyAll();
});

/** IPv4/UDP src:sport -> dst:dport with `payload`, valid header checksum, no UDP checksum. */
function udp(src: string, sport: number, dst: string, dport: number, payload: string): Buffer {
  return build({ version: 4, proto: 'udp', src, dst, sport, dport, payload: Buffer.from(payload), id: 0, df: false, udpNoChecksum: true });
}

test('a UDP flow A opened to peer P admits P\'s reply but not the same reply from peer Q, with Q\'s source IP or P\'s', { skip, timeout: 60_000 }, async () => {
  const st = s!;
  try {
    const P = st.ids.get('p')!;
    const Q = st.ids.get('q')!;
    const sp: Session = await st.peer.handshake(st.epA, P);
    const sq: Session = await st.peer.handshake(st.epA, Q);
    await waitFor(() => nodeInternals(st.a).hostmap.get(ipU32(P.vpnIp)) !== undefined && nodeInternals(st.a).hostmap.get(ipU32(Q.vpnIp)) !== undefined, 5000, 'both tunnels');
    // A application on A opens a flow to P:53.
    const app = UdpSocket.open({ host: IP_A, port: 0, netns: st.nsA.name, gro: 'off', gso: 'off' });
    const got: string[] = [];
    const reading = (async () => {
      for await (const b of app) for (let i = 0; i < b.count; i++) got.push(Buffer.from(b.datagram(i)).toString());
    })();
    try {
      const port = app.port;
      const mark = st.peer.mark();
      await app.sendTo(Endpoint.of(P.vpnIp, 53), Buffer.from('query'));
      await waitFor(() => st.peer.inner(sp, mark).length > 0, 5000, 'the query through P\'s tunnel');
      const fw = st.a.stats.drops['outside-firewall'];
      const spoofed = st.a.stats.drops['outside-remote-ip'];
      const delivered = st.a.stats.delivered;
      // Q replies to the flow's ports with its own IP as the source: not P's flow.
      await st.peer.send(st.epA, st.peer.sealed(sq, T_MESSAGE, 0, udp(Q.vpnIp, 53, IP_A, port, 'from q as q')));
      // Q replies with P's IP as the source: Q's certificate does not hold it.
      await st.peer.send(st.epA, st.peer.sealed(sq, T_MESSAGE, 0, udp(P.vpnIp, 53, IP_A, port, 'from q as p')));
      await waitFor(() => st.a.stats.drops['outside-firewall'] === fw + 1 && st.a.stats.drops['outside-remote-ip'] === spoofed + 1, 5000,
        'Q\'s reply refused by the rules, its spoof of P by the address check');
      assert.equal(st.a.stats.delivered, delivered, 'nothing of Q\'s delivered');
      // P's reply on its own flow passes: the refusals were about Q, not a broken flow.
      await st.peer.send(st.epA, st.peer.sealed(sp, T_MESSAGE, 0, udp(P.vpnIp, 53, IP_A, port, 'from p')));
      await waitFor(() => got.includes('from p'), 5000, 'P\'s reply at the application');
      await quietPeriod();
      assert.deepEqual(got, ['from p'], 'the application saw P\'s reply only');
      assert.equal(st.a.stats.drops['outside-firewall'], fw + 1);
      assert.equal(st.a.stats.drops['outside-remote-ip'], spoofed + 1);
      // And the rules do bite: P itself cannot open a new flow to A.
      await st.peer.send(st.epA, st.peer.sealed(sp, T_MESSAGE, 0, udp(P.vpnIp, 53, IP_A, port + 1, 'new flow')));
      await waitFor(() => st.a.stats.drops['outside-firewall'] === fw + 2, 5000, 'an unsolicited packet from P refused');
    } finally {
      app.close();
      await reading.catch(() => undefined);
    }
  } catch (e) {
    throw withLog(st, e);
  }
});
