/* The triad program's subcommands and their shared option parsing.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CLI_H
#define TRIAD_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "triad/chain.h"

int cmd_simulate(int argc, char **argv);
int cmd_process(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_scenario(int argc, char **argv);
int cmd_fuse(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_hub(int argc, char **argv);
int cmd_node(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_share(int argc, char **argv);

/* Print "triad CMD: message" to stderr and return the exit status 2 (usage) or 1. */
int cli_error(const char *cmd, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Options every processing command takes (--pfa, --cfar, windows, ...): long options start
 * at CHAIN_OPT_BASE. cli_chain_option() applies one; returns 0, or 2 after printing why. */
enum { CHAIN_OPT_BASE = 1000 };
extern const struct option cli_chain_options[];
extern const char cli_chain_usage[];
int cli_chain_option(const char *cmd, int opt, const char *arg, triad_chain_cfg *cfg);

/* FFTW wisdom (--wisdom FILE|none, default the user's cache file): load before the chain is
 * created (a named file that cannot be read: 1 after printing why; the cache: a warning), save
 * after when planning learned something (failure: a warning). */
extern const char *cli_wisdom;
int cli_wisdom_load(const char *cmd);
void cli_wisdom_save(const char *cmd);

/* Strict number parsing: the whole text, finite, within [lo, hi]. */
int cli_double(const char *cmd, const char *opt, const char *arg, double lo, double hi,
               double *out);
int cli_long(const char *cmd, const char *opt, const char *arg, long lo, long hi, long *out);
/* A size in bytes: N, or N with K, M, G or T (powers of 1024), at least 1 (--max-memory). */
int cli_bytes(const char *cmd, const char *opt, const char *arg, uint64_t *out);

/* After getopt_long returned '?' (with opterr = 0): one message naming the option; returns 2. */
int cli_bad_option(const char *cmd, char **argv);

/* Copy the chain options after the command's own into one table (for getopt_long). */
void cli_merge_options(const struct option *own, struct option *out, int cap);

#endif
