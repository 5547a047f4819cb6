// The stage for hostile-input tests against a running OverlayNode: node A (the
// target) and node B (an honest tio peer) in their own namespaces joined by a
// veth pair, and a scripted HostilePeer socket in B's namespace on another
// port. A knows the hostile identities at that socket (static_host_map), so it
// can be made to initiate to them too. `works()` proves A still carries data:
// a TCP transfer A<->B through the tunnel, hashes equal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  fingerprint, parseCertNetwork, parseCertificatePem, parseEd25519PrivateKeyPem, signCertificate,
} from '../../../src/tunnel/cert/index.js';
import { generateX25519KeyPair } from '../../../src/tunnel/noise/index.js';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import type { NodeStats } from '../../../src/tunnel/node/stats.js';
import type { FirewallOptions } from '../../../src/tunnel/firewall/index.js';
import { Endpoint } from '../../../src/udp/index.js';
import { Netns, vethPair } from '../../../kit/netns.js';
import { makePki, type TestPki } from '../../../kit/nebula-pki.js';
import { ipU32, nodeOptions } from '../../helpers/overlay.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { waitFor } from '../../../kit/wait.js';
import { HostilePeer, identityFromFiles, type Cipher, type PeerIdentity } from './hostile-peer.js';

/** Overlay addresses (198.19.0.0/16). */
export const IP_A = '198.19.0.1';
export const IP_B = '198.19.0.2';
/** Port of the hostile socket (the nodes listen on 4242). */
export const HOSTILE_PORT = 5555;

export interface Stage {
  pki: TestPki;
  nsA: Netns;
  nsB: Netns;
  a: OverlayNode;
  b: OverlayNode;
  /** A's underlay endpoint, where hostile datagrams go. */
  epA: Endpoint;
  peer: HostilePeer;
  /** Legitimate identities of the test CA held by the hostile peer, by name. */
  ids: Map<string, PeerIdentity>;
  /** Node A's log lines. */
  logA: string[];
  /** Proves A still works: a TCP transfer B -> A through the tunnel, intact. */
  works(bytes?: number): Promise<void>;
  /** Log lines of A matching re, counted. */
  logged(re: RegExp): number;
  /** Stops everything and removes the namespaces. */
  dispose(): Promise<void>;
}

let nextPort = 5600;

/**
 * Builds the stage. `subnet` is the third octet of the 198.18.x.0/24 underlay;
 * `hostile` lists [name, last octet] of CA-signed identities the hostile peer
 * holds (198.19.0.<octet>); `expired` adds an identity whose certificate
 * expired a second after the CA was made, signed with the CA key by our code.
 */
export async function stage(opts: {
  subnet: number; cipher?: Cipher; hostile: [string, number][]; expired?: [string, number];
  /** A's firewall (allow-all by default). */
  firewall?: FirewallOptions;
  /** A's routines (1 by default); the stage resolves once they run. */
  routines?: number;
  /** Ports of B's address at which A reaches every hostile identity ([HOSTILE_PORT] by default); the peer listens on HOSTILE_PORT only. */
  hostilePorts?: number[];
}): Promise<Stage> {
  const cipher = opts.cipher ?? 'aes';
  const pki = makePki([['a', `${IP_A}/16`], ['b', `${IP_B}/16`], ...opts.hostile.map(([n, o]) => [n, `198.19.0.${o}/16`] as [string, string])]);
  const underA = `198.18.${opts.subnet}.1`;
  const underB = `198.18.${opts.subnet}.2`;
  const ids = new Map<string, PeerIdentity>();
  for (const [n] of opts.hostile) {
    const h = pki.hosts.get(n)!;
    ids.set(n, identityFromFiles(h.crt, h.key));
  }
  if (opts.expired) {
    const [n, o] = opts.expired;
    const ca = parseCertificatePem(readFileSync(pki.caCrt, 'utf8'));
    const caKey = parseEd25519PrivateKeyPem(readFileSync(pki.caKey, 'utf8'));
    const keys = generateX25519KeyPair();
    const notBefore = ca.details.notBefore;
    const cert = signCertificate({
      name: n, ips: [parseCertNetwork(`198.19.0.${o}/16`)], subnets: [], groups: [], notBefore, notAfter: notBefore + 1n,
      publicKey: keys.publicKey, isCA: false, issuer: fingerprint(ca),
    }, caKey);
    ids.set(n, { cert, keys, vpnIp: `198.19.0.${o}` });
    // Expired means now > NotAfter in whole seconds.
    await waitFor(() => BigInt(Math.floor(Date.now() / 1000)) > notBefore + 1n, 5000, 'the short certificate to expire');
  }
  const nsA = Netns.create('hosa');
  const nsB = Netns.create('hosb');
  const logA: string[] = [];
  let a: OverlayNode | undefined;
  let b: OverlayNode | undefined;
  let peer: HostilePeer | undefined;
  try {
    vethPair(nsA, nsB, { aAddr: `${underA}/24`, bAddr: `${underB}/24`, mtu: 1500 });
    const ha = pki.hosts.get('a')!;
    const hb = pki.hosts.get('b')!;
    const optsA = nodeOptions(pki, ha, nsA.name, underA, [[hb, underB]], { cipher, lines: logA, logLevel: 'debug' });
    // A reaches every hostile identity at the hostile socket.
    const map = new Map(optsA.staticHostMap);
    const ports = opts.hostilePorts ?? [HOSTILE_PORT];
    for (const id of ids.values()) map.set(ipU32(id.vpnIp), ports.map((port) => Endpoint.of(underB, port)));
    a = OverlayNode.start({ ...optsA, staticHostMap: map, ...(opts.firewall ? { firewall: opts.firewall } : {}), ...(opts.routines ? { routines: opts.routines } : {}) });
    await a.ready;
    b = OverlayNode.start(nodeOptions(pki, hb, nsB.name, underB, [[ha, underA]], { cipher }));
    peer = HostilePeer.open(nsB.name, underB, HOSTILE_PORT, cipher);
  } catch (e) {
    await peer?.close();
    await a?.stop();
    await b?.stop();
    nsA.destroy();
    nsB.destroy();
    pki.dispose();
    throw e;
  }
  const na = a;
  const nb = b;
  const p = peer;
  return {
    pki, nsA, nsB, a: na, b: nb, epA: Endpoint.of(underA, 4242), peer: p, ids, logA,
    async works(bytes = 256 * 1024) {
      const r = await tcpTransfer(nsA, nsB, IP_A, nextPort++, bytes, 30_000);
      assert.equal(r.received.bytes, bytes, 'TCP B -> A through the tunnel: every byte arrived');
      assert.equal(r.received.sha256, r.sent.sha256, 'TCP B -> A through the tunnel: intact');
    },
    logged(re) {
      return logA.filter((l) => re.test(l)).length;
    },
    async dispose() {
      await p.close();
      await na.stop();
      await nb.stop();
      nsA.destroy();
      nsB.destroy();
      pki.dispose();
    },
  };
}

/**
 * Waits until A has counted `n` more received datagrams than in `before`, then a
 * little longer: if B's traffic (a liveness test request) came in between, the
 * last of ours may still be in the next receive batch.
 */
export async function processed(s: Stage, before: NodeStats, n: number, timeoutMs = 3000): Promise<void> {
  await waitFor(() => s.a.stats.datagramsIn >= before.datagramsIn + n, timeoutMs, `node A to process ${n} datagrams`);
  await new Promise((r) => setTimeout(r, 100));
}

/** Waits a little for anything that should NOT happen (a reply, a recv_error) to have had its chance. */
export function quietPeriod(ms = 300): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Wraps a failure with A's log, which says what the node did with the hostile input. */
export function withLog(s: Stage | undefined, e: unknown): Error {
  return new Error(`${(e as Error).message}\n--- node A log ---\n${s?.logA.join('\n') ?? ''}`, { cause: e });
}
