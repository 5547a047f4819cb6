// Fuzz: the real Queue read path (native readBatch, decodeBatch, decodeVnet,
// drop counters) on hostile reads. A TUN fd cannot be made to return chosen
// bytes, so the queue is attached to a loopback UDP socket instead: readv on it
// returns one datagram per call, exactly as on a TUN fd, so each datagram is one
// "read" (virtio header + packet). The queue must hand over exactly what the
// line-by-line mirror of decodeVnet accepts, in order and byte for byte, and
// count every other datagram under the mirror's drop reason.
import { after, before, test } from 'node:test';
import { createSocket, type Socket } from 'node:dgram';
import fc from 'fast-check';
import { native } from '../../src/native.js';
import { Packet } from '../../src/tun/packet.js';
import { Queue } from '../../src/tun/queue.js';
import { DROP_REASONS, type DropReason } from '../../src/tun/counters.js';
import { ipBytes } from '../../src/packet/ip-text.js';
import { describeParams, FUZZ_TIMEOUT_MS, fuzzParams } from './config.js';
import { applyMutations, mutations } from './mutate.js';
import { validVnetInput } from './packets.js';
import { decodeLikeQueue, vnetBytes } from './pipeline.js';

const VNET = 10;
/** Largest UDP payload over IPv4 loopback (65535 - 20 - 8). */
const MAX_DATAGRAM = 65507;

interface Harness {
  queue: Queue;
  plain: Queue;
  port: number;
  plainPort: number;
  sender: Socket;
}

let h: Harness | undefined;

function attach(vnetHdr: boolean): { queue: Queue; port: number } {
  const r = native.udpOpen(4, ipBytes('127.0.0.1', 4), 0, false, 4 << 20, 4 << 20, false);
  if (r.fd < 0) throw new Error(`udpOpen failed: errno ${r.errno} at stage ${r.stage}`);
  const queue = Queue.attach({
    fd: r.fd, closeFd: native.eventfdCreate(), name: vnetHdr ? 'fuzz-vnet' : 'fuzz-plain', index: 0,
    capabilities: { vnetHdr, tso: vnetHdr, uso: vnetHdr }, writeStrategy: 'writev', rxBufferSize: 1 << 20,
  });
  return { queue, port: r.port };
}

before(async () => {
  const v = attach(true);
  const p = attach(false);
  const sender = createSocket('udp4');
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  h = { queue: v.queue, port: v.port, plain: p.queue, plainPort: p.port, sender };
});

after(() => {
  h?.queue.close();
  h?.plain.close();
  h?.sender.close();
});

function send(bytes: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve, reject) => h!.sender.send(bytes, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
}

let markerSeq = 0;
// A complete IPv4/UDP packet every queue passes, carrying a sequence number: the end of a batch.
function marker(): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x45;
  b.writeUInt16BE(28, 2);
  b.writeUInt16BE(0xbeef, 4);
  b[8] = 64;
  b[9] = 17;
  b.writeUInt32BE(0xc6120001, 12);
  b.writeUInt32BE(0xc6120002, 16);
  b.writeUInt32BE(markerSeq++, 20);
  return b;
}

/** Reads until `end` comes out of the queue; returns copies of everything before it. */
async function readUntil(q: Queue, end: Buffer, timeoutMs = 5000): Promise<{ bytes: Buffer; gso: string }[]> {
  const out: { bytes: Buffer; gso: string }[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const batch = await Promise.race([
      q.read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no end marker from the queue within ${timeoutMs} ms`)), Math.max(1, deadline - Date.now()));
      }),
    ]).finally(() => clearTimeout(timer));
    for (const p of batch) {
      if (!(Number.isInteger(p.off) && p.len > 0 && p.off + p.len <= p.buf.length)) throw new Error(`queue handed over range (${p.off}, ${p.len}) of a ${p.buf.length}-byte buffer`);
      const bytes = Buffer.from(p.buf.subarray(p.off, p.off + p.len));
      if (bytes.equals(end) && p.gso === null) return out;
      out.push({ bytes, gso: JSON.stringify(p.gso) });
    }
  }
}

function dropDelta(a: Record<DropReason, number>, b: Record<DropReason, number>): Map<DropReason, number> {
  const m = new Map<DropReason, number>();
  for (const r of DROP_REASONS) if (b[r] !== a[r]) m.set(r, b[r] - a[r]);
  return m;
}

const datagram = fc.tuple(validVnetInput, fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 4, arbitrary: mutations({ maxCount: 5 }) }))
  .map(([input, muts]) => applyMutations(input.bytes, muts).subarray(0, MAX_DATAGRAM))
  // A 0-byte read never comes from a TUN fd (readBatch takes it for end of data): not a TUN read.
  .filter((b) => b.length > 0);

test('fuzz: the Queue read path hands over exactly what the vnet decode accepts, byte for byte, and counts every other read by reason', { timeout: FUZZ_TIMEOUT_MS }, async (t) => {
  const params = fuzzParams(0x9e0e, 400, 0.05);
  t.diagnostic(describeParams(params));
  const { queue, port } = h!;
  const seen = new Map<string, number>();
  await fc.assert(fc.asyncProperty(fc.array(datagram, { minLength: 1, maxLength: 20 }), async (reads) => {
    // What the queue should do with each read, from the mirror.
    const expectDrops = new Map<DropReason, number>();
    const expectOut: { bytes: Buffer; gso: string }[] = [];
    for (const raw of reads) {
      const p = new Packet(Buffer.from(raw.subarray(Math.min(VNET, raw.length))), 0, raw.length - VNET);
      const reason = decodeLikeQueue(raw.subarray(0, VNET), p);
      if (reason === null) expectOut.push({ bytes: Buffer.from(p.buf.subarray(0, p.len)), gso: JSON.stringify(p.gso) });
      else expectDrops.set(reason, (expectDrops.get(reason) ?? 0) + 1);
      seen.set(reason ?? 'accepted', (seen.get(reason ?? 'accepted') ?? 0) + 1);
    }
    const before = queue.stats();
    for (const raw of reads) await send(raw, port);
    const end = marker();
    await send(Buffer.concat([vnetBytes(0, 0, 0, 0, 0, 0), end]), port);
    const got = await readUntil(queue, end);
    const after = queue.stats();
    if (got.length !== expectOut.length) throw new Error(`queue handed over ${got.length} packets, the decode accepts ${expectOut.length}`);
    got.forEach((g, i) => {
      if (!g.bytes.equals(expectOut[i]!.bytes) || g.gso !== expectOut[i]!.gso) throw new Error(`packet ${i} differs from the decode's: gso ${g.gso} vs ${expectOut[i]!.gso}`);
    });
    const drops = dropDelta(before.drops, after.drops);
    for (const r of new Set([...drops.keys(), ...expectDrops.keys()])) {
      if ((drops.get(r) ?? 0) !== (expectDrops.get(r) ?? 0)) {
        throw new Error(`drops[${r}] grew by ${drops.get(r) ?? 0}, expected ${expectDrops.get(r) ?? 0}`);
      }
    }
    if (after.rxPackets - before.rxPackets !== expectOut.length + 1) throw new Error(`rxPackets grew by ${after.rxPackets - before.rxPackets}`);
    const supers = expectOut.filter((o) => o.gso !== 'null').length;
    if (after.rxSuperpackets - before.rxSuperpackets !== supers) throw new Error(`rxSuperpackets grew by ${after.rxSuperpackets - before.rxSuperpackets}, expected ${supers}`);
  }), params);
  t.diagnostic(`reads by outcome: ${JSON.stringify(Object.fromEntries(seen))}`);
});

test('fuzz: a queue without a vnet header drops short and non-IP reads by reason and hands over the rest unchanged', { timeout: FUZZ_TIMEOUT_MS }, async (t) => {
  const params = fuzzParams(0x9e0f, 150, 0.02);
  t.diagnostic(describeParams(params));
  const { plain, plainPort } = h!;
  const read = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 80 }),
    datagram.map((b) => b.subarray(Math.min(VNET, b.length))).filter((b) => b.length > 0),
  );
  await fc.assert(fc.asyncProperty(fc.array(read, { minLength: 1, maxLength: 20 }), async (reads) => {
    const before = plain.stats();
    const expectOut: Buffer[] = [];
    const expectDrops = new Map<DropReason, number>();
    for (const raw of reads) {
      const v = raw[0]! >>> 4;
      const reason: DropReason | null = raw.length < 20 ? 'too-short' : v === 4 ? null : v === 6 ? (raw.length < 40 ? 'too-short' : null) : 'bad-ip-version';
      if (reason === null) expectOut.push(Buffer.from(raw));
      else expectDrops.set(reason, (expectDrops.get(reason) ?? 0) + 1);
      await send(raw, plainPort);
    }
    const end = marker();
    await send(end, plainPort);
    const got = await readUntil(plain, end);
    if (got.length !== expectOut.length || got.some((g, i) => !g.bytes.equals(expectOut[i]!) || g.gso !== 'null')) {
      throw new Error(`plain queue handed over ${got.length} packets, expected ${expectOut.length} unchanged`);
    }
    const drops = dropDelta(before.drops, plain.stats().drops);
    for (const r of new Set([...drops.keys(), ...expectDrops.keys()])) {
      if ((drops.get(r) ?? 0) !== (expectDrops.get(r) ?? 0)) throw new Error(`plain drops[${r}] grew by ${drops.get(r) ?? 0}, expected ${expectDrops.get(r) ?? 0}`);
    }
  }), params);
});
