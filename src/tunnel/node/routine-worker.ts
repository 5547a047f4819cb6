/**
 * Worker thread entry of a multi-queue node: routine i runs the data plane of
 * TUN queue i and its own SO_REUSEPORT UDP socket (data-plane.ts), on tunnels
 * main replicates to it. Its control plane is main's, reached through this
 * thread's port (ControlPort below; routines.ts answers on main's side).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Queue } from '../../tun/index.js';
import { waitInJavaScript } from '../../io/loop-wait.js';
import { LOG_LEVELS, type LogFields, type LogLevel } from '../log/logger.js';
import { Endpoint, UdpSocket } from '../../udp/index.js';
import { RelayTable } from '../relay/index.js';
import { clock } from './clock.js';
import type { ControlPlane } from './control-plane.js';
import { copyBytes } from './copy.js';
import { DataPlane } from './data-plane.js';
import { Hostmap } from './hostmap.js';
import { endpointData, endpointOf, type FromRoutine, type RoutineInit, type ToRoutine } from './routine-protocol.js';
import { DataTunnel, TunnelSlots } from './tunnel.js';
import { udpOptions } from './options.js';

const port = parentPort!;
const init = workerData as RoutineInit;
// Own the queue's fds first thing: from here on they close with this thread, however it ends.
const queue = Queue.attach(init.queue);
Atomics.store(new Int32Array(init.attached), 0, 1);
// Before this thread's first poll starts, so the queue's and socket's never enter libuv's epoll set.
if (init.loopWait) waitInJavaScript();

/** How long a routine waits before asking main again to roam a tunnel to the same address: well under nebula's 2 s roam-back rule. */
const ROAM_ASK_MS = 250;

/** Upkeep interval of a routine (firewall sweep, counters, trigger budget): nebula's conntrack sweeps are per second too. */
const TICK_MS = 1000;

function post(m: FromRoutine): void {
  port.postMessage(m);
}

/** Main's control plane as seen from a routine: every call is a message to main. */
class ControlPort implements ControlPlane<DataTunnel> {
  // Packets handed to main per peer since the last tick (bounded by triggerBuffer).
  private readonly triggered = new Map<number, number>();
  // The last roam asked per tunnel (local index); cleared on the tick.
  private readonly roamAsked = new Map<number, { to: Endpoint; at: number }>();
  private readonly maxLevel = LOG_LEVELS.indexOf(init.logLevel);

  constructor(private readonly stop: () => void) {}

  handshake(counter: number, remoteIndex: number, buf: Buffer, off: number, len: number, from: Endpoint): void {
    post({ t: 'handshake', counter, remoteIndex, bytes: copyBytes(buf, off, len), from: endpointData(from) });
  }

  recvError(remoteIndex: number, from: Endpoint): void {
    post({ t: 'recvError', remoteIndex, from: endpointData(from) });
  }

  proven(t: DataTunnel): void {
    post({ t: 'proven', localIndex: t.localIndex });
  }

  // Every authenticated packet from the new address asks until main's answer arrives: ask once per
  // address and ROAM_ASK_MS (main may refuse for a while: the roam-back rule).
  roam(t: DataTunnel, to: Endpoint): void {
    const now = clock();
    const last = this.roamAsked.get(t.localIndex);
    if (last !== undefined && last.to.equals(to) && now - last.at < ROAM_ASK_MS) return;
    this.roamAsked.set(t.localIndex, { to, at: now });
    post({ t: 'roam', localIndex: t.localIndex, to: endpointData(to) });
  }

  closeReceived(t: DataTunnel): void {
    post({ t: 'close', localIndex: t.localIndex });
  }

  lighthouse(t: DataTunnel, buf: Buffer, off: number, len: number): void {
    post({ t: 'lighthouse', localIndex: t.localIndex, bytes: copyBytes(buf, off, len) });
  }

  relayControl(t: DataTunnel, buf: Buffer, off: number, len: number): void {
    post({ t: 'relayControl', localIndex: t.localIndex, bytes: copyBytes(buf, off, len) });
  }

  // Main holds the packets for the handshake, or sends them if the tunnel is on its way here.
  needTunnel(vpnIp: number, packets: readonly Uint8Array[]): boolean {
    const sent = this.triggered.get(vpnIp) ?? 0;
    if (sent >= init.triggerBuffer) return true;
    this.triggered.set(vpnIp, sent + packets.length);
    post({ t: 'trigger', vpnIp, packets: packets.map((p) => copyBytes(p, 0, p.length)) });
    return true;
  }

  failed(what: string, error: string): void {
    post({ t: 'fatal', error: `routine ${init.index} ${what}: ${error}` });
    this.stop();
  }

  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (LOG_LEVELS.indexOf(level) <= this.maxLevel) post({ t: 'log', level, msg, fields });
  }

  /** vpnIp's tunnel arrived here: packets to it no longer go to main. */
  tunnelArrived(vpnIp: number): void {
    this.triggered.delete(vpnIp);
  }

  /** A new budget period begins. */
  tick(): void {
    this.triggered.clear();
    this.roamAsked.clear();
  }
}

/** The routine: its data plane, and main's messages about tunnels and life cycle. */
class Routine {
  private readonly slots = new TunnelSlots(init.slots);
  private readonly control = new ControlPort(() => this.stop());
  private readonly plane: DataPlane<DataTunnel>;
  // Replicas of main's relay entries, on this routine's tunnel replicas (null when main keeps no relays).
  private readonly relays = init.relays ? new RelayTable<DataTunnel>() : null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(udp: UdpSocket) {
    this.plane = new DataPlane<DataTunnel>({
      queue, udp, hostmap: new Hostmap<DataTunnel>(), firewall: init.firewall, local: init.local, vpnIp: init.vpnIp,
      prefix: init.prefix, viaRoutes: init.viaRoutes, drop: init.drop, coalesce: init.coalesce, handOff: init.handOff, sendRecvError: init.sendRecvError, flowPorts: init.flowPorts,
      park: true, statsOut: new Float64Array(init.stats), relays: this.relays,
    }, this.control);
  }

  onMessage(m: ToRoutine): void {
    const { hostmap } = this.plane;
    switch (m.t) {
      case 'go':
        this.run();
        break;
      case 'add':
        this.addTunnel(m);
        break;
      case 'promote': {
        const t = hostmap.byLocalIndex(m.localIndex);
        if (t !== undefined) hostmap.promote(t);
        break;
      }
      case 'remote': {
        const t = hostmap.byLocalIndex(m.localIndex);
        if (t !== undefined) t.remote = endpointOf(m.remote);
        break;
      }
      case 'del': {
        const t = hostmap.byLocalIndex(m.localIndex);
        if (t !== undefined && t.slot === m.slot) hostmap.remove(t);
        post({ t: 'released', slot: m.slot });
        break;
      }
      case 'relay': {
        const { entry } = m;
        const via = hostmap.byLocalIndex(entry.via);
        // Main's relay entries hang on its tunnels, which reached here first; one that did not is being dropped.
        if (via !== undefined) this.relays?.put({ ...entry, via });
        break;
      }
      case 'unrelay':
        this.relays?.forget(m.localIndex);
        break;
      case 'reload':
        // Main compiled the same rules before sending them; a failure here would be a bug: say so, keep the old rules.
        try {
          this.plane.reload(m.firewall, m.sendRecvError);
        } catch (e) {
          this.control.log('error', 'Error while creating firewall during reload', { error: (e as Error).message });
        }
        break;
      case 'stop':
        this.stop();
        break;
    }
  }

  /** Closes the data plane (the loops end), frees the keys and lets the thread exit. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const { hostmap } = this.plane;
    for (const t of [...hostmap.all()]) hostmap.remove(t);
    this.relays?.clear();
    void this.plane.close().finally(() => port.close());
  }

  private run(): void {
    this.plane.run();
    this.timer = setInterval(() => {
      this.plane.tick(clock());
      this.control.tick();
    }, TICK_MS);
    this.timer.unref();
  }

  private addTunnel(m: Extract<ToRoutine, { t: 'add' }>): void {
    const t = new DataTunnel({
      vpnIp: m.vpnIp, localIndex: m.localIndex, remoteIndex: m.remoteIndex,
      remote: endpointOf(m.remote), cipher: init.cipher,
      sendKey: m.sendKey, recvKey: m.recvKey, identity: m.identity,
    }, clock());
    m.sendKey.fill(0);
    m.recvKey.fill(0);
    t.bindSlot(this.slots, m.slot, false, init.index);
    t.awaitingProof = m.awaitingProof;
    const { hostmap } = this.plane;
    if (m.candidate) hostmap.addCandidate(t);
    else {
      hostmap.add(t);
      this.control.tunnelArrived(m.vpnIp);
    }
    this.plane.tunnelArrived(t.localIndex);
  }
}

let routine: Routine | null = null;
try {
  const udp = UdpSocket.open({ ...udpOptions(init.listen), reusePort: true, netns: init.netns });
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
