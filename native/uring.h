/* TUN reads in rounds through a thread-local io_uring (uring.c). */
#ifndef TIO_URING_H
#define TIO_URING_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/* Reads one round may issue: a whole read batch (src/tun/queue.ts MAX_BATCH). */
#define TIO_URING_MAX_ROUND 64

/* 1 when this thread's ring is usable (made now if never tried), else -errno
 * of why it is off for the thread. */
int tio_uring_status(napi_env env);

/* Turns the ring off for this thread (err: why), e.g. when it cannot read a
 * TUN fd without blocking. */
void tio_uring_disable(int err);

/* Issues k non-blocking reads of fd and waits for all k: read i goes to
 * slots + i*slot_len (slot_len bytes), after hdr_len bytes at hdrs + i*hdr_len
 * when hdrs is set. res[i] = bytes read or -errno (-EAGAIN: the queue was
 * empty then). Returns k, or -errno when the ring is off (nothing was read). */
int tio_uring_read_round(napi_env env, int fd, uint8_t *slots, size_t slot_len, uint8_t *hdrs, size_t hdr_len, int k,
                         int32_t *res);

#endif
