/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"

static const char *kind_of(mode_t m)
{
    return S_ISFIFO(m)   ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISDIR(m)  ? "a directory"
           : S_ISSOCK(m) ? "a socket"
                         : "not a plain file";
}

int triad__open_regular(const char *path, int *fd)
{
    *fd = -1;
    const int d = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (d < 0)
        return triad__fail(TRIAD_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(d, &st) != 0) {
        const int e = errno;
        close(d);
        return triad__fail(TRIAD_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(d);
        return triad__fail(TRIAD_EFORMAT, "%s: not a regular file (%s)", path,
                           kind_of(st.st_mode));
    }
    const int fl = fcntl(d, F_GETFL);
    if (fl < 0 || fcntl(d, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        const int e = errno;
        close(d);
        return triad__fail(TRIAD_EIO, "%s: fcntl: %s", path, strerror(e));
    }
    *fd = d;
    return 0;
}

int triad__fopen_regular(const char *path, FILE **f)
{
    *f = NULL;
    int fd;
    const int err = triad__open_regular(path, &fd);
    if (err)
        return err;
    *f = fdopen(fd, "rb");
    if (!*f) {
        const int e = errno;
        close(fd);
        return triad__fail(TRIAD_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    return 0;
}

int triad__fopen_stream(const char *path, FILE **f)
{
    *f = NULL;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
        /* a stream: waiting here for its writer is what the caller asked for */
        if (!(*f = fopen(path, "rb")))
            return triad__fail(TRIAD_EIO, "%s: cannot open: %s", path, strerror(errno));
        return 0;
    }
    return triad__fopen_regular(path, f);
}

int triad__read_file(const char *path, size_t max_bytes, const char *what, char **text,
                     size_t *len)
{
    *text = NULL;
    *len = 0;
    int fd;
    int err = triad__open_regular(path, &fd);
    if (err)
        return err;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = triad__fail(TRIAD_EIO, "%s: cannot stat: %s", path, strerror(errno));
        goto done;
    }
    if ((unsigned long long)st.st_size > max_bytes) {
        err = triad__fail(TRIAD_EFORMAT, "%s: %lld bytes, more than the limit of %zu for %s",
                          path, (long long)st.st_size, max_bytes, what);
        goto done;
    }
    /* the size may change while reading: never read past the limit */
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        const ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = triad__fail(TRIAD_EIO, "%s: read error: %s", path, strerror(errno));
            free(buf);
            goto done;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
done:
    close(fd);
    return err;
}

/* ---- lines ---- */

struct triad__lines {
    FILE *f;          /* NULL: memory */
    int own_f;
    const char *mem;
    size_t mem_len, mem_pos;
    char *buf;
    size_t cap, max_len, number;
    int keep_newline;
    char *name;
};

static int lines_new(triad__lines **out, const char *name, size_t max_len)
{
    *out = NULL;
    triad__lines *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name ? name : "(input)"))) {
        free(r);
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", name ? name : "(input)");
    }
    r->max_len = max_len;
    *out = r;
    return 0;
}

int triad__lines_open(triad__lines **out, const char *path, size_t max_len)
{
    FILE *f;
    int err = triad__fopen_regular(path, &f);
    if (err) {
        *out = NULL;
        return err;
    }
    if ((err = lines_new(out, path, max_len))) {
        fclose(f);
        return err;
    }
    (*out)->f = f;
    (*out)->own_f = 1;
    return 0;
}

int triad__lines_from_stream(triad__lines **out, FILE *f, const char *name, size_t max_len)
{
    const int err = lines_new(out, name, max_len);
    if (!err)
        (*out)->f = f;
    return err;
}

int triad__lines_from_memory(triad__lines **out, const char *buf, size_t len, const char *name,
                             size_t max_len)
{
    const int err = lines_new(out, name, max_len);
    if (!err) {
        (*out)->mem = buf;
        (*out)->mem_len = len;
    }
    return err;
}

static int too_long(triad__lines *r)
{
    return triad__fail(TRIAD_EFORMAT, "%s: line %zu: longer than the limit of %zu bytes",
                       r->name, r->number, r->max_len);
}

/* Room for n bytes and a NUL in r->buf; never more than max_len + 2 (line, newline, NUL). */
static int reserve(triad__lines *r, size_t n)
{
    if (n + 1 <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < n + 1)
        cap *= 2;
    if (cap > r->max_len + 2)
        cap = r->max_len + 2;
    char *b = realloc(r->buf, cap);
    if (!b)
        return triad__fail(TRIAD_ENOMEM, "%s: line %zu: out of memory", r->name, r->number);
    r->buf = b;
    r->cap = cap;
    return 0;
}

int triad__lines_next(triad__lines *r, const char **line, size_t *len, int *had_newline)
{
    *line = NULL;
    *len = 0;
    if (had_newline)
        *had_newline = 0;
    size_t n = 0;
    int nl = 0, err;
    if (!r->f) {
        if (r->mem_pos >= r->mem_len)
            return 0;
        r->number++;
        const char *s = r->mem + r->mem_pos;
        const size_t left = r->mem_len - r->mem_pos;
        const char *e = memchr(s, '\n', left);
        n = e ? (size_t)(e - s) : left;
        nl = e != NULL;
        if (n > r->max_len)
            return too_long(r);
        if ((err = reserve(r, n)))
            return err;
        memcpy(r->buf, s, n);
        r->mem_pos += n + (size_t)nl;
    } else {
        int c = getc_unlocked(r->f);
        if (c == EOF)
            return ferror(r->f) ? triad__fail(TRIAD_EIO, "%s: read error: %s", r->name,
                                              strerror(errno))
                                : 0;
        r->number++;
        for (; c != EOF; c = getc_unlocked(r->f)) {
            if (c == '\n') {
                nl = 1;
                break;
            }
            if (n == r->max_len)
                return too_long(r);
            if (n + 1 >= r->cap && (err = reserve(r, n + 1)))
                return err;
            r->buf[n++] = (char)c;
        }
        if (ferror(r->f))
            return triad__fail(TRIAD_EIO, "%s: line %zu: read error: %s", r->name, r->number,
                               strerror(errno));
        if ((err = reserve(r, n)))
            return err;
    }
    if (nl && r->keep_newline) {
        if ((err = reserve(r, n + 1)))
            return err;
        r->buf[n++] = '\n';
    }
    r->buf[n] = '\0';
    *line = r->buf;
    *len = n;
    if (had_newline)
        *had_newline = nl;
    return 1;
}

void triad__lines_keep_newlines(triad__lines *r) { r->keep_newline = 1; }

size_t triad__lines_number(const triad__lines *r) { return r->number; }

const char *triad__lines_name(const triad__lines *r) { return r->name; }

void triad__lines_close(triad__lines *r)
{
    if (!r)
        return;
    if (r->own_f && r->f)
        fclose(r->f);
    free(r->buf);
    free(r->name);
    free(r);
}
