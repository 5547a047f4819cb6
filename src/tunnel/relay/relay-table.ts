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

/** All relay entries of a node, by local index and by (tunnel, far end). */
export class RelayTable<V extends RelayVia> {
  private readonly byIndex = new Map<number, RelayEntry<V>>();
  private readonly byVia = new Map<V, Map<number, RelayEntry<V>>>();
  private readonly byPath = new Map<number, RelayEntry<V>>();
  private nextPort = 1;

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
    this.byIndex.set(e.localIndex, e);
    if (path !== null) this.byPath.set(path.port, e);
    if (onVia === undefined) this.byVia.set(via, new Map([[peer, e]]));
    else onVia.set(peer, e);
    return e;
  }

  /** Links two forwarding entries (each other's partner). */
  link(a: RelayEntry<V>, b: RelayEntry<V>): void {
    a.partner = b;
    b.partner = a;
  }

  /** Removes `e` and, for a forwarding relay, its partner: one half of a relay is no relay. */
  remove(e: RelayEntry<V>): void {
    if (this.byIndex.get(e.localIndex) !== e) return;
    this.byIndex.delete(e.localIndex);
    if (e.path !== null && this.byPath.get(e.path.port) === e) this.byPath.delete(e.path.port);
    const onVia = this.byVia.get(e.via);
    if (onVia?.get(e.peer) === e) onVia.delete(e.peer);
    if (onVia?.size === 0) this.byVia.delete(e.via);
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
