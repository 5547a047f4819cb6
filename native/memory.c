/* Returning a buffer's memory now instead of at garbage collection. A node
 * holds a few MiB of receive and seal buffers; stopped nodes would otherwise
 * keep them until V8 collects the views, and a process that starts and stops
 * nodes repeatedly piles them up in the malloc heap. */
#include "tio.h"
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* bufferRelease(arrayBuffer) -> 0 | -1
 * Detaches arrayBuffer, which frees its backing store at once: every view of
 * it becomes empty. The caller must own the ArrayBuffer and every view of it
 * (never a Buffer from Node's shared pool). -1 when it cannot be detached
 * (a SharedArrayBuffer, wasm memory) or is already detached: nothing changed. */
static napi_value buffer_release(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool is_ab = false, detached = false;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && napi_is_arraybuffer(env, argv[0], &is_ab) == napi_ok && is_ab,
            "bufferRelease(arrayBuffer)");
  if (napi_is_detached_arraybuffer(env, argv[0], &detached) != napi_ok || detached) return tio_int(env, -1);
  return tio_int(env, napi_detach_arraybuffer(env, argv[0]) == napi_ok ? 0 : -1);
}

/* mallocTrim() -> 1 | 0
 * Hands the malloc heap's free pages back to the kernel (glibc malloc_trim(0):
 * the free space at the top of each arena and every whole free page inside
 * them). Memory a burst of work freed (handshakes, OpenSSL key objects) stays
 * resident otherwise. 1 when something was released; 0 when nothing was, or
 * without glibc. */
static napi_value malloc_trim_js(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __GLIBC__
  return tio_int(env, malloc_trim(0) ? 1 : 0);
#else
  return tio_int(env, 0);
#endif
}

void tio_register_memory(napi_env env, napi_value exports) {
  tio_export(env, exports, "bufferRelease", buffer_release);
  tio_export(env, exports, "mallocTrim", malloc_trim_js);
}
