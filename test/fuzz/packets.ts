// Valid starting points for packet fuzzing, as fast-check arbitraries: TSO/USO
// superpackets with the virtio header the kernel would put in front of them,
// NEEDS_CSUM single packets, complete packets, and same-flow runs for the
// coalescer. The builders are the test fixtures of test/gso and test/gro.
import fc from 'fast-check';
import {
  VIRTIO_NET_HDR_F_DATA_VALID, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE,
} from '../../src/virtio/index.js';
import { ACK, CWR, ECE, FIN, PSH, RST, SYN, URG, type Spec, build } from '../../kit/packet.js';
import { EXT_DEST_OPTS, EXT_HOP_BY_HOP, EXT_ROUTING, buildSuperpacket, patternPayload } from '../../kit/superpacket.js';
import { vnetBytes } from './pipeline.js';

/** A packet as a TUN read returns it: the 10-byte virtio header, then the IP packet. */
export interface VnetInput {
  /** Header then packet, concatenated (what a read(2) of the queue fd returns). */
  readonly bytes: Uint8Array;
  /** What it is, for failure messages. */
  readonly kind: string;
}

const superSpec = fc.record({
  version: fc.constantFrom(4 as const, 6 as const),
  proto: fc.constantFrom('tcp' as const, 'udp' as const),
  payloadLen: fc.oneof(
    { weight: 4, arbitrary: fc.nat({ max: 6000 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, 1447, 1448, 1449, 2896, 65000) },
  ),
  gsoSize: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 1500 }) },
    { weight: 1, arbitrary: fc.constantFrom(1, 536, 1200, 1448, 1500, 9000, 65535) },
  ),
  tcpOptionsLen: fc.constantFrom(0, 0, 4, 12, 40),
  ipv4OptionsLen: fc.constantFrom(0, 0, 0, 4, 40),
  v6Ext: fc.constantFrom(0, 0, 0, 1, 2),
  ecn: fc.boolean(),
  seq: fc.nat({ max: 0xffffffff }),
  ipId: fc.nat({ max: 0xffff }),
  // The kernel's hdr_len on the forward path can be the whole first segment (docs/OFFLOADS.md "Reading").
  hdrLenMode: fc.constantFrom('exact' as const, 'first-segment' as const, 'zero' as const),
  flags: fc.constantFrom(ACK, ACK, ACK | PSH, ACK | FIN, ACK | PSH | CWR, ACK | ECE),
});

/** A TSO/USO superpacket with a kernel-style virtio header (NEEDS_CSUM, offsets and sizes consistent). */
export const superpacketInput: fc.Arbitrary<VnetInput> = superSpec.map((s) => {
  const tcpOptions = s.tcpOptionsLen ? Uint8Array.from({ length: s.tcpOptionsLen }, (_, i) => (i === 0 ? 2 : i === 1 ? 4 : 1)) : undefined;
  const ipv4Options = s.ipv4OptionsLen ? new Uint8Array(s.ipv4OptionsLen).fill(1) : undefined;
  const ipv6Ext = ([[EXT_HOP_BY_HOP, 1], [EXT_ROUTING, 2], [EXT_DEST_OPTS, 1]] as const).slice(0, s.v6Ext);
  const sp = buildSuperpacket({
    version: s.version, proto: s.proto, payload: patternPayload(s.payloadLen, s.seq), gsoSize: s.gsoSize,
    tcpFlags: s.flags, tcpOptions, ipv4Options, ipv6Ext, seq: s.seq, ipId: s.ipId, gsoEcn: s.ecn && s.proto === 'tcp',
  });
  const g = sp.packet.gso!;
  const hdrLen = s.hdrLenMode === 'exact' ? g.hdrLen : s.hdrLenMode === 'zero' ? 0 : Math.min(0xffff, g.hdrLen + g.size);
  const hdr = vnetBytes(VIRTIO_NET_HDR_F_NEEDS_CSUM, g.gsoType, hdrLen, g.size, g.csumStart, g.csumOffset);
  const pkt = sp.packet.data;
  const bytes = new Uint8Array(hdr.length + pkt.length);
  bytes.set(hdr);
  bytes.set(pkt, hdr.length);
  return { bytes, kind: `superpacket v${s.version} ${s.proto} payload ${s.payloadLen} gso ${s.gsoSize}` };
});

/** One packet with a NEEDS_CSUM header and no GSO: the field holds the pseudo-header sum. */
export const needsCsumInput: fc.Arbitrary<VnetInput> = fc
  .record({ version: fc.constantFrom(4 as const, 6 as const), proto: fc.constantFrom('tcp' as const, 'udp' as const), payloadLen: fc.nat({ max: 2000 }) })
  .map((s) => {
    const sp = buildSuperpacket({ version: s.version, proto: s.proto, payload: patternPayload(s.payloadLen, 7), gsoSize: Math.max(1, s.payloadLen) });
    const g = sp.packet.gso!;
    const hdr = vnetBytes(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, g.hdrLen, 0, g.csumStart, g.csumOffset);
    const pkt = sp.packet.data;
    const bytes = new Uint8Array(hdr.length + pkt.length);
    bytes.set(hdr);
    bytes.set(pkt, hdr.length);
    return { bytes, kind: `needs-csum v${s.version} ${s.proto} payload ${s.payloadLen}` };
  });

/** A lane packet's shape; `base` seeds a whole same-flow run. */
export const laneSpec: fc.Arbitrary<Spec> = fc.record({
  version: fc.constantFrom(4 as const, 6 as const),
  proto: fc.constantFrom('tcp' as const, 'udp' as const),
  df: fc.boolean(),
  srcHost: fc.constantFrom(1, 2, 3),
  sport: fc.constantFrom(40000, 40001),
  tos: fc.constantFrom(0, 2),
});

/** A complete packet (valid checksums) with a plain (flags 0 or DATA_VALID) virtio header. */
export const plainInput: fc.Arbitrary<VnetInput> = fc
  .record({ spec: laneSpec, payloadLen: fc.nat({ max: 1600 }), flags: fc.constantFrom(0, VIRTIO_NET_HDR_F_DATA_VALID), tcpFlags: fc.constantFrom(ACK, SYN, RST | ACK, URG | ACK) })
  .map(({ spec, payloadLen, flags, tcpFlags }) => {
    const pkt = build({ ...spec, payload: payloadLen, flags: tcpFlags });
    const hdr = vnetBytes(flags, VIRTIO_NET_HDR_GSO_NONE, 0, 0, 0, 0);
    const bytes = new Uint8Array(hdr.length + pkt.length);
    bytes.set(hdr);
    bytes.set(pkt, hdr.length);
    return { bytes, kind: `plain v${spec.version} ${spec.proto ?? 'tcp'} payload ${payloadLen}` };
  });

/** Any of the valid starting points. */
export const validVnetInput: fc.Arbitrary<VnetInput> = fc.oneof(
  { weight: 5, arbitrary: superpacketInput },
  { weight: 2, arbitrary: needsCsumInput },
  { weight: 1, arbitrary: plainInput },
);

/**
 * A receive batch for the coalescer: a few same-flow runs (what segmentation of a
 * superpacket or a fast sender produces), interleaved, with odd packets between
 * (flag changes, short, empty, gaps) so chains start, continue, seal and close.
 */
export const laneBatch: fc.Arbitrary<Buffer[]> = fc
  .array(
    fc.record({
      spec: laneSpec,
      size: fc.integer({ min: 1, max: 1460 }),
      count: fc.integer({ min: 1, max: 12 }),
      seq: fc.nat({ max: 0xffffffff }),
      id: fc.nat({ max: 0xffff }),
      // Index in the run (if any) that gets a special shape.
      oddAt: fc.nat({ max: 12 }),
      odd: fc.constantFrom('none', 'empty', 'short', 'psh', 'fin', 'gap', 'pure-ack', 'zero-udp-csum'),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .chain((runs) => {
    const lists = runs.map((r) => {
      const out: Buffer[] = [];
      let seq = r.seq;
      for (let i = 0; i < r.count; i++) {
        let payload = r.size;
        const s: Spec = { ...r.spec, seq, id: (r.id + i) & 0xffff };
        if (i === r.oddAt) {
          if (r.odd === 'empty' || r.odd === 'pure-ack') payload = 0;
          else if (r.odd === 'short') payload = Math.max(0, r.size - 1 - (i % 5));
          else if (r.odd === 'psh') s.flags = ACK | PSH;
          else if (r.odd === 'fin') s.flags = ACK | FIN;
          else if (r.odd === 'gap') s.seq = (seq + 1000) >>> 0;
          else if (r.odd === 'zero-udp-csum') s.udpNoChecksum = true;
        }
        out.push(build({ ...s, payload, fill: seq ^ i }));
        seq = ((s.seq ?? seq) + payload) >>> 0;
      }
      return out;
    });
    // Interleave the runs in a random but fixed order, keeping each run's order.
    const total = lists.reduce((n, l) => n + l.length, 0);
    return fc.array(fc.nat({ max: lists.length - 1 }), { minLength: total, maxLength: total }).map((picks) => {
      const idx = lists.map(() => 0);
      const out: Buffer[] = [];
      for (const p of picks) {
        let k = p;
        while (idx[k]! >= lists[k]!.length) k = (k + 1) % lists.length;
        out.push(lists[k]![idx[k]!++]!);
      }
      return out;
    });
  });
