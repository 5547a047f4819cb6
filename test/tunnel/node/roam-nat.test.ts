// Root-only, in the NAT rig: a peer that moves to a new underlay address is followed without
// restarting anyone (docs/PROTOCOL.md "Relays", its part on leaving a relay: authenticated traffic straight
// from a new address moves a tunnel). Node 0 sits on the public segment, node 1 behind a cone NAT;
// both know only a tio lighthouse. Once a SHA-256-checked transfer has run, node 1's router gets a
// new public address (masquerade drops its old mappings), and node 1's next packets come from
// there: pings and transfers both ways must carry on. Pairings: tio with tio, a tio node roaming
// with a nebula 1.6.1 peer, and a nebula 1.6.1 node roaming with a tio peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootSkipReason } from '../../../kit/netns.js';
import { natRig } from '../../../kit/nat-rig.js';
import { msToFirstReply, rigOverlay } from '../../../kit/nat-overlay.js';
import { nebulaSkipReason } from '../../../kit/nebula-pki.js';
import { startNebulaWith } from '../../../kit/nebula.js';
import { startTio, type NsProcess } from '../../../kit/process.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { tryRun } from '../../../kit/run.js';

const skip = rootSkipReason() ?? nebulaSkipReason()
  ?? (tryRun('nft', ['--version'], { timeoutMs: 5_000 }) === undefined ? 'nft (nftables) is not installed' : undefined)
  ?? (tryRun('ping', ['-V'], { timeoutMs: 5_000 }) === undefined ? 'ping (iputils) is not installed' : undefined);
const BYTES = 4 << 20;

type Program = 'tio' | 'nebula';
const PAIRINGS: ReadonlyArray<readonly [Program, Program]> = [['tio', 'tio'], ['nebula', 'tio'], ['tio', 'nebula']];

for (const [k, nodes] of PAIRINGS.entries()) {
  test(`${nodes[1]} behind a NAT whose public address changes is followed by ${nodes[0]}: traffic both ways carries on, nobody restarts`, { skip, timeout: 300_000 }, async (t) => {
    const net = 160 + 2 * k;
    const rig = natRig({ tag: `roam${k}`, sites: ['none', 'cone'], net });
    const ov = rigOverlay(rig, net);
    const procs: NsProcess[] = [];
    const start = (ns: Parameters<typeof startTio>[0], program: Program, config: string, what: string): NsProcess => {
      const p = program === 'tio' ? startTio(ns, config, what) : startNebulaWith(ns, config, what);
      procs.push(p);
      return p;
    };
    const [s0, s1] = [rig.sites[0]!, rig.sites[1]!];
    const [ip0, ip1] = [ov.nodes[0]!.ip, ov.nodes[1]!.ip];
    const transfers = async (base: number): Promise<void> => {
      for (const [from, to, toIp, port] of [[s0, s1, ip1, base], [s1, s0, ip0, base + 1]] as const) {
        const r = await tcpTransfer(to.node, from.node, toIp, port, BYTES, 120_000);
        assert.equal(r.received.bytes, BYTES);
        assert.equal(r.received.sha256, r.sent.sha256);
      }
    };
    try {
      const lh = start(rig.lighthouse, 'tio', ov.lighthouseConfig({ tag: 'tio', level: 'debug' }), 'tio lighthouse');
      await lh.waitForLog('Nebula interface is active', 30_000);
      for (const i of [0, 1] as const) {
        const p = start(rig.sites[i]!.node, nodes[i], ov.nodeConfig(i, { tag: nodes[i], level: 'debug' }), `${nodes[i]} n${i}`);
        await p.waitForLog('Nebula interface is active', 30_000);
      }
      await msToFirstReply(s1.node, ip0, process.hrtime.bigint(), 60_000);
      await transfers(5261);
      // The move: node 1's router drops its public address for a new one on the same segment.
      const moved = s1.publicAddr.replace(/\.\d+$/, `.${40 + k}`);
      s1.router!.exec('ip', ['addr', 'del', `${s1.publicAddr}/24`, 'dev', s1.publicIf]);
      s1.router!.exec('ip', ['addr', 'add', `${moved}/24`, 'dev', s1.publicIf]);
      const ms = await msToFirstReply(s1.node, ip0, process.hrtime.bigint(), 60_000);
      t.diagnostic(`first reply after the move to ${moved}: ${ms.toFixed(0)} ms`);
      await transfers(5271);
    } catch (e) {
      for (const p of procs) process.stderr.write(`--- ${p.what}\n${p.output(80)}\n`);
      throw e;
    } finally {
      for (const p of procs) await p.kill();
      rig.dispose();
      ov.dispose();
    }
  });
}
