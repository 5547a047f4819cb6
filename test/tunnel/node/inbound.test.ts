// InboundPath on its own (no sockets): which decrypted packets of one run reach
// the coalescer when the address check and the firewall must refuse some of
// them in between packets of an admitted flow; rejects; and lighthouse messages,
// which reach the control plane only once authenticated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Coalescer } from '../../../src/gro/index.js';
import type { Packet } from '../../../src/tun/packet.js';
import { AeadBatch } from '../../../src/tunnel/aead/index.js';
import { Firewall, PORT_ANY, type FirewallRule } from '../../../src/tunnel/firewall/index.js';
import { InboundPath, type DatagramBatch } from '../../../src/tunnel/node/inbound.js';
import { HandOff } from '../../../src/tunnel/node/hand-off.js';
import { NodeStats } from '../../../src/tunnel/node/stats.js';
import { DataTunnel } from '../../../src/tunnel/node/tunnel.js';
import { Endpoint } from '../../../src/udp/index.js';
import { AEAD_TAG_LEN, HEADER_LEN, SUBTYPE_MESSAGE_NONE, TYPE_LIGHTHOUSE, TYPE_MESSAGE, encodeHeader } from '../../../src/tunnel/wire/index.js';
import { LOCAL, ip, packet, peer } from '../firewall/packets.js';
import { SYN, build } from '../../../kit/packet.js';

const KEY = new Uint8Array(32).fill(0x5a);
const FROM = Endpoint.of('198.18.0.1', 4242);
const LOCAL_INDEX = 77;

const tcp80: FirewallRule = { portStart: 80, portEnd: 80, proto: 'tcp', host: 'any', groups: null, cidr: null, caName: null, caSha: null };

/** Our side of the test tunnel: local index LOCAL_INDEX, overlay address 198.19.0.1, its peer at `remote`. */
function ourTunnel(remote: Endpoint = FROM, identity = peer()): DataTunnel {
  return new DataTunnel({ vpnIp: ip('198.19.0.1'), localIndex: LOCAL_INDEX, remoteIndex: 1, remote, cipher: 'aes', sendKey: KEY, recvKey: KEY, identity }, 0);
}

/** The peer's side of the test tunnel, which seals what ourTunnel() opens. */
function peerTunnel(): DataTunnel {
  return new DataTunnel({ vpnIp: ip('198.19.0.2'), localIndex: 1, remoteIndex: LOCAL_INDEX, remote: FROM, cipher: 'aes', sendKey: KEY, recvKey: KEY, identity: peer() }, 0);
}

/** Datagrams sealed with KEY for tunnel LOCAL_INDEX, counters from 3 on, in one buffer. */
function sealed(inners: readonly Uint8Array[]): DatagramBatch {
  const sizes = inners.map((p) => HEADER_LEN + p.length + AEAD_TAG_LEN);
  const buf = Buffer.alloc(sizes.reduce((a, b) => a + b, 0));
  const offsets = new Int32Array(inners.length);
  const lengths = Int32Array.from(sizes);
  const sender = peerTunnel();
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
  const tunnel = ourTunnel();
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
  assert.equal(stats.drops['outside-firewall'], 4);
  assert.equal(stats.drops['outside-remote-ip'], 1, 'the source outside the peer\'s certificate has its own reason');
  assert.deepEqual(written.map((w) => w.toString('hex')), [inners[0]!, inners[1]!, inners[7]!].map((p) => Buffer.from(p).toString('hex')));
});

/** An IPv4 TCP SYN peer:40000 -> us:dport with a valid header checksum (what a kernel sends). */
function syn(dport: number, seq: number): Uint8Array {
  return build({ version: 4, proto: 'tcp', src: '198.19.0.1', dst: '198.19.0.2', sport: 40000, dport, seq, ack: 0, flags: SYN, window: 0, id: 0, df: false, tcpNoChecksum: true });
}

/** How tcp80Path sets its path up. */
interface PathOptions {
  /** firewall.inbound_action (default drop). */
  action?: 'drop' | 'reject';
  /** Each TUN write ('write') and hand-off ('hand-off') is pushed here, in order. */
  events?: string[];
  /** The path's hand-off (default: one that pushes 'hand-off' to events, when events are kept). */
  handOff?: HandOff;
}

/** An InboundPath on one tunnel whose firewall admits TCP 80 only; datagrams it sends are collected. */
function tcp80Path(opts: PathOptions = {}): { path: InboundPath<DataTunnel>; stats: NodeStats; sent: { to: Endpoint; bytes: Buffer }[]; tunnel: DataTunnel } {
  const tunnel = ourTunnel();
  const stats = new NodeStats();
  const sent: { to: Endpoint; bytes: Buffer }[] = [];
  const events = opts.events;
  const coalescer = new Coalescer({
    write(): Promise<void> {
      events?.push('write');
      return Promise.resolve();
    },
  }, { tcp: false, udp: false });
  const path = new InboundPath<DataTunnel>({
    stats, hostmap: { byLocalIndex: (i) => (i === LOCAL_INDEX ? tunnel : undefined) },
    firewall: new Firewall({ inbound: [tcp80], outbound: [], inboundAction: opts.action ?? 'drop' }),
    local: LOCAL, coalescer, pinRemote: false,
    handshake: () => assert.fail('no handshakes here'),
    unknownIndex: () => assert.fail('every index is known'),
    recvError: () => assert.fail('no recv_error here'),
    control: () => assert.fail('no control messages here'),
    send: (to, bytes) => sent.push({ to, bytes }),
    handOff: opts.handOff ?? (events === undefined ? undefined : new HandOff(() => events.push('hand-off'))),
  });
  return { path, stats, sent, tunnel };
}

test('inbound_action reject: a refused SYN is answered with an RST sealed on the tunnel to the peer that sent it', async () => {
  const { path, stats, sent, tunnel } = tcp80Path({ action: 'reject' });
  await path.handle(sealed([syn(22, 1000), syn(80, 5)]), 1000);
  assert.equal(stats.drops['outside-firewall'], 1);
  assert.equal(stats.delivered, 1, 'the admitted SYN still passes');
  assert.equal(sent.length, 1);
  assert.equal(stats.rejectsToPeers, 1);
  const { to, bytes } = sent[0]!;
  assert.ok(to.equals(FROM));
  // The peer opens it with its receive key (KEY here): a data message carrying the RST.
  const peerSide = peerTunnel();
  const aead = new AeadBatch(1).reset(bytes);
  aead.add(0, bytes.length);
  peerSide.open.open(aead);
  peerSide.close();
  tunnel.close();
  assert.equal(bytes[0]! & 0x0f, TYPE_MESSAGE);
  assert.equal(aead.out[0], 40, 'a 40-byte IPv4 RST');
  const rst = bytes.subarray(HEADER_LEN, HEADER_LEN + 40);
  assert.equal(rst.readUInt32BE(12), ip('198.19.0.2'), 'from our address');
  assert.equal(rst.readUInt32BE(16), ip('198.19.0.1'), 'to the sender');
  assert.equal(rst.readUInt16BE(20), 22);
  assert.equal(rst.readUInt16BE(22), 40000);
  assert.equal(rst.readUInt32BE(28), 1001, 'ACK = SEQ + 1');
  assert.equal(rst[33], 0x14, 'RST|ACK');
});

test('inbound_action reject: a flood of refused packets draws at most the burst (50), the rest are counted as limited', async () => {
  const { path, stats, sent, tunnel } = tcp80Path({ action: 'reject' });
  const inners = Array.from({ length: 120 }, (_, i) => syn(1000 + i, i));
  await path.handle(sealed(inners), 5000);
  tunnel.close();
  assert.equal(stats.drops['outside-firewall'], 120);
  assert.equal(sent.length, 50);
  assert.equal(stats.rejectsLimited, 70);
});

test('inbound_action reject: refused packets that must not be answered (truncated, fragments) draw nothing', async () => {
  const { path, stats, sent, tunnel } = tcp80Path({ action: 'reject' });
  const truncated = syn(22, 1).slice(0, 30);
  const frag = packet({ src: '198.19.0.1', dst: '198.19.0.2', proto: 17, fragOffset: 10, payload: 20 });
  await path.handle(sealed([truncated, frag]), 1000);
  tunnel.close();
  assert.equal(stats.drops['outside-firewall'], 2);
  assert.equal(sent.length, 0);
  assert.equal(stats.rejectsLimited, 0);
});

test('inbound_action drop (the default): refused packets are not answered', async () => {
  const { path, stats, sent, tunnel } = tcp80Path({ action: 'drop' });
  await path.handle(sealed([syn(22, 1)]), 1000);
  tunnel.close();
  assert.equal(stats.drops['outside-firewall'], 1);
  assert.equal(sent.length, 0);
});

test('a source outside the overlay passes only inside the peer certificate\'s subnets; others count as outside-remote-ip', async () => {
  const tunnel = ourTunnel(FROM, peer({ subnets: [{ addr: ip('198.18.200.0'), mask: 0xffffff00 }] }));
  const stats = new NodeStats();
  const written: Buffer[] = [];
  const path = new InboundPath<DataTunnel>({
    stats, hostmap: { byLocalIndex: (i) => (i === LOCAL_INDEX ? tunnel : undefined) },
    firewall: new Firewall({ inbound: [tcp80], outbound: [] }),
    local: LOCAL, coalescer: new Coalescer({ write: (p: Packet) => { written.push(Buffer.from(p.buf.subarray(p.off, p.off + p.len))); return Promise.resolve(); } }, { tcp: false, udp: false }),
    pinRemote: false,
    handshake: () => assert.fail('no handshakes here'),
    unknownIndex: () => assert.fail('every index is known'),
    recvError: () => assert.fail('no recv_error here'),
    control: () => assert.fail('no control messages here'),
  });
  const flow = { dst: '198.19.0.2', proto: 6, sport: 40000, dport: 80 };
  const inside = packet({ ...flow, src: '198.18.200.5' });
  await path.handle(sealed([inside, packet({ ...flow, src: '198.18.201.5' }), packet({ ...flow, src: '198.18.199.255' })]), 1000);
  tunnel.close();
  assert.equal(stats.delivered, 1);
  assert.equal(stats.drops['outside-remote-ip'], 2);
  assert.equal(stats.drops['outside-firewall'], 0);
  assert.deepEqual(written.map((w) => w.toString('hex')), [Buffer.from(inside).toString('hex')]);
});

/** A small NebulaMeta (type 2, empty details), as the lighthouse datagrams below carry it. */
const META = Buffer.from('08021200', 'hex');

/** One lighthouse (type 3) datagram sealed with KEY for tunnel LOCAL_INDEX at `counter`. */
function sealedLighthouse(payload: Uint8Array, counter: number): DatagramBatch {
  const len = HEADER_LEN + payload.length + AEAD_TAG_LEN;
  const buf = Buffer.alloc(len);
  const sender = peerTunnel();
  encodeHeader(buf, 0, TYPE_LIGHTHOUSE, 0, LOCAL_INDEX, counter);
  buf.set(payload, HEADER_LEN);
  const batch = new AeadBatch(1).reset(buf);
  batch.add(0, payload.length);
  sender.seal.seal(batch);
  sender.close();
  return { buf, count: 1, offsets: Int32Array.of(0), lengths: Int32Array.of(len), senders: new Int32Array(1), peer: () => FROM, isFrom: (_i, ep) => ep.equals(FROM) };
}

test('a lighthouse message reaches the control plane as its decrypted NebulaMeta only when it authenticates, once', async () => {
  const tunnel = ourTunnel();
  const stats = new NodeStats();
  const got: string[] = [];
  let recvErrors = 0;
  const path = new InboundPath<DataTunnel>({
    stats, hostmap: { byLocalIndex: (i) => (i === LOCAL_INDEX ? tunnel : undefined) },
    firewall: new Firewall({ inbound: [], outbound: [] }),
    local: LOCAL, coalescer: new Coalescer({ write: () => Promise.resolve() }, { tcp: false, udp: false }), pinRemote: false,
    handshake: () => assert.fail('no handshakes here'),
    unknownIndex: () => recvErrors++,
    recvError: () => assert.fail('no recv_error here'),
    control: (_t, type, _sub, buf, off, len) => got.push(`${type}:${buf.toString('hex', off, off + len)}`),
  });
  const good = sealedLighthouse(META, 3);
  const replay = { ...good, buf: Buffer.from(good.buf) };
  const forged = sealedLighthouse(META, 4);
  forged.buf[forged.buf.length - 1] = forged.buf[forged.buf.length - 1]! ^ 1;
  await path.handle(forged, 1000);
  await path.handle(good, 1000);
  await path.handle(replay, 1000);
  tunnel.close();
  assert.deepEqual(got, ['3:08021200']);
  assert.equal(stats.drops['outside-auth'], 1);
  assert.equal(stats.drops['outside-replay'], 1);
  assert.equal(recvErrors, 1, 'the replay is answered with recv_error, as nebula does for every tunnel type');
});

test('data and control datagrams from another address (pinned remote) or too short for a tag are dropped unanswered, counted by reason', async () => {
  const tunnel = ourTunnel();
  const stats = new NodeStats();
  const got: string[] = [];
  const written: number[] = [];
  const path = new InboundPath<DataTunnel>({
    stats, hostmap: { byLocalIndex: (i) => (i === LOCAL_INDEX ? tunnel : undefined) },
    firewall: new Firewall({ inbound: [tcp80], outbound: [] }),
    local: LOCAL, coalescer: new Coalescer({ write: (pk: Packet) => { written.push(pk.len); return Promise.resolve(); } }, { tcp: false, udp: false }),
    pinRemote: true,
    handshake: () => assert.fail('no handshakes here'),
    unknownIndex: () => assert.fail('nothing here is answered'),
    recvError: () => assert.fail('no recv_error here'),
    control: (_t, type) => got.push(String(type)),
  });
  const elsewhere = (b: DatagramBatch): DatagramBatch => ({ ...b, isFrom: () => false });
  const truncated = (b: DatagramBatch): DatagramBatch => ({ ...b, lengths: Int32Array.of(HEADER_LEN + AEAD_TAG_LEN - 1) });
  const flow = { src: '198.19.0.1', dst: '198.19.0.2', proto: 6, sport: 40000, dport: 80 };
  await path.handle(elsewhere(sealedLighthouse(META, 3)), 1000);
  await path.handle(truncated(sealedLighthouse(META, 4)), 1000);
  await path.handle(elsewhere(sealed([packet(flow)])), 1000);
  await path.handle(truncated(sealed([packet(flow)])), 1000);
  assert.deepEqual([got, written], [[], []], 'nothing reached the control plane or the TUN');
  assert.equal(stats.drops['outside-wrong-remote'], 2);
  assert.equal(stats.drops['outside-short'], 2);
  // The same datagrams, whole and from the tunnel's address, pass: the checks refused only the above.
  await path.handle(sealedLighthouse(META, 5), 1000);
  await path.handle(sealed([packet(flow)]), 1000);
  tunnel.close();
  assert.deepEqual([got, written.length], [['3'], 1]);
});

test('roaming: authenticated traffic from an address other than the remote is handed to roam(), traffic from the remote is not', async () => {
  const OLD = Endpoint.of('198.18.0.9', 4242);
  const flow = { src: '198.19.0.1', dst: '198.19.0.2', proto: 6, sport: 40000, dport: 80 };
  for (const remote of [OLD, FROM]) {
    const tunnel = ourTunnel(remote);
    const asked: string[] = [];
    const stats = new NodeStats();
    const path = new InboundPath<DataTunnel>({
      stats, hostmap: { byLocalIndex: (i) => (i === LOCAL_INDEX ? tunnel : undefined) },
      firewall: new Firewall({ inbound: [tcp80], outbound: [] }),
      local: LOCAL, coalescer: new Coalescer({ write: () => Promise.resolve() }, { tcp: false, udp: false }), pinRemote: false,
      handshake: () => assert.fail('no handshakes here'),
      unknownIndex: () => assert.fail('every index is known'),
      recvError: () => assert.fail('no recv_error here'),
      control: () => assert.fail('no control messages here'),
      roam: (t, to) => {
        assert.equal(t, tunnel);
        asked.push(to.key);
      },
    });
    await path.handle(sealed([packet(flow)]), 1000);
    tunnel.close();
    assert.equal(stats.delivered, 1, 'the packet itself is delivered either way');
    assert.deepEqual(asked, remote === OLD ? [FROM.key] : []);
    assert.equal(tunnel.remote.key, remote.key, 'the path itself never moves the tunnel: roam() decides');
  }
});

test('a batch that writes a lone packet to the TUN hands off the CPU after the write; a fuller batch does not', async () => {
  const flow = { src: '198.19.0.1', dst: '198.19.0.2', proto: 6, sport: 40000, dport: 80 };
  const lone: string[] = [];
  const a = tcp80Path({ events: lone });
  await a.path.handle(sealed([packet(flow)]), 1000);
  a.tunnel.close();
  assert.deepEqual(lone, ['write', 'hand-off']);
  const full: string[] = [];
  const b = tcp80Path({ events: full });
  await b.path.handle(sealed(Array.from({ length: 8 }, () => packet(flow))), 1000);
  b.tunnel.close();
  assert.deepEqual(full, Array(8).fill('write'));
});

test('a lone batch whose answer went out with a yield before its writes settled does not yield again', async () => {
  const flow = { src: '198.19.0.1', dst: '198.19.0.2', proto: 6, sport: 40000, dport: 80 };
  const events: string[] = [];
  const handOff = new HandOff(() => events.push('hand-off'));
  const { path, tunnel } = tcp80Path({ events, handOff });
  const handled = path.handle(sealed([packet(flow)]), 1000);
  // What the data plane does between the writes and their settling when the kernel answered at once
  // (an echo reply): the outbound path sends the answer and yields.
  handOff.now();
  await handled;
  tunnel.close();
  assert.deepEqual(events, ['write', 'hand-off'], 'one yield for the turn');
  // With no answer in between, the path yields itself.
  const alone: string[] = [];
  const b = tcp80Path({ events: alone });
  await b.path.handle(sealed([packet(flow)]), 1000);
  b.tunnel.close();
  assert.deepEqual(alone, ['write', 'hand-off']);
});
