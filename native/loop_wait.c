/* The loop wait: an opt-in way for this thread's loop to sleep inside a
 * JavaScript call. Entering JavaScript from a libuv callback costs a wake-up
 * ~35 us on a cold CPU (docs/LATENCY.md "Waiting inside JavaScript"), where
 * returning from a native call costs little. So, once loopWaitStart() is
 * called, started poll handles leave libuv's epoll set for one of the wait's
 * own, which also holds libuv's epoll fd; an idle handle keeps libuv's own
 * poll from blocking, and a check handle calls the dispatcher once per loop
 * turn with uv_backend_timeout(). The dispatcher's loopWait() blocks in
 * epoll_wait for that long, so timers, immediates and every other libuv
 * source wake it as they would wake libuv. The entry into JavaScript moves
 * to after the packets of a wake-up were handled, off their path. Callbacks
 * still see (status, events) as from uv_poll. */
#include "poll.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

/* The wait of one environment (thread), in its tio_poll_env's waiter_state. */
typedef struct {
  int on;             /* 0 once teardown closed it */
  napi_env env;
  uv_idle_t idle;     /* active while a handle is started: libuv's own poll must not block */
  uv_check_t check;   /* runs the JavaScript dispatcher once per loop turn */
  napi_ref dispatch;
  napi_async_context async;
  int epfd;           /* the handles' fds (data: the handle) and libuv's (data: NULL) */
  struct epoll_event *events;
  int cap;            /* room in events: one more than the handles registered, at least */
  int nregistered;
  int parked;         /* some stopped handle may still be in epfd (see changed()) */
  int nready;         /* events of the last loopWait; -1 outside the dispatcher */
  int next;           /* loopNext's place in events */
} tio_loop_wait;

/* How many handles are started; *refd: how many of them keep the loop alive. */
static int count_started(tio_poll_env *st, int *refd) {
  int started = 0, r = 0;
  for (tio_poll *p = st->live; p; p = p->next) {
    if (p->want && !p->closing) {
      started++;
      if (!p->unref) r++;
    }
  }
  *refd = r;
  return started;
}

static void on_idle(uv_idle_t *h) {}

static int grow(tio_loop_wait *w, int need) {
  if (need <= w->cap) return 1;
  int cap = need + 8;
  struct epoll_event *events = realloc(w->events, sizeof *events * (size_t)cap);
  if (!events) return 0;
  w->events = events;
  w->cap = cap;
  return 1;
}

/* Puts p in the wait's epoll set, as its owner now wants it: 0, or -errno
 * when the kernel refuses its fd (closed, or not pollable). */
static int sync_handle(tio_loop_wait *w, tio_poll *p) {
  int want = p->closing ? 0 : ((p->want & UV_READABLE) ? EPOLLIN : 0) | ((p->want & UV_WRITABLE) ? EPOLLOUT : 0);
  if (want == p->registered) return 0;
  struct epoll_event ev = {.events = (uint32_t)want, .data.ptr = p};
  if (want == 0) {
    /* Fails harmlessly when the fd was closed already (the kernel dropped it). */
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, p->fd, &ev);
    w->nregistered--;
  } else if (p->registered == 0) {
    if (!grow(w, w->nregistered + 2)) return -ENOMEM;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, p->fd, &ev) < 0) return -errno;
    w->nregistered++;
  } else if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, p->fd, &ev) < 0) {
    return -errno;
  }
  p->registered = want;
  return 0;
}

/* A handle that stops stays in the epoll set, parked, until the wait next
 * may block: a stream's reader stops while its batch is in use and starts
 * again when the batch's promise settles, at the end of the same turn, and
 * unregistering it in between cost an epoll_ctl each way per batch
 * (docs/LATENCY.md "Waiting inside JavaScript"). A parked handle's events
 * are dropped by loopWait. */
static int changed(tio_poll_env *st, tio_poll *p) {
  tio_loop_wait *w = st->waiter_state;
  if (!w->on) return 0;
  int r = 0;
  if (p && !p->closing && p->want == 0 && p->registered) w->parked = 1;
  else if (p && (r = sync_handle(w, p)) < 0) p->want = 0; /* not watched: as a uv_poll_start that failed */
  int refd;
  int started = count_started(st, &refd);
  if (started) uv_idle_start(&w->idle, on_idle);
  else uv_idle_stop(&w->idle);
  /* The check handle stands for the started handles in keeping the loop
   * alive; the idle handle never does. */
  if (refd) uv_ref((uv_handle_t *)&w->check);
  else uv_unref((uv_handle_t *)&w->check);
  return r;
}

/* Before a wait that may block: a parked handle whose fd stays ready would
 * end every wait at once, so the parked leave the set. */
static void unpark(tio_poll_env *st, tio_loop_wait *w) {
  w->parked = 0;
  for (tio_poll *p = st->live; p; p = p->next) {
    if (!p->closing && p->want == 0 && p->registered) sync_handle(w, p);
  }
}

static void on_check(uv_check_t *h) {
  tio_poll_env *st = h->data;
  tio_loop_wait *w = st->waiter_state;
  /* changed() keeps the idle handle active exactly while a handle is started. */
  if (!w->on || st->tearing_down || !uv_is_active((uv_handle_t *)&w->idle)) return;
  /* With our idle handle stopped, the backend timeout is what libuv's own
   * poll would have waited: 0 with immediates or closing handles pending,
   * else until the next timer (-1: none). */
  uv_idle_stop(&w->idle);
  int timeout = uv_backend_timeout(h->loop);
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn, recv, arg, ret;
  napi_get_reference_value(env, w->dispatch, &fn);
  napi_get_global(env, &recv);
  arg = tio_int(env, timeout);
  w->nready = 0;
  w->next = 0;
  /* A callback scope around a plain call, not napi_make_callback: promise
   * jobs run when the scope closes, and by then loopWait must refuse, as
   * it does everywhere outside the dispatcher's own call. */
  napi_callback_scope cs;
  napi_open_callback_scope(env, recv, w->async, &cs);
  napi_status called = napi_call_function(env, recv, fn, 1, &arg, &ret);
  /* Handles may close and be freed once the loop turns: loopNext must not
   * see the events that name them. */
  w->nready = -1;
  if (called == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_callback_scope(env, cs);
  napi_close_handle_scope(env, scope);
  changed(st, NULL);
}

static int handles(tio_poll_env *st) {
  tio_loop_wait *w = st->waiter_state;
  return w->on ? 2 : 0;
}

static void on_wait_handle_closed(uv_handle_t *h) {
  tio_poll_teardown_step(h->data);
}

static void close_wait(tio_poll_env *st) {
  tio_loop_wait *w = st->waiter_state;
  if (!w->on) return;
  w->on = 0;
  close(w->epfd);
  w->epfd = -1;
  uv_close((uv_handle_t *)&w->idle, on_wait_handle_closed);
  uv_close((uv_handle_t *)&w->check, on_wait_handle_closed);
}

static void free_wait(tio_poll_env *st) {
  tio_loop_wait *w = st->waiter_state;
  free(w->events);
  free(w);
  st->waiter_state = NULL;
}

static const tio_poll_waiter LOOP_WAIT = {changed, handles, close_wait, free_wait};

/* loopWaitStart(dispatch(timeoutMs)) -> 0 | -errno. Once per thread. */
static napi_value loop_wait_start(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  napi_valuetype t;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && napi_typeof(env, argv[0], &t) == napi_ok && t == napi_function,
            "loopWaitStart(dispatch)");
  tio_poll_env *st = tio_poll_env_of(env);
  if (st->waiter) return tio_neg_errno(env, EALREADY);
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  tio_loop_wait *w = calloc(1, sizeof *w);
  if (!w || !grow(w, 1)) {
    free(w);
    return tio_neg_errno(env, ENOMEM);
  }
  w->epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, uv_backend_fd(loop), &ev) < 0) {
    int e = errno;
    if (w->epfd >= 0) close(w->epfd);
    free(w->events);
    free(w);
    return tio_neg_errno(env, e);
  }
  uv_idle_init(loop, &w->idle);
  uv_check_init(loop, &w->check);
  w->idle.data = w->check.data = st;
  uv_unref((uv_handle_t *)&w->idle);
  uv_unref((uv_handle_t *)&w->check);
  uv_check_start(&w->check, on_check);
  napi_create_reference(env, argv[0], 1, &w->dispatch);
  napi_value name;
  napi_create_string_utf8(env, "tio:loop-wait", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->async);
  w->nready = -1;
  w->env = env;
  w->on = 1;
  st->waiter_state = w;
  st->waiter = &LOOP_WAIT;
  /* Handles already started move from libuv's epoll set to ours. */
  for (tio_poll *p = st->live; p; p = p->next) {
    if (p->want && !p->closing) {
      uv_poll_stop(&p->handle);
      /* A refused fd is not watched, as if libuv had stopped it on an error. */
      if (sync_handle(w, p) < 0) p->want = 0;
    }
  }
  changed(st, NULL);
  return tio_int(env, 0);
}

/* The handle an event names, if it is still one of the environment's. An
 * fd closed behind tio's back (not through closeFd) while another fd shares
 * its file stays in the epoll set after its handle is gone; its events must
 * not reach freed memory. The list holds a handful of handles. */
static tio_poll *live_handle(tio_poll_env *st, void *named) {
  for (tio_poll *p = st->live; p; p = p->next) {
    if (p == named) return p;
  }
  return NULL;
}

/* loopWait(timeoutMs) -> how many of the handles are ready | -errno. Only
 * from the dispatcher, during its call. */
static napi_value loop_wait(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t timeout;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &timeout), "loopWait(timeoutMs)");
  tio_poll_env *st = tio_poll_env_of(env);
  tio_loop_wait *w = st->waiter_state;
  if (!w || !w->on || w->nready < 0) return tio_neg_errno(env, EPERM);
  if (timeout != 0 && w->parked) unpark(st, w);
  int r = epoll_wait(w->epfd, w->events, w->cap, timeout);
  w->next = 0;
  w->nready = 0;
  if (r < 0) return errno == EINTR ? tio_int(env, 0) : tio_neg_errno(env, errno);
  /* Keeps the events loopNext will run: not libuv's (its own poll phase,
   * next, runs them), not a parked handle's. */
  for (int i = 0; i < r; i++) {
    tio_poll *p = w->events[i].data.ptr ? live_handle(st, w->events[i].data.ptr) : NULL;
    if (p && p->want) w->events[w->nready++] = w->events[i];
  }
  return tio_int(env, w->nready);
}

/* loopNext(out: Int32Array(2)) -> the next ready handle's callback, with
 * out = [status, events] to call it with, or undefined when none is left.
 * As uv_poll does, an error (EPOLLERR) reports UV_EBADF and stops the
 * handle, and a hang-up counts as the directions waited for. */
static napi_value loop_next(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t *out;
  size_t len;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32_array(env, argv[0], &out, &len) && len >= 2,
            "loopNext(out: Int32Array(2))");
  tio_poll_env *st = tio_poll_env_of(env);
  tio_loop_wait *w = st->waiter_state;
  while (w && w->nready > 0 && w->next < w->nready) {
    struct epoll_event *ev = &w->events[w->next++];
    tio_poll *p = live_handle(st, ev->data.ptr);
    if (!p || p->closing || !p->want) continue;
    uint32_t re = ev->events;
    int status = 0, events = 0;
    if (re & EPOLLERR) {
      p->want = 0;
      sync_handle(w, p);
      status = UV_EBADF;
    } else {
      if ((re & (EPOLLIN | EPOLLHUP)) && (p->want & UV_READABLE)) events |= 1;
      if ((re & (EPOLLOUT | EPOLLHUP)) && (p->want & UV_WRITABLE)) events |= 2;
      if (!events) continue;
    }
    out[0] = status;
    out[1] = events;
    napi_value fn;
    napi_get_reference_value(env, p->callback, &fn);
    return fn;
  }
  return NULL;
}

void tio_register_loop_wait(napi_env env, napi_value exports) {
  tio_export(env, exports, "loopWaitStart", loop_wait_start);
  tio_export(env, exports, "loopWait", loop_wait);
  tio_export(env, exports, "loopNext", loop_next);
}
