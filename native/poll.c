/* fd readiness on the calling thread's libuv loop (uv_poll), so a queue can
 * wait for readable/writable without a thread of its own; works the same in a
 * worker_threads worker, whose loop is its own. Handles still open when an
 * environment shuts down are closed by an async cleanup hook, because a worker
 * cannot close its loop while a handle is active. The same hook closes fds a
 * worker adopted (queues attached there), so terminating a worker leaks none.
 * With a waiter on (loop_wait.c), started handles are not in libuv's epoll
 * set but in the waiter's, as `want` and `unref` say. */
#include "poll.h"
#include <stdlib.h>
#include <unistd.h>

/* Marks poll handles, so another addon external (an AEAD context) passed by
 * mistake is refused instead of being run as a uv_poll_t. */
static const napi_type_tag POLL_TYPE_TAG = {0x74696f2e706f6c6cULL, 0x2e68616e646c6531ULL};

static void unlink_poll(tio_poll_env *st, tio_poll *p) {
  if (p->prev) p->prev->next = p->next;
  else st->live = p->next;
  if (p->next) p->next->prev = p->prev;
  p->next = p->prev = NULL;
}

static void call_back(tio_poll *p, int status, int events);

static void on_closed(uv_handle_t *h) {
  tio_poll *p = (tio_poll *)h->data;
  tio_poll_env *st = tio_poll_env_of(p->env);
  if (!st->tearing_down) {
    /* Its fd was closed behind the owner's back: tell the owner (EBADF), or a
     * waiter would wait forever on a poll that can no longer fire. */
    if (p->forgotten) call_back(p, UV_EBADF, 0);
    napi_delete_reference(p->env, p->callback);
    napi_async_destroy(p->env, p->async);
  }
  p->closed = 1;
  if (!p->ext_alive) free(p);
  tio_poll_teardown_step(st);
}

void tio_poll_teardown_step(tio_poll_env *st) {
  if (st->tearing_down && --st->closing_count == 0 && st->hook) {
    napi_async_cleanup_hook_handle hook = st->hook;
    st->hook = NULL;
    napi_remove_async_cleanup_hook(hook);
  }
}

static void close_poll(tio_poll_env *st, tio_poll *p) {
  if (p->closing) return;
  p->closing = 1;
  p->want = 0;
  unlink_poll(st, p);
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t *)&p->handle, on_closed);
  if (st->waiter) st->waiter->changed(st, p);
}

/* Polls are stopped before the adopted fds are closed: stopping a poll whose
 * fd number was closed and reused would unregister the new file instead. */
static void on_teardown(napi_async_cleanup_hook_handle hook, void *arg) {
  tio_poll_env *st = arg;
  st->tearing_down = 1;
  st->hook = hook;
  int n = 0;
  for (tio_poll *p = st->live; p; p = p->next) n++;
  if (st->waiter) n += st->waiter->handles(st);
  st->closing_count = n;
  while (st->live) close_poll(st, st->live);
  if (st->waiter) st->waiter->close(st);
  for (int i = 0; i < st->nfds; i++) {
    if (st->fds[i] >= 0) close(st->fds[i]);
    st->fds[i] = -1;
  }
  if (n == 0) {
    st->hook = NULL;
    napi_remove_async_cleanup_hook(hook);
  }
}

/* libuv keys its watchers and the loop's epoll set by fd number. A poll left
 * running on a closed fd keeps that number taken in the loop (uv_poll_init on
 * the reused number fails with EEXIST) and, once stopped, would epoll_ctl(DEL)
 * whatever file then has the number. So every close goes through here first;
 * polls of other threads live on other loops and cannot be confused this way.
 * A poll closed here reports EBADF to its callback once libuv has closed it. */
void tio_poll_forget_fd(napi_env env, int fd) {
  tio_poll_env *st = tio_poll_env_of(env);
  if (!st) return;
  tio_poll *p = st->live;
  while (p) {
    tio_poll *next = p->next;
    if (p->fd == fd) {
      p->forgotten = 1;
      close_poll(st, p);
    }
    p = next;
  }
}

static void free_env_state(napi_env env, void *data, void *hint) {
  tio_poll_env *st = data;
  if (st->waiter) st->waiter->free(st);
  free(st->fds);
  free(st);
}

tio_poll_env *tio_poll_env_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

static void on_event(uv_poll_t *h, int status, int events) {
  tio_poll *p = (tio_poll *)h->data;
  if (p->closing) return;
  if (status < 0) p->want = 0; /* libuv stopped the handle itself */
  call_back(p, status, events);
}

/* Runs the JS callback(status, events) from a loop callback. */
static void call_back(tio_poll *p, int status, int events) {
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
  else close_poll(tio_poll_env_of(env), p);
}

/* Misuse throws: a value that is not a handle from pollCreate. */
#define POLL_HANDLE_MSG(fn) fn ": handle is not a poll handle (from pollCreate)"

static int get_poll(napi_env env, napi_value v, tio_poll **out) {
  void *data = NULL;
  if (!tio_get_tagged(env, v, &POLL_TYPE_TAG, &data)) return 0;
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
  tio_poll_env *st = tio_poll_env_of(env);
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
  p->fd = fd;
  p->env = env;
  napi_create_reference(env, argv[1], 1, &p->callback);
  napi_value name;
  napi_create_string_utf8(env, "tio:poll", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &p->async);
  p->next = st->live;
  if (st->live) st->live->prev = p;
  st->live = p;
  p->ext_alive = 1;
  /* On failure the finalizer closes the poll once the untagged external is collected. */
  return tio_tagged_external(env, p, on_external_gc, &POLL_TYPE_TAG);
}

/* pollStart(handle, events: 1 readable | 2 writable) -> 0 | uv error */
static napi_value poll_start(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  tio_poll *p;
  int32_t events;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && tio_get_i32(env, argv[1], &events), "pollStart(handle, events)");
  TIO_CHECK(env, get_poll(env, argv[0], &p), POLL_HANDLE_MSG("pollStart"));
  if (p->closing) return tio_int(env, UV_EBADF);
  int flags = ((events & 1) ? UV_READABLE : 0) | ((events & 2) ? UV_WRITABLE : 0);
  tio_poll_env *st = tio_poll_env_of(env);
  if (st->waiter) {
    p->want = flags;
    return tio_int(env, st->waiter->changed(st, p));
  }
  int r = uv_poll_start(&p->handle, flags, on_event);
  if (r == 0) p->want = flags;
  return tio_int(env, r);
}

static napi_value poll_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tio_poll *p;
  TIO_CHECK(env, tio_args(env, info, 1, argv), "pollStop(handle)");
  TIO_CHECK(env, get_poll(env, argv[0], &p), POLL_HANDLE_MSG("pollStop"));
  if (!p->closing) {
    p->want = 0;
    tio_poll_env *st = tio_poll_env_of(env);
    /* With a waiter on the handle was never started in libuv, and
     * uv_poll_stop would still try an epoll_ctl(DEL) that fails. */
    if (st->waiter) st->waiter->changed(st, p);
    else uv_poll_stop(&p->handle);
  }
  return tio_int(env, 0);
}

/* pollRef(handle, ref): whether this handle keeps the loop alive while started. */
static napi_value poll_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  tio_poll *p;
  bool ref;
  TIO_CHECK(env, tio_args(env, info, 2, argv) && napi_get_value_bool(env, argv[1], &ref) == napi_ok,
            "pollRef(handle, ref)");
  TIO_CHECK(env, get_poll(env, argv[0], &p), POLL_HANDLE_MSG("pollRef"));
  if (!p->closing) {
    p->unref = !ref;
    if (ref) uv_ref((uv_handle_t *)&p->handle);
    else uv_unref((uv_handle_t *)&p->handle);
    tio_poll_env *st = tio_poll_env_of(env);
    if (st->waiter) st->waiter->changed(st, NULL);
  }
  return tio_int(env, 0);
}

/* pollClose(handle): stops watching at once; the fd may be closed right after
 * (closeFd also closes the fd's polls itself, see tio_poll_forget_fd). */
static napi_value poll_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tio_poll *p;
  TIO_CHECK(env, tio_args(env, info, 1, argv), "pollClose(handle)");
  TIO_CHECK(env, get_poll(env, argv[0], &p), POLL_HANDLE_MSG("pollClose"));
  close_poll(tio_poll_env_of(env), p);
  return tio_int(env, 0);
}

/* fdAdopt(fd): close fd when this environment (thread) shuts down, unless released. */
static napi_value fd_adopt(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  TIO_CHECK(env, tio_args(env, info, 1, argv) && tio_get_i32(env, argv[0], &fd) && fd >= 0, "fdAdopt(fd)");
  tio_poll_env *st = tio_poll_env_of(env);
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
  tio_poll_env *st = tio_poll_env_of(env);
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
