// Relay state (nebula's RelayState, hostmap.go, docs/PROTOCOL.md "Relays"): one entry per (tunnel,
// far end) pair. A forwarding relay between A and B has two linked entries: on A's tunnel for B
// (A sends under its local index) and on B's tunnel for A. A node reached through a relay has one
// terminal entry on the relay's tunnel for the far end. Entries belong to a tunnel object and go with
// it; every count is bounded, so no peer can make the table grow without limit.
import { randomBytes } from 'node:crypto';
import { Endpoint } from '../../udp/index.js';

/**
 * Address of the stand-in endpoints of relayed tunnels: a tunnel reached through a relay has one
 * as its remote, and every send to it is wrapped for the relay instead (data-plane.ts).
 */
export const RELAY_PATH_IP = '0.0.0.0';

/** Waiting for the far side's CreateRelayResponse. */
export const RELAY_REQUESTED = 0;
/** Both sides' indexes known: packets pass. */
export const RELAY_ESTABLISHED = 1;
/** A relay's state. */
export type RelayStateValue = typeof RELAY_REQUESTED | typeof RELAY_ESTABLISHED;

/** We pass packets between two other hosts. */
export const RELAY_FORWARDING = 1;
/** We are one end: packets carry traffic of our own tunnel to `peer`. */
export const RELAY_TERMINAL = 2;
/** A relay's role. */
export type RelayType = typeof RELAY_FORWARDING | typeof RELAY_TERMINAL;

/** Relay entries one tunnel may carry. */
export const MAX_RELAYS_PER_TUNNEL = 64;
/** Relay entries in all. */
export const MAX_RELAYS = 4096;

/** What a relay entry hangs on: a tunnel, known by its peer's overlay IP. */
export interface RelayVia {
  readonly vpnIp: number;
}

/** One relay on one tunnel. */
export interface RelayEntry<V extends RelayVia> {
  /** The tunnel the relayed packets travel on. */
  readonly via: V;
  /** Overlay IP of the far end (the other host of the relay). */
  readonly peer: number;
  readonly type: RelayType;
  /** Our index: relayed packets from `via` name it. */
  readonly localIndex: number;
  /** The index `via` chose: relayed packets to it name it (0 until known). */
  remoteIndex: number;
  state: RelayStateValue;
  /** Forwarding: the entry on the far end's tunnel; null while that side does not exist. */
  partner: RelayEntry<V> | null;
  /** Terminal: the stand-in remote of our tunnel to `peer` through this relay (RELAY_PATH_IP, a unique port). */
  readonly path: Endpoint | null;
}

/** Told of every change to a table: how main replicates its entries to the routines (routines.ts). */
export interface RelayObserver<V extends RelayVia> {
  /** `e` was added, or its state, remote index or partner changed. */
  changed(e: RelayEntry<V>): void;
  /** `e` left the table. */
  removed(e: RelayEntry<V>): void;
}

/** A replica of another table's entry (RelayTable.put): the entry's fields, its partner by local index (0: none). */
export interface RelayReplica<V extends RelayVia> {
  readonly via: V;
  readonly peer: number;
  readonly type: RelayType;
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly state: RelayStateValue;
  readonly partner: number;
  /** Port of the stand-in endpoint (terminal), 0 for none. */
  readonly pathPort: number;
}

/** All relay entries of a node, by local index and by (tunnel, far end). */
export class RelayTable<V extends RelayVia> {
  private readonly byIndex = new Map<number, RelayEntry<V>>();
  private readonly byVia = new Map<V, Map<number, RelayEntry<V>>>();
  private readonly byPath = new Map<number, RelayEntry<V>>();
  private nextPort = 1;

  /** `observer` hears of every change (main's table with routines); none for a replica table. */
  constructor(private readonly observer: RelayObserver<V> | null = null) {}

  /** The entry relayed packets naming `index` belong to. */
  get(index: number): RelayEntry<V> | undefined {
    return this.byIndex.get(index);
  }

  /** The entry on tunnel `via` for far end `peer`. */
  find(via: V, peer: number): RelayEntry<V> | undefined {
    return this.byVia.get(via)?.get(peer);
  }

  /** The terminal entry whose stand-in endpoint is `ep` (RELAY_PATH_IP). */
  byEndpoint(ep: Endpoint): RelayEntry<V> | undefined {
    return ep.ip === RELAY_PATH_IP ? this.byPath.get(ep.port) : undefined;
  }

  /** Stand-in endpoints of the established terminal relays to `peer` (a handshake's extra remotes). */
  pathsTo(peer: number): Endpoint[] {
    const out: Endpoint[] = [];
    for (const e of this.byPath.values()) if (e.peer === peer && e.state === RELAY_ESTABLISHED && e.path !== null) out.push(e.path);
    return out;
  }

  /** Entries in all. */
  get size(): number {
    return this.byIndex.size;
  }

  /** Every entry on tunnel `via`. */
  on(via: V): IterableIterator<RelayEntry<V>> {
    return (this.byVia.get(via) ?? new Map<number, RelayEntry<V>>()).values();
  }

  /**
   * Adds an entry with a fresh random local index, replacing an older one for the same pair; null
   * when the tunnel or the node is at its limit.
   */
  add(via: V, peer: number, type: RelayType, remoteIndex: number, state: RelayStateValue): RelayEntry<V> | null {
    const old = this.find(via, peer);
    if (old !== undefined) this.remove(old);
    const onVia = this.byVia.get(via);
    if (this.byIndex.size >= MAX_RELAYS || (onVia?.size ?? 0) >= MAX_RELAYS_PER_TUNNEL) return null;
    const path = type === RELAY_TERMINAL ? Endpoint.of(RELAY_PATH_IP, this.newPort()) : null;
    const e: RelayEntry<V> = { via, peer, type, localIndex: this.newIndex(), remoteIndex, state, partner: null, path };
    this.insert(e);
    this.observer?.changed(e);
    return e;
  }

  /** Links two forwarding entries (each other's partner). */
  link(a: RelayEntry<V>, b: RelayEntry<V>): void {
    a.partner = b;
    b.partner = a;
    this.observer?.changed(a);
    this.observer?.changed(b);
  }

  /** The caller changed `e`'s state, remote index or partner: the observer hears of it. */
  changed(e: RelayEntry<V>): void {
    if (this.byIndex.get(e.localIndex) === e) this.observer?.changed(e);
  }

  /**
   * Adds or updates the replica of another table's entry (same local index and stand-in port), and
   * links it with its partner once both are here. Limits are the other table's to keep.
   */
  put(r: RelayReplica<V>): void {
    let e = this.byIndex.get(r.localIndex);
    if (e !== undefined && (e.via !== r.via || e.peer !== r.peer || e.type !== r.type || (e.path?.port ?? 0) !== r.pathPort)) {
      this.forget(e.localIndex);
      e = undefined;
    }
    if (e === undefined) {
      const same = this.find(r.via, r.peer);
      if (same !== undefined) this.forget(same.localIndex);
      const path = r.pathPort === 0 ? null : Endpoint.of(RELAY_PATH_IP, r.pathPort);
      e = { via: r.via, peer: r.peer, type: r.type, localIndex: r.localIndex, remoteIndex: r.remoteIndex, state: r.state, partner: null, path };
      this.insert(e);
    }
    e.remoteIndex = r.remoteIndex;
    e.state = r.state;
    const p = r.partner === 0 ? undefined : this.byIndex.get(r.partner);
    if (e.partner !== null && e.partner !== p && e.partner.partner === e) e.partner.partner = null;
    e.partner = p ?? null;
    if (p !== undefined) p.partner = e;
  }

  /** Removes the entry with local index `index` alone (a replica: the other table says what else goes). */
  forget(index: number): void {
    const e = this.byIndex.get(index);
    if (e === undefined) return;
    this.unlink(e);
    if (e.partner !== null && e.partner.partner === e) e.partner.partner = null;
    e.partner = null;
  }

  /** Removes `e` and, for a forwarding relay, its partner: one half of a relay is no relay. */
  remove(e: RelayEntry<V>): void {
    if (this.byIndex.get(e.localIndex) !== e) return;
    this.unlink(e);
    this.observer?.removed(e);
    const p = e.partner;
    e.partner = null;
    if (p !== null) {
      p.partner = null;
      this.remove(p);
    }
  }

  /** Removes every entry on tunnel `via` (it closed) with their partners; returns how many went. */
  dropTunnel(via: V): number {
    const onVia = this.byVia.get(via);
    if (onVia === undefined) return 0;
    const before = this.byIndex.size;
    for (const e of [...onVia.values()]) this.remove(e);
    return before - this.byIndex.size;
  }

  /** Removes every terminal entry whose far end is `peer` (our tunnel to it closed). */
  dropPeer(peer: number): void {
    for (const e of [...this.byIndex.values()]) if (e.type === RELAY_TERMINAL && e.peer === peer) this.remove(e);
  }

  /** Removes everything. */
  clear(): void {
    this.byIndex.clear();
    this.byVia.clear();
    this.byPath.clear();
  }

  private insert(e: RelayEntry<V>): void {
    this.byIndex.set(e.localIndex, e);
    if (e.path !== null) this.byPath.set(e.path.port, e);
    const onVia = this.byVia.get(e.via);
    if (onVia === undefined) this.byVia.set(e.via, new Map([[e.peer, e]]));
    else onVia.set(e.peer, e);
  }

  // Takes `e` out of the maps (its partner link is the caller's business).
  private unlink(e: RelayEntry<V>): void {
    this.byIndex.delete(e.localIndex);
    if (e.path !== null && this.byPath.get(e.path.port) === e) this.byPath.delete(e.path.port);
    const onVia = this.byVia.get(e.via);
    if (onVia?.get(e.peer) === e) onVia.delete(e.peer);
    if (onVia?.size === 0) this.byVia.delete(e.via);
  }

  // A port no terminal entry uses (MAX_RELAYS < 65535, so one is always free).
  private newPort(): number {
    for (;;) {
      const p = this.nextPort;
      this.nextPort = p >= 65535 ? 1 : p + 1;
      if (!this.byPath.has(p)) return p;
    }
  }

  private newIndex(): number {
    for (;;) {
      const i = randomBytes(4).readUInt32BE(0);
      if (i !== 0 && !this.byIndex.has(i)) return i;
    }
  }
}
