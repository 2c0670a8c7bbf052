/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/config.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/json_util.h"
#include "share/store.h"

/* A path member resolved against the configuration file's folder. */
static int path_member(const char *file, const char *dir, const cJSON *o, const char *key,
                       bool required, char *out, size_t size)
{
    char raw[TRIAD__SHARE_PATH_MAX];
    raw[0] = '\0';
    int err = triad__json_string(file, o, key, required, raw, sizeof raw);
    if (err || !raw[0]) {
        if (!err && required)
            err = triad__fail(TRIAD_EFORMAT, "%s: field '%s': empty", file, key);
        out[0] = '\0';
        return err;
    }
    const int n = raw[0] == '/' || !dir[0] ? snprintf(out, size, "%s", raw)
                                           : snprintf(out, size, "%s/%s", dir, raw);
    if (n < 0 || (size_t)n >= size)
        return triad__fail(TRIAD_EFORMAT, "%s: field '%s': path too long", file, key);
    return 0;
}

static int id_member(const char *file, const cJSON *o, const char *key, char *out)
{
    int err = triad__json_string(file, o, key, true, out, TRIAD_SHARE_ID_MAX);
    if (!err && !triad_share_id_ok(out))
        err = triad__fail(TRIAD_EFORMAT, "%s: field '%s': '%s' is not a node id (1..63 of "
                                         "[A-Za-z0-9._-])", file, key, out);
    return err;
}

static int link_member(const char *where, const char *dir, const cJSON *o,
                       triad__share_link_cfg *l)
{
    if (!cJSON_IsObject(o))
        return triad__fail(TRIAD_EFORMAT, "%s: expected an object", where);
    long long domain = 0;
    int err = id_member(where, o, "partner", l->partner);
    if (!err)
        err = triad__json_count(where, o, "domain", true, 0, 0, 230, &domain);
    l->domain = (uint32_t)domain;
    const cJSON *lb = cJSON_GetObjectItemCaseSensitive(o, "loopback");
    if (!err && lb && !cJSON_IsBool(lb))
        err = triad__fail(TRIAD_EFORMAT, "%s: field 'loopback': expected true or false", where);
    l->loopback = cJSON_IsTrue(lb);
    /* "config": a file:// URI, inline XML, or a path (relative to this file) */
    const cJSON *jc = cJSON_GetObjectItemCaseSensitive(o, "config");
    l->config[0] = '\0';
    if (!err && jc) {
        if (!cJSON_IsString(jc) || !jc->valuestring[0])
            err = triad__fail(TRIAD_EFORMAT, "%s: field 'config': expected a file or file:// URI",
                              where);
        else if (strncmp(jc->valuestring, "file://", 7) == 0 || jc->valuestring[0] == '<') {
            if (strlen(jc->valuestring) >= sizeof l->config)
                err = triad__fail(TRIAD_EFORMAT, "%s: field 'config': too long", where);
            else
                snprintf(l->config, sizeof l->config, "%s", jc->valuestring);
        } else {
            char p[TRIAD__SHARE_PATH_MAX];
            err = path_member(where, dir, o, "config", true, p, sizeof p);
            if (!err)
                snprintf(l->config, sizeof l->config, "file://%s", p);
        }
    }
    if (!err && l->config[0] && l->loopback)
        err = triad__fail(TRIAD_EFORMAT,
                          "%s: 'config' and 'loopback' both given: loopback is a configuration "
                          "of its own (without security), give one of them", where);
    /* never a link on Cyclone's defaults (every interface, no security) by omission */
    if (!err && !l->config[0] && !l->loopback)
        err = triad__fail(TRIAD_EFORMAT,
                          "%s: neither 'config' (the link's Cyclone configuration, with its "
                          "security) nor 'loopback': true given", where);
    return err;
}

static int cfg_from_json(const char *path, cJSON *root, bool hub, triad__share_cfg *c);

#define CFG_MAX_BYTES (1 << 20)

int triad__share_cfg_load(const char *path, bool hub, triad__share_cfg *c)
{
    memset(c, 0, sizeof *c);
    cJSON *root = NULL;
    int err = triad__json_load(path, CFG_MAX_BYTES, &root);
    return err ? err : cfg_from_json(path, root, hub, c);
}

int triad__share_cfg_parse(const char *path, const char *text, size_t len, bool hub,
                           triad__share_cfg *c)
{
    memset(c, 0, sizeof *c);
    cJSON *root = NULL;
    int err = len > CFG_MAX_BYTES ? triad__fail(TRIAD_EFORMAT, "%s: more than %d bytes", path,
                                                CFG_MAX_BYTES)
                                  : triad__json_parse(path, text, len, &root);
    return err ? err : cfg_from_json(path, root, hub, c);
}

/* Takes root. */
static int cfg_from_json(const char *path, cJSON *root, bool hub, triad__share_cfg *c)
{
    char dir[TRIAD__SHARE_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
    int err = 0;
    if (!cJSON_IsObject(root))
        err = triad__fail(TRIAD_EFORMAT, "%s: expected a JSON object", path);
    if (!err)
        err = id_member(path, root, "id", c->id);
    if (!err)
        err = path_member(path, dir, root, "key", true, c->key, sizeof c->key);
    if (!err)
        err = path_member(path, dir, root, "trust", true, c->trust, sizeof c->trust);
    if (!err)
        err = path_member(path, dir, root, "state", false, c->state, sizeof c->state);
    if (!err && hub)
        err = path_member(path, dir, root, "policy", true, c->policy, sizeof c->policy);
    if (!err && hub)
        err = path_member(path, dir, root, "audit", true, c->audit, sizeof c->audit);
    if (!err && !hub)
        err = id_member(path, root, "hub", c->hub);
    const cJSON *sync = cJSON_GetObjectItemCaseSensitive(root, "sync");
    if (!err && sync && !cJSON_IsBool(sync))
        err = triad__fail(TRIAD_EFORMAT, "%s: field 'sync': expected true or false", path);
    c->sync = !sync || cJSON_IsTrue(sync);
    struct {
        const char *key;
        double def, lo, hi, *out;
    } nums[] = {{"max_age_s", 60, 0.001, 86400, &c->max_age_s},
                {"max_skew_s", 5, 0, 3600, &c->max_skew_s},
                {"track_max_age_s", 60, 0.001, 86400, &c->track_max_age_s},
                {"heartbeat_s", 1, 0.01, 3600, &c->heartbeat_s},
                {"lease_s", 3, 0.1, 3600, &c->lease_s},
                {"link_rate_hz", 8000, 1, 1e6, &c->link_rate_hz},
                {"summary_s", 2, 0.1, 3600, &c->summary_s},
                {"checkpoint_s", 5, 0.01, 3600, &c->checkpoint_s}};
    for (size_t i = 0; !err && i < sizeof nums / sizeof nums[0]; i++) {
        err = triad__json_number(path, root, nums[i].key, false, nums[i].def, nums[i].out);
        if (!err && !(*nums[i].out >= nums[i].lo && *nums[i].out <= nums[i].hi))
            err = triad__json_bad(path, nums[i].key, *nums[i].out, "out of range");
    }
    long long queue = 256, every = 100;
    if (!err)
        err = triad__json_count(path, root, "queue", false, 256, 1, 65536, &queue);
    if (!err)
        err = triad__json_count(path, root, "checkpoint_lines", false, 100, 1, 100000, &every);
    c->queue = (size_t)queue;
    c->checkpoint_lines = (unsigned)every;
    char where[TRIAD__SHARE_PATH_MAX + 32];
    if (!err && hub) {
        const cJSON *links = cJSON_GetObjectItemCaseSensitive(root, "links");
        const cJSON *nat = cJSON_GetObjectItemCaseSensitive(root, "national");
        if (!cJSON_IsArray(links) || cJSON_GetArraySize(links) < 1)
            err = triad__fail(TRIAD_EFORMAT, "%s: field 'links': expected an array of links",
                              path);
        const int n = err ? 0 : cJSON_GetArraySize(links);
        if (!err && n + (nat != NULL) > TRIAD__SHARE_LINKS_MAX)
            err = triad__fail(TRIAD_EFORMAT, "%s: %d links: at most %d with the national one",
                              path, n + (nat != NULL), TRIAD__SHARE_LINKS_MAX);
        for (int i = 0; !err && i < n; i++) {
            snprintf(where, sizeof where, "%s: links[%d]", path, i);
            err = link_member(where, dir, cJSON_GetArrayItem(links, i), &c->links[c->num_links++]);
        }
        if (!err && nat) {
            snprintf(where, sizeof where, "%s: national", path);
            err = link_member(where, dir, nat, &c->links[c->num_links++]);
        }
        /* one link per partner and per domain: relaying by partner needs both unique */
        for (size_t i = 0; !err && i < c->num_links; i++)
            for (size_t j = 0; !err && j < i; j++)
                if (strcmp(c->links[i].partner, c->links[j].partner) == 0 ||
                    c->links[i].domain == c->links[j].domain)
                    err = triad__fail(TRIAD_EFORMAT,
                                      "%s: links %zu and %zu: the same partner '%s' or domain %u "
                                      "(each link is its own partner and domain)",
                                      path, j, i, c->links[i].partner, (unsigned)c->links[i].domain);
        for (size_t i = 0; !err && i < c->num_links; i++)
            if (strcmp(c->links[i].partner, c->id) == 0)
                err = triad__fail(TRIAD_EFORMAT, "%s: a link's partner is the hub's own id '%s'",
                                  path, c->id);
    } else if (!err) {
        snprintf(where, sizeof where, "%s: link", path);
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(root, "link");
        if (!l)
            err = triad__fail(TRIAD_EFORMAT, "%s: field 'link': missing", path);
        else
            err = link_member(where, dir, l, &c->links[0]);
        c->num_links = 1;
        /* a node's link "partner" is the hub */
        if (!err && strcmp(c->links[0].partner, c->hub) != 0)
            err = triad__fail(TRIAD_EFORMAT, "%s: link.partner '%s' is not the hub '%s'", path,
                              c->links[0].partner, c->hub);
    }
    cJSON_Delete(root);
    return err;
}

int triad__share_identity(const triad__share_cfg *c, const char *where, const char *must_trust,
                          bool require_hub, uint8_t sk[64], triad_share_trust **trust,
                          triad_share_verifier **verifier)
{
    int err = triad_share_key_load_secret(c->key, sk);
    if (!err)
        err = triad_share_trust_create(trust);
    if (!err)
        err = triad_share_trust_load(*trust, c->trust);
    if (!err && !triad_share_trust_find(*trust, must_trust))
        err = triad__fail(TRIAD_EINVAL, "%s: '%s' is not in the trust store %s", where,
                          must_trust, c->trust);
    /* our own key, when the trust store knows us: the same one, else everything we sign is
     * refused downstream */
    const uint8_t *own = err ? NULL : triad_share_trust_find(*trust, c->id);
    uint8_t pk[32];
    if (own && (crypto_sign_ed25519_sk_to_pk(pk, sk) != 0 || sodium_memcmp(pk, own, 32) != 0))
        err = triad__fail(TRIAD_EINVAL, "%s: the key %s is not the one the trust store %s has "
                          "for '%s'", where, c->key, c->trust, c->id);
    if (!err)
        err = triad__share_verifier(c, require_hub, *trust, verifier);
    return err;
}

int triad__share_verifier(const triad__share_cfg *c, bool require_hub,
                          const triad_share_trust *trust, triad_share_verifier **verifier)
{
    triad_share_verifier_cfg v = triad_share_verifier_cfg_default();
    v.max_age_ns = (int64_t)(c->max_age_s * 1e9);
    v.max_skew_ns = (int64_t)(c->max_skew_s * 1e9);
    v.replay_by_origin = false;
    v.require_hub = require_hub;
    return triad_share_verifier_create(verifier, &v, trust);
}

triad_share_link_opts triad__share_link_opts(const triad__share_cfg *c, size_t i,
                                             triad_share_link_role role)
{
    const triad__share_link_cfg *l = &c->links[i];
    return (triad_share_link_opts){.role = role,
                                   .domain_id = l->domain,
                                   .config = l->config[0] ? l->config : NULL,
                                   .loopback = l->loopback,
                                   .self = c->id,
                                   .heartbeat_s = c->heartbeat_s,
                                   .lease_s = c->lease_s};
}

int triad__share_check_store(triad_share_store *s, const triad_share_trust *trust,
                             bool countersigned, const char *path)
{
    triad_share_verifier *v = NULL;
    triad_share_verifier_cfg vc = triad_share_verifier_cfg_default();
    vc.max_age_ns = vc.max_skew_ns = INT64_MAX; /* signatures only, any age */
    vc.replay_by_origin = false;
    vc.require_hub = countersigned;
    int err = triad_share_verifier_create(&v, &vc, trust);
    const triad_share_envelope *const *list = NULL;
    /* at time 0 with no age limit every version held is current: all of them */
    const size_t n = err ? 0 : triad_share_store_current(s, 0, INT64_MAX, &list);
    for (size_t i = 0; !err && i < n; i++) {
        const triad_share_envelope *e = list[i];
        if (!countersigned && e->has_hub_sig)
            err = triad__fail(TRIAD_EFORMAT, "%s: origin %s seq %" PRIu64
                              ": countersigned (a hub keeps the originals)", path, e->origin, e->seq);
        else if (triad_share_verify(v, e, 0) != 0)
            err = triad__fail(TRIAD_EFORMAT, "%s: %s", path, triad_errmsg());
    }
    triad_share_verifier_destroy(v);
    return err;
}

int64_t triad__share_keep_ns(const triad__share_cfg *c)
{
    return (int64_t)(1e9 * (c->max_age_s > c->track_max_age_s ? c->max_age_s : c->track_max_age_s));
}
