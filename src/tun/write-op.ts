/** The record of one TUN write: what its syscall sends and how it is counted. */

/**
 * One write of a queue: a virtio-net header (or none), then the packet, either
 * as buf[off, +len) or as parts[0..nparts) adding up to len bytes. A queue
 * fills one reused record per write (no allocation per packet) and copies it
 * only to park it on EAGAIN (parked()).
 */
export class WriteOp {
  /** The virtio-net header written first; null on a queue without one. */
  hdr: Buffer | null = null;
  /** The packet, as buf[off, +len); null when it comes in parts. */
  buf: Uint8Array | null = null;
  /** Offset of the packet in buf. */
  off = 0;
  /** Bytes of the packet, virtio header not included. */
  len = 0;
  /** The packet as parts[0..nparts); null when it is buf[off, +len). */
  parts: Uint8Array[] | null = null;
  /** How many entries of parts are the packet. */
  nparts = 0;
  /** Counted as a superpacket once written. */
  superpacket = false;

  /** Makes this the write of hdr + buf[off, +len); returns this. */
  packet(hdr: Buffer | null, buf: Uint8Array, off: number, len: number, superpacket: boolean): this {
    this.hdr = hdr;
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.parts = null;
    this.nparts = 0;
    this.superpacket = superpacket;
    return this;
  }

  /** Makes this the write of hdr + every entry of parts (len bytes in all); returns this. */
  inParts(hdr: Buffer | null, parts: Uint8Array[], len: number, superpacket: boolean): this {
    this.hdr = hdr;
    this.buf = null;
    this.off = 0;
    this.len = len;
    this.parts = parts;
    this.nparts = parts.length;
    this.superpacket = superpacket;
    return this;
  }

  /**
   * A copy that stays valid while the write waits its turn: the header and
   * every part that is a view of `scratch` (the queue's header scratch,
   * which later writes reuse) are copied; the caller's own bytes are
   * referenced, not copied.
   */
  parked(scratch: Uint8Array): WriteOp {
    const op = new WriteOp();
    op.hdr = this.hdr ? Buffer.from(this.hdr) : null;
    op.buf = this.buf;
    op.off = this.off;
    op.len = this.len;
    op.parts = this.parts ? this.parts.slice(0, this.nparts).map((p) => (p.buffer === scratch.buffer ? Buffer.from(p) : p)) : null;
    op.nparts = this.nparts;
    op.superpacket = this.superpacket;
    return op;
  }
}
