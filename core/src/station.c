/*
 * station.c - the station as a whole (station.h): its paths, opening it,
 * its sync status, and unlocking its other programs (one line each way on
 * a Unix socket: the passphrase, then "ok" or "wrong: WHY").
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <sodium.h>

#include "util_int.h"
#include "synaq/station.h"
#include <jansson.h>
#include <stdlib.h>

sq_status sq_station_unlock_send(const char *home, const char *passphrase, int timeout_ms, sq_err *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", home, SQ_UNLOCK_SOCKET) >=
        sizeof sa.sun_path)
        return sqi_seterr(err, SQ_EINVAL, "the station's folder %s is too long a path", home);
    size_t n = strlen(passphrase);
    if (n == 0 || n >= SQ_UNLOCK_MAX || strchr(passphrase, '\n'))
        return sqi_seterr(err, SQ_EINVAL, "a passphrase is one line of 1 to %d bytes",
                         SQ_UNLOCK_MAX - 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sqi_seterr(err, SQ_EIO, "socket: %s", strerror(errno));
    sq_status st = SQ_OK;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        st = errno == ENOENT || errno == ECONNREFUSED
                 ? sqi_seterr(err, SQ_ENOTFOUND, "nothing waits for the passphrase at %s",
                             sa.sun_path)
                 : sqi_seterr(err, SQ_EIO, "cannot reach %s: %s", sa.sun_path, strerror(errno));
        goto out;
    }
    char line[SQ_UNLOCK_MAX + 1];
    memcpy(line, passphrase, n);
    line[n] = '\n';
    ssize_t w = send(fd, line, n + 1, MSG_NOSIGNAL);
    sodium_memzero(line, sizeof line);
    if (w != (ssize_t)(n + 1)) {
        st = sqi_seterr(err, SQ_EIO, "cannot write to %s", sa.sun_path);
        goto out;
    }
    char answer[256];
    size_t got = 0;
    while (got < sizeof answer - 1 && !memchr(answer, '\n', got)) {
        struct pollfd pf = {fd, POLLIN, 0};
        int pr = poll(&pf, 1, timeout_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            st = sqi_seterr(err, SQ_EIO, "no answer from %s", sa.sun_path);
            goto out;
        }
        ssize_t r = recv(fd, answer + got, sizeof answer - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    answer[got] = 0;
    answer[strcspn(answer, "\n")] = 0;
    if (strcmp(answer, "ok") == 0)
        st = SQ_OK;
    else if (strncmp(answer, "wrong", 5) == 0)
        st = sqi_seterr(err, SQ_EAUTH, "the passphrase is wrong%s", answer + 5);
    else
        st = sqi_seterr(err, SQ_EIO, "%s answered '%s'", sa.sun_path, answer);
out:
    close(fd);
    return st;
}

/* ---- paths ---- */

sq_status sq_station_paths_init(sq_station_paths *p, const char *home, const char *db,
                                const char *keys, sq_err *err)
{
    memset(p, 0, sizeof *p);
    if (!home)
        home = getenv("SYNAQ_HOME") && *getenv("SYNAQ_HOME") ? getenv("SYNAQ_HOME")
                                                              : SQ_STATION_HOME_DEFAULT;
    if (strlen(home) >= 4000 || (db && strlen(db) >= sizeof p->db) ||
        (keys && strlen(keys) >= sizeof p->keys))
        return sqi_seterr(err, SQ_EINVAL, "the station's paths are too long");
    snprintf(p->home, sizeof p->home, "%s", home);
    if (db)
        snprintf(p->db, sizeof p->db, "%s", db);
    else
        snprintf(p->db, sizeof p->db, "%s/station.db", home);
    if (keys)
        snprintf(p->keys, sizeof p->keys, "%s", keys);
    else
        snprintf(p->keys, sizeof p->keys, "%s/station.key", home);
    snprintf(p->sync_conf, sizeof p->sync_conf, "%s/sync.conf", home);
    snprintf(p->sync_status, sizeof p->sync_status, "%s/sync-status.json", home);
    snprintf(p->unlock_sock, sizeof p->unlock_sock, "%s/%s", home, SQ_UNLOCK_SOCKET);
    return SQ_OK;
}

/* ---- one kiosk per store ---- */

sq_status sq_station_kiosk_lock(const sq_station_paths *p, int *fd, sq_err *err)
{
    char path[sizeof p->db + 8], dir[sizeof p->db];
    *fd = -1;
    snprintf(path, sizeof path, "%s-kiosk", p->db);
    snprintf(dir, sizeof dir, "%s", p->db);
    /* The store's folder, as the set-up would make it (a new station). */
    const char *parent = dirname(dir);
    if (mkdir(parent, 0700) != 0 && errno != EEXIST)
        return sqi_seterr(err, SQ_EIO, "cannot make %s: %s", parent, strerror(errno));
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0)
        return sqi_seterr(err, SQ_EIO, "cannot open %s: %s", path, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            char pid[24] = "";
            ssize_t n = pread(f, pid, sizeof pid - 1, 0);
            pid[n > 0 ? n : 0] = 0;
            pid[strcspn(pid, "\n")] = 0;
            close(f);
            return sqi_seterr(err, SQ_EBUSY,
                              "another synaq-kiosk (pid %s) is running on the store %s; one kiosk "
                              "a store",
                              *pid ? pid : "unknown", p->db);
        }
        close(f);
        return sqi_seterr(err, SQ_EIO, "cannot lock %s: %s", path, strerror(e));
    }
    /* Who holds it, for the next one's message. */
    char pid[24];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)len, 0) != len) {
        /* A full disk: the lock holds all the same; only the next kiosk's
         * message says "pid unknown". */
    }
    *fd = f;
    return SQ_OK;
}

void sq_station_kiosk_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* ---- opening ---- */

struct sq_station {
    sq_station_keys *keys;
    sq_store *store;
};

sq_status sq_station_open(const sq_station_paths *p, const char *passphrase, const sq_clock *clock,
                          sq_station_state *state, sq_station **out, sq_err *err)
{
    *out = NULL;
    *state = SQ_STATION_OPEN;
    if (access(p->keys, F_OK) != 0 && errno == ENOENT) {
        *state = SQ_STATION_NO_KEYS;
        sqi_seterr(err, SQ_ENOTFOUND, "this station has no keys yet (%s): set it up first",
                   p->keys);
        return SQ_OK;
    }
    sq_station_keys *k = NULL;
    sq_status st = sq_station_keys_open(p->keys, passphrase, &k, err);
    if (st == SQ_EAUTH && sq_station_keys_wrapped(p->keys) == 1) {
        *state = SQ_STATION_LOCKED;
        return SQ_OK;
    }
    if (st)
        return st;
    if (!sq_station_keys_cert(k)) {
        sq_station_keys_close(k);
        *state = SQ_STATION_NOT_ENROLLED;
        sqi_seterr(err, SQ_ESTATE,
                   "this station is not enrolled yet: install its certificate first");
        return SQ_OK;
    }
    sq_station *s = calloc(1, sizeof *s);
    if (!s) {
        sq_station_keys_close(k);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    }
    s->keys = k;
    if ((st = sq_store_open(p->db, k, clock, &s->store, err))) {
        sq_station_close(s);
        return st;
    }
    *out = s;
    return SQ_OK;
}

sq_station_keys *sq_station_get_keys(sq_station *st)
{
    return st->keys;
}

sq_store *sq_station_get_store(sq_station *st)
{
    return st->store;
}

void sq_station_close(sq_station *st)
{
    if (!st)
        return;
    sq_store_close(st->store);
    sq_station_keys_close(st->keys);
    free(st);
}

/* ---- sync-status.json ---- */

sq_status sq_station_sync_status_read(const sq_station_paths *p, sq_sync_status *out,
                                      sq_err *err)
{
    memset(out, 0, sizeof *out);
    uint8_t *buf = NULL;
    size_t len = 0;
    sq_status st = sq_file_read(p->sync_status, 1u << 20, &buf, &len, err);
    if (st)
        return access(p->sync_status, F_OK) != 0
                   ? sqi_seterr(err, SQ_ENOTFOUND, "synaq-syncd has not run here (no %s)",
                                p->sync_status)
                   : st;
    json_error_t je;
    json_t *j = json_loadb((const char *)buf, len, 0, &je);
    free(buf);
    if (!json_is_object(j)) {
        json_decref(j);
        return sqi_seterr(err, SQ_ECORRUPT, "%s is damaged", p->sync_status);
    }
    out->last_success_s = json_integer_value(json_object_get(j, "last_success"));
    out->last_error_s = json_integer_value(json_object_get(j, "last_error_wall"));
    out->updated_s = json_integer_value(json_object_get(j, "updated"));
    const char *why = json_string_value(json_object_get(j, "last_error"));
    snprintf(out->last_error, sizeof out->last_error, "%s", why ? why : "");
    /* A kind this build does not know (a newer daemon's) is left out:
     * the sentence still says it. */
    static const char *const kinds[] = {SQ_SYNC_KIND_NETWORK, SQ_SYNC_KIND_BUSY,
                                        SQ_SYNC_KIND_REFUSED, SQ_SYNC_KIND_ACK,
                                        SQ_SYNC_KIND_CONFLICT, SQ_SYNC_KIND_LOCKED,
                                        SQ_SYNC_KIND_LOCAL};
    const char *kind = json_string_value(json_object_get(j, "last_error_kind"));
    for (size_t k = 0; kind && k < sizeof kinds / sizeof *kinds; k++)
        if (!strcmp(kind, kinds[k]))
            snprintf(out->last_error_kind, sizeof out->last_error_kind, "%s", kinds[k]);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "bundles_set_aside"), i, it)
    {
        if (out->n_aside >= SQ_SYNC_ASIDE_MAX)
            break;
        const char *n = json_string_value(json_object_get(it, "name"));
        const char *h = json_string_value(json_object_get(it, "sha256"));
        const char *w = json_string_value(json_object_get(it, "why"));
        snprintf(out->aside[out->n_aside].name, sizeof out->aside[0].name, "%s", n ? n : "");
        snprintf(out->aside[out->n_aside].sha256, sizeof out->aside[0].sha256, "%s", h ? h : "");
        snprintf(out->aside[out->n_aside].why, sizeof out->aside[0].why, "%s", w ? w : "");
        out->n_aside++;
    }
    json_decref(j);
    return SQ_OK;
}

sq_status sq_station_sync_status_write(const sq_station_paths *p, const sq_sync_status *st,
                                       sq_err *err)
{
    json_t *aside = json_array();
    for (int i = 0; aside && i < st->n_aside && i < SQ_SYNC_ASIDE_MAX; i++)
        json_array_append_new(aside, json_pack("{s:s, s:s, s:s}", "name", st->aside[i].name,
                                               "sha256", st->aside[i].sha256, "why",
                                               st->aside[i].why));
    /* The error may have been cut in the middle of a character: cut it at
     * one, or jansson refuses the string. */
    char why[sizeof st->last_error];
    snprintf(why, sizeof why, "%.*s", (int)sq_utf8_prefix(st->last_error, sizeof why - 1),
             st->last_error);
    char kind[sizeof st->last_error_kind];
    snprintf(kind, sizeof kind, "%s", st->last_error[0] ? st->last_error_kind : "");
    json_t *j = aside ? json_pack("{s:I, s:s, s:s, s:I, s:I, s:o}", "last_success",
                                  (json_int_t)st->last_success_s, "last_error", why,
                                  "last_error_kind", kind, "last_error_wall",
                                  (json_int_t)st->last_error_s, "updated",
                                  (json_int_t)st->updated_s, "bundles_set_aside", aside)
                      : NULL;
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory writing %s", p->sync_status);
    sq_status rc = sq_write_file(p->sync_status, text, strlen(text), 0644, err);
    free(text);
    return rc;
}
