/* triad simulate: scene -> recording + truth. SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "triad/error.h"
#include "triad/sim.h"

static const char usage_text[] =
    "usage: triad simulate [--scene FILE.json] [--out BASE] [--cpis K] [--seed S]\n"
    "                      [--datatype cf32_le|ci16_le]\n"
    "  writes BASE.sigmf-meta, BASE.sigmf-data and BASE.truth.json (default BASE: triad-demo)\n"
    "  without --scene, the built-in scene: 3 targets, 8 CPIs of 64 x 2048, S band\n";

int cmd_simulate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"scene", required_argument, NULL, 's'}, {"out", required_argument, NULL, 'o'},
        {"cpis", required_argument, NULL, 'k'},  {"seed", required_argument, NULL, 'r'},
        {"datatype", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *scene_path = NULL, *out = "triad-demo", *datatype = NULL;
    long cpis = 0, seed = -1;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "s:o:k:r:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': scene_path = optarg; break;
        case 'o': out = optarg; break;
        case 'k':
            if (cli_long("simulate", "--cpis", optarg, 1, 1000000, &cpis)) return 2;
            break;
        case 'r':
            if (cli_long("simulate", "--seed", optarg, 0, 2147483647L, &seed)) return 2;
            break;
        case 'd': datatype = optarg; break;
        case 'h': printf("%s", usage_text); return 0;
        default: return cli_bad_option("simulate", argv);
        }
    }
    if (optind != argc)
        return cli_error("simulate", 2, "unexpected argument '%s'", argv[optind]);
    triad_scene scene;
    if (scene_path) {
        if (triad_scene_load(scene_path, &scene))
            return cli_error("simulate", 1, "%s", triad_errmsg());
    } else {
        triad_scene_default(&scene);
    }
    if (cpis)
        scene.num_cpis = (uint64_t)cpis;
    if (seed >= 0)
        scene.seed = (uint64_t)seed;
    if (datatype) {
        if (strcmp(datatype, "cf32_le") == 0)
            scene.radar.format = TRIAD_FORMAT_CF32_LE;
        else if (strcmp(datatype, "ci16_le") == 0)
            scene.radar.format = TRIAD_FORMAT_CI16_LE;
        else
            return cli_error("simulate", 2, "option --datatype: '%s' is not cf32_le or ci16_le",
                             datatype);
    }
    if (triad_simulate(&scene, out))
        return cli_error("simulate", 1, "%s", triad_errmsg());
    fprintf(stderr, "triad simulate: wrote %s.sigmf-meta, %s.sigmf-data (%llu CPIs), %s.truth.json\n",
            out, out, (unsigned long long)scene.num_cpis, out);
    return 0;
}
