// The datagrams bench:dos floods a node's listen port with: Nebula handshake
// msg1s (header byte 0 = 0x10: version 1, type 0 handshake; subtype 0 = IX;
// remote index 0; counter 1), in two kinds:
// - junk: a valid msg1 header and random bytes after it. Its payload does not
//   parse, so a careful responder drops it for the price of a protobuf decode.
// - signed: a real msg1 from a validly signed certificate of the bench's CA,
//   with a fresh random ephemeral key, initiator index and a newer Time in each
//   copy, so neither a retransmit check (same bytes) nor nebula's "older
//   handshake" check (Time) can short-cut it: every copy costs the responder a
//   certificate verification, its own ephemeral key, three X25519 and a msg2.
// A random 32-byte string is a usable X25519 public key (the scalar is clamped,
// not the point), so the ephemeral needs no key generation per copy.
import { randomFillSync, randomInt } from 'node:crypto';
import { loadPki } from '../../src/tunnel/index.js';
import * as cert from '../../src/tunnel/cert/index.js';
import * as noise from '../../src/tunnel/noise/index.js';
import * as wire from '../../src/tunnel/wire/index.js';
import { BenchError } from './errors.js';

/** The kinds, in the order bench:dos runs them. */
export const FLOOD_KINDS = ['junk', 'signed'] as const;
export type FloodKind = (typeof FLOOD_KINDS)[number];

/** Size of a junk datagram: about a real msg1 (16 B header + 64 B keys + a ~170 B certificate payload). */
export const JUNK_BYTES = 240;

/** Files of the certificate a signed flood presents. */
export interface FloodCert {
  ca: string;
  cert: string;
  key: string;
}

/** Writes flood datagrams, each `bytes` long, into caller buffers. */
export interface DatagramWriter {
  readonly bytes: number;
  /** Writes `count` consecutive datagrams at buf[off...], each different from every earlier one. */
  write(buf: Buffer, off: number, count: number): void;
}

// NebulaHandshakeDetails field tags (field << 3 | wire type 0 = varint), see noise/handshake-payload.ts.
const TAG_INITIATOR_INDEX = (2 << 3) | 0;
const TAG_TIME = (5 << 3) | 0;
/** Varint lengths we pin: an index >= 2^28 takes 5 bytes; ns since 1970 (2^56..2^63 for years 1972..2262) take 9. */
const INDEX_VARINT = 5;
const TIME_VARINT = 9;
const INDEX_MIN = 2 ** 28;
const INDEX_MAX = 2 ** 32 - 1;

function putVarint(buf: Uint8Array, off: number, value: bigint, len: number): void {
  let v = value;
  for (let i = 0; i < len - 1; i++) {
    buf[off + i] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  if (v > 0x7fn) throw new BenchError('ERR_BENCH_FLOOD', `${value} needs more than ${len} varint bytes`);
  buf[off + len - 1] = Number(v);
}

function writeHeader(buf: Uint8Array, off: number): void {
  wire.encodeHeader(buf, off, wire.TYPE_HANDSHAKE, wire.SUBTYPE_HANDSHAKE_IX_PSK0, 0, wire.COUNTER_HANDSHAKE_MSG1);
}

/** Junk after a valid msg1 header. */
export function junkWriter(): DatagramWriter {
  return {
    bytes: JUNK_BYTES,
    write(buf, off, count) {
      randomFillSync(buf, off, count * JUNK_BYTES);
      for (let i = 0; i < count; i++) writeHeader(buf, off + i * JUNK_BYTES);
    },
  };
}

/** Genuine msg1s of `who`, each with a new ephemeral, index and Time (see the file comment). */
export function signedWriter(who: FloodCert): DatagramWriter {
  const pki = loadPki(who);
  let time = noise.unixNanos();
  const index0 = INDEX_MIN;
  const payload = noise.encodeHandshake({ details: { cert: cert.marshalHandshakeCertificate(pki.cert), initiatorIndex: index0, time } });
  const body = new noise.IxInitiator({ cipher: 'aes', staticKey: { privateKey: pki.privateKey, publicKey: pki.publicKey } }).writeMessage1(payload);
  const template = Buffer.alloc(wire.HEADER_LEN + body.length);
  writeHeader(template, 0);
  template.set(body, wire.HEADER_LEN);
  // The details message is the payload's last field (Hmac is empty, so omitted)
  // and Time its last: the datagram ends in [index tag, 5 bytes, time tag, 9 bytes].
  const bytes = template.length;
  const timeAt = bytes - TIME_VARINT;
  const indexAt = timeAt - 1 - INDEX_VARINT;
  const expect = Buffer.alloc(2 + INDEX_VARINT + TIME_VARINT);
  expect[0] = TAG_INITIATOR_INDEX;
  putVarint(expect, 1, BigInt(index0), INDEX_VARINT);
  expect[1 + INDEX_VARINT] = TAG_TIME;
  putVarint(expect, 2 + INDEX_VARINT, time, TIME_VARINT);
  if (!template.subarray(indexAt - 1).equals(expect)) throw new BenchError('ERR_BENCH_FLOOD', 'msg1 payload layout is not [..., index, time]: cannot vary them in place');
  const keysAt = wire.HEADER_LEN;
  const writer: DatagramWriter = {
    bytes,
    write(buf, off, count) {
      for (let i = 0; i < count; i++) {
        const at = off + i * bytes;
        template.copy(buf, at);
        randomFillSync(buf, at + keysAt, noise.DH_LEN);
        putVarint(buf, at + indexAt, BigInt(randomInt(INDEX_MIN, INDEX_MAX)), INDEX_VARINT);
        // 1 ns newer than the previous copy: nebula keeps the newest handshake per vpn IP.
        time += 1n;
        putVarint(buf, at + timeAt, time, TIME_VARINT);
      }
    },
  };
  // Proves the in-place edits still decode to what we meant before any is sent.
  const probe = Buffer.alloc(bytes);
  writer.write(probe, 0, 1);
  const d = noise.decodeHandshake(probe.subarray(wire.HEADER_LEN + 2 * noise.DH_LEN)).details;
  if (d.time !== time || d.initiatorIndex < INDEX_MIN || !Buffer.from(d.cert).equals(Buffer.from(cert.marshalHandshakeCertificate(pki.cert)))) {
    throw new BenchError('ERR_BENCH_FLOOD', 'edited msg1 does not decode to the intended details');
  }
  return writer;
}

/** The writer of a kind. */
export function datagramWriter(kind: FloodKind, who: FloodCert | undefined): DatagramWriter {
  if (kind === 'junk') return junkWriter();
  if (!who) throw new BenchError('ERR_BENCH_FLOOD', 'a signed flood needs --ca, --cert and --key');
  return signedWriter(who);
}
