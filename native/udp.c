/* UDP transport of the overlay node: one non-blocking socket per queue or
 * worker, sends with UDP_SEGMENT (one syscall, the kernel cuts the datagrams)
 * and sendmmsg across peers, receives with recvmmsg and UDP_GRO (one message
 * may carry many datagrams of gso_size bytes each, the last may be shorter).
 *
 * Addresses travel as "sockaddr slots": UDP_SLOT_BYTES-byte cells holding the
 * kernel's own struct sockaddr_in / sockaddr_in6 (sa_family in host order,
 * port and address in network order, IPv6 scope id in host order). JS encodes
 * a peer once and C hands the bytes to the kernel without conversion; receive
 * fills one slot per message. The layout is mirrored in
 * src/udp/sockaddr.ts.
 *
 * Exported (negative numbers are -errno; only misuse throws a TypeError):
 *   udpOpen(family 4|6, addr Uint8Array(4|16), port, reusePort bool, bufBytes)
 *       -> {fd, port, errno, stage, rcvBuf, sndBuf}
 *   udpEnableGro(fd) -> 0 | -errno
 *   udpProbeGso(fd) -> 0 | -errno           (kernel knows UDP_SEGMENT)
 *   udpSendSegments(fd, addr slot, buf, off, len, segSize) -> bytes | -errno
 *   udpSendBatch(fd, buf, meta Int32Array, addrs, first, count) -> sent | -errno
 *   udpRecvBatch(fd, buf, slotBytes, max, meta Int32Array, addrs) -> n | -errno
 */
#define _GNU_SOURCE
#include "tio.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* include/uapi/linux/udp.h; older libcs lack them. SOL_UDP is IPPROTO_UDP (17). */
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
/* include/uapi/asm-generic/socket.h */
#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

/* Bytes per address slot: sizeof(struct sockaddr_in6) is 28, rounded up to
 * keep every slot 4-byte aligned within its table. */
#define UDP_SLOT_BYTES 32
/* Messages per sendmmsg call; the caller loops over longer batches. */
#define UDP_SEND_MAX 128
/* Messages per recvmmsg call (64 x 64 KiB slots is a 4 MiB receive buffer). */
#define UDP_RECV_MAX 64
/* Int32 fields per message in udpSendBatch meta: off, len, segSize, addrSlot. */
#define SEND_META 4
/* Int32 fields per message in udpRecvBatch meta: off, len, gsoSize, flags, drops. */
#define RECV_META 5

/* udpOpen failure stages, reported so JS can say which step failed. */
enum { STAGE_SOCKET = 1, STAGE_REUSEPORT = 2, STAGE_BIND = 3, STAGE_NAME = 4, STAGE_V6ONLY = 5 };

/* Control space for one UDP_SEGMENT cmsg (a u16 gso_size). */
typedef union {
  char buf[CMSG_SPACE(sizeof(uint16_t))];
  struct cmsghdr align;
} seg_ctrl;

/* Control space for the receive cmsgs: UDP_GRO (int) and SO_RXQ_OVFL (u32). */
typedef union {
  char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(uint32_t)) + 32];
  struct cmsghdr align;
} recv_ctrl;

/* Length the kernel expects for the sockaddr in a slot, or 0 for an unknown family. */
static socklen_t slot_len(const uint8_t *slot) {
  sa_family_t fam;
  memcpy(&fam, slot, sizeof fam);
  if (fam == AF_INET) return sizeof(struct sockaddr_in);
  if (fam == AF_INET6) return sizeof(struct sockaddr_in6);
  return 0;
}

static void set_obj_i32(napi_env env, napi_value obj, const char *key, int64_t v) {
  napi_set_named_property(env, obj, key, tio_int(env, v));
}

/* Root may exceed net.core.[rw]mem_max with the *FORCE options; others get the capped plain one. */
static void set_buf(int fd, int force_opt, int opt, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) == 0) return;
  setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

static int get_int_opt(int fd, int level, int opt) {
  int v = 0;
  socklen_t l = sizeof v;
  return getsockopt(fd, level, opt, &v, &l) == 0 ? v : -errno;
}

static napi_value open_result(napi_env env, int fd, int port, int err, int stage, int rcv, int snd) {
  napi_value out;
  napi_create_object(env, &out);
  set_obj_i32(env, out, "fd", fd);
  set_obj_i32(env, out, "port", port);
  set_obj_i32(env, out, "errno", err);
  set_obj_i32(env, out, "stage", stage);
  set_obj_i32(env, out, "rcvBuf", rcv);
  set_obj_i32(env, out, "sndBuf", snd);
  return out;
}

/* udpOpen(family, addr, port, reusePort, rcvBytes, sndBytes, dualStack) -> {fd, port, errno, stage, rcvBuf, sndBuf}.
 * Non-blocking and close-on-exec. An IPv6 socket is IPv6-only unless dualStack
 * asks for IPV6_V6ONLY 0: then IPv4 peers appear as v4-mapped addresses
 * (::ffff:a.b.c.d), which the TypeScript side maps both ways. rcvBytes/sndBytes 0 keep the
 * kernel's default buffer sizes; rcvBuf/sndBuf report what the kernel granted
 * (it doubles the request for bookkeeping). SO_RXQ_OVFL is asked for so
 * receives can report the socket's drop count; refusing it is harmless. */
static napi_value udp_open(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  int32_t family, port, rcv_bytes, snd_bytes;
  uint8_t *addr;
  size_t alen;
  bool reuse, dual;
  TIO_CHECK(env, tio_args(env, info, 7, argv) && tio_get_i32(env, argv[0], &family) &&
                     tio_get_bytes(env, argv[1], &addr, &alen) && tio_get_i32(env, argv[2], &port) &&
                     napi_get_value_bool(env, argv[3], &reuse) == napi_ok && tio_get_i32(env, argv[4], &rcv_bytes) &&
                     tio_get_i32(env, argv[5], &snd_bytes) && napi_get_value_bool(env, argv[6], &dual) == napi_ok,
            "udpOpen(family, addr, port, reusePort, rcvBytes, sndBytes, dualStack)");
  TIO_CHECK(env, !dual || family == 6, "udpOpen: dualStack needs family 6");
  TIO_CHECK(env, (family == 4 && alen == 4) || (family == 6 && alen == 16), "udpOpen: family 4 needs 4 address bytes, 6 needs 16");
  TIO_CHECK(env, port >= 0 && port <= 65535 && rcv_bytes >= 0 && snd_bytes >= 0, "udpOpen: port 0..65535, rcvBytes and sndBytes >= 0");

  int af = family == 4 ? AF_INET : AF_INET6;
  int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) return open_result(env, -1, 0, errno, STAGE_SOCKET, 0, 0);
  int one = 1;
  int v6only = dual ? 0 : 1;
  if (af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) < 0 && dual) {
    /* A dual-stack socket that stayed IPv6-only would fail every IPv4 send later; refuse it now. */
    int e = errno;
    close(fd);
    return open_result(env, -1, 0, e, STAGE_V6ONLY, 0, 0);
  }
  if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    int e = errno;
    close(fd);
    return open_result(env, -1, 0, e, STAGE_REUSEPORT, 0, 0);
  }
  if (rcv_bytes > 0) set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, rcv_bytes);
  if (snd_bytes > 0) set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, snd_bytes);
  setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);

  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t sl;
  if (af == AF_INET) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    memcpy(&s4->sin_addr, addr, 4);
    sl = sizeof *s4;
  } else {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    memcpy(&s6->sin6_addr, addr, 16);
    sl = sizeof *s6;
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
    int e = errno;
    close(fd);
    return open_result(env, -1, 0, e, STAGE_BIND, 0, 0);
  }
  sl = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
    int e = errno;
    close(fd);
    return open_result(env, -1, 0, e, STAGE_NAME, 0, 0);
  }
  int bound = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
  return open_result(env, fd, bound, 0, 0, get_int_opt(fd, SOL_SOCKET, SO_RCVBUF),
                     get_int_opt(fd, SOL_SOCKET, SO_SNDBUF));
}

/* udpEnableGro(fd) -> 0 | -errno (ENOPROTOOPT before Linux 5.0: receive stays per datagram). */
static napi_value udp_enable_gro(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd), "udpEnableGro(fd)");
  int one = 1;
  return tio_int(env, setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) < 0 ? -errno : 0);
}

/* udpProbeGso(fd) -> 0 | -errno. Kernels without UDP GSO (< 4.18) do not know
 * the option and, worse, silently ignore a UDP_SEGMENT cmsg, sending one huge
 * datagram; so GSO is used only where this getsockopt succeeds. */
static napi_value udp_probe_gso(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd), "udpProbeGso(fd)");
  int r = get_int_opt(fd, SOL_UDP, UDP_SEGMENT);
  return tio_int(env, r < 0 ? r : 0);
}

/* Fills msg for one datagram (or one GSO run when seg > 0) to the sockaddr in slot. */
static void fill_msg(struct msghdr *m, struct iovec *iov, seg_ctrl *ctrl, uint8_t *slot, socklen_t slen,
                     uint8_t *data, size_t len, int32_t seg) {
  iov->iov_base = data;
  iov->iov_len = len;
  memset(m, 0, sizeof *m);
  m->msg_name = slot;
  m->msg_namelen = slen;
  m->msg_iov = iov;
  m->msg_iovlen = 1;
  if (seg > 0) {
    m->msg_control = ctrl->buf;
    m->msg_controllen = sizeof ctrl->buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(m);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t gso = (uint16_t)seg;
    memcpy(CMSG_DATA(c), &gso, sizeof gso);
  }
}

/* udpSendSegments(fd, addr, buf, off, len, segSize) -> bytes | -errno.
 * One sendmsg. segSize > 0 attaches UDP_SEGMENT so the kernel sends
 * buf[off, off+len) as datagrams of segSize bytes (the last may be shorter);
 * segSize 0 sends one plain datagram. The kernel refuses GSO with EIO (IPsec
 * on the route; on older kernels also a device without checksum offload),
 * EMSGSIZE (segment larger than the route MTU; EINVAL on older kernels) or
 * EINVAL (too many segments): the caller falls back to plain sends. */
static napi_value udp_send_segments(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd, off, len, seg;
  uint8_t *slot, *buf;
  size_t slotlen, blen;
  TIO_CHECK(env, tio_args(env, info, 6, argv) && tio_get_i32(env, argv[0], &fd) &&
                     tio_get_bytes(env, argv[1], &slot, &slotlen) && tio_get_bytes(env, argv[2], &buf, &blen) &&
                     tio_get_i32(env, argv[3], &off) && tio_get_i32(env, argv[4], &len) && tio_get_i32(env, argv[5], &seg),
            "udpSendSegments(fd, addr, buf, off, len, segSize)");
  TIO_CHECK(env, off >= 0 && len >= 0 && (size_t)off + (size_t)len <= blen, "udpSendSegments: range outside buffer");
  TIO_CHECK(env, seg >= 0 && seg <= 0xffff, "udpSendSegments: segSize 0..65535");
  socklen_t sl = slotlen >= sizeof(sa_family_t) ? slot_len(slot) : 0;
  if (sl == 0 || slotlen < sl) return tio_neg_errno(env, EAFNOSUPPORT);
  struct msghdr m;
  struct iovec iov;
  seg_ctrl ctrl;
  fill_msg(&m, &iov, &ctrl, slot, sl, buf + off, (size_t)len, seg);
  ssize_t r;
  do r = sendmsg(fd, &m, 0); while (r < 0 && errno == EINTR);
  return tio_int(env, r < 0 ? -errno : r);
}

/* udpSendBatch(fd, buf, meta, addrs, first, count) -> messages sent | -errno.
 * Message i (first <= i < first+count) is meta[4i..4i+3] = off, len, segSize
 * (0: one plain datagram), addrSlot (index into the addrs slot table). One
 * sendmmsg of at most UDP_SEND_MAX messages. A short count means message
 * first+sent failed (EAGAIN or a refusal the next call reports as -errno); the
 * caller continues from there. */
static napi_value udp_send_batch(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd, first, count, *meta;
  uint8_t *buf, *addrs;
  size_t blen, mlen, alen;
  TIO_CHECK(env, tio_args(env, info, 6, argv) && tio_get_i32(env, argv[0], &fd) &&
                     tio_get_bytes(env, argv[1], &buf, &blen) && tio_get_i32_array(env, argv[2], &meta, &mlen) &&
                     tio_get_bytes(env, argv[3], &addrs, &alen) && tio_get_i32(env, argv[4], &first) &&
                     tio_get_i32(env, argv[5], &count),
            "udpSendBatch(fd, buf, meta, addrs, first, count)");
  TIO_CHECK(env, first >= 0 && count >= 0 && ((size_t)first + (size_t)count) * SEND_META <= mlen,
            "udpSendBatch: messages outside meta");
  if (count > UDP_SEND_MAX) count = UDP_SEND_MAX;
  if (count == 0) return tio_int(env, 0);
  struct mmsghdr msgs[UDP_SEND_MAX];
  struct iovec iov[UDP_SEND_MAX];
  seg_ctrl ctrl[UDP_SEND_MAX];
  size_t slots = alen / UDP_SLOT_BYTES;
  for (int32_t i = 0; i < count; i++) {
    const int32_t *m = meta + (size_t)(first + i) * SEND_META;
    int32_t off = m[0], len = m[1], seg = m[2], a = m[3];
    TIO_CHECK(env, off >= 0 && len >= 0 && (size_t)off + (size_t)len <= blen, "udpSendBatch: range outside buffer");
    TIO_CHECK(env, seg >= 0 && seg <= 0xffff, "udpSendBatch: segSize 0..65535");
    TIO_CHECK(env, a >= 0 && (size_t)a < slots, "udpSendBatch: address slot outside the table");
    uint8_t *slot = addrs + (size_t)a * UDP_SLOT_BYTES;
    socklen_t sl = slot_len(slot);
    /* Nothing before it went out yet: report the bad slot like the kernel would. */
    if (sl == 0) {
      if (i == 0) return tio_neg_errno(env, EAFNOSUPPORT);
      count = i;
      break;
    }
    fill_msg(&msgs[i].msg_hdr, &iov[i], &ctrl[i], slot, sl, buf + off, (size_t)len, seg);
    msgs[i].msg_len = 0;
  }
  int r;
  do r = sendmmsg(fd, msgs, (unsigned)count, 0); while (r < 0 && errno == EINTR);
  return tio_int(env, r < 0 ? -errno : r);
}

/* udpRecvBatch(fd, buf, slotBytes, max, meta, addrs) -> messages | 0 on EAGAIN | -errno.
 * One recvmmsg(MSG_DONTWAIT) of at most min(max, UDP_RECV_MAX, buf/slotBytes,
 * addrs/UDP_SLOT_BYTES) messages. Message i lands at buf[i*slotBytes] with its
 * source in address slot i and meta[5i..5i+4] = off, len, gsoSize (UDP_GRO
 * cmsg; 0 when the message is one datagram), msg_flags (MSG_TRUNC 0x20 means
 * the slot was too small and the tail is lost), drops (SO_RXQ_OVFL: the
 * socket's cumulative kernel drop count when it is non-zero, else -1). */
static napi_value udp_recv_batch(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd, slot_bytes, max, *meta;
  uint8_t *buf, *addrs;
  size_t blen, mlen, alen;
  TIO_CHECK(env, tio_args(env, info, 6, argv) && tio_get_i32(env, argv[0], &fd) &&
                     tio_get_bytes(env, argv[1], &buf, &blen) && tio_get_i32(env, argv[2], &slot_bytes) &&
                     tio_get_i32(env, argv[3], &max) && tio_get_i32_array(env, argv[4], &meta, &mlen) &&
                     tio_get_bytes(env, argv[5], &addrs, &alen),
            "udpRecvBatch(fd, buf, slotBytes, max, meta, addrs)");
  TIO_CHECK(env, slot_bytes > 0 && max >= 0, "udpRecvBatch: slotBytes > 0, max >= 0");
  size_t n = (size_t)max;
  if (n > UDP_RECV_MAX) n = UDP_RECV_MAX;
  if (n > blen / (size_t)slot_bytes) n = blen / (size_t)slot_bytes;
  if (n > mlen / RECV_META) n = mlen / RECV_META;
  if (n > alen / UDP_SLOT_BYTES) n = alen / UDP_SLOT_BYTES;
  if (n == 0) return tio_int(env, 0);
  struct mmsghdr msgs[UDP_RECV_MAX];
  struct iovec iov[UDP_RECV_MAX];
  recv_ctrl ctrl[UDP_RECV_MAX];
  for (size_t i = 0; i < n; i++) {
    iov[i].iov_base = buf + i * (size_t)slot_bytes;
    iov[i].iov_len = (size_t)slot_bytes;
    struct msghdr *m = &msgs[i].msg_hdr;
    memset(m, 0, sizeof *m);
    m->msg_name = addrs + i * UDP_SLOT_BYTES;
    m->msg_namelen = UDP_SLOT_BYTES;
    m->msg_iov = &iov[i];
    m->msg_iovlen = 1;
    m->msg_control = ctrl[i].buf;
    m->msg_controllen = sizeof ctrl[i].buf;
    msgs[i].msg_len = 0;
  }
  int r;
  do r = recvmmsg(fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL); while (r < 0 && errno == EINTR);
  if (r < 0) return tio_int(env, (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno);
  for (int i = 0; i < r; i++) {
    struct msghdr *m = &msgs[i].msg_hdr;
    int32_t *o = meta + (size_t)i * RECV_META;
    int gso = 0;
    int64_t drops = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
      if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
        memcpy(&gso, CMSG_DATA(c), sizeof gso);
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL && c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
        uint32_t d;
        memcpy(&d, CMSG_DATA(c), sizeof d);
        drops = d;
      }
    }
    /* A sender-side segment as large as the whole message is just one datagram. */
    if (gso >= (int)msgs[i].msg_len) gso = 0;
    o[0] = (int32_t)((size_t)i * (size_t)slot_bytes);
    o[1] = (int32_t)msgs[i].msg_len;
    o[2] = gso;
    o[3] = m->msg_flags;
    o[4] = drops > INT32_MAX ? INT32_MAX : (int32_t)drops;
  }
  return tio_int(env, r);
}

void tio_register_udp(napi_env env, napi_value exports) {
  tio_export(env, exports, "udpOpen", udp_open);
  tio_export(env, exports, "udpEnableGro", udp_enable_gro);
  tio_export(env, exports, "udpProbeGso", udp_probe_gso);
  tio_export(env, exports, "udpSendSegments", udp_send_segments);
  tio_export(env, exports, "udpSendBatch", udp_send_batch);
  tio_export(env, exports, "udpRecvBatch", udp_recv_batch);
}
