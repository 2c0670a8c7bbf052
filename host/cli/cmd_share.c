/* The sharing stage's commands (host/share/): triad hub, triad node, triad keygen.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/file.h"
#include "core/limits.h"
#include "fusion/tracker.h"
#include "io/dds/fusion_dds.h"
#include "io/fusion_jsonl.h"
#include "share/deploy.h"
#include "share/envelope.h"
#include "share/hub.h"
#include "share/node.h"
#include "triad/error.h"

static volatile sig_atomic_t share_stop;

static void share_on_signal(int sig)
{
    (void)sig;
    share_stop = 1;
}

static void catch_signals(void)
{
    const struct sigaction sa = {.sa_handler = share_on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* a file size limit makes a write fail with EFBIG (audited, alarmed), not kill us */
    signal(SIGXFSZ, SIG_IGN);
}

/* ---- triad hub ---- */

static const char hub_usage[] =
    "usage: triad hub --config FILE [--stats S]\n"
    "Join every bilateral link domain and the national domain of FILE and relay Warning and\n"
    "Track envelopes between the partners under the release policy: verified (origin\n"
    "signature, freshness, version), withheld/rounded field by field, countersigned, audited\n"
    "(hash-chained log; triad audit verify), kept durable so a partner reconnecting or a hub\n"
    "restart loses nothing. Link alarms on stderr. Stops on SIGINT/SIGTERM.\n"
    "  --config FILE  the hub's configuration (docs/FORMATS.md, \"Sharing: hub and node\n"
    "                 configuration\")\n"
    "  --stats S      a counters line on stderr every S seconds (default 0: none)\n";

int cmd_hub(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"stats", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL;
    double stats_s = 0;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 's':
            if (cli_double("hub", "--stats", optarg, 0, 86400, &stats_s))
                return 2;
            break;
        case 'h':
            fputs(hub_usage, stdout);
            return 0;
        default:
            return cli_bad_option("hub", argv);
        }
    }
    if (optind < argc)
        return cli_error("hub", 2, "unexpected argument '%s'", argv[optind]);
    if (!config)
        return cli_error("hub", 2, "--config FILE is required (triad hub --help)");
    triad_share_hub *h = NULL;
    int err = triad_share_hub_create(&h, config);
    if (err)
        return cli_error("hub", err == TRIAD_EINVAL || err == TRIAD_EFORMAT ? 2 : 1, "%s",
                         triad_errmsg());
    catch_signals();
    fprintf(stderr, "triad hub: running (%s)\n", config);
    err = triad_share_hub_run(h, &share_stop, stats_s);
    const triad_share_hub_stats s = triad_share_hub_get_stats(h);
    fprintf(stderr,
            "triad hub: stopped: received %llu, released %llu (%llu on reconnect), rejected "
            "%llu, alarms %llu\n",
            (unsigned long long)s.received, (unsigned long long)s.released,
            (unsigned long long)s.resent, (unsigned long long)s.rejected,
            (unsigned long long)s.alarms);
    triad_share_hub_destroy(h);
    return err ? cli_error("hub", 1, "%s", triad_errmsg()) : 0;
}

/* ---- triad node ---- */

static const char node_usage[] =
    "usage: triad node --config FILE [--input FILE|- | --from-dds DOMAIN [--from-dds-config X]]\n"
    "                  [--rate HZ] [--wait S] [--out FILE] [--count N] [--timeout S] [--idle S]\n"
    "A partner's gateway: sign and publish the nation's Warning and Track lines (JSON Lines\n"
    "of triad fuse) to the hub, and print what the hub relays from the other partners, one\n"
    "JSON line per message after both signatures, freshness and version are checked (each\n"
    "version once, also across reconnects). Alarms and rejections on stderr.\n"
    "  --config FILE        the node's configuration (docs/FORMATS.md)\n"
    "  --input FILE|-       JSON Lines to publish (warning and track lines; others skipped),\n"
    "                       once the hub reads this node (see --wait); at the end of the\n"
    "                       input the node waits for the hub's acknowledgements and exits\n"
    "                       (with --count or --timeout it stays up to deliver until those)\n"
    "  --wait S             at most S seconds for the hub to match before publishing\n"
    "                       (default 30; status 1 if it does not)\n"
    "  --from-dds DOMAIN    publish the tracks and warnings of triad fuse --dds-out on the\n"
    "                       national DDS domain instead\n"
    "  --from-dds-config X  Cyclone configuration for that domain (default: loopback)\n"
    "  --rate HZ            at most HZ input lines per second (default: as fast as they come)\n"
    "  --out FILE           the delivered messages (default stdout)\n"
    "  --count N            stop after N messages delivered (status 1 if not reached in time)\n"
    "  --timeout S          stop after S seconds\n"
    "  --idle S             stop S seconds after the last delivery (once one came)\n";

typedef struct {
    triad_share_node *node;
    const char *input;
    long from_dds;
    const char *from_dds_config;
    double rate_hz;
    double wait_s;
    bool stay;  /* --count or --timeout: delivering goes on after the end of the input */
    int status; /* 0, or the status the command ends with */
} node_input;

/* Before the first line: the hub must be reading, else what is published now would reach it
 * only as the latest version per instance (a durable writer's history). */
static bool wait_for_hub(node_input *in)
{
    const int w = triad_share_node_wait_hub(in->node, in->wait_s, &share_stop);
    if (w < 0) {
        in->status = cli_error("node", 1, "%s", triad_errmsg());
        share_stop = 1;
    }
    return w == 0;
}

/* At most rate_hz lines a second: each line waits for its slot; after a stall (a pipe with
 * nothing to read) the slots start again from now, so a backlog does not go out in a burst. */
static void pace(double rate_hz, struct timespec *next)
{
    if (rate_hz <= 0)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > next->tv_sec || (now.tv_sec == next->tv_sec && now.tv_nsec > next->tv_nsec))
        *next = now;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL);
    const long step = (long)(1e9 / rate_hz);
    next->tv_nsec += step % 1000000000L;
    next->tv_sec += step / 1000000000L + next->tv_nsec / 1000000000L;
    next->tv_nsec %= 1000000000L;
}

static void close_input(void *f)
{
    if (f != stdin)
        fclose(f);
}

static void close_lines(void *r) { triad__lines_close(r); }

static void *input_from_file(node_input *in)
{
    /* a regular file, a FIFO (a live feed) or stdin ("-"); never a device or a folder */
    FILE *f = stdin;
    triad__lines *lines = NULL;
    if (strcmp(in->input, "-") != 0 && triad__fopen_stream(in->input, &f)) {
        in->status = cli_error("node", 1, "%s", triad_errmsg());
        share_stop = 1;
        return NULL;
    }
    if (triad__lines_from_stream(&lines, f, strcmp(in->input, "-") ? in->input : "stdin",
                                 TRIAD__JSONL_MAX_LINE)) {
        in->status = cli_error("node", 1, "%s", triad_errmsg());
        close_input(f);
        share_stop = 1;
        return NULL;
    }
    const char *line;
    size_t len;
    int got;
    pthread_cleanup_push(close_input, f);
    pthread_cleanup_push(close_lines, lines);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    bool hub_ready = false;
    while (!share_stop && (got = triad__lines_next(lines, &line, &len, NULL)) != 0) {
        if (got < 0) { /* a line too long or a read error ends the input, named */
            fprintf(stderr, "triad node: %s\n", triad_errmsg());
            in->status = 1;
            break;
        }
        if (!hub_ready && !(hub_ready = wait_for_hub(in)))
            break;
        const long lineno = (long)triad__lines_number(lines);
        if (strspn(line, " \t\r\n") == len)
            continue;
        char where[300];
        snprintf(where, sizeof where, "%s:%ld", strcmp(in->input, "-") ? in->input : "stdin",
                 lineno);
        pace(in->rate_hz, &next);
        /* stopping cancels this thread while reading (a pipe may never end), never mid-publish */
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        const int err = triad_share_node_publish_json(in->node, line, where);
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        if (err < 0) {
            /* a bad line, or a write DDS could not take, is named and skipped (status 1) */
            fprintf(stderr, "triad node: skipped: %s\n", triad_errmsg());
            in->status = 1;
        }
    }
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(1);
    /* the end of the input: once the hub has everything, the node is done (unless told to
     * stay and deliver) */
    if (!share_stop && !in->stay) {
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        if (triad_share_node_flush(in->node, 10) != 0) {
            fprintf(stderr, "triad node: %s\n", triad_errmsg());
            in->status = 1;
        }
        share_stop = 1;
    }
    return NULL;
}

static void *input_from_dds(node_input *in)
{
    const triad_fdds_opts o = {.domain_id = (uint32_t)in->from_dds,
                               .config = in->from_dds_config,
                               .loopback = !in->from_dds_config};
    triad_fdds_sub *s = NULL;
    if (triad_fdds_sub_create(&s, &o)) {
        in->status = cli_error("node", 1, "%s", triad_errmsg());
        share_stop = 1;
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    if (!wait_for_hub(in)) {
        triad_fdds_sub_destroy(s);
        return NULL;
    }
    while (!share_stop) {
        triad_fdds_sample smp;
        if (triad_fdds_sub_next(s, 0.2, &smp)) {
            in->status = cli_error("node", 1, "%s", triad_errmsg());
            share_stop = 1;
            break;
        }
        if (smp.kind == TRIAD_FDDS_NONE)
            continue;
        FILE *m = open_memstream(&buf, &len);
        if (!m)
            break;
        if (smp.kind == TRIAD_FDDS_TRACK)
            triad__fjsonl_write_track(m, &smp.track);
        else
            triad__fjsonl_write_warning(m, &smp.warning);
        fclose(m);
        char where[64];
        snprintf(where, sizeof where, "national domain %ld", in->from_dds);
        if (triad_share_node_publish_json(in->node, buf, where) < 0)
            fprintf(stderr, "triad node: skipped: %s\n", triad_errmsg());
        free(buf);
        buf = NULL;
    }
    triad_fdds_sub_destroy(s);
    return NULL;
}

static void *input_thread(void *arg)
{
    node_input *in = arg;
    return in->input ? input_from_file(in) : input_from_dds(in);
}

int cmd_node(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},   {"input", required_argument, NULL, 'i'},
        {"from-dds", required_argument, NULL, 'd'}, {"from-dds-config", required_argument, NULL, 'C'},
        {"rate", required_argument, NULL, 'r'},     {"out", required_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'n'},    {"timeout", required_argument, NULL, 'T'},
        {"wait", required_argument, NULL, 'w'},     {"idle", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *config = NULL, *out_path = NULL;
    node_input in = {.from_dds = -1, .wait_s = 30};
    long count = 0;
    double timeout_s = 0, idle_s = 0;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        int bad = 0;
        switch (c) {
        case 'c': config = optarg; break;
        case 'i': in.input = optarg; break;
        case 'd': bad = cli_long("node", "--from-dds", optarg, 0, 230, &in.from_dds); break;
        case 'C': in.from_dds_config = optarg; break;
        case 'r': bad = cli_double("node", "--rate", optarg, 1e-3, 1e6, &in.rate_hz); break;
        case 'o': out_path = optarg; break;
        case 'n': bad = cli_long("node", "--count", optarg, 1, 1000000000L, &count); break;
        case 'T': bad = cli_double("node", "--timeout", optarg, 1e-3, 1e7, &timeout_s); break;
        case 'w': bad = cli_double("node", "--wait", optarg, 0.1, 86400, &in.wait_s); break;
        case 'I': bad = cli_double("node", "--idle", optarg, 0.1, 86400, &idle_s); break;
        case 'h': fputs(node_usage, stdout); return 0;
        default: return cli_bad_option("node", argv);
        }
        if (bad)
            return bad;
    }
    if (optind < argc)
        return cli_error("node", 2, "unexpected argument '%s'", argv[optind]);
    if (!config)
        return cli_error("node", 2, "--config FILE is required (triad node --help)");
    if (in.input && in.from_dds >= 0)
        return cli_error("node", 2, "--input and --from-dds: give one source");
    if (in.from_dds_config && in.from_dds < 0)
        return cli_error("node", 2, "--from-dds-config without --from-dds");
    in.stay = count > 0 || timeout_s > 0 || idle_s > 0;
    int err = triad_share_node_create(&in.node, config);
    if (err)
        return cli_error("node", err == TRIAD_EINVAL || err == TRIAD_EFORMAT ? 2 : 1, "%s",
                         triad_errmsg());
    FILE *out = stdout;
    if (out_path && strcmp(out_path, "-") != 0 && !(out = fopen(out_path, "w"))) {
        triad_share_node_destroy(in.node);
        return cli_error("node", 1, "%s: cannot create: %s", out_path, strerror(errno));
    }
    catch_signals();
    pthread_t th;
    const bool has_input = in.input || in.from_dds >= 0;
    if (has_input && pthread_create(&th, NULL, input_thread, &in) != 0) {
        if (out != stdout)
            fclose(out);
        triad_share_node_destroy(in.node);
        return cli_error("node", 1, "cannot start the input thread");
    }
    const int run = triad_share_node_run(in.node, &share_stop, out, count, timeout_s, idle_s);
    int status = 0;
    if (run < 0)
        status = cli_error("node", 1, "%s", triad_errmsg());
    else if (run > 0)
        status = cli_error("node", 1, "%llu of %ld messages delivered before %s",
                           (unsigned long long)triad_share_node_get_stats(in.node).delivered,
                           count, share_stop ? "the interrupt" : "the timeout");
    share_stop = 1;
    if (has_input) {
        /* a reader blocked on a pipe that stays open: cancelled in its read */
        if (in.input)
            pthread_cancel(th);
        pthread_join(th, NULL);
    }
    if (!status && in.status)
        status = in.status;
    const triad_share_node_stats s = triad_share_node_get_stats(in.node);
    fprintf(stderr,
            "triad node: published %llu, delivered %llu, duplicates dropped %llu, rejected "
            "%llu, alarms %llu\n",
            (unsigned long long)s.published, (unsigned long long)s.delivered,
            (unsigned long long)s.duplicates, (unsigned long long)s.rejected,
            (unsigned long long)s.alarms);
    if (out != stdout && fclose(out) && !status)
        status = cli_error("node", 1, "%s: write failed", out_path);
    triad_share_node_destroy(in.node);
    return status;
}

/* ---- triad keygen ---- */

static const char keygen_usage[] =
    "usage: triad keygen --id ID --dir DIR\n"
    "Make an Ed25519 key pair for node ID (the signatures of shared warnings): DIR/ID.key\n"
    "(secret, mode 0600, never overwritten) and DIR/ID.pub, and add ID's public key to the\n"
    "trust store DIR/trust.json (created if absent), which hubs and nodes load.\n";

int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"id", required_argument, NULL, 'i'},
                                         {"dir", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *id = NULL, *dir = NULL;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        switch (c) {
        case 'i': id = optarg; break;
        case 'd': dir = optarg; break;
        case 'h': fputs(keygen_usage, stdout); return 0;
        default: return cli_bad_option("keygen", argv);
        }
    }
    if (optind < argc || !id || !dir)
        return cli_error("keygen", 2, "--id ID and --dir DIR are required (triad keygen --help)");
    if (!triad_share_id_ok(id))
        return cli_error("keygen", 2, "--id '%s': 1..63 of [A-Za-z0-9._-]", id);
    if (triad_share_keygen(dir, id, stdout))
        return cli_error("keygen", 1, "%s", triad_errmsg());
    return 0;
}

/* ---- triad share init ---- */

static const char share_usage[] =
    "usage: triad share init DIR [--domain-ac X] [--domain-bc Y] [--insecure]\n"
    "Write a working sharing deployment for this host into DIR (created): the DDS Security\n"
    "PKI of host/share/pki/make-deployment.sh --loopback in DIR/dep, signing keys of A, B and\n"
    "the hub in DIR/keys (with keys/trust.json), policy.json, hub.json, nodeA.json and\n"
    "nodeB.json (docs/FORMATS.md, \"Sharing\"). Existing configuration files are never\n"
    "overwritten; existing keys are kept. Then, in DIR:\n"
    "  triad hub --config hub.json &   triad node --config nodeB.json --out from_A.jsonl &\n"
    "  triad node --config nodeA.json --input tracks.jsonl\n"
    "  --domain-ac X   domain id of link A-C (default 41)\n"
    "  --domain-bc Y   domain id of link B-C (default 42)\n"
    "  --insecure      no PKI: the links are plain loopback, without DDS Security (where\n"
    "                  openssl or Cyclone's security plugins are missing)\n"
    "make-deployment.sh is looked for in $TRIAD_PKI_DIR, then where triad is installed, then\n"
    "in the source tree it was built from.\n";

/* make-deployment.sh: $TRIAD_PKI_DIR, the installed copy, the source tree's. */
static const char *find_pki_script(char *buf, size_t n)
{
    const char *dirs[] = {getenv("TRIAD_PKI_DIR"), TRIAD_PKI_INSTALL_DIR, TRIAD_PKI_SOURCE_DIR};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        snprintf(buf, n, "%s/make-deployment.sh", dirs[i]);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    return NULL;
}

int cmd_share(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(share_usage, stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "init") != 0) {
        fputs(share_usage, stderr);
        return 2;
    }
    static const struct option opts[] = {{"domain-ac", required_argument, NULL, 'a'},
                                         {"domain-bc", required_argument, NULL, 'b'},
                                         {"insecure", no_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    long ac = 41, bc = 42;
    bool insecure = false;
    opterr = 0;
    optind = 2;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        int bad = 0;
        switch (c) {
        case 'a': bad = cli_long("share init", "--domain-ac", optarg, 0, 230, &ac); break;
        case 'b': bad = cli_long("share init", "--domain-bc", optarg, 0, 230, &bc); break;
        case 'i': insecure = true; break;
        case 'h': fputs(share_usage, stdout); return 0;
        default: return cli_bad_option("share init", argv);
        }
        if (bad)
            return bad;
    }
    if (optind != argc - 1)
        return cli_error("share init", 2, "one DIR is required (triad share --help)");
    char script[4096];
    const triad_share_deploy_opts o = {.dir = argv[optind],
                                       .domain_ac = (uint32_t)ac,
                                       .domain_bc = (uint32_t)bc,
                                       .insecure = insecure,
                                       .pki_script = find_pki_script(script, sizeof script),
                                       .log = stdout};
    const int err = triad_share_deploy(&o);
    if (err)
        return cli_error("share init", err == TRIAD_EINVAL ? 2 : 1, "%s", triad_errmsg());
    printf("share init: a deployment for this host in %s (links A-C on domain %ld, B-C on %ld, "
           "%s): cd %s; triad hub --config hub.json &\n", argv[optind], ac, bc,
           insecure ? "no DDS Security" : "DDS Security", argv[optind]);
    return 0;
}
