/* Argument decoding shared by all wrappers. */
#include "tio.h"
#include <string.h>

int tio_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  return argc >= want;
}

int tio_get_i32(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* Accepts any Uint8Array (Buffer included) and reports its visible window.
 * A detached (or empty) array may have no memory at all; it is reported as
 * zero bytes at a valid address, because callers take a NULL data pointer to
 * mean "no buffer given" (an optional header or scratch). */
int tio_get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  static uint8_t no_bytes[1];
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  size_t length = 0;
  void *ptr = NULL;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = ptr ? (uint8_t *)ptr : no_bytes;
  *len = ptr ? length : 0;
  return 1;
}

/* Accepts only an Int32Array (the metadata arrays of the batched calls). */
int tio_get_i32_array(napi_env env, napi_value v, int32_t **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok || type != napi_int32_array) return 0;
  *data = ptr;
  return 1;
}

int tio_is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined;
}

/* A string that fits buf with its terminating NUL, else 0. The copy call
 * truncates silently and always terminates, so the full length is asked for
 * first; an embedded NUL would make C see a shorter, different name or path
 * than the one JS passed, so it is refused too. */
int tio_get_string(napi_env env, napi_value v, char *buf, size_t size) {
  size_t full = 0, n = 0;
  if (size == 0 || napi_get_value_string_utf8(env, v, NULL, 0, &full) != napi_ok || full >= size) return 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &n) != napi_ok || n != full) return 0;
  return memchr(buf, '\0', n) == NULL;
}

/* The data of an external made by tio_tagged_external with the same tag.
 * Every handle kind has its own tag, so a handle of one kind passed where
 * another is expected is refused instead of being read as the wrong struct. */
int tio_get_tagged(napi_env env, napi_value v, const napi_type_tag *tag, void **data) {
  napi_valuetype t;
  bool tagged = false;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return 0;
  if (napi_check_object_type_tag(env, v, tag, &tagged) != napi_ok || !tagged) return 0;
  return napi_get_value_external(env, v, data) == napi_ok && *data != NULL;
}

/* An external for data, tagged. NULL with an exception pending on failure; fin
 * then still runs for data if the external was made (when it is collected). */
napi_value tio_tagged_external(napi_env env, void *data, napi_finalize fin, const napi_type_tag *tag) {
  napi_value ext;
  if (napi_create_external(env, data, fin, NULL, &ext) != napi_ok) return NULL;
  if (napi_type_tag_object(env, ext, tag) != napi_ok) {
    napi_throw_error(env, "ERR_TIO_NATIVE", "could not type-tag a native handle");
    return NULL;
  }
  return ext;
}

napi_value tio_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

napi_value tio_neg_errno(napi_env env, int err) { return tio_int(env, -(int64_t)err); }

void tio_export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
  napi_set_named_property(env, exports, name, f);
}
