/* fd readiness on the calling thread's libuv loop (uv_poll), so a queue can
 * wait for readable/writable without a thread of its own; works the same in a
 * worker_threads worker, whose loop is its own. Handles still open when an
 * environment shuts down are closed by an async cleanup hook, because a worker
 * cannot close its loop while a handle is active. The same hook closes fds a
 * worker adopted (queues attached there), so terminating a worker leaks none. */
#include "tio.h"
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

typedef struct tio_poll {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  struct tio_poll *next, *prev;
  int closing;
  int closed;      /* libuv is done with the handle */
  int ext_alive;   /* the JS external still points here */
} tio_poll;

typedef struct {
  int *fds; /* adopted fds, closed at teardown; -1 marks a free slot */
  int nfds;
  tio_poll *live;
  int closing_count;
  napi_async_cleanup_hook_handle hook;
  int tearing_down;
} tio_poll_env;

static tio_poll_env *env_state(napi_env env);

static void unlink_poll(tio_poll_env *st, tio_poll *p) {
  if (p->prev) p->prev->next = p->next;
  else st->live = p->next;
  if (p->next) p->next->prev = p->prev;
  p->next = p->prev = NULL;
}

static void on_closed(uv_handle_t *h) {
  tio_poll *p = (tio_poll *)h->data;
  tio_poll_env *st = env_state(p->env);
  if (!st->tearing_down) {
    napi_delete_reference(p->env, p->callback);
    napi_async_destroy(p->env, p->async);
  }
  p->closed = 1;
  if (!p->ext_alive) free(p);
  if (st->tearing_down && --st->closing_count == 0 && st->hook) {
    napi_async_cleanup_hook_handle hook = st->hook;
    st->hook = NULL;
    napi_remove_async_cleanup_hook(hook);
  }
}

static void close_poll(tio_poll_env *st, tio_poll *p) {
  if (p->closing) return;
  p->closing = 1;
  unlink_poll(st, p);
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t *)&p->handle, on_closed);
}

static void on_teardown(napi_async_cleanup_hook_handle hook, void *arg) {
  tio_poll_env *st = arg;
  st->tearing_down = 1;
  for (int i = 0; i < st->nfds; i++) {
    /* Polls on these fds are closed below; uv_poll tolerates an fd already gone. */
    if (st->fds[i] >= 0) close(st->fds[i]);
    st->fds[i] = -1;
  }
  st->hook = hook;
  int n = 0;
  for (tio_poll *p = st->live; p; p = p->next) n++;
  st->closing_count = n;
  if (n == 0) {
    st->hook = NULL;
    napi_remove_async_cleanup_hook(hook);
    return;
  }
  while (st->live) close_poll(st, st->live);
}

static void free_env_state(napi_env env, void *data, void *hint) {
  tio_poll_env *st = data;
  free(st->fds);
  free(st);
}

static tio_poll_env *env_state(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

static void on_event(uv_poll_t *h, int status, int events) {
  tio_poll *p = (tio_poll *)h->data;
  if (p->closing) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn, recv, argv[2], ret;
  napi_get_reference_value(env, p->callback, &fn);
  napi_get_global(env, &recv); /* make_callback needs an object receiver */
  argv[0] = tio_int(env, status);
  argv[1] = tio_int(env, events);
  /* make_callback (not call_function) so promise jobs queued by the callback run. */
  if (napi_make_callback(env, p->async, recv, fn, 2, argv, &ret) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

/* The struct outlives whichever of libuv and the JS external lets go first,
 * so a stale handle used from JS finds `closing` set instead of freed memory. */
static void on_external_gc(napi_env env, void *data, void *hint) {
  tio_poll *p = data;
  p->ext_alive = 0;
  if (p->closed) free(p);
  else close_poll(env_state(env), p);
}

static int get_poll(napi_env env, napi_value v, tio_poll **out) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || !data) return 0;
  *out = data;
  return 1;
}

/* pollCreate(fd, callback(status, events)) -> handle (unref'd, stopped) */
static napi_value poll_create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  napi_valuetype t;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && tio_get_i32(env, argv[0], &fd) &&
                     napi_typeof(env, argv[1], &t) == napi_ok && t == napi_function,
            "pollCreate(fd, callback)");
  tio_poll_env *st = env_state(env);
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  tio_poll *p = calloc(1, sizeof *p);
  if (!p) return tio_neg_errno(env, 12 /* ENOMEM */);
  int r = uv_poll_init(loop, &p->handle, fd);
  if (r < 0) {
    free(p);
    return tio_int(env, r);
  }
  p->handle.data = p;
  p->env = env;
  napi_create_reference(env, argv[1], 1, &p->callback);
  napi_value name;
  napi_create_string_utf8(env, "tio:poll", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &p->async);
  p->next = st->live;
  if (st->live) st->live->prev = p;
  st->live = p;
  napi_value ext;
  p->ext_alive = 1;
  napi_create_external(env, p, on_external_gc, NULL, &ext);
  return ext;
}

/* pollStart(handle, events: 1 readable | 2 writable) -> 0 | uv error */
static napi_value poll_start(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  tio_poll *p;
  int32_t events;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && get_poll(env, argv[0], &p) && tio_get_i32(env, argv[1], &events),
            "pollStart(handle, events)");
  if (p->closing) return tio_int(env, UV_EBADF);
  int flags = ((events & 1) ? UV_READABLE : 0) | ((events & 2) ? UV_WRITABLE : 0);
  return tio_int(env, uv_poll_start(&p->handle, flags, on_event));
}

static napi_value poll_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tio_poll *p;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && get_poll(env, argv[0], &p), "pollStop(handle)");
  if (!p->closing) uv_poll_stop(&p->handle);
  return tio_int(env, 0);
}

/* pollRef(handle, ref): whether this handle keeps the loop alive while started. */
static napi_value poll_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  tio_poll *p;
  bool ref;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && get_poll(env, argv[0], &p) &&
                     napi_get_value_bool(env, argv[1], &ref) == napi_ok,
            "pollRef(handle, ref)");
  if (!p->closing) {
    if (ref) uv_ref((uv_handle_t *)&p->handle);
    else uv_unref((uv_handle_t *)&p->handle);
  }
  return tio_int(env, 0);
}

/* pollClose(handle): stops watching at once; the fd may be closed right after. */
static napi_value poll_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tio_poll *p;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && get_poll(env, argv[0], &p), "pollClose(handle)");
  close_poll(env_state(env), p);
  return tio_int(env, 0);
}

/* fdAdopt(fd): close fd when this environment (thread) shuts down, unless released. */
static napi_value fd_adopt(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd) && fd >= 0, "fdAdopt(fd)");
  tio_poll_env *st = env_state(env);
  for (int i = 0; i < st->nfds; i++) {
    if (st->fds[i] < 0) {
      st->fds[i] = fd;
      return tio_int(env, 0);
    }
  }
  int *grown = realloc(st->fds, sizeof(int) * (size_t)(st->nfds + 8));
  if (!grown) return tio_neg_errno(env, 12 /* ENOMEM */);
  st->fds = grown;
  grown[st->nfds] = fd;
  for (int i = 1; i < 8; i++) grown[st->nfds + i] = -1;
  st->nfds += 8;
  return tio_int(env, 0);
}

/* fdRelease(fd): forget an adopted fd (its owner closed it). */
static napi_value fd_release(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd), "fdRelease(fd)");
  tio_poll_env *st = env_state(env);
  for (int i = 0; i < st->nfds; i++) {
    if (st->fds[i] == fd) st->fds[i] = -1;
  }
  return tio_int(env, 0);
}

void tio_register_poll(napi_env env, napi_value exports) {
  tio_poll_env *st = calloc(1, sizeof *st);
  napi_set_instance_data(env, st, free_env_state, NULL);
  napi_add_async_cleanup_hook(env, on_teardown, st, NULL);
  tio_export(env, exports, "pollCreate", poll_create);
  tio_export(env, exports, "pollStart", poll_start);
  tio_export(env, exports, "pollStop", poll_stop);
  tio_export(env, exports, "pollRef", poll_ref);
  tio_export(env, exports, "pollClose", poll_close);
  tio_export(env, exports, "fdAdopt", fd_adopt);
  tio_export(env, exports, "fdRelease", fd_release);
}
