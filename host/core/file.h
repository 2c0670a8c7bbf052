/* Opening and reading input files safely: only regular files (a FIFO, a device or a folder
 * given as input is refused by name instead of blocking or reading forever), sizes bounded
 * before anything is allocated, lines bounded in length.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CORE_FILE_H
#define TRIAD_CORE_FILE_H

#include <stdio.h>
#include <sys/types.h>

/* Open path read-only. The open itself never blocks (O_NONBLOCK: a FIFO without a writer
 * would), then fstat refuses anything but a regular file, then O_NONBLOCK is cleared.
 * *fd is the open descriptor (close it), -1 on failure. Returns 0, TRIAD_EIO (cannot open:
 * the message names the path and errno's text) or TRIAD_EFORMAT ("PATH: not a regular file
 * (a FIFO)"). Thread-safe. */
int triad__open_regular(const char *path, int *fd);

/* The same as a stdio stream ("rb"); *f is NULL on failure. */
int triad__fopen_regular(const char *path, FILE **f);

/* For inputs that are streams by design (a live feed): a regular file or a FIFO, whose open
 * waits for its writer; devices, folders and sockets are refused as above. */
int triad__fopen_stream(const char *path, FILE **f);

/* The whole regular file into *text (NUL-terminated, free() it), its length in *len. A file
 * larger than max_bytes is refused (by its size, before any allocation: "PATH: N bytes, more
 * than the limit of M for WHAT"); what names the kind of file in that message. */
int triad__read_file(const char *path, size_t max_bytes, const char *what, char **text,
                     size_t *len);

/* Lines of a file or of a memory buffer, each at most max_len bytes (the newline not counted):
 * a longer line is an error naming the source and the line number, found while reading it,
 * so a 100 MB line never needs 100 MB. One reader serves both, so every JSON Lines parser is
 * written once and can be fed from memory (tests, fuzzing) or from a file. */
typedef struct triad__lines triad__lines;

/* From a regular file (triad__open_regular's checks). name is used in messages (copied). */
int triad__lines_open(triad__lines **r, const char *path, size_t max_len);
/* From an already open stream (stdin, a pipe): no regular-file check; f stays the caller's. */
int triad__lines_from_stream(triad__lines **r, FILE *f, const char *name, size_t max_len);
/* From buf[0..len) (not copied: it must outlive the reader). */
int triad__lines_from_memory(triad__lines **r, const char *buf, size_t len, const char *name,
                             size_t max_len);

/* The next line: 1 with *line (NUL-terminated, without its newline, valid until the next
 * call) and *len; 0 at the end; a negative triad_err with a message naming the source and
 * line (too long, read error). A line may contain NUL bytes: *len counts them, the caller
 * refuses them. *had_newline tells whether the line was ended (a cut-short last line is not);
 * pass NULL when that does not matter. */
int triad__lines_next(triad__lines *r, const char **line, size_t *len, int *had_newline);
/* From now on a line that had its newline is returned with it (and *len counts it): for
 * formats whose hashes cover the newline. */
void triad__lines_keep_newlines(triad__lines *r);
/* 1-based number of the line last returned. */
size_t triad__lines_number(const triad__lines *r);
const char *triad__lines_name(const triad__lines *r);
void triad__lines_close(triad__lines *r);

#endif
