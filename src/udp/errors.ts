/** Typed errors of the UDP transport (all extend TioError and carry a stable code). */
import * as Errno from '../errno.js';
import { errnoName } from '../errno.js';
import { TioError } from '../errors.js';

/** An address or endpoint given to the transport is malformed. */
export class BadAddressError extends TioError {
  constructor(text: string, detail: string) {
    super('ERR_TIO_BAD_ADDRESS', `"${text}": ${detail}`);
  }
}

/** The socket could not be bound; the message says what to change. */
export class UdpBindError extends TioError {
  /** Positive errno from bind(). */
  readonly errno: number;
  constructor(errno: number, where: string) {
    super('ERR_TIO_UDP_BIND', `binding UDP ${where} failed: ${errnoName(errno)}; ${bindHint(errno)}`);
    this.errno = errno;
  }
}

function bindHint(errno: number): string {
  switch (errno) {
    case Errno.EADDRINUSE:
      return 'the port is taken; pick another, or open every socket sharing it with reusePort: true';
    case Errno.EADDRNOTAVAIL:
      return 'the address is not assigned to an interface in this network namespace; use one that is, or 0.0.0.0 / ::';
    case Errno.EACCES:
    case Errno.EPERM:
      return 'ports below 1024 need root or CAP_NET_BIND_SERVICE';
    default:
      return 'check the host and port';
  }
}

/** The kernel refused a datagram (too large, unroutable, wrong family...); nothing of it was sent, the socket keeps working. */
export class UdpSendError extends TioError {
  /** Positive errno from sendmsg/sendmmsg. */
  readonly errno: number;
  /** The peer it was meant for. */
  readonly peer: string;
  constructor(errno: number, peer: string) {
    super('ERR_TIO_UDP_SEND', `sending to ${peer} failed: ${errnoName(errno)}; ${sendHint(errno)}`);
    this.errno = errno;
    this.peer = peer;
  }
}

function sendHint(errno: number): string {
  switch (errno) {
    case Errno.EMSGSIZE:
      return 'the datagram is larger than UDP allows (65507 bytes over IPv4) or the path MTU with DF set; send less';
    case Errno.EINVAL:
      return 'the kernel rejected the message geometry (segment size, length or address)';
    case Errno.EAFNOSUPPORT:
      return 'the peer address family does not match the socket (open an IPv6 socket for IPv6 peers)';
    case Errno.EACCES:
    case Errno.EPERM:
      return 'a firewall rule or a broadcast address refused it';
    default:
      return 'check the route to the peer';
  }
}
