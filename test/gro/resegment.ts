// Test oracle: splits a superpacket the way docs/OFFLOADS.md "Segmentation" says
// the kernel does, written independently of src/gso, with reference checksums.
import { checksumReference } from '../../src/packet/index.js';
import type { Written } from './harness.js';
import { pseudoSum } from '../../kit/packet.js';

function get16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

function put16(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 8) & 0xff;
  b[i + 1] = v & 0xff;
}

/** The packets `w` stands for: itself if not a superpacket, else its segments with full checksums. */
export function resegment(w: Written): Buffer[] {
  const g = w.gso;
  if (!g) return [w.bytes];
  const b = w.bytes;
  const v = b[0]! >>> 4;
  const ipLen = g.csumStart;
  const tcp = g.proto === 'tcp';
  const out: Buffer[] = [];
  const n = Math.ceil((b.length - g.hdrLen) / g.size);
  for (let i = 0; i < n; i++) {
    const start = g.hdrLen + i * g.size;
    const payload = b.subarray(start, Math.min(b.length, start + g.size));
    const s = Buffer.concat([b.subarray(0, g.hdrLen), payload]);
    const l4Len = s.length - ipLen;
    if (v === 4) {
      put16(s, 2, s.length);
      put16(s, 4, (get16(s, 4) + i) & 0xffff);
      put16(s, 10, 0);
      put16(s, 10, ~checksumReference(s, 0, ipLen) & 0xffff);
    } else {
      put16(s, 4, s.length - 40);
    }
    if (tcp) {
      const seq = ((get16(s, ipLen + 4) * 0x10000 + get16(s, ipLen + 6)) + i * g.size) >>> 0;
      put16(s, ipLen + 4, seq >>> 16);
      put16(s, ipLen + 6, seq & 0xffff);
      // FIN and PSH belong to the last segment, CWR to the first (docs/OFFLOADS.md "Segmentation").
      if (i !== n - 1) s[ipLen + 13]! &= ~0x09;
      if (i !== 0) s[ipLen + 13]! &= ~0x80;
    } else {
      put16(s, ipLen + 4, l4Len);
    }
    const at = ipLen + g.csumOffset;
    put16(s, at, 0);
    let c = ~checksumReference(s, ipLen, l4Len, pseudoSum(s, tcp ? 6 : 17, l4Len)) & 0xffff;
    if (c === 0 && !tcp) c = 0xffff;
    put16(s, at, c);
    out.push(s);
  }
  return out;
}
