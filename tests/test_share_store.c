/* share/store: the latest version per instance, duplicates and replays refused, the file
 * surviving a restart (compacted, a torn last line dropped, a corrupted line refused by
 * number), the current list in (origin, seq) order: active warnings however old, recent
 * tracks, cancels and deletions.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "share/store.h"
#include "triad/error.h"

static const int64_t S = 1000000000;
static const int64_t NOW = INT64_C(1795000000) * 1000000000;

typedef struct {
    uint8_t pk[32], sk[64];
    char dir[64], path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(triad_share_keypair(f->pk, f->sk), 0);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_share_storeXXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/state.jsonl", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static triad_share_envelope env(fixture *f, const char *origin, triad_share_type type, double id,
                                uint64_t seq, int64_t t, const char *kind)
{
    triad_share_envelope e;
    memset(&e, 0, sizeof e);
    snprintf(e.origin, sizeof e.origin, "%s", origin);
    e.seq = seq;
    e.time_ns = t;
    triad_share_msg_init(&e.msg, type);
    assert_int_equal(
        triad_share_msg_set_num(&e.msg, type == TRIAD_SHARE_WARNING ? "event_id" : "track_id", id),
        0);
    assert_int_equal(triad_share_msg_set_str(&e.msg, type == TRIAD_SHARE_WARNING ? "kind" : "status",
                                             kind),
                     0);
    assert_int_equal(triad_share_msg_set_num(&e.msg, "launch.lat_deg", 35.0 + (double)seq * 1e-3),
                     0);
    assert_int_equal(triad_share_sign(&e, f->sk), 0);
    return e;
}

static size_t file_lines(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = 0;
    for (int c; (c = fgetc(fp)) != EOF;)
        n += c == '\n';
    fclose(fp);
    return n;
}

static void test_versions(void **state)
{
    fixture *f = *state;
    triad_share_store *s = NULL;
    assert_int_equal(triad_share_store_open(&s, NULL, false), 0);
    triad_share_envelope a1 = env(f, "A", TRIAD_SHARE_WARNING, 7, 10, NOW, "NEW");
    triad_share_envelope a2 = env(f, "A", TRIAD_SHARE_WARNING, 7, 12, NOW, "UPDATE");
    assert_int_equal(triad_share_store_offer(s, &a1), 0);
    assert_int_equal(triad_share_store_offer(s, &a1), TRIAD_SHARE_EDUPLICATE);
    assert_int_equal(triad_share_store_offer(s, &a2), 0);
    assert_int_equal(triad_share_store_offer(s, &a1), TRIAD_SHARE_EREPLAYED);
    assert_non_null(strstr(triad_errmsg(), "seq 10: not above seq 12"));
    assert_int_equal(triad_share_store_offer(s, &a2), TRIAD_SHARE_EDUPLICATE);
    /* the same sequence signed over other content is a replay, not a re-delivery */
    triad_share_envelope forged = env(f, "A", TRIAD_SHARE_WARNING, 7, 12, NOW + 1, "UPDATE");
    assert_int_equal(triad_share_store_offer(s, &forged), TRIAD_SHARE_EREPLAYED);
    /* instances are per origin and type: the same numbers elsewhere are other instances */
    triad_share_envelope b = env(f, "B", TRIAD_SHARE_WARNING, 7, 1, NOW, "NEW");
    triad_share_envelope t = env(f, "A", TRIAD_SHARE_TRACK, 7, 1, NOW, "confirmed");
    assert_int_equal(triad_share_store_offer(s, &b), 0);
    assert_int_equal(triad_share_store_offer(s, &t), 0);
    assert_int_equal(triad_share_store_size(s), 3);
    /* no instance id */
    triad_share_envelope bad = a1;
    bad.msg.num_fields = 0;
    assert_int_equal(triad_share_store_offer(s, &bad), TRIAD_EFORMAT);
    assert_non_null(strstr(triad_errmsg(), "event_id"));
    /* many instances: the index grows */
    for (uint64_t i = 0; i < 3000; i++) {
        triad_share_envelope e = env(f, "C", TRIAD_SHARE_TRACK, (double)i, 100 + i, NOW, "tentative");
        assert_int_equal(triad_share_store_offer(s, &e), 0);
    }
    for (uint64_t i = 0; i < 3000; i += 97) {
        triad_share_envelope e = env(f, "C", TRIAD_SHARE_TRACK, (double)i, 100 + i, NOW, "tentative");
        assert_int_equal(triad_share_store_offer(s, &e), TRIAD_SHARE_EDUPLICATE);
    }
    assert_int_equal(triad_share_store_size(s), 3003);
    triad_share_store_close(s);
}

static void test_current(void **state)
{
    fixture *f = *state;
    triad_share_store *s = NULL;
    assert_int_equal(triad_share_store_open(&s, NULL, false), 0);
    triad_share_envelope es[] = {
        env(f, "B", TRIAD_SHARE_WARNING, 1, 50, NOW - 600 * S, "NEW"),  /* old but active */
        env(f, "A", TRIAD_SHARE_WARNING, 2, 40, NOW, "CANCEL"),
        env(f, "A", TRIAD_SHARE_WARNING, 3, 30, NOW, "UPDATE"),
        env(f, "A", TRIAD_SHARE_TRACK, 3, 20, NOW - 5 * S, "confirmed"),
        env(f, "A", TRIAD_SHARE_TRACK, 4, 10, NOW - 61 * S, "confirmed"), /* too old */
        env(f, "A", TRIAD_SHARE_TRACK, 5, 5, NOW, "deleted"),
        env(f, "B", TRIAD_SHARE_TRACK, 9, 3, NOW, "tentative"),
    };
    for (size_t i = 0; i < sizeof es / sizeof es[0]; i++)
        assert_int_equal(triad_share_store_offer(s, &es[i]), 0);
    const triad_share_envelope *const *list = NULL;
    const size_t n = triad_share_store_current(s, NOW, 60 * S, &list);
    assert_int_equal(n, 6);
    /* not the 61-s-old track; the recent cancel and deletion are (a partner must learn of them) */
    const char *origins[] = {"A", "A", "A", "A", "B", "B"};
    const uint64_t seqs[] = {5, 20, 30, 40, 3, 50};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(list[i]->origin, origins[i]);
        assert_int_equal(list[i]->seq, seqs[i]);
    }
    /* a minute on, the cancel is no longer current; the active warnings still are */
    assert_int_equal(triad_share_store_current(s, NOW + 61 * S, 60 * S, &list), 2);
    assert_int_equal(list[0]->seq, 30);
    assert_int_equal(list[1]->seq, 50);
    /* pruning: at +61 s nothing is over 2 x 60 s old but the 61-s track (it is 122 s old) */
    assert_int_equal(triad_share_store_prune(s, NOW + 61 * S, 60 * S), 1);
    assert_int_equal(triad_share_store_size(s), 6);
    /* an hour on: everything ended goes, the two active warnings stay and are still found */
    assert_int_equal(triad_share_store_prune(s, NOW + 3600 * S, 60 * S), 4);
    assert_int_equal(triad_share_store_size(s), 2);
    assert_int_equal(triad_share_store_offer(s, &es[2]), TRIAD_SHARE_EDUPLICATE);
    assert_int_equal(triad_share_store_offer(s, &es[0]), TRIAD_SHARE_EDUPLICATE);
    /* a forgotten track's version comes again: taken (the verifier has refused it as stale) */
    assert_int_equal(triad_share_store_offer(s, &es[3]), 0);
    triad_share_store_close(s);
}

static void test_file(void **state)
{
    fixture *f = *state;
    triad_share_store *s = NULL, *s2 = NULL;
    assert_int_equal(triad_share_store_open(&s, f->path, true), 0);
    /* a second process (or handle) cannot use it at the same time */
    assert_int_equal(triad_share_store_open(&s2, f->path, true), TRIAD_EIO);
    assert_non_null(strstr(triad_errmsg(), "in use"));
    triad_share_envelope last[4];
    for (uint64_t v = 1; v <= 5; v++)
        for (int id = 0; id < 4; id++) {
            /* times past 2^53 ns and a countersigned copy: both must come back exactly */
            last[id] = env(f, "A", TRIAD_SHARE_WARNING, id, 10 * v + (uint64_t)id, NOW + (int64_t)v,
                           "UPDATE");
            if (id == 3)
                assert_int_equal(triad_share_countersign(&last[id], "HUB", NOW + 7, f->sk), 0);
            assert_int_equal(triad_share_store_offer(s, &last[id]), 0);
        }
    assert_int_equal(file_lines(f->path), 20);
    triad_share_store_close(s);

    assert_int_equal(triad_share_store_open(&s, f->path, false), 0);
    assert_int_equal(triad_share_store_size(s), 4);
    assert_int_equal(file_lines(f->path), 4); /* compacted */
    for (int id = 0; id < 4; id++)
        assert_int_equal(triad_share_store_offer(s, &last[id]), TRIAD_SHARE_EDUPLICATE);
    const triad_share_envelope *const *list = NULL;
    assert_int_equal(triad_share_store_current(s, NOW, 60 * S, &list), 4);
    for (int id = 0; id < 4; id++) {
        assert_int_equal(list[id]->time_ns, last[id].time_ns);
        assert_memory_equal(list[id]->origin_sig, last[id].origin_sig, 64);
        assert_int_equal(list[id]->has_hub_sig, id == 3);
    }
    assert_int_equal(list[3]->hub_time_ns, NOW + 7);
    assert_memory_equal(list[3]->hub_sig, last[3].hub_sig, 64);
    triad_share_store_close(s);

    /* a torn last line (a crash while writing) is dropped with a warning */
    FILE *fp = fopen(f->path, "a");
    assert_non_null(fp);
    fputs("{\"origin\":\"A\",\"seq\":99,\"time", fp);
    fclose(fp);
    assert_int_equal(triad_share_store_open(&s, f->path, false), 0);
    assert_int_equal(triad_share_store_size(s), 4);
    triad_share_store_close(s);
    assert_int_equal(file_lines(f->path), 4);

    /* a corrupted line in the middle is refused by number; the file is left as it was */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "sed -i '2s/\"seq\":[0-9]*/\"seq\":\"x\"/' '%s'", f->path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(triad_share_store_open(&s, f->path, false), TRIAD_EFORMAT);
    assert_non_null(strstr(triad_errmsg(), "line 2"));
    assert_null(s);
    assert_int_equal(file_lines(f->path), 4);
    snprintf(cmd, sizeof cmd, "sed -i '3s/\"payload\":\"5452/\"payload\":\"5552/' '%s'", f->path);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "sed -i '2d' '%s'", f->path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(triad_share_store_open(&s, f->path, false), TRIAD_EFORMAT);
    assert_non_null(strstr(triad_errmsg(), "line 2: \"payload\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
