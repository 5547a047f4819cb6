/** Control messages (test, close_tunnel): empty plaintext, sealed on the tunnel's counter. */
import type { AeadBatch } from '../aead/index.js';
import { AEAD_OVERHEAD, encodeHeader } from '../wire/index.js';
import { clock } from './clock.js';
import type { DataTunnel } from './tunnel.js';

/** A sealed 32-byte control message for `t` (header + tag, docs/PROTOCOL.md "Test messages and liveness", "close_tunnel"); `aead` is a reusable batch of one. */
export function sealControl(t: DataTunnel, aead: AeadBatch, type: number, subtype: number): Buffer {
  const buf = Buffer.alloc(AEAD_OVERHEAD);
  encodeHeader(buf, 0, type, subtype, t.remoteIndex, t.nextCounter());
  aead.reset(buf).add(0, 0);
  t.seal.seal(aead);
  t.lastOutbound = clock();
  return buf;
}
