/* Gathering copies: many byte ranges of one buffer copied back to back into
 * another with one call. The coalescer records where each merged payload lies
 * and copies a whole chain at write time; a Buffer.copy per packet costs a
 * call and, on Node 20, a view allocation each. */
#include "tio.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Pieces whose offsets and lengths are copied onto the stack; longer calls
 * take one allocation. 256 is four times the longest chain the coalescer
 * copies (MAX_CHAIN_SEGMENTS = 64, src/gro/constants.ts). */
#define STACK_PIECES 256

/* copyPieces(src, offs, lens, n, dst, dstOff) -> bytes copied | -1
 * Copies src[offs[i], +lens[i]) for i < n to dst from dstOff on, one after
 * another. -1 (nothing copied): n outside the index arrays, a range outside
 * its buffer, or a source range overlapping the destination range; -ENOMEM
 * when a long chain's index copy cannot be allocated.
 * The index arrays may live in a SharedArrayBuffer another thread writes, so
 * each value is read exactly once into local storage and only that checked
 * copy is used. */
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
  int32_t stack[2 * STACK_PIECES];
  int32_t *local = n <= STACK_PIECES ? stack : malloc(2 * sizeof(int32_t) * (size_t)n);
  if (!local) return tio_neg_errno(env, ENOMEM);
  int32_t *off = local, *len = local + n;
  int64_t total = 0;
  int64_t result = -1;
  for (int32_t i = 0; i < n; i++) {
    off[i] = __atomic_load_n(&offs[i], __ATOMIC_RELAXED);
    len[i] = __atomic_load_n(&lens[i], __ATOMIC_RELAXED);
    if (off[i] < 0 || len[i] < 0 || (int64_t)off[i] + len[i] > (int64_t)slen) goto out;
    total += len[i];
  }
  if ((int64_t)doff + total > (int64_t)dlen) goto out;
  const uint8_t *d0 = dst + doff, *d1 = d0 + total;
  for (int32_t i = 0; i < n; i++) {
    const uint8_t *s0 = src + off[i];
    if (s0 < d1 && d0 < s0 + len[i]) goto out;
  }
  uint8_t *to = dst + doff;
  for (int32_t i = 0; i < n; i++) {
    memcpy(to, src + off[i], (size_t)len[i]);
    to += len[i];
  }
  result = total;
out:
  if (local != stack) free(local);
  return tio_int(env, result);
}

void tio_register_copy(napi_env env, napi_value exports) {
  tio_export(env, exports, "copyPieces", copy_pieces);
}
