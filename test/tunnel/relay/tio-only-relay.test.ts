// Root-only: tio at every role. A tio lighthouse that is also the relay (am_relay) on the public
// segment; a tio node behind a cone NAT and a tio node behind a symmetric NAT, both naming the
// lighthouse in relay.relays. The symmetric NAT defeats punching, so the tunnel between them must go
// through the tio relay, and a SHA-256-checked TCP stream must arrive intact with the lighthouse's
// interface showing it crossed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootSkipReason } from '../../../kit/netns.js';
import { natRig } from '../../../kit/nat-rig.js';
import { msToFirstReply, rigOverlay } from '../../../kit/nat-overlay.js';
import { nebulaSkipReason } from '../../../kit/nebula-pki.js';
import { startTio, type NsProcess } from '../../../kit/process.js';
import { ifDelta } from '../../../kit/netstat.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { tryRun } from '../../../kit/run.js';

const skip = rootSkipReason() ?? nebulaSkipReason()
  ?? (tryRun('nft', ['--version'], { timeoutMs: 5_000 }) === undefined ? 'nft (nftables) is not installed' : undefined)
  ?? (tryRun('ping', ['-V'], { timeoutMs: 5_000 }) === undefined ? 'ping (iputils) is not installed' : undefined);
const BYTES = 4 << 20;

test('tio nodes behind cone and symmetric NATs meet through a tio relay: TCP arrives intact and crosses it', { skip, timeout: 240_000 }, async (t) => {
  const rig = natRig({ tag: 'rlytt', sites: ['cone', 'symmetric'], net: 58 });
  const ov = rigOverlay(rig, 58);
  const procs: NsProcess[] = [];
  try {
    const lh = startTio(rig.lighthouse, ov.lighthouseConfig({ amRelay: true, tag: 'tio', level: 'debug' }), 'tio lighthouse+relay');
    procs.push(lh);
    await lh.waitForLog('Nebula interface is active', 30_000);
    for (const i of [0, 1]) {
      const p = startTio(rig.sites[i]!.node, ov.nodeConfig(i, { relay: true, tag: 'tio', level: 'debug' }), `tio n${i}`);
      procs.push(p);
      await p.waitForLog('Nebula interface is active', 30_000);
    }
    const ms = await msToFirstReply(rig.sites[0]!.node, ov.nodes[1]!.ip, process.hrtime.bigint(), 90_000);
    t.diagnostic(`first reply through the tio relay after ${ms.toFixed(0)} ms`);
    const before = rig.lighthouseTraffic();
    const r = await tcpTransfer(rig.sites[1]!.node, rig.sites[0]!.node, ov.nodes[1]!.ip, 5205, BYTES, 120_000);
    assert.equal(r.received.bytes, BYTES);
    assert.equal(r.received.sha256, r.sent.sha256);
    const d = ifDelta(rig.lighthouseTraffic(), before);
    t.diagnostic(`${BYTES} bytes in ${r.seconds.toFixed(2)} s; lighthouse rx ${d.rxBytes} tx ${d.txBytes}`);
    assert.ok(Math.min(d.rxBytes, d.txBytes) >= BYTES, 'the transfer did not cross the relay');
  } catch (e) {
    for (const p of procs) process.stderr.write(`--- ${p.what}\n${p.output(60)}\n`);
    throw e;
  } finally {
    for (const p of procs) await p.kill();
    rig.dispose();
    ov.dispose();
  }
});
