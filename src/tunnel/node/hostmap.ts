/** Established tunnels by overlay IP and by our local index; index generation. */
import { randomBytes } from 'node:crypto';
import type { DataTunnel, Tunnel } from './tunnel.js';

/** Called when a tunnel is installed or leaves the map (replication to worker threads). */
export interface HostmapEvents<T> {
  /** `t` entered the map: as the peer's tunnel, or (`candidate`) reachable by its index only. */
  added?(t: T, candidate: boolean): void;
  /** Candidate `t` became the peer's tunnel. */
  promoted?(t: T): void;
  removed?(t: T): void;
}

/**
 * Lookup tables of the node's tunnels: one per peer VPN IP, plus at most one candidate per
 * peer. A candidate is a tunnel a peer's unauthenticated msg1 made while an established
 * tunnel to that peer exists: inbound packets find it by index (so the peer can prove it
 * holds the keys), outbound traffic keeps using the established tunnel until promote().
 * Single-threaded; a worker thread keeps a replica of main's.
 */
export class Hostmap<T extends DataTunnel = Tunnel> {
  private readonly byIp = new Map<number, T>();
  private readonly byIndex = new Map<number, T>();
  private readonly candidates = new Map<number, T>();
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

  /** The tunnel whose *remote* index is `index` (recv_error lookups, docs/PROTOCOL.md "recv_error"). */
  byRemoteIndex(index: number): T | undefined {
    for (const t of this.byIp.values()) if (t.remoteIndex === index) return t;
    return undefined;
  }

  /** Every tunnel (candidates not included). */
  all(): IterableIterator<T> {
    return this.byIp.values();
  }

  /** The candidate tunnel to a peer's overlay IP. */
  candidate(vpnIp: number): T | undefined {
    return this.candidates.get(vpnIp);
  }

  /** Every candidate tunnel. */
  allCandidates(): IterableIterator<T> {
    return this.candidates.values();
  }

  /** Number of tunnels. */
  get size(): number {
    return this.byIp.size;
  }

  /** Installs `t`, replacing (and returning) an older tunnel to the same IP; a candidate for that IP goes too. */
  add(t: T): T | undefined {
    const cand = this.candidates.get(t.vpnIp);
    if (cand !== undefined && cand !== t) this.remove(cand);
    const old = this.byIp.get(t.vpnIp);
    if (old) this.remove(old);
    this.byIp.set(t.vpnIp, t);
    this.byIndex.set(t.localIndex, t);
    this.reserved.delete(t.localIndex);
    this.events.added?.(t, false);
    return old;
  }

  /** Makes `t` the candidate for its IP (replacing an older candidate), reachable by index only. */
  addCandidate(t: T): void {
    const cand = this.candidates.get(t.vpnIp);
    if (cand !== undefined) this.remove(cand);
    this.candidates.set(t.vpnIp, t);
    this.byIndex.set(t.localIndex, t);
    this.reserved.delete(t.localIndex);
    this.events.added?.(t, true);
  }

  /** Candidate `t` becomes its peer's tunnel; the established one is removed. False when `t` is no candidate. */
  promote(t: T): boolean {
    if (this.candidates.get(t.vpnIp) !== t) return false;
    this.candidates.delete(t.vpnIp);
    const old = this.byIp.get(t.vpnIp);
    if (old) this.remove(old);
    this.byIp.set(t.vpnIp, t);
    this.events.promoted?.(t);
    return true;
  }

  /** Removes and closes `t` if it is installed (as a tunnel or a candidate). */
  remove(t: T): void {
    const installed = this.byIp.get(t.vpnIp) === t || this.candidates.get(t.vpnIp) === t;
    if (this.byIp.get(t.vpnIp) === t) this.byIp.delete(t.vpnIp);
    if (this.candidates.get(t.vpnIp) === t) this.candidates.delete(t.vpnIp);
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
