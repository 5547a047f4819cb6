// OutboundPath on its own (a recording socket): the order datagrams leave in,
// seen through their plaintext headers' counters and the send batch's layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Packet } from '../../../src/tun/packet.js';
import { Firewall, PORT_ANY } from '../../../src/tunnel/firewall/index.js';
import { OutboundPath } from '../../../src/tunnel/node/outbound.js';
import { NodeStats } from '../../../src/tunnel/node/stats.js';
import { DataTunnel } from '../../../src/tunnel/node/tunnel.js';
import { Endpoint, type SendBatch, type UdpSocket } from '../../../src/udp/index.js';
import { AEAD_TAG_LEN, COUNTER_FIRST_DATA, HEADER_LEN, decodeHeader, newHeader } from '../../../src/tunnel/wire/index.js';
import { ip, peer } from '../firewall/packets.js';
import { PSH, ACK, build, icmpEchoV4 } from '../../../kit/packet.js';
import { buildSuperpacket, patternPayload } from '../../../kit/superpacket.js';

const KEY = new Uint8Array(32).fill(0x5a);
const TO = Endpoint.of('198.18.1.2', 4242);
// kit/superpacket.ts builds 198.18.0.1 -> 198.18.7.2: our side and the peer's overlay address here.
const OURS = '198.18.0.1';
const THEIRS = '198.18.7.2';
const SEGMENTS = 4;
const GSO_SIZE = 1200;

/** One datagram as the socket was handed it: its counter and, for a GSO run, how many segments. */
interface Sent {
  counter: number;
  datagrams: number;
  bytes: number;
}

/** An outbound path on one tunnel whose firewall lets everything out; what it sends is recorded in order. */
function recordingPath(): { path: OutboundPath; sent: Sent[]; stats: NodeStats; tunnel: DataTunnel; loneSends: number[] } {
  const tunnel = new DataTunnel({
    vpnIp: ip(THEIRS), localIndex: 5, remoteIndex: 9, remote: TO, cipher: 'aes', sendKey: KEY, recvKey: KEY,
    identity: peer({ ips: [ip(THEIRS)] }),
  }, 0);
  const sent: Sent[] = [];
  const hdr = newHeader();
  const udp = {
    isClosed: false,
    sendBatch(buf: Buffer, b: SendBatch): Promise<number> {
      // SEND_META per message: off, len, segSize (0 = one datagram), address slot.
      for (let m = 0; m < b.count; m++) {
        const off = b.meta[m * 4]!;
        const len = b.meta[m * 4 + 1]!;
        const seg = b.meta[m * 4 + 2]!;
        assert.ok(decodeHeader(buf, off, len, hdr));
        sent.push({ counter: Number(hdr.counter), datagrams: seg === 0 ? 1 : Math.ceil(len / seg), bytes: len });
      }
      return Promise.resolve(b.count);
    },
  } as unknown as UdpSocket;
  const stats = new NodeStats();
  const any = { portStart: PORT_ANY, portEnd: PORT_ANY, proto: 'any', host: 'any', groups: null, cidr: null, caName: null, caSha: null } as const;
  // loneSends[k]: how many datagrams had been sent when the k-th afterLoneSend came.
  const loneSends: number[] = [];
  const path = new OutboundPath({
    stats, firewall: new Firewall({ inbound: [], outbound: [any] }), local: { ips: [ip(OURS)], subnets: [] }, udp,
    route: () => tunnel,
    afterLoneSend: () => loneSends.push(sent.length),
  });
  return { path, sent, stats, tunnel, loneSends };
}

const stream = (): Packet => buildSuperpacket({ version: 4, proto: 'tcp', payload: patternPayload(SEGMENTS * GSO_SIZE), gsoSize: GSO_SIZE }).packet;
const ping = (): Packet => new Packet(icmpEchoV4(OURS, THEIRS, 3, 1));

test('a ping read after a stream\'s superpacket is sealed and sent first', async () => {
  const { path, sent, stats, tunnel } = recordingPath();
  await path.handle([stream(), ping()], 1000);
  path.close();
  tunnel.close();
  assert.equal(stats.datagramsOut, SEGMENTS + 1);
  const echoBytes = HEADER_LEN + icmpEchoV4(OURS, THEIRS, 3, 1).length + AEAD_TAG_LEN;
  assert.deepEqual(sent.map((s) => [s.counter, s.datagrams]), [[COUNTER_FIRST_DATA, 1], [COUNTER_FIRST_DATA + 1, SEGMENTS]]);
  assert.equal(sent[0]!.bytes, echoBytes);
});

test('a small packet of the stream\'s own flow stays behind its superpacket', async () => {
  const { path, sent, tunnel } = recordingPath();
  // The same flow as the superpacket (addresses and ports), carrying the data after it.
  const tail = build({ version: 4, src: OURS, dst: THEIRS, sport: 40000, dport: 443, payload: 100, flags: PSH | ACK, seq: (0x89abcdef + SEGMENTS * GSO_SIZE) >>> 0 });
  const superpacket = stream();
  const ports = superpacket.buf.subarray(superpacket.off + 20, superpacket.off + 24);
  tail.set(ports, 20);
  await path.handle([superpacket, new Packet(tail), ping()], 1000);
  path.close();
  tunnel.close();
  // The ping first; then the superpacket's segments and the tail in their order (the tail may
  // end the GSO run as its short last segment).
  assert.equal(sent[0]!.counter, COUNTER_FIRST_DATA);
  assert.equal(sent[0]!.bytes, HEADER_LEN + ping().len + AEAD_TAG_LEN);
  const rest = sent.slice(1);
  assert.deepEqual(rest.map((s) => s.counter), rest.map((_, i) => COUNTER_FIRST_DATA + 1 + rest.slice(0, i).reduce((n, s) => n + s.datagrams, 0)));
  assert.equal(rest.reduce((n, s) => n + s.datagrams, 0), SEGMENTS + 1);
});

test('without bulk in the batch, datagrams leave in arrival order', async () => {
  const { path, sent, tunnel } = recordingPath();
  // Sizes grow along the batch, so each datagram is a send of its own.
  const udp = (payload: number): Packet => new Packet(build({ version: 4, proto: 'udp', src: OURS, dst: THEIRS, payload }));
  const batch = [udp(10), ping(), udp(300)];
  await path.handle(batch, 1000);
  path.close();
  tunnel.close();
  assert.deepEqual(sent.map((s) => [s.counter, s.bytes]), batch.map((p, i) => [COUNTER_FIRST_DATA + i, HEADER_LEN + p.len + AEAD_TAG_LEN]));
});

test('a lone packet after a quiet spell calls afterLoneSend right after its send; a stream\'s batch or a packet close behind another does not', async () => {
  const { path, sent, tunnel, loneSends } = recordingPath();
  await path.handle([ping()], 1000);
  assert.deepEqual(loneSends, [1], 'once, after the datagram was handed to the socket');
  await path.handle([stream(), ping()], 1010);
  assert.deepEqual(loneSends, [1], 'five datagrams in one flush are not lone traffic');
  await path.handle([ping()], 1010.2);
  assert.deepEqual(loneSends, [1], 'a packet 0.2 ms behind a batch belongs to busy traffic');
  await path.handle([ping()], 1020);
  path.close();
  tunnel.close();
  assert.equal(sent.length, 5);
  assert.deepEqual(loneSends, [1, 5]);
});
