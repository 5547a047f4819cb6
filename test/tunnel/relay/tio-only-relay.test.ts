// Root-only: tio at every role. A tio lighthouse that is also the relay (am_relay) on the public
// segment; a tio node behind a cone NAT and a tio node behind a symmetric NAT, both naming the
// lighthouse in relay.relays. The symmetric NAT defeats punching, so the tunnel between them must go
// through the tio relay, and a SHA-256-checked TCP stream must arrive intact with the lighthouse's
// interface showing it crossed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { msToFirstReply } from '../../../kit/nat-overlay.js';
import { natSkipReason, siteTransfer, withNatScene } from '../../../kit/nat-scene.js';

const skip = natSkipReason();
const BYTES = 4 << 20;

test('tio nodes behind cone and symmetric NATs meet through a tio relay: TCP arrives intact and crosses it', { skip, timeout: 240_000 }, async (t) => {
  await withNatScene({ tag: 'rlytt', sites: ['cone', 'symmetric'], net: 58, overlayNet: 58 }, async (s) => {
    await s.lighthouse('tio', { amRelay: true, level: 'debug', what: 'tio lighthouse+relay' });
    for (const i of [0, 1]) await s.node(i, 'tio', { relay: true, level: 'debug' }).waitForLog('Nebula interface is active', 30_000);
    const ms = await msToFirstReply(s.rig.sites[0]!.node, s.ov.nodes[1]!.ip, process.hrtime.bigint(), 90_000);
    t.diagnostic(`first reply through the tio relay after ${ms.toFixed(0)} ms`);
    const { result: r, lighthouse: d } = await siteTransfer(s, 0, 1, 5205, BYTES, 120_000);
    assert.equal(r.received.bytes, BYTES);
    assert.equal(r.received.sha256, r.sent.sha256);
    t.diagnostic(`${BYTES} bytes in ${r.seconds.toFixed(2)} s; lighthouse rx ${d.rxBytes} tx ${d.txBytes}`);
    assert.ok(Math.min(d.rxBytes, d.txBytes) >= BYTES, 'the transfer did not cross the relay');
  });
});
