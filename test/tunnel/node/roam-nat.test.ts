// Root-only, in the NAT rig: a peer that moves to a new underlay address is followed without
// restarting anyone (docs/PROTOCOL.md "Relays", its part on leaving a relay: authenticated traffic straight
// from a new address moves a tunnel). Node 0 sits on the public segment, node 1 behind a cone NAT;
// both know only a tio lighthouse. Once a SHA-256-checked transfer has run, node 1's router gets a
// new public address (masquerade drops its old mappings), and node 1's next packets come from
// there: pings and transfers both ways must carry on. Pairings: tio with tio, a tio node roaming
// with a nebula 1.6.1 peer, a nebula 1.6.1 node roaming with a tio peer, and the same with a tio
// peer of two routines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { msToFirstReply } from '../../../kit/nat-overlay.js';
import { natSkipReason, withNatScene, type Program } from '../../../kit/nat-scene.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = natSkipReason();
const BYTES = 4 << 20;

// The last: node 0 is a tio node with two routines, so the moved peer may land on the other thread's socket.
const PAIRINGS: ReadonlyArray<readonly [Program, Program, number]> = [['tio', 'tio', 1], ['nebula', 'tio', 1], ['tio', 'nebula', 1], ['tio', 'nebula', 2]];

for (const [k, [n0, n1, routines0]] of PAIRINGS.entries()) {
  const nodes = [n0, n1] as const;
  const who = routines0 > 1 ? `${n0} (routines: ${routines0})` : n0;
  test(`${n1} behind a NAT whose public address changes is followed by ${who}: traffic both ways carries on, nobody restarts`, { skip, timeout: 300_000 }, async (t) => {
    const net = 160 + 2 * k;
    await withNatScene({ tag: `roam${k}`, sites: ['none', 'cone'], net, overlayNet: net }, async (s) => {
      const [s0, s1] = [s.rig.sites[0]!, s.rig.sites[1]!];
      const [ip0, ip1] = [s.ov.nodes[0]!.ip, s.ov.nodes[1]!.ip];
      const transfers = async (base: number): Promise<void> => {
        for (const [from, to, toIp, port] of [[s0, s1, ip1, base], [s1, s0, ip0, base + 1]] as const) {
          const r = await tcpTransfer(to.node, from.node, toIp, port, BYTES, 120_000);
          assert.equal(r.received.bytes, BYTES);
          assert.equal(r.received.sha256, r.sent.sha256);
        }
      };
      await s.lighthouse('tio', { level: 'debug' });
      const procs = [0, 1].map((i) => s.node(i, nodes[i]!, { level: 'debug', extra: i === 0 && routines0 > 1 ? `routines: ${routines0}\n` : undefined }));
      for (const p of procs) await p.waitForLog('Nebula interface is active', 30_000);
      await msToFirstReply(s1.node, ip0, process.hrtime.bigint(), 60_000);
      await transfers(5261);
      // The move: node 1's router drops its public address for a new one on the same segment.
      const moved = s1.publicAddr.replace(/\.\d+$/, `.${40 + k}`);
      s1.router!.exec('ip', ['addr', 'del', `${s1.publicAddr}/24`, 'dev', s1.publicIf]);
      s1.router!.exec('ip', ['addr', 'add', `${moved}/24`, 'dev', s1.publicIf]);
      const ms = await msToFirstReply(s1.node, ip0, process.hrtime.bigint(), 60_000);
      t.diagnostic(`first reply after the move to ${moved}: ${ms.toFixed(0)} ms`);
      // Node 0 says so as nebula does (the binary's line is the oracle for tio's), naming the new address.
      await procs[0]!.waitForLog(new RegExp(`Host roamed to new udp ip/port\\..*newAddr="?${moved.replace(/\./g, '\\.')}:`), 10_000);
      await transfers(5271);
    });
  });
}
