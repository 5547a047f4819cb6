/* Batched AEAD for the overlay data path: AES-256-GCM and ChaCha20-Poly1305
 * through Node's own OpenSSL 3. This file holds the N-API entry points, the
 * argument and range checks, the batching and the nonces; every OpenSSL call
 * is in a backend behind the table of aead.h: aead_provider.c (the default:
 * the provider's cipher functions called directly, skipping the EVP layer)
 * or aead_evp.c (the EVP layer, where the provider's functions are not
 * reachable). tio adds batching; every byte of the cipher is OpenSSL's.
 *
 * One context per key and direction is created once and reused: per packet
 * only the nonce is set, which skips the key schedule and the context
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
 *     the provider's functions directly (aead_provider.c), or EVP where they
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
 *   aeadTagMessages(handle, buf, innerOffs, innerLens, from, to, remoteIndex, counterHi, counterLo) -> to - from | -errno
 *     relayed packets (docs/PROTOCOL.md "Relays") i in [from, to): the inner
 *     packet buf[innerOffs[i], +innerLens[i]) (already sealed on its own
 *     tunnel) with 16 bytes of room before it (the outer header written here:
 *     a message of subtype relay to remoteIndex, counter first + (i - from))
 *     and 16 after it (the tag). Nothing is encrypted: the tag is that of an
 *     empty plaintext with outer header || inner packet as the AD, under the
 *     outer counter's nonce. An encrypting handle (the via tunnel's send key).
 *   aeadVerify(handle, n, buf, offs, lens, out) -> authenticated | -errno
 *     packet i = buf[offs[i], +lens[i]) = header || body || tag, tagged as
 *     aeadTagMessages does; nothing is written but out[i] = lens[i] - 32 (the
 *     body length) when the tag is authentic, -1 when not or shorter than 32
 *     bytes. A decrypting handle (the via tunnel's receive key).
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
#include "aead.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Per-packet overhead on the wire: header + tag (docs/PROTOCOL.md "Numbers at a glance"). */
#define OVERHEAD (AEAD_HEADER_LEN + AEAD_TAG_LEN)
/* Offset of the u64 message counter inside the header (docs/PROTOCOL.md "Header"). */
#define COUNTER_OFF 8
/* Header byte 0 of a data message: version 1 << 4 | type 1 (message), then subtype 0 (none)
 * (docs/PROTOCOL.md "Header"; src/tunnel/wire/constants.ts HEADER_VERSION, TYPE_MESSAGE, SUBTYPE_MESSAGE_NONE). */
#define MESSAGE_BYTE0 0x11
#define MESSAGE_SUBTYPE_NONE 0

/* One key and direction: the backend that keyed it and its context. */
typedef struct {
  const aead_backend *backend;
  void *ctx; /* the backend's context; NULL once freed */
  int cipher;
  int encrypt;
} tio_aead;

/* Marks externals made here, so another addon object (a poll handle) passed
 * by mistake is refused instead of being read as an AEAD context. */
static const napi_type_tag AEAD_TYPE_TAG = {0x74696f2e61656164ULL, 0x2e63747876310000ULL};

static void aead_free_ctx(tio_aead *a) {
  if (a->ctx) a->backend->free(a->ctx);
  a->ctx = NULL;
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
static void build_nonce(int cipher, const uint8_t *hdr, uint8_t nonce[AEAD_NONCE_LEN]) {
  memset(nonce, 0, 4);
  if (cipher == AEAD_CIPHER_AES) {
    memcpy(nonce + 4, hdr + COUNTER_OFF, 8);
  } else {
    for (int i = 0; i < 8; i++) nonce[4 + i] = hdr[COUNTER_OFF + 7 - i];
  }
}

/* Seals one packet: hdr is its header (AD and the counter of the nonce), len
 * bytes from in encrypted to out (equal, or disjoint), the tag written to tag. 1 on success. */
static inline int seal_one(const tio_aead *a, const uint8_t *hdr, const uint8_t *in, uint8_t *out, int len, uint8_t *tag) {
  uint8_t nonce[AEAD_NONCE_LEN];
  build_nonce(a->cipher, hdr, nonce);
  return a->backend->seal_one(a->ctx, nonce, hdr, AEAD_HEADER_LEN, in, out, len, tag);
}

/* Opens one packet: 1 authentic, 0 not, -1 OpenSSL failed otherwise (aead_backend.open_one). */
static inline int open_one(const tio_aead *a, const uint8_t *hdr, const uint8_t *in, uint8_t *out, int len, const uint8_t *tag) {
  uint8_t nonce[AEAD_NONCE_LEN];
  build_nonce(a->cipher, hdr, nonce);
  return a->backend->open_one(a->ctx, nonce, hdr, AEAD_HEADER_LEN, in, out, len, tag);
}

/* Tags one relayed packet pkt[0, adlen + 16): its first adlen bytes (header,
 * whose counter names the nonce, and body) are the AD of an empty plaintext;
 * the tag is written after them. 1 on success. */
static inline int tag_one(const tio_aead *a, uint8_t *pkt, int adlen) {
  uint8_t nonce[AEAD_NONCE_LEN];
  build_nonce(a->cipher, pkt, nonce);
  return a->backend->seal_one(a->ctx, nonce, pkt, adlen, pkt + adlen, pkt + adlen, 0, pkt + adlen);
}

/* Checks the tag of one relayed packet pkt[0, adlen + 16), as tag_one wrote
 * it: 1 authentic, 0 not, -1 OpenSSL failed otherwise. Writes nothing. */
static inline int verify_one(const tio_aead *a, const uint8_t *pkt, int adlen) {
  uint8_t nonce[AEAD_NONCE_LEN];
  build_nonce(a->cipher, pkt, nonce);
  /* No output with an empty ciphertext: the pointer is only a valid place that is never written. */
  uint8_t none[1];
  return a->backend->open_one(a->ctx, nonce, pkt, adlen, pkt + adlen, none, 0, pkt + adlen);
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
  const uint8_t *in = src + soff, *out = dst + doff + AEAD_HEADER_LEN;
  return in != out && overlaps(in, (size_t)len, out, (size_t)len + AEAD_TAG_LEN);
}

/* openTo: the plaintext written to dst+doff must be where the ciphertext is
 * (in place, as aeadOpen) or clear of the whole packet: header, ciphertext
 * and tag are all inputs, and the cipher streams through them while it writes. */
static int open_overlap(const uint8_t *src, int32_t soff, int32_t len, const uint8_t *dst, int32_t doff) {
  const uint8_t *pkt = src + soff, *out = dst + doff;
  return out != pkt + AEAD_HEADER_LEN && overlaps(out, (size_t)(len - OVERHEAD), pkt, (size_t)len);
}

/* n fits every index array of the batch. */
static int count_ok(int32_t n, size_t a, size_t b, size_t c) {
  return n >= 0 && (size_t)n <= a && (size_t)n <= b && (size_t)n <= c;
}

static int freed(const tio_aead *a) {
  return !a->ctx;
}

static napi_value usable(napi_env env, tio_aead *a, int encrypt) {
  if (freed(a)) return tio_neg_errno(env, EBADF);
  if (a->encrypt != encrypt) return tio_neg_errno(env, EPERM);
  return NULL;
}

/* Keys the path asked for, or the fastest one available (auto). 0 or an errno. */
static int create_path(tio_aead *a, const uint8_t *key, int32_t path) {
  int err = 0;
  /* AEAD_PATH_PROVIDER means "OpenSSL, as fast as it goes": EVP where the provider's functions are not reachable. */
  if (path == AEAD_PATH_AUTO || path == AEAD_PATH_PROVIDER) {
    a->ctx = tio_aead_provider.create(a->cipher, a->encrypt, key, &err);
    if (a->ctx) {
      a->backend = &tio_aead_provider;
      return 0;
    }
  }
  a->ctx = tio_aead_evp.create(a->cipher, a->encrypt, key, &err);
  if (!a->ctx) return err;
  a->backend = &tio_aead_evp;
  return 0;
}

/* aeadCreate(cipher, key, encrypt, path?) -> handle | -errno */
static napi_value aead_create(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  int32_t cipher, path = AEAD_PATH_AUTO;
  uint8_t *key;
  size_t keylen;
  bool encrypt;
  TIO_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 3 &&
                     tio_get_i32(env, argv[0], &cipher) && tio_get_bytes(env, argv[1], &key, &keylen) &&
                     napi_get_value_bool(env, argv[2], &encrypt) == napi_ok &&
                     (argc < 4 || tio_is_nullish(env, argv[3]) || tio_get_i32(env, argv[3], &path)),
            "aeadCreate(cipher, key, encrypt, path?)");
  if ((cipher != AEAD_CIPHER_AES && cipher != AEAD_CIPHER_CHACHA) || keylen != AEAD_KEY_LEN || path < AEAD_PATH_AUTO || path > AEAD_PATH_PROVIDER)
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

/* aeadPath(handle) -> AEAD_PATH_EVP | AEAD_PATH_PROVIDER | -EBADF */
static napi_value aead_path(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tio_aead *a;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && get_aead(env, argv[0], &a), "aeadPath(handle)");
  if (freed(a)) return tio_neg_errno(env, EBADF);
  return tio_int(env, a->backend->path);
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
    const uint8_t *in = in_place ? dst + doff + AEAD_HEADER_LEN : src + soff;
    uint8_t *pkt = dst + doff;
    if (!seal_one(a, pkt, in, pkt + AEAD_HEADER_LEN, len, pkt + AEAD_HEADER_LEN + len)) return tio_neg_errno(env, EIO);
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
    uint8_t *plain = in_place ? dst + soff + AEAD_HEADER_LEN : dst + doff;
    int r = open_one(a, pkt, pkt + AEAD_HEADER_LEN, plain, plen, pkt + AEAD_HEADER_LEN + plen);
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

/* Header byte 1 of a relayed packet: subtype 1 (relay)
 * (docs/PROTOCOL.md "Relays"; src/tunnel/wire/constants.ts SUBTYPE_MESSAGE_RELAY). */
#define MESSAGE_SUBTYPE_RELAY 1

/* aeadSealMessages (relay 0) and aeadTagMessages (relay 1): the same arguments and layout, payload
 * offs[i] with 16 bytes of room before and after; a data message is sealed, a relayed one tagged. */
static napi_value messages(napi_env env, napi_callback_info info, int relay) {
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
            relay ? "aeadTagMessages(handle, buf, innerOffs, innerLens, from, to, remoteIndex, counterHi, counterLo)"
                  : "aeadSealMessages(handle, buf, plainOffs, lens, from, to, remoteIndex, counterHi, counterLo)");
  if (from < 0 || to < from || (size_t)to > noffs || (size_t)to > nlens) return tio_neg_errno(env, EINVAL);
  napi_value bad = usable(env, a, 1);
  if (bad) return bad;
  for (int32_t i = from; i < to; i++) {
    if (offs[i] < AEAD_HEADER_LEN || !in_range(offs[i], lens[i], AEAD_TAG_LEN, buflen)) return tio_neg_errno(env, ERANGE);
  }
  uint64_t counter = ((uint64_t)hi << 32) | lo;
  for (int32_t i = from; i < to; i++, counter++) {
    /* Read once and check again: the index arrays may be shared with another thread. */
    int32_t off = offs[i], len = lens[i];
    if (off < AEAD_HEADER_LEN || !in_range(off, len, AEAD_TAG_LEN, buflen)) return tio_neg_errno(env, ERANGE);
    uint8_t *h = buf + off - AEAD_HEADER_LEN;
    h[0] = MESSAGE_BYTE0;
    h[1] = relay ? MESSAGE_SUBTYPE_RELAY : MESSAGE_SUBTYPE_NONE;
    h[2] = 0;
    h[3] = 0;
    put_be32(h + 4, remote);
    put_be32(h + COUNTER_OFF, (uint32_t)(counter >> 32));
    put_be32(h + COUNTER_OFF + 4, (uint32_t)counter);
    int ok = relay ? tag_one(a, h, AEAD_HEADER_LEN + len) : seal_one(a, h, buf + off, buf + off, len, buf + off + len);
    if (!ok) return tio_neg_errno(env, EIO);
  }
  return tio_int(env, to - from);
}

/* aeadSealMessages(handle, buf, plainOffs, lens, from, to, remoteIndex, counterHi, counterLo) -> to - from | -errno */
static napi_value aead_seal_messages(napi_env env, napi_callback_info info) {
  return messages(env, info, 0);
}

/* aeadTagMessages(handle, buf, innerOffs, innerLens, from, to, remoteIndex, counterHi, counterLo) -> to - from | -errno */
static napi_value aead_tag_messages(napi_env env, napi_callback_info info) {
  return messages(env, info, 1);
}

/* aeadVerify's batch (arguments parsed by aead_open_args): checks tags, writes only out. */
static napi_value verify_batch(napi_env env, tio_aead *a, int32_t n, const uint8_t *buf, size_t buflen, const int32_t *offs,
                               const int32_t *lens, int32_t *out) {
  napi_value bad = usable(env, a, 0);
  if (bad) return bad;
  for (int32_t i = 0; i < n; i++) {
    if (!in_range(offs[i], lens[i], 0, buflen)) return tio_neg_errno(env, ERANGE);
  }
  int32_t ok = 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t off = offs[i], len = lens[i];
    if (!in_range(off, len, 0, buflen)) return tio_neg_errno(env, ERANGE);
    if (len < OVERHEAD) {
      out[i] = -1;
      continue;
    }
    int r = verify_one(a, buf + off, len - AEAD_TAG_LEN);
    if (r < 0) return tio_neg_errno(env, EIO);
    out[i] = r ? len - OVERHEAD : -1;
    ok += r;
  }
  return tio_int(env, ok);
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

/* aeadOpen (verify 0) and aeadVerify (verify 1): the same arguments, handle, n, buf, offs, lens, out. */
static napi_value aead_open_args(napi_env env, napi_callback_info info, int verify) {
  napi_value argv[6];
  tio_aead *a;
  int32_t n, *offs, *lens, *out;
  uint8_t *buf;
  size_t buflen, noffs, nlens, nout;
  TIO_CHECK(env, tio_args(env, info, 6, argv) && get_aead(env, argv[0], &a) && tio_get_i32(env, argv[1], &n) &&
                     tio_get_bytes(env, argv[2], &buf, &buflen) && tio_get_i32_array(env, argv[3], &offs, &noffs) &&
                     tio_get_i32_array(env, argv[4], &lens, &nlens) && tio_get_i32_array(env, argv[5], &out, &nout),
            verify ? "aeadVerify(handle, n, buf, offs, lens, out)" : "aeadOpen(handle, n, buf, offs, lens, out)");
  if (!count_ok(n, noffs, nlens, nout)) return tio_neg_errno(env, EINVAL);
  if (verify) return verify_batch(env, a, n, buf, buflen, offs, lens, out);
  return open_batch(env, a, n, buf, buflen, offs, lens, buf, buflen, offs, out, 1);
}

/* aeadOpen(handle, n, buf, offs, lens, out) -> authenticated | -errno */
static napi_value aead_open(napi_env env, napi_callback_info info) {
  return aead_open_args(env, info, 0);
}

/* aeadVerify(handle, n, buf, offs, lens, out) -> authenticated | -errno */
static napi_value aead_verify(napi_env env, napi_callback_info info) {
  return aead_open_args(env, info, 1);
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
  tio_export(env, exports, "aeadTagMessages", aead_tag_messages);
  tio_export(env, exports, "aeadVerify", aead_verify);
}
