// Interop with a real nebula 1.6.1 lighthouse (am_lighthouse: true), the protocol oracle: a tio node
// and a nebula node share one segment and know only the lighthouse (static_host_map holds nothing
// else). Each side in turn finds the other through it: tio by HostQuery/HostQueryReply, nebula
// because the lighthouse learned tio's address from tio's handshake and HostUpdateNotification.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { destroyAll, rootSkipReason, waitFor } from '../../../kit/netns.js';
import { bridgeSegment } from '../../../kit/topology.js';
import { makePki, nebulaSkipReason } from '../../../kit/nebula-pki.js';
import { startNebula } from '../../../kit/nebula.js';
import { nodeOptions } from '../../helpers/overlay.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { tryRun } from '../../../kit/run.js';

const skip = rootSkipReason() ?? nebulaSkipReason() ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);
after(destroyAll);

const MiB = 1024 * 1024;
const LH_IP = '198.19.0.1';
const TIO_IP = '198.19.0.2';
const NEB_IP = '198.19.0.3';
const NET = 34;

// With routines: 2 a lighthouse message may arrive on a routine's socket and reach main through the routine's ControlPort.
const CASES = [['tio', 1], ['nebula', 1], ['tio', 2]] as const;

for (const [k, [initiator, routines]] of CASES.entries()) {
  test(`tio${routines > 1 ? ` (routines: ${routines})` : ''} and nebula that know only a nebula lighthouse find each other (${initiator} first): ping and TCP both ways arrive intact`, { skip, timeout: 180_000 }, async () => {
    const pki = makePki([['lh', `${LH_IP}/16`], ['tio', `${TIO_IP}/16`], ['neb', `${NEB_IP}/16`]]);
    const seg = bridgeSegment(`lh${k}`, NET + k, 2);
    const [tioNs, nebNs] = seg.spokes as [typeof seg.hub, typeof seg.hub];
    const [tioAddr, nebAddr] = seg.spokeAddrs as [string, string];
    const hl = pki.hosts.get('lh')!;
    const ht = pki.hosts.get('tio')!;
    const hn = pki.hosts.get('neb')!;
    const lines: string[] = [];
    const lh = startNebula(seg.hub, pki, hl, seg.hubAddr, [], { lighthouse: { am: true, hosts: [] }, level: 'debug', dev: 'neblh0' });
    let node: OverlayNode | null = null;
    const neb = startNebula(nebNs, pki, hn, nebAddr, [[hl, seg.hubAddr]], { lighthouse: { am: false, hosts: [LH_IP], interval: 1 }, level: 'debug' });
    try {
      await lh.waitForLog('Nebula interface is active', 15_000);
      await neb.waitForLog('Nebula interface is active', 15_000);
      node = OverlayNode.start(nodeOptions(pki, ht, tioNs.name, tioAddr, [[hl, seg.hubAddr]], { lines, logLevel: 'debug', routines, lighthouse: { hosts: [hl], intervalMs: 1000 } }));
      const n = node;
      await n.ready;
      // tio handshakes with the lighthouse at start and reports its addresses on the new tunnel.
      await waitFor(() => (n.status().lighthouse?.updatesSent ?? 0) >= 1, 15_000, 'tio sent its first HostUpdateNotification');
      assert.ok(n.status().tunnels.some((t) => t.overlayAddress === LH_IP), 'tio has a tunnel to the lighthouse');
      // nebula reaches the lighthouse too (its first update triggers the handshake).
      await neb.waitForLog(/Handshake message received.*vpnIp=198\.19\.0\.1/, 15_000);

      if (initiator === 'tio') await tioNs.execAsync('ping', ['-c', '3', '-i', '0.3', '-W', '5', NEB_IP], { timeoutMs: 30_000 });
      else await nebNs.execAsync('ping', ['-c', '3', '-i', '0.3', '-W', '5', TIO_IP], { timeoutMs: 30_000 });
      const t = n.status().tunnels.find((x) => x.overlayAddress === NEB_IP);
      assert.ok(t, 'tio has a tunnel to nebula');
      assert.equal(t.initiator, initiator === 'tio');
      assert.equal(t.remote, `${nebAddr}:4242`, 'the tunnel runs directly between the two, not through the lighthouse');
      const st = n.status().lighthouse!;
      if (initiator === 'tio') {
        assert.ok(st.queriesSent >= 1 && st.repliesReceived >= 1 && st.addressesLearned >= 1, `tio asked and learned: ${JSON.stringify(st)}`);
      } else {
        // nebula had no address for tio but the lighthouse's: the lighthouse must have learned tio's.
        assert.ok(neb.log.some((l) => l.includes('Handshake message sent') && l.includes(`${tioAddr}:4242`)), 'nebula sent its msg1 to tio\'s address, learned from the lighthouse');
        // The lighthouse tells the host asked about that someone is looking for it (lighthouse.go handleHostQuery).
        assert.ok(st.punchNotifications >= 1, `tio got a HostPunchNotification: ${JSON.stringify(st)}`);
      }
      if (initiator === 'tio') await nebNs.execAsync('ping', ['-c', '3', '-i', '0.3', '-W', '5', TIO_IP], { timeoutMs: 30_000 });
      else await tioNs.execAsync('ping', ['-c', '3', '-i', '0.3', '-W', '5', NEB_IP], { timeoutMs: 30_000 });
      const toTio = await tcpTransfer(tioNs, nebNs, TIO_IP, 5411, 8 * MiB, 90_000);
      assert.equal(toTio.received.sha256, toTio.sent.sha256, 'nebula -> tio TCP intact');
      const toNeb = await tcpTransfer(nebNs, tioNs, NEB_IP, 5412, 8 * MiB, 90_000);
      assert.equal(toNeb.received.sha256, toNeb.sent.sha256, 'tio -> nebula TCP intact');
      assert.equal(n.status().lighthouse!.malformed, 0, 'every lighthouse message from nebula decoded');
      assert.equal(n.stats.drops['outside-auth'], 0);
      for (const p of [lh, neb]) assert.ok(!p.log.some((l) => /Failed to decrypt|Failed to unmarshal lighthouse|level=error/.test(l)), `${p.what} logged no error`);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- lighthouse ---\n${lh.log.join('\n')}\n--- nebula ---\n${neb.log.join('\n')}\n--- tio ---\n${lines.join('\n')}`, { cause: e });
    } finally {
      await node?.stop();
      await neb.stop();
      await lh.stop();
      seg.destroy();
      pki.dispose();
    }
  });
}
