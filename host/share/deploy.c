/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "share/deploy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "share/envelope.h"

extern char **environ;

static const char policy_json[] =
    "{\"on_audit_failure\": \"hold\",\n"
    " \"partners\": {\n"
    "  \"A\": {\"warning\": {\"release\": [\"*\"], \"withhold\": [\"track_id\"],\n"
    "                    \"precision\": {\"launch.lat_deg\": {\"decimals\": 2}, "
    "\"launch.lon_deg\": {\"decimals\": 2}}},\n"
    "        \"track\": {\"release\": [\"*\"], \"withhold\": [\"sites.*\"]}},\n"
    "  \"B\": {\"warning\": {\"release\": [\"*\"], \"withhold\": [\"track_id\", \"issued_utc\"],\n"
    "                    \"precision\": {\"launch.lat_deg\": {\"decimals\": 1}, "
    "\"launch.lon_deg\": {\"decimals\": 1},\n"
    "                                  \"impact.lat_deg\": {\"step\": 0.5}}},\n"
    "        \"track\": {\"release\": [\"track_id\", \"time_s\", \"lat_deg\", \"lon_deg\", "
    "\"alt_m\", \"status\"]}}}}\n";

/* DIR/name, refused when it exists (an operator's file is never overwritten). */
static int new_file(const triad_share_deploy_opts *o, const char *name, const char *text)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", o->dir, name) >= (int)sizeof path)
        return triad__fail(TRIAD_EINVAL, "share init: %s/%s: path too long", o->dir, name);
    const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return triad__fail(errno == EEXIST ? TRIAD_EINVAL : TRIAD_EIO, "share init: %s: %s%s",
                           path, strerror(errno),
                           errno == EEXIST ? " (not overwritten: remove it, or init elsewhere)" : "");
    const size_t n = strlen(text);
    const ssize_t w = write(fd, text, n);
    const int e = errno;
    if (close(fd) != 0 || w != (ssize_t)n)
        return triad__fail(TRIAD_EIO, "share init: %s: cannot write: %s", path, strerror(e));
    if (o->log)
        fprintf(o->log, "made %s\n", path);
    return 0;
}

int triad_share_keygen(const char *dir, const char *id, FILE *log)
{
    if (!triad_share_id_ok(id))
        return triad__fail(TRIAD_EINVAL, "keygen: id '%.70s': 1..63 of [A-Za-z0-9._-]", id);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return triad__fail(TRIAD_EIO, "keygen: %s: cannot create: %s", dir, strerror(errno));
    char sec[PATH_MAX], pub[PATH_MAX], trust[PATH_MAX];
    if (snprintf(sec, sizeof sec, "%s/%s.key", dir, id) >= (int)sizeof sec ||
        snprintf(pub, sizeof pub, "%s/%s.pub", dir, id) >= (int)sizeof pub ||
        snprintf(trust, sizeof trust, "%s/trust.json", dir) >= (int)sizeof trust)
        return triad__fail(TRIAD_EINVAL, "keygen: %s: path too long", dir);
    uint8_t pk[32], sk[64];
    int err = triad_share_keypair(pk, sk);
    if (!err)
        err = triad_share_key_save_secret(sec, sk);
    if (!err)
        err = triad_share_key_save_public(pub, pk);
    if (!err)
        err = triad_share_trust_add_to_file(trust, id, pk);
    memset(sk, 0, sizeof sk);
    if (!err && log)
        fprintf(log, "made %s (secret), %s; %s now trusts %s\n", sec, pub, trust, id);
    return err;
}

/* bash SCRIPT --loopback --domain-ac X --domain-bc Y OUT, its output on ours. */
static int run_pki(const triad_share_deploy_opts *o, const char *out)
{
    char ac[16], bc[16];
    snprintf(ac, sizeof ac, "%u", (unsigned)o->domain_ac);
    snprintf(bc, sizeof bc, "%u", (unsigned)o->domain_bc);
    char *argv[] = {"bash",     (char *)o->pki_script, "--loopback", "--domain-ac", ac,
                    "--domain-bc", bc,                 (char *)out,  NULL};
    pid_t pid;
    const int rc = posix_spawnp(&pid, "bash", NULL, NULL, argv, environ);
    if (rc != 0)
        return triad__fail(TRIAD_EIO, "share init: cannot run bash %s: %s", o->pki_script,
                           strerror(rc));
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return triad__fail(TRIAD_EIO,
                           "share init: %s failed (status %d): see its message above; without "
                           "openssl or Cyclone's security plugins, --insecure makes plain "
                           "loopback links", o->pki_script, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}

/* A link object of a configuration. */
static void link_json(const triad_share_deploy_opts *o, char *buf, size_t n, const char *partner,
                      uint32_t domain, const char *xml)
{
    if (o->insecure)
        snprintf(buf, n, "{\"partner\": \"%s\", \"domain\": %u, \"loopback\": true}", partner,
                 (unsigned)domain);
    else
        snprintf(buf, n, "{\"partner\": \"%s\", \"domain\": %u, \"config\": \"dep/%s\"}", partner,
                 (unsigned)domain, xml);
}

int triad_share_deploy(const triad_share_deploy_opts *o)
{
    if (o->domain_ac > 230 || o->domain_bc > 230 || o->domain_ac == o->domain_bc)
        return triad__fail(TRIAD_EINVAL, "share init: domains %u and %u: two different ids in "
                           "0..230", (unsigned)o->domain_ac, (unsigned)o->domain_bc);
    if (!o->insecure && !o->pki_script)
        return triad__fail(TRIAD_EINVAL, "share init: host/share/pki/make-deployment.sh not "
                           "found (set TRIAD_PKI_DIR to its folder), or give --insecure");
    if (mkdir(o->dir, 0755) != 0 && errno != EEXIST)
        return triad__fail(TRIAD_EIO, "share init: %s: cannot create: %s", o->dir, strerror(errno));
    char abs[PATH_MAX], path[PATH_MAX + 16];
    if (!realpath(o->dir, abs))
        return triad__fail(TRIAD_EIO, "share init: %s: %s", o->dir, strerror(errno));
    /* refuse before making anything if a configuration is there already */
    static const char *const files[] = {"policy.json", "hub.json", "nodeA.json", "nodeB.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", abs, files[i]);
        if (access(path, F_OK) == 0)
            return triad__fail(TRIAD_EINVAL, "share init: %s exists (not overwritten: remove "
                               "it, or init elsewhere)", path);
    }
    int err = 0;
    if (!o->insecure) {
        snprintf(path, sizeof path, "%s/dep", abs);
        err = run_pki(o, path);
    }
    snprintf(path, sizeof path, "%s/keys", abs);
    static const char *const ids[] = {"A", "B", "hub"};
    for (size_t i = 0; !err && i < 3; i++) {
        char key[PATH_MAX + 32];
        snprintf(key, sizeof key, "%s/%s.key", path, ids[i]);
        if (access(key, F_OK) != 0) /* an existing key is kept (and trusted already) */
            err = triad_share_keygen(path, ids[i], o->log);
    }
    char la[256], lb[256], text[2048];
    link_json(o, la, sizeof la, "A", o->domain_ac, "link-AC/hub.xml");
    link_json(o, lb, sizeof lb, "B", o->domain_bc, "link-BC/hub.xml");
    if (!err)
        err = new_file(o, "policy.json", policy_json);
    snprintf(text, sizeof text,
             "{\"id\": \"hub\", \"key\": \"keys/hub.key\", \"trust\": \"keys/trust.json\",\n"
             " \"policy\": \"policy.json\", \"audit\": \"hub-audit.jsonl\", \"state\": "
             "\"hub-state.jsonl\", \"sync\": true,\n"
             " \"links\": [%s,\n           %s]}\n", la, lb);
    if (!err)
        err = new_file(o, "hub.json", text);
    for (int p = 0; !err && p < 2; p++) {
        const char *id = p ? "B" : "A";
        char xml[64], name[32], l[256];
        snprintf(xml, sizeof xml, "link-%sC/node%s.xml", id, id);
        link_json(o, l, sizeof l, "hub", p ? o->domain_bc : o->domain_ac, xml);
        snprintf(text, sizeof text,
                 "{\"id\": \"%s\", \"key\": \"keys/%s.key\", \"trust\": \"keys/trust.json\", "
                 "\"hub\": \"hub\",\n \"state\": \"%s-received.jsonl\",\n \"link\": %s}\n",
                 id, id, id, l);
        snprintf(name, sizeof name, "node%s.json", id);
        err = new_file(o, name, text);
    }
    return err;
}
