/**
 * The worker threads of a multi-queue node, seen from main: spawning them with
 * their TUN queue, replicating tunnels to them, collecting their counters,
 * relaying what they hand to the control plane, and stopping them.
 *
 * Tunnels: main's hostmap is the authority. Each tunnel gets a slot in
 * TunnelSlots (shared send counter, liveness stamps) when it is installed and
 * every routine gets a replica (raw keys, indexes, remote, identity, slot). On
 * removal the routines drop their replica and acknowledge; the slot is reused
 * only once all of them have, so a late batch in a routine can never touch a
 * slot that already belongs to another tunnel.
 *
 * Relay entries (docs/PROTOCOL.md "Relays") are replicated the same way: every change to main's
 * table goes to every routine ('relay', 'unrelay'), which keeps a replica table on its tunnel
 * replicas, so the data plane that gets a relayed datagram can verify, forward or unwrap it. The
 * control messages that make relays (CreateRelayRequest/Response) are handed to main.
 *
 * Replay windows are per thread. That is sound because in multi-queue mode
 * a thread checks a tunnel's data with its window only when it comes from the
 * tunnel's current remote address (InboundHost.pinRemote), and SO_REUSEPORT
 * hashes that address (the 4-tuple) to one socket, so one thread sees all of a
 * tunnel's traffic. A peer that roams may land on another thread's socket:
 * there a message must also be above the tunnel's highest inbound counter on
 * any thread (TunnelSlots.inbound, claimed with compare-and-swap once it
 * authenticates), that thread's window then refuses everything up to it, and
 * main, asked through 'roam', moves the tunnel (roaming.ts) and tells every
 * routine ('remote').
 */
import { Worker, type MessagePort } from 'node:worker_threads';
import { native } from '../../native.js';
import { waitingInJavaScript } from '../../io/loop-wait.js';
import type { QueueHandle } from '../../tun/index.js';
import type { Logger } from '../log/logger.js';
import { LOG_LEVELS } from '../log/logger.js';
import type { ControlPlane } from './control-plane.js';
import type { FirewallOptions } from '../firewall/index.js';
import type { SendRecvErrorMode } from '../wire/index.js';
import type { RelayEntry } from '../relay/index.js';
import { endpointData, endpointOf, type FromRoutine, type RoutineInit, type ToRoutine } from './routine-protocol.js';
import { NodeStats } from './stats.js';
import { addThreadIo, THREAD_COUNTER_SLOTS, type IoCounters } from './thread-counters.js';
import { TunnelSlots, type Tunnel } from './tunnel.js';

const WORKER_URL = new URL('./routine-worker.js', import.meta.url);
/** How long routines may take to bind their sockets. */
const READY_TIMEOUT_MS = 15_000;
/** How long a routine may take to exit after 'stop' before it is terminated. */
const STOP_TIMEOUT_MS = 3_000;

/** What the routines hand back to the node. */
export interface RoutinesHost {
  log: Logger;
  /** The control plane: what a routine's data plane asks of it arrives here (control-plane.ts). */
  control: ControlPlane<Tunnel>;
  /** The tunnel a routine names by its local index, if it is still there. */
  tunnel(localIndex: number): Tunnel | undefined;
  /** Inner packets for vpnIp that met no tunnel in a routine (copied, wire-sized): route them again. */
  trigger(vpnIp: number, packets: Uint8Array[]): void;
  /** A routine failed (crashed, exited, could not start); the node should stop. */
  failed(reason: string): void;
}

/** Everything a routine needs besides its queue (RoutineInit without the per-routine fields). */
export type RoutineConfig = Omit<RoutineInit, 'index' | 'queue' | 'attached' | 'slots' | 'stats' | 'flowPorts' | 'loopWait'>;

/** Main's record of one routine's worker thread. */
interface RoutineThread {
  index: number;
  worker: Worker;
  handle: QueueHandle;
  attached: Int32Array;
  stats: Float64Array;
  ready: boolean;
  exited: boolean;
  exit: Promise<void>;
}

/** Routines 1..N-1 of a node. */
export class Routines {
  /** Shared per-tunnel cells. */
  readonly slots: TunnelSlots;
  /** Resolves once every routine has bound its socket; rejects if one fails first. */
  readonly ready: Promise<void>;
  private readonly list: RoutineThread[] = [];
  private readonly free: number[] = [];
  private nextFresh = 0;
  // Slots withdrawn from the routines, with the routines that still have to let go of them.
  private readonly releasing = new Map<number, Set<number>>();
  private stopping: Promise<void> | null = null;
  private settleReady!: (err?: Error) => void;
  private readyTimer: NodeJS.Timeout | null = null;

  /** Spawns one worker per handle (routine i gets handles[i - 1] and flowPorts[i - 1]). */
  constructor(handles: QueueHandle[], config: RoutineConfig, flowPorts: MessagePort[][], private readonly host: RoutinesHost,
    capacity = TunnelSlots.DEFAULT_CAPACITY) {
    this.slots = new TunnelSlots(capacity, handles.length + 1);
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (err) => {
        if (this.readyTimer) clearTimeout(this.readyTimer);
        this.readyTimer = null;
        if (err) reject(err);
        else resolve();
      };
    });
    // Whoever starts the node awaits ready or not; a failure is also reported through failed().
    this.ready.catch(() => undefined);
    this.readyTimer = setTimeout(() => this.settleReady(new Error(`routines not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    this.readyTimer.unref();
    handles.forEach((handle, i) => this.spawn(i + 1, handle, config, flowPorts[i]!));
    if (handles.length === 0) this.settleReady();
  }

  /** Number of worker threads. */
  get count(): number {
    return this.list.length;
  }

  /** Lets every routine start its data loops. */
  go(): void {
    this.broadcast({ t: 'go' });
  }

  /** Gives `t` a shared slot and replicates it to every routine (as a candidate: by index only). */
  tunnelAdded(t: Tunnel, candidate: boolean): boolean {
    const keys = t.keys;
    const slot = this.allocSlot();
    if (slot < 0 || keys === null) {
      if (slot >= 0) this.free.push(slot);
      return false;
    }
    t.bindSlot(this.slots, slot, true);
    const r = t.remote;
    for (const w of this.live()) {
      const m: ToRoutine = {
        t: 'add', slot, vpnIp: t.vpnIp, localIndex: t.localIndex, remoteIndex: t.remoteIndex,
        remote: endpointData(r), sendKey: keys.send, recvKey: keys.recv, identity: t.identity,
        candidate, awaitingProof: t.awaitingProof,
      };
      w.worker.postMessage(m);
    }
    return true;
  }

  /** `t` roamed (roaming.ts): every routine moves its replica. */
  tunnelRoamed(t: Tunnel): void {
    this.broadcast({ t: 'remote', localIndex: t.localIndex, remote: endpointData(t.remote) });
  }

  /** Candidate `t` became its peer's tunnel: every routine promotes its replica. */
  tunnelPromoted(t: Tunnel): void {
    this.broadcast({ t: 'promote', localIndex: t.localIndex });
  }

  /** Withdraws `t` from every routine; its slot is reused once all have let go of it. */
  tunnelRemoved(t: Tunnel): void {
    const slot = t.slot;
    if (slot < 0) return;
    const live = this.live();
    if (live.length === 0) {
      this.free.push(slot);
      return;
    }
    this.releasing.set(slot, new Set(live.map((w) => w.index)));
    for (const w of live) w.worker.postMessage({ t: 'del', localIndex: t.localIndex, slot } satisfies ToRoutine);
  }

  /** Relay entry `e` of main's table was added or changed: every routine updates its replica. */
  relayChanged(e: RelayEntry<Tunnel>): void {
    this.broadcast({
      t: 'relay', entry: {
        via: e.via.localIndex, peer: e.peer, type: e.type, localIndex: e.localIndex, remoteIndex: e.remoteIndex, state: e.state,
        partner: e.partner?.localIndex ?? 0, pathPort: e.path?.port ?? 0,
      },
    });
  }

  /** Relay entry `e` left main's table: every routine drops its replica. */
  relayRemoved(e: RelayEntry<Tunnel>): void {
    this.broadcast({ t: 'unrelay', localIndex: e.localIndex });
  }

  /** Hands a reloaded firewall and listen.send_recv_error to every routine (each applies it at its next turn). */
  reload(firewall: FirewallOptions, sendRecvError: SendRecvErrorMode): void {
    this.broadcast({ t: 'reload', firewall, sendRecvError });
  }

  /** Adds every routine's latest counters to `into`. */
  addStats(into: NodeStats): void {
    for (const w of this.list) into.addFrom(w.stats);
  }

  /** Adds every routine's latest TUN queue, UDP socket and coalescer counters to `into`. */
  addIo(into: IoCounters): void {
    for (const w of this.list) addThreadIo(w.stats, into);
  }

  /** Each routine's latest counters, routine order. */
  statsEach(): NodeStats[] {
    return this.list.map((w) => {
      const s = new NodeStats();
      s.addFrom(w.stats);
      return s;
    });
  }

  /** Stops every routine (socket and queue closed, thread exited); terminates the ones that take too long. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.settleReady(new Error('stopped before every routine was ready'));
    this.broadcast({ t: 'stop' });
    await Promise.all(this.list.map(async (w) => {
      if (w.exited) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_TIMEOUT_MS)));
      if (await Promise.race([w.exit.then(() => false), late])) {
        this.host.log.warn('Routine did not exit in time, terminating it', { routine: w.index });
        await w.worker.terminate();
        await w.exit;
      }
      clearTimeout(timer);
    }));
  }

  private spawn(index: number, handle: QueueHandle, config: RoutineConfig, flowPorts: MessagePort[]): void {
    const attached = new Int32Array(new SharedArrayBuffer(4));
    const stats = new Float64Array(new SharedArrayBuffer(8 * THREAD_COUNTER_SLOTS));
    const init: RoutineInit = {
      ...config, index, queue: handle, attached: attached.buffer as SharedArrayBuffer, slots: this.slots.buffers,
      stats: stats.buffer as SharedArrayBuffer, flowPorts, loopWait: waitingInJavaScript(),
    };
    let worker: Worker;
    try {
      worker = new Worker(WORKER_URL, { workerData: init, transferList: flowPorts, name: `tio routine ${index}` });
    } catch (e) {
      for (const p of flowPorts) p.close();
      native.closeFd(handle.fd);
      native.closeFd(handle.closeFd);
      this.fail(`routine ${index} could not be started: ${(e as Error).message}`);
      return;
    }
    let exited!: () => void;
    const w: RoutineThread = { index, worker, handle, attached, stats, ready: false, exited: false, exit: new Promise<void>((r) => (exited = r)) };
    this.list.push(w);
    worker.on('message', (m: FromRoutine) => this.onMessage(w, m));
    worker.on('error', (e: Error) => this.fail(`routine ${index} crashed: ${e.stack ?? String(e)}`));
    worker.on('exit', (code) => {
      w.exited = true;
      // A worker that died before attaching its queue never took ownership of the fds.
      if (Atomics.load(attached, 0) === 0) {
        native.closeFd(handle.fd);
        native.closeFd(handle.closeFd);
      }
      for (const slot of [...this.releasing.keys()]) this.release(slot, w.index);
      if (this.stopping === null) this.fail(`routine ${index} exited unexpectedly (code ${code})`);
      exited();
    });
  }

  // What a routine hands over runs main's control plane; an exception there is a bug: stop the node, as a data loop would.
  private onMessage(w: RoutineThread, m: FromRoutine): void {
    try {
      this.dispatch(w, m);
    } catch (e) {
      this.fail(`handling '${m.t}' from routine ${w.index} failed: ${(e as Error).stack ?? String(e)}`);
    }
  }

  private dispatch(w: RoutineThread, m: FromRoutine): void {
    const h = this.host;
    switch (m.t) {
      case 'ready':
        w.ready = true;
        if (this.list.every((x) => x.ready)) this.settleReady();
        break;
      case 'fatal':
        this.fail(m.error);
        break;
      case 'trigger':
        h.trigger(m.vpnIp, m.packets);
        break;
      case 'handshake':
        h.control.handshake(m.counter, m.remoteIndex, Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), 0, m.bytes.byteLength, endpointOf(m.from));
        break;
      case 'recvError':
        h.control.recvError(m.remoteIndex, endpointOf(m.from));
        break;
      case 'close': {
        const t = h.tunnel(m.localIndex);
        if (t !== undefined) h.control.closeReceived(t);
        break;
      }
      case 'lighthouse': {
        const t = h.tunnel(m.localIndex);
        if (t !== undefined) h.control.lighthouse(t, Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), 0, m.bytes.byteLength);
        break;
      }
      case 'relayControl': {
        const t = h.tunnel(m.localIndex);
        if (t !== undefined) h.control.relayControl?.(t, Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), 0, m.bytes.byteLength);
        break;
      }
      case 'proven': {
        const t = h.tunnel(m.localIndex);
        if (t !== undefined) h.control.proven(t);
        break;
      }
      case 'roam': {
        const t = h.tunnel(m.localIndex);
        if (t !== undefined) h.control.roam?.(t, endpointOf(m.to));
        break;
      }
      case 'released':
        this.release(m.slot, w.index);
        break;
      case 'log':
        if (LOG_LEVELS.includes(m.level)) h.log.log(m.level, m.msg, { ...m.fields, routine: w.index });
        break;
    }
  }

  private fail(reason: string): void {
    this.settleReady(new Error(reason));
    if (this.stopping === null) this.host.failed(reason);
  }

  private broadcast(m: ToRoutine): void {
    for (const w of this.live()) w.worker.postMessage(m);
  }

  private live(): RoutineThread[] {
    return this.list.filter((w) => !w.exited);
  }

  private allocSlot(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    return this.nextFresh < this.slots.capacity ? this.nextFresh++ : -1;
  }

  // Routine `index` let go of `slot` (acknowledged, or exited: an exited routine holds nothing).
  private release(slot: number, index: number): void {
    const waiting = this.releasing.get(slot);
    if (waiting === undefined || !waiting.delete(index) || waiting.size > 0) return;
    this.releasing.delete(slot);
    this.free.push(slot);
  }
}
