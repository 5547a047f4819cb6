/* Batched AEAD for the overlay data path: AES-256-GCM and ChaCha20-Poly1305
 * through Node's own OpenSSL 3 (the EVP symbols resolve from the node binary
 * at load, so there is no library to link). Every byte of the cipher is
 * OpenSSL's (the OpenSSL 3.5 of Node 22.20+ and 24.5+ runs AES-GCM on VAES and
 * AVX-512 where the CPU has them); tio adds batching and skips the EVP layer.
 *
 * One context per key and direction is created once and reused: per packet
 * only the IV is set, which skips the key schedule and the context
 * allocation (~150 ns per packet otherwise).
 *
 * Packets have Nebula 1.6.1's layout (docs/PROTOCOL.md "Encrypted packets"):
 *   header(16) || ciphertext(len) || tag(16)
 * AD = the 16 header bytes. Nonce = 4 zero bytes || the header's u64 counter
 * (header bytes 8..15, big-endian on the wire), stored big-endian for
 * AES-256-GCM and little-endian for ChaCha20-Poly1305 (docs/PROTOCOL.md "Keys and nonces").
 *
 * Exports (mirrored by NativeAead in src/native.ts):
 *   aeadCreate(cipher: 0 aes | 1 chacha, key: Uint8Array(32), encrypt: boolean, path?: number)
 *     -> handle | -EINVAL (cipher, key length or path) | -ENOMEM | -EIO (OpenSSL)
 *     path: 0 or absent = the fastest available (2); 1 EVP; 2 OpenSSL calling
 *     the provider's functions directly (see direct_impl), or EVP where they
 *     are not reachable.
 *   aeadPath(handle) -> the path in use (1 or 2), -EBADF freed
 *   aeadFree(handle) -> 0            wipes and frees the context now (idempotent)
 *   aeadSeal(handle, n, buf, offs: Int32Array, lens: Int32Array) -> n | -errno
 *     packet i = buf[offs[i], offs[i] + 16 + lens[i] + 16): header already
 *     written, lens[i] plaintext bytes encrypted in place, tag written after.
 *   aeadOpen(handle, n, buf, offs, lens, out: Int32Array) -> authenticated | -errno
 *     packet i = buf[offs[i], offs[i] + lens[i]) = header || ciphertext || tag;
 *     decrypted in place (plaintext at offs[i] + 16); out[i] = lens[i] - 32,
 *     or -1 if the packet is shorter than 32 bytes (left as it came) or fails
 *     authentication. OpenSSL decrypts before it can check the tag, so a
 *     failed packet's plaintext range (here its ciphertext) is then zeroed:
 *     no unauthenticated plaintext is left behind (RFC 5116 §2.2), and its
 *     header and tag stay as they came. The ciphertext is not restored.
 *   aeadSealTo(handle, n, src, srcOffs, lens, dst, dstOffs) -> n | -errno
 *     plaintext i = src[srcOffs[i], +lens[i]); packet i = dst[dstOffs[i],
 *     +16 + lens[i] + 16) with its header already written. Saves the copy of
 *     the plaintext behind a header (e.g. straight from a TUN read buffer).
 *   aeadSealMessages(handle, buf, plainOffs, lens, from, to, remoteIndex, counterHi, counterLo) -> to - from | -errno
 *     packets i in [from, to): plaintext buf[plainOffs[i], +lens[i]) with 16
 *     bytes of room before it (the header written here: a data message,
 *     docs/PROTOCOL.md "Header", to remoteIndex with counter first + (i - from),
 *     first = counterHi * 2^32 + counterLo) and 16 after it (the tag). One call
 *     per run of a tunnel's segments, with no per-packet work left to JS.
 *   aeadOpenTo(handle, n, src, srcOffs, lens, dst, dstOffs, out) -> authenticated | -errno
 *     packet i = src[srcOffs[i], +lens[i]); plaintext i to dst[dstOffs[i],
 *     +lens[i] - 32); out[i] as for aeadOpen, a failed packet's dst range
 *     zeroed; src is never written.
 *
 * Batch errors, returned before any byte is touched: -EINVAL (n < 0 or more
 * than an index array holds, or, for sealTo/openTo, a source range that
 * partially overlaps its destination), -ERANGE (a packet lies outside its buffer),
 * -EBADF (freed handle), -EPERM (seal on a decrypting handle or the reverse).
 * -EIO means OpenSSL failed mid-batch (not expected; packets before it are done).
 * Source and destination ranges must either be identical or not overlap at all.
 * Wrong argument types are misuse and throw a TypeError. */
#include "tio.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

/* Nebula header length (header/header.go HeaderLen). */
#define HEADER_LEN 16
/* AEAD tag length of both ciphers (RFC 5116 AES_256_GCM, RFC 8439). */
#define TAG_LEN 16
/* Per-packet overhead on the wire: header + tag (docs/PROTOCOL.md "Numbers at a glance"). */
#define OVERHEAD (HEADER_LEN + TAG_LEN)
/* Both ciphers take 256-bit keys (Noise Split() outputs, docs/PROTOCOL.md "Noise primitives"). */
#define KEY_LEN 32
/* 96-bit nonces, the default IV length of both EVP ciphers. */
#define NONCE_LEN 12
/* Offset of the u64 message counter inside the header (docs/PROTOCOL.md "Header"). */
#define COUNTER_OFF 8
/* Header byte 0 of a data message: version 1 << 4 | type 1 (message), then subtype 0 (none)
 * (docs/PROTOCOL.md "Header"; src/tunnel/wire/constants.ts HEADER_VERSION, TYPE_MESSAGE, SUBTYPE_MESSAGE_NONE). */
#define MESSAGE_BYTE0 0x11
#define MESSAGE_SUBTYPE_NONE 0

/* Cipher ids of aeadCreate, also in src/tunnel/aead/cipher.ts. */
enum { CIPHER_AES = 0, CIPHER_CHACHA = 1 };

/* Implementation paths of aeadCreate/aeadPath, also in src/native.ts (AeadPath). */
enum { PATH_AUTO = 0, PATH_EVP = 1, PATH_PROVIDER = 2 };

/* A cipher implementation's own functions, as its provider publishes them
 * (OSSL_OP_CIPHER dispatch table). Calling them directly skips what the EVP
 * layer does around every call: on OpenSSL 3.0 each EVP_EncryptInit_ex with
 * an IV re-reads the IV length through the parameter machinery and each tag
 * ctrl builds a parameter array; together about a third of the per-packet
 * overhead (perf, bench:aead). */
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

/* Provider algorithm names (OpenSSL's default provider, names as in EVP_CIPHER_fetch). */
static const char *const CIPHER_NAMES[2] = {"AES-256-GCM", "ChaCha20-Poly1305"};
static direct_impl direct[2];
static pthread_once_t direct_once = PTHREAD_ONCE_INIT;

typedef struct {
  EVP_CIPHER_CTX *ctx; /* EVP path; NULL once freed or on the direct path */
  const direct_impl *impl; /* direct path: the implementation, with algctx */
  void *algctx;            /* NULL once freed or on the EVP path */
  int cipher;
  int encrypt;
} tio_aead;

/* Marks externals made here, so another addon object (a poll handle) passed
 * by mistake is refused instead of being read as an EVP context. */
static const napi_type_tag AEAD_TYPE_TAG = {0x74696f2e61656164ULL, 0x2e63747876310000ULL};

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
  find_direct(CIPHER_AES);
  find_direct(CIPHER_CHACHA);
}

static void aead_free_ctx(tio_aead *a) {
  /* Both free functions wipe the key schedule before freeing it. */
  if (a->ctx) EVP_CIPHER_CTX_free(a->ctx);
  if (a->algctx) a->impl->freectx(a->algctx);
  a->ctx = NULL;
  a->algctx = NULL;
}

/* The direct path: a context of the provider's own, keyed once. 0 if unavailable. */
static int create_direct(tio_aead *a, const uint8_t *key) {
  pthread_once(&direct_once, find_direct_all);
  const direct_impl *d = &direct[a->cipher];
  if (!d->ok) return 0;
  void *algctx = d->newctx(d->provctx);
  if (!algctx) return 0;
  int ok = a->encrypt ? d->einit(algctx, key, KEY_LEN, NULL, 0, NULL) : d->dinit(algctx, key, KEY_LEN, NULL, 0, NULL);
  if (ok != 1) {
    d->freectx(algctx);
    return 0;
  }
  a->impl = d;
  a->algctx = algctx;
  return 1;
}

static void on_external_gc(napi_env env, void *data, void *hint) {
  tio_aead *a = data;
  aead_free_ctx(a);
  free(a);
}

static int get_aead(napi_env env, napi_value v, tio_aead **out) {
  void *data = NULL;
  if (!tio_get_tagged(env, v, &AEAD_TYPE_TAG, &data)) return 0;
  *out = data;
  return 1;
}

/* The packet counter sits big-endian in the header; AES wants it that way in
 * the nonce, ChaCha (flynn/noise, nebula noise.go) wants it little-endian. */
static void build_nonce(int cipher, const uint8_t *hdr, uint8_t nonce[NONCE_LEN]) {
  memset(nonce, 0, 4);
  if (cipher == CIPHER_AES) {
    memcpy(nonce + 4, hdr + COUNTER_OFF, 8);
  } else {
    for (int i = 0; i < 8; i++) nonce[4 + i] = hdr[COUNTER_OFF + 7 - i];
  }
}

/* Encrypts len bytes from in to out (equal, or disjoint) and writes the tag.
 * Returns 1 on success. GCM and ChaCha20-Poly1305 are stream modes: Update
 * produces every byte and Final none, which the length checks assert. */
static int seal_one(tio_aead *a, const uint8_t *hdr, const uint8_t *in, uint8_t *out, int len, uint8_t *tag) {
  uint8_t nonce[NONCE_LEN];
  int outl = 0;
  build_nonce(a->cipher, hdr, nonce);
  if (a->algctx) {
    const direct_impl *d = a->impl;
    size_t n = 0;
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, TAG_LEN), OSSL_PARAM_construct_end()};
    if (d->einit(a->algctx, NULL, 0, nonce, NONCE_LEN, NULL) != 1) return 0;
    /* The providers check outsize >= inl even for AAD (out NULL); EVP passes inl too. */
    if (d->update(a->algctx, NULL, &n, HEADER_LEN, hdr, HEADER_LEN) != 1) return 0;
    if (len > 0 && (d->update(a->algctx, out, &n, (size_t)len, in, (size_t)len) != 1 || n != (size_t)len)) return 0;
    if (d->final(a->algctx, out + len, &n, 0) != 1 || n != 0) return 0;
    return d->get_params(a->algctx, p) == 1;
  }
  if (EVP_EncryptInit_ex(a->ctx, NULL, NULL, NULL, nonce) != 1) return 0;
  if (EVP_EncryptUpdate(a->ctx, NULL, &outl, hdr, HEADER_LEN) != 1) return 0;
  if (len > 0 && (EVP_EncryptUpdate(a->ctx, out, &outl, in, len) != 1 || outl != len)) return 0;
  if (EVP_EncryptFinal_ex(a->ctx, out + len, &outl) != 1 || outl != 0) return 0;
  return EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, tag) == 1;
}

/* Decrypts len bytes from in to out and checks the tag: 1 authentic, 0 not,
 * -1 OpenSSL failed for another reason. The tag is handed over (copied by
 * OpenSSL) before any output is written, so out may cover it. */
static int open_one(tio_aead *a, const uint8_t *hdr, const uint8_t *in, uint8_t *out, int len, const uint8_t *tag) {
  uint8_t nonce[NONCE_LEN];
  int outl = 0;
  build_nonce(a->cipher, hdr, nonce);
  if (a->algctx) {
    const direct_impl *d = a->impl;
    size_t n = 0;
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, (void *)tag, TAG_LEN), OSSL_PARAM_construct_end()};
    if (d->dinit(a->algctx, NULL, 0, nonce, NONCE_LEN, NULL) != 1) return -1;
    if (d->set_params(a->algctx, p) != 1) return -1;
    if (d->update(a->algctx, NULL, &n, HEADER_LEN, hdr, HEADER_LEN) != 1) return -1;
    if (len > 0 && (d->update(a->algctx, out, &n, (size_t)len, in, (size_t)len) != 1 || n != (size_t)len)) return -1;
    /* The providers' final fails only on a tag mismatch once the steps above succeeded. */
    return d->final(a->algctx, out + len, &n, 0) == 1 ? 1 : 0;
  }
  if (EVP_DecryptInit_ex(a->ctx, NULL, NULL, NULL, nonce) != 1) return -1;
  if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)tag) != 1) return -1;
  if (EVP_DecryptUpdate(a->ctx, NULL, &outl, hdr, HEADER_LEN) != 1) return -1;
  if (len > 0 && (EVP_DecryptUpdate(a->ctx, out, &outl, in, len) != 1 || outl != len)) return -1;
  return EVP_DecryptFinal_ex(a->ctx, out + len, &outl) == 1 ? 1 : 0;
}

/* off + extra + len fits in [0, buflen]; 64-bit so no int32 sum can wrap. */
static int in_range(int32_t off, int32_t len, int64_t extra, size_t buflen) {
  return off >= 0 && len >= 0 && (int64_t)off + (int64_t)len + extra <= (int64_t)buflen;
}

/* Whether [a, +alen) and [b, +blen) share a byte (empty ranges share none). */
static int overlaps(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  return a < b + blen && b < a + alen;
}

/* sealTo: plaintext src+soff and the written ciphertext+tag must be the same
 * bytes (in place) or disjoint. The ciphers stream through their input in
 * blocks, so a destination a little ahead of or behind the source would
 * overwrite plaintext before it is read (OpenSSL EVP refuses that, the
 * provider functions would produce garbage). Offsets are already range-checked. */
static int seal_overlap(const uint8_t *src, int32_t soff, const uint8_t *dst, int32_t doff, int32_t len) {
  const uint8_t *in = src + soff, *out = dst + doff + HEADER_LEN;
  return in != out && overlaps(in, (size_t)len, out, (size_t)len + TAG_LEN);
}

/* openTo: the plaintext written to dst+doff must be where the ciphertext is
 * (in place, as aeadOpen) or clear of the whole packet: header, ciphertext
 * and tag are all inputs, and the cipher streams through them while it writes. */
static int open_overlap(const uint8_t *src, int32_t soff, int32_t len, const uint8_t *dst, int32_t doff) {
  const uint8_t *pkt = src + soff, *out = dst + doff;
  return out != pkt + HEADER_LEN && overlaps(out, (size_t)(len - OVERHEAD), pkt, (size_t)len);
}

/* n fits every index array of the batch. */
static int count_ok(int32_t n, size_t a, size_t b, size_t c) {
  return n >= 0 && (size_t)n <= a && (size_t)n <= b && (size_t)n <= c;
}

static int freed(const tio_aead *a) {
  return !a->ctx && !a->algctx;
}

static napi_value usable(napi_env env, tio_aead *a, int encrypt) {
  if (freed(a)) return tio_neg_errno(env, EBADF);
  if (a->encrypt != encrypt) return tio_neg_errno(env, EPERM);
  return NULL;
}

/* The EVP context, keyed once. Returns 0, or the errno to return. */
static int create_evp(tio_aead *a, const uint8_t *key) {
  a->ctx = EVP_CIPHER_CTX_new();
  if (!a->ctx) return ENOMEM;
  const EVP_CIPHER *c = a->cipher == CIPHER_AES ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
  /* Cipher first, then the key: the key schedule is computed once, here. */
  if (EVP_CipherInit_ex(a->ctx, c, NULL, NULL, NULL, a->encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
      EVP_CipherInit_ex(a->ctx, NULL, NULL, key, NULL, a->encrypt) != 1) {
    aead_free_ctx(a);
    return EIO;
  }
  return 0;
}

/* Keys the path asked for, or the fastest one available (auto). 0 or an errno. */
static int create_path(tio_aead *a, const uint8_t *key, int32_t path) {
  /* PATH_PROVIDER means "OpenSSL, as fast as it goes": EVP where the provider's functions are not reachable. */
  if ((path == PATH_AUTO || path == PATH_PROVIDER) && create_direct(a, key)) return 0;
  return create_evp(a, key);
}

/* aeadCreate(cipher, key, encrypt, path?) -> handle | -errno */
static napi_value aead_create(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  int32_t cipher, path = PATH_AUTO;
  uint8_t *key;
  size_t keylen;
  bool encrypt;
  TIO_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 3 &&
                     tio_get_i32(env, argv[0], &cipher) && tio_get_bytes(env, argv[1], &key, &keylen) &&
                     napi_get_value_bool(env, argv[2], &encrypt) == napi_ok &&
                     (argc < 4 || tio_is_nullish(env, argv[3]) || tio_get_i32(env, argv[3], &path)),
            "aeadCreate(cipher, key, encrypt, path?)");
  if ((cipher != CIPHER_AES && cipher != CIPHER_CHACHA) || keylen != KEY_LEN || path < PATH_AUTO || path > PATH_PROVIDER)
    return tio_neg_errno(env, EINVAL);
  tio_aead *a = calloc(1, sizeof *a);
  if (!a) return tio_neg_errno(env, ENOMEM);
  a->cipher = cipher;
  a->encrypt = encrypt ? 1 : 0;
  int err = create_path(a, key, path);
  if (err) {
    free(a);
    return tio_neg_errno(env, err);
  }
  napi_value ext;
  if (napi_create_external(env, a, on_external_gc, NULL, &ext) != napi_ok) {
    aead_free_ctx(a);
    free(a);
    return NULL;
  }
  if (napi_type_tag_object(env, ext, &AEAD_TYPE_TAG) != napi_ok) {
    /* The finalizer frees `a` when the untagged external is collected. */
    napi_throw_error(env, "ERR_TIO_NATIVE", "aeadCreate: could not type-tag the handle");
    return NULL;
  }
  return ext;
}

/* aeadPath(handle) -> PATH_EVP | PATH_PROVIDER | -EBADF */
static napi_value aead_path(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tio_aead *a;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && get_aead(env, argv[0], &a), "aeadPath(handle)");
  if (freed(a)) return tio_neg_errno(env, EBADF);
  return tio_int(env, a->algctx ? PATH_PROVIDER : PATH_EVP);
}

/* aeadFree(handle) -> 0 */
static napi_value aead_free(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tio_aead *a;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && get_aead(env, argv[0], &a), "aeadFree(handle)");
  aead_free_ctx(a);
  return tio_int(env, 0);
}

/* Shared by seal and sealTo: src == dst with equal offsets is in place. */
static napi_value seal_batch(napi_env env, tio_aead *a, int32_t n, const uint8_t *src, size_t srclen,
                             const int32_t *soffs, const int32_t *lens, uint8_t *dst, size_t dstlen,
                             const int32_t *doffs, int in_place) {
  napi_value bad = usable(env, a, 1);
  if (bad) return bad;
  for (int32_t i = 0; i < n; i++) {
    int32_t doff = doffs[i], len = lens[i], soff = in_place ? 0 : soffs[i];
    if (!in_range(doff, len, OVERHEAD, dstlen)) return tio_neg_errno(env, ERANGE);
    if (!in_place && !in_range(soff, len, 0, srclen)) return tio_neg_errno(env, ERANGE);
    if (!in_place && seal_overlap(src, soff, dst, doff, len)) return tio_neg_errno(env, EINVAL);
  }
  for (int32_t i = 0; i < n; i++) {
    /* Read each index once and check it again: a SharedArrayBuffer-backed
     * index array can change under us between the two passes. */
    int32_t doff = doffs[i], len = lens[i], soff = in_place ? 0 : soffs[i];
    if (!in_range(doff, len, OVERHEAD, dstlen) || (!in_place && !in_range(soff, len, 0, srclen)))
      return tio_neg_errno(env, ERANGE);
    if (!in_place && seal_overlap(src, soff, dst, doff, len)) return tio_neg_errno(env, EINVAL);
    const uint8_t *in = in_place ? dst + doff + HEADER_LEN : src + soff;
    uint8_t *pkt = dst + doff;
    if (!seal_one(a, pkt, in, pkt + HEADER_LEN, len, pkt + HEADER_LEN + len)) return tio_neg_errno(env, EIO);
  }
  return tio_int(env, n);
}

/* Shared by open and openTo: in place, plaintext i lands at offs[i] + 16. */
static napi_value open_batch(napi_env env, tio_aead *a, int32_t n, const uint8_t *src, size_t srclen,
                             const int32_t *soffs, const int32_t *lens, uint8_t *dst, size_t dstlen,
                             const int32_t *doffs, int32_t *out, int in_place) {
  napi_value bad = usable(env, a, 0);
  if (bad) return bad;
  for (int32_t i = 0; i < n; i++) {
    int32_t soff = soffs[i], len = lens[i], doff = in_place ? 0 : doffs[i];
    if (!in_range(soff, len, 0, srclen)) return tio_neg_errno(env, ERANGE);
    /* Short packets have no plaintext to place, so their dst is not checked. */
    if (in_place || len < OVERHEAD) continue;
    if (!in_range(doff, len, -OVERHEAD, dstlen)) return tio_neg_errno(env, ERANGE);
    if (open_overlap(src, soff, len, dst, doff)) return tio_neg_errno(env, EINVAL);
  }
  int32_t ok = 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t soff = soffs[i], len = lens[i];
    if (!in_range(soff, len, 0, srclen)) return tio_neg_errno(env, ERANGE);
    if (len < OVERHEAD) {
      out[i] = -1;
      continue;
    }
    int32_t plen = len - OVERHEAD;
    int32_t doff = in_place ? 0 : doffs[i];
    if (!in_place && !in_range(doff, plen, 0, dstlen)) return tio_neg_errno(env, ERANGE);
    if (!in_place && open_overlap(src, soff, len, dst, doff)) return tio_neg_errno(env, EINVAL);
    const uint8_t *pkt = src + soff;
    uint8_t *plain = in_place ? dst + soff + HEADER_LEN : dst + doff;
    int r = open_one(a, pkt, pkt + HEADER_LEN, plain, plen, pkt + HEADER_LEN + plen);
    /* A forgery's decryption is keystream XOR attacker bytes: wipe it, paid only on failure. */
    if (r <= 0) memset(plain, 0, (size_t)plen);
    if (r < 0) return tio_neg_errno(env, EIO);
    out[i] = r ? plen : -1;
    ok += r;
  }
  return tio_int(env, ok);
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* aeadSealMessages(handle, buf, plainOffs, lens, from, to, remoteIndex, counterHi, counterLo) -> to - from | -errno */
static napi_value aead_seal_messages(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  tio_aead *a;
  uint8_t *buf;
  size_t buflen, noffs, nlens;
  int32_t *offs, *lens, from, to;
  uint32_t remote, hi, lo;
  TIO_CHECK(env, tio_args(env, info, 9, argv) && get_aead(env, argv[0], &a) && tio_get_bytes(env, argv[1], &buf, &buflen) &&
                     tio_get_i32_array(env, argv[2], &offs, &noffs) && tio_get_i32_array(env, argv[3], &lens, &nlens) &&
                     tio_get_i32(env, argv[4], &from) && tio_get_i32(env, argv[5], &to) &&
                     napi_get_value_uint32(env, argv[6], &remote) == napi_ok && napi_get_value_uint32(env, argv[7], &hi) == napi_ok &&
                     napi_get_value_uint32(env, argv[8], &lo) == napi_ok,
            "aeadSealMessages(handle, buf, plainOffs, lens, from, to, remoteIndex, counterHi, counterLo)");
  if (from < 0 || to < from || (size_t)to > noffs || (size_t)to > nlens) return tio_neg_errno(env, EINVAL);
  napi_value bad = usable(env, a, 1);
  if (bad) return bad;
  for (int32_t i = from; i < to; i++) {
    if (offs[i] < HEADER_LEN || !in_range(offs[i], lens[i], TAG_LEN, buflen)) return tio_neg_errno(env, ERANGE);
  }
  uint64_t counter = ((uint64_t)hi << 32) | lo;
  for (int32_t i = from; i < to; i++, counter++) {
    /* Read once and check again: the index arrays may be shared with another thread. */
    int32_t off = offs[i], len = lens[i];
    if (off < HEADER_LEN || !in_range(off, len, TAG_LEN, buflen)) return tio_neg_errno(env, ERANGE);
    uint8_t *h = buf + off - HEADER_LEN;
    h[0] = MESSAGE_BYTE0;
    h[1] = MESSAGE_SUBTYPE_NONE;
    h[2] = 0;
    h[3] = 0;
    put_be32(h + 4, remote);
    put_be32(h + COUNTER_OFF, (uint32_t)(counter >> 32));
    put_be32(h + COUNTER_OFF + 4, (uint32_t)counter);
    if (!seal_one(a, h, buf + off, buf + off, len, buf + off + len)) return tio_neg_errno(env, EIO);
  }
  return tio_int(env, to - from);
}

/* aeadSeal(handle, n, buf, offs, lens) -> n | -errno */
static napi_value aead_seal(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  tio_aead *a;
  int32_t n, *offs, *lens;
  uint8_t *buf;
  size_t buflen, noffs, nlens;
  TIO_CHECK(env, tio_args(env, info, 5, argv) && get_aead(env, argv[0], &a) && tio_get_i32(env, argv[1], &n) &&
                     tio_get_bytes(env, argv[2], &buf, &buflen) && tio_get_i32_array(env, argv[3], &offs, &noffs) &&
                     tio_get_i32_array(env, argv[4], &lens, &nlens),
            "aeadSeal(handle, n, buf, offs, lens)");
  if (!count_ok(n, noffs, nlens, nlens)) return tio_neg_errno(env, EINVAL);
  return seal_batch(env, a, n, buf, buflen, offs, lens, buf, buflen, offs, 1);
}

/* aeadOpen(handle, n, buf, offs, lens, out) -> authenticated | -errno */
static napi_value aead_open(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  tio_aead *a;
  int32_t n, *offs, *lens, *out;
  uint8_t *buf;
  size_t buflen, noffs, nlens, nout;
  TIO_CHECK(env, tio_args(env, info, 6, argv) && get_aead(env, argv[0], &a) && tio_get_i32(env, argv[1], &n) &&
                     tio_get_bytes(env, argv[2], &buf, &buflen) && tio_get_i32_array(env, argv[3], &offs, &noffs) &&
                     tio_get_i32_array(env, argv[4], &lens, &nlens) && tio_get_i32_array(env, argv[5], &out, &nout),
            "aeadOpen(handle, n, buf, offs, lens, out)");
  if (!count_ok(n, noffs, nlens, nout)) return tio_neg_errno(env, EINVAL);
  return open_batch(env, a, n, buf, buflen, offs, lens, buf, buflen, offs, out, 1);
}

/* aeadSealTo(handle, n, src, srcOffs, lens, dst, dstOffs) -> n | -errno */
static napi_value aead_seal_to(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  tio_aead *a;
  int32_t n, *soffs, *lens, *doffs;
  uint8_t *src, *dst;
  size_t srclen, dstlen, nsoffs, nlens, ndoffs;
  TIO_CHECK(env, tio_args(env, info, 7, argv) && get_aead(env, argv[0], &a) && tio_get_i32(env, argv[1], &n) &&
                     tio_get_bytes(env, argv[2], &src, &srclen) && tio_get_i32_array(env, argv[3], &soffs, &nsoffs) &&
                     tio_get_i32_array(env, argv[4], &lens, &nlens) && tio_get_bytes(env, argv[5], &dst, &dstlen) &&
                     tio_get_i32_array(env, argv[6], &doffs, &ndoffs),
            "aeadSealTo(handle, n, src, srcOffs, lens, dst, dstOffs)");
  if (!count_ok(n, nsoffs, nlens, ndoffs)) return tio_neg_errno(env, EINVAL);
  return seal_batch(env, a, n, src, srclen, soffs, lens, dst, dstlen, doffs, 0);
}

/* aeadOpenTo(handle, n, src, srcOffs, lens, dst, dstOffs, out) -> authenticated | -errno */
static napi_value aead_open_to(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  tio_aead *a;
  int32_t n, *soffs, *lens, *doffs, *out;
  uint8_t *src, *dst;
  size_t srclen, dstlen, nsoffs, nlens, ndoffs, nout;
  TIO_CHECK(env, tio_args(env, info, 8, argv) && get_aead(env, argv[0], &a) && tio_get_i32(env, argv[1], &n) &&
                     tio_get_bytes(env, argv[2], &src, &srclen) && tio_get_i32_array(env, argv[3], &soffs, &nsoffs) &&
                     tio_get_i32_array(env, argv[4], &lens, &nlens) && tio_get_bytes(env, argv[5], &dst, &dstlen) &&
                     tio_get_i32_array(env, argv[6], &doffs, &ndoffs) && tio_get_i32_array(env, argv[7], &out, &nout),
            "aeadOpenTo(handle, n, src, srcOffs, lens, dst, dstOffs, out)");
  if (!count_ok(n, nsoffs, nlens, ndoffs) || (size_t)n > nout) return tio_neg_errno(env, EINVAL);
  return open_batch(env, a, n, src, srclen, soffs, lens, dst, dstlen, doffs, out, 0);
}

void tio_register_aead(napi_env env, napi_value exports) {
  tio_export(env, exports, "aeadCreate", aead_create);
  tio_export(env, exports, "aeadFree", aead_free);
  tio_export(env, exports, "aeadPath", aead_path);
  tio_export(env, exports, "aeadSeal", aead_seal);
  tio_export(env, exports, "aeadOpen", aead_open);
  tio_export(env, exports, "aeadSealTo", aead_seal_to);
  tio_export(env, exports, "aeadSealMessages", aead_seal_messages);
  tio_export(env, exports, "aeadOpenTo", aead_open_to);
}
