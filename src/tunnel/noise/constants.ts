// Numbers of Noise IX as nebula 1.6.1 runs it (docs/PROTOCOL.md "Numbers at a glance", "Noise primitives").

/** Cipher of the handshake and data phase, named as nebula's `cipher` config key names it (docs/PROTOCOL.md "Config keys and defaults"). */
export type NoiseCipher = 'aes' | 'chachapoly';

/** Noise protocol name per cipher; no `psk0` although nebula calls the subtype ix_psk0 (docs/PROTOCOL.md "Numbers at a glance"). */
export const PROTOCOL_NAMES: Readonly<Record<NoiseCipher, string>> = {
  aes: 'Noise_IX_25519_AESGCM_SHA256',
  chachapoly: 'Noise_IX_25519_ChaChaPoly_SHA256',
};

/** X25519 key and shared-secret length (Noise spec §12.1, DHLEN). */
export const DH_LEN = 32;

/** SHA-256 output length (Noise spec §12.5, HASHLEN). */
export const HASH_LEN = 32;

/** AEAD key length: both AES-256-GCM and ChaCha20-Poly1305 take 32 bytes (Noise spec §5.1). */
export const KEY_LEN = 32;

/** AEAD tag length (Noise spec §5.1; docs/PROTOCOL.md "Numbers at a glance"). */
export const TAG_LEN = 16;

/** AEAD nonce length: 4 zero bytes then the 64-bit counter (Noise spec §12.3, §12.4). */
export const NONCE_LEN = 12;

/** Shortest msg1 body: e (32) and s (32) in clear, empty payload (docs/PROTOCOL.md "Handshake message 1"). */
export const MSG1_MIN_LEN = 2 * DH_LEN;

/** Shortest msg2 body: e (32), encrypted s (32 + 16), encrypted empty payload (16) (docs/PROTOCOL.md "Handshake message 2"). */
export const MSG2_MIN_LEN = DH_LEN + DH_LEN + TAG_LEN + TAG_LEN;
