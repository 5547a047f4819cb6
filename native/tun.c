/* /dev/net/tun open and TUN ioctls. Flag values and their meaning are decided
 * in TypeScript (src/tun/constants.ts); this file only issues the syscalls. */
#define _GNU_SOURCE
#include "tio.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Stage codes tell TypeScript which step failed, so EPERM on open and EPERM
 * on TUNSETIFF can map to different, actionable errors. */
enum { STAGE_OPEN = 1, STAGE_SETIFF = 2 };

static napi_value result(napi_env env, int fd, const char *name, int err, int stage) {
  napi_value obj;
  napi_create_object(env, &obj);
  napi_set_named_property(env, obj, "fd", tio_int(env, fd));
  napi_set_named_property(env, obj, "errno", tio_int(env, err));
  napi_set_named_property(env, obj, "stage", tio_int(env, stage));
  napi_value s;
  napi_create_string_utf8(env, name ? name : "", NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, obj, "name", s);
  return obj;
}

/* tunOpen(name, flags) -> {fd, name, errno, stage}; fd is non-blocking. */
static napi_value tun_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char name[IFNAMSIZ]; /* ifr_name's size, NUL included */
  int32_t flags;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && tio_get_string(env, argv[0], name, sizeof name) &&
                     tio_get_i32(env, argv[1], &flags),
            "tunOpen(name, flags): name must be a string shorter than 16 bytes (IFNAMSIZ) with no NUL");
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return result(env, -1, NULL, errno, STAGE_OPEN);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = (short)flags;
  memcpy(ifr.ifr_name, name, strlen(name));
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int e = errno;
    close(fd);
    return result(env, -1, NULL, e, STAGE_SETIFF);
  }
  char actual[IFNAMSIZ + 1];
  memcpy(actual, ifr.ifr_name, IFNAMSIZ);
  actual[IFNAMSIZ] = '\0';
  return result(env, fd, actual, 0, 0);
}

static napi_value tun_set_offload(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, mask;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && tio_get_i32(env, argv[0], &fd) && tio_get_i32(env, argv[1], &mask),
            "tunSetOffload(fd, mask)");
  if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(unsigned)mask) < 0) return tio_neg_errno(env, errno);
  return tio_int(env, 0);
}

/* TUNGETIFF flags of an open queue; used by tests and to verify a handed-over fd. */
static napi_value tun_get_flags(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd), "tunGetFlags(fd)");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (ioctl(fd, TUNGETIFF, &ifr) < 0) return tio_neg_errno(env, errno);
  return tio_int(env, (uint16_t)ifr.ifr_flags);
}

void tio_register_tun(napi_env env, napi_value exports) {
  tio_export(env, exports, "tunOpen", tun_open);
  tio_export(env, exports, "tunSetOffload", tun_set_offload);
  tio_export(env, exports, "tunGetFlags", tun_get_flags);
}
