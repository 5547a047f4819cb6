/* The EVP backend of native/aead.c: AES-256-GCM and ChaCha20-Poly1305
 * through OpenSSL's EVP layer (the symbols resolve from the node binary at
 * load, so there is no library to link). Slower than the provider backend
 * (aead_provider.c says why) but available on every OpenSSL 3; it is the
 * fallback and the comparison row of bench:aead (TIO_AEAD_IMPL=evp).
 *
 * One EVP_CIPHER_CTX per key and direction, keyed once: per packet only the
 * IV is set, which skips the key schedule and the context allocation (~150 ns
 * per packet otherwise). */
#include "aead.h"
#include <errno.h>
#include <openssl/evp.h>

static void evp_free(void *ctx) {
  /* EVP_CIPHER_CTX_free wipes the key schedule before freeing it. */
  EVP_CIPHER_CTX_free(ctx);
}

static void *evp_create(int cipher, int encrypt, const uint8_t *key, int *err) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx) {
    *err = ENOMEM;
    return NULL;
  }
  const EVP_CIPHER *c = cipher == AEAD_CIPHER_AES ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
  /* Cipher first, then the key: the key schedule is computed once, here. */
  if (EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, AEAD_NONCE_LEN, NULL) != 1 ||
      EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, encrypt) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    *err = EIO;
    return NULL;
  }
  return ctx;
}

/* GCM and ChaCha20-Poly1305 are stream modes: Update produces every byte and
 * Final none, which the length checks assert. */
static int evp_seal_one(void *ctx, const uint8_t *nonce, const uint8_t *ad, int adlen, const uint8_t *in,
                        uint8_t *out, int len, uint8_t *tag) {
  int outl = 0;
  if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1) return 0;
  if (EVP_EncryptUpdate(ctx, NULL, &outl, ad, adlen) != 1) return 0;
  if (len > 0 && (EVP_EncryptUpdate(ctx, out, &outl, in, len) != 1 || outl != len)) return 0;
  if (EVP_EncryptFinal_ex(ctx, out + len, &outl) != 1 || outl != 0) return 0;
  return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG_LEN, tag) == 1;
}

static int evp_open_one(void *ctx, const uint8_t *nonce, const uint8_t *ad, int adlen, const uint8_t *in,
                        uint8_t *out, int len, const uint8_t *tag) {
  int outl = 0;
  if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1) return -1;
  /* OpenSSL copies the tag here, before any output is written. */
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LEN, (void *)tag) != 1) return -1;
  if (EVP_DecryptUpdate(ctx, NULL, &outl, ad, adlen) != 1) return -1;
  if (len > 0 && (EVP_DecryptUpdate(ctx, out, &outl, in, len) != 1 || outl != len)) return -1;
  return EVP_DecryptFinal_ex(ctx, out + len, &outl) == 1 ? 1 : 0;
}

const aead_backend tio_aead_evp = {
    .path = AEAD_PATH_EVP,
    .create = evp_create,
    .seal_one = evp_seal_one,
    .open_one = evp_open_one,
    .free = evp_free,
};
