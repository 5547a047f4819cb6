// bench:peers's scripted peer, run by the bench inside the peer namespace:
//   node dist/bench/peers-peer.js --target IP:PORT --node-ip IP --ca FILE --ca-key FILE --addresses IP,IP,... --count N --first-ip IP
// Holds up to N tunnels to one node, each peer with its own certificate
// (signed here with tio's cert code from the CA's key), overlay address
// (--first-ip + i) and UDP socket (its own source port, on address i mod the
// --addresses count). Handshakes run through the node's own HandshakeManager
// (one per peer: each has its own static key), so the peer retransmits msg1
// as a nebula peer does (try_interval 100 ms, 10 retries). Data goes through
// the tunnel's own AEAD: ICMP echo requests to the node's overlay address,
// which the node's kernel answers. Commands and events: bench/lib/peers-protocol.ts.
// Bounded: it exits when its stdin closes (the bench is gone) or on `quit`.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { signHost } from '../src/cli/demo/pki.js';
import { AeadBatch } from '../src/tunnel/aead/index.js';
import { CaPool, parseCertificatePem, parseEd25519PrivateKeyPem, u32ToIp } from '../src/tunnel/cert/index.js';
import { DEFAULT_HANDSHAKE_RETRIES, DEFAULT_HANDSHAKE_TRY_INTERVAL_MS } from '../src/tunnel/config/defaults.js';
import { Logger } from '../src/tunnel/log/logger.js';
import { clock } from '../src/tunnel/node/clock.js';
import { sealControl } from '../src/tunnel/node/control.js';
import { HandshakeManager } from '../src/tunnel/node/handshakes.js';
import { Hostmap } from '../src/tunnel/node/hostmap.js';
import type { Tunnel } from '../src/tunnel/node/tunnel.js';
import { Endpoint } from '../src/udp/index.js';
import * as wire from '../src/tunnel/wire/index.js';
import { icmpEchoV4 } from '../kit/packet.js';
import { BenchError } from './lib/errors.js';
import { parsePeerCommand, summarize, type PeerCommand, type PeerEvent } from './lib/peers-protocol.js';

/** ICMP echo payload bytes: ping's default 56. */
const ECHO_PAYLOAD = 56;
/** How often the grow step looks for handshakes that gave up (their retries ran out) to start them again. */
const SWEEP_MS = 50;
/** How long a rate step waits for one echo before it counts it lost and sends another in its place. */
const RATE_ECHO_TIMEOUT_MS = 1_000;

function emit(e: PeerEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

interface Options {
  target: Endpoint;
  nodeIp: string;
  caPem: string;
  caKeyPem: string;
  addresses: string[];
  count: number;
  firstIp: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' }, 'node-ip': { type: 'string' }, ca: { type: 'string' }, 'ca-key': { type: 'string' },
      addresses: { type: 'string' }, count: { type: 'string' }, 'first-ip': { type: 'string' },
    },
    strict: true,
  });
  const { target, ca, addresses, count } = values;
  const nodeIp = values['node-ip'];
  const caKey = values['ca-key'];
  const firstIp = values['first-ip'];
  if (!target || !nodeIp || !ca || !caKey || !addresses || !count || !firstIp) {
    throw new BenchError('ERR_BENCH_ARGS', 'need --target, --node-ip, --ca, --ca-key, --addresses, --count and --first-ip');
  }
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1 || n > 65_000) throw new BenchError('ERR_BENCH_ARGS', `--count must be 1..65000, got ${count}`);
  const first = firstIp.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return {
    target: Endpoint.parse(target), nodeIp, caPem: readFileSync(ca, 'utf8'), caKeyPem: readFileSync(caKey, 'utf8'),
    addresses: addresses.split(',').filter(Boolean), count: n, firstIp: first,
  };
}

/** One scripted peer: its identity, socket, handshake manager and (once up) tunnel. */
interface Peer {
  readonly index: number;
  readonly ip: string;
  readonly manager: HandshakeManager;
  readonly hostmap: Hostmap<Tunnel>;
  sock: dgram.Socket | null;
  tunnel: Tunnel | null;
  /** A ping answered through the tunnel. */
  proven: boolean;
}

class Peers {
  readonly all: Peer[] = [];
  private readonly aead = new AeadBatch(1);
  private readonly header = wire.newHeader();
  private readonly nodeVpnIp: number;
  private readonly nodeIp: string;
  private msg1Sent = 0;
  /** Send time (clock ms) by echo sequence number, NaN when none is outstanding. */
  private readonly sentAt = new Float64Array(65_536).fill(Number.NaN);
  private seq = 0;
  private onReply: ((peer: Peer, seq: number, rttUs: number) => void) | null = null;
  private onUp: ((peer: Peer) => void) | null = null;

  constructor(private readonly o: Options, pool: CaPool, ca: ReturnType<typeof parseCertificatePem>, caKey: Uint8Array) {
    this.nodeIp = o.nodeIp;
    this.nodeVpnIp = o.nodeIp.split('.').reduce((acc, x) => acc * 256 + Number(x), 0) >>> 0;
    // Not before the CA itself (a CA made a moment ago by nebula-cert): tio refuses a host valid before its CA.
    const notBefore = ca.details.notBefore;
    const prefix = 16;
    const log = new Logger('error', 'text', () => undefined);
    for (let i = 0; i < o.count; i++) {
      const vpnIp = (o.firstIp + i) >>> 0;
      const ip = u32ToIp(vpnIp);
      const { cert, keys } = signHost(ca, caKey, `peer${i}`, `${ip}/${prefix}`, notBefore);
      const hostmap = new Hostmap<Tunnel>();
      const peer: Peer = {
        index: i, ip, hostmap, sock: null, tunnel: null, proven: false,
        manager: new HandshakeManager({
          pki: { pool, cert, privateKey: keys.privateKey, publicKey: keys.publicKey, vpnIp, prefix, local: { ips: [vpnIp], subnets: [] } },
          cipher: 'aes', hostmap, log,
          remotesFor: () => [o.target],
          send: (to, bytes) => this.send(peer, to, bytes),
          probe: () => undefined,
          tunnelUp: (t) => {
            peer.tunnel = t;
            this.onUp?.(peer);
          },
          now: clock,
        }, { tryIntervalMs: DEFAULT_HANDSHAKE_TRY_INTERVAL_MS, retries: DEFAULT_HANDSHAKE_RETRIES, triggerBuffer: 1 }),
      };
      this.all.push(peer);
    }
  }

  private send(peer: Peer, to: Endpoint, bytes: Uint8Array): void {
    if (bytes[0]! === ((wire.HEADER_VERSION << 4) | wire.TYPE_HANDSHAKE) && wire.decodeHeader(bytes, 0, bytes.length, this.header)
      && this.header.counter === wire.COUNTER_HANDSHAKE_MSG1) this.msg1Sent++;
    peer.sock?.send(bytes, to.port, to.ip);
  }

  private async open(peer: Peer): Promise<void> {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg) => this.receive(peer, msg));
    sock.on('error', (e) => emit({ event: 'error', message: `peer ${peer.index} socket: ${e.message}` }));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: this.o.addresses[peer.index % this.o.addresses.length]!, port: 0 }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    peer.sock = sock;
  }

  private receive(peer: Peer, msg: Buffer): void {
    const h = this.header;
    if (!wire.decodeHeader(msg, 0, msg.length, h)) return;
    if (h.type === wire.TYPE_HANDSHAKE) {
      peer.manager.onPacket(h.counter, h.remoteIndex, msg, 0, msg.length, this.o.target);
      return;
    }
    const t = peer.tunnel;
    if (t === null || h.remoteIndex !== t.localIndex) return;
    const test = h.type === wire.TYPE_TEST && h.subtype === wire.SUBTYPE_TEST_REQUEST;
    if (!test && (h.type !== wire.TYPE_MESSAGE || h.subtype !== wire.SUBTYPE_MESSAGE_NONE)) return;
    this.aead.reset(msg).add(0, msg.length);
    t.open.open(this.aead);
    const plen = this.aead.out[0]!;
    const p = wire.HEADER_LEN;
    // A node asks an idle-looking tunnel whether its peer lives (docs/PROTOCOL.md "Test messages and liveness"): answer as nebula does, with the payload back.
    if (test) {
      if (plen < 0) return;
      const reply = sealControl(t, this.aead, wire.TYPE_TEST, wire.SUBTYPE_TEST_REPLY, msg.subarray(p, p + plen));
      peer.sock?.send(reply, this.o.target.port, this.o.target.ip);
      return;
    }
    // An IPv4 ICMP echo reply: type 0 after the IP header; its sequence number is at ICMP offset 6.
    if (plen < 28 || msg[p]! >>> 4 !== 4 || msg[p + 9] !== 1) return;
    const icmp = p + (msg[p]! & 0x0f) * 4;
    if (msg[icmp] !== 0) return;
    const seq = msg.readUInt16BE(icmp + 6);
    const at = this.sentAt[seq]!;
    if (Number.isNaN(at)) return;
    this.sentAt[seq] = Number.NaN;
    this.onReply?.(peer, seq, (clock() - at) * 1000);
  }

  /** Sends one echo request through peer's tunnel; returns its sequence number. */
  echo(peer: Peer): number {
    const t = peer.tunnel!;
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    const pkt = icmpEchoV4(peer.ip, this.nodeIp, peer.index & 0xffff, seq, ECHO_PAYLOAD);
    const sealed = sealControl(t, this.aead, wire.TYPE_MESSAGE, wire.SUBTYPE_MESSAGE_NONE, pkt);
    this.sentAt[seq] = clock();
    peer.sock!.send(sealed, this.o.target.port, this.o.target.ip);
    return seq;
  }

  /** Forgets an outstanding echo (timed out). */
  forget(seq: number): void {
    this.sentAt[seq] = Number.NaN;
  }

  proven(): Peer[] {
    return this.all.filter((p) => p.proven);
  }

  async grow(to: number, window: number, timeoutMs: number): Promise<PeerEvent> {
    const target = Math.min(to, this.all.length);
    const start = this.proven().length;
    const todo = this.all.slice(start, target);
    for (const p of todo) if (p.sock === null) await this.open(p);
    const t0 = clock();
    const sent0 = this.msg1Sent;
    let next = 0;
    let inFlight = 0;
    let done = 0;
    let provenCount = 0;
    let lastHandshake = t0;
    let restarted = 0;
    const pending = new Map<number, Peer>();
    const startOne = (p: Peer): void => {
      if (!p.manager.trigger(this.nodeVpnIp)) throw new BenchError('ERR_BENCH_PEER', `peer ${p.index}: no remote for the node`);
    };
    return new Promise<PeerEvent>((resolve) => {
      let finished = false;
      const finish = (e: PeerEvent): void => {
        if (finished) return;
        finished = true;
        clearInterval(sweep);
        clearTimeout(limit);
        this.onUp = null;
        this.onReply = null;
        resolve(e);
      };
      const fill = (): void => {
        while (inFlight < window && next < todo.length) {
          const p = todo[next++]!;
          inFlight++;
          startOne(p);
        }
      };
      this.onUp = (p) => {
        if (p.proven) return;
        done++;
        inFlight--;
        lastHandshake = clock();
        const seq = this.echo(p);
        pending.set(seq, p);
        fill();
      };
      this.onReply = (p, seq) => {
        if (pending.get(seq) !== p) return;
        pending.delete(seq);
        if (p.proven) return;
        p.proven = true;
        provenCount++;
        if (provenCount === todo.length) {
          finish({
            event: 'grown', tunnels: start + provenCount, added: provenCount, handshakeMs: lastHandshake - t0, provenMs: clock() - t0,
            msg1Sent: this.msg1Sent - sent0, restarted,
          });
        }
      };
      // A handshake whose retries ran out starts again; a proving ping that was lost is sent again.
      const sweep = setInterval(() => {
        const now = clock();
        for (let i = 0; i < next; i++) {
          const p = todo[i]!;
          if (p.tunnel === null && !p.manager.isPending(this.nodeVpnIp)) {
            restarted++;
            startOne(p);
          }
        }
        for (const [seq, p] of pending) {
          if (now - (this.sentAtOf(seq) || now) > RATE_ECHO_TIMEOUT_MS) {
            pending.delete(seq);
            this.forget(seq);
            pending.set(this.echo(p), p);
          }
        }
      }, SWEEP_MS);
      const limit = setTimeout(() => finish({
        event: 'error', message: `grow to ${target}: ${provenCount} of ${todo.length} tunnels established within ${timeoutMs} ms (${done} handshakes done)`,
      }), timeoutMs);
      if (todo.length === 0) {
        finish({ event: 'grown', tunnels: start, added: 0, handshakeMs: 0, provenMs: 0, msg1Sent: 0, restarted: 0 });
        return;
      }
      fill();
    });
  }

  private sentAtOf(seq: number): number {
    return this.sentAt[seq]!;
  }

  async ping(count: number, timeoutMs: number): Promise<PeerEvent> {
    const peers = this.proven();
    if (peers.length === 0) return { event: 'error', message: 'ping: no tunnel established' };
    const rtts: number[] = [];
    for (let k = 0; k < count; k++) {
      const p = peers[k % peers.length]!;
      const rtt = await new Promise<number | undefined>((resolve) => {
        let seq = -1;
        const timer = setTimeout(() => {
          this.onReply = null;
          this.forget(seq);
          resolve(undefined);
        }, timeoutMs);
        this.onReply = (_peer, s, us) => {
          if (s !== seq) return;
          clearTimeout(timer);
          this.onReply = null;
          resolve(us);
        };
        seq = this.echo(p);
      });
      if (rtt !== undefined) rtts.push(rtt);
    }
    return { event: 'pinged', sent: count, rtt: summarize(rtts) };
  }

  async rate(ms: number, window: number): Promise<PeerEvent> {
    const peers = this.proven();
    if (peers.length === 0) return { event: 'error', message: 'rate: no tunnel established' };
    const rtts: number[] = [];
    const outstanding = new Set<number>();
    let sent = 0;
    let answered = 0;
    let k = 0;
    let stopping = false;
    const sendNext = (): void => {
      const p = peers[k++ % peers.length]!;
      outstanding.add(this.echo(p));
      sent++;
    };
    const t0 = clock();
    return new Promise<PeerEvent>((resolve) => {
      this.onReply = (_p, seq, us) => {
        if (!outstanding.delete(seq)) return;
        answered++;
        rtts.push(us);
        if (!stopping) sendNext();
      };
      const sweep = setInterval(() => {
        const now = clock();
        for (const seq of outstanding) {
          if (now - this.sentAtOf(seq) > RATE_ECHO_TIMEOUT_MS) {
            outstanding.delete(seq);
            this.forget(seq);
            if (!stopping) sendNext();
          }
        }
      }, SWEEP_MS);
      setTimeout(() => {
        stopping = true;
        clearInterval(sweep);
        const elapsed = clock() - t0;
        this.onReply = null;
        for (const seq of outstanding) this.forget(seq);
        resolve({ event: 'rated', sent, answered, ms: elapsed, rtt: summarize(rtts) });
      }, ms);
      for (let i = 0; i < window; i++) sendNext();
    });
  }

  close(): void {
    for (const p of this.all) {
      p.manager.close();
      for (const t of [...p.hostmap.all(), ...p.hostmap.allCandidates()]) p.hostmap.remove(t);
      p.sock?.close();
    }
  }
}

async function handle(peers: Peers, c: PeerCommand): Promise<boolean> {
  switch (c.op) {
    case 'grow':
      emit(await peers.grow(c.to, c.window, c.timeoutMs));
      return true;
    case 'ping':
      emit(await peers.ping(c.count, c.timeoutMs));
      return true;
    case 'rate':
      emit(await peers.rate(c.ms, c.window));
      return true;
    case 'quit':
      return false;
  }
}

async function main(): Promise<void> {
  const o = options();
  const ca = parseCertificatePem(o.caPem);
  const pool = CaPool.fromPem(o.caPem);
  const caKey = parseEd25519PrivateKeyPem(o.caKeyPem);
  const t0 = clock();
  const peers = new Peers(o, pool, ca, caKey);
  emit({ event: 'ready', certs: peers.all.length, signMs: clock() - t0 });
  // One command at a time, in order; stdin's end (the bench is gone) ends the peer.
  const lines = createInterface({ input: process.stdin });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let c: PeerCommand;
      try {
        c = parsePeerCommand(line);
      } catch (e) {
        emit({ event: 'error', message: e instanceof Error ? e.message : String(e) });
        continue;
      }
      if (!(await handle(peers, c))) break;
    }
  } finally {
    peers.close();
  }
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`peers-peer: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
