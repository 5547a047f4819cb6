/* RFC 1071 ones'-complement sum over a byte range: the batched primitive
 * DESIGN.md allows where a benchmark shows the JS loop is the bottleneck
 * (coalescing verifies every segment). src/packet/checksum.ts keeps the
 * reference and the JS fast path; tests compare all three. */
#include "tio.h"
#include <string.h>

/* Big-endian 16-bit word sum of buf[0, len), folded to 16 bits. */
static uint32_t sum_be16(const uint8_t *p, size_t len) {
  uint64_t acc = 0;
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

void tio_register_checksum(napi_env env, napi_value exports) {
  tio_export(env, exports, "checksumSum", checksum_sum);
}
