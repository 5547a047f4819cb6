// Shared pieces of the UDP tests: bounded waits, collecting datagrams, and a
// two-namespace veth fixture with 198.18.50.0/24 and fd00:50::/64 addresses.
import { UdpSocket, type Endpoint, type UdpBatch } from '../../src/udp/index.js';
import { Netns, addAddress, vethPair } from '../../kit/netns.js';

/** Rejects when p has not settled within ms. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`${what} not within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** One received datagram, copied out of the batch. */
export interface Got {
  data: Buffer;
  from: Endpoint;
  /** GRO segment size of the message it came in (0: alone). */
  segSize: number;
}

/** A recv() still pending when collect() gave up; the next collect() on that socket awaits it instead of calling recv() again. */
const pending = new WeakMap<UdpSocket, Promise<UdpBatch>>();

/** Receives until `count` datagrams arrived (copied, in order) or `ms` passed. */
export async function collect(sock: UdpSocket, count: number, ms = 5000): Promise<Got[]> {
  const out: Got[] = [];
  const deadline = Date.now() + ms;
  while (out.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const p = pending.get(sock) ?? sock.recv();
    pending.set(sock, p);
    p.catch(() => undefined); // a socket closed while nobody waits must not be an unhandled rejection
    let b: UdpBatch;
    try {
      b = await within(p, left, 'datagrams');
    } catch {
      break;
    }
    pending.delete(sock);
    for (let i = 0; i < b.count; i++) out.push({ data: Buffer.from(b.datagram(i)), from: b.peer(i), segSize: b.segSizes[i]! });
  }
  return out;
}

/** Datagram i of a run: `size` bytes, each byte (seed + i + offset) & 0xff, first 4 bytes the index. */
export function pattern(i: number, size: number, seed = 0): Buffer {
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = (seed + i + k) & 0xff;
  if (size >= 4) b.writeUInt32BE(i, 0);
  return b;
}

/** Two namespaces joined by a veth pair: a = 198.18.50.1 / fd00:50::1, b = .2 and .3 / fd00:50::2. */
export interface Pair {
  a: Netns;
  b: Netns;
  aIf: string;
  bIf: string;
}

/** Builds the veth fixture; destroyAll() tears it down. */
export function makePair(tag: string): Pair {
  const a = Netns.create(`${tag}a`);
  const b = Netns.create(`${tag}b`);
  const { aIf, bIf } = vethPair(a, b, { aAddr: '198.18.50.1/24', bAddr: '198.18.50.2/24' });
  addAddress(b, bIf, '198.18.50.3/24');
  addAddress(a, aIf, 'fd00:50::1/64');
  addAddress(b, bIf, 'fd00:50::2/64');
  return { a, b, aIf, bIf };
}
