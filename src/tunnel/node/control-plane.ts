/**
 * What a data plane asks of the control plane. On the main thread the node
 * answers directly (node.ts); in a routine's worker thread a proxy posts each
 * call to main (routine-worker.ts), where routines.ts makes the same call.
 */
import type { LogFields, LogLevel } from '../log/logger.js';
import type { Endpoint } from '../../udp/index.js';
import type { DataTunnel } from './tunnel.js';

/** The control plane as one data plane sees it. */
export interface ControlPlane<T extends DataTunnel> {
  /** A handshake datagram buf[off, off+len) from `from` (the buffer is reused after the call: copy what you keep). */
  handshake(counter: number, remoteIndex: number, buf: Buffer, off: number, len: number, from: Endpoint): void;
  /** A recv_error naming `remoteIndex` (docs/PROTOCOL.md "recv_error"). */
  recvError(remoteIndex: number, from: Endpoint): void;
  /** The first packet authenticated on `t`, which was awaiting that proof. */
  proven(t: T): void;
  /**
   * Authenticated traffic for `t` came straight from `to`, not t.remote: move t there if
   * lighthouse.remote_allow_list and the roam-back rule allow (roaming.ts). Absent (a routine's
   * thread): tunnels stay where they are.
   */
  roam?(t: T, to: Endpoint): void;
  /** An authenticated close_tunnel on `t`. */
  closeReceived(t: T): void;
  /** An authenticated lighthouse message on `t`: its NebulaMeta at buf[off, off+len) (borrowed: copy what you keep). */
  lighthouse(t: T, buf: Buffer, off: number, len: number): void;
  /**
   * An authenticated relay control message on `t`: its NebulaControl at buf[off, off+len) (borrowed).
   * Absent where relays are not handled (a routine's thread): the message is counted and dropped.
   */
  relayControl?(t: T, buf: Buffer, off: number, len: number): void;
  /**
   * Inner packets (wire-sized; views valid only during the call) for `vpnIp`, which has no
   * tunnel in this data plane: hold them for a handshake, or for a lighthouse's answer when
   * no address is known. False when the peer cannot be reached at all (no address and no
   * lighthouse to ask), counted as 'inside-no-remote'.
   */
  needTunnel(vpnIp: number, packets: readonly Uint8Array[]): boolean;
  /** A data loop failed or ended by itself: the node has to stop. */
  failed(what: string, error: string): void;
  /** Writes a log line. */
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}
