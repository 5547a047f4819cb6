// Software segmentation and coalescing against the kernel: a forwarder that
// cuts every superpacket into MTU-sized segments and coalesces them again
// before writing carries TCP (IPv4, IPv6) and UDP transfers intact.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { TunDevice } from '../../src/index.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { startForwarder } from '../helpers/forwarder.js';
import { tcpTransfer } from '../../kit/tcp.js';
import { udpTransfer } from '../../kit/udp.js';

const skip = rootSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;
/** Device MTU: segments are at most 1400-byte packets. */
const MTU = 1400;

async function withSegmentingForwarder<T>(fn: (a: Netns, b: Netns) => Promise<T>) {
  const a = Netns.create('sega');
  const b = Netns.create('segb');
  const da = TunDevice.open({ name: 'tsa', netns: a.name, mtu: MTU, addresses: ['198.18.8.1/24', 'fd00:8::1/64'] });
  const db = TunDevice.open({ name: 'tsb', netns: b.name, mtu: MTU, addresses: ['198.18.8.2/24', 'fd00:8::2/64'] });
  let maxSegment = 0;
  const fwd = startForwarder(da.queues[0]!, db.queues[0]!, {
    mode: 'segment',
    onPacket: (p) => {
      if (!p.gso) maxSegment = Math.max(maxSegment, p.len);
    },
  });
  try {
    const result = await fn(a, b);
    return { result, fwd, stats: [da.stats(), db.stats()], maxSegment, groWrites: da.groWrites && db.groWrites };
  } finally {
    da.close();
    db.close();
    await fwd.done;
    a.destroy();
    b.destroy();
  }
}

for (const [family, host] of [['IPv4', '198.18.8.2'], ['IPv6', 'fd00:8::2']] as const) {
  test(`TCP over ${family} crosses a segment-then-coalesce forwarder intact, rebuilt into superpackets`, { skip, timeout: 120_000 }, async () => {
    const { result: r, fwd, stats, groWrites } = await withSegmentingForwarder((a, b) => tcpTransfer(b, a, host, 5202, 32 * MiB, 90_000));
    assert.deepEqual(fwd.errors, []);
    assert.equal(r.received.bytes, 32 * MiB);
    assert.equal(r.received.sha256, r.sent.sha256);
    assert.ok(stats[0]!.rxSuperpackets > 0, 'the sender side handed over superpackets');
    assert.ok(fwd.segments > stats[0]!.rxSuperpackets, 'they were cut into segments');
    assert.ok(groWrites, 'GRO writes allowed on this kernel');
    assert.ok(stats[1]!.txSuperpackets > 0, 'segments were coalesced back into superpackets');
  });
}

test('UDP datagrams cross a coalescing forwarder intact (UDP lane, USO writes)', { skip, timeout: 120_000 }, async () => {
  const { result: r, fwd, stats } = await withSegmentingForwarder((a, b) => udpTransfer(b, a, '198.18.8.2', 5203, 4000, 1200, 60_000));
  assert.deepEqual(fwd.errors, []);
  assert.equal(r.received.count, 4000);
  assert.equal(r.received.sha256, r.sent.sha256);
  assert.ok(stats[1]!.txSuperpackets > 0, 'datagrams were coalesced into UDP superpackets');
});
