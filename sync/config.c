/*
 * config.c - see config.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "synaq/batch.h"
#include "synaq/result.h"

void config_defaults(sync_config *c)
{
    memset(c, 0, sizeof *c);
    c->batch_results = 50;
    c->interval_s = 300;
    c->retry_min_s = 5;
    c->retry_max_s = 900;
    c->low_speed_bytes = 50;
    c->low_speed_s = 60;
    c->connect_timeout_s = 30;
    c->probe_timeout_s = 20;
    c->retry_after_max_s = 3600;
    c->fetch_bundles = true;
    c->upload_multi = true;
    c->upload_seconds = 30;
}

/* Whether url (http:// or https://) names this machine: 127.0.0.0/8,
 * [::1] or localhost, with or without a port. */
bool config_url_is_loopback(const char *url)
{
    const char *h = strstr(url, "://");
    if (!h)
        return false;
    h += 3;
    size_t n = strcspn(h, "/?#");
    char host[256];
    if (n >= sizeof host)
        return false;
    memcpy(host, h, n);
    host[n] = 0;
    char *at = strrchr(host, '@');
    char *hp = at ? at + 1 : host;
    if (hp[0] == '[') {
        char *end = strchr(hp, ']');
        if (!end)
            return false;
        *end = 0;
        return strcmp(hp + 1, "::1") == 0;
    }
    char *colon = strchr(hp, ':');
    if (colon)
        *colon = 0;
    if (!strcasecmp(hp, "localhost"))
        return true;
    /* 127.a.b.c with numbers only. */
    int parts = 0;
    for (char *p = hp; *p; parts++) {
        if (!isdigit((unsigned char)*p))
            return false;
        long v = strtol(p, &p, 10);
        if (v > 255 || (*p && *p != '.'))
            return false;
        if (parts == 0 && v != 127)
            return false;
        if (*p)
            p++;
    }
    return parts == 4;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

static int int_value(const char *v, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi)
        return -1;
    *out = (int)n;
    return 0;
}

int config_load(const char *path, sync_config *c, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    static const struct {
        const char *key;
        size_t off;
        int lo, hi;
    } ints[] = {
        {"batch_results", offsetof(sync_config, batch_results), 1, SQ_BATCH_MAX_RESULTS},
        {"interval_s", offsetof(sync_config, interval_s), 10, 86400},
        {"retry_min_s", offsetof(sync_config, retry_min_s), 1, 3600},
        {"retry_max_s", offsetof(sync_config, retry_max_s), 1, 86400},
        {"low_speed_bytes", offsetof(sync_config, low_speed_bytes), 1, 1 << 20},
        {"low_speed_s", offsetof(sync_config, low_speed_s), 5, 3600},
        {"connect_timeout_s", offsetof(sync_config, connect_timeout_s), 1, 600},
        {"probe_timeout_s", offsetof(sync_config, probe_timeout_s), 1, 600},
        {"retry_after_max_s", offsetof(sync_config, retry_after_max_s), 1, 86400},
        {"upload_seconds", offsetof(sync_config, upload_seconds), 2, 600},
    };
    char line[1024];
    int n = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        n++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, err_len, "%s:%d: line too long", path, n);
            rc = -1;
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, err_len, "%s:%d: expected 'key = value'", path, n);
            rc = -1;
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        bool known = false;
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
            if (!strcmp(key, ints[i].key)) {
                known = true;
                if (int_value(val, ints[i].lo, ints[i].hi, (int *)((char *)c + ints[i].off))) {
                    snprintf(err, err_len, "%s:%d: %s must be a whole number %d..%d", path, n, key,
                             ints[i].lo, ints[i].hi);
                    rc = -1;
                }
            }
        if (known)
            continue;
        if (!strcmp(key, "central_url")) {
            if (strncmp(val, "https://", 8) && strncmp(val, "http://", 7)) {
                snprintf(err, err_len, "%s:%d: central_url must start with https:// or http://",
                         path, n);
                rc = -1;
            } else if (strlen(val) >= sizeof c->central_url - 32) {
                snprintf(err, err_len, "%s:%d: central_url too long", path, n);
                rc = -1;
            } else {
                snprintf(c->central_url, sizeof c->central_url, "%s", val);
                size_t l = strlen(c->central_url);
                while (l > 0 && c->central_url[l - 1] == '/')
                    c->central_url[--l] = 0;
            }
        } else if (!strcmp(key, "ca_file")) {
            snprintf(c->ca_file, sizeof c->ca_file, "%s", val);
        } else if (!strcmp(key, "fetch_bundles") || !strcmp(key, "allow_insecure_http") ||
                   !strcmp(key, "upload_multi")) {
            bool *flag = !strcmp(key, "fetch_bundles")  ? &c->fetch_bundles
                         : !strcmp(key, "upload_multi") ? &c->upload_multi
                                                        : &c->allow_insecure_http;
            if (!strcmp(val, "yes") || !strcmp(val, "true"))
                *flag = true;
            else if (!strcmp(val, "no") || !strcmp(val, "false"))
                *flag = false;
            else {
                snprintf(err, err_len, "%s:%d: %s must be yes or no", path, n, key);
                rc = -1;
            }
        } else {
            snprintf(err, err_len, "%s:%d: unknown key '%s'", path, n, key);
            rc = -1;
        }
    }
    fclose(f);
    if (!rc && !c->central_url[0]) {
        snprintf(err, err_len, "%s: central_url is required", path);
        rc = -1;
    }
    if (!rc && !strncmp(c->central_url, "http://", 7) && !config_url_is_loopback(c->central_url) &&
        !c->allow_insecure_http) {
        snprintf(err, err_len,
                 "%s: central_url is plain http:// to another machine: results and heartbeats "
                 "would cross the network unencrypted; use https:// (or, for a reverse proxy "
                 "on this machine, allow_insecure_http = yes)",
                 path);
        rc = -1;
    }
    if (!rc && c->retry_min_s > c->retry_max_s) {
        snprintf(err, err_len, "%s: retry_min_s is above retry_max_s", path);
        rc = -1;
    }
    return rc;
}
