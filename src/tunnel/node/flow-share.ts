/**
 * Conntrack across the threads of a multi-queue node.
 *
 * Every thread (main and each worker) runs its own Firewall, and a flow's two
 * directions usually meet different threads: the kernel picks the TUN queue an
 * outbound packet is read from by its flow hash, while the peer's datagrams land
 * on the socket its address hashes to. With per-thread conntrack only, a reply
 * to an outbound connection would then be judged by the inbound rules (and
 * dropped under the usual "outbound any, inbound restricted" policy).
 *
 * So each thread tells the others which flows its firewall newly admitted: the
 * flows are collected per batch and posted to every other thread (a mesh of
 * MessageChannels, one per pair of threads) before the batch's packets leave
 * (before the UDP send on the outbound path, before the TUN write on the
 * inbound path). A receiving thread tracks them as if it had admitted them
 * itself, with its own idle timeout from then on; each thread refreshes its
 * copy only with the traffic it sees. A flow carries the direction and rules
 * version that admitted it, so after a reload every thread re-checks it as the
 * thread that admitted it would (every thread reloads in turn, counting the same
 * versions).
 *
 * Messages are normally taken in by the event loop. A packet the rules refuse
 * may be a reply whose flow is still in a port's queue (the reply raced the
 * message), so before such a drop the data path calls refresh(), which takes
 * what is queued synchronously (receiveMessageOnPort), and asks the firewall
 * again if anything new came. Since a flow is posted before the packet that
 * admitted it leaves, its reply always finds it.
 *
 * Limits: a thread whose copy idles out while the flow stays busy on other
 * threads forgets it, as a single-threaded node would after the same idle time
 * in that direction. With allow-all rules none of this changes what passes.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { newFlow, type Firewall, type Flow } from '../firewall/index.js';

/**
 * u32 words per flow in a message: localIp, remoteIp, ports (local << 16 | remote),
 * proto | fragment << 8 | incoming << 9 | rules version << 16.
 */
const WORDS = 4;
/** Flows per message; a batch admitting more posts several. */
const MAX_FLOWS_PER_MESSAGE = 512;

/** Counters of flow replication in one thread. */
export interface FlowShareStats {
  /** Flows this thread admitted and announced. */
  announced: number;
  /** Flows received from other threads and tracked here. */
  imported: number;
  /** refresh() calls that took in new flows (a packet raced its flow's message). */
  rechecked: number;
}

/** One thread's end of the flow replication channel of a node. */
export class FlowShare {
  /** Counters. */
  readonly stats: FlowShareStats = { announced: 0, imported: 0, rechecked: 0 };
  private pending = new Uint32Array(MAX_FLOWS_PER_MESSAGE * WORDS);
  private count = 0;
  private readonly flow = newFlow();
  private closed = false;

  /**
   * Shares the flows of `firewall` over `ports`, one to each other thread: build the
   * firewall with `admitted: (f) => share.admitted(f)` (FirewallHooks) so the flows it
   * admits reach admitted(). `now` is the clock the firewall is driven with.
   */
  constructor(private readonly ports: readonly MessagePort[], private readonly firewall: Firewall, private readonly now: () => number) {
    for (const port of ports) {
      port.on('message', (data: unknown) => this.receive(data));
      // The data loops keep a thread alive, not these ports.
      port.unref();
    }
  }

  /** Builds the mesh for `threads` threads: ports[i] are thread i's ends, one per other thread. */
  static mesh(threads: number): MessagePort[][] {
    const ports: MessagePort[][] = Array.from({ length: threads }, () => []);
    for (let i = 0; i < threads; i++) {
      for (let j = i + 1; j < threads; j++) {
        const c = new MessageChannel();
        ports[i]!.push(c.port1);
        ports[j]!.push(c.port2);
      }
    }
    return ports;
  }

  /**
   * Takes in the flows other threads have posted and this thread's loop has not
   * processed yet; true when any was new. Call before refusing a packet, then
   * ask the firewall again.
   */
  refresh(): boolean {
    if (this.closed) return false;
    const before = this.stats.imported;
    for (const port of this.ports) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) this.receive(m.message);
    }
    if (this.stats.imported === before) return false;
    this.stats.rechecked++;
    return true;
  }

  /** Posts the flows recorded since the last flush to every other thread. */
  flush(): void {
    const n = this.count;
    if (n === 0 || this.closed) return;
    this.count = 0;
    this.stats.announced += n;
    const msg = this.pending.slice(0, n * WORDS);
    for (const port of this.ports) port.postMessage(msg);
  }

  /** Leaves the channel; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const port of this.ports) port.close();
  }

  /** Records a flow this thread's firewall newly admitted; the next flush() announces it. */
  admitted(f: Flow, incoming: boolean, version: number): void {
    if (this.closed) return;
    if (this.count === MAX_FLOWS_PER_MESSAGE) this.flush();
    const a = this.pending;
    const at = this.count++ * WORDS;
    a[at] = f.localIp;
    a[at + 1] = f.remoteIp;
    a[at + 2] = ((f.localPort << 16) | f.remotePort) >>> 0;
    a[at + 3] = ((f.proto & 0xff) | (f.fragment ? 0x100 : 0) | (incoming ? 0x200 : 0) | ((version & 0xffff) << 16)) >>> 0;
  }

  private receive(data: unknown): void {
    if (this.closed || !(data instanceof Uint32Array) || data.length % WORDS !== 0) return;
    const f = this.flow;
    const now = this.now();
    for (let at = 0; at < data.length; at += WORDS) {
      f.localIp = data[at]!;
      f.remoteIp = data[at + 1]!;
      f.localPort = data[at + 2]! >>> 16;
      f.remotePort = data[at + 2]! & 0xffff;
      f.proto = data[at + 3]! & 0xff;
      f.fragment = (data[at + 3]! & 0x100) !== 0;
      // Tracked directly in the flow table, not through Firewall.filter: imported flows are not announced again.
      const fw = this.firewall;
      if (fw.conntrack.add(f, now, fw.timeoutFor(f.proto), data[at + 3]! >>> 16, (data[at + 3]! & 0x200) !== 0)) this.stats.imported++;
    }
  }
}
