// `node dist/bench/data-valid.js [--count N]` (root)
// Does a TUN write with VIRTIO_NET_HDR_F_DATA_VALID make the running kernel
// skip L4 checksum verification? Writes UDP datagrams to a closed port of the
// TUN's own address, with good and broken checksums, under a zero vnet header
// and under DATA_VALID, and reads the namespace's UDP counters (/proc/net/snmp):
// a verified datagram with a broken checksum counts as InCsumErrors, a trusted
// one reaches the port lookup (NoPorts). docs/tun-writes.md has the result.
import { parseArgs } from 'node:util';
import { TunDevice } from '../src/index.js';
import { native } from '../src/native.js';
import { VIRTIO_NET_HDR_F_DATA_VALID, VNET_HDR_LEN } from '../src/virtio/index.js';
import { build } from '../kit/packet.js';
import { Netns, rootSkipReason, waitFor } from '../kit/netns.js';
import { BenchError } from './lib/errors.js';

// UDP checksum field offset in an IPv4 packet without options: 20 + 6 (RFC 768).
const UDP_CHECKSUM_AT = 26;

/** UDP counters of /proc/net/snmp inside `ns`. */
function udpCounters(ns: Netns): Record<string, number> {
  const rows = ns.exec('cat', ['/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Udp:'));
  const keys = rows[0]!.split(/\s+/).slice(1);
  const vals = rows[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(keys.map((k, i) => [k, vals[i]!]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '1000' } }, strict: true });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new BenchError('ERR_BENCH_ARGS', `--count must be 1..1000000, got ${values.count}`);
  const skip = rootSkipReason();
  if (skip) throw new BenchError('ERR_BENCH_ENV', `cannot run: ${skip}`);
  const ns = Netns.create('dvalid');
  try {
    // Datagrams of kit/packet.ts go 198.18.0.1 -> 198.18.0.2: the TUN's own address here.
    const dev = TunDevice.open({ name: 'tdvalid0', netns: ns.name, addresses: ['198.18.0.2/24'], offload: 'off' });
    const fd = dev.queues[0]!.fileDescriptor;
    const out: Record<string, { NoPorts: number; InCsumErrors: number }> = {};
    try {
      for (const [hdrName, flags] of [['zero', 0], ['DATA_VALID', VIRTIO_NET_HDR_F_DATA_VALID]] as const) {
        for (const broken of [false, true]) {
          const pkt = build({ version: 4, proto: 'udp', payload: 64, dport: 7 });
          if (broken) pkt[UDP_CHECKSUM_AT]! ^= 0x01;
          const hdr = Buffer.alloc(VNET_HDR_LEN);
          hdr[0] = flags;
          const before = udpCounters(ns);
          for (let i = 0; i < count; i++) {
            const r = native.writePacket(fd, hdr, pkt, 0, pkt.length, null);
            if (r < 0) throw new BenchError('ERR_BENCH_RUN', `TUN write failed: errno ${-r}`);
          }
          const delta = (): { NoPorts: number; InCsumErrors: number } => {
            const now = udpCounters(ns);
            return { NoPorts: now.NoPorts! - before.NoPorts!, InCsumErrors: now.InCsumErrors! - before.InCsumErrors! };
          };
          // Every datagram ends up in exactly one of the two counters.
          await waitFor(() => { const d = delta(); return d.NoPorts + d.InCsumErrors >= count; }, 10_000, 'UDP counters');
          out[`${hdrName} header, ${broken ? 'broken' : 'good'} checksum`] = delta();
        }
      }
    } finally {
      dev.close();
    }
    for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(36)} NoPorts ${String(v.NoPorts).padStart(7)}  InCsumErrors ${String(v.InCsumErrors).padStart(7)}`);
    const honoured = out['DATA_VALID header, broken checksum']!.NoPorts > 0;
    console.log(honoured ? 'this kernel honours DATA_VALID on TUN writes (broken checksums were trusted)' : 'this kernel ignores DATA_VALID on TUN writes (it verified every checksum)');
    console.log(JSON.stringify({ count, honoured, ...out }));
  } finally {
    ns.destroy();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench data-valid: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
