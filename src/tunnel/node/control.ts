/** Control messages (test, close_tunnel: empty; lighthouse: a NebulaMeta), sealed on the tunnel's counter. */
import type { AeadBatch } from '../aead/index.js';
import { AEAD_OVERHEAD, HEADER_LEN, encodeHeader } from '../wire/index.js';
import { clock } from './clock.js';
import type { DataTunnel } from './tunnel.js';

/**
 * A sealed control message for `t`: header, `payload` (empty for test and close_tunnel, 32 bytes in
 * all; docs/PROTOCOL.md "Test messages and liveness", "close_tunnel", "Lighthouse messages"), tag.
 * `aead` is a reusable batch of one.
 */
export function sealControl(t: DataTunnel, aead: AeadBatch, type: number, subtype: number, payload?: Uint8Array): Buffer {
  const n = payload?.length ?? 0;
  const buf = Buffer.alloc(AEAD_OVERHEAD + n);
  encodeHeader(buf, 0, type, subtype, t.remoteIndex, t.nextCounter());
  if (payload) buf.set(payload, HEADER_LEN);
  aead.reset(buf).add(0, n);
  t.seal.seal(aead);
  t.lastOutbound = clock();
  return buf;
}
