// Zero-length UDP datagrams among superpackets, end to end: an application in
// B's namespace sends UDP GSO bursts (USO superpackets on B's TUN) with empty
// datagrams between them to a receiver behind node A. B segments the
// superpackets (the empty datagrams are plain packets between them), A decrypts
// the receive batch and coalesces: an empty datagram seals its flow's chain and
// passes through on its own. Every datagram, empty ones included, must arrive
// once and in order. (A GSO send cannot end in an empty segment: the kernel
// never builds one; segmentation of an empty USO superpacket and the coalescer
// around empty datagrams are covered in test/fuzz.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Endpoint, UdpSocket } from '../../../src/udp/index.js';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { waitFor } from '../../../kit/wait.js';
import { IP_A, IP_B, stage, withLog, type Stage } from './hostile-setup.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
let s: Stage | undefined;

before(async () => {
  if (!skip) s = await stage({ subnet: 42, hostile: [] });
});
after(async () => {
  await s?.dispose();
  destroyAll();
});

const SIZE = 1000;
const ROUNDS = 24;
const WARMUP = 0xffffffff;

test('zero-length UDP datagrams between UDP GSO bursts cross the tunnel once each and in order; the receiving node still coalesces around them', { skip, timeout: 60_000 }, async (t) => {
  const st = s!;
  const sink = UdpSocket.open({ host: IP_A, port: 7000, netns: st.nsA.name, gro: 'off' });
  const source = UdpSocket.open({ host: IP_B, port: 0, netns: st.nsB.name });
  const got: Buffer[] = [];
  const loop = (async () => {
    for await (const b of sink) for (let i = 0; i < b.count; i++) got.push(Buffer.from(b.datagram(i)));
  })();
  try {
    const to = Endpoint.of(IP_A, 7000);
    const tagged = (seq: number, len: number): Buffer => {
      const d = Buffer.alloc(len, seq & 0xff);
      d.writeUInt32BE(seq >>> 0, 0);
      return d;
    };
    // The first datagram starts the handshake and waits in A's queue for it.
    await source.sendTo(to, tagged(WARMUP, 64));
    await waitFor(() => got.length > 0, 10_000, 'the first datagram through the tunnel');
    got.length = 0;
    const want: Buffer[] = [];
    let seq = 0;
    const burst = async (n: number, last = SIZE): Promise<void> => {
      const parts = Array.from({ length: n }, (_, i) => tagged(seq++, i === n - 1 ? last : SIZE));
      want.push(...parts);
      await source.sendSegments(to, Buffer.concat(parts), 0, SIZE * (n - 1) + last, SIZE);
    };
    const empty = async (): Promise<void> => {
      want.push(Buffer.alloc(0));
      await source.sendTo(to, new Uint8Array(0));
    };
    for (let r = 0; r < ROUNDS; r++) {
      await burst(16);
      await empty();
      await burst(5, 400);
      await empty();
      await empty();
      await new Promise((res) => setTimeout(res, 2));
    }
    await waitFor(() => got.length >= want.length, 10_000, `${want.length} datagrams at the receiver (got ${got.length})`);
    assert.equal(got.length, want.length, 'no datagram duplicated');
    const describe = (b: Buffer): string => (b.length === 0 ? 'empty' : `#${b.readUInt32BE(0)}/${b.length}`);
    for (let i = 0; i < want.length; i++) {
      if (!got[i]!.equals(want[i]!)) assert.fail(`datagram ${i}: got ${describe(got[i]!)}, want ${describe(want[i]!)}`);
    }
    const bDev = nodeInternals(st.b).device;
    const aDev = nodeInternals(st.a).device;
    t.diagnostic(`${want.length} datagrams (${3 * ROUNDS} empty); B read ${bDev.stats().rxSuperpackets} superpackets, A wrote ${aDev.stats().txSuperpackets}`);
    if (bDev.capabilities.uso) assert.ok(bDev.stats().rxSuperpackets > 0, 'B read USO superpackets from its TUN');
    if (aDev.capabilities.uso && aDev.groWrites) assert.ok(aDev.stats().txSuperpackets > 0, 'A coalesced datagrams into superpackets around the empty ones');
    await st.works();
  } catch (e) {
    throw withLog(st, e);
  } finally {
    sink.close();
    source.close();
    await loop.catch(() => undefined);
  }
});
