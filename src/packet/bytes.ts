// Network-order (big-endian) integer access on plain byte arrays. Plain byte
// math instead of DataView: no view object per buffer and it inlines well.

/** Reads a big-endian u16 at buf[i]. */
export function readU16BE(buf: Uint8Array, i: number): number {
  return (buf[i] << 8) | buf[i + 1];
}

/** Writes the low 16 bits of v big-endian at buf[i]. */
export function writeU16BE(buf: Uint8Array, i: number, v: number): void {
  buf[i] = v >>> 8;
  buf[i + 1] = v;
}

/** Reads a big-endian u32 at buf[i] as an unsigned number. */
export function readU32BE(buf: Uint8Array, i: number): number {
  return ((buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3]) >>> 0;
}

/** Writes the low 32 bits of v big-endian at buf[i]. */
export function writeU32BE(buf: Uint8Array, i: number, v: number): void {
  buf[i] = v >>> 24;
  buf[i + 1] = v >>> 16;
  buf[i + 2] = v >>> 8;
  buf[i + 3] = v;
}

/** Whether a[aOff, +aLen) and b[bOff, +bLen) share memory (views of one buffer whose ranges intersect). */
export function rangesOverlap(a: Uint8Array, aOff: number, aLen: number, b: Uint8Array, bOff: number, bLen: number): boolean {
  if (a.buffer !== b.buffer) return false;
  const x = a.byteOffset + aOff;
  const y = b.byteOffset + bOff;
  return x < y + bLen && y < x + aLen;
}
