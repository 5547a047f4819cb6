// The node's real HandshakeManager driven without a network: a recording host
// (datagrams sent, probes asked for) over an in-process PKI (test/fuzz/pki.ts).
import { performance } from 'node:perf_hooks';
import type { CaPool } from '../../src/tunnel/cert/index.js';
import { Logger } from '../../src/tunnel/log/logger.js';
import { DEFAULT_HANDSHAKE_BUDGET } from '../../src/tunnel/node/handshake-budget.js';
import { HandshakeManager, type HandshakeOptions } from '../../src/tunnel/node/handshakes.js';
import { Hostmap } from '../../src/tunnel/node/hostmap.js';
import type { Tunnel } from '../../src/tunnel/node/tunnel.js';
import type { NoiseCipher } from '../../src/tunnel/noise/index.js';
import type { Endpoint } from '../../src/udp/index.js';
import type { FuzzHost } from '../fuzz/pki.js';

/** A manager for `me` and what its host saw. */
export interface TestManager {
  m: HandshakeManager;
  hostmap: Hostmap<Tunnel>;
  /** Every datagram sent, with its destination. */
  sent: { to: Endpoint; bytes: Buffer }[];
  /** Tunnels a test request was asked for. */
  probed: Tunnel[];
  /** Stops the manager and closes its tunnels. */
  dispose(): void;
}

// The default budget without its time allowance per turn: with it, how many msg1s one turn
// answers would depend on the machine's speed. Tests of the budget pass their own.
const { perTurnMs: _perTurnMs, ...UNTIMED_BUDGET } = DEFAULT_HANDSHAKE_BUDGET;

/** A HandshakeManager for `me` (CA `pool`), knowing `remotes` for every peer; options default to one slow retry and an untimed budget; `remoteAllowed` is lighthouse.remote_allow_list's check. */
export function testManager(
  pool: CaPool, me: FuzzHost, cipher: NoiseCipher, remotes: Endpoint[] = [], opts: Partial<HandshakeOptions> = {},
  remoteAllowed?: (vpnIp: number, from: Endpoint) => boolean,
): TestManager {
  const hostmap = new Hostmap<Tunnel>();
  const sent: { to: Endpoint; bytes: Buffer }[] = [];
  const probed: Tunnel[] = [];
  const vpnIp = me.cert.details.ips[0]!.ipU32;
  const m = new HandshakeManager({
    pki: { pool, cert: me.cert, privateKey: me.keys.privateKey, publicKey: me.keys.publicKey, vpnIp, prefix: 16, local: { ips: [vpnIp], subnets: [] } },
    cipher, hostmap, log: new Logger('info', 'text', () => undefined),
    remotesFor: () => remotes,
    send: (to, bytes) => sent.push({ to, bytes: Buffer.from(bytes) }),
    probe: (t) => probed.push(t),
    tunnelUp: () => undefined,
    now: () => performance.now(),
    remoteAllowed,
  }, { tryIntervalMs: 60_000, retries: 1, triggerBuffer: 1, budget: UNTIMED_BUDGET, ...opts });
  const dispose = (): void => {
    m.close();
    for (const t of [...hostmap.all(), ...hostmap.allCandidates()]) hostmap.remove(t);
  };
  return { m, hostmap, sent, probed, dispose };
}
