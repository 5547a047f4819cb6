/* Placeholder: filled in by the udp work (see src/native.ts, udp section). */
#include "tio.h"

void tio_register_udp(napi_env env, napi_value exports) { (void)env; (void)exports; }
