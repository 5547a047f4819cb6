// Noise AEAD nonces: 4 zero bytes then the 64-bit counter, big-endian for AESGCM
// and little-endian for ChaChaPoly (Noise spec §12.3, §12.4; flynn/noise cipher_suite.go;
// docs/PROTOCOL.md "Keys and nonces").
import { NONCE_LEN, type NoiseCipher } from './constants.js';

/** The 12-byte AEAD nonce for counter `n` under `cipher`. */
export function noiseNonce(cipher: NoiseCipher, n: bigint): Uint8Array {
  const nonce = new Uint8Array(NONCE_LEN);
  const view = new DataView(nonce.buffer);
  view.setBigUint64(4, n, cipher === 'chachapoly');
  return nonce;
}
