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
import { RELAY_ESTABLISHED, RELAY_FORWARDING, RelayTable, RelayTag } from '../../../src/tunnel/relay/index.js';
import { Endpoint } from '../../../src/udp/index.js';
import { SUBTYPE_MESSAGE_RELAY, TYPE_MESSAGE, encodeHeader } from '../../../src/tunnel/wire/index.js';
import { LOCAL, ip, peer } from '../firewall/packets.js';

const KEY = new Uint8Array(32).fill(0x33);
const FROM = Endpoint.of('198.18.0.1', 4242);

function tunnel(): DataTunnel {
  return new DataTunnel({
    vpnIp: ip('198.19.0.1'), localIndex: 5, remoteIndex: 6, remote: FROM, cipher: 'aes', sendKey: KEY, recvKey: KEY, identity: peer(),
  }, 0);
}

// The node:crypto reference tag (the tunnel's own keys are KEY both ways).
const REF = new RelayTag('aes', KEY, KEY);

/** One relayed datagram to `index` at `counter`, tagged with KEY (flip: a bit of the body changed after). */
function relayed(_t: DataTunnel, index: number, counter: number, flip = false): DatagramBatch {
  return relayedBatch([{ index, counter, flip, body: 48 }]);
}

/** Relayed datagrams back to back in one receive batch. */
function relayedBatch(specs: readonly { index: number; counter: number; flip?: boolean; body: number }[]): DatagramBatch {
  const total = specs.reduce((a, x) => a + 32 + x.body, 0);
  const buf = Buffer.alloc(total);
  const offsets = new Int32Array(specs.length);
  const lengths = new Int32Array(specs.length);
  let at = 0;
  specs.forEach((x, i) => {
    const len = 32 + x.body;
    encodeHeader(buf, at, TYPE_MESSAGE, SUBTYPE_MESSAGE_RELAY, x.index, x.counter);
    buf.fill(0xab, at + 16, at + 16 + x.body);
    REF.sign(buf, at, len);
    if (x.flip === true) buf[at + 20]! ^= 1;
    offsets[i] = at;
    lengths[i] = len;
    at += len;
  });
  return {
    buf, count: specs.length, offsets, lengths, senders: new Int32Array(specs.length),
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

test('one receive batch of relayed packets of mixed sizes: the tampered one is dropped and counted, the rest reach the handler in order', async () => {
  const t = tunnel();
  const table = new RelayTable<DataTunnel>();
  const e = table.add(t, ip('198.19.0.9'), RELAY_FORWARDING, 1, RELAY_ESTABLISHED)!;
  const { p, stats, got } = path(table);
  const idx = e.localIndex;
  await p.handle(relayedBatch([
    { index: idx, counter: 3, body: 1400 }, { index: idx, counter: 4, body: 1400, flip: true },
    { index: idx, counter: 5, body: 1400 }, { index: idx, counter: 6, body: 90 }, { index: idx, counter: 6, body: 90 },
  ]), 0);
  assert.deepEqual(got, [idx, 1432, idx, 1432, idx, 122]);
  assert.equal(stats.drops['outside-auth'], 1);
  assert.equal(stats.drops['outside-replay'], 1, 'the in-batch duplicate of counter 6');
  t.close();
});
