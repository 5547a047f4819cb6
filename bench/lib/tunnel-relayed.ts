// The relayed setup of bench:tunnel: A and B cannot reach each other, only a third namespace R,
// which is their lighthouse and relay (am_relay; A and B name it in relay.relays). A's handshake to
// B's reported addresses fails, so the tunnel and all its traffic go A -> R -> B
// (docs/PROTOCOL.md "Relays"). The A-B veth of the bench is taken down, so no direct path exists;
// R has a veth to each (198.18.31.0/24 to A, 198.18.32.0/24 to B) and forwards nothing itself.
import { Netns, vethPair } from '../../kit/netns.js';
import type { HostFiles, TestPki } from '../../kit/nebula-pki.js';
import { writeRoleConfig, type NebulaConfigOptions } from '../../kit/nebula.js';
import type { NsProcess } from '../../kit/process.js';
import { BenchError } from './errors.js';

/** The relay's overlay address (its certificate is host 'r' of the bench PKI). */
export const OVER_R = '198.19.0.3';

/** Starts one node of a program with a role config: nebula or `tio up`. */
export type StartNode = (ns: Netns, config: string, what: string) => NsProcess;

/** What the relayed setup built: the three daemons (relay first) and the relay namespace to destroy last. */
export interface RelayedSetup {
  daemons: NsProcess[];
  relay: Netns;
}

/** Builds R, cuts A-B, starts relay, A and B with `start`; on failure stops what it started and destroys R. */
export async function startRelayed(a: Netns, b: Netns, pki: TestPki, opts: NebulaConfigOptions, tag: string, start: StartNode): Promise<RelayedSetup> {
  const host = (n: string): HostFiles => {
    const h = pki.hosts.get(n);
    if (!h) throw new BenchError('ERR_BENCH_PKI', `PKI lacks host ${n}`);
    return h;
  };
  const [ha, hb, hr] = [host('a'), host('b'), host('r')];
  const relay = Netns.create('benchr');
  const daemons: NsProcess[] = [];
  try {
    vethPair(a, relay, { aAddr: '198.18.31.1/24', bAddr: '198.18.31.2/24', mtu: 1500 });
    vethPair(b, relay, { aAddr: '198.18.32.1/24', bAddr: '198.18.32.2/24', mtu: 1500 });
    // The bench's A-B veth: down on A's side takes the pair's carrier down, so only R joins them.
    for (const line of a.exec('ip', ['-o', '-4', 'addr', 'show']).split('\n')) {
      const m = /^\d+:\s+(\S+)\s+inet 198\.18\.30\./.exec(line);
      if (m) a.exec('ip', ['link', 'set', m[1]!, 'down']);
    }
    const r = start(relay, writeRoleConfig(pki, hr, '0.0.0.0', { kind: 'lighthouse', amRelay: true }, opts, tag), `${tag} relay`);
    daemons.push(r);
    await r.waitForLog('Nebula interface is active', 30_000);
    for (const [ns, me, lhAddr, side] of [[a, ha, '198.18.31.2', 'a'], [b, hb, '198.18.32.2', 'b']] as const) {
      const cfg = writeRoleConfig(pki, me, '0.0.0.0', { kind: 'node', lighthouses: [[hr, `${lhAddr}:4242`]], relays: [hr.ip] }, { ...opts, dev: `rly${side}` }, tag);
      daemons.push(start(ns, cfg, `${tag} ${side}`));
    }
    return { daemons, relay };
  } catch (e) {
    for (const d of daemons) await d.stop(5_000);
    relay.destroy();
    throw e;
  }
}
