// Numbers of Noise IX as nebula 1.6.1 runs it (NEBULA-PROTOCOL.md §0, §3).

/** Cipher of the handshake and data phase, named as nebula's `cipher` config key names it (NEBULA-PROTOCOL.md §6). */
export type NoiseCipher = 'aes' | 'chachapoly';

/** Noise protocol name per cipher; no `psk0` although nebula calls the subtype ix_psk0 (NEBULA-PROTOCOL.md §0). */
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

/** AEAD tag length (Noise spec §5.1; NEBULA-PROTOCOL.md §0). */
export const TAG_LEN = 16;

/** AEAD nonce length: 4 zero bytes then the 64-bit counter (Noise spec §12.3, §12.4). */
export const NONCE_LEN = 12;

/** Shortest msg1 body: e (32) and s (32) in clear, empty payload (NEBULA-PROTOCOL.md §3.2). */
export const MSG1_MIN_LEN = 2 * DH_LEN;

/** Shortest msg2 body: e (32), encrypted s (32 + 16), encrypted empty payload (16) (NEBULA-PROTOCOL.md §3.3). */
export const MSG2_MIN_LEN = DH_LEN + DH_LEN + TAG_LEN + TAG_LEN;
