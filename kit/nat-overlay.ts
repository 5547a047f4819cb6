// An overlay on top of kit/nat-rig.ts: one PKI with a lighthouse and a host per
// site, Nebula 1.6.1 configs for each role (nebula and `tio up` read the same
// file), and the time to the first reply between two nodes. Which program runs
// where is the caller's choice: startNebulaWith() from kit/nebula.ts, or
// startTio() from kit/process.ts, with the same config path.
import { makePki, type HostFiles, type TestPki } from './nebula-pki.js';
import { writeRoleConfig, type NebulaConfigOptions } from './nebula.js';
import type { NatRig } from './nat-rig.js';
import type { Netns } from './netns.js';
import { waitFor } from './wait.js';

/** The UDP port every role listens on (nebula's default). */
export const OVERLAY_PORT = 4242;

/** What every role's config may also set; `tag` names the file (<host>-<tag>.yml, default 'nebula'), so one host can have a nebula and a tio config. */
export type OverlayConfigOptions = NebulaConfigOptions & { tag?: string };

/** The certificates of an overlay in a rig: lighthouse 198.19.<net>.1, site i's node 198.19.<net>.<10+i>, all /16. */
export interface RigOverlay {
  pki: TestPki;
  lighthouse: HostFiles;
  /** One per rig site, in site order. */
  nodes: HostFiles[];
  /** Writes the lighthouse's config (also a relay when amRelay) and returns its path. */
  lighthouseConfig(o?: { amRelay?: boolean } & OverlayConfigOptions): string;
  /**
   * Writes site i's node config: lighthouse.hosts and static_host_map name only
   * the lighthouse, punchy.punch and respond on; relay: the lighthouse is
   * this node's relay (relay.relays, use_relays); relayIps: these overlay IPs are its relays
   * instead; amRelay: it relays for others; punchDelay: punchy.delay;
   * punch, respond: punchy.punch and punchy.respond (default true).
   */
  nodeConfig(i: number, o?: { relay?: boolean; relayIps?: readonly string[]; amRelay?: boolean; punchDelay?: string; punch?: boolean; respond?: boolean } & OverlayConfigOptions): string;
  /** Removes the PKI's temp dir; idempotent. */
  dispose(): void;
}

/** Signs the overlay's hosts for rig in 198.19.<net>.0/24 of the 198.19.0.0/16 overlay (default net 40). */
export function rigOverlay(rig: NatRig, net = 40): RigOverlay {
  const pki = makePki([['lh', `198.19.${net}.1/16`], ...rig.sites.map((_, i): [string, string] => [`n${i}`, `198.19.${net}.${10 + i}/16`])]);
  const lighthouse = pki.hosts.get('lh')!;
  const nodes = rig.sites.map((_, i) => pki.hosts.get(`n${i}`)!);
  return {
    pki, lighthouse, nodes,
    lighthouseConfig: (o = {}) => writeRoleConfig(pki, lighthouse, rig.lighthouseAddr, { kind: 'lighthouse', amRelay: o.amRelay ?? false }, o, o.tag),
    nodeConfig: (i, o = {}) => {
      const site = rig.sites[i];
      if (!site) throw new RangeError(`no site ${i}`);
      return writeRoleConfig(pki, nodes[i]!, site.nodeAddr, {
        kind: 'node',
        lighthouses: [[lighthouse, `${rig.lighthouseAddr}:${OVERLAY_PORT}`]],
        relays: o.relayIps ?? (o.relay ? [lighthouse.ip] : []),
        amRelay: o.amRelay ?? false,
        ...(o.punchDelay === undefined ? {} : { punchDelay: o.punchDelay }),
        ...(o.punch === undefined ? {} : { punch: o.punch }),
        ...(o.respond === undefined ? {} : { respond: o.respond }),
      }, o, o.tag);
    },
    dispose: () => pki.dispose(),
  };
}

/**
 * Pings overlay address `to` from ns (one ping at a time, each waiting up to
 * 2 s: a ping sent during the handshake is held and delivered once the tunnel
 * is up) until one is answered; resolves with the milliseconds since t0
 * (process.hrtime.bigint() taken when the nodes were started).
 */
export async function msToFirstReply(ns: Netns, to: string, t0: bigint, timeoutMs: number): Promise<number> {
  await waitFor(async () => {
    try {
      await ns.execAsync('ping', ['-c', '1', '-W', '2', to], { timeoutMs: 10_000 });
      return true;
    } catch {
      return false;
    }
  }, timeoutMs, `a ping reply from ${to}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
