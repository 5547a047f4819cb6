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
 * flows are collected per batch and posted on a BroadcastChannel before the
 * batch's packets leave (before the UDP send on the outbound path, before the
 * TUN write on the inbound path). A receiving thread tracks them as if it had
 * admitted them itself, with its own idle timeout from then on; each thread
 * refreshes its copy only with the traffic it sees.
 *
 * Limits: delivery is asynchronous. A reply that reaches another thread before
 * that thread has processed the message is judged by the rules (one lost first
 * reply; TCP and most UDP protocols retry). A thread whose copy idles out while
 * the flow stays busy on other threads forgets it, as a single-threaded node
 * would after the same idle time in that direction. With allow-all rules none
 * of this changes what passes.
 */
import { BroadcastChannel } from 'node:worker_threads';
import {
  DEFAULT_OTHER_TIMEOUT_MS, DEFAULT_TCP_TIMEOUT_MS, DEFAULT_UDP_TIMEOUT_MS, PROTO_TCP, PROTO_UDP, newFlow,
  type Firewall, type FirewallOptions, type Flow,
} from '../firewall/index.js';

/** u32 words per flow in a message: localIp, remoteIp, ports (local << 16 | remote), proto | fragment << 8. */
const WORDS = 4;
/** Flows per message; a batch admitting more posts several. */
const MAX_FLOWS_PER_MESSAGE = 512;

/** Counters of flow replication in one thread. */
export interface FlowShareStats {
  /** Flows this thread admitted and announced. */
  announced: number;
  /** Flows received from other threads and tracked here. */
  imported: number;
}

/** One thread's end of the flow replication channel of a node. */
export class FlowShare {
  /** Counters. */
  readonly stats: FlowShareStats = { announced: 0, imported: 0 };
  private readonly channel: BroadcastChannel;
  private pending = new Uint32Array(MAX_FLOWS_PER_MESSAGE * WORDS);
  private count = 0;
  private readonly track: (flow: Flow, nowMs: number, ttlMs: number) => boolean;
  private readonly flow = newFlow();
  private readonly tcpMs: number;
  private readonly udpMs: number;
  private readonly otherMs: number;
  private closed = false;

  /**
   * Joins channel `name` (unique per node) for `firewall`, whose conntrack.add
   * is wrapped so every newly admitted flow is recorded. `now` is the clock the
   * firewall is driven with.
   */
  constructor(name: string, firewall: Firewall, opts: FirewallOptions, private readonly now: () => number) {
    this.tcpMs = opts.tcpTimeoutMs ?? DEFAULT_TCP_TIMEOUT_MS;
    this.udpMs = opts.udpTimeoutMs ?? DEFAULT_UDP_TIMEOUT_MS;
    this.otherMs = opts.defaultTimeoutMs ?? DEFAULT_OTHER_TIMEOUT_MS;
    const ct = firewall.conntrack;
    const add = ct.add.bind(ct);
    this.track = add;
    // Firewall.filter calls conntrack.add only for a flow it is about to admit (a tracked
    // one passes through touch() first), so this sees exactly the new flows.
    ct.add = (flow: Flow, nowMs: number, ttlMs: number): boolean => {
      const ok = add(flow, nowMs, ttlMs);
      if (ok) this.record(flow);
      return ok;
    };
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (e: MessageEvent) => this.receive(e.data);
    // The data loops keep a thread alive, not this channel.
    (this.channel as unknown as { unref(): void }).unref();
  }

  /** Posts the flows recorded since the last flush to every other thread. */
  flush(): void {
    const n = this.count;
    if (n === 0 || this.closed) return;
    this.count = 0;
    this.stats.announced += n;
    this.channel.postMessage(this.pending.slice(0, n * WORDS));
  }

  /** Leaves the channel; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
  }

  private record(f: Flow): void {
    if (this.closed) return;
    if (this.count === MAX_FLOWS_PER_MESSAGE) this.flush();
    const a = this.pending;
    const at = this.count++ * WORDS;
    a[at] = f.localIp;
    a[at + 1] = f.remoteIp;
    a[at + 2] = ((f.localPort << 16) | f.remotePort) >>> 0;
    a[at + 3] = (f.proto & 0xff) | (f.fragment ? 0x100 : 0);
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
      const ttl = f.proto === PROTO_TCP ? this.tcpMs : f.proto === PROTO_UDP ? this.udpMs : this.otherMs;
      if (this.track(f, now, ttl)) this.stats.imported++;
    }
  }
}
