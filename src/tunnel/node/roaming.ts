/**
 * Roaming, decided on the main thread: authenticated traffic that came straight
 * from an address other than its tunnel's remote moves the tunnel there, as
 * nebula 1.6.1 does (docs/PROTOCOL.md "Roaming"), unless
 * lighthouse.remote_allow_list refuses the address or it is the address the
 * tunnel left less than ROAM_BACK_SUPPRESS_MS ago: a late packet from the old
 * path must not drag the tunnel back.
 */
import type { Logger } from '../log/logger.js';
import { u32ToIp } from '../cert/index.js';
import type { Endpoint } from '../../udp/index.js';

/** nebula 1.6.1 RoamingSuppressSeconds (hostmap.go), in ms. */
export const ROAM_BACK_SUPPRESS_MS = 2000;

/** What the roaming decision needs from the node. */
export interface RoamingHost {
  log: Logger;
  /** lighthouse.remote_allow_list for the peer vpnIp at `to` (docs/PROTOCOL.md "Allow lists"). */
  allowed(vpnIp: number, to: Endpoint): boolean;
  /** Clock, ms. */
  now(): number;
}

/** What roaming reads and moves on a tunnel (Tunnel has it). */
export interface Roamer {
  readonly vpnIp: number;
  remote: Endpoint;
  /** The address it last roamed away from (null: never roamed), and when (clock ms). */
  roamedFrom: Endpoint | null;
  roamedAt: number;
}

/** What happened to one roam request. */
export type RoamOutcome = 'moved' | 'denied' | 'suppressed';

/** Moves tunnels whose peer moved. One per node, main thread only. */
export class Roaming {
  constructor(private readonly host: RoamingHost) {}

  /**
   * Authenticated traffic for `t` came straight from `to`, which is not
   * t.remote: moves t there unless the allow list or the roam-back rule says
   * no. Logged as nebula logs it (the refusals at debug level).
   */
  roam(t: Roamer, to: Endpoint): RoamOutcome {
    const { log } = this.host;
    if (!this.host.allowed(t.vpnIp, to)) {
      if (log.enabled('debug')) log.debug('lighthouse.remote_allow_list denied roaming', { vpnIp: u32ToIp(t.vpnIp), newAddr: to.toString() });
      return 'denied';
    }
    const now = this.host.now();
    const back = t.roamedFrom;
    if (back !== null && back.equals(to) && now - t.roamedAt < ROAM_BACK_SUPPRESS_MS) {
      if (log.enabled('debug')) {
        log.debug(`Suppressing roam back to previous remote for ${ROAM_BACK_SUPPRESS_MS / 1000} seconds`, { vpnIp: u32ToIp(t.vpnIp), udpAddr: t.remote.toString(), newAddr: to.toString() });
      }
      return 'suppressed';
    }
    log.info('Host roamed to new udp ip/port.', { vpnIp: u32ToIp(t.vpnIp), udpAddr: t.remote.toString(), newAddr: to.toString() });
    t.roamedAt = now;
    t.roamedFrom = t.remote;
    t.remote = to;
    return 'moved';
  }
}
