// Reject packets for a packet a firewall refused: a TCP RST for TCP, an ICMP / ICMPv6
// "administratively prohibited" destination unreachable for everything else, addressed back to
// the refused packet's sender. The choices follow nebula's CreateRejectPacket (nebula >= 1.7);
// tio is stricter where the RFCs forbid an answer (docs/firewall-reject.md lists the differences).
//
// Builders write into a caller's buffer, allocate nothing, never throw, and return 0 whenever no
// reject may be sent: malformed or truncated input, non-first fragments, ICMP errors, RSTs,
// broadcast/multicast/unspecified addresses.
import { rangesOverlap, readU16BE, readU32BE, writeU16BE, writeU32BE } from './bytes.js';
import { finish, pseudoHeaderSumV4, pseudoHeaderSumV6, sum16 } from './checksum.js';
import { IPV4_FLAGS_FRAG, IPV4_FRAG_OFFSET_MASK, IPV4_MIN_HEADER_LEN, IPV4_TOTAL_LENGTH } from './ipv4.js';
import {
  IPV6_EXT_AUTH, IPV6_EXT_DEST_OPTS, IPV6_EXT_FRAGMENT, IPV6_EXT_HOP_BY_HOP, IPV6_EXT_ROUTING, IPV6_HEADER_LEN,
  IPV6_PAYLOAD_LENGTH,
} from './ipv6.js';
import { IPPROTO_TCP, TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_RST, TCP_FLAG_SYN, TCP_MIN_HEADER_LEN } from './tcp.js';
import { IPPROTO_UDP, UDP_HEADER_LEN } from './udp.js';

/** IP protocol number of ICMP (RFC 792). */
export const IPPROTO_ICMP = 1;
/** IP protocol number of ICMPv6 (RFC 4443). */
export const IPPROTO_ICMPV6 = 58;
/** ICMP type Destination Unreachable (RFC 792). */
export const ICMP_DEST_UNREACH = 3;
/** ICMP code "communication administratively prohibited" (RFC 1812 section 5.2.7.1); nebula's choice. */
export const ICMP_CODE_ADMIN_PROHIBITED = 13;
/** ICMPv6 type Destination Unreachable (RFC 4443 section 3.1). */
export const ICMPV6_DEST_UNREACH = 1;
/** ICMPv6 code "communication with destination administratively prohibited" (RFC 4443 section 3.1); nebula's choice. */
export const ICMPV6_CODE_ADMIN_PROHIBITED = 1;
/** TTL / hop limit of a reject: 64, as nebula (and Linux's default ip_default_ttl). */
export const REJECT_TTL = 64;
/**
 * Bytes of the refused IPv6 packet an ICMPv6 reject quotes at most: nebula's 1000, so the reject
 * plus tunnel overhead stays under any overlay MTU (RFC 4443 2.4(c) allows up to 1232).
 */
export const REJECT_V6_QUOTE_MAX = 1000;
/** Bytes of L4 header an ICMP (IPv4) reject quotes after the IP header (RFC 792: 64 bits). */
const V4_QUOTE_L4 = 8;
/** ICMP and ICMPv6 header length before the quote (type, code, checksum, 4 unused bytes). */
const ICMP_HEADER_LEN = 8;
/** The longest reject: IPv6 header + ICMPv6 header + the largest quote (1048 bytes). */
export const REJECT_MAX_LEN = IPV6_HEADER_LEN + ICMP_HEADER_LEN + REJECT_V6_QUOTE_MAX;
// Extension headers walked at most, as ipv6L4 and nebula's IPv6FindUpperProtocol.
const MAX_EXT_HEADERS = 8;

/**
 * Builds into out[outOff..] the reject for the refused IP packet pkt[off, off+len) and returns its
 * length, or 0 when no reject must be sent (or out has no room, or overlaps the input). Never throws.
 */
export function buildRejectPacket(pkt: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): number {
  if (!Number.isInteger(off) || !Number.isInteger(len) || !Number.isInteger(outOff)) return 0;
  if (off < 0 || len < 1 || off + len > pkt.length || outOff < 0 || outOff > out.length) return 0;
  if (rangesOverlap(pkt, off, len, out, outOff, Math.min(REJECT_MAX_LEN, out.length - outOff))) return 0;
  const v = pkt[off]! >>> 4;
  if (v === 4) return rejectV4(pkt, off, len, out, outOff);
  if (v === 6) return rejectV6(pkt, off, len, out, outOff);
  return 0;
}

// ---- IPv4 ----

function rejectV4(pkt: Uint8Array, off: number, len: number, out: Uint8Array, o: number): number {
  if (len < IPV4_MIN_HEADER_LEN) return 0;
  const ihl = (pkt[off]! & 0x0f) << 2;
  const total = readU16BE(pkt, off + IPV4_TOTAL_LENGTH);
  // Trailing bytes past the total length are link padding; a total beyond the data is truncation.
  if (ihl < IPV4_MIN_HEADER_LEN || total < ihl || total > len) return 0;
  // A header the receiving kernel would discard (ip_rcv) never deserves an answer.
  if (finish(sum16(pkt, off, ihl)) !== 0) return 0;
  // Non-first fragments carry no L4 header (nebula: no reject; RFC 1122 3.2.2).
  if ((readU16BE(pkt, off + IPV4_FLAGS_FRAG) & IPV4_FRAG_OFFSET_MASK) !== 0) return 0;
  const src = readU32BE(pkt, off + 12);
  const dst = readU32BE(pkt, off + 16);
  if (!v4UnicastSource(src) || v4GroupDestination(dst)) return 0;
  const l4 = off + ihl;
  const l4Len = total - ihl;
  const proto = pkt[off + 9]!;
  if (proto === IPPROTO_TCP) return tcpRst(pkt, l4, l4Len, out, o, 4, off);
  if (proto === IPPROTO_ICMP) {
    // ICMP header is 8 bytes; no ICMP error about an ICMP error (RFC 1122 3.2.2; nebula's list).
    if (l4Len < ICMP_HEADER_LEN || isIcmpV4Error(pkt[l4]!)) return 0;
  } else if (proto === IPPROTO_UDP && !udpHeaderSane(pkt, l4, l4Len)) return 0;
  const quote = ihl + Math.min(V4_QUOTE_L4, l4Len);
  const n = IPV4_MIN_HEADER_LEN + ICMP_HEADER_LEN + quote;
  if (o + n > out.length) return 0;
  writeV4Header(out, o, n, IPPROTO_ICMP, pkt, off);
  const icmp = o + IPV4_MIN_HEADER_LEN;
  out[icmp] = ICMP_DEST_UNREACH;
  out[icmp + 1] = ICMP_CODE_ADMIN_PROHIBITED;
  out.fill(0, icmp + 2, icmp + ICMP_HEADER_LEN);
  copy(pkt, off, quote, out, icmp + ICMP_HEADER_LEN);
  writeU16BE(out, icmp + 2, finish(sum16(out, icmp, ICMP_HEADER_LEN + quote)));
  return n;
}

/** ICMP error types: unreachable, source quench, redirect, time exceeded, parameter problem (nebula's list, RFC 792). */
function isIcmpV4Error(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** A source naming one host: not 0/8, loopback 127/8, multicast 224/4 or reserved 240/4 incl. broadcast (RFC 1122 3.2.2). */
function v4UnicastSource(a: number): boolean {
  const first = a >>> 24;
  return first !== 0 && first !== 127 && first < 224;
}

/** Multicast 224/4 or limited broadcast: never answered (RFC 1122 3.2.2, RFC 9293 3.10.7.1). */
function v4GroupDestination(a: number): boolean {
  return a >>> 28 === 0xe || a === 0xffffffff;
}

/** A 20-byte IPv4 header of total length n and protocol proto, from the refused packet's destination to its source. */
function writeV4Header(out: Uint8Array, o: number, n: number, proto: number, pkt: Uint8Array, off: number): void {
  out[o] = 0x45;
  out[o + 1] = 0;
  writeU16BE(out, o + 2, n);
  out.fill(0, o + 4, o + 8); // id 0, no flags, as nebula
  out[o + 8] = REJECT_TTL;
  out[o + 9] = proto;
  out[o + 10] = 0;
  out[o + 11] = 0;
  copy(pkt, off + 16, 4, out, o + 12);
  copy(pkt, off + 12, 4, out, o + 16);
  writeU16BE(out, o + 10, finish(sum16(out, o, IPV4_MIN_HEADER_LEN)));
}

// ---- IPv6 ----

function rejectV6(pkt: Uint8Array, off: number, len: number, out: Uint8Array, o: number): number {
  if (len < IPV6_HEADER_LEN) return 0;
  const total = IPV6_HEADER_LEN + readU16BE(pkt, off + IPV6_PAYLOAD_LENGTH);
  // Payload length 0 is a jumbogram (RFC 2675) or nothing: neither is answered. Past the data: truncated.
  if (total === IPV6_HEADER_LEN || total > len) return 0;
  if (!v6UnicastSource(pkt, off + 8) || pkt[off + 24] === 0xff) return 0;
  const end = off + total;
  // Walk the extension headers (as ipv6L4, plus nebula's non-first-fragment rule).
  let next = pkt[off + 6]!;
  let p = off + IPV6_HEADER_LEN;
  for (let n = 0; ; n++) {
    let extLen: number;
    if (next === IPV6_EXT_HOP_BY_HOP || next === IPV6_EXT_ROUTING || next === IPV6_EXT_DEST_OPTS) {
      if (p + 2 > end) return 0;
      extLen = (pkt[p + 1]! + 1) << 3;
    } else if (next === IPV6_EXT_FRAGMENT) {
      if (p + 8 > end) return 0;
      if ((readU16BE(pkt, p + 2) & 0xfff8) !== 0) return 0;
      extLen = 8;
    } else if (next === IPV6_EXT_AUTH) {
      if (p + 2 > end) return 0;
      extLen = (pkt[p + 1]! + 2) << 2;
    } else break;
    if (n === MAX_EXT_HEADERS || p + extLen > end) return 0;
    next = pkt[p]!;
    p += extLen;
  }
  const l4Len = end - p;
  if (next === IPPROTO_TCP) return tcpRst(pkt, p, l4Len, out, o, 6, off);
  if (next === IPPROTO_ICMPV6) {
    // Types 0-127 are errors (RFC 4443 2.1): never answered (2.4(e)); nebula checks 1-4 only.
    if (l4Len < ICMP_HEADER_LEN || pkt[p]! < 128) return 0;
  } else if (next === IPPROTO_UDP && !udpHeaderSane(pkt, p, l4Len)) return 0;
  const quote = Math.min(total, REJECT_V6_QUOTE_MAX);
  const n = IPV6_HEADER_LEN + ICMP_HEADER_LEN + quote;
  if (o + n > out.length) return 0;
  writeV6Header(out, o, ICMP_HEADER_LEN + quote, IPPROTO_ICMPV6, pkt, off);
  const icmp = o + IPV6_HEADER_LEN;
  out[icmp] = ICMPV6_DEST_UNREACH;
  out[icmp + 1] = ICMPV6_CODE_ADMIN_PROHIBITED;
  out.fill(0, icmp + 2, icmp + ICMP_HEADER_LEN);
  copy(pkt, off, quote, out, icmp + ICMP_HEADER_LEN);
  const l = ICMP_HEADER_LEN + quote;
  writeU16BE(out, icmp + 2, finish(sum16(out, icmp, l, pseudoHeaderSumV6(out, o, IPPROTO_ICMPV6, l))));
  return n;
}

/** A source naming one node: not unspecified ::, loopback ::1 or multicast ff00::/8 (RFC 4443 2.4(e.6)). */
function v6UnicastSource(pkt: Uint8Array, at: number): boolean {
  if (pkt[at] === 0xff) return false;
  for (let i = 0; i < 15; i++) if (pkt[at + i] !== 0) return true;
  return pkt[at + 15]! > 1;
}

/** A 40-byte IPv6 header (traffic class and flow label 0), payload length plen, from the refused packet's destination to its source. */
function writeV6Header(out: Uint8Array, o: number, plen: number, next: number, pkt: Uint8Array, off: number): void {
  out[o] = 0x60;
  out[o + 1] = 0;
  out[o + 2] = 0;
  out[o + 3] = 0;
  writeU16BE(out, o + 4, plen);
  out[o + 6] = next;
  out[o + 7] = REJECT_TTL;
  copy(pkt, off + 24, 16, out, o + 8);
  copy(pkt, off + 8, 16, out, o + 24);
}

// ---- shared ----

/** Copies n bytes; a plain loop, because a subarray view or Buffer.copy would allocate per call. */
function copy(src: Uint8Array, from: number, n: number, dst: Uint8Array, to: number): void {
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
}

/** A UDP header that fits: 8 bytes present and a length field between 8 and the bytes there (RFC 768). */
function udpHeaderSane(pkt: Uint8Array, l4: number, l4Len: number): boolean {
  if (l4Len < UDP_HEADER_LEN) return false;
  const ulen = readU16BE(pkt, l4 + 4);
  return ulen >= UDP_HEADER_LEN && ulen <= l4Len;
}

/**
 * A bare RST for the TCP segment pkt[l4, +l4Len), numbered as RFC 9293 3.10.7.1 and Linux's
 * nf_reject do (nebula copies the latter): if the segment has ACK, SEQ = its ACK and no ACK of
 * ours; otherwise SEQ 0 and ACK = its SEQ + SYN + FIN + payload length, with ACK set. Never an
 * answer to an RST. ipOff is the refused packet's IP header (addresses), version 4 or 6.
 */
function tcpRst(pkt: Uint8Array, l4: number, l4Len: number, out: Uint8Array, o: number, version: number, ipOff: number): number {
  if (l4Len < TCP_MIN_HEADER_LEN) return 0;
  const doff = (pkt[l4 + 12]! >>> 4) << 2;
  if (doff < TCP_MIN_HEADER_LEN || doff > l4Len) return 0;
  const flags = pkt[l4 + 13]!;
  if ((flags & TCP_FLAG_RST) !== 0) return 0;
  const ipLen = version === 4 ? IPV4_MIN_HEADER_LEN : IPV6_HEADER_LEN;
  const n = ipLen + TCP_MIN_HEADER_LEN;
  if (o + n > out.length) return 0;
  if (version === 4) writeV4Header(out, o, n, IPPROTO_TCP, pkt, ipOff);
  else writeV6Header(out, o, TCP_MIN_HEADER_LEN, IPPROTO_TCP, pkt, ipOff);
  const t = o + ipLen;
  out[t] = pkt[l4 + 2]!;
  out[t + 1] = pkt[l4 + 3]!;
  out[t + 2] = pkt[l4]!;
  out[t + 3] = pkt[l4 + 1]!;
  let seq = 0;
  let ack = 0;
  let outFlags = TCP_FLAG_RST;
  if ((flags & TCP_FLAG_ACK) !== 0) seq = readU32BE(pkt, l4 + 8);
  else {
    const syn = (flags & TCP_FLAG_SYN) !== 0 ? 1 : 0;
    const fin = (flags & TCP_FLAG_FIN) !== 0 ? 1 : 0;
    ack = (readU32BE(pkt, l4 + 4) + syn + fin + (l4Len - doff)) >>> 0;
    outFlags |= TCP_FLAG_ACK;
  }
  writeU32BE(out, t + 4, seq);
  writeU32BE(out, t + 8, ack);
  out[t + 12] = (TCP_MIN_HEADER_LEN >>> 2) << 4;
  out[t + 13] = outFlags;
  out.fill(0, t + 14, t + TCP_MIN_HEADER_LEN); // window 0, checksum (for now), urgent 0
  const pseudo = version === 4
    ? pseudoHeaderSumV4(out, o, IPPROTO_TCP, TCP_MIN_HEADER_LEN)
    : pseudoHeaderSumV6(out, o, IPPROTO_TCP, TCP_MIN_HEADER_LEN);
  writeU16BE(out, t + 16, finish(sum16(out, t, TCP_MIN_HEADER_LEN, pseudo)));
  return n;
}
