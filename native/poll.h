/* What poll.c and loop_wait.c share: a poll handle, and the per-environment
 * (per-thread) state that holds the handles and the loop wait. Internal to
 * the addon; JavaScript sees handles as tagged externals. */
#ifndef TIO_POLL_H
#define TIO_POLL_H

#include "tio.h"
#include <sys/epoll.h>
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
  int registered;  /* EPOLLIN | EPOLLOUT the loop wait's epoll set has for it; 0: not in it */
} tio_poll;

/* The loop wait (loop_wait.c): while on, started handles are not in libuv's
 * epoll set but in one of its own, with libuv's epoll fd; the thread blocks
 * in epoll_wait on that inside a JavaScript call. */
typedef struct {
  int on;
  napi_env env;
  int closed_handles; /* idle and check handles libuv has closed (teardown) */
  uv_idle_t idle;     /* active while a handle is started: libuv's own poll must not block */
  uv_check_t check;   /* runs the JavaScript dispatcher once per loop turn */
  napi_ref dispatch;
  napi_async_context async;
  int epfd;           /* the handles' fds (data: the handle) and libuv's (data: NULL) */
  struct epoll_event *events;
  int cap;            /* room in events: one more than the handles registered, at least */
  int nregistered;
  int nready;         /* events of the last loopWait; -1 outside the dispatcher */
  int next;           /* loopNext's place in events */
} tio_loop_wait;

typedef struct {
  int *fds; /* adopted fds, closed at teardown; -1 marks a free slot */
  int nfds;
  tio_poll *live;
  int closing_count;
  napi_async_cleanup_hook_handle hook;
  int tearing_down;
  tio_loop_wait wait;
} tio_poll_env;

tio_poll_env *tio_poll_env_of(napi_env env);
/* Runs a handle's JS callback(status, events) from a libuv callback (make_callback). */
void tio_poll_call_back(tio_poll *p, int status, int events);
/* One handle of the environment finished closing at teardown. */
void tio_poll_teardown_step(tio_poll_env *st);

/* After handle p (NULL: none in particular) started, stopped, closed or
 * changed its ref: syncs p's place in the wait's epoll set, and starts,
 * stops and refs the wait's own libuv handles. 0, or -errno when the kernel
 * refused p's fd (p is then stopped). */
int tio_loop_wait_update(tio_poll_env *st, tio_poll *p);
/* How many libuv handles tio_loop_wait_close will close (teardown counts them). */
int tio_loop_wait_handles(tio_poll_env *st);
void tio_loop_wait_close(tio_poll_env *st);
void tio_loop_wait_free(tio_poll_env *st);
void tio_register_loop_wait(napi_env env, napi_value exports);

#endif
