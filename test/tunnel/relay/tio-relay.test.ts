// Root-only, in the NAT rig (kit/nat-rig.ts, kit/nat-overlay.ts): a tio lighthouse that is also the
// relay (relay.am_relay) joins two nodes behind symmetric NATs (fully-random masquerade), which
// cannot punch a direct path, so every byte between them must cross the relay. Pairings: tio with
// tio (what `tio demo --mesh` needs) and tio with nebula 1.6.1, each side pinging first. A
// SHA-256-checked TCP stream goes each way; the lighthouse's interface must show it crossed it.
import { test } from 'node:test';
import { msToFirstReply } from '../../../kit/nat-overlay.js';
import { natSkipReason, relayedTransfer, withNatScene, type Program } from '../../../kit/nat-scene.js';

const skip = natSkipReason();
const BYTES = 8 << 20;

const PAIRINGS: ReadonlyArray<readonly [Program, Program]> = [['tio', 'tio'], ['tio', 'nebula'], ['nebula', 'tio']];

for (const [k, nodes] of PAIRINGS.entries()) {
  test(`a tio lighthouse relays ${nodes[0]} (pinging first) and ${nodes[1]} behind symmetric NATs: TCP both ways crosses it intact`, { skip, timeout: 300_000 }, async (t) => {
    const net = 140 + 2 * k;
    await withNatScene({ tag: `trly${k}`, sites: ['symmetric', 'symmetric'], net, overlayNet: net }, async (s) => {
      await s.lighthouse('tio', { amRelay: true, level: 'debug', what: 'tio lighthouse+relay' });
      const t0 = process.hrtime.bigint();
      for (const i of [0, 1] as const) await s.node(i, nodes[i], { relay: true, level: 'debug' }).waitForLog('Nebula interface is active', 30_000);
      const ms = await msToFirstReply(s.rig.sites[0]!.node, s.ov.nodes[1]!.ip, t0, 90_000);
      t.diagnostic(`first reply n0 -> n1 through the tio relay ${ms.toFixed(0)} ms after the nodes started`);
      for (const [from, to, port] of [[0, 1, 5211], [1, 0, 5212]] as const) t.diagnostic(await relayedTransfer(s, from, to, port, BYTES, 180_000));
    });
  });
}
