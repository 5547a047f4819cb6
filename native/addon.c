/* Module entry: each file under native/ registers its own functions. */
#include "tio.h"

static napi_value init(napi_env env, napi_value exports) {
  tio_register_fd(env, exports);
  tio_register_tun(env, exports);
  tio_register_netdev(env, exports);
  tio_register_io(env, exports);
  tio_register_poll(env, exports);
  tio_register_loop_wait(env, exports);
  tio_register_aead(env, exports);
  tio_register_udp(env, exports);
  tio_register_checksum(env, exports);
  tio_register_copy(env, exports);
  tio_register_memory(env, exports);
  tio_register_sched(env, exports);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
