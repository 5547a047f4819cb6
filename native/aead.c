/* Placeholder: filled in by the aead work (see src/native.ts, aead section). */
#include "tio.h"

void tio_register_aead(napi_env env, napi_value exports) { (void)env; (void)exports; }
