// A scripted Nebula peer for hostile-input tests: a UDP socket opened inside a
// test namespace (UdpSocket with netns), a legitimate certificate of the test
// CA, and byte-level control of everything it sends. It can handshake as
// initiator or responder, seal any message type with any counter (or the wrong
// key), send truncated or junk datagrams, and ping through the tunnel to prove
// the node under attack still works. Its crypto is written here from
// docs/PROTOCOL.md "Header" and "Keys and nonces" (nonces and AD), not taken from the node.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  marshalHandshakeCertificate, parseCertificatePem, parseX25519PrivateKeyPem, type NebulaCertificate,
} from '../../../src/tunnel/cert/index.js';
import {
  IxInitiator, IxResponder, decodeHandshake, encodeHandshake, unixNanos, type KeyPair,
} from '../../../src/tunnel/noise/index.js';
import { Endpoint, UdpSocket } from '../../../src/udp/index.js';
import { waitFor } from '../../../kit/wait.js';
import { icmpEchoV4, isEchoReplyV4 } from '../../../kit/packet.js';

/** Header types and subtypes (docs/PROTOCOL.md "Message types"). */
export const T_HANDSHAKE = 0;
export const T_MESSAGE = 1;
export const T_RECV_ERROR = 2;
export const T_TEST = 4;
export const T_CLOSE = 5;

/** Which cipher the network runs (config `cipher`). */
export type Cipher = 'aes' | 'chachapoly';

/** A datagram the peer received. */
export interface Received {
  readonly bytes: Buffer;
  readonly from: Endpoint;
  readonly at: number;
}

/** Keys and indexes of a tunnel the peer holds with the node. */
export interface Session {
  /** Our index: the node puts it in the header of what it sends us. */
  readonly localIndex: number;
  /** The node's index: we put it in our headers. */
  readonly remoteIndex: number;
  readonly sendKey: Uint8Array;
  readonly recvKey: Uint8Array;
  /** Next counter we send (the first data counter is 3, docs/PROTOCOL.md "Counters"). */
  counter: number;
}

/** The 16-byte header: 0x10|type, subtype, 0, 0, index u32 BE, counter u64 BE. */
export function header(type: number, subtype: number, index: number, counter: number): Buffer {
  const h = Buffer.alloc(16);
  h[0] = 0x10 | type;
  h[1] = subtype;
  h.writeUInt32BE(index >>> 0, 4);
  h.writeBigUInt64BE(BigInt(counter), 8);
  return h;
}

/** Header fields of a received datagram (null if shorter than a header). */
export function parseHeader(b: Buffer): { type: number; subtype: number; index: number; counter: bigint } | null {
  if (b.length < 16) return null;
  return { type: b[0]! & 0x0f, subtype: b[1]!, index: b.readUInt32BE(4), counter: b.readBigUInt64BE(8) };
}

// docs/PROTOCOL.md "Keys and nonces": 4 zero bytes, then the counter: big-endian for aes, little-endian for chachapoly.
function nonce(cipher: Cipher, counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  if (cipher === 'aes') n.writeBigUInt64BE(counter, 4);
  else n.writeBigUInt64LE(counter, 4);
  return n;
}

function cipherOf(cipher: Cipher, key: Uint8Array, iv: Buffer): CipherGCM {
  return cipher === 'aes'
    ? createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
    : createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
}

function decipherOf(cipher: Cipher, key: Uint8Array, iv: Buffer): DecipherGCM {
  return cipher === 'aes'
    ? createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
    : createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
}

/** header || AEAD(key, nonce(counter), ad = header, plaintext) || tag. */
export function seal(cipher: Cipher, key: Uint8Array, hdr: Buffer, plaintext: Uint8Array): Buffer {
  const c = cipherOf(cipher, key, nonce(cipher, hdr.readBigUInt64BE(8)));
  c.setAAD(hdr);
  return Buffer.concat([hdr, c.update(plaintext), c.final(), c.getAuthTag()]);
}

/** The plaintext of a sealed packet, or null if it does not authenticate. */
export function open(cipher: Cipher, key: Uint8Array, packet: Buffer): Buffer | null {
  if (packet.length < 32) return null;
  const hdr = packet.subarray(0, 16);
  const d = decipherOf(cipher, key, nonce(cipher, hdr.readBigUInt64BE(8)));
  d.setAAD(hdr);
  d.setAuthTag(packet.subarray(packet.length - 16));
  try {
    return Buffer.concat([d.update(packet.subarray(16, packet.length - 16)), d.final()]);
  } catch {
    return null;
  }
}

/** Identity of the peer: a certificate of the test CA and its X25519 key. */
export interface PeerIdentity {
  readonly cert: NebulaCertificate;
  readonly keys: KeyPair;
  /** Overlay IP (cert Ips[0]). */
  readonly vpnIp: string;
}

/** The identity in a nebula-cert certificate and key file. */
export function identityFromFiles(crtPath: string, keyPath: string): PeerIdentity {
  const cert = parseCertificatePem(readFileSync(crtPath, 'utf8'));
  const privateKey = parseX25519PrivateKeyPem(readFileSync(keyPath, 'utf8'));
  return { cert, keys: { privateKey, publicKey: cert.details.publicKey }, vpnIp: cert.details.ips[0]!.ip };
}

/** A scripted peer on one UDP socket in a namespace. */
export class HostilePeer {
  readonly received: Received[] = [];
  private readonly loop: Promise<void>;
  private echoId = 0x4d00;

  private constructor(readonly sock: UdpSocket, readonly cipher: Cipher) {
    this.loop = this.receive();
  }

  /** Binds host:port inside the namespace `netns`. */
  static open(netns: string, host: string, port: number, cipher: Cipher): HostilePeer {
    return new HostilePeer(UdpSocket.open({ host, port, netns, gro: 'off', gso: 'off' }), cipher);
  }

  private async receive(): Promise<void> {
    for await (const b of this.sock) {
      for (let i = 0; i < b.count; i++) this.received.push({ bytes: Buffer.from(b.datagram(i)), from: b.peer(i), at: Date.now() });
    }
  }

  /** Index into `received` where the next datagram will land. */
  mark(): number {
    return this.received.length;
  }

  /** Datagrams received since `mark` that satisfy pred. */
  since(mark: number, pred: (r: Received) => boolean = () => true): Received[] {
    return this.received.slice(mark).filter(pred);
  }

  /** Waits for a datagram after `mark` that satisfies pred. */
  async expect(mark: number, pred: (r: Received) => boolean, timeoutMs: number, what: string): Promise<Received> {
    let hit: Received | undefined;
    await waitFor(() => (hit = this.received.slice(mark).find(pred)) !== undefined, timeoutMs, what);
    return hit!;
  }

  /** Sends raw bytes. */
  send(to: Endpoint, bytes: Uint8Array): Promise<void> {
    return this.sock.sendTo(to, bytes);
  }

  /** A msg1 (header + body) from `me` with a fresh index; `initiator` reads the answer. */
  msg1(me: PeerIdentity, opts: { time?: bigint } = {}): { bytes: Buffer; initiator: IxInitiator; localIndex: number } {
    const localIndex = randomBytes(4).readUInt32BE(0) || 1;
    const initiator = new IxInitiator({ cipher: this.cipher, staticKey: me.keys });
    const payload = encodeHandshake({ details: { cert: marshalHandshakeCertificate(me.cert), initiatorIndex: localIndex, time: opts.time ?? unixNanos() } });
    const body = initiator.writeMessage1(payload);
    return { bytes: Buffer.concat([header(T_HANDSHAKE, 0, 0, 1), body]), initiator, localIndex };
  }

  /** Handshakes with the node at `to` as initiator; resolves with the session once msg2 is read. */
  async handshake(to: Endpoint, me: PeerIdentity, timeoutMs = 5000): Promise<Session> {
    const m = this.msg1(me);
    const mark = this.mark();
    await this.send(to, m.bytes);
    const reply = await this.expect(mark, (r) => {
      const h = parseHeader(r.bytes);
      return h !== null && h.type === T_HANDSHAKE && h.counter === 2n && h.index === m.localIndex;
    }, timeoutMs, 'msg2 from the node');
    const res = m.initiator.readMessage2(reply.bytes.subarray(16));
    const hs = decodeHandshake(res.payload);
    return { localIndex: m.localIndex, remoteIndex: hs.details.responderIndex, sendKey: res.k1, recvKey: res.k2, counter: 3 };
  }

  /**
   * Answers a msg1 the node sent (its body after the header) as `me`: returns the
   * msg2 bytes to send and the session they open, without sending anything.
   */
  answer(msg1: Buffer, me: PeerIdentity): { msg2: Buffer; session: Session } {
    const responder = new IxResponder({ cipher: this.cipher, staticKey: me.keys });
    const m1 = responder.readMessage1(msg1.subarray(16));
    const theirs = decodeHandshake(m1.payload).details.initiatorIndex;
    const localIndex = randomBytes(4).readUInt32BE(0) || 1;
    const r = responder.writeMessage2(encodeHandshake({ details: { cert: marshalHandshakeCertificate(me.cert), initiatorIndex: theirs, responderIndex: localIndex, time: unixNanos() } }));
    return {
      msg2: Buffer.concat([header(T_HANDSHAKE, 0, theirs, 2), r.bytes]),
      session: { localIndex, remoteIndex: theirs, sendKey: r.k2, recvKey: r.k1, counter: 3 },
    };
  }

  /** A sealed packet on the session; the counter is the next one unless given; `key` overrides the send key. */
  sealed(s: Session, type: number, subtype: number, plaintext: Uint8Array, opts: { counter?: number; key?: Uint8Array } = {}): Buffer {
    const counter = opts.counter ?? s.counter++;
    return seal(this.cipher, opts.key ?? s.sendKey, header(type, subtype, s.remoteIndex, counter), plaintext);
  }

  /** Decrypted inner packets the node sent on the session since `mark`. */
  inner(s: Session, mark: number): Buffer[] {
    const out: Buffer[] = [];
    for (const r of this.since(mark)) {
      const h = parseHeader(r.bytes);
      if (h === null || h.type !== T_MESSAGE || h.index !== s.localIndex) continue;
      const p = open(this.cipher, s.recvKey, r.bytes);
      if (p !== null) out.push(p);
    }
    return out;
  }

  /** recv_error datagrams since `mark` naming `index` (docs/PROTOCOL.md "recv_error": bare header, counter 0). */
  recvErrors(mark: number, index: number): Received[] {
    return this.since(mark, (r) => {
      const h = parseHeader(r.bytes);
      return r.bytes.length === 16 && h !== null && h.type === T_RECV_ERROR && h.index === index && h.counter === 0n;
    });
  }

  /** An echo request from `me` to `dst` through the tunnel (counter as given or next); the id/seq to expect back. */
  echo(s: Session, me: PeerIdentity, dst: string, counter?: number): { bytes: Buffer; id: number; seq: number } {
    const id = this.echoId;
    const seq = (this.echoId++ & 0xff) + 1;
    return { bytes: this.sealed(s, T_MESSAGE, 0, icmpEchoV4(me.vpnIp, dst, id, seq), { counter }), id, seq };
  }

  /** Pings `dst` through the tunnel and waits for the sealed echo reply: proof the node's data path works both ways. */
  async ping(to: Endpoint, s: Session, me: PeerIdentity, dst: string, timeoutMs = 3000): Promise<void> {
    const e = this.echo(s, me, dst);
    const mark = this.mark();
    await this.send(to, e.bytes);
    await waitFor(() => this.inner(s, mark).some((p) => isEchoReplyV4(p, 0, p.length, e.id, e.seq)), timeoutMs, `echo reply ${e.id}/${e.seq} through the tunnel`);
  }

  /** Closes the socket and ends the receive loop. */
  async close(): Promise<void> {
    this.sock.close();
    await this.loop.catch(() => undefined);
  }
}
