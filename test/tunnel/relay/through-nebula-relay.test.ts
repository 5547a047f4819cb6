// Root-only, against the nebula 1.6.1 binary: a tio node behind a symmetric NAT is reached through a
// nebula lighthouse that is also the relay (am_relay), by a nebula node behind another symmetric NAT.
// Neither can punch through; nebula asks the relay for a relay to tio, tio accepts it (it names the
// lighthouse in relay.relays and tells the lighthouse so), the handshake goes through the relay, and
// TCP streams both ways arrive intact, with the lighthouse's interface showing they crossed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootSkipReason } from '../../../kit/netns.js';
import { natRig } from '../../../kit/nat-rig.js';
import { msToFirstReply, rigOverlay } from '../../../kit/nat-overlay.js';
import { nebulaSkipReason } from '../../../kit/nebula-pki.js';
import { startNebulaWith, type NebulaProcess } from '../../../kit/nebula.js';
import { ifDelta } from '../../../kit/netstat.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { tryRun } from '../../../kit/run.js';
import { waitFor } from '../../../kit/wait.js';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { loadConfigFile } from '../../../src/tunnel/config/index.js';
import { nodeOptionsFromConfig } from '../../../src/tunnel/node/from-config.js';
import { OverlayNode } from '../../../src/tunnel/node/node.js';

const skip = rootSkipReason() ?? nebulaSkipReason()
  ?? (tryRun('nft', ['--version'], { timeoutMs: 5_000 }) === undefined ? 'nft (nftables) is not installed' : undefined)
  ?? (tryRun('ping', ['-V'], { timeoutMs: 5_000 }) === undefined ? 'ping (iputils) is not installed' : undefined);
const BYTES = 8 << 20;

for (const [k, first] of (['nebula', 'tio'] as const).entries()) {
test(`tio and nebula behind symmetric NATs meet through a nebula 1.6.1 relay (${first} starts): handshake and TCP both ways go through it intact`, { skip, timeout: 300_000 }, async (t) => {
  const rig = natRig({ tag: `rlyu${k}`, sites: ['symmetric', 'symmetric'], net: 54 + k });
  const ov = rigOverlay(rig, 54 + k);
  const procs: NebulaProcess[] = [];
  const lines: string[] = [];
  let node: OverlayNode | null = null;
  const [neb, tio] = [rig.sites[0]!, rig.sites[1]!];
  const [nebIp, tioIp] = [ov.nodes[0]!.ip, ov.nodes[1]!.ip];
  try {
    const lh = startNebulaWith(rig.lighthouse, ov.lighthouseConfig({ amRelay: true, level: 'debug' }), 'nebula lighthouse+relay');
    procs.push(lh);
    await lh.waitForLog('Nebula interface is active', 30_000);
    const loaded = await loadConfigFile(ov.nodeConfig(1, { relay: true, tag: 'tio' }));
    node = OverlayNode.start(nodeOptionsFromConfig(loaded.config, new Logger('debug', 'text', (l) => lines.push(l)), { netns: tio.node.name }));
    await node.ready;
    const n = node;
    await waitFor(() => (n.status().lighthouse?.updatesSent ?? 0) >= 1, 30_000, 'tio told the lighthouse its addresses and relays');
    const p = startNebulaWith(neb.node, ov.nodeConfig(0, { relay: true, level: 'debug' }), 'nebula n0');
    procs.push(p);
    await p.waitForLog('Nebula interface is active', 30_000);
    const ms = first === 'nebula'
      ? await msToFirstReply(neb.node, tioIp, process.hrtime.bigint(), 90_000)
      : await msToFirstReply(tio.node, nebIp, process.hrtime.bigint(), 90_000);
    t.diagnostic(`first reply (${first} pinging) through the relay after ${ms.toFixed(0)} ms`);
    assert.equal(n.status().tunnels.find((x) => x.overlayAddress === nebIp)?.remote, 'relayed', 'tio\'s tunnel to the nebula node goes through the relay');
    for (const [from, to, toIp, port] of [[neb, tio, tioIp, 5203], [tio, neb, nebIp, 5204]] as const) {
      const before = rig.lighthouseTraffic();
      const r = await tcpTransfer(to.node, from.node, toIp, port, BYTES, 180_000);
      assert.equal(r.received.bytes, BYTES);
      assert.equal(r.received.sha256, r.sent.sha256);
      const d = ifDelta(rig.lighthouseTraffic(), before);
      t.diagnostic(`${BYTES} bytes to ${toIp} in ${r.seconds.toFixed(2)} s; lighthouse rx ${d.rxBytes} tx ${d.txBytes}`);
      assert.ok(Math.min(d.rxBytes, d.txBytes) >= BYTES, `the transfer to ${toIp} did not cross the relay`);
    }
    const st = n.status();
    t.diagnostic(`relay status ${JSON.stringify(st.relay)}; drops ${JSON.stringify(Object.fromEntries(Object.entries(st.counters.drops).filter(([, v]) => v > 0)))}`);
    assert.equal(st.counters.drops['outside-auth'], 0);
  } catch (e) {
    for (const x of procs) process.stderr.write(`--- ${x.what}\n${x.output(60)}\n`);
    process.stderr.write(`--- tio\n${lines.slice(-80).join('\n')}\n`);
    throw e;
  } finally {
    await node?.stop();
    for (const x of procs) await x.kill();
    rig.dispose();
    ov.dispose();
  }
});
}
