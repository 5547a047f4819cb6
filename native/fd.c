/* File-descriptor plumbing: close, dup, eventfd (the close signal shared by
 * every queue of a device, also across worker threads) and network-namespace
 * switching for the calling thread. */
#define _GNU_SOURCE
#include "tio.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static napi_value close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd), "closeFd(fd)");
  tio_poll_forget_fd(env, fd);
  /* Linux releases the fd even when close() reports EINTR: never retry. */
  if (close(fd) < 0 && errno != EINTR) return tio_neg_errno(env, errno);
  return tio_int(env, 0);
}

static napi_value dup_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd), "dupFd(fd)");
  int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return r < 0 ? tio_neg_errno(env, errno) : tio_int(env, r);
}

static napi_value eventfd_create(napi_env env, napi_callback_info info) {
  int r = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return r < 0 ? tio_neg_errno(env, errno) : tio_int(env, r);
}

/* The counter is never drained, so the fd stays readable for every poller. */
static napi_value eventfd_signal(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd), "eventfdSignal(fd)");
  uint64_t one = 1;
  ssize_t r;
  do r = write(fd, &one, sizeof one); while (r < 0 && errno == EINTR);
  return r < 0 ? tio_neg_errno(env, errno) : tio_int(env, 0);
}

/* netnsEnter returns the way back as a handle, not a bare fd: a restore
 * failure is fatal (below), so netnsRestore must only ever be handed an fd
 * that netnsEnter itself opened on a network namespace. */
typedef struct {
  int fd; /* /proc/thread-self/ns/net as it was before the switch; -1 once restored */
} tio_netns_back;

static const napi_type_tag NETNS_TYPE_TAG = {0x74696f2e6e65746eULL, 0x732e6261636b3100ULL};

/* A handle dropped without netnsRestore: the thread stays where it is (there
 * is no JS left to tell), only the fd is released. */
static void on_netns_gc(napi_env env, void *data, void *hint) {
  tio_netns_back *b = data;
  if (b->fd >= 0) close(b->fd);
  free(b);
}

/* netnsEnter(path) -> handle | -errno. Moves the calling thread into the
 * network namespace at `path`; the handle brings it back (netnsRestore). */
static napi_value netns_enter(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char path[PATH_MAX];
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_string(env, argv[0], path, sizeof path),
            "netnsEnter(path): path must be a string shorter than PATH_MAX (4096) bytes with no NUL");
  tio_netns_back *b = malloc(sizeof *b);
  if (!b) return tio_neg_errno(env, ENOMEM);
  b->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (b->fd < 0) {
    int e = errno;
    free(b);
    return tio_neg_errno(env, e);
  }
  /* Made before the switch, so a failure here leaves the thread where it was. */
  napi_value handle = tio_tagged_external(env, b, on_netns_gc, &NETNS_TYPE_TAG);
  if (!handle) return NULL; /* the finalizer closes the fd */
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) return tio_neg_errno(env, errno); /* the finalizer closes b->fd */
  int r = setns(target, CLONE_NEWNET);
  int e = errno;
  close(target);
  if (r < 0) return tio_neg_errno(env, e);
  return handle;
}

/* netnsRestore(handle) -> 0 | -EBADF (already restored).
 * Moving back cannot fail for a reason the caller could handle: the fd is
 * one netnsEnter opened on the thread's own namespace, so a failure means
 * the process lost the right to switch (e.g. dropped CAP_SYS_ADMIN) or the
 * kernel refused. The thread would then stay in the other namespace, and
 * every socket, TUN device or listener any code creates on it afterwards
 * (Node's own net and dgram included, which never ask tio) would silently
 * live in the wrong network: a leak across an isolation boundary. Throwing
 * cannot undo that, and a flag only tio consults would not protect the
 * rest of the process, so this aborts, like ip-netns and nsenter exit when
 * setns fails. */
static napi_value netns_restore(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data = NULL;
  TIO_CHECK(env, tio_args(env, info, 1, argv), "netnsRestore(handle)");
  TIO_CHECK(env, tio_get_tagged(env, argv[0], &NETNS_TYPE_TAG, &data),
            "netnsRestore: handle is not a namespace handle (from netnsEnter)");
  tio_netns_back *b = data;
  if (b->fd < 0) return tio_neg_errno(env, EBADF);
  int r = setns(b->fd, CLONE_NEWNET);
  int e = errno;
  close(b->fd);
  b->fd = -1;
  if (r < 0) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "could not move the thread back to its network namespace (setns: %s); "
             "continuing would create every later socket in the wrong namespace",
             strerror(e));
    napi_fatal_error("tio netnsRestore", NAPI_AUTO_LENGTH, msg, NAPI_AUTO_LENGTH);
  }
  return tio_int(env, 0);
}

void tio_register_fd(napi_env env, napi_value exports) {
  tio_export(env, exports, "closeFd", close_fd);
  tio_export(env, exports, "dupFd", dup_fd);
  tio_export(env, exports, "eventfdCreate", eventfd_create);
  tio_export(env, exports, "eventfdSignal", eventfd_signal);
  tio_export(env, exports, "netnsEnter", netns_enter);
  tio_export(env, exports, "netnsRestore", netns_restore);
}
