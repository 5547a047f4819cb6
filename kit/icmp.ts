// Hand-built ICMP echo packets: a valid packet the kernel answers, to prove a
// queue still works after it refused bad input.
import { checksumReference } from '../src/packet/index.js';

function finish(sum: number): number {
  return ~sum & 0xffff;
}

/** An IPv4 ICMP echo request src -> dst (dotted quads) with a payloadLen-byte payload (default 16). */
export function icmpEchoV4(src: string, dst: string, id: number, seq: number, payloadLen = 16): Buffer {
  const p = Buffer.alloc(20 + 8 + payloadLen);
  p[0] = 0x45;
  p.writeUInt16BE(p.length, 2);
  p.writeUInt16BE(0x4000, 6); // DF
  p[8] = 64;
  p[9] = 1; // ICMP
  Buffer.from(src.split('.').map(Number)).copy(p, 12);
  Buffer.from(dst.split('.').map(Number)).copy(p, 16);
  p.writeUInt16BE(finish(checksumReference(p, 0, 20)), 10);
  p[20] = 8; // echo request
  p.writeUInt16BE(id, 24);
  p.writeUInt16BE(seq, 26);
  p.fill(0xa5, 28);
  p.writeUInt16BE(finish(checksumReference(p, 20, p.length - 20)), 22);
  return p;
}

/** True when buf[off, off+len) is an IPv4 ICMP echo reply with this id and seq. */
export function isEchoReplyV4(buf: Uint8Array, off: number, len: number, id: number, seq: number): boolean {
  if (len < 28 || buf[off]! >>> 4 !== 4 || buf[off + 9] !== 1) return false;
  const icmp = off + (buf[off]! & 0x0f) * 4;
  return buf[icmp] === 0 && ((buf[icmp + 4]! << 8) | buf[icmp + 5]!) === id && ((buf[icmp + 6]! << 8) | buf[icmp + 7]!) === seq;
}
