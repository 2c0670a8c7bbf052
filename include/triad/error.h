/* Triad — error codes and messages.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_ERROR_H
#define TRIAD_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* One list makes the enum and triad_strerror(); 0 is success, errors are negative. */
#define TRIAD_ERRNO_MAP(X)                                                     \
    X(INVAL, -1, "invalid argument or configuration")                         \
    X(NOMEM, -2, "out of memory")                                             \
    X(IO, -3, "input/output error")                                           \
    X(FORMAT, -4, "malformed input")                                          \
    X(UNSUPPORTED, -5, "unsupported feature")                                 \
    X(BACKEND, -6, "backend failure")                                         \
    X(NODEVICE, -7, "no usable device")                                       \
    X(TRUNCATED, -8, "input shorter than expected")                           \
    X(TIMEOUT, -9, "timed out")

typedef enum {
    TRIAD_OK = 0,
#define TRIAD__ERR_ENUM(name, code, text) TRIAD_E##name = code,
    TRIAD_ERRNO_MAP(TRIAD__ERR_ENUM)
#undef TRIAD__ERR_ENUM
} triad_err;

/* Short static text for an error code. */
const char *triad_strerror(int err);

/* The detailed message of the last failure on this thread: it names the file, the field,
 * the value and the reason. Never NULL; "" when nothing failed yet. */
const char *triad_errmsg(void);

/* Warnings (processing goes on) go to this hook; NULL restores the default, stderr. */
typedef void (*triad_log_fn)(void *user, const char *line);
void triad_set_log(triad_log_fn fn, void *user);

/* For libraries built on libtriad (Triad's own optional ones too): record msg as this thread's
 * triad_errmsg() and return err; pass one warning line to the hook of triad_set_log(). */
int triad_error_set(int err, const char *msg);
void triad_warn_line(const char *line);

#ifdef __cplusplus
}
#endif
#endif
