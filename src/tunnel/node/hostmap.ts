/** Established tunnels by overlay IP and by our local index; index generation. */
import { randomBytes } from 'node:crypto';
import type { DataTunnel, Tunnel } from './tunnel.js';

/** Called when a tunnel is installed or leaves the map (replication to worker threads). */
export interface HostmapEvents<T> {
  added?(t: T): void;
  removed?(t: T): void;
}

/** Lookup tables of the node's tunnels (one per peer VPN IP). */
export class Hostmap<T extends DataTunnel = Tunnel> {
  private readonly byIp = new Map<number, T>();
  private readonly byIndex = new Map<number, T>();
  private readonly reserved = new Set<number>();

  constructor(private readonly events: HostmapEvents<T> = {}) {}

  /** The tunnel to a peer's overlay IP. */
  get(vpnIp: number): T | undefined {
    return this.byIp.get(vpnIp);
  }

  /** The tunnel whose local index is `index` (the remote index of an inbound packet). */
  byLocalIndex(index: number): T | undefined {
    return this.byIndex.get(index);
  }

  /** The tunnel whose *remote* index is `index` (recv_error lookups, §5.3). */
  byRemoteIndex(index: number): T | undefined {
    for (const t of this.byIp.values()) if (t.remoteIndex === index) return t;
    return undefined;
  }

  /** Every tunnel. */
  all(): IterableIterator<T> {
    return this.byIp.values();
  }

  /** Number of tunnels. */
  get size(): number {
    return this.byIp.size;
  }

  /** Installs `t`, replacing (and returning) an older tunnel to the same IP. */
  add(t: T): T | undefined {
    const old = this.byIp.get(t.vpnIp);
    if (old) this.remove(old);
    this.byIp.set(t.vpnIp, t);
    this.byIndex.set(t.localIndex, t);
    this.reserved.delete(t.localIndex);
    this.events.added?.(t);
    return old;
  }

  /** Removes and closes `t` if it is installed. */
  remove(t: T): void {
    const installed = this.byIp.get(t.vpnIp) === t;
    if (installed) this.byIp.delete(t.vpnIp);
    if (this.byIndex.get(t.localIndex) === t) this.byIndex.delete(t.localIndex);
    t.close();
    if (installed) this.events.removed?.(t);
  }

  /** A fresh random non-zero u32 index not in use (handshake_manager.go generateIndex). */
  newIndex(): number {
    for (;;) {
      const i = randomBytes(4).readUInt32BE(0);
      if (i !== 0 && !this.byIndex.has(i) && !this.reserved.has(i)) {
        this.reserved.add(i);
        return i;
      }
    }
  }

  /** Gives back an index from newIndex() that never became a tunnel. */
  releaseIndex(i: number): void {
    this.reserved.delete(i);
  }
}
