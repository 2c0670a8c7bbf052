/* triad process REC.sigmf-meta: recording -> chain -> JSON Lines (and PNG maps).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "io/detections_jsonl.h"
#include "io/rdmap_png.h"
#include "triad/recording.h"
#include "triad/units.h"

static const char usage_text[] =
    "usage: triad process REC.sigmf-meta [--out FILE] [--rdmap DIR] [--quiet] [options]\n"
    "  --out FILE     write detections (JSON Lines) to FILE instead of stdout; FILE appears\n"
    "                 only when the whole recording was processed\n"
    "  --rdmap DIR    write a range-Doppler map PNG per CPI and channel into DIR\n"
    "  --quiet        no progress bar or summary\n"
    "  --max-memory B refuse a recording whose CPI needs more than B bytes to process (K, M, G,\n"
    "                 T: powers of 1024; default: this machine's memory)\n"
    "  --skip-sha512  do not verify core:sha512 (by default every byte of the data goes\n"
    "                 through SHA-512 as it is read; a mismatch fails at the end)\n";

typedef struct {
    const char *out_path, *rdmap_dir;
    bool quiet, skip_sha512;
    uint64_t max_memory_bytes;
} process_opts;

static void progress(uint64_t done, uint64_t total)
{
    const int width = 40, fill = (int)(width * done / (total ? total : 1));
    fprintf(stderr, "\r[%.*s%*s] %llu/%llu CPIs", fill, "########################################",
            width - fill, "", (unsigned long long)done, (unsigned long long)total);
    if (done == total)
        fputc('\n', stderr);
}

static int write_rdmaps(const char *dir, const triad_chain *chain, const triad_recording_meta *m,
                        uint64_t cpi, float *map)
{
    const double lambda = TRIAD_C_MPS / m->carrier_hz;
    for (size_t ch = 0; ch < m->num_channels; ch++) {
        char path[1200], title[128];
        snprintf(path, sizeof path, "%s/cpi%05llu_ch%zu.png", dir, (unsigned long long)cpi, ch);
        snprintf(title, sizeof title, "CPI %llu channel %zu  power (dB)", (unsigned long long)cpi,
                 ch);
        triad_chain_power_map(chain, ch, map);
        const triad_rdmap_style style = {
            .range0_m = 0.5 * TRIAD_C_MPS * m->rx_delay_s,
            .range_bin_m = TRIAD_C_MPS / (2.0 * m->sample_rate_hz),
            .velocity_bin_mps = lambda / (2.0 * (double)m->pulses_per_cpi * m->pri_s),
            .dynamic_range_db = 60.0,
            .title = title,
        };
        if (triad_rdmap_png_write(path, map, m->pulses_per_cpi, m->samples_per_pulse, &style))
            return cli_error("process", 1, "%s", triad_errmsg());
    }
    return 0;
}

static int run(const char *meta_path, const process_opts *o, triad_chain_cfg *cfg)
{
    triad_recording_meta meta;
    float complex *ref = NULL;
    triad_chain *chain = NULL;
    triad_recording_reader *rd = NULL;
    void *raw = NULL;
    triad_detection *dets = NULL;
    float *map = NULL;
    FILE *out = stdout;
    char tmp_path[1100] = "";
    int status = 1;

    size_t ref_len = 0;
    triad_recording_opts ropts = triad_recording_opts_default();
    ropts.max_memory_bytes = o->max_memory_bytes;
    ropts.skip_sha512 = o->skip_sha512;
    if (triad_recording_open(meta_path, &ropts, &meta) ||
        triad_recording_waveform(&meta, &ref, &ref_len))
        return cli_error("process", 1, "%s", triad_errmsg());
    triad_recording_chain_cfg(&meta, ref, ref_len, cfg);
    if (cli_wisdom_load("process"))
        goto done;
    if (triad_chain_create(&chain, cfg)) {
        cli_error("process", 1, "%s: %s", meta_path, triad_errmsg());
        goto done;
    }
    cli_wisdom_save("process");
    const size_t cpi_bytes = triad_recording_cpi_bytes(&meta);
    raw = malloc(cpi_bytes);
    dets = malloc(cfg->max_detections * meta.num_channels * sizeof *dets);
    if (o->rdmap_dir)
        map = malloc(meta.pulses_per_cpi * meta.samples_per_pulse * sizeof *map);
    if (!raw || !dets || (o->rdmap_dir && !map)) {
        cli_error("process", 1, "out of memory for a CPI of %zu bytes", cpi_bytes);
        goto done;
    }
    if (o->rdmap_dir && mkdir(o->rdmap_dir, 0777) != 0 && errno != EEXIST) {
        cli_error("process", 1, "--rdmap %s: cannot create: %s", o->rdmap_dir, strerror(errno));
        goto done;
    }
    if (o->out_path) {
        snprintf(tmp_path, sizeof tmp_path, "%s.partial", o->out_path);
        out = fopen(tmp_path, "w");
        if (!out) {
            cli_error("process", 1, "--out %s: cannot create: %s", tmp_path, strerror(errno));
            out = stdout;
            tmp_path[0] = '\0';
            goto done;
        }
    }
    if (triad_recording_reader_open(&rd, &meta)) {
        cli_error("process", 1, "%s", triad_errmsg());
        goto done;
    }
    const double t0_epoch = triad__parse_utc(meta.datetime);
    const bool bar = !o->quiet && isatty(STDERR_FILENO);
    /* CPIs in flight: the reader fills slot k while the device still works on k-1; maps for
     * --rdmap need the CPI just processed, so that runs one at a time */
    const size_t slots = o->rdmap_dir ? 1 : triad_chain_slots(chain);
    uint64_t index, cpis = 0, total_dets = 0, submitted = 0, collected = 0;
    double busy_s = 0.0;
    const double wall0 = triad__now();
    int r = 1;
    while (collected < submitted || r == 1) {
        if (r == 1 && submitted - collected < slots) {
            const size_t slot = (size_t)(submitted % slots);
            r = triad_recording_reader_next(rd, triad_chain_input(chain, slot), &index);
            if (r == 1) {
                if (triad_chain_submit(chain, slot, index)) {
                    cli_error("process", 1, "%s: CPI %llu: %s", meta_path,
                              (unsigned long long)index, triad_errmsg());
                    goto done;
                }
                submitted++;
                continue;
            }
        }
        if (collected == submitted)
            break;
        triad_chain_stats st;
        const double t0 = triad__now();
        const size_t slot = (size_t)(collected % slots);
        if (triad_chain_collect(chain, slot, dets, &st)) {
            cli_error("process", 1, "%s: CPI %llu: %s", meta_path, (unsigned long long)collected,
                      triad_errmsg());
            goto done;
        }
        busy_s += triad__now() - t0;
        triad_recording_apply_captures(&meta, dets, st.detections);
        collected++;
        index = st.detections ? dets[0].cpi : collected - 1;
        if (st.nonfinite)
            fprintf(stderr, "triad process: warning: %s: CPI %llu: %zu NaN/Inf samples replaced "
                            "by 0\n",
                    meta.data_path, (unsigned long long)(collected - 1), st.nonfinite);
        if (st.dropped)
            fprintf(stderr, "triad process: warning: CPI %llu: %zu detections over "
                            "--max-detections %zu dropped\n",
                    (unsigned long long)(collected - 1), st.dropped, cfg->max_detections);
        for (size_t i = 0; i < st.detections; i++) {
            if (triad__jsonl_write(out, &dets[i], &meta, t0_epoch)) {
                cli_error("process", 1, "%s: %s", o->out_path ? tmp_path : "stdout",
                          triad_errmsg());
                goto done;
            }
        }
        total_dets += st.detections;
        if (o->rdmap_dir && write_rdmaps(o->rdmap_dir, chain, &meta, collected - 1, map))
            goto done;
        cpis++;
        if (bar)
            progress(cpis, meta.num_cpis);
    }
    if (r < 0) {
        cli_error("process", 1, "%s", triad_errmsg());
        goto done;
    }
    if (fflush(out) != 0) {
        cli_error("process", 1, "writing detections failed: %s", strerror(errno));
        goto done;
    }
    if (!o->quiet) {
        const double samples = (double)cpis * (double)(meta.pulses_per_cpi *
                                                       meta.samples_per_pulse * meta.num_channels);
        fprintf(stderr,
                "triad process: %llu CPIs, %llu detections, backend %s, %.1f Msamples/s "
                "processing (%.3f s), %.1f Msamples/s end to end\n",
                (unsigned long long)cpis, (unsigned long long)total_dets,
                triad_chain_backend(chain), samples / busy_s * 1e-6, busy_s,
                samples / (triad__now() - wall0) * 1e-6);
    }
    status = 0;
done:
    if (out != stdout) {
        const int close_err = fclose(out);
        if (status == 0 && close_err == 0 && rename(tmp_path, o->out_path) == 0) {
            /* complete */
        } else {
            if (status == 0)
                status = cli_error("process", 1, "--out %s: cannot finish: %s", o->out_path,
                                   strerror(errno));
            remove(tmp_path);
        }
    }
    triad_recording_reader_close(rd);
    triad_chain_destroy(chain);
    free(ref);
    free(raw);
    free(dets);
    free(map);
    return status;
}

int cmd_process(int argc, char **argv)
{
    static const struct option own[] = {
        {"out", required_argument, NULL, 'o'},
        {"rdmap", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"max-memory", required_argument, NULL, 'M'},
        {"skip-sha512", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct option all[48];
    cli_merge_options(own, all, 48);
    process_opts o = {0};
    triad_chain_cfg cfg = triad_chain_cfg_default();
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:r:qh", all, NULL)) != -1) {
        switch (c) {
        case 'o': o.out_path = optarg; break;
        case 'r': o.rdmap_dir = optarg; break;
        case 'q': o.quiet = true; break;
        case 'S': o.skip_sha512 = true; break;
        case 'M':
            if (cli_bytes("process", "--max-memory", optarg, &o.max_memory_bytes))
                return 2;
            break;
        case 'h': printf("%s\n%s", usage_text, cli_chain_usage); return 0;
        case '?': return cli_bad_option("process", argv);
        default:
            if (cli_chain_option("process", c, optarg, &cfg))
                return 2;
        }
    }
    if (optind == argc)
        return cli_error("process", 2, "expected a recording NAME.sigmf-meta (triad process --help)");
    if (optind != argc - 1)
        return cli_error("process", 2, "unexpected argument '%s' (one recording at a time)",
                         argv[optind + 1]);
    return run(argv[optind], &o, &cfg);
}
