/* AES-256-GCM of our own on VAES + VPCLMULQDQ (AVX-512), for CPUs where the
 * OpenSSL that Node ships has no vectorized GCM (3.0 has none; see gcm.c). */
#ifndef TIO_GCM_H
#define TIO_GCM_H

#include <stddef.h>
#include <stdint.h>

/* Expanded key: round keys and the GHASH key powers. Opaque; from tio_gcm_new. */
typedef struct tio_gcm_key tio_gcm_key;

/* 1 if this CPU and OS run the vectorized code (checked once). */
int tio_gcm_available(void);
/* A key schedule for a 32-byte key, or NULL (no memory, or tio_gcm_available() is 0). */
tio_gcm_key *tio_gcm_new(const uint8_t key[32]);
/* Wipes and frees; NULL is ignored. */
void tio_gcm_free(tio_gcm_key *k);
/* Encrypts len bytes in -> out (the same pointer, or disjoint) and writes the 16-byte tag. */
void tio_gcm_seal(const tio_gcm_key *k, const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
                  const uint8_t *in, uint8_t *out, size_t len, uint8_t tag[16]);
/* Checks the tag first (in constant time), then decrypts in -> out: 1. On a
 * mismatch returns 0 and writes nothing, so out may cover in or the tag. */
int tio_gcm_open(const tio_gcm_key *k, const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
                 const uint8_t *in, uint8_t *out, size_t len, const uint8_t tag[16]);

#endif
