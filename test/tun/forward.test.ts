// A TUN->TUN forwarder between two namespaces carries real TCP transfers: the
// kernel's own TCP stack is the oracle (both ends' SHA-256 must match).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { TunDevice, type Packet } from '../../src/index.js';
import * as virtio from '../../src/virtio/index.js';
import { l4ChecksumVerifies } from '../helpers/checksum.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { startForwarder } from '../helpers/forwarder.js';
import { tcpTransfer } from '../../kit/tcp.js';

const skip = rootSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;

async function forwardTransfer(opts: { offload: boolean; bytes: number; v6?: boolean; inspect?: (p: Packet) => void }) {
  const a = Netns.create('fwa');
  const b = Netns.create('fwb');
  const tunOpts = opts.offload ? { offload: 'auto' as const } : { offload: 'off' as const, vnetHdr: false };
  const da = TunDevice.open({ name: 'tfa', netns: a.name, mtu: 1500, addresses: ['198.18.1.1/24', 'fd00:1::1/64'], ...tunOpts });
  const db = TunDevice.open({ name: 'tfb', netns: b.name, mtu: 1500, addresses: ['198.18.1.2/24', 'fd00:1::2/64'], ...tunOpts });
  const fwd = startForwarder(da.queues[0]!, db.queues[0]!, opts.inspect);
  try {
    const host = opts.v6 ? 'fd00:1::2' : '198.18.1.2';
    const r = await tcpTransfer(b, a, host, 5201, opts.bytes, 90_000);
    return { r, fwd, stats: [da.stats(), db.stats()], caps: da.capabilities };
  } finally {
    da.close();
    db.close();
    await fwd.done;
    a.destroy();
    b.destroy();
  }
}

test('TCP over IPv4 through a TSO forwarder arrives intact (SHA-256 equal) and rides superpackets with valid checksums', { skip, timeout: 120_000 }, async () => {
  let superpackets = 0;
  let checked = 0;
  let bad = 0;
  const { r, fwd, stats, caps } = await forwardTransfer({
    offload: true,
    bytes: 64 * MiB,
    inspect: (p) => {
      if (!p.gso) return;
      superpackets++;
      assert.ok(p.gso.size > 0);
      if (checked >= 200) return;
      checked++;
      // Finish the partial checksum on a copy, then verify it with the reference sum.
      const copy = Buffer.from(p.data);
      assert.ok(virtio.finishChecksum(copy, 0, copy.length, p.gso.csumStart, p.gso.csumOffset));
      if (!l4ChecksumVerifies(copy, 0, copy.length, p.gso.csumStart, 6)) bad++;
    },
  });
  assert.ok(caps.tso, 'device negotiated TSO');
  assert.deepEqual(fwd.errors, []);
  assert.equal(r.received.bytes, r.sent.bytes);
  assert.equal(r.received.sha256, r.sent.sha256);
  assert.ok(superpackets > 0, 'bulk TCP produced superpackets');
  assert.equal(bad, 0, `${bad} of ${checked} superpackets failed checksum verification`);
  assert.ok(stats[0]!.rxSuperpackets > 0);
});

test('TCP over IPv6 through a TSO forwarder arrives intact', { skip, timeout: 120_000 }, async () => {
  const { r, fwd } = await forwardTransfer({ offload: true, bytes: 32 * MiB, v6: true });
  assert.deepEqual(fwd.errors, []);
  assert.equal(r.received.sha256, r.sent.sha256);
  assert.equal(r.received.bytes, 32 * MiB);
});

test('TCP through a plain (no vnet header) forwarder arrives intact and sees no superpackets', { skip, timeout: 120_000 }, async () => {
  const { r, fwd, stats, caps } = await forwardTransfer({ offload: false, bytes: 16 * MiB });
  assert.equal(caps.vnetHdr, false);
  assert.deepEqual(fwd.errors, []);
  assert.equal(r.received.sha256, r.sent.sha256);
  assert.equal(r.received.bytes, 16 * MiB);
  assert.equal(stats[0]!.rxSuperpackets, 0);
  assert.ok(stats[0]!.rxPackets > 16 * MiB / 1500, 'every segment crossed as its own packet');
});
