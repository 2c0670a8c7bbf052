/* triad bench: placeholder until the benchmark lands. SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "cli/cli.h"

int cmd_bench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("bench", 1, "not built yet");
}
