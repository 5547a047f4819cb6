// One chain of same-flow packets that will leave as a single superpacket: the
// seed's headers, then every payload, contiguous in this chain's store.
import {
  IPPROTO_TCP, IPV4_ID, TCP_CHECKSUM, TCP_FLAGS, TCP_FLAG_ECE, TCP_FLAG_PSH, UDP_CHECKSUM, copyPieces, ipv4DontFragment,
  ipv4HeaderChecksumUpdate, pseudoHeaderSumV4, pseudoHeaderSumV6, readU16BE, setIpv4TotalLength,
  setIpv6PayloadLength, setUdpLength, writeU16BE, type BatchEntry,
} from '../packet/index.js';
import { Packet } from '../tun/packet.js';
import { gsoTypeFor } from '../virtio/index.js';
import { MAX_CHAIN_BYTES, MAX_CHAIN_SEGMENTS } from './constants.js';
import { sameFlowKey, sameIpv4Shape, sameIpv6Shape, sameTcpShape } from './match.js';
import type { ParsedPacket } from './parse.js';

/** Packets held by reference point here once written, so a held buffer can be collected. */
export const EMPTY: Buffer = Buffer.alloc(0);

/** A chain being built; preallocated and reused, one per flow slot. */
export class Chain {
  /** Room for the whole superpacket; filled by finish(), and only for a chain of two or more. */
  readonly store: Buffer;
  /** What flush() hands to the sink for this chain. */
  readonly packet: Packet;
  /** Whether another packet may still be appended. */
  open = false;
  /** Flow key hash of the seed (ParsedPacket.hash). */
  hash = 0;
  /** Packets in the chain, the seed included. */
  segments = 0;

  private version = 0;
  private proto = 0;
  private ipHdrLen = 0;
  private hdrLen = 0;
  // Payload length of the seed: every later segment but the last must match it.
  private gsoSize = 0;
  // Bytes of the superpacket so far: headers plus all payloads.
  private total = 0;
  private nextSeq = 0;
  private nextId = 0;
  // With DF clear the IPv4 id identifies the datagram; segmentation gives id+i, so merged ids must run.
  private idsRun = false;
  private ece = 0;
  // The seed where the caller left it (valid until the flush, per Coalescer.add);
  // later packets are compared with its headers there.
  private seedBuf: Buffer = EMPTY;
  private seedOff = 0;
  private seedLen = 0;
  // Bytes not yet in the store: ranges of pieceBuf (the seed whole, then payloads),
  // copied with one gathering call at finish(), or earlier if a packet from
  // another buffer joins. `stored` bytes of the store are already written.
  private readonly pieceOff = new Int32Array(MAX_CHAIN_SEGMENTS);
  private readonly pieceLen = new Int32Array(MAX_CHAIN_SEGMENTS);
  private pieces = 0;
  private pieceBuf: Buffer = EMPTY;
  private stored = 0;
  // A merged segment carried PSH: set on the superpacket's header once it is in the store.
  private pushSeen = false;

  constructor(store: Buffer) {
    this.store = store;
    this.packet = new Packet(store, 0, 0);
  }

  /** Starts a chain with the lane packet buf[off, off+len), parsed as `p`. */
  seed(buf: Buffer, off: number, len: number, p: ParsedPacket): void {
    this.hash = p.hash;
    this.segments = 1;
    this.version = p.version;
    this.proto = p.proto;
    this.ipHdrLen = p.ipHdrLen;
    this.hdrLen = p.hdrLen;
    this.gsoSize = p.payloadLen;
    this.total = len;
    this.nextSeq = (p.seq + p.payloadLen) >>> 0;
    this.ece = p.flags & TCP_FLAG_ECE;
    if (p.version === 4) {
      this.idsRun = !ipv4DontFragment(buf, off);
      this.nextId = (readU16BE(buf, off + IPV4_ID) + 1) & 0xffff;
    }
    this.seedBuf = buf;
    this.seedOff = off;
    this.seedLen = len;
    this.pieceBuf = buf;
    this.pieceOff[0] = off;
    this.pieceLen[0] = len;
    this.pieces = 1;
    this.stored = 0;
    this.pushSeen = false;
    // Nothing may follow a PSH segment (it ends what the sender wanted delivered).
    this.open = (p.flags & TCP_FLAG_PSH) === 0;
  }

  /** Describes the chain for LightFirst: its seed (headers of the whole chain) and whether it merged several. */
  describe(out: BatchEntry): void {
    out.buf = this.seedBuf;
    out.off = this.seedOff;
    out.len = this.seedLen;
    out.superpacket = this.segments > 1;
  }

  /** Whether the packet at buf[off], parsed as `p`, has this chain's flow key. */
  hasKey(buf: Uint8Array, off: number, p: ParsedPacket): boolean {
    return this.hash === p.hash && this.version === p.version && this.proto === p.proto
      && sameFlowKey(this.seedBuf, this.seedOff, buf, off, p.version, p.proto);
  }

  /**
   * Whether the same-flow packet `p` at buf[off] continues this open chain:
   * room left, same header length, payload not above the seed's, IP header
   * identical but for length/id/checksum, ids running when DF is clear and,
   * for TCP, the next sequence number, the seed's ECE, window and options.
   */
  canAppend(buf: Uint8Array, off: number, p: ParsedPacket): boolean {
    if (this.segments >= MAX_CHAIN_SEGMENTS || this.total + p.payloadLen > MAX_CHAIN_BYTES) return false;
    if (p.hdrLen !== this.hdrLen || p.payloadLen > this.gsoSize) return false;
    const h = this.seedBuf;
    const ho = this.seedOff;
    if (this.version === 4) {
      if (!sameIpv4Shape(h, ho, buf, off)) return false;
      if (this.idsRun && readU16BE(buf, off + IPV4_ID) !== this.nextId) return false;
    } else if (!sameIpv6Shape(h, ho, buf, off)) {
      return false;
    }
    if (this.proto !== IPPROTO_TCP) return true;
    return p.seq === this.nextSeq && (p.flags & TCP_FLAG_ECE) === this.ece
      && sameTcpShape(h, ho + this.ipHdrLen, buf, off + this.ipHdrLen, this.hdrLen - this.ipHdrLen);
  }

  /** Appends the payload of `p` (canAppend said yes); a short or PSH segment closes the chain. */
  append(buf: Buffer, off: number, p: ParsedPacket): void {
    if (buf !== this.pieceBuf) {
      this.storePieces();
      this.pieceBuf = buf;
    }
    const k = this.pieces++;
    this.pieceOff[k] = off + p.hdrLen;
    this.pieceLen[k] = p.payloadLen;
    this.total += p.payloadLen;
    this.segments++;
    this.nextSeq = (this.nextSeq + p.payloadLen) >>> 0;
    this.nextId = (this.nextId + 1) & 0xffff;
    if ((p.flags & TCP_FLAG_PSH) !== 0) {
      // Segmentation puts PSH on the last segment only, which is where it came from.
      this.pushSeen = true;
      this.open = false;
    }
    if (p.payloadLen < this.gsoSize) this.open = false;
  }

  // Copies the pending pieces into the store, after what is there.
  private storePieces(): void {
    if (this.pieces === 0) return;
    this.stored += copyPieces(this.pieceBuf, this.pieceOff, this.pieceLen, this.pieces, this.store, this.stored);
    this.pieces = 0;
  }

  /**
   * The packet to write: a chain of one is the seed exactly as it came (gso
   * null); a longer one gets its lengths, IPv4 header checksum and, in the L4
   * checksum field, the folded pseudo-header sum the kernel completes (NEEDS_CSUM).
   */
  finish(): Packet {
    const pk = this.packet;
    if (this.segments === 1) {
      pk.buf = this.seedBuf;
      pk.off = this.seedOff;
      pk.len = this.seedLen;
      pk.gso = null;
      return pk;
    }
    this.storePieces();
    const s = this.store;
    const ipLen = this.ipHdrLen;
    if (this.pushSeen) s[ipLen + TCP_FLAGS] |= TCP_FLAG_PSH;
    const l4Len = this.total - ipLen;
    const tcp = this.proto === IPPROTO_TCP;
    let pseudo: number;
    if (this.version === 4) {
      setIpv4TotalLength(s, 0, this.total);
      ipv4HeaderChecksumUpdate(s, 0);
      pseudo = pseudoHeaderSumV4(s, 0, this.proto, l4Len);
    } else {
      setIpv6PayloadLength(s, 0, l4Len);
      pseudo = pseudoHeaderSumV6(s, 0, this.proto, l4Len);
    }
    if (!tcp) setUdpLength(s, ipLen, l4Len);
    const csumOffset = tcp ? TCP_CHECKSUM : UDP_CHECKSUM;
    writeU16BE(s, ipLen + csumOffset, pseudo);
    pk.buf = s;
    pk.off = 0;
    pk.len = this.total;
    const g = pk.setGso();
    g.size = this.gsoSize;
    g.hdrLen = this.hdrLen;
    g.csumStart = ipLen;
    g.csumOffset = csumOffset;
    g.proto = tcp ? 'tcp' : 'udp';
    g.gsoType = gsoTypeFor(g.proto, this.version);
    return pk;
  }

  /** Forgets the caller's buffers once written, so they are not kept alive. */
  release(): void {
    this.open = false;
    this.seedBuf = EMPTY;
    this.pieceBuf = EMPTY;
    this.pieces = 0;
    this.packet.buf = this.store;
    this.packet.gso = null;
  }
}
