/* The audit log: a chain of every event verifies, survives reopening, and breaks at the right
 * line for a modified byte (anywhere), a deleted line, swapped lines, an inserted line and a
 * truncated last line; `triad audit verify` prints and exits accordingly.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "share/audit.h"
#include "share/link.h"
#include "test_util.h"
#include "triad/error.h"

typedef struct {
    char dir[64];
    char log[128];
    char tmp[128];
} paths;

static int setup(void **state)
{
    paths *p = calloc(1, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "/tmp/test_share_auditXXXXXX");
    if (!mkdtemp(p->dir))
        return -1;
    snprintf(p->log, sizeof p->log, "%s/audit.jsonl", p->dir);
    snprintf(p->tmp, sizeof p->tmp, "%s/copy.jsonl", p->dir);
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    paths *p = *state;
    unlink(p->log);
    unlink(p->tmp);
    rmdir(p->dir);
    free(p);
    return 0;
}

/* Lines of a file, each with its newline. */
typedef struct {
    char *text;
    size_t len;
    size_t start[64], n;
} lines;

static void read_lines(const char *path, lines *l)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    l->text = malloc(1 << 20);
    l->len = fread(l->text, 1, 1 << 20, f);
    fclose(f);
    l->n = 0;
    for (size_t i = 0; i < l->len; i++)
        if (i == 0 || l->text[i - 1] == '\n')
            l->start[l->n++] = i;
    l->start[l->n] = l->len;
}

static void write_bytes(const char *path, const char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* Writes the lines in order ord (indices; -1 ends), optionally cutting the last one short. */
static void write_order(const char *path, const lines *l, const int *ord, size_t cut)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t k = 0; ord[k] >= 0; k++) {
        size_t a = l->start[ord[k]], b = l->start[ord[k] + 1];
        if (ord[k + 1] < 0)
            b -= cut;
        fwrite(l->text + a, 1, b - a, f);
    }
    fclose(f);
}

static void expect_broken(const char *path, size_t line)
{
    triad_share_audit_report rep;
    assert_int_equal(triad_share_audit_verify(path, &rep), TRIAD_EFORMAT);
    if (rep.bad_line != line)
        fail_msg("expected line %zu broken, got %zu (%s)", line, rep.bad_line, rep.why);
    char want[32];
    snprintf(want, sizeof want, "line %zu:", line);
    assert_non_null(strstr(triad_errmsg(), want));
}

/* Writes a log of 12 events (received, released, withheld, rejected). */
static void write_log(const char *path, size_t *num)
{
    triad_share_audit *a = NULL;
    assert_int_equal(triad_share_audit_open(&a, path, false), 0);
    triad_share_envelope e;
    memset(&e, 0, sizeof e);
    snprintf(e.origin, sizeof e.origin, "KR-1");
    triad_share_msg_init(&e.msg, TRIAD_SHARE_WARNING);
    assert_int_equal(triad_share_msg_set_num(&e.msg, "launch.lat_deg", 38.123456), 0);
    triad_share_withheld w = {"track_id", "partners.JP-1.warning.withhold[\"track_id\"]"};
    for (uint64_t s = 1; s <= 3; s++) {
        e.seq = s;
        e.time_ns = INT64_C(1790000000000000000) + (int64_t)s;
        assert_int_equal(triad_share_audit_received(a, &e), 0);
        assert_int_equal(triad_share_audit_withheld(a, &e, "JP-1", &w, 1), 0);
        assert_int_equal(triad_share_audit_released(a, &e, "JP-1"), 0);
    }
    e.seq = UINT64_MAX;                     /* written exactly */
    memset(e.origin, 'Z', sizeof e.origin); /* an unterminated id from a rejected message */
    for (int i = 0; i < 3; i++)
        assert_int_equal(triad_share_audit_rejected(a, &e, TRIAD_SHARE_EBAD_ORIGIN_SIG,
                                                    "share: origin \"x\" seq 1 rejected"),
                         0);
    assert_int_equal(strlen(triad_share_audit_head(a)), 64);
    triad_share_audit_close(a);
    *num = 12;
}

static void test_chain_verifies(void **state)
{
    paths *p = *state;
    size_t n = 0;
    write_log(p->log, &n);
    struct stat st;
    assert_int_equal(stat(p->log, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    triad_share_audit_report rep;
    assert_int_equal(triad_share_audit_verify(p->log, &rep), 0);
    assert_int_equal(rep.lines, n);
    assert_int_equal(rep.bad_line, 0);
    lines l;
    read_lines(p->log, &l);
    assert_int_equal(l.n, n);
    assert_non_null(strstr(l.text, "\"seq\":18446744073709551615"));
    assert_non_null(strstr(l.text, "\"reason\":\"bad_origin_signature\""));
    assert_non_null(
        strstr(l.text, "\"rule\":\"partners.JP-1.warning.withhold[\\\"track_id\\\"]\""));
    free(l.text);

    /* reopening continues the chain; a second writer is refused while one holds it */
    triad_share_audit *a = NULL, *b = NULL;
    assert_int_equal(triad_share_audit_open(&a, p->log, true), 0);
    assert_string_equal(triad_share_audit_head(a), rep.head);
    assert_int_equal(triad_share_audit_open(&b, p->log, false), TRIAD_EIO);
    assert_null(b);
    triad_share_envelope e;
    memset(&e, 0, sizeof e);
    snprintf(e.origin, sizeof e.origin, "JP-1");
    e.msg.type = TRIAD_SHARE_TRACK;
    assert_int_equal(triad_share_audit_received(a, &e), 0);
    triad_share_audit_close(a);
    triad_share_audit_close(NULL);
    assert_int_equal(triad_share_audit_verify(p->log, &rep), 0);
    assert_int_equal(rep.lines, n + 1);

    /* an empty log verifies */
    write_bytes(p->tmp, "", 0);
    assert_int_equal(triad_share_audit_verify(p->tmp, &rep), 0);
    assert_int_equal(rep.lines, 0);
    assert_int_equal(triad_share_audit_verify("/nonexistent/log", &rep), TRIAD_EIO);
}

static void test_tampering(void **state)
{
    paths *p = *state;
    size_t n = 0;
    write_log(p->log, &n);
    lines l;
    read_lines(p->log, &l);
    assert_int_equal(l.n, n);
    test_rng rng = {41};

    /* every byte of a few lines, and random bytes of the rest, changed in turn: the line
     * holding it is the first broken one (its own hash), or the next (its prev) */
    char *copy = malloc(l.len);
    for (size_t i = 0; i < l.len; i++) {
        size_t line = 0;
        while (l.start[line + 1] <= i)
            line++;
        if (line != 0 && line != 5 && line != n - 1 && test_rng_uniform(&rng) > 0.05)
            continue;
        memcpy(copy, l.text, l.len);
        copy[i] ^= (char)(1 + test_rng_next(&rng) % 127);
        write_bytes(p->tmp, copy, l.len);
        triad_share_audit_report rep;
        assert_int_equal(triad_share_audit_verify(p->tmp, &rep), TRIAD_EFORMAT);
        /* a newline damaged splits or joins lines: broken at that line all the same */
        if (rep.bad_line != line + 1)
            fail_msg("byte %zu of line %zu changed: broken line reported %zu (%s)", i, line + 1,
                     rep.bad_line, rep.why);
    }
    free(copy);

    int ord[16];
    /* deleted line k (1-based): line k (the one after it moved up) breaks */
    for (size_t del = 0; del + 1 < n; del++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (i != del)
                ord[m++] = (int)i;
        ord[m] = -1;
        write_order(p->tmp, &l, ord, 0);
        expect_broken(p->tmp, del + 1);
    }
    /* swapped lines k and k+1: line k breaks */
    for (size_t s = 0; s + 1 < n; s++) {
        for (size_t i = 0; i < n; i++)
            ord[i] = (int)i;
        ord[s] = (int)s + 1;
        ord[s + 1] = (int)s;
        ord[n] = -1;
        write_order(p->tmp, &l, ord, 0);
        expect_broken(p->tmp, s + 1);
    }
    /* a line repeated (inserted copy): the copy breaks */
    for (size_t i = 0; i < 4; i++)
        ord[i] = (int)i;
    ord[4] = 3;
    ord[5] = -1;
    write_order(p->tmp, &l, ord, 0);
    expect_broken(p->tmp, 5);
    /* the last line cut short by 1 (its newline), 2, 30 bytes, or to one byte */
    const size_t cuts[] = {1, 2, 30, l.start[n] - l.start[n - 1] - 1};
    for (size_t c = 0; c < 4; c++) {
        for (size_t i = 0; i < n; i++)
            ord[i] = (int)i;
        ord[n] = -1;
        write_order(p->tmp, &l, ord, cuts[c]);
        expect_broken(p->tmp, n);
    }
    /* the tail deleted: the chain holds but the head hash differs (documented) */
    triad_share_audit_report full, part;
    assert_int_equal(triad_share_audit_verify(p->log, &full), 0);
    for (size_t i = 0; i < n; i++)
        ord[i] = (int)i;
    ord[n - 1] = -1;
    write_order(p->tmp, &l, ord, 0);
    assert_int_equal(triad_share_audit_verify(p->tmp, &part), 0);
    assert_string_not_equal(full.head, part.head);
    /* a broken log is not appended to */
    memcpy(ord, (int[]){0, 2, -1}, 3 * sizeof(int));
    write_order(p->tmp, &l, ord, 0);
    triad_share_audit *a = NULL;
    assert_int_equal(triad_share_audit_open(&a, p->tmp, false), TRIAD_EFORMAT);
    assert_null(a);
    free(l.text);
}

static int run_cli(const char *log, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' audit verify '%s' 2>&1", TRIAD_EXE, log);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    const size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    const int st = pclose(f);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void test_cli(void **state)
{
    paths *p = *state;
    size_t n = 0;
    write_log(p->log, &n);
    char out[1024];
    assert_int_equal(run_cli(p->log, out, sizeof out), 0);
    assert_non_null(strstr(out, "OK 12 lines, head "));
    lines l;
    read_lines(p->log, &l);
    int ord[] = {0, 1, 2, 3, 5, 6, -1};
    write_order(p->tmp, &l, ord, 0);
    free(l.text);
    assert_int_equal(run_cli(p->tmp, out, sizeof out), 1);
    assert_non_null(strstr(out, "BROKEN line 5:"));
    assert_int_equal(run_cli("/nonexistent/log", out, sizeof out), 1);
    assert_non_null(strstr(out, "cannot open"));
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' audit check x >/dev/null 2>&1", TRIAD_EXE);
    const int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

/* Checkpoints: signed by the hub, checked against a trust store; a chain rewritten with a
 * consistent hash chain (what anyone with the file can do) still verifies without the trust
 * store, and breaks at the first checkpoint with it. */
static void test_checkpoints(void **state)
{
    paths *p = *state;
    uint8_t pk[32], sk[64], xpk[32], xsk[64];
    assert_int_equal(triad_share_keypair(pk, sk), 0);
    assert_int_equal(triad_share_keypair(xpk, xsk), 0);
    triad_share_trust *trust = NULL, *wrong = NULL;
    assert_int_equal(triad_share_trust_create(&trust), 0);
    assert_int_equal(triad_share_trust_add(trust, "HUB", pk), 0);
    assert_int_equal(triad_share_trust_create(&wrong), 0);
    assert_int_equal(triad_share_trust_add(wrong, "HUB", xpk), 0);
    triad_share_audit *a = NULL;
    assert_int_equal(triad_share_audit_open(&a, p->log, false), 0);
    triad_share_envelope e;
    memset(&e, 0, sizeof e);
    snprintf(e.origin, sizeof e.origin, "KR-1");
    triad_share_msg_init(&e.msg, TRIAD_SHARE_WARNING);
    assert_int_equal(triad_share_audit_checkpoint(a, "start"), TRIAD_EINVAL); /* no key yet */
    assert_int_equal(triad_share_audit_sign_with(a, "no good", sk, 100, 5), TRIAD_EINVAL);
    assert_int_equal(triad_share_audit_sign_with(a, "HUB", sk, 0, 5), TRIAD_EINVAL);
    assert_int_equal(triad_share_audit_sign_with(a, "HUB", sk, 100, 5), 0);
    assert_int_equal(triad_share_audit_checkpoint(a, "start"), 0); /* line 1 */
    for (uint64_t s = 1; s <= 3; s++) {                                /* lines 2..4 */
        e.seq = s;
        assert_int_equal(triad_share_audit_received(a, &e), 0);
    }
    assert_int_equal(triad_share_audit_checkpoint(a, "summary"), 0); /* line 5 */
    assert_int_equal(triad_share_audit_received(a, &e), 0);           /* line 6 */
    assert_int_equal(triad_share_audit_lines(a), 6);
    assert_int_equal(triad_share_audit_checkpoint(a, "a reason far too long to be signed"),
                     TRIAD_EINVAL);
    triad_share_audit_close(a);

    triad_share_audit_report rep;
    assert_int_equal(triad_share_audit_verify_signed(p->log, trust, &rep), 0);
    assert_int_equal(rep.lines, 6);
    assert_int_equal(rep.checkpoints, 2);
    assert_int_equal(rep.signed_through, 5);
    assert_string_equal(rep.signer, "HUB");
    assert_string_equal(rep.last_reason, "summary");
    assert_int_equal(rep.every_lines, 100);
    assert_true(rep.every_s == 5.0);
    assert_int_equal(triad_share_audit_verify_signed(p->log, wrong, &rep), TRIAD_EFORMAT);
    assert_int_equal(rep.bad_line, 1);
    assert_non_null(strstr(rep.why, "does not verify"));

    /* rewrite line 3 (seq 2 -> 7) and re-chain every line after it, as a forger would */
    lines l;
    read_lines(p->log, &l);
    FILE *f = fopen(p->tmp, "w");
    assert_non_null(f);
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    for (size_t i = 0; i < l.n; i++) {
        const char *line = l.text + l.start[i];
        const size_t len = strchr(line, '\n') - line;
        char body[4096];
        /* the body up to ,"hash": with "prev" replaced */
        const char *h = strstr(line, ",\"hash\":\"");
        assert_non_null(h);
        snprintf(body, sizeof body, "%.*s", (int)(h - line), line);
        char *pv = strstr(body, "\"prev\":\"");
        assert_non_null(pv);
        memcpy(pv + 8, prev, 64);
        if (i == 2) {
            char *sq = strstr(body, "\"seq\":2");
            assert_non_null(sq);
            sq[6] = '7';
        }
        uint8_t d[32];
        char hx[65], full[4200];
        crypto_generichash(d, 32, (const uint8_t *)body, strlen(body), NULL, 0);
        sodium_bin2hex(hx, sizeof hx, d, 32);
        snprintf(full, sizeof full, "%s,\"hash\":\"%s\"}\n", body, hx);
        fputs(full, f);
        crypto_generichash(d, 32, (const uint8_t *)full, strlen(full), NULL, 0);
        sodium_bin2hex(prev, sizeof prev, d, 32);
        (void)len;
    }
    fclose(f);
    free(l.text);
    assert_int_equal(triad_share_audit_verify(p->tmp, &rep), 0); /* the chain alone holds */
    assert_int_equal(triad_share_audit_verify_signed(p->tmp, trust, &rep), TRIAD_EFORMAT);
    assert_int_equal(rep.bad_line, 5); /* the checkpoint after the forged line */
    assert_non_null(strstr(rep.why, "checkpoint signature"));
    triad_share_trust_destroy(trust);
    triad_share_trust_destroy(wrong);
}

static int run_cli_trust(const char *log, const char *trust, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' audit verify '%s' --trust '%s' 2>&1", TRIAD_EXE, log, trust);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    const size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    const int st = pclose(f);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* The cadence: a checkpoint by itself after every N lines and (tick) every T seconds, so the
 * unsigned tail never exceeds N lines; `audit verify --trust` reports the coverage and refuses
 * an empty log, a log without checkpoints and one whose tail is longer than the hub's N. */
static void test_checkpoint_cadence(void **state)
{
    paths *p = *state;
    uint8_t pk[32], sk[64];
    assert_int_equal(triad_share_keypair(pk, sk), 0);
    char trust_path[160];
    snprintf(trust_path, sizeof trust_path, "%s/trust.json", p->dir);
    assert_int_equal(triad_share_trust_add_to_file(trust_path, "HUB", pk), 0);
    triad_share_trust *trust = NULL;
    assert_int_equal(triad_share_trust_create(&trust), 0);
    assert_int_equal(triad_share_trust_load(trust, trust_path), 0);

    triad_share_audit *a = NULL;
    assert_int_equal(triad_share_audit_open(&a, p->log, false), 0);
    assert_int_equal(triad_share_audit_sign_with(a, "HUB", sk, 10, 30), 0);
    assert_int_equal(triad_share_audit_checkpoint(a, "start"), 0);
    triad_share_envelope e;
    memset(&e, 0, sizeof e);
    snprintf(e.origin, sizeof e.origin, "KR-1");
    triad_share_msg_init(&e.msg, TRIAD_SHARE_WARNING);
    triad_share_audit_report rep;
    for (uint64_t s = 1; s <= 35; s++) {
        e.seq = s;
        assert_int_equal(triad_share_audit_received(a, &e), 0);
        assert_int_equal(triad_share_audit_sync(a), 0);
        assert_int_equal(triad_share_audit_verify_signed(p->log, trust, &rep), 0);
        assert_true(rep.lines - rep.signed_through <= 10);
    }
    assert_int_equal(rep.checkpoints, 4); /* start, then after 10, 20, 30 event lines */
    assert_int_equal(rep.lines, 39);
    assert_int_equal(rep.signed_through, 34);
    assert_string_equal(rep.last_reason, "lines");
    /* before T: no time checkpoint; lines unsigned and T passed: one; nothing new: none */
    const int64_t s30 = 30 * INT64_C(1000000000);
    assert_int_equal(triad_share_audit_tick(a, triad_share_now_ns()), 0);
    assert_int_equal(triad_share_audit_lines(a), 39);
    assert_int_equal(triad_share_audit_tick(a, triad_share_now_ns() + s30), 0);
    assert_int_equal(triad_share_audit_lines(a), 40);
    assert_int_equal(triad_share_audit_tick(a, triad_share_now_ns() + 3 * s30), 0);
    assert_int_equal(triad_share_audit_lines(a), 40);
    assert_int_equal(triad_share_audit_rejections(a, "A", TRIAD_SHARE_EUNSIGNED, 5000, 3, 1, 2), 0);
    assert_int_equal(triad_share_audit_checkpoint(a, "stop"), 0);
    triad_share_audit_close(a);
    assert_int_equal(triad_share_audit_verify_signed(p->log, trust, &rep), 0);
    assert_int_equal(rep.signed_through, 42);
    assert_string_equal(rep.last_reason, "stop");
    assert_true(rep.last_checkpoint_t_ns > triad_share_now_ns() - 60 * INT64_C(1000000000));

    char out[2048];
    assert_int_equal(run_cli_trust(p->log, trust_path, out, sizeof out), 0);
    assert_non_null(strstr(out, "signed by HUB through line 42 of 42 (100.0%)"));
    assert_non_null(strstr(out, "(stop), 0 lines after it unproven (the hub checkpoints every "
                                "10 lines and 30 s)"));
    /* the tail cut back to an earlier checkpoint: still signed, but its time and reason show
     * where the log now ends (not at the hub's clean stop) */
    lines l;
    read_lines(p->log, &l);
    int ord[64];
    for (int i = 0; i < 36; i++)
        ord[i] = i;
    ord[36] = -1;
    write_order(p->tmp, &l, ord, 0);
    assert_int_equal(run_cli_trust(p->tmp, trust_path, out, sizeof out), 0);
    assert_non_null(strstr(out, "through line 34 of 36 (94.4%)"));
    assert_non_null(strstr(out, "(lines), 2 lines after it unproven"));
    /* more unsigned lines after the last checkpoint than the cadence allows (appended by a
     * writer without the hub's key, the chain kept whole): unproven */
    triad_share_audit *b = NULL;
    write_order(p->tmp, &l, (int[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -1}, 0);
    assert_int_equal(triad_share_audit_open(&b, p->tmp, false), 0); /* no key: nothing signed */
    for (uint64_t s = 100; s < 112; s++) {
        e.seq = s;
        assert_int_equal(triad_share_audit_received(b, &e), 0);
    }
    triad_share_audit_close(b);
    assert_int_equal(run_cli_trust(p->tmp, trust_path, out, sizeof out), 1);
    assert_non_null(strstr(out, "UNPROVEN 24 lines"));
    assert_non_null(strstr(out, "12 lines after the last checkpoint"));
    free(l.text);
    /* empty, and without any checkpoint */
    write_bytes(p->tmp, "", 0);
    assert_int_equal(run_cli_trust(p->tmp, trust_path, out, sizeof out), 1);
    assert_non_null(strstr(out, "UNPROVEN: empty log"));
    size_t n = 0;
    unlink(p->tmp);
    write_log(p->tmp, &n);
    assert_int_equal(run_cli_trust(p->tmp, trust_path, out, sizeof out), 1);
    assert_non_null(strstr(out, "UNPROVEN 12 lines"));
    assert_non_null(strstr(out, "no signed checkpoint"));
    triad_share_trust_destroy(trust);
    unlink(trust_path);
    snprintf(trust_path, sizeof trust_path, "%s/trust.json.lock", p->dir);
    unlink(trust_path);
}

/* A write that fails part-way (here: the file size limit, as a full disk would) is cut off
 * again: the log stays a whole chain, and appends succeed again once there is room. */
static void test_failed_append(void **state)
{
    paths *p = *state;
    triad_share_audit *a = NULL;
    assert_int_equal(triad_share_audit_open(&a, p->log, false), 0);
    triad_share_envelope e;
    memset(&e, 0, sizeof e);
    snprintf(e.origin, sizeof e.origin, "KR-1");
    triad_share_msg_init(&e.msg, TRIAD_SHARE_WARNING);
    e.seq = 1;
    assert_int_equal(triad_share_audit_received(a, &e), 0);
    struct stat st;
    assert_int_equal(stat(p->log, &st), 0);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)st.st_size + 40; /* room for part of the next line only */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    e.seq = 2;
    const int err = triad_share_audit_received(a, &e);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", triad_errmsg());
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(err, TRIAD_EIO);
    assert_non_null(strstr(msg, "File too large"));
    assert_non_null(strstr(msg, p->log));
    triad_share_audit_report rep;
    assert_int_equal(triad_share_audit_verify(p->log, &rep), 0);
    assert_int_equal(rep.lines, 1);
    assert_int_equal(triad_share_audit_received(a, &e), 0); /* room again */
    assert_int_equal(triad_share_audit_lines(a), 2);
    triad_share_audit_close(a);
    assert_int_equal(triad_share_audit_verify(p->log, &rep), 0);
    assert_int_equal(rep.lines, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_cadence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_append, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
