/** Packets handed out by Queue.read: views into the queue's receive buffer. */

/** Superpacket geometry, present when the kernel handed over a TSO/USO packet. */
export interface GsoInfo {
  /** Payload bytes per segment (virtio gso_size). */
  size: number;
  /** IP + L4 header length, recomputed from the packet (never the kernel's hdr_len). */
  hdrLen: number;
  /** Offset of the L4 header (virtio csum_start). */
  csumStart: number;
  /** Offset of the checksum field within the L4 header: 16 TCP, 6 UDP. */
  csumOffset: number;
  /** L4 protocol of the segments. */
  proto: 'tcp' | 'udp';
  /** Raw virtio gso_type, ECN bit included, so the packet can be written back as read. */
  gsoType: number;
}

/**
 * One IP packet at buf[off, off + len). Packets from read() are valid until
 * the next read() on the same queue; use clone() to keep one.
 */
export class Packet {
  /** Backing buffer (the queue's receive buffer for read packets). */
  buf: Buffer;
  /** Start of the IP header within buf. */
  off: number;
  /** Length of the IP packet. */
  len: number;
  /** Superpacket geometry, or null for an ordinary packet with complete checksums. */
  gso: GsoInfo | null;
  // Reused so that decoding a superpacket does not allocate.
  private readonly gsoStore: GsoInfo;

  constructor(buf: Buffer, off = 0, len = buf.length) {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.gso = null;
    this.gsoStore = { size: 0, hdrLen: 0, csumStart: 0, csumOffset: 0, proto: 'tcp', gsoType: 0 };
  }

  /** A Buffer view of the packet bytes (allocates a view object; hot paths use buf/off/len). */
  get data(): Buffer {
    return this.buf.subarray(this.off, this.off + this.len);
  }

  /** Marks the packet as a superpacket; returns the (reused) info object to fill. */
  setGso(): GsoInfo {
    this.gso = this.gsoStore;
    return this.gsoStore;
  }

  /** A copy that owns its bytes and survives the next read. */
  clone(): Packet {
    const p = new Packet(Buffer.from(this.data));
    if (this.gso) Object.assign(p.setGso(), this.gso);
    return p;
  }
}
