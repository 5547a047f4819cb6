/* RFC 1071 ones'-complement sum over a byte range: a batched primitive of the
 * kind docs/ARCHITECTURE.md "Native code" allows where a benchmark shows the
 * JS loop is the bottleneck (coalescing verifies every segment). src/packet/checksum.ts keeps the
 * reference and the JS fast path; tests compare all three. */
#include "tio.h"
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

static int have_avx2 = 0;

/* Lanes of 32 bits take at most 2 * 0xffff per 32-byte step, so 16384 steps
 * stay below 2^31 before they are added into the 64-bit total. */
#define AVX2_STEPS_PER_FOLD 16384

/* Sum of the little-endian 16-bit words of p[0, *done) (*done: a multiple of
 * 64, the bytes covered), unfolded. Two vectors of 16 words per step; each
 * word is zero-extended into a 32-bit lane by a mask and a shift. */
__attribute__((target("avx2"))) static uint64_t sum_le16_avx2(const uint8_t *p, size_t len, size_t *done) {
  const __m256i mask = _mm256_set1_epi32(0xffff);
  uint64_t total = 0;
  size_t i = 0;
  while (len - i >= 64) {
    size_t steps = (len - i) / 64;
    if (steps > AVX2_STEPS_PER_FOLD) steps = AVX2_STEPS_PER_FOLD;
    size_t end = i + steps * 64;
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
    for (; i < end; i += 64) {
      __m256i x = _mm256_loadu_si256((const __m256i *)(p + i));
      __m256i y = _mm256_loadu_si256((const __m256i *)(p + i + 32));
      a0 = _mm256_add_epi32(a0, _mm256_add_epi32(_mm256_and_si256(x, mask), _mm256_srli_epi32(x, 16)));
      a1 = _mm256_add_epi32(a1, _mm256_add_epi32(_mm256_and_si256(y, mask), _mm256_srli_epi32(y, 16)));
    }
    uint32_t lanes[16];
    _mm256_storeu_si256((__m256i *)lanes, a0);
    _mm256_storeu_si256((__m256i *)(lanes + 8), a1);
    for (int k = 0; k < 16; k++) total += lanes[k];
  }
  *done = i;
  return total;
}
#endif

/* Big-endian 16-bit word sum of buf[0, len), folded to 16 bits. */
static uint32_t sum_be16(const uint8_t *p, size_t len) {
  uint64_t acc = 0;
#if defined(__x86_64__)
  /* From a few vectors on, AVX2 doubles the speed (bench:segment, native sum).
   * 65535 is 1 mod 0xffff, so 16-bit and 32-bit little-endian word sums fold
   * to the same value, and `done` is even, so the words below stay aligned. */
  if (have_avx2 && len >= 256) {
    size_t done = 0;
    acc = sum_le16_avx2(p, len, &done);
    p += done;
    len -= done;
  }
#endif
  /* 8 bytes at a time into a 64-bit accumulator; byte order is fixed up at the end
   * (the ones'-complement sum is byte-order independent up to a final swap). */
  while (len >= 32) {
    uint64_t a, b, c, d;
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    memcpy(&c, p + 16, 8);
    memcpy(&d, p + 24, 8);
    acc += (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32);
    acc += (c & 0xffffffffu) + (c >> 32) + (d & 0xffffffffu) + (d >> 32);
    p += 32;
    len -= 32;
  }
  while (len >= 4) {
    uint32_t w;
    memcpy(&w, p, 4);
    acc += w;
    p += 4;
    len -= 4;
  }
  uint64_t tail = 0;
  /* Remaining 0..3 bytes in host order, as if they were the start of a zero-padded word. */
  uint8_t last[4] = {0, 0, 0, 0};
  memcpy(last, p, len);
  uint32_t lw;
  memcpy(&lw, last, 4);
  tail = lw;
  acc += tail;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  uint32_t s = (uint32_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  s = ((s & 0xff) << 8) | (s >> 8);
#endif
  return s;
}

/* checksumSum(buf, off, len) -> folded big-endian sum (not complemented), or -1 for a bad range. */
static napi_value checksum_sum(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint8_t *buf;
  size_t blen;
  int32_t off, len;
  TIO_CHECK(env, tio_args(env, info, 3, argv) && tio_get_bytes(env, argv[0], &buf, &blen) &&
                     tio_get_i32(env, argv[1], &off) && tio_get_i32(env, argv[2], &len),
            "checksumSum(buf, off, len)");
  if (off < 0 || len < 0 || (size_t)off + (size_t)len > blen) return tio_int(env, -1);
  return tio_int(env, sum_be16(buf + off, (size_t)len));
}

/* checksumPieces(src, srcOff, pieceLen, total, sums, dst, dstOff, dstStride, prefixOff, prefixLen) -> pieces | -1
 * Cuts src[srcOff, +total) into pieces of pieceLen bytes (the last may be
 * shorter) and stores piece i's folded sum in sums[i]. With dst (not null),
 * piece i is also copied to dst[dstOff + i * dstStride, ...) first, right
 * after a copy of src[prefixOff, +prefixLen) (not summed). One call per
 * superpacket instead of a header copy, a payload copy and a sum call per
 * segment (the segmenter's pieces). -1: a range outside its buffer, more
 * pieces than sums holds, dstStride < prefixLen + pieceLen, dstOff <
 * prefixLen, a prefix without dst, or the source overlapping the copies. */
static napi_value checksum_pieces(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  uint8_t *src, *dst = NULL;
  size_t slen, dlen = 0, nsums;
  int32_t *sums;
  int32_t soff, piece, total, doff = 0, stride = 0, poff = 0, plen = 0;
  TIO_CHECK(env, tio_args(env, info, 10, argv) && tio_get_bytes(env, argv[0], &src, &slen) &&
                     tio_get_i32(env, argv[1], &soff) && tio_get_i32(env, argv[2], &piece) &&
                     tio_get_i32(env, argv[3], &total) && tio_get_i32_array(env, argv[4], &sums, &nsums) &&
                     (tio_is_nullish(env, argv[5]) || tio_get_bytes(env, argv[5], &dst, &dlen)) &&
                     tio_get_i32(env, argv[6], &doff) && tio_get_i32(env, argv[7], &stride) &&
                     tio_get_i32(env, argv[8], &poff) && tio_get_i32(env, argv[9], &plen),
            "checksumPieces(src, srcOff, pieceLen, total, sums, dst, dstOff, dstStride, prefixOff, prefixLen)");
  if (soff < 0 || piece <= 0 || total < 0 || (int64_t)soff + total > (int64_t)slen) return tio_int(env, -1);
  if (plen < 0 || (plen > 0 && (!dst || poff < 0 || (int64_t)poff + plen > (int64_t)slen))) return tio_int(env, -1);
  int64_t count = ((int64_t)total + piece - 1) / piece;
  if (count > (int64_t)nsums) return tio_int(env, -1);
  if (dst && count > 0) {
    int64_t last = total - (count - 1) * (int64_t)piece;
    int64_t begin = (int64_t)doff - plen;
    int64_t end = (int64_t)doff + (count - 1) * (int64_t)stride + last;
    if (begin < 0 || (int64_t)stride < (int64_t)piece + plen || end > (int64_t)dlen) return tio_int(env, -1);
    const uint8_t *d0 = dst + begin, *d1 = dst + end;
    const uint8_t *s0 = src + soff, *s1 = s0 + total;
    if (s0 < d1 && d0 < s1) return tio_int(env, -1);
    const uint8_t *p0 = src + poff, *p1 = p0 + plen;
    if (plen > 0 && p0 < d1 && d0 < p1) return tio_int(env, -1);
  }
  for (int64_t i = 0; i < count; i++) {
    size_t at = (size_t)soff + (size_t)(i * piece);
    size_t n = (size_t)(total - i * piece < piece ? total - i * piece : piece);
    const uint8_t *from = src + at;
    if (dst) {
      uint8_t *to = dst + doff + i * (int64_t)stride;
      if (plen > 0) memcpy(to - plen, src + poff, (size_t)plen);
      memcpy(to, from, n);
      /* Summed from the copy: it was just written, so it is in L1. */
      from = to;
    }
    sums[i] = (int32_t)sum_be16(from, n);
  }
  return tio_int(env, count);
}

void tio_register_checksum(napi_env env, napi_value exports) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  have_avx2 = __builtin_cpu_supports("avx2");
#endif
  tio_export(env, exports, "checksumSum", checksum_sum);
  tio_export(env, exports, "checksumPieces", checksum_pieces);
}
