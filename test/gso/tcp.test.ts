// TCP header rewriting per segment: sequence numbers and flags.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { segmentSuperpacket } from '../../src/gso/index.js';
import { l4ChecksumVerifies } from '../helpers/checksum.js';
import {
  ACK, CWR, ECE, FIN, PSH, URG, buildSuperpacket, collect, get16, get32, patternPayload, type Superpacket,
} from '../../kit/superpacket.js';

function flagsOf(sp: Superpacket): number[] {
  const { segments } = collect(segmentSuperpacket, sp.packet);
  for (const s of segments) assert.ok(l4ChecksumVerifies(s, 0, s.length, sp.l4Off, 6));
  return segments.map((s) => s[sp.l4Off + 13]!);
}

for (const version of [4, 6] as const) {
  test(`TCP seq advances by gso size (IPv${version}, wrapping at 2^32)`, () => {
    const sp = buildSuperpacket({ version, proto: 'tcp', payload: patternPayload(4000), gsoSize: 1448, seq: 0xfffffa00 });
    const { result, segments } = collect(segmentSuperpacket, sp.packet);
    assert.equal(result, 3);
    assert.deepEqual(segments.map((s) => get32(s, sp.l4Off + 4)), [0xfffffa00, 0xffffffa8, 0x550]);
    // Ack, window, urgent pointer and options are copied.
    for (const s of segments) {
      assert.equal(get32(s, sp.l4Off + 8), 0x01020304);
      assert.equal(get16(s, sp.l4Off + 14), 502);
      assert.equal(get16(s, sp.l4Off + 18), 0x1234);
    }
  });

  test(`CWR only on first segment (IPv${version})`, () => {
    const sp = buildSuperpacket({ version, proto: 'tcp', payload: patternPayload(3000), gsoSize: 1000, tcpFlags: ACK | CWR, gsoEcn: true });
    assert.deepEqual(flagsOf(sp), [ACK | CWR, ACK, ACK]);
  });

  test(`FIN and PSH only on last segment (IPv${version})`, () => {
    const sp = buildSuperpacket({ version, proto: 'tcp', payload: patternPayload(3000), gsoSize: 1000, tcpFlags: ACK | PSH | FIN });
    assert.deepEqual(flagsOf(sp), [ACK, ACK, ACK | PSH | FIN]);
  });

  test(`ECE copied to every segment, with URG and the rest (IPv${version})`, () => {
    const all = ACK | ECE | URG | CWR | PSH | FIN;
    const sp = buildSuperpacket({ version, proto: 'tcp', payload: patternPayload(3000), gsoSize: 1000, tcpFlags: all });
    assert.deepEqual(flagsOf(sp), [ACK | ECE | URG | CWR, ACK | ECE | URG, ACK | ECE | URG | PSH | FIN]);
  });

  test(`a single segment keeps CWR, FIN and PSH together (IPv${version})`, () => {
    const sp = buildSuperpacket({ version, proto: 'tcp', payload: patternPayload(900), gsoSize: 1000, tcpFlags: ACK | CWR | PSH | FIN });
    assert.deepEqual(flagsOf(sp), [ACK | CWR | PSH | FIN]);
  });

  test(`TCP options are copied to every segment (IPv${version})`, () => {
    const opts = Uint8Array.of(2, 4, 0x05, 0xb4, 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8);
    const sp = buildSuperpacket({ version, proto: 'tcp', payload: patternPayload(2500), gsoSize: 1000, tcpOptions: opts });
    const { segments } = collect(segmentSuperpacket, sp.packet);
    for (const s of segments) {
      assert.deepEqual(s.subarray(sp.l4Off + 20, sp.hdrLen), Buffer.from(opts));
      assert.ok(l4ChecksumVerifies(s, 0, s.length, sp.l4Off, 6));
    }
  });
}
