/* The small-packet flood of bench:latency: a sender and a sink of UDP
 * datagrams, so the measurement's receiving end is never what limits it.
 *
 *   udp-flood send ADDR PORT SECONDS PAYLOAD
 *     one send() per datagram of PAYLOAD bytes to ADDR:PORT, unlimited, for
 *     SECONDS (as iperf3 -u -b 0 sends); prints {"sent":N}
 *   udp-flood sink ADDR PORT SECONDS
 *     binds ADDR:PORT with a 4 MiB receive buffer and reads with recvmmsg,
 *     64 at a time; counts for SECONDS from the first datagram, or gives up
 *     after 10 s without one; prints {"received":N,"seconds":S}
 *
 * iperf3's server reads one datagram per syscall from a default-sized socket
 * buffer: on a 2-vCPU machine it dropped ~50 thousand 64-byte datagrams a
 * second that a tunnel had delivered (docs/LATENCY.md "Where a round
 * trip goes"), so it measured itself rather than the tunnel. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Receive buffer of the sink (SO_RCVBUFFORCE: the bench runs as root). */
#define SINK_RCVBUF (4 << 20)
/* Datagrams per recvmmsg. */
#define BATCH 64
/* Largest datagram the sink keeps whole (the flood's are 64 bytes). */
#define SLOT 2048
/* How long the sink waits for its first datagram, seconds. */
#define FIRST_WAIT_S 10

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what) {
  fprintf(stderr, "udp-flood: %s: %s\n", what, strerror(errno));
  return 1;
}

static int parse_addr(const char *ip, const char *port, struct sockaddr_in *sa) {
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((unsigned short)atoi(port));
  return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

static int do_send(int fd, const struct sockaddr_in *to, double seconds, int payload) {
  static char buf[65507];
  if (payload < 0 || payload > (int)sizeof buf) return fail("payload size");
  if (connect(fd, (const struct sockaddr *)to, sizeof *to) < 0) return fail("connect");
  unsigned long long sent = 0;
  double end = now() + seconds;
  for (unsigned i = 0;; i++) {
    /* The clock is read once per 256 datagrams: a vDSO call each would be a
     * sizeable part of a 64-byte send. */
    if ((i & 255) == 0 && now() >= end) break;
    /* ECONNREFUSED (an ICMP error for an earlier datagram) and ENOBUFS only
     * say a datagram was lost: the flood goes on, as iperf3's does. */
    if (send(fd, buf, (size_t)payload, 0) == payload) sent++;
  }
  printf("{\"sent\":%llu}\n", sent);
  return 0;
}

static int do_sink(int fd, const struct sockaddr_in *at, double seconds) {
  int rcvbuf = SINK_RCVBUF;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) return fail("SO_RCVBUFFORCE");
  struct timeval tv = {0, 100000};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) return fail("SO_RCVTIMEO");
  if (bind(fd, (const struct sockaddr *)at, sizeof *at) < 0) return fail("bind");
  static char bufs[BATCH][SLOT];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i] = (struct iovec){bufs[i], SLOT};
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned long long received = 0;
  double start = 0, give_up = now() + FIRST_WAIT_S, end = 0, last = 0;
  for (;;) {
    double t = now();
    if (start == 0 && t >= give_up) break;
    if (start != 0 && t >= end) break;
    int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return fail("recvmmsg");
    }
    if (start == 0) {
      start = now();
      end = start + seconds;
      continue; /* the window opens after the first batch */
    }
    received += (unsigned long long)n;
    last = now();
  }
  double span = start == 0 ? 0 : (last < end ? last : end) - start;
  printf("{\"received\":%llu,\"seconds\":%.6f}\n", received, span > 0 ? span : 0);
  return 0;
}

int main(int argc, char **argv) {
  int sending = argc == 6 && strcmp(argv[1], "send") == 0;
  int sinking = argc == 5 && strcmp(argv[1], "sink") == 0;
  if (!sending && !sinking) {
    fprintf(stderr, "usage: udp-flood send ADDR PORT SECONDS PAYLOAD | udp-flood sink ADDR PORT SECONDS\n");
    return 2;
  }
  struct sockaddr_in sa;
  if (parse_addr(argv[2], argv[3], &sa) < 0) {
    fprintf(stderr, "udp-flood: bad IPv4 address %s\n", argv[2]);
    return 2;
  }
  double seconds = atof(argv[4]);
  if (!(seconds > 0)) {
    fprintf(stderr, "udp-flood: SECONDS must be positive\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return fail("socket");
  return sending ? do_send(fd, &sa, seconds, atoi(argv[5])) : do_sink(fd, &sa, seconds);
}
