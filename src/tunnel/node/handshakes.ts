/**
 * Noise IX handshakes with Nebula 1.6.1 semantics (docs/PROTOCOL.md "Handshake message 1",
 * "Handshake message 2", "Retries, duplicates and races"): initiating
 * with retries and a packet queue, answering msg1 (duplicates get the cached msg2),
 * "too old" and simultaneous-initiation rules. Off the hot path: plain TypeScript.
 *
 * Where tio is stricter than 1.6.1 (SECURITY.md): an answered msg1 proves nothing, so
 * the tunnel it makes never displaces an established one at once. It waits as the
 * peer's candidate (Hostmap.addCandidate) and becomes the tunnel when a packet
 * authenticates on it, or when the established tunnel is shown dead (a test request on
 * it goes unanswered for OLD_TUNNEL_SILENT_MS). "Too old" compares a msg1's Time only
 * with a tunnel that proved its keys, so a forged Time cannot lock anyone out. A msg1 is
 * checked for everything that costs nothing (length, protobuf, certificate issuer,
 * expiry, blocklist) before the HandshakeBudget is asked for the signature check and
 * the curve operations. A msg1 that arrives once this turn's allowance is spent waits
 * (copied, at most DEFERRED_MSG1_MAX of them) for the next turn instead of being
 * refused: a burst of new peers in one receive batch is answered a turn later, not
 * after the peers' 100 ms retransmission.
 */
import {
  CertError, marshalHandshakeCertificate, precheckCertificate, recombineHandshakeCertificate, verifyCertificate, u32ToIp,
} from '../cert/index.js';
import type { CipherName } from '../aead/index.js';
import {
  DH_LEN, HandshakePayloadError, IxInitiator, IxResponder, NoiseError, decodeHandshake, encodeHandshake, unixNanos, vetStaticKey,
  type KeyPair,
} from '../noise/index.js';
import { ProtobufError } from '../protobuf/index.js';
import type { Logger } from '../log/logger.js';
import type { Endpoint } from '../../udp/index.js';
import {
  COUNTER_HANDSHAKE_MSG1, COUNTER_HANDSHAKE_MSG2, HEADER_LEN, SUBTYPE_HANDSHAKE_IX_PSK0, TYPE_HANDSHAKE, encodeHeader,
} from '../wire/index.js';
import { DEFAULT_HANDSHAKE_SCREEN, HandshakeBudget, type HandshakeBudgetOptions } from './handshake-budget.js';
import type { Hostmap } from './hostmap.js';
import { peerIdentity, type Pki } from './pki.js';
import { Tunnel } from './tunnel.js';

/** Handshake timing and queueing (config handshakes.*, defaults in docs/PROTOCOL.md "Config keys and defaults"). */
export interface HandshakeOptions {
  /** Delay unit between msg1 retransmissions (try_interval, default 100 ms). */
  tryIntervalMs: number;
  /** msg1 sends before giving up (retries, default 10). */
  retries: number;
  /** Packets held while a handshake is pending (trigger_buffer, default 64). */
  triggerBuffer: number;
  /** Limits on unauthenticated handshake work (default DEFAULT_HANDSHAKE_BUDGET). */
  budget?: HandshakeBudgetOptions;
  /** Limits on msg1 parsed at all, before any check (default DEFAULT_HANDSHAKE_SCREEN). */
  screen?: HandshakeBudgetOptions;
}

/**
 * How long an established tunnel may stay silent after a candidate for its peer arrived (and a
 * test request went out on it) before it counts as dead and the candidate takes over. A live
 * peer answers a test request within one round trip; 2 s leaves room for a loaded path and
 * keeps a restarted peer's recovery well inside the 5 s nebula users see.
 */
export const OLD_TUNNEL_SILENT_MS = 2000;
/** How long a candidate whose peer's established tunnel stays alive waits for its proof before it is dropped. */
export const CANDIDATE_TTL_MS = 10_000;
/**
 * msg1s held for the next turn when this turn's handshake allowance is spent: one receive batch
 * (the UDP layer's RECV_BATCH_MAX, 64). Beyond it they are refused as over budget; ~64 x 1.5 KiB at most.
 */
export const DEFERRED_MSG1_MAX = 64;
/** At most one log line per second for each kind of refused handshake; the rest are counted in the next line of that kind. */
const REFUSAL_LOG_INTERVAL_MS = 1000;

/** What the manager needs from the node. */
export interface HandshakeHost {
  pki: Pki;
  cipher: CipherName;
  hostmap: Hostmap;
  log: Logger;
  /** Underlay addresses of a peer (static_host_map, then what lighthouses told us). */
  remotesFor(vpnIp: number): readonly Endpoint[];
  /**
   * A msg1 to vpnIp is about to go to `remotes` addresses: with at most one, nebula asks its
   * lighthouses again, since the peer may not have reported all its addresses yet (handshake_manager.go).
   */
  sending?(vpnIp: number, remotes: number): void;
  /** Sends a handshake datagram. */
  send(to: Endpoint, bytes: Uint8Array): void;
  /** Whether a handshake from `from` for vpnIp is allowed (lighthouse.remote_allow_list); absent: always. */
  remoteAllowed?(vpnIp: number, from: Endpoint): boolean;
  /** Sends a test request on an established tunnel (a candidate for its peer arrived: is it still alive?). */
  probe(t: Tunnel): void;
  /** A tunnel came up (new or replacing one); `queued` are inner packets held for it. */
  tunnelUp(t: Tunnel, queued: Buffer[]): void;
  /** Monotonic milliseconds (the clock tunnels' liveness stamps use). */
  now(): number;
  /** Tunnels keep copies of their raw keys (a multi-queue node replicates them to worker threads). */
  keepKeys?: boolean;
}

interface Pending {
  vpnIp: number;
  localIndex: number;
  initiator: IxInitiator;
  msg1: Buffer;
  sends: number;
  timer: NodeJS.Timeout | null;
  queued: Buffer[];
  started: number;
}

/** Counters of handshake outcomes. */
export interface HandshakeStats {
  initiated: number;
  completed: number;
  responded: number;
  cachedReplies: number;
  timedOut: number;
  rejected: number;
  tooOld: number;
  racesYielded: number;
  /** msg1 refused unexamined or unanswered: the source or this event-loop turn had no budget left (screen or budget). */
  overBudget: number;
  /** msg1 held for a later turn because this turn's handshake allowance was spent (each is later counted in one outcome). */
  deferred: number;
  /** Tunnels made from a msg1 while the peer had an established tunnel (waiting for proof). */
  candidates: number;
  /** Candidates that became the tunnel: a packet authenticated on them, or the old tunnel fell silent. */
  promoted: number;
  /** Candidates dropped unproven (their peer's established tunnel stayed alive). */
  candidatesExpired: number;
  /** Handshake messages from an address lighthouse.remote_allow_list refuses for the peer. */
  remoteDenied: number;
}

interface CandidateState {
  since: number;
  timer: NodeJS.Timeout;
}

/** Runs every handshake of one node. */
export class HandshakeManager {
  private readonly pendingByIp = new Map<number, Pending>();
  private closed = false;
  private readonly pendingByIndex = new Map<number, Pending>();
  private handshakeCert: Uint8Array;
  private staticKey: KeyPair;
  private readonly budget: HandshakeBudget;
  private readonly screen: HandshakeBudget;
  // Responder tunnels by the ephemeral key of the msg1 they answered, for duplicate msg1 (closed ones pruned lazily).
  private readonly answered = new Map<string, Tunnel>();
  private readonly candidateState = new Map<Tunnel, CandidateState>();
  // Per kind of refusal (a finite set: message and error code/reason): last line logged, refusals since.
  private readonly refusalLog = new Map<string, { at: number; unlogged: number }>();
  /** Outcome counters. */
  readonly stats: HandshakeStats = {
    initiated: 0, completed: 0, responded: 0, cachedReplies: 0, timedOut: 0, rejected: 0, tooOld: 0, racesYielded: 0,
    overBudget: 0, deferred: 0, candidates: 0, promoted: 0, candidatesExpired: 0, remoteDenied: 0,
  };
  // msg1s waiting for the next turn's allowance (copies), and the immediate that will answer them.
  private readonly deferredMsg1: { body: Buffer; from: Endpoint }[] = [];
  private drainDeferred: NodeJS.Immediate | null = null;

  constructor(private readonly host: HandshakeHost, private readonly opts: HandshakeOptions) {
    this.handshakeCert = marshalHandshakeCertificate(host.pki.cert);
    this.staticKey = vetStaticKey({ privateKey: host.pki.privateKey, publicKey: host.pki.publicKey });
    this.budget = new HandshakeBudget(opts.budget, host.now);
    this.screen = new HandshakeBudget(opts.screen ?? DEFAULT_HANDSHAKE_SCREEN, host.now);
  }

  /**
   * A reloaded PKI (docs/PROTOCOL.md "Reloading the config"): handshakes started or answered from now
   * on send its certificate and use its key and verify peers against its CA pool and blocklist;
   * handshakes already under way finish with what they started with.
   */
  setPki(pki: Pki): void {
    const staticKey = vetStaticKey({ privateKey: pki.privateKey, publicKey: pki.publicKey });
    this.handshakeCert = marshalHandshakeCertificate(pki.cert);
    this.staticKey = staticKey;
    this.host.pki = pki;
  }

  /** True while a handshake to vpnIp is pending. */
  isPending(vpnIp: number): boolean {
    return this.pendingByIp.has(vpnIp);
  }

  /**
   * Starts a handshake to vpnIp unless one is pending; `packet` (copied) is
   * held until it completes. Returns false when no remote is known.
   */
  trigger(vpnIp: number, packet?: Uint8Array): boolean {
    // A stopping node must not bring up tunnels after its close_tunnel went out.
    if (this.closed) return false;
    const existing = this.pendingByIp.get(vpnIp);
    if (existing) {
      if (packet && existing.queued.length < this.opts.triggerBuffer) existing.queued.push(Buffer.from(packet));
      return true;
    }
    const remotes = this.host.remotesFor(vpnIp);
    if (remotes.length === 0) return false;
    const { hostmap } = this.host;
    const localIndex = hostmap.newIndex();
    const initiator = new IxInitiator({ cipher: this.host.cipher, staticKey: this.staticKey });
    const payload = encodeHandshake({ details: { cert: this.handshakeCert, initiatorIndex: localIndex, time: unixNanos() } });
    const body = initiator.writeMessage1(payload);
    const msg1 = Buffer.alloc(HEADER_LEN + body.length);
    encodeHeader(msg1, 0, TYPE_HANDSHAKE, SUBTYPE_HANDSHAKE_IX_PSK0, 0, COUNTER_HANDSHAKE_MSG1);
    msg1.set(body, HEADER_LEN);
    const p: Pending = { vpnIp, localIndex, initiator, msg1, sends: 0, timer: null, queued: [], started: this.host.now() };
    if (packet) p.queued.push(Buffer.from(packet));
    this.pendingByIp.set(vpnIp, p);
    this.pendingByIndex.set(localIndex, p);
    this.stats.initiated++;
    this.sendMsg1(p);
    return true;
  }

  /**
   * New addresses for vpnIp were learned while its handshake is pending: msg1 goes to every current
   * address now, outside the retry schedule (nebula's lighthouse trigger does this before the first
   * try; here the first try may have gone nowhere). False when no handshake to vpnIp is pending.
   */
  hurry(vpnIp: number): boolean {
    const p = this.pendingByIp.get(vpnIp);
    if (p === undefined || this.closed) return false;
    for (const r of this.host.remotesFor(vpnIp)) this.host.send(r, p.msg1);
    return true;
  }

  /** Handles a handshake datagram (header already decoded: counter selects the stage, docs/PROTOCOL.md "Handshake payload"). */
  onPacket(counter: number, remoteIndex: number, buf: Buffer, off: number, len: number, from: Endpoint): void {
    if (this.closed) return;
    const body = buf.subarray(off + HEADER_LEN, off + len);
    if (counter === COUNTER_HANDSHAKE_MSG1) this.onMsg1(body, from);
    else if (counter === COUNTER_HANDSHAKE_MSG2) this.onMsg2(remoteIndex, body, from);
  }

  /**
   * A recv_error from `from` names `index` (docs/PROTOCOL.md "recv_error"): a pending handshake with that local index is
   * dropped only when `from` is an address its msg1 went to. The index travels in clear in msg1,
   * so anyone else could name it.
   */
  abandonIndex(index: number, from: Endpoint): void {
    const p = this.pendingByIndex.get(index);
    if (p && this.host.remotesFor(p.vpnIp).some((r) => r.equals(from))) this.drop(p);
  }

  /**
   * A packet authenticated on `t` for the first time. If `t` is its peer's candidate, the peer
   * has shown it holds the keys: `t` becomes the tunnel.
   */
  proven(t: Tunnel): void {
    t.awaitingProof = false;
    if (this.host.hostmap.candidate(t.vpnIp) === t) this.promote(t, 'authenticated');
  }

  /** Stops every timer and forgets pending handshakes and candidates. */
  close(): void {
    this.closed = true;
    for (const p of [...this.pendingByIp.values()]) this.drop(p);
    for (const c of this.candidateState.values()) clearTimeout(c.timer);
    this.candidateState.clear();
    this.answered.clear();
    if (this.drainDeferred) clearImmediate(this.drainDeferred);
    this.drainDeferred = null;
    this.deferredMsg1.length = 0;
    this.budget.close();
    this.screen.close();
  }

  /** Number of responder tunnels remembered for duplicate msg1 (bounded by live tunnels and candidates). */
  get answeredSize(): number {
    return this.answered.size;
  }

  // Linear backoff: the n-th resend waits n * try_interval (handshake_manager.go).
  private sendMsg1(p: Pending): void {
    if (this.pendingByIndex.get(p.localIndex) !== p) return;
    if (p.sends >= this.opts.retries) {
      this.stats.timedOut++;
      this.host.log.info('Handshake timed out', { vpnIp: u32ToIp(p.vpnIp), initiatorIndex: p.localIndex, sends: p.sends, durationMs: this.host.now() - p.started });
      this.drop(p);
      return;
    }
    p.sends++;
    const remotes = this.host.remotesFor(p.vpnIp);
    this.host.sending?.(p.vpnIp, remotes.length);
    for (const r of remotes) this.host.send(r, p.msg1);
    if (p.sends === 1) {
      this.host.log.info('Handshake message sent', { handshake: 'stage:1 style:ix_psk0', vpnIp: u32ToIp(p.vpnIp), initiatorIndex: p.localIndex });
    }
    p.timer = setTimeout(() => this.sendMsg1(p), this.opts.tryIntervalMs * p.sends);
    p.timer.unref();
  }

  private drop(p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (this.pendingByIp.get(p.vpnIp) === p) this.pendingByIp.delete(p.vpnIp);
    if (this.pendingByIndex.get(p.localIndex) === p) this.pendingByIndex.delete(p.localIndex);
    this.host.hostmap.releaseIndex(p.localIndex);
  }

  private onMsg2(remoteIndex: number, body: Buffer, from: Endpoint): void {
    const p = this.pendingByIndex.get(remoteIndex);
    if (!p) return;
    const { log, pki, hostmap } = this.host;
    // As nebula, before the message is read: the handshake stays pending for an allowed address.
    if (this.host.remoteAllowed?.(p.vpnIp, from) === false) {
      this.denied(p.vpnIp, from);
      return;
    }
    let tunnel: Tunnel;
    try {
      const r = p.initiator.readMessage2(body);
      const hs = decodeHandshake(r.payload);
      const cert = recombineHandshakeCertificate(hs.details.cert, r.remoteStatic);
      const verified = verifyCertificate(cert, pki.pool);
      const vpnIp = cert.details.ips[0]?.ipU32;
      if (vpnIp !== p.vpnIp) {
        this.stats.rejected++;
        log.info('Incorrect host responded to handshake', { intendedVpnIp: u32ToIp(p.vpnIp), haveVpnIp: vpnIp === undefined ? 'none' : u32ToIp(vpnIp), udpAddr: from.toString() });
        return;
      }
      tunnel = new Tunnel({
        vpnIp, localIndex: p.localIndex, remoteIndex: hs.details.responderIndex, remote: from, cipher: this.host.cipher,
        sendKey: r.k1, recvKey: r.k2, cert: verified, identity: peerIdentity(verified), handshakeTime: hs.details.time, initiator: true,
        keepKeys: this.host.keepKeys,
      }, this.host.now());
    } catch (e) {
      if (isPeerFault(e)) {
        this.stats.rejected++;
        log.info('Failed to complete handshake (stage 2)', { vpnIp: u32ToIp(p.vpnIp), udpAddr: from.toString(), error: (e as Error).message });
        return;
      }
      throw e;
    }
    this.drop(p);
    // msg2 is sealed to our ephemeral key by the responder's static key: this tunnel is proven, and replaces any other.
    this.forgetCandidate(hostmap.candidate(tunnel.vpnIp));
    hostmap.add(tunnel);
    this.stats.completed++;
    log.info('Handshake message received', {
      handshake: 'stage:2 style:ix_psk0', certName: tunnel.cert.cert.details.name, fingerprint: tunnel.cert.fingerprint,
      initiatorIndex: tunnel.localIndex, responderIndex: tunnel.remoteIndex, udpAddr: from.toString(), vpnIp: u32ToIp(tunnel.vpnIp),
      durationMs: this.host.now() - p.started, sentCachedPackets: p.queued.length,
    });
    this.host.tunnelUp(tunnel, p.queued);
  }

  // lighthouse.remote_allow_list refused the address (docs/PROTOCOL.md "Allow lists"); nebula logs it at debug.
  private denied(vpnIp: number, from: Endpoint): void {
    this.stats.remoteDenied++;
    this.host.log.debug('lighthouse.remote_allow_list denied incoming handshake', { vpnIp: u32ToIp(vpnIp), udpAddr: from.toString() });
  }

  private onMsg1(body: Buffer, from: Endpoint): void {
    // A source sending more msg1 than any honest peer does is refused before even the parse.
    if (!this.screen.admit(from)) {
      this.stats.overBudget++;
      this.refused('Handshake refused: over budget', from, 'too many handshake messages from this address or in this turn', false);
      return;
    }
    this.answerMsg1(body, from);
  }

  // A screened msg1, now or (deferred) in a later turn.
  private answerMsg1(body: Buffer, from: Endpoint): void {
    const { log, pki, hostmap } = this.host;
    // A byte-identical retransmission of the msg1 we answered gets the same msg2 (docs/PROTOCOL.md "Retries, duplicates and races").
    const key = body.length >= DH_LEN ? body.toString('hex', 0, DH_LEN) : '';
    const seen = this.answered.get(key);
    if (seen !== undefined) {
      if (!seen.isClosed && seen.msg1Body !== null && seen.msg2 !== null && seen.msg1Body.equals(body)) {
        this.stats.cachedReplies++;
        this.host.send(from, seen.msg2);
        log.debug('Handshake message sent', { handshake: 'stage:2 style:ix_psk0', cached: true, vpnIp: u32ToIp(seen.vpnIp), udpAddr: from.toString() });
        return;
      }
      if (seen.isClosed) this.answered.delete(key);
    }
    if (this.budget.turnSpent) {
      this.defer(body, from);
      return;
    }
    // Everything up to the budget costs no signature check and no curve operation.
    const responder = new IxResponder({ cipher: this.host.cipher, staticKey: this.staticKey });
    let hs: ReturnType<typeof decodeHandshake>;
    let cert: ReturnType<typeof recombineHandshakeCertificate>;
    try {
      const m1 = responder.readMessage1(body);
      hs = decodeHandshake(m1.payload);
      cert = recombineHandshakeCertificate(hs.details.cert, m1.remoteStatic);
      precheckCertificate(cert, pki.pool);
    } catch (e) {
      if (!isPeerFault(e)) throw e;
      this.refused('Invalid handshake (stage 1)', from, e);
      return;
    }
    const vpnIp = cert.details.ips[0]?.ipU32;
    if (vpnIp === undefined || hs.details.initiatorIndex === 0) {
      this.refused('Invalid handshake (stage 1)', from, vpnIp === undefined ? 'certificate has no IP' : 'initiator index 0');
      return;
    }
    if (vpnIp === pki.vpnIp) {
      this.refused('Refusing to handshake with myself', from, 'certificate names our own IP');
      return;
    }
    if (this.host.remoteAllowed?.(vpnIp, from) === false) {
      this.denied(vpnIp, from);
      return;
    }
    const existing = hostmap.get(vpnIp);
    // Only a tunnel whose peer proved its keys holds a Time worth defending: a forged msg1 with a
    // huge Time must not lock out the peer's later handshakes.
    if (existing && !existing.awaitingProof && hs.details.time <= existing.handshakeTime) {
      this.stats.tooOld++;
      log.info('Handshake too old', { vpnIp: u32ToIp(vpnIp), udpAddr: from.toString() });
      return;
    }
    const pending = this.pendingByIp.get(vpnIp);
    // Simultaneous initiation: the handshake started by the higher VPN IP wins (docs/PROTOCOL.md "Retries, duplicates and races").
    if (pending && !(vpnIp > pki.vpnIp)) {
      this.stats.racesYielded++;
      log.info('Prevented a pending handshake race', { vpnIp: u32ToIp(vpnIp) });
      return;
    }
    if (!this.budget.admit(from)) {
      this.stats.overBudget++;
      this.refused('Handshake refused: over budget', from, 'too many handshakes from this address or in this turn', false);
      return;
    }
    let verified: ReturnType<typeof verifyCertificate>;
    const localIndex = hostmap.newIndex();
    let r: ReturnType<IxResponder['writeMessage2']>;
    try {
      verified = verifyCertificate(cert, pki.pool);
      const payload = encodeHandshake({ details: { cert: this.handshakeCert, initiatorIndex: hs.details.initiatorIndex, responderIndex: localIndex, time: unixNanos() } });
      // The DHs run here: a low-order ephemeral key in msg1 only fails now.
      r = responder.writeMessage2(payload);
    } catch (e) {
      hostmap.releaseIndex(localIndex);
      if (!isPeerFault(e)) throw e;
      this.refused('Invalid handshake (stage 1)', from, e);
      return;
    }
    let queued: Buffer[] = [];
    if (pending) {
      queued = pending.queued;
      this.drop(pending);
    }
    const msg2 = Buffer.alloc(HEADER_LEN + r.bytes.length);
    encodeHeader(msg2, 0, TYPE_HANDSHAKE, SUBTYPE_HANDSHAKE_IX_PSK0, hs.details.initiatorIndex, COUNTER_HANDSHAKE_MSG2);
    msg2.set(r.bytes, HEADER_LEN);
    const tunnel = new Tunnel({
      vpnIp, localIndex, remoteIndex: hs.details.initiatorIndex, remote: from, cipher: this.host.cipher,
      sendKey: r.k2, recvKey: r.k1, cert: verified, identity: peerIdentity(verified), handshakeTime: hs.details.time, initiator: false,
      keepKeys: this.host.keepKeys,
    }, this.host.now());
    tunnel.awaitingProof = true;
    tunnel.msg1Body = Buffer.from(body);
    tunnel.msg2 = msg2;
    this.host.send(from, msg2);
    this.answered.set(key, tunnel);
    this.pruneAnswered();
    this.stats.responded++;
    log.info('Handshake message sent', {
      handshake: 'stage:2 style:ix_psk0', certName: verified.cert.details.name, fingerprint: verified.fingerprint,
      initiatorIndex: tunnel.remoteIndex, responderIndex: localIndex, udpAddr: from.toString(), vpnIp: u32ToIp(vpnIp),
    });
    if (existing && !existing.awaitingProof) {
      this.addCandidate(tunnel, existing);
      if (queued.length > 0) this.host.tunnelUp(existing, queued);
      return;
    }
    // Nothing proven to displace: the tunnel is the peer's now (and stays unproven until a packet authenticates).
    this.forgetCandidate(hostmap.candidate(vpnIp));
    hostmap.add(tunnel);
    this.host.tunnelUp(tunnel, queued);
  }

  // Holds a msg1 (a copy: body points into the receive batch) until a turn with allowance left.
  private defer(body: Buffer, from: Endpoint): void {
    if (this.deferredMsg1.length >= DEFERRED_MSG1_MAX) {
      this.stats.overBudget++;
      this.refused('Handshake refused: over budget', from, 'too many handshakes in this turn', false);
      return;
    }
    this.stats.deferred++;
    this.deferredMsg1.push({ body: Buffer.from(body), from });
    this.drainDeferred ??= setImmediate(() => this.answerDeferred());
  }

  // Runs after the budget's own turn reset (scheduled when the allowance started to be used, so
  // earlier): answers held msg1s while the new turn's allowance lasts, the rest wait for the next
  // (all of them when msg1s that came before this callback already spent it).
  private answerDeferred(): void {
    this.drainDeferred = null;
    if (this.closed) return;
    // An allowance that never renews (perTurn 0) would have them wait forever: refuse.
    if (!this.budget.renews) {
      for (const d of this.deferredMsg1.splice(0)) {
        this.stats.overBudget++;
        this.refused('Handshake refused: over budget', d.from, 'too many handshakes in this turn', false);
      }
      return;
    }
    while (this.deferredMsg1.length > 0 && !this.budget.turnSpent) {
      const d = this.deferredMsg1.shift()!;
      this.answerMsg1(d.body, d.from);
    }
    if (this.deferredMsg1.length > 0) this.drainDeferred = setImmediate(() => this.answerDeferred());
  }

  // `t` waits for its proof beside `old`; `old` is asked whether it is still alive.
  private addCandidate(t: Tunnel, old: Tunnel): void {
    const { hostmap, log } = this.host;
    this.forgetCandidate(hostmap.candidate(t.vpnIp));
    hostmap.addCandidate(t);
    this.stats.candidates++;
    const since = this.host.now();
    log.info('Handshake answered while a tunnel exists; keeping the tunnel until the new one is proven', { vpnIp: u32ToIp(t.vpnIp), udpAddr: t.remote.toString() });
    const timer = setTimeout(() => this.checkCandidate(t, old, since), OLD_TUNNEL_SILENT_MS);
    timer.unref();
    this.candidateState.set(t, { since, timer });
    this.host.probe(old);
  }

  // OLD_TUNNEL_SILENT_MS after `t` arrived: take over from a silent `old`, else wait for proof until CANDIDATE_TTL_MS.
  private checkCandidate(t: Tunnel, old: Tunnel, since: number): void {
    const { hostmap, log } = this.host;
    const st = this.candidateState.get(t);
    if (st === undefined) return;
    if (hostmap.candidate(t.vpnIp) !== t) {
      this.candidateState.delete(t);
      return;
    }
    const current = hostmap.get(t.vpnIp);
    if (current !== old || old.isClosed || old.lastInbound < since) {
      this.promote(t, 'old tunnel silent');
      return;
    }
    const now = this.host.now();
    if (now - since >= CANDIDATE_TTL_MS) {
      this.stats.candidatesExpired++;
      log.info('Dropping an unproven handshake: the established tunnel is alive', { vpnIp: u32ToIp(t.vpnIp), udpAddr: t.remote.toString() });
      this.forgetCandidate(t);
      hostmap.remove(t);
      return;
    }
    st.timer = setTimeout(() => this.checkCandidate(t, old, since), Math.min(OLD_TUNNEL_SILENT_MS, CANDIDATE_TTL_MS - (now - since)));
    st.timer.unref();
  }

  private promote(t: Tunnel, why: string): void {
    this.forgetCandidate(t);
    if (!this.host.hostmap.promote(t)) return;
    this.stats.promoted++;
    this.host.log.info('Taking new handshake', { vpnIp: u32ToIp(t.vpnIp), udpAddr: t.remote.toString(), reason: why });
  }

  private forgetCandidate(t: Tunnel | undefined): void {
    if (t === undefined) return;
    const st = this.candidateState.get(t);
    if (st === undefined) return;
    clearTimeout(st.timer);
    this.candidateState.delete(t);
  }

  // The answered map holds at most about one entry per tunnel and candidate: prune closed ones as it grows.
  private pruneAnswered(): void {
    const live = this.host.hostmap.size * 2 + 16;
    if (this.answered.size <= live) return;
    for (const [k, t] of this.answered) if (t.isClosed) this.answered.delete(k);
  }

  // A refused msg1: counted, and logged at most once per REFUSAL_LOG_INTERVAL_MS per kind (a flood must not become a log flood).
  private refused(msg: string, from: Endpoint, error: unknown, count = true): void {
    if (count) this.stats.rejected++;
    const e = error as { message?: unknown; code?: unknown; reason?: unknown };
    const text = typeof e.message === 'string' ? e.message : String(error);
    const kind = typeof e.code === 'string' ? `${msg}|${e.code}|${String(e.reason ?? '')}` : `${msg}|${text}`;
    const now = this.host.now();
    const last = this.refusalLog.get(kind);
    if (last !== undefined && now - last.at < REFUSAL_LOG_INTERVAL_MS) {
      last.unlogged++;
      return;
    }
    this.host.log.info(msg, { udpAddr: from.toString(), error: text, ...(last !== undefined && last.unlogged > 0 ? { alsoRefused: last.unlogged } : {}) });
    this.refusalLog.set(kind, { at: now, unlogged: 0 });
  }
}

// Errors caused by what a peer sent (drop the packet, keep going) versus our own bugs (rethrow).
function isPeerFault(e: unknown): boolean {
  return e instanceof NoiseError || e instanceof CertError || e instanceof HandshakePayloadError || e instanceof ProtobufError;
}
