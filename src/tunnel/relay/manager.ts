// The relay side of the control plane: CreateRelayRequest and CreateRelayResponse as nebula 1.6.1's
// relay_manager.go handles them (docs/PROTOCOL.md "Relays"). Only authenticated control messages get
// here (they arrive on a tunnel, type 6); the sender's identity is its tunnel's certificate address,
// never the RelayFromIp it writes, which is stricter than 1.6.1.
import { CONTROL_CREATE_RELAY_REQUEST, CONTROL_CREATE_RELAY_RESPONSE, encodeControl, type NebulaControl } from './control-msg.js';
import {
  RELAY_ESTABLISHED, RELAY_FORWARDING, RELAY_REQUESTED, RELAY_TERMINAL, RelayTable, type RelayEntry, type RelayObserver, type RelayVia,
} from './relay-table.js';

/** Counters of the relay manager (OverlayNode.status().relay). */
export interface RelayStats {
  /** CreateRelayRequest messages received / sent. */
  requestsIn: number;
  requestsOut: number;
  /** CreateRelayResponse messages received / sent. */
  responsesIn: number;
  responsesOut: number;
  /** Requests refused: we are not a relay, the target is the sender or not in the network, or a table limit. */
  refused: number;
  /** Requests for a target we have no tunnel to (a handshake to it was started, as nebula does). */
  noTunnel: number;
  /** Responses that matched no relay we asked for. */
  unmatched: number;
  /** Control messages that did not decode. */
  malformed: number;
}

/** What the manager needs from the node. */
export interface RelayHost<V extends RelayVia> {
  /** This node's overlay IP. */
  readonly vpnIp: number;
  /** True when `ip` is a host address in our overlay network. */
  inNetwork(ip: number): boolean;
  /** The established tunnel to `vpnIp`. */
  tunnel(vpnIp: number): V | undefined;
  /** Starts reaching `vpnIp` (a handshake, or a lighthouse query first). */
  reach(vpnIp: number): void;
  /** Sends a NebulaControl on tunnel `t` (type 6, encrypted). */
  send(t: V, payload: Uint8Array): void;
  /** Debug log. */
  log(msg: string, fields: Record<string, string | number>): void;
  /** A relay to `peer` we asked for is up: a pending handshake to it may go through it now. */
  relayUp?(peer: number): void;
  /** Hears of every change to the table (replication to the routines); none by default. */
  observer?: RelayObserver<V>;
}

/** Answers relay control messages and keeps the relay table. */
export class RelayManager<V extends RelayVia> {
  /** The relay entries, which the data path reads. */
  readonly table: RelayTable<V>;
  /** Counters. */
  readonly stats: RelayStats = { requestsIn: 0, requestsOut: 0, responsesIn: 0, responsesOut: 0, refused: 0, noTunnel: 0, unmatched: 0, malformed: 0 };

  /**
   * amRelay: forward for others (relay.am_relay). terminal: accept relays to ourselves (we name
   * relays in relay.relays, so peers may reach us through them).
   */
  constructor(private readonly host: RelayHost<V>, private readonly amRelay: boolean, private readonly terminal = false) {
    this.table = new RelayTable<V>(host.observer ?? null);
  }

  /** An authenticated NebulaControl from tunnel `from`. */
  onMessage(from: V, m: NebulaControl): void {
    if (m.type === CONTROL_CREATE_RELAY_REQUEST) {
      this.stats.requestsIn++;
      this.onRequest(from, m);
    } else if (m.type === CONTROL_CREATE_RELAY_RESPONSE) {
      this.stats.responsesIn++;
      this.onResponse(from, m);
    }
  }

  /**
   * A handshake try to `target`, which names `relays` (learned from a lighthouse): ask each relay we
   * have a tunnel to for a relay to it, and start reaching the others (handshake_manager.go, relay
   * attempts). Called on every try; a request is repeated until answered.
   */
  wantRelay(target: number, relays: readonly number[]): void {
    const h = this.host;
    for (const r of relays) {
      if (r === target || r === h.vpnIp) continue;
      const t = h.tunnel(r);
      if (t === undefined) {
        h.reach(r);
        continue;
      }
      let e = this.table.find(t, target);
      if (e !== undefined && e.type === RELAY_TERMINAL && e.state === RELAY_ESTABLISHED) continue;
      if (e === undefined || e.type !== RELAY_TERMINAL) {
        e = this.table.add(t, target, RELAY_TERMINAL, 0, RELAY_REQUESTED) ?? undefined;
        if (e === undefined) continue;
      }
      this.stats.requestsOut++;
      h.send(t, encodeControl({ type: CONTROL_CREATE_RELAY_REQUEST, initiatorRelayIndex: e.localIndex, relayFromIp: h.vpnIp, relayToIp: target }));
    }
  }

  /** Tunnel `t` closed: every relay on it goes, with the other half of each. */
  tunnelClosed(t: V): void {
    this.table.dropTunnel(t);
  }

  // relay_manager.go handleCreateRelayRequest, the "target is not me" branch.
  private onRequest(from: V, m: NebulaControl): void {
    const h = this.host;
    const target = m.relayToIp;
    const a = from.vpnIp;
    if (target === h.vpnIp) {
      this.onRequestForUs(from, m);
      return;
    }
    if (!this.amRelay || target === a || !h.inNetwork(target)) {
      this.stats.refused++;
      return;
    }
    const toB = h.tunnel(target);
    if (toB === undefined) {
      // As nebula: try to reach the target so that the initiator's next request finds a tunnel.
      this.stats.noTunnel++;
      h.reach(target);
      return;
    }
    let bSide = this.table.find(toB, a);
    let ask = false;
    if (bSide === undefined || bSide.type !== RELAY_FORWARDING) {
      bSide = this.table.add(toB, a, RELAY_FORWARDING, 0, RELAY_REQUESTED) ?? undefined;
      if (bSide === undefined) {
        this.stats.refused++;
        return;
      }
      ask = true;
    } else if (bSide.state === RELAY_REQUESTED) {
      ask = true;
    }
    let aSide = this.table.find(from, target);
    if (aSide === undefined || aSide.type !== RELAY_FORWARDING || aSide.remoteIndex !== m.initiatorRelayIndex) {
      // A new request (a fresh index from the initiator) replaces the old half on its side.
      if (aSide !== undefined) aSide.partner = null;
      aSide = this.table.add(from, target, RELAY_FORWARDING, m.initiatorRelayIndex, bSide.state) ?? undefined;
      if (aSide === undefined) {
        this.table.remove(bSide);
        this.stats.refused++;
        return;
      }
      this.table.link(aSide, bSide);
    }
    h.log('relay request', { relayFrom: ip(a), relayTarget: ip(target), initiatorIdx: m.initiatorRelayIndex, state: bSide.state });
    if (ask) {
      this.stats.requestsOut++;
      h.send(toB, encodeControl({ type: CONTROL_CREATE_RELAY_REQUEST, initiatorRelayIndex: bSide.localIndex, relayFromIp: a, relayToIp: target }));
    }
    if (aSide.state === RELAY_ESTABLISHED) this.respond(aSide, a, target);
  }

  // relay_manager.go handleCreateRelayRequest, "the target of the relay is me": relay `via` passes on a
  // request from RelayFromIp. That address is the relay's word; the end-to-end handshake that follows
  // proves who is really there.
  private onRequestForUs(via: V, m: NebulaControl): void {
    const from = m.relayFromIp;
    if (!this.terminal || from === this.host.vpnIp || from === via.vpnIp || !this.host.inNetwork(from)) {
      this.stats.refused++;
      return;
    }
    let e = this.table.find(via, from);
    if (e === undefined || e.type !== RELAY_TERMINAL || e.remoteIndex !== m.initiatorRelayIndex) {
      e = this.table.add(via, from, RELAY_TERMINAL, m.initiatorRelayIndex, RELAY_ESTABLISHED) ?? undefined;
      if (e === undefined) {
        this.stats.refused++;
        return;
      }
    }
    this.host.log('relay request for us', { relay: ip(via.vpnIp), relayFrom: ip(from), initiatorIdx: m.initiatorRelayIndex, localIdx: e.localIndex });
    this.stats.responsesOut++;
    this.host.send(via, encodeControl({
      type: CONTROL_CREATE_RELAY_RESPONSE, responderRelayIndex: e.localIndex, initiatorRelayIndex: e.remoteIndex,
      relayFromIp: from, relayToIp: this.host.vpnIp,
    }));
  }

  // relay_manager.go handleCreateRelayResponse: the far end accepted our request.
  private onResponse(from: V, m: NebulaControl): void {
    const e = this.table.get(m.initiatorRelayIndex);
    if (e === undefined || e.via !== from) {
      this.stats.unmatched++;
      return;
    }
    e.remoteIndex = m.responderRelayIndex;
    e.state = RELAY_ESTABLISHED;
    this.table.changed(e);
    if (e.type === RELAY_TERMINAL) {
      this.host.relayUp?.(e.peer);
      return;
    }
    const aSide = e.partner;
    if (aSide === null) {
      this.stats.unmatched++;
      return;
    }
    aSide.state = RELAY_ESTABLISHED;
    this.table.changed(aSide);
    this.respond(aSide, aSide.via.vpnIp, from.vpnIp);
  }

  private respond(aSide: RelayEntry<V>, from: number, target: number): void {
    this.stats.responsesOut++;
    this.host.send(aSide.via, encodeControl({
      type: CONTROL_CREATE_RELAY_RESPONSE, responderRelayIndex: aSide.localIndex, initiatorRelayIndex: aSide.remoteIndex,
      relayFromIp: from, relayToIp: target,
    }));
  }
}

function ip(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
