/* TUN reads through io_uring: one io_uring_enter issues a whole round of
 * reads, where the readv loop in io.c pays one syscall per packet. A queue
 * read in rounds only while its batches are full of small packets (io.c
 * decides); each read is non-blocking (RWF_NOWAIT), so a round completes
 * inside the enter call, in submission order, and leaves nothing in flight.
 *
 * One ring per thread (thread-local), made on first use and closed by the
 * environment's cleanup hook, so a worker that exits leaks no ring fd. A
 * kernel or sandbox without io_uring (ENOSYS, EPERM under seccomp, the
 * kernel.io_uring_disabled sysctl), or a TUN fd the ring cannot read without
 * blocking (EOPNOTSUPP, EINVAL), turns the ring off for the thread and the
 * readv loop does all reads. docs/OFFLOADS.md "Reading" has the figures. */
#define _GNU_SOURCE
#include "uring.h"
#include <errno.h>
#include <linux/io_uring.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* Submission queue entries: one round's reads at most (io.c caps a round at
 * TIO_URING_MAX_ROUND). The kernel makes the completion queue twice as big. */
#define RING_ENTRIES 64

typedef struct {
  int fd;          /* ring fd, -1 before setup */
  int status;      /* 0 not tried, 1 usable, -errno when off for this thread */
  void *sq_map, *cq_map;
  size_t sq_len, cq_len;
  struct io_uring_sqe *sqes;
  size_t sqes_len;
  unsigned *sq_tail, *sq_mask, *sq_array;
  unsigned *cq_head, *cq_tail, *cq_mask;
  struct io_uring_cqe *cqes;
  struct iovec iov[2 * TIO_URING_MAX_ROUND];
} tio_ring;

static __thread tio_ring ring = {.fd = -1};

static void ring_unmap(tio_ring *r) {
  if (r->sqes) munmap(r->sqes, r->sqes_len);
  if (r->cq_map && r->cq_map != r->sq_map) munmap(r->cq_map, r->cq_len);
  if (r->sq_map) munmap(r->sq_map, r->sq_len);
  if (r->fd >= 0) close(r->fd);
  r->sqes = NULL;
  r->sq_map = r->cq_map = NULL;
  r->fd = -1;
}

/* Environment teardown: runs on the ring's own thread. */
static void ring_cleanup(void *arg) {
  (void)arg;
  ring_unmap(&ring);
  ring.status = 0;
}

/* One of the ring's shared regions; NULL (errno set) when it cannot be mapped. */
static void *map_ring(int fd, size_t len, off_t off) {
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, off);
  return m == MAP_FAILED ? NULL : m;
}

static int ring_setup(napi_env env) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  /* SINGLE_ISSUER (6.0) and COOP_TASKRUN (5.19) spare the kernel work a
   * thread-local ring never needs; older kernels refuse them: try without. */
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
  int fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
  if (fd < 0 && errno == EINVAL) {
    memset(&p, 0, sizeof p);
    fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
  }
  if (fd < 0) return -errno;
  tio_ring *r = &ring;
  r->fd = fd;
  r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (p.features & IORING_FEAT_SINGLE_MMAP) {
    if (r->cq_len > r->sq_len) r->sq_len = r->cq_len;
    r->cq_len = r->sq_len;
  }
  r->sq_map = map_ring(fd, r->sq_len, IORING_OFF_SQ_RING);
  r->cq_map = !r->sq_map || (p.features & IORING_FEAT_SINGLE_MMAP) ? r->sq_map : map_ring(fd, r->cq_len, IORING_OFF_CQ_RING);
  r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
  r->sqes = r->cq_map ? map_ring(fd, r->sqes_len, IORING_OFF_SQES) : NULL;
  if (!r->sqes) {
    int e = errno;
    ring_unmap(r);
    return -e;
  }
  uint8_t *sq = r->sq_map, *cq = r->cq_map;
  r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
  r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  r->sq_array = (unsigned *)(sq + p.sq_off.array);
  r->cq_head = (unsigned *)(cq + p.cq_off.head);
  r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
  r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  if (napi_add_env_cleanup_hook(env, ring_cleanup, NULL) != napi_ok) {
    ring_unmap(r);
    return -ENOMEM;
  }
  return 1;
}

int tio_uring_status(napi_env env) {
  if (ring.status == 0) ring.status = ring_setup(env);
  return ring.status;
}

void tio_uring_disable(int err) {
  ring_unmap(&ring);
  ring.status = -err;
}

int tio_uring_read_round(napi_env env, int fd, uint8_t *slots, size_t slot_len, uint8_t *hdrs, size_t hdr_len, int k,
                         int32_t *res) {
  if (tio_uring_status(env) != 1) return ring.status;
  if (k < 1 || k > TIO_URING_MAX_ROUND) return -EINVAL;
  tio_ring *r = &ring;
  unsigned tail = *r->sq_tail;
  for (int i = 0; i < k; i++) {
    struct io_uring_sqe *s = &r->sqes[i];
    memset(s, 0, sizeof *s);
    struct iovec *iov = &r->iov[2 * i];
    int cnt = 0;
    if (hdrs) iov[cnt++] = (struct iovec){hdrs + (size_t)i * hdr_len, hdr_len};
    iov[cnt++] = (struct iovec){slots + (size_t)i * slot_len, slot_len};
    s->opcode = IORING_OP_READV;
    s->fd = fd;
    s->addr = (uint64_t)(uintptr_t)iov;
    s->len = (uint32_t)cnt;
    s->off = (uint64_t)-1; /* the file position: a TUN fd has none */
    s->rw_flags = RWF_NOWAIT;
    s->user_data = (uint64_t)i;
    r->sq_array[(tail + (unsigned)i) & *r->sq_mask] = (unsigned)i;
    res[i] = -EAGAIN;
  }
  __atomic_store_n(r->sq_tail, tail + (unsigned)k, __ATOMIC_RELEASE);
  int submitted = 0, seen = 0;
  for (int failures = 0; seen < k;) {
    long e = syscall(__NR_io_uring_enter, r->fd, (unsigned)(k - submitted), (unsigned)(k - seen), IORING_ENTER_GETEVENTS,
                     NULL, 0);
    if (e < 0) {
      int err = errno;
      if (err == EINTR) continue;
      /* Nothing submitted: nothing can land in the slots later. Otherwise the
       * non-blocking reads have completed already; should their completions
       * stay out of reach, closing the ring cancels and waits for them, so no
       * read writes into the slots after this returns. */
      if (submitted == 0 || ++failures > 3) {
        tio_uring_disable(err);
        if (submitted == 0) return -err;
        break;
      }
    } else {
      submitted += (int)e;
    }
    unsigned head = *r->cq_head;
    unsigned ctail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    for (; head != ctail; head++) {
      struct io_uring_cqe *c = &r->cqes[head & *r->cq_mask];
      if (c->user_data < (uint64_t)k) res[c->user_data] = c->res;
      seen++;
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
  }
  return k;
}
