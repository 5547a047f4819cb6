/**
 * Noise IX handshakes with Nebula 1.6.1 semantics (NEBULA-PROTOCOL.md §3): initiating
 * with retries and a packet queue, answering msg1 (duplicates get the cached msg2),
 * "too old" and simultaneous-initiation rules. Off the hot path: plain TypeScript.
 */
import {
  CertError, marshalHandshakeCertificate, recombineHandshakeCertificate, verifyCertificate, u32ToIp,
} from '../cert/index.js';
import type { CipherName } from '../aead/index.js';
import {
  HandshakePayloadError, IxInitiator, IxResponder, NoiseError, decodeHandshake, encodeHandshake, unixNanos,
} from '../noise/index.js';
import { ProtobufError } from '../protobuf/index.js';
import type { Logger } from '../log/logger.js';
import type { Endpoint } from '../udp/index.js';
import {
  COUNTER_HANDSHAKE_MSG1, COUNTER_HANDSHAKE_MSG2, HEADER_LEN, SUBTYPE_HANDSHAKE_IX_PSK0, TYPE_HANDSHAKE, encodeHeader,
} from '../wire/index.js';
import type { Hostmap } from './hostmap.js';
import { peerIdentity, type Pki } from './pki.js';
import { Tunnel } from './tunnel.js';

/** Handshake timing and queueing (config handshakes.*, NEBULA-PROTOCOL.md §6 defaults). */
export interface HandshakeOptions {
  /** Delay unit between msg1 retransmissions (try_interval, default 100 ms). */
  tryIntervalMs: number;
  /** msg1 sends before giving up (retries, default 10). */
  retries: number;
  /** Packets held while a handshake is pending (trigger_buffer, default 64). */
  triggerBuffer: number;
}

/** What the manager needs from the node. */
export interface HandshakeHost {
  pki: Pki;
  cipher: CipherName;
  hostmap: Hostmap;
  log: Logger;
  /** Underlay addresses of a peer (static_host_map). */
  remotesFor(vpnIp: number): readonly Endpoint[];
  /** Sends a handshake datagram. */
  send(to: Endpoint, bytes: Uint8Array): void;
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
}

/** Runs every handshake of one node. */
export class HandshakeManager {
  private readonly pendingByIp = new Map<number, Pending>();
  private closed = false;
  private readonly pendingByIndex = new Map<number, Pending>();
  private readonly handshakeCert: Uint8Array;
  /** Outcome counters. */
  readonly stats: HandshakeStats = { initiated: 0, completed: 0, responded: 0, cachedReplies: 0, timedOut: 0, rejected: 0, tooOld: 0, racesYielded: 0 };

  constructor(private readonly host: HandshakeHost, private readonly opts: HandshakeOptions) {
    this.handshakeCert = marshalHandshakeCertificate(host.pki.cert);
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
    const { pki, hostmap } = this.host;
    const localIndex = hostmap.newIndex();
    const initiator = new IxInitiator({ cipher: this.host.cipher, staticKey: { privateKey: pki.privateKey, publicKey: pki.publicKey } });
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

  /** Handles a handshake datagram (header already decoded: counter selects the stage, §3.4). */
  onPacket(counter: number, remoteIndex: number, buf: Buffer, off: number, len: number, from: Endpoint): void {
    if (this.closed) return;
    const body = buf.subarray(off + HEADER_LEN, off + len);
    if (counter === COUNTER_HANDSHAKE_MSG1) this.onMsg1(body, from);
    else if (counter === COUNTER_HANDSHAKE_MSG2) this.onMsg2(remoteIndex, body, from);
  }

  /** Drops a pending handshake whose local index is `index` (recv_error for it, §5.3). */
  abandonIndex(index: number): void {
    const p = this.pendingByIndex.get(index);
    if (p) this.drop(p);
  }

  /** Stops every timer and forgets pending handshakes. */
  close(): void {
    this.closed = true;
    for (const p of [...this.pendingByIp.values()]) this.drop(p);
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
    for (const r of this.host.remotesFor(p.vpnIp)) this.host.send(r, p.msg1);
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
    hostmap.add(tunnel);
    this.stats.completed++;
    log.info('Handshake message received', {
      handshake: 'stage:2 style:ix_psk0', certName: tunnel.cert.cert.details.name, fingerprint: tunnel.cert.fingerprint,
      initiatorIndex: tunnel.localIndex, responderIndex: tunnel.remoteIndex, udpAddr: from.toString(), vpnIp: u32ToIp(tunnel.vpnIp),
      durationMs: this.host.now() - p.started, sentCachedPackets: p.queued.length,
    });
    this.host.tunnelUp(tunnel, p.queued);
  }

  private onMsg1(body: Buffer, from: Endpoint): void {
    const { log, pki, hostmap } = this.host;
    // A byte-identical retransmission of the msg1 we answered gets the same msg2 (§3.6).
    for (const t of hostmap.all()) {
      if (t.msg1Body && t.msg2 && t.msg1Body.equals(body)) {
        this.stats.cachedReplies++;
        this.host.send(from, t.msg2);
        log.debug('Handshake message sent', { handshake: 'stage:2 style:ix_psk0', cached: true, vpnIp: u32ToIp(t.vpnIp), udpAddr: from.toString() });
        return;
      }
    }
    const responder = new IxResponder({ cipher: this.host.cipher, staticKey: { privateKey: pki.privateKey, publicKey: pki.publicKey } });
    let m1: { payload: Uint8Array; remoteStatic: Uint8Array };
    let hs: ReturnType<typeof decodeHandshake>;
    let verified: ReturnType<typeof verifyCertificate>;
    try {
      m1 = responder.readMessage1(body);
      hs = decodeHandshake(m1.payload);
      const cert = recombineHandshakeCertificate(hs.details.cert, m1.remoteStatic);
      verified = verifyCertificate(cert, pki.pool);
    } catch (e) {
      if (isPeerFault(e)) {
        this.stats.rejected++;
        log.info('Invalid handshake (stage 1)', { udpAddr: from.toString(), error: (e as Error).message });
        return;
      }
      throw e;
    }
    const vpnIp = verified.cert.details.ips[0]?.ipU32;
    if (vpnIp === undefined || hs.details.initiatorIndex === 0) {
      this.stats.rejected++;
      return;
    }
    if (vpnIp === pki.vpnIp) {
      this.stats.rejected++;
      log.info('Refusing to handshake with myself', { udpAddr: from.toString() });
      return;
    }
    const existing = hostmap.get(vpnIp);
    if (existing && hs.details.time <= existing.handshakeTime) {
      this.stats.tooOld++;
      log.info('Handshake too old', { vpnIp: u32ToIp(vpnIp), udpAddr: from.toString() });
      return;
    }
    const pending = this.pendingByIp.get(vpnIp);
    // Simultaneous initiation: the handshake started by the higher VPN IP wins (§3.6).
    if (pending && !(vpnIp > pki.vpnIp)) {
      this.stats.racesYielded++;
      log.info('Prevented a pending handshake race', { vpnIp: u32ToIp(vpnIp) });
      return;
    }
    const localIndex = hostmap.newIndex();
    const payload = encodeHandshake({ details: { cert: this.handshakeCert, initiatorIndex: hs.details.initiatorIndex, responderIndex: localIndex, time: unixNanos() } });
    let r: ReturnType<IxResponder['writeMessage2']>;
    try {
      // The DHs run here: a low-order ephemeral key in msg1 only fails now.
      r = responder.writeMessage2(payload);
    } catch (e) {
      hostmap.releaseIndex(localIndex);
      if (!isPeerFault(e)) throw e;
      this.stats.rejected++;
      log.info('Invalid handshake (stage 1)', { udpAddr: from.toString(), error: (e as Error).message });
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
    tunnel.msg1Body = Buffer.from(body);
    tunnel.msg2 = msg2;
    this.host.send(from, msg2);
    hostmap.add(tunnel);
    this.stats.responded++;
    log.info('Handshake message sent', {
      handshake: 'stage:2 style:ix_psk0', certName: verified.cert.details.name, fingerprint: verified.fingerprint,
      initiatorIndex: tunnel.remoteIndex, responderIndex: localIndex, udpAddr: from.toString(), vpnIp: u32ToIp(vpnIp),
    });
    this.host.tunnelUp(tunnel, queued);
  }
}

// Errors caused by what a peer sent (drop the packet, keep going) versus our own bugs (rethrow).
function isPeerFault(e: unknown): boolean {
  return e instanceof NoiseError || e instanceof CertError || e instanceof HandshakePayloadError || e instanceof ProtobufError;
}
