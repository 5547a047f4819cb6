/* File-descriptor plumbing: close, dup, eventfd (the close signal shared by
 * every queue of a device, also across worker threads) and network-namespace
 * switching for the calling thread. */
#define _GNU_SOURCE
#include "tio.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
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

/* 1 readable, 0 not, -errno on error; never blocks. */
static napi_value fd_readable(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd), "fdReadable(fd)");
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int r;
  do r = poll(&p, 1, 0); while (r < 0 && errno == EINTR);
  if (r < 0) return tio_neg_errno(env, errno);
  if (p.revents & POLLNVAL) return tio_neg_errno(env, EBADF);
  return tio_int(env, (p.revents & (POLLIN | POLLERR | POLLHUP)) ? 1 : 0);
}

/* Moves the calling thread into the network namespace at `path` and returns
 * an fd of the previous one for netnsRestore. */
static napi_value netns_enter(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char path[PATH_MAX];
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_string(env, argv[0], path, sizeof path),
            "netnsEnter(path): path must be a string shorter than PATH_MAX (4096) bytes with no NUL");
  int old = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (old < 0) return tio_neg_errno(env, errno);
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int e = errno;
    close(old);
    return tio_neg_errno(env, e);
  }
  int r = setns(target, CLONE_NEWNET);
  int e = errno;
  close(target);
  if (r < 0) {
    close(old);
    return tio_neg_errno(env, e);
  }
  return tio_int(env, old);
}

static napi_value netns_restore(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd), "netnsRestore(fd)");
  int r = setns(fd, CLONE_NEWNET);
  int e = errno;
  close(fd);
  return r < 0 ? tio_neg_errno(env, e) : tio_int(env, 0);
}

void tio_register_fd(napi_env env, napi_value exports) {
  tio_export(env, exports, "closeFd", close_fd);
  tio_export(env, exports, "dupFd", dup_fd);
  tio_export(env, exports, "eventfdCreate", eventfd_create);
  tio_export(env, exports, "eventfdSignal", eventfd_signal);
  tio_export(env, exports, "fdReadable", fd_readable);
  tio_export(env, exports, "netnsEnter", netns_enter);
  tio_export(env, exports, "netnsRestore", netns_restore);
}
