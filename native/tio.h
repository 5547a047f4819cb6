/* Shared declarations of the tio addon: argument helpers and the per-file
 * registration functions. Every syscall wrapper returns a negative errno as a
 * JS number instead of throwing, so the hot path never builds an exception;
 * only misuse (wrong argument types) throws. */
#ifndef TIO_H
#define TIO_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#define TIO_MAX_ARGS 8

/* Throws a TypeError and returns NULL from the calling napi function. */
#define TIO_CHECK(env, cond, msg)                                  \
  do {                                                             \
    if (!(cond)) {                                                 \
      napi_throw_type_error((env), "ERR_TIO_NATIVE_ARG", (msg));   \
      return NULL;                                                 \
    }                                                              \
  } while (0)

int tio_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
int tio_get_i32(napi_env env, napi_value v, int32_t *out);
int tio_get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len);
int tio_get_i32_array(napi_env env, napi_value v, int32_t **data, size_t *len);
int tio_is_nullish(napi_env env, napi_value v);
int tio_get_string(napi_env env, napi_value v, char *buf, size_t size);
int tio_get_tagged(napi_env env, napi_value v, const napi_type_tag *tag, void **data);
napi_value tio_tagged_external(napi_env env, void *data, napi_finalize fin, const napi_type_tag *tag);
napi_value tio_int(napi_env env, int64_t v);
napi_value tio_neg_errno(napi_env env, int err);
void tio_export(napi_env env, napi_value exports, const char *name, napi_callback fn);

/* Closes this thread's polls on fd (poll.c), so closeFd never leaves one behind. */
void tio_poll_forget_fd(napi_env env, int fd);

void tio_register_fd(napi_env env, napi_value exports);
void tio_register_tun(napi_env env, napi_value exports);
void tio_register_netdev(napi_env env, napi_value exports);
void tio_register_io(napi_env env, napi_value exports);
void tio_register_poll(napi_env env, napi_value exports);
void tio_register_loop_wait(napi_env env, napi_value exports);
void tio_register_aead(napi_env env, napi_value exports);
void tio_register_udp(napi_env env, napi_value exports);
void tio_register_checksum(napi_env env, napi_value exports);
void tio_register_copy(napi_env env, napi_value exports);
void tio_register_memory(napi_env env, napi_value exports);
void tio_register_sched(napi_env env, napi_value exports);

#endif
