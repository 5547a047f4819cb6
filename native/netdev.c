/* Interface configuration without shelling out: MTU and link state through
 * SIOCSIF* ioctls, addresses through an rtnetlink RTM_NEWADDR request (ioctl
 * cannot add more than one IPv4 address or skip IPv6 duplicate detection),
 * routes through the device with RTM_NEWROUTE / RTM_DELROUTE (ioctl SIOCADDRT
 * has no IPv6 form and cannot set a route's MTU). */
#define _GNU_SOURCE
#include "tio.h"
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Misuse message of every entry point taking an interface name. */
#define IFNAME_RULE "name: a string shorter than 16 bytes (IFNAMSIZ) with no NUL"

/* ifr_name is IFNAMSIZ bytes including the NUL the kernel needs. */
static int ifreq_for(napi_env env, napi_value v, struct ifreq *ifr) {
  char name[IFNAMSIZ];
  if (!tio_get_string(env, v, name, sizeof name)) return 0;
  memset(ifr, 0, sizeof *ifr);
  memcpy(ifr->ifr_name, name, strlen(name));
  return 1;
}

static int ctl_socket(void) { return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); }

static napi_value if_set_mtu(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct ifreq ifr;
  int32_t mtu;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && ifreq_for(env, argv[0], &ifr) && tio_get_i32(env, argv[1], &mtu),
            "ifSetMtu(name, mtu); " IFNAME_RULE);
  int s = ctl_socket();
  if (s < 0) return tio_neg_errno(env, errno);
  ifr.ifr_mtu = mtu;
  int r = ioctl(s, SIOCSIFMTU, &ifr);
  int e = errno;
  close(s);
  return r < 0 ? tio_neg_errno(env, e) : tio_int(env, 0);
}

/* ifSetTxQueueLen(name, len) -> 0 or -errno: the device's transmit queue length (SIOCSIFTXQLEN). */
static napi_value if_set_txqlen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct ifreq ifr;
  int32_t len;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && ifreq_for(env, argv[0], &ifr) && tio_get_i32(env, argv[1], &len),
            "ifSetTxQueueLen(name, len); " IFNAME_RULE);
  TIO_CHECK(env, len >= 0, "ifSetTxQueueLen: len >= 0");
  int s = ctl_socket();
  if (s < 0) return tio_neg_errno(env, errno);
  ifr.ifr_qlen = len;
  int r = ioctl(s, SIOCSIFTXQLEN, &ifr);
  int e = errno;
  close(s);
  return r < 0 ? tio_neg_errno(env, e) : tio_int(env, 0);
}

static napi_value if_set_up(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct ifreq ifr;
  bool up = true;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && ifreq_for(env, argv[0], &ifr) &&
                     napi_get_value_bool(env, argv[1], &up) == napi_ok,
            "ifSetUp(name, up); " IFNAME_RULE);
  int s = ctl_socket();
  if (s < 0) return tio_neg_errno(env, errno);
  int r = ioctl(s, SIOCGIFFLAGS, &ifr);
  if (r == 0) {
    if (up) ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    else ifr.ifr_flags &= ~IFF_UP;
    r = ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  int e = errno;
  close(s);
  return r < 0 ? tio_neg_errno(env, e) : tio_int(env, 0);
}

static napi_value if_index(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct ifreq ifr;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && ifreq_for(env, argv[0], &ifr), "ifIndex(name); " IFNAME_RULE);
  unsigned idx = if_nametoindex(ifr.ifr_name);
  return idx == 0 ? tio_neg_errno(env, errno) : tio_int(env, idx);
}

/* `msg` is the whole request buffer (header first), so writes stay inside it. */
static void add_attr(char *msg, int type, const void *data, int len) {
  struct nlmsghdr *n = (struct nlmsghdr *)msg;
  struct rtattr *rta = (struct rtattr *)(msg + NLMSG_ALIGN(n->nlmsg_len));
  rta->rta_type = type;
  rta->rta_len = RTA_LENGTH(len);
  memcpy(RTA_DATA(rta), data, len);
  n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* How long to wait for the kernel's ack. rtnetlink handles the request
 * inside sendto and queues the ack before it returns, so this only bounds a
 * lost or never-coming ack; a few seconds, like iproute2's interactive wait. */
#define NETLINK_ACK_TIMEOUT_S 5

static int64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends one request and waits for the kernel's NLMSG_ERROR ack carrying the
 * request's seq: 0 when the kernel acked success, its -errno when it
 * refused, -ETIMEDOUT when no ack came in time, -EPROTO for a malformed ack,
 * or -errno of a failed socket call. Anything else received is skipped;
 * nothing but that ack counts as success. */
static int netlink_request(struct nlmsghdr *req) {
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) return -errno;
  struct timeval tv = {.tv_sec = NETLINK_ACK_TIMEOUT_S};
  int r;
  if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
    r = -errno;
    close(s);
    return r;
  }
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t sent;
  do sent = sendto(s, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel); while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    r = -errno;
    close(s);
    return r;
  }
  const int64_t deadline = monotonic_ms() + NETLINK_ACK_TIMEOUT_S * 1000;
  _Alignas(struct nlmsghdr) char buf[8192];
  r = -ETIMEDOUT;
  for (;;) {
    struct sockaddr_nl from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
    if (n < 0 && errno != EINTR) {
      /* SO_RCVTIMEO expired. */
      r = (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
      break;
    }
    /* Only the kernel (port 0) speaks for the kernel. */
    if (n > 0 && fromlen >= sizeof from && from.nl_pid == 0) {
      int done = 0;
      size_t left = (size_t)n;
      for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
        if (h->nlmsg_seq != req->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR) continue;
        const struct nlmsgerr *err = NLMSG_DATA(h);
        /* error is 0 (ack) or a negative errno; anything else is not an ack. */
        r = h->nlmsg_len < NLMSG_LENGTH(sizeof *err) || err->error > 0 ? -EPROTO : err->error;
        done = 1;
        break;
      }
      if (done) break;
    }
    if (monotonic_ms() >= deadline) break; /* r is still -ETIMEDOUT */
  }
  close(s);
  return r;
}

/* ifAddrChange(name, add, family 4|6, address bytes, prefixLen) -> 0 | -errno */
static napi_value if_addr_change(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  struct ifreq ifr;
  bool add = true;
  int32_t family, prefix;
  uint8_t *addr;
  size_t alen;
  TIO_CHECK(env, tio_args(env, info, 5, argv) && ifreq_for(env, argv[0], &ifr) &&
                     napi_get_value_bool(env, argv[1], &add) == napi_ok && tio_get_i32(env, argv[2], &family) &&
                     tio_get_bytes(env, argv[3], &addr, &alen) && tio_get_i32(env, argv[4], &prefix),
            "ifAddrChange(name, add, family, bytes, prefixLen); " IFNAME_RULE);
  TIO_CHECK(env, (family == 4 && alen == 4) || (family == 6 && alen == 16), "ifAddrChange: address length");
  unsigned idx = if_nametoindex(ifr.ifr_name);
  if (idx == 0) return tio_neg_errno(env, errno);
  _Alignas(struct nlmsghdr) char req[512];
  memset(req, 0, sizeof req);
  struct nlmsghdr *n = (struct nlmsghdr *)req;
  struct ifaddrmsg *ifa = NLMSG_DATA(n);
  n->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
  n->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
  n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  n->nlmsg_seq = 1; /* the socket is fresh: only this request can be acked on it */
  ifa->ifa_family = family == 4 ? AF_INET : AF_INET6;
  ifa->ifa_prefixlen = (unsigned char)prefix;
  ifa->ifa_index = idx;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  add_attr(req, IFA_LOCAL, addr, (int)alen);
  add_attr(req, IFA_ADDRESS, addr, (int)alen);
  if (family == 6) {
    /* A TUN link has no neighbours to collide with; DAD only delays use. */
    uint32_t flags = IFA_F_NODAD;
    add_attr(req, IFA_FLAGS, &flags, sizeof flags);
  }
  return tio_int(env, netlink_request(n));
}

/* Operations of ifRouteChange. */
#define ROUTE_ADD 0     /* create; EEXIST if the same route (dst, metric) exists */
#define ROUTE_REPLACE 1 /* create or replace the route with the same dst and metric */
#define ROUTE_DELETE 2

/* ifRouteChange(name, op, family 4|6, dst bytes, prefixLen, src bytes|null, mtu, advmss, metric, kernelProto)
 * -> 0 | -errno. A unicast route in the main table through the device, scope
 * link (no gateway: the device is point to point). mtu, advmss and metric are
 * left out when 0, so the route follows the device MTU and gets the kernel's
 * default priority. kernelProto marks it RTPROT_KERNEL (replacing the prefix
 * route the kernel made for an address), else RTPROT_BOOT as `ip route` does. */
static napi_value if_route_change(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  struct ifreq ifr;
  int32_t op, family, prefix, mtu, advmss;
  uint32_t metric;
  bool kernel_proto = false, has_src = false;
  uint8_t *dst, *src = NULL;
  size_t dlen, slen = 0;
  napi_valuetype src_type = napi_null;
  TIO_CHECK(env, tio_args(env, info, 10, argv) && ifreq_for(env, argv[0], &ifr) && tio_get_i32(env, argv[1], &op) &&
                     tio_get_i32(env, argv[2], &family) && tio_get_bytes(env, argv[3], &dst, &dlen) &&
                     tio_get_i32(env, argv[4], &prefix) && napi_typeof(env, argv[5], &src_type) == napi_ok &&
                     tio_get_i32(env, argv[6], &mtu) && tio_get_i32(env, argv[7], &advmss) &&
                     napi_get_value_uint32(env, argv[8], &metric) == napi_ok &&
                     napi_get_value_bool(env, argv[9], &kernel_proto) == napi_ok,
            "ifRouteChange(name, op, family, dst, prefixLen, src|null, mtu, advmss, metric, kernelProto); " IFNAME_RULE);
  if (src_type != napi_null) {
    TIO_CHECK(env, tio_get_bytes(env, argv[5], &src, &slen), "ifRouteChange: src must be bytes or null");
    has_src = true;
  }
  const size_t alen = family == 4 ? 4 : 16;
  TIO_CHECK(env, (family == 4 || family == 6) && dlen == alen && (!has_src || slen == alen) && prefix >= 0 &&
                     prefix <= (int32_t)alen * 8 && op >= ROUTE_ADD && op <= ROUTE_DELETE && mtu >= 0 && advmss >= 0,
            "ifRouteChange: family 4|6, address lengths, prefix length, op, mtu >= 0, advmss >= 0");
  unsigned idx = if_nametoindex(ifr.ifr_name);
  if (idx == 0) return tio_neg_errno(env, errno);
  _Alignas(struct nlmsghdr) char req[512];
  memset(req, 0, sizeof req);
  struct nlmsghdr *n = (struct nlmsghdr *)req;
  struct rtmsg *rtm = NLMSG_DATA(n);
  n->nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
  n->nlmsg_type = op == ROUTE_DELETE ? RTM_DELROUTE : RTM_NEWROUTE;
  n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (op == ROUTE_ADD) n->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
  if (op == ROUTE_REPLACE) n->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
  n->nlmsg_seq = 1; /* the socket is fresh: only this request can be acked on it */
  rtm->rtm_family = family == 4 ? AF_INET : AF_INET6;
  rtm->rtm_dst_len = (unsigned char)prefix;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = kernel_proto ? RTPROT_KERNEL : RTPROT_BOOT;
  rtm->rtm_scope = op == ROUTE_DELETE ? RT_SCOPE_NOWHERE : RT_SCOPE_LINK;
  rtm->rtm_type = RTN_UNICAST;
  add_attr(req, RTA_DST, dst, (int)dlen);
  add_attr(req, RTA_OIF, &idx, sizeof idx);
  if (has_src) add_attr(req, RTA_PREFSRC, src, (int)slen);
  if (metric != 0) add_attr(req, RTA_PRIORITY, &metric, sizeof metric);
  if (mtu > 0 || advmss > 0) {
    /* RTA_METRICS nests RTAX_* attributes, each a u32. */
    char nested[64];
    int len = 0;
    uint32_t v;
    if (mtu > 0) {
      struct rtattr *a = (struct rtattr *)(nested + len);
      v = (uint32_t)mtu;
      a->rta_type = RTAX_MTU;
      a->rta_len = RTA_LENGTH(sizeof v);
      memcpy(RTA_DATA(a), &v, sizeof v);
      len += RTA_ALIGN(a->rta_len);
    }
    if (advmss > 0) {
      struct rtattr *a = (struct rtattr *)(nested + len);
      v = (uint32_t)advmss;
      a->rta_type = RTAX_ADVMSS;
      a->rta_len = RTA_LENGTH(sizeof v);
      memcpy(RTA_DATA(a), &v, sizeof v);
      len += RTA_ALIGN(a->rta_len);
    }
    add_attr(req, RTA_METRICS, nested, len);
  }
  return tio_int(env, netlink_request(n));
}

void tio_register_netdev(napi_env env, napi_value exports) {
  tio_export(env, exports, "ifSetMtu", if_set_mtu);
  tio_export(env, exports, "ifSetTxQueueLen", if_set_txqlen);
  tio_export(env, exports, "ifSetUp", if_set_up);
  tio_export(env, exports, "ifIndex", if_index);
  tio_export(env, exports, "ifAddrChange", if_addr_change);
  tio_export(env, exports, "ifRouteChange", if_route_change);
}
