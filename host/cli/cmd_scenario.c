/* triad scenario: a fusion scenario -> per-site detection reports + truth (JSON Lines).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/scenario.h"
#include "triad/error.h"

static const char usage_text[] =
    "usage: triad scenario run FILE.json --out REPORTS.jsonl [--truth TRUTH.jsonl] [--seed S]\n"
    "                          [--truth-step SECONDS]\n"
    "  writes one detection-report line per radar look (also empty looks), in time order, and\n"
    "  the truth: site lines, launch lines, one line per target per --truth-step (default 1 s)\n"
    "  (docs/FORMATS.md, \"Fusion: scenarios, tracks, warnings\"); --out - is stdout\n";

int cmd_scenario(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},   {"truth", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 'r'},  {"truth-step", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *truth_path = NULL;
    long seed = -1;
    double step = 1.0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:t:r:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 't': truth_path = optarg; break;
        case 'r':
            if (cli_long("scenario", "--seed", optarg, 0, 2147483647L, &seed)) return 2;
            break;
        case 's':
            if (cli_double("scenario", "--truth-step", optarg, 0.01, 600, &step)) return 2;
            break;
        case 'h': printf("%s", usage_text); return 0;
        default: return cli_bad_option("scenario", argv);
        }
    }
    if (optind >= argc)
        return cli_error("scenario", 2, "missing the verb (run) and FILE.json; see --help");
    if (strcmp(argv[optind], "run") != 0)
        return cli_error("scenario", 2, "unknown verb '%s' (only: run)", argv[optind]);
    if (optind + 2 != argc)
        return cli_error("scenario", 2, "run takes one FILE.json%s",
                         optind + 2 < argc ? " (and no further argument)" : "");
    if (!out)
        return cli_error("scenario", 2, "--out REPORTS.jsonl is required");
    static triad_scenario s; /* large: not on the stack */
    if (triad_scenario_load(argv[optind + 1], &s))
        return cli_error("scenario", 1, "%s", triad_errmsg());
    if (seed >= 0)
        s.seed = (uint64_t)seed;
    FILE *fr = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
    if (!fr)
        return cli_error("scenario", 1, "%s: cannot create: %s", out, strerror(errno));
    FILE *ft = NULL;
    if (truth_path && !(ft = fopen(truth_path, "w"))) {
        if (fr != stdout)
            fclose(fr);
        return cli_error("scenario", 1, "%s: cannot create: %s", truth_path, strerror(errno));
    }
    size_t nrep = 0, ndet = 0;
    int err = triad_scenario_run(&s, fr, ft, step, &nrep, &ndet);
    if (ft && fclose(ft) && !err)
        err = cli_error("scenario", 1, "%s: write failed: %s", truth_path, strerror(errno));
    if (fr != stdout && fclose(fr) && !err)
        err = cli_error("scenario", 1, "%s: write failed: %s", out, strerror(errno));
    if (err < 0)
        return cli_error("scenario", 1, "%s", triad_errmsg());
    if (err)
        return err;
    fprintf(stderr, "triad scenario: %s: %zu sites, %zu targets, %.0f s: %zu reports, %zu "
            "detections (seed %llu)\n", s.name[0] ? s.name : argv[optind + 1], s.num_sites,
            s.num_targets, s.duration_s, nrep, ndet, (unsigned long long)s.seed);
    return 0;
}
