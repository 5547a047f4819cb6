// Sizes of Nebula 1.6.1's encrypted packets (docs/PROTOCOL.md "Numbers at a glance", "Header", "Encrypted packets").

/** Nebula header length; the AEAD's associated data is exactly these bytes (header/header.go HeaderLen). */
export const HEADER_LEN = 16;

/** AEAD tag length of both ciphers (RFC 5116 AEAD_AES_256_GCM, RFC 8439 §2.8). */
export const TAG_LEN = 16;

/** Bytes an encrypted packet adds to its plaintext: header + tag (docs/PROTOCOL.md "Numbers at a glance"). */
export const OVERHEAD = HEADER_LEN + TAG_LEN;

/** Key length of both ciphers: 256-bit keys from Noise Split() (docs/PROTOCOL.md "Noise primitives"). */
export const KEY_LEN = 32;

/** Nonce length: 4 zero bytes and the 64-bit counter (docs/PROTOCOL.md "Keys and nonces"). */
export const NONCE_LEN = 12;

/** Offset of the big-endian u64 message counter inside the header (docs/PROTOCOL.md "Header"). */
export const COUNTER_OFFSET = 8;

/** Default packets per batch: two TUN read batches (64, native/io.c) or one 64 KiB superpacket in 1300-byte segments fit. */
export const DEFAULT_BATCH_CAPACITY = 128;
