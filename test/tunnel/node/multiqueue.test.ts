// Multi-queue tio nodes (routines: 2): each has a 2-queue TUN and two
// SO_REUSEPORT sockets, queue/socket 1 served by a worker thread. Parallel TCP
// transfers arrive intact; a datagram replayed from another source address is
// refused, a fresh one moves the tunnel (roaming across threads: the shared
// highest counter); stop() and a crashing routine leave no fd behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { AeadBatch, BatchAead } from '../../../src/tunnel/aead/index.js';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { UdpSocket, Endpoint } from '../../../src/udp/index.js';
import { AEAD_OVERHEAD, HEADER_LEN, SUBTYPE_MESSAGE_NONE, TYPE_MESSAGE, encodeHeader } from '../../../src/tunnel/wire/index.js';
import { Netns, addAddress, destroyAll, rootSkipReason, vethPair, waitFor } from '../../../kit/netns.js';
import { makePki, nebulaCertSkipReason, type TestPki } from '../../../kit/nebula-pki.js';
import { ALLOW_ALL, ipU32, nodeOptions } from '../../helpers/overlay.js';
import type { NodeOptions } from '../../../src/tunnel/node/options.js';
import type { FirewallRule } from '../../../src/tunnel/firewall/index.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { writeNodeConfig } from '../../../kit/nebula.js';
import { startTio } from '../../../kit/process.js';
import { netnsPair } from '../../../kit/topology.js';
import { build } from '../../../kit/packet.js';
import { installCrashableRoutines } from './crashable-routines.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;
const A_IP = '198.19.0.1';
const B_IP = '198.19.0.2';

interface Pair {
  a: Netns;
  b: Netns;
  na: OverlayNode;
  nb: OverlayNode;
  lines: string[];
  /** b's veth end. */
  bIf: string;
}

type Tweak = (o: NodeOptions, node: 'a' | 'b') => NodeOptions;

function startPair(pki: TestPki, a: Netns, b: Netns, net: string, routines: [number, number], lines: string[], cipher: 'aes' | 'chachapoly' = 'aes',
  tweak: Tweak = (o) => o): [OverlayNode, OverlayNode] {
  const ha = pki.hosts.get('a')!;
  const hb = pki.hosts.get('b')!;
  const na = OverlayNode.start(tweak({ ...nodeOptions(pki, ha, a.name, `${net}.1`, [[hb, `${net}.2`]], { cipher, lines }), routines: routines[0] }, 'a'));
  let nb: OverlayNode;
  try {
    nb = OverlayNode.start(tweak({ ...nodeOptions(pki, hb, b.name, `${net}.2`, [[ha, `${net}.1`]], { cipher, lines }), routines: routines[1] }, 'b'));
  } catch (e) {
    void na.stop();
    throw e;
  }
  return [na, nb];
}

async function pair(net: string, routines: [number, number], fn: (p: Pair) => Promise<void>, cipher: 'aes' | 'chachapoly' = 'aes', tweak?: Tweak): Promise<void> {
  const pki = makePki([['a', `${A_IP}/16`], ['b', `${B_IP}/16`]]);
  const a = Netns.create('mqa');
  const b = Netns.create('mqb');
  const { bIf } = vethPair(a, b, { aAddr: `${net}.1/24`, bAddr: `${net}.2/24`, mtu: 1500 });
  const lines: string[] = [];
  const [na, nb] = startPair(pki, a, b, net, routines, lines, cipher, tweak);
  try {
    await na.ready;
    await nb.ready;
    await fn({ a, b, na, nb, lines, bIf });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- node logs ---\n${lines.join('\n')}`, { cause: e });
  } finally {
    await na.stop();
    await nb.stop();
    a.destroy();
    b.destroy();
    pki.dispose();
  }
}

for (const cipher of ['aes', 'chachapoly'] as const) {
  test(`routines 2: four parallel TCP transfers through the tunnel arrive intact (${cipher})`, { skip, timeout: 180_000 }, async () => {
    await pair('198.18.23', [2, 2], async ({ a, b, na, nb }) => {
      const ports = [5601, 5602, 5603, 5604];
      const results = await Promise.all(ports.map((port) => tcpTransfer(a, b, A_IP, port, 16 * MiB, 150_000)));
      for (const r of results) {
        assert.equal(r.received.bytes, 16 * MiB);
        assert.equal(r.received.sha256, r.sent.sha256);
      }
      // And the other way, while the first tunnel is in use.
      const back = await tcpTransfer(b, a, B_IP, 5605, 8 * MiB, 60_000);
      assert.equal(back.received.sha256, back.sent.sha256);
      const ta = nodeInternals(na).hostmap.get(ipU32(B_IP));
      const tb = nodeInternals(nb).hostmap.get(ipU32(A_IP));
      assert.ok(ta && tb, 'both nodes have the tunnel');
      // Per-tunnel traffic, counted by each thread in cells of its own, sums to at least what crossed
      // (72 MiB of TCP payload one way or the other, inner bytes carry headers besides).
      for (const t of [ta, tb]) {
        const x = t.traffic();
        assert.ok(x.bytesIn + x.bytesOut >= 72 * MiB, `tunnel traffic ${JSON.stringify(x)}`);
        assert.ok(x.packetsIn > 0 && x.packetsOut > 0);
      }
      for (const n of [na, nb]) {
        const s = n.stats;
        assert.equal(s.drops['outside-auth'], 0, 'nothing failed authentication');
        assert.equal(s.drops['outside-wrong-remote'], 0, 'all data came from the tunnel address');
        assert.ok(s.delivered > 0 && s.datagramsOut > 0);
      }
      // Routine 1 carried part of it (flows spread over the TUN queues by hash; a peer's datagrams over the
      // sockets by 4-tuple: all 10 flow directions and both peers landing on main is a 2^-12 chance).
      const routine = [na, nb].map((n) => n.statsByRoutine()[1]!);
      assert.ok(routine.some((s) => s.insidePackets + s.datagramsIn > 0), `routine 1 did some of the work: ${JSON.stringify(routine)}`);
      // status()'s TUN and UDP counters include routine 1's queue and socket: beyond main's own, at least
      // what routine 1's data plane counted (a routine publishes all its counters at once, so they agree;
      // read in this order, every later figure is at least the earlier one).
      for (const n of [na, nb]) {
        const r = n.statsByRoutine()[1]!;
        const mainTun = nodeInternals(n).device.stats().rxPackets;
        const mainUdp = nodeInternals(n).udp.stats().rxDatagrams;
        const { tun, udp, gro } = n.status();
        assert.ok(tun.rxPackets - mainTun >= r.insidePackets, `TUN reads beyond main's ${tun.rxPackets - mainTun} cover routine 1's ${r.insidePackets} packets`);
        assert.ok(udp.rxDatagrams - mainUdp >= r.datagramsIn, `UDP reads beyond main's ${udp.rxDatagrams - mainUdp} cover routine 1's ${r.datagramsIn} datagrams`);
        assert.ok(gro.packetsIn >= r.delivered && gro.packetsIn > 0, `coalescer input ${gro.packetsIn} covers routine 1's ${r.delivered} packets`);
      }
      // The routines had every tunnel before its traffic needed it: no recv_error, no second handshake.
      assert.equal(na.stats.recvErrorsSent + nb.stats.recvErrorsSent, 0, 'no recv_error was sent');
      assert.equal(nodeInternals(na).handshakes.stats.initiated + nodeInternals(nb).handshakes.stats.initiated, 1, 'one handshake');
      // Sent counters were unique across threads: the receiver's windows refused nothing as a replay
      // (a duplicate counter from two threads would land in one window, the peer's address pins one socket).
      assert.equal(na.stats.drops['outside-replay'] + nb.stats.drops['outside-replay'], 0, 'no counter was used twice');
    }, cipher);
  });
}

const ICMP_ONLY: FirewallRule = { ...ALLOW_ALL, proto: 'icmp' };

test('routines 2: inbound rules admitting only ICMP still pass the replies of outbound TCP connections, whichever thread they reach', { skip, timeout: 180_000 }, async () => {
  // a may open connections (outbound any) but admits nothing new inbound except ICMP: every reply must
  // match a flow a admitted on the way out, possibly in another thread (flows are broadcast between threads).
  const tweak: Tweak = (o, node) => (node === 'a' ? { ...o, firewall: { inbound: [ICMP_ONLY], outbound: [ALLOW_ALL] } } : o);
  await pair('198.18.29', [2, 2], async ({ a, b, na }) => {
    const ports = [5611, 5612, 5613, 5614, 5615, 5616, 5617, 5618];
    const results = await Promise.all(ports.map((port) => tcpTransfer(b, a, B_IP, port, 2 * MiB, 150_000)));
    for (const r of results) assert.equal(r.received.sha256, r.sent.sha256);
    assert.equal(na.stats.drops['outside-firewall'], 0, 'no reply was refused, not even the first of a flow');
    // The rules do bite: b cannot open a connection to a.
    const refused = await a.execAsync('true', []).then(() => b.execAsync('timeout', ['2', 'bash', '-c', `exec 3<>/dev/tcp/${A_IP}/5619`]).then(() => false, () => true));
    assert.ok(refused, 'b could not connect to a');
    assert.ok(na.stats.drops['outside-firewall'] > 0, 'a dropped the SYN from b');
  }, 'aes', tweak);
});

test('routines 2: liveness sees traffic of every thread: one-way traffic keeps the tunnel, test requests are answered', { skip, timeout: 60_000 }, async () => {
  const tweak: Tweak = (o) => ({ ...o, timers: { aliveMs: 300, pendingDeletionMs: 1000 } });
  await pair('198.18.30', [2, 2], async ({ a, b, na, nb }) => {
    // A sink on a, so nothing (not even ICMP port unreachable) comes back to b.
    const sink = a.spawn(process.execPath, ['-e', `require('dgram').createSocket('udp4').bind(9999, '${A_IP}', () => console.log('bound'))`], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((r) => sink.stdout!.once('data', () => r()));
    await b.execAsync('ping', ['-c', '1', '-W', '5', A_IP], { timeoutMs: 10_000 });
    const t = nodeInternals(nb).hostmap.get(ipU32(A_IP));
    assert.ok(t);
    // 3 s of datagrams b -> a only: b's liveness asks a with test requests; a's answers (from whichever
    // thread b's address lands on) reach b on whichever thread, and b's main sees them in the shared stamps.
    await b.execAsync('bash', ['-c', `for i in $(seq 30); do echo x > /dev/udp/${A_IP}/9999; sleep 0.1; done`], { timeoutMs: 20_000 });
    assert.equal(nodeInternals(nb).hostmap.get(ipU32(A_IP)), t, 'b kept the tunnel (pending_deletion is 1 s)');
    assert.ok(na.stats.testReplies >= 2, `a answered test requests (${na.stats.testReplies})`);
    sink.kill();
  }, 'aes', tweak);
});

// An IPv4/UDP packet B_IP:5555 -> A_IP:port with valid checksums.
function innerUdp(port: number, payload: string): Buffer {
  return build({ version: 4, proto: 'udp', src: B_IP, dst: A_IP, sport: 5555, dport: port, payload: Buffer.from(payload), id: 0, df: false });
}

// A data message on `remoteIndex` sealed with `key` at `counter`: what the peer would send.
function dataMessage(key: Uint8Array, cipher: 'aes', remoteIndex: number, counter: number, inner: Buffer): Buffer {
  const buf = Buffer.alloc(inner.length + AEAD_OVERHEAD);
  encodeHeader(buf, 0, TYPE_MESSAGE, SUBTYPE_MESSAGE_NONE, remoteIndex, counter);
  inner.copy(buf, HEADER_LEN);
  const aead = new BatchAead(cipher, key, 'seal');
  const batch = new AeadBatch(1).reset(buf);
  batch.add(0, inner.length);
  aead.seal(batch);
  aead.close();
  return buf;
}

/** 16 sockets on each of b's extra address and b's own address (other ports): SO_REUSEPORT spreads them over both of a's sockets. */
function otherSockets(b: Netns): UdpSocket[] {
  const socks: UdpSocket[] = [];
  try {
    for (const host of ['198.18.24.3', '198.18.24.2']) {
      for (let i = 0; i < 16; i++) socks.push(UdpSocket.open({ host, netns: b.name }));
    }
  } catch (e) {
    for (const s of socks) s.close();
    throw e;
  }
  return socks;
}

test('routines 2: a replayed datagram from another source address is refused on every thread and moves nothing; from the tunnel address the window decides', { skip, timeout: 60_000 }, async () => {
  await pair('198.18.24', [2, 2], async ({ b, na, bIf }) => {
    addAddress(b, bIf, '198.18.24.3/24');
    await b.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', A_IP], { timeoutMs: 20_000 });
    const t = nodeInternals(na).hostmap.get(ipU32(B_IP));
    assert.ok(t && t.keys, 'a has the tunnel, with its keys kept for the routine');
    const remoteBefore = t.remote.key;
    assert.equal(remoteBefore, '198.18.24.2:4242');
    const to = Endpoint.of('198.18.24.1', 4242);
    const drops = () => na.stats.drops;
    // Counter 3 was b's first data message (its first ping): accepted once already, by the thread b's address hashes to.
    const replay = dataMessage(t.keys.recv, 'aes', t.localIndex, 3, innerUdp(9, 'replay'));
    // Well above b's counters so far, and close enough that counter 3 stays inside the 1024-wide window.
    const fresh = dataMessage(t.keys.recv, 'aes', t.localIndex, 500, innerUdp(9, 'fresh'));
    const delivered0 = na.stats.delivered;
    const wrong0 = drops()['outside-wrong-remote'];
    const socks = otherSockets(b);
    try {
      for (const s of socks) await s.sendTo(to, replay);
    } finally {
      for (const s of socks) s.close();
    }
    await waitFor(() => drops()['outside-wrong-remote'] - wrong0 === socks.length, 10_000, `${socks.length} replays refused as from the wrong address`);
    assert.equal(na.stats.delivered, delivered0, 'nothing replayed was delivered');
    assert.equal(t.remote.key, remoteBefore, 'a replay moves nothing');
    // The same from the tunnel's own address (a socket joining b's SO_REUSEPORT group): a fresh
    // datagram is delivered, the replay is refused as a duplicate by the window of the thread that
    // saw counter 3. (That refusal earns b a recv_error, and b re-handshakes: so the replay goes last.)
    const replay0 = drops()['outside-replay'];
    const own = UdpSocket.open({ host: '198.18.24.2', port: 4242, reusePort: true, netns: b.name });
    try {
      await own.sendTo(to, fresh);
      await waitFor(() => na.stats.delivered === delivered0 + 1, 10_000, 'fresh datagram delivered');
      await own.sendTo(to, replay);
      await waitFor(() => drops()['outside-replay'] === replay0 + 1, 10_000, 'replay refused by the window');
    } finally {
      own.close();
    }
    assert.equal(drops()['outside-wrong-remote'] - wrong0, socks.length);
  });
});

test('routines 2: a fresh datagram from a new address is delivered once, whichever thread gets it, and every thread then sends there', { skip, timeout: 60_000 }, async () => {
  await pair('198.18.25', [2, 2], async ({ b, na, bIf, lines }) => {
    addAddress(b, bIf, '198.18.25.3/24');
    await b.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', A_IP], { timeoutMs: 20_000 });
    const t = nodeInternals(na).hostmap.get(ipU32(B_IP));
    assert.ok(t && t.keys);
    const to = Endpoint.of('198.18.25.1', 4242);
    const fresh = dataMessage(t.keys.recv, 'aes', t.localIndex, 500, innerUdp(9, 'fresh'));
    const delivered0 = na.stats.delivered;
    const refused0 = na.stats.drops['outside-wrong-remote'] + na.stats.drops['outside-replay'];
    const socks: UdpSocket[] = [];
    const froms: Endpoint[] = [];
    try {
      for (const host of ['198.18.25.3', '198.18.25.2']) {
        for (let i = 0; i < 16; i++) {
          const s = UdpSocket.open({ host, netns: b.name });
          socks.push(s);
          froms.push(Endpoint.of(host, s.port));
        }
      }
      // The same genuine datagram from 32 addresses at once, spread over both of a's threads.
      await Promise.all(socks.map((s) => s.sendTo(to, fresh)));
      const refused = (): number => na.stats.drops['outside-wrong-remote'] + na.stats.drops['outside-replay'] - refused0;
      await waitFor(() => na.stats.delivered - delivered0 + refused() === socks.length, 10_000, 'every copy delivered or refused');
      assert.equal(na.stats.delivered - delivered0, 1, 'delivered exactly once');
      await waitFor(() => froms.some((f) => t.remote.equals(f)), 10_000, 'the tunnel moved to the sender of the copy delivered');
      assert.ok(lines.some((l) => l.includes('Host roamed to new udp ip/port.')), 'the move is logged');
      const mover = socks[froms.findIndex((f) => t.remote.equals(f))]!;
      // TCP SYNs to a closed port of a, one per source port: a answers each with a RST, read from
      // whichever of its TUN queues the flow hashes to; every answer must reach the new address.
      const got: number[] = [];
      const reading = (async () => {
        for await (const batch of mover) {
          got.push(batch.count);
          if (got.reduce((x, y) => x + y, 0) >= 16) return;
        }
      })();
      for (let k = 0; k < 16; k++) {
        const syn = build({ version: 4, proto: 'tcp', src: B_IP, dst: A_IP, sport: 41000 + k, dport: 9, seq: 1, ack: 0, flags: 0x02, window: 1000, id: 0, df: false });
        await mover.sendTo(to, dataMessage(t.keys.recv, 'aes', t.localIndex, 501 + k, syn));
      }
      await waitFor(() => got.reduce((x, y) => x + y, 0) >= 16, 10_000, 'a RST for every SYN at the new address');
      await reading;
    } finally {
      for (const s of socks) s.close();
    }
  });
});

function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

test('routines 2: stop() and a crashing routine leave the process fd count unchanged', { skip, timeout: 90_000 }, async () => {
  const pki = makePki([['a', `${A_IP}/16`], ['b', `${B_IP}/16`]]);
  const { a, b } = netnsPair('mqf', 25);
  const lines: string[] = [];
  const routines = installCrashableRoutines();
  try {
    const cycle = async (crash: boolean): Promise<void> => {
      const [na, nb] = startPair(pki, a, b, '198.18.25', [2, 2], lines);
      try {
        await na.ready;
        await nb.ready;
        assert.ok(na.connect(ipU32(B_IP)));
        await waitFor(() => nodeInternals(na).hostmap.size === 1 && nodeInternals(nb).hostmap.size === 1, 10_000, 'tunnel up');
        if (crash) {
          routines.crash(ipU32(A_IP), 1);
          let timer: NodeJS.Timeout | undefined;
          const stopped = await Promise.race([na.stopped.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000)))]);
          clearTimeout(timer);
          assert.ok(stopped, 'the node stopped after the crash');
          assert.match(na.failure ?? '', /Routine failed.*crash requested/s, 'failure says why');
          assert.ok(lines.some((l) => l.includes('Routine failed') && l.includes('crash requested')), 'the crash was logged');
          assert.equal(nb.failure, null);
          // b learnt of it: a sent close_tunnel on its way down.
          await waitFor(() => nodeInternals(nb).hostmap.size === 0, 10_000, 'b saw close_tunnel');
        }
      } finally {
        await na.stop();
        await nb.stop();
      }
    };
    // Warm-up: the first cycle may allocate process-wide fds once (libuv, the addon).
    await cycle(false);
    const before = fdCount();
    await cycle(false);
    assert.equal(fdCount(), before, 'stop() closed every fd');
    await cycle(true);
    assert.equal(fdCount(), before, 'a routine crash and the stop it caused closed every fd');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- node logs ---\n${lines.join('\n')}`, { cause: e });
  } finally {
    routines.uninstall();
    a.destroy();
    b.destroy();
    pki.dispose();
  }
});


test('tio up with `routines: 2`: two processes carry parallel TCP; SIGTERM stops the routines and exits 0', { skip, timeout: 120_000 }, async () => {
  const pki = makePki([['a', `${A_IP}/16`], ['b', `${B_IP}/16`]]);
  const { a, b } = netnsPair('mqup', 39);
  const ha = pki.hosts.get('a')!;
  const hb = pki.hosts.get('b')!;
  const ca = writeNodeConfig(pki, ha, '198.18.39.1', [[hb, '198.18.39.2']], { dev: 'tioa', extra: 'routines: 2\n' }, 'mq');
  const cb = writeNodeConfig(pki, hb, '198.18.39.2', [[ha, '198.18.39.1']], { dev: 'tiob', extra: 'routines: 2\n' }, 'mq');
  const ta = startTio(a, ca);
  const tb = startTio(b, cb);
  const [pa, pb] = [ta.child, tb.child];
  const [la, lb] = [ta.log, tb.log];
  try {
    await waitFor(() => [la, lb].every((l) => l.some((x) => x.includes('interface is active') && x.includes('routines=2'))), 15_000, 'both nodes up with 2 routines');
    const runs = await Promise.all([5621, 5622, 5623].map((port) => tcpTransfer(a, b, A_IP, port, 4 * MiB, 60_000)));
    for (const r of runs) assert.equal(r.received.sha256, r.sent.sha256);
    const exits = [pa, pb].map((p) => new Promise<number | null>((res) => p.once('exit', (code) => res(code))));
    pa.kill('SIGTERM');
    assert.equal(await exits[0], 0, 'a exits 0');
    await waitFor(() => lb.some((l) => l.includes('Close tunnel received')), 5000, 'b saw close_tunnel');
    pb.kill('SIGTERM');
    assert.equal(await exits[1], 0, 'b exits 0');
    assert.ok(![...la, ...lb].some((l) => /level=error/.test(l)), 'no error logged');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- a ---\n${la.join('\n')}\n--- b ---\n${lb.join('\n')}`, { cause: e });
  } finally {
    pa.kill('SIGKILL');
    pb.kill('SIGKILL');
    a.destroy();
    b.destroy();
    pki.dispose();
  }
});
