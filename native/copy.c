/* Gathering copies: many byte ranges of one buffer copied back to back into
 * another with one call. The coalescer records where each merged payload lies
 * and copies a whole chain at write time; a Buffer.copy per packet costs a
 * call and, on Node 20, a view allocation each. */
#include "tio.h"
#include <string.h>

/* copyPieces(src, offs, lens, n, dst, dstOff) -> bytes copied | -1
 * Copies src[offs[i], +lens[i]) for i < n to dst from dstOff on, one after
 * another. -1 (nothing copied): n outside the index arrays, a range outside
 * its buffer, or a source range overlapping the destination range. */
static napi_value copy_pieces(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  uint8_t *src, *dst;
  size_t slen, dlen, noffs, nlens;
  int32_t *offs, *lens;
  int32_t n, doff;
  TIO_CHECK(env, tio_args(env, info, 6, argv) && tio_get_bytes(env, argv[0], &src, &slen) &&
                     tio_get_i32_array(env, argv[1], &offs, &noffs) && tio_get_i32_array(env, argv[2], &lens, &nlens) &&
                     tio_get_i32(env, argv[3], &n) && tio_get_bytes(env, argv[4], &dst, &dlen) &&
                     tio_get_i32(env, argv[5], &doff),
            "copyPieces(src, offs, lens, n, dst, dstOff)");
  if (n < 0 || (size_t)n > noffs || (size_t)n > nlens || doff < 0) return tio_int(env, -1);
  int64_t total = 0;
  for (int32_t i = 0; i < n; i++) {
    if (offs[i] < 0 || lens[i] < 0 || (int64_t)offs[i] + lens[i] > (int64_t)slen) return tio_int(env, -1);
    total += lens[i];
  }
  if ((int64_t)doff + total > (int64_t)dlen) return tio_int(env, -1);
  const uint8_t *d0 = dst + doff, *d1 = d0 + total;
  for (int32_t i = 0; i < n; i++) {
    const uint8_t *s0 = src + offs[i];
    if (s0 < d1 && d0 < s0 + lens[i]) return tio_int(env, -1);
  }
  uint8_t *to = dst + doff;
  for (int32_t i = 0; i < n; i++) {
    memcpy(to, src + offs[i], (size_t)lens[i]);
    to += lens[i];
  }
  return tio_int(env, total);
}

void tio_register_copy(napi_env env, napi_value exports) {
  tio_export(env, exports, "copyPieces", copy_pieces);
}
