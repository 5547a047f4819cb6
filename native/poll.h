/* What poll.c shares with a waiter (loop_wait.c): a poll handle, and the
 * per-environment (per-thread) state that holds the handles. Internal to
 * the addon; JavaScript sees handles as tagged externals. */
#ifndef TIO_POLL_H
#define TIO_POLL_H

#include "tio.h"
#include <uv.h>

typedef struct tio_poll {
  uv_poll_t handle;
  int fd;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  struct tio_poll *next, *prev;
  int closing;
  int forgotten;   /* closed because its fd was closed (tio_poll_forget_fd), not by its owner */
  int closed;      /* libuv is done with the handle */
  int ext_alive;   /* the JS external still points here */
  int want;        /* UV_READABLE | UV_WRITABLE the owner waits for; 0 when stopped */
  int unref;       /* the owner said it does not keep the loop alive (pollRef false) */
  int registered;  /* EPOLLIN | EPOLLOUT the waiter's epoll set has for it; 0: not in it */
} tio_poll;

typedef struct tio_poll_env tio_poll_env;

/* A waiter that takes over the started handles from libuv (loop_wait.c).
 * poll.c knows it only through these hooks, which the waiter sets in the
 * environment's state when it starts. */
typedef struct {
  /* p (NULL: none in particular) started, stopped, closed or changed its
   * ref: 0, or -errno when the waiter refused p's fd (p is then stopped). */
  int (*changed)(tio_poll_env *st, tio_poll *p);
  /* How many libuv handles close() will close, for teardown to count. */
  int (*handles)(tio_poll_env *st);
  /* Environment teardown: close the waiter's libuv handles; each reports
   * tio_poll_teardown_step once closed. */
  void (*close)(tio_poll_env *st);
  /* The environment's state is freed: free the waiter's. */
  void (*free)(tio_poll_env *st);
} tio_poll_waiter;

struct tio_poll_env {
  int *fds; /* adopted fds, closed at teardown; -1 marks a free slot */
  int nfds;
  tio_poll *live;
  int closing_count;
  napi_async_cleanup_hook_handle hook;
  int tearing_down;
  const tio_poll_waiter *waiter; /* set while a waiter has the started handles */
  void *waiter_state;
};

tio_poll_env *tio_poll_env_of(napi_env env);
/* One handle of the environment finished closing at teardown. */
void tio_poll_teardown_step(tio_poll_env *st);

#endif
