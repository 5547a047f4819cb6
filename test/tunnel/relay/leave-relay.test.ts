// Root-only, in the NAT rig: a relayed tunnel moves to a direct path once one exists, as nebula
// 1.6.1 does (hostmap.go TryPromoteBest: test requests straight to the peer's known addresses; the
// peer roams on one and its reply moves the sender; docs/PROTOCOL.md "Relays"). Two nodes behind
// symmetric NATs meet through a lighthouse+relay; node 1 advertises its router's public port 4242
// (lighthouse.advertise_addrs), which forwards nothing at first, so the tunnel is relayed. Then the
// router gets a port forward to node 1: the next transfers must leave the relay and, SHA-256-checked,
// bypass the lighthouse. Run with tio in every role, with nebula 1.6.1 in every role, and with tio
// nodes of two routines (the probe's reply may land on the other thread's socket: roaming across
// threads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { NAT_TABLE } from '../../../kit/nat-nft.js';
import { msToFirstReply } from '../../../kit/nat-overlay.js';
import { natSkipReason, withNatScene } from '../../../kit/nat-scene.js';
import { ifDelta } from '../../../kit/netstat.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = natSkipReason();
const BYTES = 8 << 20;
/** Each round of traffic while waiting for the move (1.6.1 probes every 1000th outbound packet). */
const ROUND_BYTES = 2 << 20;
const ROUNDS = 20;
/** Lighthouse traffic allowed during a transfer that bypasses it. */
const CONTROL_BYTES = 256 << 10;

const CASES = [['tio', 1], ['nebula', 1], ['tio', 2]] as const;

for (const [k, [program, routines]] of CASES.entries()) {
  const roles = routines > 1 ? `${program} in every role, nodes with routines: ${routines}` : `${program} in every role`;
  test(`${roles}: a relayed tunnel moves to a direct path that appears, and TCP then bypasses the relay intact`, { skip, timeout: 300_000 }, async (t) => {
    const net = 150 + 2 * k;
    await withNatScene({ tag: `lvr${k}`, sites: ['symmetric', 'symmetric'], net, overlayNet: net }, async (s) => {
      const { rig, ov } = s;
      const [s0, s1] = [rig.sites[0]!, rig.sites[1]!];
      const ip1 = ov.nodes[1]!.ip;
      await s.lighthouse(program, { amRelay: true, level: 'debug', what: `${program} lighthouse+relay` });
      const t0 = process.hrtime.bigint();
      for (const i of [0, 1] as const) {
        const file = ov.nodeConfig(i, { relay: true, tag: program, level: 'debug' });
        const c = parse(readFileSync(file, 'utf8')) as { lighthouse: Record<string, unknown>; routines?: number };
        if (i === 1) c.lighthouse['advertise_addrs'] = [`${s1.publicAddr}:4242`];
        if (routines > 1) c.routines = routines;
        writeFileSync(file, stringify(c));
        const p = s.start(rig.sites[i]!.node, program, file, `${program} n${i}`);
        await p.waitForLog('Nebula interface is active', 30_000);
      }
      const ms = await msToFirstReply(s0.node, ip1, t0, 90_000);
      t.diagnostic(`first reply through the relay ${ms.toFixed(0)} ms after the nodes started`);
      let before = rig.lighthouseTraffic();
      let r = await tcpTransfer(s1.node, s0.node, ip1, 5221, ROUND_BYTES, 120_000);
      assert.equal(r.received.sha256, r.sent.sha256);
      let d = ifDelta(rig.lighthouseTraffic(), before);
      assert.ok(Math.min(d.rxBytes, d.txBytes) >= ROUND_BYTES, 'the first transfer went through the relay');
      // A port forward to node 1 appears: the path that was advertised now works.
      const r1 = s1.router!;
      r1.exec('nft', [`add table ip tio_fwd
add chain ip tio_fwd pre { type nat hook prerouting priority dstnat; policy accept; }
add rule ip tio_fwd pre iifname "${s1.publicIf}" udp dport 4242 dnat to ${s1.nodeAddr}:4242
insert rule ip ${NAT_TABLE} forward iifname "${s1.publicIf}" ct status dnat accept
`]);
      const tFwd = process.hrtime.bigint();
      let rounds = 0;
      for (; rounds < ROUNDS; rounds++) {
        before = rig.lighthouseTraffic();
        r = await tcpTransfer(s1.node, s0.node, ip1, 5222 + rounds, ROUND_BYTES, 120_000);
        assert.equal(r.received.sha256, r.sent.sha256);
        d = ifDelta(rig.lighthouseTraffic(), before);
        if (Math.min(d.rxBytes, d.txBytes) < CONTROL_BYTES) break;
      }
      t.diagnostic(`left the relay after ${rounds} rounds of ${ROUND_BYTES} bytes, ${(Number(process.hrtime.bigint() - tFwd) / 1e6).toFixed(0)} ms after the forward appeared`);
      assert.ok(rounds < ROUNDS, 'the tunnel stayed on the relay');
      for (const [from, to, toIp, port] of [[s0, s1, ip1, 5250], [s1, s0, ov.nodes[0]!.ip, 5251]] as const) {
        before = rig.lighthouseTraffic();
        const x = await tcpTransfer(to.node, from.node, toIp, port, BYTES, 120_000);
        assert.equal(x.received.bytes, BYTES);
        assert.equal(x.received.sha256, x.sent.sha256);
        d = ifDelta(rig.lighthouseTraffic(), before);
        t.diagnostic(`${BYTES} bytes to ${toIp} in ${x.seconds.toFixed(2)} s; lighthouse rx ${d.rxBytes} tx ${d.txBytes}`);
        assert.ok(Math.min(d.rxBytes, d.txBytes) < CONTROL_BYTES, `the transfer to ${toIp} still crossed the relay`);
      }
    });
  });
}
