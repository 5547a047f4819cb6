/**
 * Worker thread entry of a multi-queue node: routine i runs the data path of
 * TUN queue i and its own SO_REUSEPORT UDP socket (OutboundPath + InboundPath
 * with its own Coalescer and Firewall), on tunnels main replicates to it.
 * Everything stateful beyond that stays in main (routines.ts, node.ts):
 * handshakes, the authoritative hostmap, timers. Test requests are answered
 * here (keys and the shared counter are at hand); close_tunnel, recv_error,
 * handshake datagrams and packets for peers without a tunnel go to main.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AeadBatch } from '../aead/index.js';
import { ClosedError } from '../../errors.js';
import { Coalescer } from '../../gro/index.js';
import { Segmenter } from '../../gso/index.js';
import { Queue, type Packet } from '../../tun/index.js';
import { Firewall } from '../firewall/index.js';
import { LOG_LEVELS, type LogFields, type LogLevel } from '../log/logger.js';
import { Endpoint, UdpSocket } from '../../udp/index.js';
import {
  SUBTYPE_TEST_REPLY, SUBTYPE_TEST_REQUEST, TYPE_CLOSE_TUNNEL, TYPE_TEST,
  recvErrorPacket, shouldSendRecvError,
} from '../wire/index.js';
import { clock } from './clock.js';
import { sealControl } from './control.js';
import { FlowShare } from './flow-share.js';
import { Hostmap } from './hostmap.js';
import { InboundPath, type DatagramBatch } from './inbound.js';
import { OutboundPath, SHARED_SEAL_AHEAD } from './outbound.js';
import type { EndpointData, FromRoutine, RoutineInit, ToRoutine } from './routine-protocol.js';
import { NodeStats } from './stats.js';
import { DataTunnel, TunnelSlots } from './tunnel.js';

const port = parentPort!;
const init = workerData as RoutineInit;
// Own the queue's fds first thing: from here on they close with this thread, however it ends.
const queue = Queue.attach(init.queue);
Atomics.store(new Int32Array(init.attached), 0, 1);

/**
 * How long a data datagram for an unknown index waits for its tunnel: main
 * replicates a tunnel just after making it, and the peer's first datagrams can
 * beat that message here (they then would earn a recv_error and a needless
 * re-handshake). After this, the datagram is answered with recv_error.
 */
const PARK_MS = 200;
/** Most datagrams (and bytes) waiting at once; beyond, unknown indexes are answered at once. */
const PARK_MAX = 256;
const PARK_MAX_BYTES = 1 << 20;

const RESOLVED: Promise<void> = Promise.resolve();

interface Parked {
  remoteIndex: number;
  from: Endpoint;
  bytes: Uint8Array;
  at: number;
}

/** Parked datagrams as a batch for InboundPath, copied into one buffer. */
class ParkedBatch implements DatagramBatch {
  readonly buf: Buffer;
  readonly count: number;
  readonly offsets: Int32Array;
  readonly lengths: Int32Array;
  readonly senders: Int32Array;
  private readonly from: Endpoint[];

  constructor(list: readonly Parked[]) {
    this.count = list.length;
    this.buf = Buffer.alloc(list.reduce((n, p) => n + p.bytes.length, 0));
    this.offsets = new Int32Array(list.length);
    this.lengths = new Int32Array(list.length);
    this.senders = new Int32Array(list.length);
    this.from = list.map((p) => p.from);
    let at = 0;
    list.forEach((p, i) => {
      this.buf.set(p.bytes, at);
      this.offsets[i] = at;
      this.lengths[i] = p.bytes.length;
      this.senders[i] = i;
      at += p.bytes.length;
    });
  }

  peer(i: number): Endpoint {
    return this.from[i]!;
  }

  isFrom(i: number, ep: Endpoint): boolean {
    return this.from[i]!.equals(ep);
  }
}

function post(m: FromRoutine): void {
  port.postMessage(m);
}

function endpointData(e: Endpoint): EndpointData {
  return { ip: e.ip, port: e.port, scopeId: e.scopeId };
}

/** An exact copy in its own ArrayBuffer (a view would structured-clone its whole backing buffer). */
function copyBytes(buf: Uint8Array, off: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(buf.subarray(off, off + len));
  return out;
}

class Routine {
  private readonly stats = new NodeStats();
  private readonly sharedStats: Float64Array;
  private readonly hostmap = new Hostmap<DataTunnel>();
  private readonly slots: TunnelSlots;
  private readonly firewall: Firewall;
  private readonly flows: FlowShare;
  private readonly outbound: OutboundPath;
  private readonly inbound: InboundPath<DataTunnel>;
  private readonly controlAead = new AeadBatch(1);
  private readonly segmenter = new Segmenter();
  private readonly mask: number;
  private readonly network: number;
  private readonly maxLevel: number;
  // Packets handed to main per peer since the last timer tick (bounded by triggerBuffer).
  private readonly triggered = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private parked: Parked[] = [];
  private parkedBytes = 0;
  private parkTimer: NodeJS.Timeout | null = null;
  // InboundPath is not re-entrant: socket batches and re-processed parked datagrams take turns.
  private inboundTail: Promise<void> = RESOLVED;

  constructor(private readonly udp: UdpSocket) {
    this.sharedStats = new Float64Array(init.stats);
    this.slots = new TunnelSlots(init.slots);
    this.mask = init.prefix === 0 ? 0 : (0xffffffff << (32 - init.prefix)) >>> 0;
    this.network = (init.vpnIp & this.mask) >>> 0;
    this.maxLevel = LOG_LEVELS.indexOf(init.logLevel);
    this.firewall = new Firewall(init.firewall);
    this.flows = new FlowShare(init.flowPorts, this.firewall, init.firewall, clock);
    const coalescer = new Coalescer(queue, init.coalesce);
    this.outbound = new OutboundPath({
      stats: this.stats, firewall: this.firewall, local: init.local, udp, tun: queue,
      route: (dst, p) => this.route(dst, p),
      beforeSend: () => this.flows.flush(),
      refreshFlows: () => this.flows.refresh(),
      sealAhead: SHARED_SEAL_AHEAD,
    });
    this.inbound = new InboundPath<DataTunnel>({
      stats: this.stats, hostmap: this.hostmap, firewall: this.firewall, local: init.local, coalescer, pinRemote: true,
      beforeDeliver: () => this.flows.flush(),
      refreshFlows: () => this.flows.refresh(),
      handshake: (counter, remoteIndex, buf, off, len, from) => {
        post({ t: 'handshake', counter, remoteIndex, bytes: copyBytes(buf, off, len), from: endpointData(from) });
      },
      unknownIndex: (ri, from) => this.sendRecvError(ri, from),
      unknownTunnel: (ri, from, buf, off, len) => this.park(ri, from, buf, off, len),
      recvError: (remoteIndex, from) => post({ t: 'recvError', remoteIndex, from: endpointData(from) }),
      proven: (t) => post({ t: 'proven', localIndex: t.localIndex }),
      control: (t, type, subtype) => this.onControl(t, type, subtype),
      send: (to, bytes) => this.send(to, bytes),
    });
  }

  onMessage(m: ToRoutine): void {
    switch (m.t) {
      case 'go':
        this.run();
        break;
      case 'add':
        this.addTunnel(m);
        break;
      case 'promote': {
        const t = this.hostmap.byLocalIndex(m.localIndex);
        if (t !== undefined) this.hostmap.promote(t);
        break;
      }
      case 'del': {
        const t = this.hostmap.byLocalIndex(m.localIndex);
        if (t !== undefined && t.slot === m.slot) this.hostmap.remove(t);
        post({ t: 'released', slot: m.slot });
        break;
      }
      case 'stop':
        this.stop();
        break;
      case 'crash':
        setImmediate(() => {
          throw new Error(`routine ${init.index}: crash requested (test hook)`);
        });
        break;
    }
  }

  /** Closes the socket and the queue (the loops end), frees the keys and lets the thread exit. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.parkTimer) clearTimeout(this.parkTimer);
    this.parkTimer = null;
    this.parked = [];
    this.parkedBytes = 0;
    this.flows.close();
    this.udp.close();
    queue.close();
    for (const t of [...this.hostmap.all()]) this.hostmap.remove(t);
    this.stats.writeTo(this.sharedStats);
    port.close();
  }

  private log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (LOG_LEVELS.indexOf(level) <= this.maxLevel) post({ t: 'log', level, msg, fields });
  }

  private run(): void {
    void this.loop('inside', async () => {
      for await (const batch of queue) {
        await this.outbound.handle(batch, clock());
        this.stats.writeTo(this.sharedStats);
      }
    });
    void this.loop('outside', async () => {
      for await (const b of this.udp) await this.inboundTurn(b);
    });
    this.timer = setInterval(() => {
      this.firewall.sweep(clock());
      this.triggered.clear();
      this.stats.writeTo(this.sharedStats);
    }, 1000);
    this.timer.unref();
  }

  // A loop ends when its queue or socket closes; any other error stops the routine and, through main, the node.
  private async loop(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      if (e instanceof ClosedError || this.stopped) return;
      post({ t: 'fatal', error: `routine ${init.index} ${name} loop failed: ${(e as Error).stack ?? String(e)}` });
      this.stop();
    }
  }

  private inboundTurn(b: DatagramBatch): Promise<void> {
    const turn = this.inboundTail.then(async () => {
      await this.inbound.handle(b, clock());
      this.stats.writeTo(this.sharedStats);
    });
    this.inboundTail = turn.catch(() => undefined);
    return turn;
  }

  private park(remoteIndex: number, from: Endpoint, buf: Buffer, off: number, len: number): void {
    if (this.parked.length >= PARK_MAX || this.parkedBytes + len > PARK_MAX_BYTES) {
      this.stats.drops['outside-unknown-index']++;
      this.sendRecvError(remoteIndex, from);
      return;
    }
    this.parked.push({ remoteIndex, from, bytes: copyBytes(buf, off, len), at: clock() });
    this.parkedBytes += len;
    this.parkTimer ??= setTimeout(() => this.expireParked(), PARK_MS);
  }

  // Datagrams whose tunnel did not come in time: unknown after all (one recv_error per index and sender).
  private expireParked(): void {
    this.parkTimer = null;
    const now = clock();
    const keep: Parked[] = [];
    const answered = new Set<string>();
    for (const p of this.parked) {
      if (now - p.at < PARK_MS) {
        keep.push(p);
        continue;
      }
      this.stats.drops['outside-unknown-index']++;
      this.parkedBytes -= p.bytes.length;
      const key = `${p.remoteIndex}/${p.from.key}`;
      if (answered.has(key)) continue;
      answered.add(key);
      this.sendRecvError(p.remoteIndex, p.from);
    }
    this.parked = keep;
    this.stats.writeTo(this.sharedStats);
    if (keep.length > 0) this.parkTimer = setTimeout(() => this.expireParked(), Math.max(1, PARK_MS - (now - keep[0]!.at)));
  }

  // Parked datagrams for a tunnel that just arrived go through the inbound path now.
  private unpark(localIndex: number): void {
    const mine = this.parked.filter((p) => p.remoteIndex === localIndex);
    if (mine.length === 0) return;
    this.parked = this.parked.filter((p) => p.remoteIndex !== localIndex);
    for (const p of mine) this.parkedBytes -= p.bytes.length;
    // They were counted when they first arrived.
    this.stats.datagramsIn -= mine.length;
    this.inboundTurn(new ParkedBatch(mine)).catch((e: unknown) => {
      if (e instanceof ClosedError || this.stopped) return;
      post({ t: 'fatal', error: `routine ${init.index}: processing held datagrams failed: ${(e as Error).stack ?? String(e)}` });
      this.stop();
    });
  }

  private addTunnel(m: Extract<ToRoutine, { t: 'add' }>): void {
    const t = new DataTunnel({
      vpnIp: m.vpnIp, localIndex: m.localIndex, remoteIndex: m.remoteIndex,
      remote: Endpoint.of(m.remote.ip, m.remote.port, m.remote.scopeId), cipher: init.cipher,
      sendKey: m.sendKey, recvKey: m.recvKey, identity: m.identity,
    }, clock());
    m.sendKey.fill(0);
    m.recvKey.fill(0);
    t.bindSlot(this.slots, m.slot, false);
    t.awaitingProof = m.awaitingProof;
    if (m.candidate) this.hostmap.addCandidate(t);
    else {
      this.hostmap.add(t);
      this.triggered.delete(m.vpnIp);
    }
    this.unpark(t.localIndex);
  }

  private route(dst: number, p: Packet): DataTunnel | null | false {
    if (((dst & this.mask) >>> 0) !== this.network || dst === init.vpnIp) {
      this.stats.drops['inside-no-route']++;
      return false;
    }
    const t = this.hostmap.get(dst);
    if (t !== undefined) return t;
    // No tunnel here (yet): main holds the packets for the handshake, or sends them if the tunnel is on its way to us.
    const sent = this.triggered.get(dst) ?? 0;
    if (sent >= init.triggerBuffer) return null;
    const packets: Uint8Array[] = [];
    if (p.gso === null) packets.push(copyBytes(p.buf, p.off, p.len));
    else this.segmenter.segment(p, (buf, off, len) => packets.push(copyBytes(buf, off, len)));
    this.triggered.set(dst, sent + packets.length);
    post({ t: 'trigger', vpnIp: dst, packets });
    return null;
  }

  private onControl(t: DataTunnel, type: number, subtype: number): void {
    if (type === TYPE_TEST) {
      if (subtype === SUBTYPE_TEST_REQUEST) {
        this.stats.testReplies++;
        this.sendControl(t, TYPE_TEST, SUBTYPE_TEST_REPLY);
      }
      return;
    }
    if (type === TYPE_CLOSE_TUNNEL) post({ t: 'close', localIndex: t.localIndex });
  }

  private sendControl(t: DataTunnel, type: number, subtype: number): void {
    if (t.isClosed || this.udp.isClosed) return;
    this.send(t.remote, sealControl(t, this.controlAead, type, subtype));
  }

  private sendRecvError(remoteIndex: number, from: Endpoint): void {
    if (!shouldSendRecvError(init.sendRecvError, from.ip)) return;
    this.stats.recvErrorsSent++;
    this.send(from, recvErrorPacket(remoteIndex));
  }

  private send(to: Endpoint, bytes: Uint8Array): void {
    this.udp.sendTo(to, bytes).catch((e: unknown) => {
      if (!(e instanceof ClosedError)) this.log('debug', 'send failed', { udpAddr: to.toString(), error: String(e) });
    });
  }
}

let routine: Routine | null = null;
try {
  const udp = UdpSocket.open({ host: init.listen.host, port: init.listen.port, reusePort: true, netns: init.netns });
  try {
    routine = new Routine(udp);
  } catch (e) {
    udp.close();
    throw e;
  }
} catch (e) {
  queue.close();
  post({ t: 'fatal', error: `routine ${init.index} could not start: ${(e as Error).message}` });
  port.close();
}
if (routine !== null) {
  const r = routine;
  port.on('message', (m: ToRoutine) => r.onMessage(m));
  post({ t: 'ready' });
}
