// InboundPath and relayed packets (1/1, docs/PROTOCOL.md "Relays"): only a packet whose outer tag
// authenticates on its relay entry's tunnel reaches the relay handler; a bad tag, a replay, an
// unknown relay index and relayed packets at a node without relays are dropped and counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Coalescer } from '../../../src/gro/index.js';
import { Firewall } from '../../../src/tunnel/firewall/index.js';
import { InboundPath, type DatagramBatch } from '../../../src/tunnel/node/inbound.js';
import { NodeStats } from '../../../src/tunnel/node/stats.js';
import { DataTunnel } from '../../../src/tunnel/node/tunnel.js';
import { RELAY_ESTABLISHED, RELAY_FORWARDING, RelayTable } from '../../../src/tunnel/relay/index.js';
import { Endpoint } from '../../../src/udp/index.js';
import { SUBTYPE_MESSAGE_RELAY, TYPE_MESSAGE, encodeHeader } from '../../../src/tunnel/wire/index.js';
import { LOCAL, ip, peer } from '../firewall/packets.js';

const KEY = new Uint8Array(32).fill(0x33);
const FROM = Endpoint.of('198.18.0.1', 4242);

function tunnel(): DataTunnel {
  return new DataTunnel({
    vpnIp: ip('198.19.0.1'), localIndex: 5, remoteIndex: 6, remote: FROM, cipher: 'aes', sendKey: KEY, recvKey: KEY, identity: peer(), relayTags: true,
  }, 0);
}

/** One relayed datagram to `index` at `counter`, tagged with KEY (flip: a bit of the body changed after). */
function relayed(t: DataTunnel, index: number, counter: number, flip = false): DatagramBatch {
  const buf = Buffer.alloc(16 + 48 + 16);
  encodeHeader(buf, 0, TYPE_MESSAGE, SUBTYPE_MESSAGE_RELAY, index, counter);
  buf.fill(0xab, 16, 64);
  t.relayTag!.sign(buf, 0, buf.length);
  if (flip) buf[20]! ^= 1;
  return {
    buf, count: 1, offsets: Int32Array.of(0), lengths: Int32Array.of(buf.length), senders: new Int32Array(1),
    peer: () => FROM, isFrom: (_i, ep) => ep.equals(FROM),
  };
}

function path(relays: RelayTable<DataTunnel> | null) {
  const stats = new NodeStats();
  const got: number[] = [];
  const unknown: number[] = [];
  const p = new InboundPath<DataTunnel>({
    stats, hostmap: { byLocalIndex: () => undefined }, firewall: new Firewall({ inbound: [], outbound: [] }), local: LOCAL,
    coalescer: new Coalescer({ write: () => Promise.resolve() }, { tcp: false, udp: false }), pinRemote: false,
    handshake: () => assert.fail('no handshakes here'),
    unknownIndex: (ri) => unknown.push(ri),
    recvError: () => assert.fail('no recv_error here'),
    control: () => assert.fail('no control messages here'),
    relays,
    relayed: (e, _buf, _off, len) => got.push(e.localIndex, len),
  });
  return { p, stats, got, unknown };
}

test('an authentic relayed packet reaches the relay handler once; a replay, a bad tag and an unknown index do not', async () => {
  const t = tunnel();
  const table = new RelayTable<DataTunnel>();
  const e = table.add(t, ip('198.19.0.9'), RELAY_FORWARDING, 1, RELAY_ESTABLISHED)!;
  const { p, stats, got, unknown } = path(table);
  await p.handle(relayed(t, e.localIndex, 3), 0);
  assert.deepEqual(got, [e.localIndex, 80]);
  await p.handle(relayed(t, e.localIndex, 3), 0);
  assert.equal(stats.drops['outside-replay'], 1);
  await p.handle(relayed(t, e.localIndex, 4, true), 0);
  assert.equal(stats.drops['outside-auth'], 1);
  await p.handle(relayed(t, (e.localIndex ^ 0x10) >>> 0, 5), 0);
  assert.equal(stats.drops['outside-unknown-index'], 1);
  assert.deepEqual(unknown, [e.localIndex, (e.localIndex ^ 0x10) >>> 0], 'replay and unknown index answered with recv_error, as data packets are');
  assert.equal(got.length, 2);
  // The bad tag did not advance the window: counter 4 still authenticates.
  await p.handle(relayed(t, e.localIndex, 4), 0);
  assert.equal(got.length, 4);
  t.close();
});

test('a node without relays counts relayed packets as unhandled and answers nothing', async () => {
  const t = tunnel();
  const { p, stats, got, unknown } = path(null);
  await p.handle(relayed(t, 1234, 3), 0);
  assert.equal(stats.drops['outside-unhandled-type'], 1);
  assert.equal(got.length + unknown.length, 0);
  t.close();
});
