/*
 * Minimal C reference tunnel: the yardstick for tio's per-packet latency in
 * bench/latency.ts. Same design as a tio node in its plainest form: one
 * process per end, one TUN device and one UDP socket, each packet read from
 * the TUN sealed with AES-256-GCM (OpenSSL EVP, as tio's cipher) and sent as
 * one datagram; each datagram opened and written to the TUN at once, in the
 * same wakeup. No handshake (a pre-shared key), no offloads, no replay
 * window: it measures the cost of the path, not a protocol.
 *
 * Wire format: 8-byte big-endian counter, ciphertext, 16-byte tag. The
 * 12-byte nonce is the sender's 4-byte id (0 or 1, so the two directions
 * never share a nonce under the one key) followed by the counter.
 *
 * Usage: tunnel-ref --tun IF --id 0|1 --local ADDR --peer ADDR --port N --key HEX64
 * Prints "ready\n" once the TUN device exists (the caller gives it an
 * address, MTU and link up). Runs until SIGTERM/SIGINT or its parent dies.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDR_LEN 8
#define TAG_LEN 16
#define BUF_LEN 65536
/* Packets moved per fd per wakeup, so one busy direction cannot starve the other. */
#define BURST 64

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
	(void)sig;
	stop = 1;
}

static void die(const char *what) {
	fprintf(stderr, "tunnel-ref: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void) {
	fprintf(stderr, "usage: tunnel-ref --tun IF --id 0|1 --local ADDR --peer ADDR --port N --key HEX64\n");
	exit(2);
}

static int open_tun(const char *ifname) {
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) die("open /dev/net/tun");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (strlen(ifname) >= IFNAMSIZ) usage();
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
	return fd;
}

static int open_udp(const char *local, const char *peer, int port) {
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) die("socket");
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, local, &a.sin_addr) != 1) usage();
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
	struct sockaddr_in p = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, peer, &p.sin_addr) != 1) usage();
	if (connect(fd, (struct sockaddr *)&p, sizeof p) < 0) die("connect");
	return fd;
}

static void parse_key(const char *hex, unsigned char key[32]) {
	if (strlen(hex) != 64) usage();
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1) usage();
		key[i] = (unsigned char)v;
	}
}

static void make_nonce(unsigned char nonce[12], uint32_t id, const unsigned char counter[HDR_LEN]) {
	nonce[0] = (unsigned char)(id >> 24);
	nonce[1] = (unsigned char)(id >> 16);
	nonce[2] = (unsigned char)(id >> 8);
	nonce[3] = (unsigned char)id;
	memcpy(nonce + 4, counter, HDR_LEN);
}

/* Seals plain[0..n) into out (header, ciphertext, tag); returns the datagram length. */
static int seal(EVP_CIPHER_CTX *ctx, uint32_t id, uint64_t counter, const unsigned char *plain, int n, unsigned char *out) {
	for (int i = 0; i < HDR_LEN; i++) out[i] = (unsigned char)(counter >> (56 - 8 * i));
	unsigned char nonce[12];
	make_nonce(nonce, id, out);
	int len = 0, fin = 0;
	if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1) return -1;
	if (EVP_EncryptUpdate(ctx, out + HDR_LEN, &len, plain, n) != 1) return -1;
	if (EVP_EncryptFinal_ex(ctx, out + HDR_LEN + len, &fin) != 1) return -1;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + HDR_LEN + n) != 1) return -1;
	return HDR_LEN + n + TAG_LEN;
}

/* Opens datagram in[0..n) into out; returns the plaintext length, or -1 when it does not authenticate. */
static int open_dgram(EVP_CIPHER_CTX *ctx, uint32_t peer_id, unsigned char *in, int n, unsigned char *out) {
	if (n < HDR_LEN + TAG_LEN) return -1;
	int clen = n - HDR_LEN - TAG_LEN;
	unsigned char nonce[12];
	make_nonce(nonce, peer_id, in);
	int len = 0, fin = 0;
	if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1) return -1;
	if (EVP_DecryptUpdate(ctx, out, &len, in + HDR_LEN, clen) != 1) return -1;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, in + HDR_LEN + clen) != 1) return -1;
	if (EVP_DecryptFinal_ex(ctx, out + len, &fin) != 1) return -1;
	return clen;
}

static EVP_CIPHER_CTX *cipher(const unsigned char key[32], int enc) {
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx) die("EVP_CIPHER_CTX_new");
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, NULL, enc) != 1) die("EVP_CipherInit_ex");
	return ctx;
}

int main(int argc, char **argv) {
	const char *tun = NULL, *local = NULL, *peer = NULL, *hexkey = NULL;
	int id = -1, port = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--tun")) tun = argv[i + 1];
		else if (!strcmp(argv[i], "--id")) id = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--local")) local = argv[i + 1];
		else if (!strcmp(argv[i], "--peer")) peer = argv[i + 1];
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--key")) hexkey = argv[i + 1];
		else usage();
	}
	if (!tun || !local || !peer || !hexkey || (id != 0 && id != 1) || port <= 0 || port > 65535) usage();
	unsigned char key[32];
	parse_key(hexkey, key);

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int tfd = open_tun(tun);
	int ufd = open_udp(local, peer, port);
	EVP_CIPHER_CTX *enc = cipher(key, 1);
	EVP_CIPHER_CTX *dec = cipher(key, 0);
	uint32_t my_id = (uint32_t)id, peer_id = (uint32_t)(1 - id);
	uint64_t counter = 0;
	static unsigned char in[BUF_LEN], out[BUF_LEN + HDR_LEN + TAG_LEN];
	printf("ready\n");
	fflush(stdout);

	struct pollfd pfd[2] = {{.fd = tfd, .events = POLLIN}, {.fd = ufd, .events = POLLIN}};
	while (!stop) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR) continue;
			die("poll");
		}
		if (pfd[0].revents & POLLIN) {
			for (int i = 0; i < BURST; i++) {
				ssize_t n = read(tfd, in, BUF_LEN);
				if (n <= 0) break;
				int m = seal(enc, my_id, ++counter, in, (int)n, out);
				if (m > 0) (void)send(ufd, out, (size_t)m, 0);
			}
		}
		/* POLLERR here is a pending ICMP error (the peer not up yet): recv clears it. */
		if (pfd[1].revents & (POLLIN | POLLERR)) {
			for (int i = 0; i < BURST; i++) {
				ssize_t n = recv(ufd, in, BUF_LEN, 0);
				if (n <= 0) break;
				int m = open_dgram(dec, peer_id, in, (int)n, out);
				if (m > 0) (void)write(tfd, out, (size_t)m);
			}
		}
		if ((pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) || (pfd[1].revents & POLLNVAL)) {
			errno = EIO;
			die("poll error");
		}
	}
	EVP_CIPHER_CTX_free(enc);
	EVP_CIPHER_CTX_free(dec);
	return 0;
}
