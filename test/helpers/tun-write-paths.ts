// Child of the write-strategy test, run under strace: opens a TSO TUN in the
// given namespace with the given write strategy (the GRO probe runs at open)
// and takes every write path once, each with its own total size so the
// parent can tell the paths apart in the trace. Prints one JSON line.
// argv: <netns> <writeStrategy>
import { Coalescer } from '../../src/gro/index.js';
import { Packet, TunDevice, type WriteStrategy } from '../../src/index.js';
import { VIRTIO_NET_HDR_GSO_TCPV4, VNET_HDR_LEN } from '../../src/virtio/index.js';
import { build, headerLen, stream } from '../../kit/packet.js';

/** What the child reports: bytes each path handed to the kernel (vnet header included), and the probe outcome. */
export interface WritePathsReport {
  groWrites: boolean;
  groProbeErrno: number;
  /** Path name -> expected syscall size (virtio header + IP packet). */
  sizes: Record<string, number>;
  txPackets: number;
}

const [netns, strategy] = process.argv.slice(2) as [string, WriteStrategy];
// Flow 198.18.0.1 -> 198.18.0.2 (kit/packet.ts): no route in the namespace, so the kernel drops
// what it accepted; only the write syscalls matter here.
const dev = TunDevice.open({ name: 'twstrat0', netns, writeStrategy: strategy, addresses: ['198.18.99.1/24'], mtu: 1500 });
try {
  const q = dev.queues[0]!;
  const sizes: Record<string, number> = {};
  const record = (path: string, ipLen: number): void => {
    sizes[path] = VNET_HDR_LEN + ipLen;
  };
  // The GRO probe: 20 + 20 + 2 bytes (src/tun/gro-probe.ts).
  record('groProbe', 42);

  const plain = build({ version: 4, proto: 'udp', payload: 92, sport: 5000 });
  await q.write(plain);
  record('write', plain.length);

  const sp = new Packet(build({ version: 4, payload: 3000, sport: 40001 }));
  const g = sp.setGso();
  Object.assign(g, { size: 1000, hdrLen: 40, csumStart: 20, csumOffset: 16, proto: 'tcp', gsoType: VIRTIO_NET_HDR_GSO_TCPV4 });
  await q.writeSuperpacket(sp);
  record('writeSuperpacket', sp.len);

  const seg = build({ version: 4, payload: 1, sport: 40002 });
  const ip = seg.subarray(0, 20);
  const l4 = seg.subarray(20, headerLen(seg));
  const gso = [Buffer.alloc(1100, 1), Buffer.alloc(1100, 2), Buffer.alloc(500, 3)];
  await q.writeGSO(ip, l4, gso, 'tcp');
  record('writeGSO', 40 + 2700);
  await q.writeGSO(ip, l4, [Buffer.alloc(777, 4)], 'tcp');
  record('writeGSO-one-payload', 40 + 777);

  // The node's receive path: decrypted packets -> Coalescer -> queue.write.
  const c = new Coalescer(q, { tcp: true, udp: false, verifyChecksums: false });
  const chain = stream({ version: 4, sport: 40003 }, 4, 900);
  for (const p of chain) c.add(p, 0, p.length);
  const pass = build({ version: 4, proto: 'udp', payload: 172, sport: 5001 });
  c.add(pass, 0, pass.length);
  await c.flush();
  if (c.stats().superpackets !== 1) throw new Error(`coalescer made ${c.stats().superpackets} superpackets, expected 1`);
  record('coalescer-superpacket', 40 + 3600);
  record('coalescer-passthrough', pass.length);

  const report: WritePathsReport = { groWrites: dev.groWrites, groProbeErrno: dev.groProbeErrno, sizes, txPackets: q.stats().txPackets };
  console.log(JSON.stringify(report));
} finally {
  dev.close();
}
