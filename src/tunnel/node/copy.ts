/** An exact copy of buf[off, off+len) in its own ArrayBuffer (a view would structured-clone its whole backing buffer, and the read buffer is reused). */
export function copyBytes(buf: Uint8Array, off: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(buf.subarray(off, off + len));
  return out;
}
