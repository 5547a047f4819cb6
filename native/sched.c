/* Handing the CPU on. A write that wakes a task (the application a TUN
 * write delivers to, a peer on the same host a datagram reaches) marks the
 * wakeup "sync": the scheduler queues the wakee on the writer's CPU and
 * expects the writer to sleep soon. A Node thread does not: it finishes the
 * turn's JavaScript, promise continuations and libuv bookkeeping first, tens
 * of microseconds on which the wakee waits. Yielding right after the write
 * lets the wakee run at once (docs/LATENCY.md "Handing off the CPU"). */
#define _GNU_SOURCE
#include "tio.h"
#include <errno.h>
#include <sched.h>

/* schedYield() -> 0, or -errno (it does not fail on Linux). With nothing
 * else runnable on this CPU it returns at once. */
static napi_value sched_yield_now(napi_env env, napi_callback_info info) {
  (void)info;
  return tio_int(env, sched_yield() == 0 ? 0 : -errno);
}

void tio_register_sched(napi_env env, napi_value exports) {
  tio_export(env, exports, "schedYield", sched_yield_now);
}
