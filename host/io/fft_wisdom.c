/* FFTW wisdom files: read into and written from FFTW's own text form (proc/fftw). The write
 * goes to a private temporary file in the same folder, then a rename, so two runs saving at
 * once leave one whole file, never a mixture.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "triad/wisdom.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "proc/backend.h"

/* Wisdom files are a few kB per shape; anything this large is not one. */
enum { MAX_WISDOM_BYTES = 64 << 20 };

int triad_fft_wisdom_default_path(char *path, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(path, len, "%s/triad/fftw-wisdom", xdg);
    else if (home && home[0])
        n = snprintf(path, len, "%s/.cache/triad/fftw-wisdom", home);
    else
        return triad__fail(TRIAD_EINVAL, "fftw wisdom: neither XDG_CACHE_HOME nor HOME is set");
    if (n < 0 || (size_t)n >= len)
        return triad__fail(TRIAD_EINVAL, "fftw wisdom: cache path too long");
    return 0;
}

int triad_fft_wisdom_load(const char *path, int *loaded)
{
    if (loaded)
        *loaded = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        return triad__fail(TRIAD_EIO, "fftw wisdom %s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_WISDOM_BYTES) {
        fclose(f);
        return triad__fail(TRIAD_EFORMAT, "fftw wisdom %s: not a regular file of at most %d "
                                          "bytes", path, MAX_WISDOM_BYTES);
    }
    char *text = malloc((size_t)st.st_size + 1);
    if (!text) {
        fclose(f);
        return triad__fail(TRIAD_ENOMEM, "fftw wisdom %s: out of memory", path);
    }
    const size_t got = fread(text, 1, (size_t)st.st_size, f);
    const int bad_read = ferror(f);
    fclose(f);
    if (bad_read) {
        free(text);
        return triad__fail(TRIAD_EIO, "fftw wisdom %s: read error", path);
    }
    text[got] = '\0';
    const int err = strlen(text) != got ? TRIAD_EFORMAT : triad__fftw_wisdom_import(text);
    free(text);
    if (err)
        return triad__fail(TRIAD_EFORMAT, "fftw wisdom %s: not FFTW wisdom (delete it, or name "
                                          "another file with --wisdom)", path);
    if (loaded)
        *loaded = 1;
    return 0;
}

/* mkdir -p of the folder part of path. */
static int make_folders(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return triad__fail(TRIAD_EIO, "fftw wisdom %s: path too long", path);
    for (char *s = buf + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return triad__fail(TRIAD_EIO, "fftw wisdom: cannot create folder %s: %s", buf,
                               strerror(errno));
        *s = '/';
    }
    return 0;
}

int triad_fft_wisdom_save(const char *path)
{
    int err = make_folders(path);
    if (err)
        return err;
    char *text = triad__fftw_wisdom_export();
    if (!text)
        return triad__fail(TRIAD_ENOMEM, "fftw wisdom: out of memory");
    char tmp[4096 + 16];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    const int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        err = triad__fail(TRIAD_EIO, "fftw wisdom %s: cannot write: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        triad__fftw_free(text);
        return err;
    }
    const size_t len = strlen(text);
    const int bad = fwrite(text, 1, len, f) != len;
    triad__fftw_free(text);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        err = triad__fail(TRIAD_EIO, "fftw wisdom %s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return err;
    }
    return 0;
}

int triad_fft_wisdom_changed(void) { return triad__fftw_wisdom_changed(); }
