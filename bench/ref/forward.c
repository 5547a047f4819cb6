/*
 * Minimal C reference TUN->TUN forwarder: the yardstick the TypeScript
 * forwarder is measured against in bench/forward.ts. It opens one TUN device
 * inside each of two named network namespaces and copies every packet
 * unchanged to the other side. With --offload 1 the virtio_net_hdr is kept on
 * the packet, so TSO/USO superpackets pass through whole (the kernel accepts
 * the header it produced as GSO on write).
 *
 * Usage: forward-ref --ns-a NS --ns-b NS --if-a IF --if-b IF --offload 0|1
 * Prints "ready\n" once both devices exist; the caller configures addresses
 * and links. Runs until SIGTERM/SIGINT (or its parent dies), then prints
 * counters as one JSON line on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Older uapi headers predate USO (Linux 6.2). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

#define VNET_HDR_LEN 10
#define BUF_LEN (65535 + VNET_HDR_LEN)
/* Packets moved per fd per wakeup, so one busy direction cannot starve the other. */
#define BURST 64
/* How long a write may wait for POLLOUT before the packet is dropped. */
#define WRITE_WAIT_MS 1000

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
	(void)sig;
	stop = 1;
}

static void die(const char *what) {
	fprintf(stderr, "forward-ref: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void) {
	fprintf(stderr, "usage: forward-ref --ns-a NS --ns-b NS --if-a IF --if-b IF --offload 0|1\n");
	exit(2);
}

/* Opens a TUN device named ifname inside namespace ns, then returns this
 * thread to the namespace it started in. The fd stays bound to ns. */
static int open_tun_in(const char *ns, const char *ifname, int offload) {
	char path[256];
	int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) die("open own netns");
	snprintf(path, sizeof path, "/var/run/netns/%s", ns);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0) die(path);
	if (setns(target, CLONE_NEWNET) < 0) die("setns to target");
	close(target);

	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) die("open /dev/net/tun");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
	if (strlen(ifname) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		die(ifname);
	}
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
	if (offload) {
		unsigned tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
		/* Kernels without USO reject the whole mask; retry with TSO only. */
		if (ioctl(fd, TUNSETOFFLOAD, tso | TUN_F_USO4 | TUN_F_USO6) < 0 &&
		    ioctl(fd, TUNSETOFFLOAD, tso) < 0)
			die("TUNSETOFFLOAD");
	}

	if (setns(orig, CLONE_NEWNET) < 0) die("setns back");
	close(orig);
	return fd;
}

struct dir_stats {
	unsigned long long packets, bytes, drops;
};

/* Writes one packet to fd, waiting for POLLOUT on EAGAIN. Returns 0 on
 * success, -1 if the packet was dropped. */
static int write_packet(int fd, const unsigned char *buf, size_t len) {
	for (;;) {
		ssize_t n = write(fd, buf, len);
		if (n >= 0) return 0;
		if (errno == EINTR && !stop) continue;
		if (errno != EAGAIN) return -1;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int r = poll(&p, 1, WRITE_WAIT_MS);
		if (r == 0 || (r < 0 && errno != EINTR) || stop) return -1;
	}
}

/* Moves up to BURST packets from in to out. Returns -1 on a fatal read error. */
static int pump(int in, int out, unsigned char *buf, struct dir_stats *st) {
	for (int i = 0; i < BURST; i++) {
		ssize_t n = read(in, buf, BUF_LEN);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) return 0;
			return -1;
		}
		if (write_packet(out, buf, (size_t)n) < 0) {
			st->drops++;
		} else {
			st->packets++;
			st->bytes += (unsigned long long)n;
		}
	}
	return 0;
}

int main(int argc, char **argv) {
	const char *ns_a = NULL, *ns_b = NULL, *if_a = NULL, *if_b = NULL;
	int offload = -1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ns-a")) ns_a = argv[i + 1];
		else if (!strcmp(argv[i], "--ns-b")) ns_b = argv[i + 1];
		else if (!strcmp(argv[i], "--if-a")) if_a = argv[i + 1];
		else if (!strcmp(argv[i], "--if-b")) if_b = argv[i + 1];
		else if (!strcmp(argv[i], "--offload")) offload = atoi(argv[i + 1]);
		else usage();
	}
	if (argc % 2 != 1 || !ns_a || !ns_b || !if_a || !if_b || (offload != 0 && offload != 1)) usage();

	/* Never outlive the harness, even if it is SIGKILLed. */
	pid_t parent = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent) return 1; /* parent died before prctl took effect */

	/* No SA_RESTART: a signal must interrupt poll() so the loop can exit. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int fd[2] = { open_tun_in(ns_a, if_a, offload), open_tun_in(ns_b, if_b, offload) };
	unsigned char *buf = malloc(BUF_LEN);
	if (!buf) die("malloc");
	printf("ready\n");
	fflush(stdout);

	struct dir_stats st[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	int status = 0;
	while (!stop) {
		struct pollfd p[2] = { { .fd = fd[0], .events = POLLIN }, { .fd = fd[1], .events = POLLIN } };
		int r = poll(p, 2, 1000);
		if (r < 0) {
			if (errno == EINTR) continue;
			die("poll");
		}
		for (int i = 0; i < 2 && !stop; i++) {
			if (p[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
				fprintf(stderr, "forward-ref: device %d went away\n", i);
				stop = 1;
				status = 1;
			} else if ((p[i].revents & POLLIN) && pump(fd[i], fd[1 - i], buf, &st[i]) < 0) {
				fprintf(stderr, "forward-ref: read from device %d: %s\n", i, strerror(errno));
				stop = 1;
				status = 1;
			}
		}
	}

	fprintf(stderr,
	        "{\"a_to_b\":{\"packets\":%llu,\"bytes\":%llu,\"drops\":%llu},"
	        "\"b_to_a\":{\"packets\":%llu,\"bytes\":%llu,\"drops\":%llu}}\n",
	        st[0].packets, st[0].bytes, st[0].drops, st[1].packets, st[1].bytes, st[1].drops);
	close(fd[0]);
	close(fd[1]);
	free(buf);
	return status;
}
