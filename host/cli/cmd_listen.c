/* triad listen: subscribe to detection reports on DDS and print them as JSON Lines, the
 * detection lines exactly as triad process writes them; warn when a radar goes silent.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "io/dds/dds_listener.h"
#include "io/detections_jsonl.h"
#include "triad/recording.h"

static const char usage_text[] =
    "usage: triad listen [--domain N] [--config XML|URI | --loopback] [--topic NAME]\n"
    "                    [--deadline S] [--count K] [--timeout S] [--out FILE] [--reports]\n"
    "Print the detection reports published on DDS as JSON Lines: one line per detection with\n"
    "the fields of triad process (docs/FORMATS.md, \"Detections on DDS\"). Warnings (a radar\n"
    "went silent, stopped, a publisher that cannot match) go to stderr.\n"
    "  --domain N     DDS domain 0..230 (default 0)\n"
    "  --config X     Cyclone configuration: XML text or a file URI (default: the\n"
    "                 CYCLONEDDS_URI environment variable, else Cyclone's defaults)\n"
    "  --loopback     this host only: 127.0.0.1, no multicast, unicast discovery\n"
    "  --topic NAME   the topic (default " TRIAD_DDS_TOPIC_DEFAULT ")\n"
    "  --deadline S   warn when a radar channel sends no report for S seconds (default 1);\n"
    "                 at least the publishers' deadline, else they cannot match\n"
    "  --count K      stop after K reports (reports without detections count)\n"
    "  --timeout S    stop after S seconds; with --count, fewer than K reports is an error\n"
    "  --out FILE     write the lines to FILE instead of stdout (flushed report by report)\n"
    "  --reports      also print one line per report, before its detections\n";

typedef struct {
    triad_dds_opts dds;
    long count;
    double timeout_s;
    const char *out_path;
    bool reports;
} listen_opts;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/* Recording start in epoch seconds, as triad process knows it, so that the detection lines
 * get the same time_utc: NAN when the report carries no UTC time. */
static double start_epoch_s(const triad_dds_report *r)
{
    if (r->cpi_time_utc_ns == INT64_MIN || !isfinite(r->time_s))
        return NAN;
    return (double)r->cpi_time_utc_ns * 1e-9 - r->time_s;
}

static void print_report_line(FILE *f, const triad_dds_report *r, double t0)
{
    fprintf(f, "{\"cpi\":%llu,\"channel\":%u", (unsigned long long)r->cpi,
            (unsigned)r->key.channel);
    if (isfinite(r->time_s))
        fprintf(f, ",\"time_s\":%.9f", r->time_s);
    if (!isnan(t0)) {
        char utc[48];
        triad__format_utc(t0 + r->time_s, utc, sizeof utc);
        fprintf(f, ",\"time_utc\":\"%s\"", utc);
    }
    if (r->key.site_id[0]) {
        fputs(",\"site\":", f);
        put_json_string(f, r->key.site_id);
    }
    fprintf(f, ",\"radar_id\":%u,\"detections\":%zu", (unsigned)r->key.radar_id, r->num_dets);
    if (isfinite(r->degraded_fraction))
        fprintf(f, ",\"degraded_fraction\":%.4f", r->degraded_fraction);
    if (isfinite(r->latency_s))
        fprintf(f, ",\"latency_s\":%.6f", r->latency_s);
    fputs("}\n", f);
}

static int print_report(FILE *f, const triad_dds_report *r, bool report_line)
{
    const double t0 = start_epoch_s(r);
    if (report_line)
        print_report_line(f, r, t0);
    /* the detection lines come from triad process's own writer, fed with what it reads
     * from a recording: the site's id and the beam */
    triad_recording_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.has_site = r->key.site_id[0] != '\0';
    snprintf(meta.site.id, sizeof meta.site.id, "%s", r->key.site_id);
    for (size_t i = 0; i < r->num_dets; i++) {
        const triad_dds_detection *d = &r->dets[i];
        meta.has_beam = isfinite(d->azimuth_deg) && isfinite(d->elevation_deg);
        meta.beam_azimuth_deg = d->azimuth_deg;
        meta.beam_elevation_deg = d->elevation_deg;
        if (triad__jsonl_write(f, &d->det, &meta, t0))
            return 1;
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : 1;
}

static void describe(char *buf, size_t size, const triad_dds_key *k)
{
    snprintf(buf, size, "site '%s' radar %u channel %u", k->site_id, (unsigned)k->radar_id,
             (unsigned)k->channel);
}

static int run(const listen_opts *o)
{
    triad_dds_listener *l = NULL;
    const int err = triad_dds_listener_create(&l, &o->dds);
    if (err) /* a value the options let through but DDS refuses (a topic name) is usage too */
        return cli_error("listen", err == TRIAD_EINVAL ? 2 : 1, "%s", triad_errmsg());
    FILE *out = stdout;
    if (o->out_path && !(out = fopen(o->out_path, "w"))) {
        triad_dds_listener_destroy(l);
        return cli_error("listen", 1, "--out %s: cannot create the file", o->out_path);
    }
    const struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    const double deadline_s = triad_dds_listener_deadline(l);
    const double end = o->timeout_s > 0.0 ? now_s() + o->timeout_s : INFINITY;
    fprintf(stderr, "triad listen: domain %u, topic '%s', deadline %g s\n",
            (unsigned)o->dds.domain_id, o->dds.topic ? o->dds.topic : TRIAD_DDS_TOPIC_DEFAULT,
            deadline_s);
    long reports = 0;
    int status = 0;
    char who[128];
    while (!stop_requested && (o->count == 0 || reports < o->count)) {
        const double left = end - now_s();
        if (left <= 0.0)
            break;
        triad_dds_event ev;
        if (triad_dds_listener_next(l, left < 0.2 ? left : 0.2, &ev)) { /* checks the flag */
            status = cli_error("listen", 1, "%s", triad_errmsg());
            break;
        }
        switch (ev.kind) {
        case TRIAD_DDS_EV_TIMEOUT:
            break;
        case TRIAD_DDS_EV_REPORT:
            if (ev.resumed) {
                describe(who, sizeof who, &ev.key);
                fprintf(stderr, "triad listen: %s: reports again\n", who);
            }
            reports++;
            if (print_report(out, &ev.report, o->reports)) {
                status = cli_error("listen", 1, "%s: write failed",
                                   o->out_path ? o->out_path : "stdout");
                goto done;
            }
            break;
        case TRIAD_DDS_EV_SILENT:
            describe(who, sizeof who, &ev.key);
            fprintf(stderr, "triad listen: warning: %s went silent: no report for %g s "
                    "(deadline missed)\n", who, deadline_s);
            break;
        case TRIAD_DDS_EV_GONE:
            describe(who, sizeof who, &ev.key);
            fprintf(stderr, "triad listen: warning: %s: %s\n", who,
                    ev.disposed ? "its publisher stopped"
                                : "no publisher left (it vanished without stopping)");
            break;
        case TRIAD_DDS_EV_INCOMPATIBLE:
            fprintf(stderr, "triad listen: warning: a publisher on this topic cannot match: "
                    "QoS policy %s%s\n", ev.policy,
                    strcmp(ev.policy, "DEADLINE") == 0 ? " (its deadline is longer than "
                                                         "--deadline)" : "");
            break;
        }
    }
    if (status == 0 && o->count > 0 && reports < o->count)
        status = cli_error("listen", 1, "%ld of %ld reports received before %s", reports,
                           o->count, stop_requested ? "the interrupt" : "the timeout");
done:
    if (out != stdout && fclose(out) != 0 && status == 0)
        status = cli_error("listen", 1, "--out %s: write failed", o->out_path);
    triad_dds_listener_destroy(l);
    return status;
}

int cmd_listen(int argc, char **argv)
{
    listen_opts o = {.dds = triad_dds_opts_default()};
    static const struct option opts[] = {
        {"domain", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"loopback", no_argument, NULL, 'l'},
        {"topic", required_argument, NULL, 't'},
        {"deadline", required_argument, NULL, 'D'},
        {"count", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 'T'},
        {"out", required_argument, NULL, 'o'},
        {"reports", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (cli_long("listen", "--domain", optarg, 0, TRIAD_DDS_DOMAIN_MAX, &v))
                return 2;
            o.dds.domain_id = (uint32_t)v;
            break;
        case 'c': o.dds.config = optarg; break;
        case 'l': o.dds.loopback = true; break;
        case 't': o.dds.topic = optarg; break;
        case 'D':
            if (cli_double("listen", "--deadline", optarg, 1e-3, 1e6, &o.dds.deadline_s))
                return 2;
            break;
        case 'n':
            if (cli_long("listen", "--count", optarg, 1, 1L << 40, &o.count))
                return 2;
            break;
        case 'T':
            if (cli_double("listen", "--timeout", optarg, 1e-3, 1e9, &o.timeout_s))
                return 2;
            break;
        case 'o': o.out_path = optarg; break;
        case 'r': o.reports = true; break;
        case 'h': printf("%s", usage_text); return 0;
        case '?': return cli_bad_option("listen", argv);
        }
    }
    if (optind != argc)
        return cli_error("listen", 2, "unexpected argument '%s' (triad listen --help)",
                         argv[optind]);
    if (o.dds.config && o.dds.loopback)
        return cli_error("listen", 2, "--config and --loopback: give one of them");
    return run(&o);
}
