// Root-only, against the nebula 1.6.1 binary: a tio node with relay.am_relay on the public segment of
// the NAT rig relays between two nebula nodes behind symmetric NATs (fully-random masquerade), which
// cannot punch a direct path. A nebula lighthouse tells everyone where everyone is; the nebula nodes
// name tio's overlay IP in relay.relays. The nebula nodes first ping tio (a node keeps no tunnel to
// its relay by itself; in the usual setup the relay is the lighthouse it already talks to). Then a
// TCP transfer between them must arrive intact, and tio's counters and public interface must show
// that it crossed the relay.
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
import { Logger } from '../../../src/tunnel/log/logger.js';
import { loadConfigFile } from '../../../src/tunnel/config/index.js';
import { nodeOptionsFromConfig } from '../../../src/tunnel/node/from-config.js';
import { OverlayNode } from '../../../src/tunnel/node/node.js';

const skip = rootSkipReason() ?? nebulaSkipReason()
  ?? (tryRun('nft', ['--version'], { timeoutMs: 5_000 }) === undefined ? 'nft (nftables) is not installed' : undefined)
  ?? (tryRun('ping', ['-V'], { timeoutMs: 5_000 }) === undefined ? 'ping (iputils) is not installed' : undefined);
const BYTES = 8 << 20;
const PORT = 5202;

test('tio as relay: two nebula 1.6.1 nodes behind symmetric NATs move a TCP stream through it intact', { skip, timeout: 300_000 }, async (t) => {
  const rig = natRig({ tag: 'rlyt', sites: ['symmetric', 'symmetric', 'none'], net: 52 });
  const ov = rigOverlay(rig, 52);
  const procs: NebulaProcess[] = [];
  const lines: string[] = [];
  let node: OverlayNode | null = null;
  const relayIp = ov.nodes[2]!.ip;
  try {
    const lh = startNebulaWith(rig.lighthouse, ov.lighthouseConfig({ amRelay: false }), 'nebula lighthouse');
    procs.push(lh);
    await lh.waitForLog('Nebula interface is active', 30_000);
    const relayCfg = ov.nodeConfig(2, { amRelay: true, tag: 'tio', level: 'debug' });
    const loaded = await loadConfigFile(relayCfg);
    const log = new Logger('debug', 'text', (l) => lines.push(l));
    node = OverlayNode.start(nodeOptionsFromConfig(loaded.config, log, { netns: rig.sites[2]!.node.name }));
    await node.ready;
    for (const i of [0, 1]) {
      const p = startNebulaWith(rig.sites[i]!.node, ov.nodeConfig(i, { relayIps: [relayIp], level: 'debug' }), `nebula n${i}`);
      procs.push(p);
      await p.waitForLog('Nebula interface is active', 30_000);
    }
    // Both nodes reach the relay (through the lighthouse, which knows tio's public address).
    for (const i of [0, 1]) await msToFirstReply(rig.sites[i]!.node, relayIp, process.hrtime.bigint(), 60_000);
    const t0 = process.hrtime.bigint();
    const ms = await msToFirstReply(rig.sites[0]!.node, ov.nodes[1]!.ip, t0, 90_000);
    t.diagnostic(`first reply n0 -> n1 through the tio relay after ${ms.toFixed(0)} ms`);
    const relayIf = rig.publicTraffic(rig.sites[2]!);
    const before = node.status().counters.relayedOut;
    const r = await tcpTransfer(rig.sites[1]!.node, rig.sites[0]!.node, ov.nodes[1]!.ip, PORT, BYTES, 180_000);
    assert.equal(r.received.bytes, BYTES);
    assert.equal(r.received.sha256, r.sent.sha256);
    const st = node.status();
    const d = ifDelta(rig.publicTraffic(rig.sites[2]!), relayIf);
    const relayed = st.counters.relayedOut - before;
    t.diagnostic(`${BYTES} bytes in ${r.seconds.toFixed(2)} s; tio relayed ${relayed} datagrams; its interface rx ${d.rxBytes} tx ${d.txBytes}`);
    t.diagnostic(`relay status ${JSON.stringify(st.relay)}; drops ${JSON.stringify(Object.fromEntries(Object.entries(st.counters.drops).filter(([, v]) => v > 0)))}`);
    assert.ok(d.txBytes >= BYTES && d.rxBytes >= BYTES, `the transfer did not cross the relay (rx ${d.rxBytes}, tx ${d.txBytes})`);
    assert.ok(relayed >= BYTES / 1400, `tio relayed only ${relayed} datagrams`);
    assert.equal(st.relay?.relays, 2, 'one forwarding relay: an entry on each side');
    assert.equal(st.counters.drops['outside-auth'], 0);
  } catch (e) {
    for (const p of procs) process.stderr.write(`--- ${p.what}\n${p.output(60)}\n`);
    process.stderr.write(`--- tio relay\n${lines.slice(-80).join('\n')}\n`);
    throw e;
  } finally {
    await node?.stop();
    for (const p of procs) await p.kill();
    rig.dispose();
    ov.dispose();
  }
});
