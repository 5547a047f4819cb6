// InboundPath on its own (no sockets): which decrypted packets of one run reach
// the coalescer when the address check and the firewall must refuse some of
// them in between packets of an admitted flow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Coalescer } from '../../../src/gro/index.js';
import type { Packet } from '../../../src/tun/packet.js';
import { AeadBatch } from '../../../src/tunnel/aead/index.js';
import { Firewall, PORT_ANY, type FirewallRule } from '../../../src/tunnel/firewall/index.js';
import { InboundPath, type DatagramBatch } from '../../../src/tunnel/node/inbound.js';
import { NodeStats } from '../../../src/tunnel/node/stats.js';
import { DataTunnel } from '../../../src/tunnel/node/tunnel.js';
import { Endpoint } from '../../../src/tunnel/udp/index.js';
import { AEAD_TAG_LEN, HEADER_LEN, SUBTYPE_MESSAGE_NONE, TYPE_MESSAGE, encodeHeader } from '../../../src/tunnel/wire/index.js';
import { LOCAL, ip, packet, peer } from '../firewall/packets.js';

const KEY = new Uint8Array(32).fill(0x5a);
const FROM = Endpoint.of('198.18.0.1', 4242);
const LOCAL_INDEX = 77;

const tcp80: FirewallRule = { portStart: 80, portEnd: 80, proto: 'tcp', host: 'any', groups: null, cidr: null, caName: null, caSha: null };

/** Datagrams sealed with KEY for tunnel LOCAL_INDEX, counters from 3 on, in one buffer. */
function sealed(inners: readonly Uint8Array[]): DatagramBatch {
  const sizes = inners.map((p) => HEADER_LEN + p.length + AEAD_TAG_LEN);
  const buf = Buffer.alloc(sizes.reduce((a, b) => a + b, 0));
  const offsets = new Int32Array(inners.length);
  const lengths = Int32Array.from(sizes);
  const sender = new DataTunnel({
    vpnIp: ip('198.19.0.2'), localIndex: 1, remoteIndex: LOCAL_INDEX, remote: FROM, cipher: 'aes', sendKey: KEY, recvKey: KEY, identity: peer(),
  }, 0);
  const batch = new AeadBatch(inners.length).reset(buf);
  let at = 0;
  inners.forEach((p, i) => {
    offsets[i] = at;
    encodeHeader(buf, at, TYPE_MESSAGE, SUBTYPE_MESSAGE_NONE, LOCAL_INDEX, 3 + i);
    buf.set(p, at + HEADER_LEN);
    batch.add(at, p.length);
    at += sizes[i]!;
  });
  sender.seal.seal(batch);
  sender.close();
  return {
    buf, count: inners.length, offsets, lengths, senders: new Int32Array(inners.length),
    peer: () => FROM,
    isFrom: (_i, ep) => ep.equals(FROM),
  };
}

test('within one run, packets of an admitted flow pass while others in between are refused by the address check or the firewall', async () => {
  const flow = { src: '198.19.0.1', dst: '198.19.0.2', proto: 6, sport: 40000, dport: 80 };
  const inners = [
    packet(flow),
    packet(flow),
    packet({ ...flow, dport: 81 }), // no rule for port 81
    packet({ ...flow, src: '198.19.0.9' }), // not the peer's overlay address
    packet({ ...flow, proto: 17 }), // UDP: the rule admits TCP only
    packet({ ...flow, fragOffset: 10 }), // a later fragment: no rule for fragments
    packet({ ...flow, dst: '198.19.0.3' }), // not our address
    packet(flow),
  ];
  const written: Buffer[] = [];
  const coalescer = new Coalescer({
    write(p: Packet): Promise<void> {
      written.push(Buffer.from(p.buf.subarray(p.off, p.off + p.len)));
      return Promise.resolve();
    },
  }, { tcp: false, udp: false });
  const tunnel = new DataTunnel({
    vpnIp: ip('198.19.0.1'), localIndex: LOCAL_INDEX, remoteIndex: 1, remote: FROM, cipher: 'aes', sendKey: KEY, recvKey: KEY, identity: peer(),
  }, 0);
  const stats = new NodeStats();
  const path = new InboundPath<DataTunnel>({
    stats, hostmap: { byLocalIndex: (i) => (i === LOCAL_INDEX ? tunnel : undefined) },
    firewall: new Firewall({ inbound: [tcp80], outbound: [{ ...tcp80, portStart: PORT_ANY, portEnd: PORT_ANY, proto: 'any' }] }),
    local: LOCAL, coalescer, pinRemote: false,
    handshake: () => assert.fail('no handshakes here'),
    unknownIndex: () => assert.fail('every index is known'),
    recvError: () => assert.fail('no recv_error here'),
    control: () => assert.fail('no control messages here'),
  });
  await path.handle(sealed(inners), 1000);
  tunnel.close();
  assert.equal(stats.delivered, 3);
  assert.equal(stats.drops['outside-firewall'], 5);
  assert.deepEqual(written.map((w) => w.toString('hex')), [inners[0]!, inners[1]!, inners[7]!].map((p) => Buffer.from(p).toString('hex')));
});
