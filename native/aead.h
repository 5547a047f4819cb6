/* The AEAD backends behind native/aead.c. aead.c owns the N-API entry points,
 * the argument and range checks, the batching and the nonces; a backend owns
 * every OpenSSL call: it keys a context once and seals or opens one packet
 * with it. Two backends, both Node's own OpenSSL: aead_evp.c (the EVP layer)
 * and aead_provider.c (the provider's cipher functions called directly). */
#ifndef TIO_AEAD_H
#define TIO_AEAD_H

#include <stdint.h>

/* Nebula header length (header/header.go HeaderLen); the AD of every packet. */
#define AEAD_HEADER_LEN 16
/* AEAD tag length of both ciphers (RFC 5116 AES_256_GCM, RFC 8439). */
#define AEAD_TAG_LEN 16
/* Both ciphers take 256-bit keys (the Noise Split() outputs). */
#define AEAD_KEY_LEN 32
/* 96-bit nonces, the default IV length of both ciphers (RFC 5116, RFC 8439). */
#define AEAD_NONCE_LEN 12

/* Cipher ids of aeadCreate, also in src/tunnel/aead/cipher.ts. */
enum { AEAD_CIPHER_AES = 0, AEAD_CIPHER_CHACHA = 1 };

/* Implementation paths of aeadCreate/aeadPath, also in src/native.ts (AEAD_PATH). */
enum { AEAD_PATH_AUTO = 0, AEAD_PATH_EVP = 1, AEAD_PATH_PROVIDER = 2 };

/* One implementation of both ciphers: a row of the table aeadCreate picks from. */
typedef struct aead_backend {
  /* The AEAD_PATH_* value aeadPath reports for its contexts. */
  int path;
  /* A context for `cipher` keyed with key[0, AEAD_KEY_LEN) to encrypt (1) or
   * decrypt (0), or NULL with *err set: ENOMEM, EIO (OpenSSL refused), or
   * ENOTSUP (this backend cannot run on this OpenSSL). */
  void *(*create)(int cipher, int encrypt, const uint8_t *key, int *err);
  /* Encrypts len bytes (0: none, a tag over the AD alone) from in to out
   * (the same bytes, or disjoint) under nonce with AD ad[0, adlen) and writes
   * the tag: 1, or 0 if OpenSSL failed. */
  int (*seal_one)(void *ctx, const uint8_t *nonce, const uint8_t *ad, int adlen, const uint8_t *in, uint8_t *out,
                  int len, uint8_t *tag);
  /* Decrypts len bytes (0: none) from in to out with AD ad[0, adlen) and
   * checks tag: 1 authentic, 0 not, -1 OpenSSL failed otherwise. The tag is
   * taken before any output is written, so out may cover it. */
  int (*open_one)(void *ctx, const uint8_t *nonce, const uint8_t *ad, int adlen, const uint8_t *in, uint8_t *out,
                  int len, const uint8_t *tag);
  /* Wipes the key schedule and frees the context. */
  void (*free)(void *ctx);
} aead_backend;

/* OpenSSL's EVP layer: works wherever Node's OpenSSL does (aead_evp.c). */
extern const aead_backend tio_aead_evp;
/* The provider's cipher functions called directly (aead_provider.c); ENOTSUP where not reachable. */
extern const aead_backend tio_aead_provider;

#endif
