// Root-only, in the NAT rig (kit/nat-rig.ts, kit/nat-overlay.ts): a tio lighthouse that is also the
// relay (relay.am_relay) joins two nodes behind symmetric NATs (fully-random masquerade), which
// cannot punch a direct path, so every byte between them must cross the relay. Pairings: tio with
// tio (what `tio demo --mesh` needs) and tio with nebula 1.6.1, each side pinging first. A
// SHA-256-checked TCP stream goes each way; the lighthouse's interface must show it crossed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootSkipReason } from '../../../kit/netns.js';
import { natRig } from '../../../kit/nat-rig.js';
import { msToFirstReply, rigOverlay } from '../../../kit/nat-overlay.js';
import { nebulaSkipReason } from '../../../kit/nebula-pki.js';
import { startNebulaWith } from '../../../kit/nebula.js';
import { startTio, type NsProcess } from '../../../kit/process.js';
import { ifDelta } from '../../../kit/netstat.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { tryRun } from '../../../kit/run.js';

const skip = rootSkipReason() ?? nebulaSkipReason()
  ?? (tryRun('nft', ['--version'], { timeoutMs: 5_000 }) === undefined ? 'nft (nftables) is not installed' : undefined)
  ?? (tryRun('ping', ['-V'], { timeoutMs: 5_000 }) === undefined ? 'ping (iputils) is not installed' : undefined);
const BYTES = 8 << 20;

type Program = 'tio' | 'nebula';
const PAIRINGS: ReadonlyArray<readonly [Program, Program]> = [['tio', 'tio'], ['tio', 'nebula'], ['nebula', 'tio']];

for (const [k, nodes] of PAIRINGS.entries()) {
  test(`a tio lighthouse relays ${nodes[0]} (pinging first) and ${nodes[1]} behind symmetric NATs: TCP both ways crosses it intact`, { skip, timeout: 300_000 }, async (t) => {
    const net = 140 + 2 * k;
    const rig = natRig({ tag: `trly${k}`, sites: ['symmetric', 'symmetric'], net });
    const ov = rigOverlay(rig, net);
    const procs: NsProcess[] = [];
    const start = (ns: Parameters<typeof startTio>[0], program: Program, config: string, what: string): NsProcess => {
      const p = program === 'tio' ? startTio(ns, config, what) : startNebulaWith(ns, config, what);
      procs.push(p);
      return p;
    };
    try {
      const lh = start(rig.lighthouse, 'tio', ov.lighthouseConfig({ amRelay: true, tag: 'tio', level: 'debug' }), 'tio lighthouse+relay');
      await lh.waitForLog('Nebula interface is active', 30_000);
      const t0 = process.hrtime.bigint();
      for (const i of [0, 1] as const) {
        const p = start(rig.sites[i]!.node, nodes[i], ov.nodeConfig(i, { relay: true, tag: nodes[i], level: 'debug' }), `${nodes[i]} n${i}`);
        await p.waitForLog('Nebula interface is active', 30_000);
      }
      const ms = await msToFirstReply(rig.sites[0]!.node, ov.nodes[1]!.ip, t0, 90_000);
      t.diagnostic(`first reply n0 -> n1 through the tio relay ${ms.toFixed(0)} ms after the nodes started`);
      const [s0, s1] = [rig.sites[0]!, rig.sites[1]!];
      for (const [from, to, toIp, port] of [[s0, s1, ov.nodes[1]!.ip, 5211], [s1, s0, ov.nodes[0]!.ip, 5212]] as const) {
        const before = rig.lighthouseTraffic();
        const r = await tcpTransfer(to.node, from.node, toIp, port, BYTES, 180_000);
        assert.equal(r.received.bytes, BYTES);
        assert.equal(r.received.sha256, r.sent.sha256);
        const d = ifDelta(rig.lighthouseTraffic(), before);
        t.diagnostic(`${BYTES} bytes to ${toIp} in ${r.seconds.toFixed(2)} s; lighthouse rx ${d.rxBytes} tx ${d.txBytes}`);
        assert.ok(Math.min(d.rxBytes, d.txBytes) >= BYTES, `the transfer to ${toIp} did not cross the relay`);
      }
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
