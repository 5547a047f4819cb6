/* Batched TUN I/O loops. Reads drain a non-blocking queue into one receive
 * buffer; writes send a virtio header plus one or many parts with one syscall.
 * Negative return values are -errno; EINTR is retried here. */
#define _GNU_SOURCE
#include "tio.h"
#include "uring.h"
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* sizeof(struct virtio_net_hdr), include/uapi/linux/virtio_net.h */
#define VNET_HDR_LEN 10
/* Largest datagram a TUN queue hands out: 64 KiB GSO packet (gso_max_size). */
#define MAX_PACKET 65536
/* Write iovec cap: one vnet header plus the 256 parts docs/OFFLOADS.md "Writing" allows. */
#define MAX_PARTS 256
/* Receive offsets are kept 16-byte aligned so checksum loops can use wide views. */
#define ALIGN16(x) (((x) + 15u) & ~(size_t)15u)

/* Bodies up to this size count as small: moving one into place after a ring
 * round costs less than the syscall the round saved (a ~1500-byte packet,
 * an ACK, a DNS answer); a superpacket is never small. */
#define SMALL_PACKET 4096
/* A batch of at least this many small packets has the next batch read in
 * io_uring rounds (uring.c); a lone packet keeps the readv loop, whose two
 * syscalls cost less than a ring round (docs/OFFLOADS.md "Reading"). */
#define RING_MIN_HINT 4

/* Places packet n of the batch, read to `at` with its header at
 * hdrs + VNET_HDR_LEN*i (i >= n), at the batch's next offset: rounds read into 64 KiB
 * slots, the batch keeps its packets packed as the readv loop does. Clears
 * *small when the body is larger than SMALL_PACKET. */
static size_t place(uint8_t *rx, uint8_t *hdrs, int32_t *meta, int n, int i, size_t off, uint8_t *at, ssize_t r,
                    int *small) {
  size_t body = hdrs ? (r > VNET_HDR_LEN ? (size_t)r - VNET_HDR_LEN : 0) : (size_t)r;
  if (body > SMALL_PACKET) *small = 0;
  if (at != rx + off) memmove(rx + off, at, body);
  if (hdrs && i != n) memmove(hdrs + (size_t)n * VNET_HDR_LEN, hdrs + (size_t)i * VNET_HDR_LEN, VNET_HDR_LEN);
  meta[2 * n] = (int32_t)off;
  meta[2 * n + 1] = (int32_t)r;
  return ALIGN16(off + body);
}

/* readBatch(fd, rx, hdrs|null, meta Int32Array, maxPackets, state?) -> n | -errno.
 * Packet i lands at rx[meta[2i]] with meta[2i+1] = bytes returned by the
 * read (header included in vnet mode); its vnet header at hdrs[10*i]. Stops at
 * EAGAIN, maxPackets, or when less than MAX_PACKET of rx is left. An error
 * after the first packet ends the batch and resurfaces on the next call.
 * state (Int32Array, optional): state[0] = 1 if the read stopped at EAGAIN
 * (the queue was empty), else 0, so the caller can wait for readiness
 * instead of asking again at once. With 3 or more elements, state[1] carries
 * this batch's small-packet count to the next call (RING_MIN_HINT), and
 * state[2] = reads this call issued through io_uring. */
static napi_value read_batch(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  size_t argc = 6;
  int32_t fd, max, *meta, *state = NULL;
  uint8_t *rx, *hdrs = NULL;
  size_t rxlen, hlen = 0, mlen, slen = 0;
  TIO_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 5 &&
                     tio_get_i32(env, argv[0], &fd) && tio_get_bytes(env, argv[1], &rx, &rxlen) &&
                     (tio_is_nullish(env, argv[2]) || tio_get_bytes(env, argv[2], &hdrs, &hlen)) &&
                     tio_get_i32_array(env, argv[3], &meta, &mlen) && tio_get_i32(env, argv[4], &max) &&
                     (argc < 6 || tio_is_nullish(env, argv[5]) || (tio_get_i32_array(env, argv[5], &state, &slen) && slen >= 1)),
            "readBatch(fd, rx, hdrs, meta, maxPackets, state?)");
  if (state) state[0] = 0;
  if ((size_t)max * 2 > mlen) max = (int32_t)(mlen / 2);
  if (hdrs && (size_t)max * VNET_HDR_LEN > hlen) max = (int32_t)(hlen / VNET_HDR_LEN);
  size_t off = 0;
  int n = 0, empty = 0, small = 1, issued = 0;
  int hint = slen >= 3 ? state[1] : 0;
  if (hint >= RING_MIN_HINT) {
    int32_t res[TIO_URING_MAX_ROUND];
    while (!empty && n < max && off <= rxlen && rxlen - off >= MAX_PACKET) {
      int k = max - n;
      if ((size_t)k > (rxlen - off) / MAX_PACKET) k = (int)((rxlen - off) / MAX_PACKET);
      if (k > 2 * hint) k = 2 * hint;
      if (k > TIO_URING_MAX_ROUND) k = TIO_URING_MAX_ROUND;
      uint8_t *slots = rx + off;
      int got = tio_uring_read_round(env, fd, slots, MAX_PACKET, hdrs ? hdrs + (size_t)n * VNET_HDR_LEN : NULL,
                                     VNET_HDR_LEN, k, res);
      if (got < 0) break; /* the ring is off for this thread: the readv loop goes on */
      issued += k;
      int base = n, failed = 0;
      for (int i = 0; i < k; i++) {
        if (res[i] == -EAGAIN || res[i] == 0) {
          empty = 1;
          continue;
        }
        if (res[i] < 0) {
          if (res[i] == -EOPNOTSUPP || res[i] == -EINVAL) {
            /* This kernel's TUN cannot be read without blocking through the
             * ring: the readv loop takes over once this round's packets are placed. */
            tio_uring_disable(-res[i]);
          } else {
            failed = res[i];
          }
          continue;
        }
        off = place(rx, hdrs, meta, n, base + i, off, slots + (size_t)i * MAX_PACKET, res[i], &small);
        n++;
      }
      if (failed) {
        if (n == 0) return tio_neg_errno(env, -failed);
        empty = 0;
        goto done;
      }
      /* A ring turned off in this round (above) makes the next round return < 0. */
    }
  }
  while (!empty && n < max && off <= rxlen && rxlen - off >= MAX_PACKET) {
    ssize_t r;
    if (hdrs) {
      struct iovec iov[2] = {{hdrs + (size_t)n * VNET_HDR_LEN, VNET_HDR_LEN}, {rx + off, rxlen - off}};
      do r = readv(fd, iov, 2); while (r < 0 && errno == EINTR);
    } else {
      do r = read(fd, rx + off, rxlen - off); while (r < 0 && errno == EINTR);
    }
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        empty = 1;
        break;
      }
      if (n > 0) break;
      return tio_neg_errno(env, errno);
    }
    if (r == 0) break;
    off = place(rx, hdrs, meta, n, n, off, rx + off, r, &small);
    n++;
  }
done:
  if (state) {
    state[0] = empty;
    if (slen >= 3) {
      state[1] = small ? n : 0;
      state[2] = issued;
    }
  }
  return tio_int(env, n);
}

static ssize_t writev_all(int fd, struct iovec *iov, int cnt) {
  ssize_t r;
  do r = writev(fd, iov, cnt); while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

/* Sends iov[0..cnt) (total bytes) to fd as one packet, the one place the
 * write strategy is applied. Without `scratch`: one writev. With it (the
 * `copy` strategy): the pieces are gathered into scratch and sent with one
 * write(), so the kernel never sees an iovec array (Linux before 5.4 can use
 * freed memory on a TUN writev carrying a GSO virtio header; observed on
 * 4.19). Every TUN write of the queue goes through here. */
static napi_value send_packet(napi_env env, int32_t fd, struct iovec *iov, int cnt, size_t total, uint8_t *scratch,
                              size_t slen) {
  if (!scratch) return tio_int(env, writev_all(fd, iov, cnt));
  TIO_CHECK(env, total <= slen, "copy scratch too small");
  size_t at = 0;
  for (int i = 0; i < cnt; i++) {
    memcpy(scratch + at, iov[i].iov_base, iov[i].iov_len);
    at += iov[i].iov_len;
  }
  ssize_t r;
  do r = write(fd, scratch, total); while (r < 0 && errno == EINTR);
  return tio_int(env, r < 0 ? -errno : r);
}

/* writePacket(fd, hdr|null, buf, off, len, copy|null) -> bytes | -errno.
 * `copy`: a scratch buffer selecting the single-write strategy (send_packet). */
static napi_value write_packet(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd, off, len;
  uint8_t *hdr = NULL, *buf, *scratch = NULL;
  size_t hlen = 0, blen, slen = 0;
  TIO_CHECK(env, tio_args(env, info, 6, argv) && tio_get_i32(env, argv[0], &fd) &&
                     (tio_is_nullish(env, argv[1]) || tio_get_bytes(env, argv[1], &hdr, &hlen)) &&
                     tio_get_bytes(env, argv[2], &buf, &blen) && tio_get_i32(env, argv[3], &off) &&
                     tio_get_i32(env, argv[4], &len) &&
                     (tio_is_nullish(env, argv[5]) || tio_get_bytes(env, argv[5], &scratch, &slen)),
            "writePacket(fd, hdr, buf, off, len, copy)");
  TIO_CHECK(env, off >= 0 && len >= 0 && (size_t)off + (size_t)len <= blen, "writePacket: range outside buffer");
  TIO_CHECK(env, !hdr || hlen >= VNET_HDR_LEN, "writePacket: header shorter than 10 bytes");
  struct iovec iov[2];
  int cnt = 0;
  if (hdr) iov[cnt++] = (struct iovec){hdr, VNET_HDR_LEN};
  iov[cnt++] = (struct iovec){buf + off, (size_t)len};
  return send_packet(env, fd, iov, cnt, (hdr ? VNET_HDR_LEN : 0) + (size_t)len, scratch, slen);
}

/* writeParts(fd, hdr|null, parts[], nparts, copy|null) -> bytes | -errno.
 * `copy` as for writePacket. Geometry is validated in TypeScript before this call.
 * Reading an array element can run JS (a getter, or one on the prototype
 * for a hole) that detaches or shrinks any buffer of the call, so every
 * element is read first and only then are data pointers taken, with no JS
 * able to run between that and the syscall. */
static napi_value write_parts(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t fd, nparts;
  uint8_t *hdr = NULL, *scratch = NULL;
  size_t hlen = 0, slen = 0;
  bool is_arr = false;
  TIO_CHECK(env, tio_args(env, info, 5, argv) && tio_get_i32(env, argv[0], &fd) &&
                     napi_is_array(env, argv[2], &is_arr) == napi_ok && is_arr && tio_get_i32(env, argv[3], &nparts),
            "writeParts(fd, hdr, parts, nparts, copy)");
  TIO_CHECK(env, nparts >= 0 && nparts <= MAX_PARTS, "writeParts: too many parts");
  napi_value els[MAX_PARTS];
  for (int32_t i = 0; i < nparts; i++) {
    if (napi_get_element(env, argv[2], (uint32_t)i, &els[i]) != napi_ok) return NULL; /* a getter threw */
  }
  TIO_CHECK(env, (tio_is_nullish(env, argv[1]) || tio_get_bytes(env, argv[1], &hdr, &hlen)) &&
                     (tio_is_nullish(env, argv[4]) || tio_get_bytes(env, argv[4], &scratch, &slen)),
            "writeParts(fd, hdr, parts, nparts, copy)");
  TIO_CHECK(env, !hdr || hlen >= VNET_HDR_LEN, "writeParts: header shorter than 10 bytes");
  struct iovec iov[MAX_PARTS + 1];
  int cnt = 0;
  size_t total = 0;
  if (hdr) {
    iov[cnt++] = (struct iovec){hdr, VNET_HDR_LEN};
    total += VNET_HDR_LEN;
  }
  for (int32_t i = 0; i < nparts; i++) {
    uint8_t *p;
    size_t plen;
    TIO_CHECK(env, tio_get_bytes(env, els[i], &p, &plen), "writeParts: every part must be a Uint8Array");
    iov[cnt++] = (struct iovec){p, plen};
    total += plen;
  }
  return send_packet(env, fd, iov, cnt, total, scratch, slen);
}

/* uringStatus() -> 1 when this thread's reads can go through io_uring, else
 * -errno of why not (made on first use, as readBatch would). */
static napi_value uring_status(napi_env env, napi_callback_info info) {
  (void)info;
  return tio_int(env, tio_uring_status(env));
}

void tio_register_io(napi_env env, napi_value exports) {
  tio_export(env, exports, "readBatch", read_batch);
  tio_export(env, exports, "uringStatus", uring_status);
  tio_export(env, exports, "writePacket", write_packet);
  tio_export(env, exports, "writeParts", write_parts);
}
