/* The provider backend of native/aead.c (the default): the cipher
 * implementation's own functions, as its OpenSSL provider publishes them
 * (OSSL_OP_CIPHER dispatch table), called directly. That skips what the EVP
 * layer does around every call: on OpenSSL 3.0 each EVP_EncryptInit_ex with
 * an IV re-reads the IV length through the parameter machinery and each tag
 * ctrl builds a parameter array; together about a third of the per-packet
 * overhead (perf, bench:aead). Every byte of the cipher is still OpenSSL's
 * (the OpenSSL 3.5 of Node 22.20+ and 24.5+ runs AES-GCM on VAES and AVX-512
 * where the CPU has them). Where the functions are not reachable, create
 * fails with ENOTSUP and aead.c falls back to the EVP backend. */
#include "aead.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

/* One cipher's functions, found once per process. */
typedef struct {
  OSSL_FUNC_cipher_newctx_fn *newctx;
  OSSL_FUNC_cipher_freectx_fn *freectx;
  OSSL_FUNC_cipher_encrypt_init_fn *einit;
  OSSL_FUNC_cipher_decrypt_init_fn *dinit;
  OSSL_FUNC_cipher_update_fn *update;
  OSSL_FUNC_cipher_final_fn *final;
  OSSL_FUNC_cipher_get_ctx_params_fn *get_params;
  OSSL_FUNC_cipher_set_ctx_params_fn *set_params;
  void *provctx;
  /* Held for the process's life: it keeps the provider (and so these functions) loaded. */
  EVP_CIPHER *fetched;
  int ok;
} direct_impl;

/* A keyed context: the provider's own (algctx) and the functions that run it. */
typedef struct {
  const direct_impl *impl;
  void *algctx;
} provider_ctx;

/* Provider algorithm names (OpenSSL's default provider, names as in EVP_CIPHER_fetch). */
static const char *const CIPHER_NAMES[2] = {"AES-256-GCM", "ChaCha20-Poly1305"};
static direct_impl direct[2];
static pthread_once_t direct_once = PTHREAD_ONCE_INIT;

/* True if the first name of a provider's "name1:name2:..." list is `name` (case-insensitive, as OpenSSL compares). */
static int first_name_is(const char *names, const char *name) {
  size_t n = strlen(name);
  return strncasecmp(names, name, n) == 0 && (names[n] == ':' || names[n] == '\0');
}

static void find_direct(int cipher) {
  direct_impl *d = &direct[cipher];
  EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, CIPHER_NAMES[cipher], NULL);
  if (!c) return;
  const OSSL_PROVIDER *prov = EVP_CIPHER_get0_provider(c);
  const OSSL_DISPATCH *pd = prov ? OSSL_PROVIDER_get0_dispatch(prov) : NULL;
  OSSL_FUNC_provider_query_operation_fn *query = NULL;
  for (; pd && pd->function_id != 0; pd++)
    if (pd->function_id == OSSL_FUNC_PROVIDER_QUERY_OPERATION) query = OSSL_FUNC_provider_query_operation(pd);
  d->provctx = prov ? OSSL_PROVIDER_get0_provider_ctx(prov) : NULL;
  int no_store = 0;
  const OSSL_ALGORITHM *alg = query ? query(d->provctx, OSSL_OP_CIPHER, &no_store) : NULL;
  for (; alg && alg->algorithm_names; alg++) {
    if (!first_name_is(alg->algorithm_names, CIPHER_NAMES[cipher])) continue;
    for (const OSSL_DISPATCH *f = alg->implementation; f->function_id != 0; f++) {
      switch (f->function_id) {
        case OSSL_FUNC_CIPHER_NEWCTX: d->newctx = OSSL_FUNC_cipher_newctx(f); break;
        case OSSL_FUNC_CIPHER_FREECTX: d->freectx = OSSL_FUNC_cipher_freectx(f); break;
        case OSSL_FUNC_CIPHER_ENCRYPT_INIT: d->einit = OSSL_FUNC_cipher_encrypt_init(f); break;
        case OSSL_FUNC_CIPHER_DECRYPT_INIT: d->dinit = OSSL_FUNC_cipher_decrypt_init(f); break;
        case OSSL_FUNC_CIPHER_UPDATE: d->update = OSSL_FUNC_cipher_update(f); break;
        case OSSL_FUNC_CIPHER_FINAL: d->final = OSSL_FUNC_cipher_final(f); break;
        case OSSL_FUNC_CIPHER_GET_CTX_PARAMS: d->get_params = OSSL_FUNC_cipher_get_ctx_params(f); break;
        case OSSL_FUNC_CIPHER_SET_CTX_PARAMS: d->set_params = OSSL_FUNC_cipher_set_ctx_params(f); break;
        default: break;
      }
    }
    break;
  }
  d->ok = d->newctx && d->freectx && d->einit && d->dinit && d->update && d->final && d->get_params && d->set_params;
  if (d->ok) d->fetched = c;
  else EVP_CIPHER_free(c);
}

static void find_direct_all(void) {
  find_direct(AEAD_CIPHER_AES);
  find_direct(AEAD_CIPHER_CHACHA);
}

static void provider_free(void *ctx) {
  provider_ctx *p = ctx;
  /* The providers' freectx wipes the key schedule before freeing it. */
  p->impl->freectx(p->algctx);
  free(p);
}

static void *provider_create(int cipher, int encrypt, const uint8_t *key, int *err) {
  pthread_once(&direct_once, find_direct_all);
  const direct_impl *d = &direct[cipher];
  if (!d->ok) {
    *err = ENOTSUP;
    return NULL;
  }
  provider_ctx *p = malloc(sizeof *p);
  if (!p) {
    *err = ENOMEM;
    return NULL;
  }
  void *algctx = d->newctx(d->provctx);
  if (!algctx) {
    free(p);
    *err = ENOMEM;
    return NULL;
  }
  int ok = encrypt ? d->einit(algctx, key, AEAD_KEY_LEN, NULL, 0, NULL) : d->dinit(algctx, key, AEAD_KEY_LEN, NULL, 0, NULL);
  if (ok != 1) {
    d->freectx(algctx);
    free(p);
    *err = EIO;
    return NULL;
  }
  p->impl = d;
  p->algctx = algctx;
  return p;
}

/* Stream modes: update produces every byte and final none, which the length checks assert. */
static int provider_seal_one(void *ctx, const uint8_t *nonce, const uint8_t *ad, int adlen,
                             const uint8_t *in, uint8_t *out, int len, uint8_t *tag) {
  const provider_ctx *p = ctx;
  const direct_impl *d = p->impl;
  size_t n = 0;
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, AEAD_TAG_LEN),
                          OSSL_PARAM_construct_end()};
  if (d->einit(p->algctx, NULL, 0, nonce, AEAD_NONCE_LEN, NULL) != 1) return 0;
  /* The providers check outsize >= inl even for AAD (out NULL); EVP passes inl too. */
  if (d->update(p->algctx, NULL, &n, (size_t)adlen, ad, (size_t)adlen) != 1) return 0;
  if (len > 0 && (d->update(p->algctx, out, &n, (size_t)len, in, (size_t)len) != 1 || n != (size_t)len)) return 0;
  if (d->final(p->algctx, out + len, &n, 0) != 1 || n != 0) return 0;
  return d->get_params(p->algctx, params) == 1;
}

static int provider_open_one(void *ctx, const uint8_t *nonce, const uint8_t *ad, int adlen,
                             const uint8_t *in, uint8_t *out, int len, const uint8_t *tag) {
  const provider_ctx *p = ctx;
  const direct_impl *d = p->impl;
  size_t n = 0;
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, (void *)tag, AEAD_TAG_LEN),
                          OSSL_PARAM_construct_end()};
  if (d->dinit(p->algctx, NULL, 0, nonce, AEAD_NONCE_LEN, NULL) != 1) return -1;
  /* The provider copies the tag here, before any output is written. */
  if (d->set_params(p->algctx, params) != 1) return -1;
  if (d->update(p->algctx, NULL, &n, (size_t)adlen, ad, (size_t)adlen) != 1) return -1;
  if (len > 0 && (d->update(p->algctx, out, &n, (size_t)len, in, (size_t)len) != 1 || n != (size_t)len)) return -1;
  /* The providers' final fails only on a tag mismatch once the steps above succeeded. */
  return d->final(p->algctx, out + len, &n, 0) == 1 ? 1 : 0;
}

const aead_backend tio_aead_provider = {
    .path = AEAD_PATH_PROVIDER,
    .create = provider_create,
    .seal_one = provider_seal_one,
    .open_one = provider_open_one,
    .free = provider_free,
};
