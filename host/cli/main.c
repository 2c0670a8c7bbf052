/* triad: a pulse-Doppler radar signal processor. SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "triad/version.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *what;
} commands[] = {
    {"simulate", cmd_simulate, "write a recording and its truth from a scene"},
    {"process", cmd_process, "process a recording into detections (JSON Lines)"},
    {"info", cmd_info, "print a recording's geometry"},
    {"bench", cmd_bench, "time the chain per CPI against its floors and peers"},
    {"devices", cmd_devices, "list OpenCL platforms and devices with their limits"},
    {"run", cmd_run, "process a live VITA-49 stream into detections (JSON Lines, DDS)"},
    {"replay", cmd_replay, "send a recording as a VITA-49 stream over UDP (for testing)"},
#ifdef TRIAD_HAVE_DDS
    {"listen", cmd_listen, "print the detection reports published on DDS (JSON Lines)"},
#endif
#ifdef TRIAD_HAVE_SHARE
    {"hub", cmd_hub, "relay warnings and tracks between partner links (signed, audited)"},
    {"node", cmd_node, "a partner's gateway: publish national warnings, print relayed ones"},
    {"share", cmd_share, "share init DIR: write a working sharing deployment for this host"},
    {"keygen", cmd_keygen, "make a node's Ed25519 signing key and add it to a trust store"},
    {"audit", cmd_audit, "verify the hash chain of a hub's audit log"},
#endif
#ifdef TRIAD_FUSION_CLI
    {"scenario", cmd_scenario, "simulate radar sites and targets into detection reports + truth"},
    {"fuse", cmd_fuse, "fuse detection reports into tracks and launch/impact warnings"},
#endif
};

enum { NUM_COMMANDS = sizeof commands / sizeof commands[0] };

/* What an optional part (TRIAD_WITH_<PART>, cmake/TriadDeps.cmake) brings: whole commands
 * (command, NULL) and options of other commands. A build without the part refuses them up
 * front, naming the part and the setting; host/cli/absent.c backs this with functions that
 * fail the same way. */
static const struct {
    const char *command, *option; /* option: a long option without "--", or NULL */
    const char *part;
} parts[] = {
#ifndef TRIAD_HAVE_PNG
    {"process", "rdmap", "PNG"}, {"bench", "plot", "PNG"}, {"fuse", "plot", "PNG"},
#endif
#ifndef TRIAD_HAVE_DDS
    {"listen", NULL, "DDS"},         {"run", "dds", "DDS"},
    {"run", "dds-domain", "DDS"},    {"run", "dds-config", "DDS"},
    {"run", "dds-loopback", "DDS"},  {"run", "dds-topic", "DDS"},
    {"run", "dds-deadline", "DDS"},  {"run", "dds-wait-readers", "DDS"},
    {"fuse", "dds-out", "DDS"},      {"fuse", "dds-linger", "DDS"},
    {"fuse", "print-dds", "DDS"},    {"fuse", "dds-domain", "DDS"},
    {"fuse", "dds-loopback", "DDS"}, {"fuse", "dds-config", "DDS"},
    {"fuse", "dds-track-topic", "DDS"}, {"fuse", "dds-warning-topic", "DDS"},
    {"fuse", "dds-in", "DDS"},       {"fuse", "dds-in-topic", "DDS"},
#endif
#ifndef TRIAD_HAVE_SHARE
    {"hub", NULL, "SHARE"},    {"node", NULL, "SHARE"},  {"share", NULL, "SHARE"},
    {"keygen", NULL, "SHARE"}, {"audit", NULL, "SHARE"},
#endif
    {NULL, NULL, NULL},
};

/* An argument that names the long option (--name or --name=VALUE). */
static int names_option(const char *arg, const char *option)
{
    const size_t n = strlen(option);
    return strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, option, n) == 0 &&
           (arg[2 + n] == '\0' || arg[2 + n] == '=');
}

/* 0, or 2 after saying that the command or one of its options is not built. */
static int check_parts(int argc, char **argv)
{
    for (size_t i = 0; parts[i].command; i++) {
        if (strcmp(argv[1], parts[i].command) != 0)
            continue;
        if (!parts[i].option) {
            fprintf(stderr, "triad: command '%s' is not built into this triad: it needs %s "
                            "(configured with TRIAD_WITH_%s=OFF, or its dependencies were not "
                            "found; see the configure summary)\n",
                    argv[1], parts[i].part, parts[i].part);
            return 2;
        }
        for (int a = 2; a < argc && strcmp(argv[a], "--") != 0; a++)
            if (names_option(argv[a], parts[i].option)) {
                fprintf(stderr, "triad %s: option --%s: not built with %s (configured with "
                                "TRIAD_WITH_%s=OFF, or its dependencies were not found)\n",
                        argv[1], parts[i].option, parts[i].part, parts[i].part);
                return 2;
            }
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: triad COMMAND [options]   (triad help COMMAND, or triad COMMAND --help,\n"
               "       for its options; triad --version)\n\n");
    for (size_t i = 0; i < NUM_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
    const char *sep = "\nnot built into this triad:";
    for (size_t i = 0; parts[i].command; i++)
        if (!parts[i].option) {
            fprintf(f, "%s %s (%s)", sep, parts[i].command, parts[i].part);
            sep = ",";
        }
    if (*sep == ',')
        fprintf(f, "\n");
}

/* triad help [COMMAND]: the list, or the command's own --help text (the one text both show;
 * the man page, cmake/TriadMan.cmake, is made from it too). */
static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    if (argc > 2) {
        fprintf(stderr, "triad help: expected one command, got '%s' too\n", argv[2]);
        return 2;
    }
    for (size_t i = 0; i < NUM_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            char *args[] = {argv[1], "--help", NULL};
            return commands[i].run(2, args);
        }
    char *named[] = {argv[0], argv[1], NULL};
    if (check_parts(2, named))
        return 2;
    fprintf(stderr, "triad help: unknown command '%s' (triad help lists them)\n", argv[1]);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("triad %s (commit %s)\n", triad_version(), triad_commit());
        return 0;
    }
    if (strcmp(argv[1], "help") == 0)
        return help(argc - 1, argv + 1);
    if (check_parts(argc, argv))
        return 2;
    for (size_t i = 0; i < NUM_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "triad: unknown command '%s' (triad --help lists them)\n", argv[1]);
    return 2;
}
