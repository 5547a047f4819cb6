// Fuzz: what a TUN read hands over (virtio header + packet), valid and mutated,
// through the receive pipeline: vnet decode as Queue.decodeVnet does it, then
// segment()/segmentInto() of what passes, then the coalescer over the segments.
// Nothing may throw, read or write outside its range, or drop without a reason.
import { test } from 'node:test';
import fc from 'fast-check';
import { Segmenter } from '../../src/gso/index.js';
import { Packet } from '../../src/tun/packet.js';
import { describeParams, FUZZ_TIMEOUT_MS, fuzzParams } from './config.js';
import { assertSentinelIntact, hex, place, SENTINELS } from './guard.js';
import { applyMutations, mutations } from './mutate.js';
import { validVnetInput } from './packets.js';
import { coalesceChecked, decodeLikeQueue, isDropReason, segmentChecked } from './pipeline.js';

const VNET = 10;
/** Segments of one superpacket fed to the coalescer (a 65000-byte payload at gso 1 has 65000). */
const COALESCE_MAX = 512;

interface Decoded {
  reason: string | null;
  gso: string;
  packet: Buffer;
}

function decodeIn(raw: Uint8Array, fill: number): { decoded: Decoded; p: Packet; placed: ReturnType<typeof place> } {
  const placed = place(raw.subarray(Math.min(VNET, raw.length)), fill, 7, 9);
  const p = new Packet(placed.buf, placed.off, raw.length - VNET);
  const reason = decodeLikeQueue(raw.subarray(0, VNET), p);
  assertSentinelIntact(placed, 'vnet decode');
  return { decoded: { reason, gso: JSON.stringify(p.gso), packet: Buffer.from(placed.buf.subarray(placed.off, placed.off + placed.len)) }, p, placed };
}

test('fuzz: TUN reads (virtio header + packet), valid and mutated, are decoded or dropped with a counted reason; what passes segments and coalesces in bounds with its bytes kept', { timeout: FUZZ_TIMEOUT_MS }, async (t) => {
  const params = fuzzParams(0x7101, 1200);
  t.diagnostic(describeParams(params));
  const seg = new Segmenter();
  const drops = new Map<string, number>();
  const segRejects = new Map<string, number>();
  let accepted = 0;
  let segmented = 0;
  const room = fc.record({ head: fc.nat({ max: 40 }), tail: fc.nat({ max: 20 }), lead: fc.nat({ max: 9 }), short: fc.boolean() });
  const edits = fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 4, arbitrary: mutations({ maxCount: 5 }) });
  await fc.assert(fc.asyncProperty(validVnetInput, edits, room, async (input, muts, r) => {
    const raw = applyMutations(input.bytes, muts);
    // Two sentinels: a result that depends on bytes outside the packet would differ.
    const [a, b] = SENTINELS.map((fill) => decodeIn(raw, fill));
    if (a!.decoded.reason !== b!.decoded.reason || a!.decoded.gso !== b!.decoded.gso || !a!.decoded.packet.equals(b!.decoded.packet)) {
      throw new Error(`decode depends on bytes outside the packet: ${JSON.stringify(a!.decoded)} vs ${JSON.stringify(b!.decoded)} for ${hex(raw)}`);
    }
    const { reason } = a!.decoded;
    if (reason !== null) {
      if (!isDropReason(reason)) throw new Error(`drop reason ${reason} has no queue counter`);
      drops.set(reason, (drops.get(reason) ?? 0) + 1);
      return;
    }
    accepted++;
    const out = segmentChecked(seg, a!.p, { ...r });
    assertSentinelIntact(a!.placed, 'segmentation');
    if (out.reason !== null) {
      segRejects.set(out.reason, (segRejects.get(out.reason) ?? 0) + 1);
      return;
    }
    segmented++;
    await coalesceChecked(out.segments.slice(0, COALESCE_MAX), { tcp: true, udp: true, maxFlows: 8 });
  }), params);
  t.diagnostic(`accepted ${accepted}, segmented ${segmented}; drops ${JSON.stringify(Object.fromEntries(drops))}; segment rejects ${JSON.stringify(Object.fromEntries(segRejects))}`);
});
