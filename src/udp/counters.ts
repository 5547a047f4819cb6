/** Per-socket counters of the UDP transport; a snapshot is a plain object. */

/** A snapshot of one socket's counters. */
export interface UdpStats {
  /** Datagrams handed to the reader (a GRO message counts once per datagram in it). */
  rxDatagrams: number;
  /** Payload bytes of those datagrams. */
  rxBytes: number;
  /** Messages recvmmsg returned. */
  rxMessages: number;
  /** Messages that carried more than one datagram (merged by the kernel's UDP GRO). */
  rxGroMessages: number;
  /** Datagrams in those messages. */
  rxGroDatagrams: number;
  /** Non-empty receive batches. */
  rxBatches: number;
  /** Messages dropped because they did not fit a receive slot (MSG_TRUNC). */
  rxTruncated: number;
  /** Datagrams the kernel dropped for this socket (SO_RXQ_OVFL: full receive buffer), as last reported. */
  rxKernelDrops: number;
  /** Datagrams sent (each segment of a GSO send counts). */
  txDatagrams: number;
  /** Payload bytes sent. */
  txBytes: number;
  /** Sends that carried more than one datagram with UDP_SEGMENT. */
  txGsoSends: number;
  /** Datagrams in those sends. */
  txGsoDatagrams: number;
  /** GSO sends the kernel refused that were redone one datagram at a time. */
  txGsoFallbacks: number;
  /** sendmsg/sendmmsg calls made. */
  txSyscalls: number;
  /** Times a send waited for the socket to become writable (EAGAIN). */
  txWaits: number;
  /** Messages the kernel refused (not sent; see UdpSendError). */
  txErrors: number;
}

/** Mutable counters owned by a socket. */
export class UdpCounters implements UdpStats {
  rxDatagrams = 0;
  rxBytes = 0;
  rxMessages = 0;
  rxGroMessages = 0;
  rxGroDatagrams = 0;
  rxBatches = 0;
  rxTruncated = 0;
  rxKernelDrops = 0;
  txDatagrams = 0;
  txBytes = 0;
  txGsoSends = 0;
  txGsoDatagrams = 0;
  txGsoFallbacks = 0;
  txSyscalls = 0;
  txWaits = 0;
  txErrors = 0;

  /** A detached copy. */
  snapshot(): UdpStats {
    return { ...this };
  }
}

/** Every counter of UdpStats, in a fixed order, for copying through shared memory. */
export const UDP_COUNTER_KEYS = Object.keys(new UdpCounters()) as readonly (keyof UdpStats)[];
