/*
 * accounts_pg.c - accounts.h on PostgreSQL: the tables console_users,
 * console_audit and console_meta of central's database (cstore_pg.c,
 * migration 4 -> 5), beside the result store and the station registry, so
 * that every console and `synaq-central user` on any machine sees one set
 * of accounts. The audit key stays a file in central's home
 * (console.key), never in the database.
 *
 * The audit chain is accounts_chain.c's, as on SQLite. Append-only is the
 * database's: triggers refuse UPDATE, DELETE and TRUNCATE of
 * console_audit to every role, its owner too; the MAC chain catches what
 * a superuser who drops the triggers does. Appends from several processes
 * take turns on a lock of console_meta for their transaction, so two never
 * continue the chain from the same head.
 *
 * One connection per handle, under the handle's mutex: logins and account
 * changes are rare, a few round trips each.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <libpq-fe.h>

#include "accounts_chain.h"
#include "accounts_pg.h"
#include "pgconn.h"

#define WHAT "console accounts"

struct accounts_pg {
    PGconn *conn;
    bool readonly;
    pthread_mutex_t mu;
    uint8_t *key;
};

static sq_status seterr(sq_err *err, sq_status st, const char *msg, const char *arg)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, msg, arg ? arg : "");
        err->code = st;
    }
    return st;
}

static PGresult *run(accounts_pg *a, const char *sql, int n, const char *const *vals,
                     ExecStatusType want, const char *doing, sq_err *err)
{
    return console_pg_exec(a->conn, sql, n, vals, want, WHAT, doing, err);
}

static sq_status cmd(accounts_pg *a, const char *sql, const char *doing, sq_err *err)
{
    PGresult *r = run(a, sql, 0, NULL, PGRES_COMMAND_OK, doing, err);
    PQclear(r);
    return r ? SQ_OK : err ? err->code : SQ_EIO;
}

static sq_status failed_of(sq_err *err)
{
    return err && err->code ? err->code : SQ_EIO;
}

static int64_t count_of(accounts_pg *a, const char *sql, sq_err *err)
{
    PGresult *r = run(a, sql, 0, NULL, PGRES_TUPLES_OK, "counting", err);
    int64_t v = r && PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return v;
}

sq_status accounts_pg_open(const char *url, const char *key_path, bool readonly, accounts_pg **out,
                           sq_err *err)
{
    *out = NULL;
    accounts_pg *a = calloc(1, sizeof *a);
    if (!a)
        return seterr(err, SQ_ENOMEM, "out of memory%s", NULL);
    a->readonly = readonly;
    pthread_mutex_init(&a->mu, NULL);
    sq_status st = console_pg_connect(url, !readonly, WHAT, &a->conn, err);
    if (st)
        goto fail;
    int64_t rows = count_of(a,
                            "SELECT (SELECT count(*) FROM console_users) +"
                            " (SELECT count(*) FROM console_audit)",
                            err);
    if (rows < 0) {
        st = err ? err->code : SQ_EIO;
        goto fail;
    }
    if (readonly && rows == 0) {
        st = seterr(err, SQ_ENOTFOUND, WHAT ": the database holds no account yet (no user added)%s",
                    NULL);
        goto fail;
    }
    /* A key is made only with the first account; after that it must be
     * the one the lines were made with. */
    if ((st = accounts_key_load(&a->key, key_path, !readonly && rows == 0, err)))
        goto fail;
    *out = a;
    return SQ_OK;
fail:
    accounts_pg_close(a);
    return st;
}

void accounts_pg_close(accounts_pg *a)
{
    if (!a)
        return;
    PQfinish(a->conn);
    sodium_free(a->key);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* Takes the handle and makes sure its connection is up. */
static sq_status enter(accounts_pg *a, sq_err *err)
{
    pthread_mutex_lock(&a->mu);
    sq_status st = console_pg_alive(a->conn, !a->readonly, WHAT, err);
    if (st)
        pthread_mutex_unlock(&a->mu);
    return st;
}

/* A write transaction, the appenders in turn (the lock on console_meta
 * is held to its end). */
static sq_status begin(accounts_pg *a, sq_err *err)
{
    if (a->readonly)
        return seterr(err, SQ_EREADONLY, WHAT ": opened read-only%s", NULL);
    sq_status st = cmd(a, "BEGIN", "starting a write", err);
    if (!st && (st = cmd(a, "LOCK TABLE console_meta IN EXCLUSIVE MODE", "taking the audit lock",
                         err)))
        cmd(a, "ROLLBACK", "rolling back", NULL);
    return st;
}

static sq_status end(accounts_pg *a, sq_status st, sq_err *err)
{
    if (!st)
        st = cmd(a, "COMMIT", "committing", err);
    else
        cmd(a, "ROLLBACK", "rolling back", NULL);
    return st;
}

/* Decodes n bytes of hex (PostgreSQL's bytea text, "\x..."). */
static bool unhex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    size_t got = 0;
    if (strncmp(s, "\\x", 2) != 0 ||
        sodium_hex2bin(out, cap, s + 2, strlen(s + 2), NULL, &got, NULL) != 0)
        return false;
    *len = got;
    return true;
}

/* The head: the last line's number and MAC; *n 0 for an empty log. */
static sq_status head_get(accounts_pg *a, int64_t *n, uint8_t mac[ACCOUNTS_MAC_LEN], sq_err *err)
{
    *n = 0;
    memset(mac, 0, ACCOUNTS_MAC_LEN);
    PGresult *r = run(a, "SELECT v FROM console_meta WHERE k = 'head'", 0, NULL, PGRES_TUPLES_OK,
                      "reading the audit head", err);
    if (!r)
        return err ? err->code : SQ_EIO;
    sq_status st = SQ_OK;
    if (PQntuples(r) == 1) {
        uint8_t v[ACCOUNTS_HEAD_LEN + 1];
        size_t len = 0;
        if (!unhex(PQgetvalue(r, 0, 0), v, sizeof v, &len))
            len = 0;
        st = accounts_head_read(a->key, v, len, n, mac, err);
    } else if (count_of(a, "SELECT count(*) FROM console_audit", err) != 0) {
        st = seterr(err, SQ_ECORRUPT, "console audit: lines but no head%s", NULL);
    }
    PQclear(r);
    return st;
}

static sq_status append_in_tx(accounts_pg *a, const accounts_audit *l, sq_err *err)
{
    int64_t n;
    uint8_t prev[ACCOUNTS_MAC_LEN], mac[ACCOUNTS_MAC_LEN], head[ACCOUNTS_HEAD_LEN];
    sq_status st = head_get(a, &n, prev, err);
    if (st)
        return st;
    if (count_of(a, "SELECT coalesce(max(n), 0) FROM console_audit", err) != n)
        return seterr(err, SQ_ECORRUPT,
                      "console audit: the log's end does not match its head (lines removed or "
                      "added%s); run `synaq-central user audit`",
                      NULL);
    n++;
    accounts_line_mac(a->key, prev, n, l, mac);
    accounts_head_make(a->key, n, mac, head);
    char ns[24], wall[24], mac_hex[2 * ACCOUNTS_MAC_LEN + 3], head_hex[2 * ACCOUNTS_HEAD_LEN + 3];
    snprintf(ns, sizeof ns, "%lld", (long long)n);
    snprintf(wall, sizeof wall, "%lld", (long long)l->wall_s);
    memcpy(mac_hex, "\\x", 2);
    sodium_bin2hex(mac_hex + 2, sizeof mac_hex - 2, mac, sizeof mac);
    memcpy(head_hex, "\\x", 2);
    sodium_bin2hex(head_hex + 2, sizeof head_hex - 2, head, sizeof head);
    const char *v[] = {ns,
                       wall,
                       l->actor ? l->actor : "",
                       l->action ? l->action : "",
                       l->outcome ? l->outcome : "",
                       l->detail ? l->detail : "",
                       mac_hex};
    PGresult *r = run(a,
                      "INSERT INTO console_audit(n, wall, actor, action, outcome, detail, mac)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      7, v, PGRES_COMMAND_OK, "appending to the audit log", err);
    if (!r)
        return err ? err->code : SQ_EIO;
    PQclear(r);
    const char *hv[] = {head_hex};
    r = run(a,
            "INSERT INTO console_meta(k, v) VALUES ('head', $1)"
            " ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            1, hv, PGRES_COMMAND_OK, "moving the audit head", err);
    if (!r)
        return err ? err->code : SQ_EIO;
    PQclear(r);
    return SQ_OK;
}

sq_status accounts_pg_audit_append(accounts_pg *a, const accounts_audit *line, sq_err *err)
{
    sq_status st = enter(a, err);
    if (st)
        return st;
    if (!(st = begin(a, err)))
        st = end(a, append_in_tx(a, line, err), err);
    pthread_mutex_unlock(&a->mu);
    return st;
}

#define AUDIT_SQL "SELECT n, wall, actor, action, outcome, detail, mac FROM console_audit ORDER BY n"

static accounts_audit row_audit(const PGresult *r, int i)
{
    accounts_audit l = {strtoll(PQgetvalue(r, i, 1), NULL, 10), PQgetvalue(r, i, 2),
                        PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5)};
    return l;
}

sq_status accounts_pg_audit_each(accounts_pg *a, accounts_audit_fn fn, void *ctx, sq_err *err)
{
    sq_status st = enter(a, err);
    if (st)
        return st;
    PGresult *r = run(a, AUDIT_SQL, 0, NULL, PGRES_TUPLES_OK, "reading the audit log", err);
    if (!r)
        st = err ? err->code : SQ_EIO;
    for (int i = 0; r && i < PQntuples(r); i++) {
        accounts_audit l = row_audit(r, i);
        if (fn(ctx, strtoll(PQgetvalue(r, i, 0), NULL, 10), &l))
            break;
    }
    PQclear(r);
    pthread_mutex_unlock(&a->mu);
    return st;
}

sq_status accounts_pg_audit_check(accounts_pg *a, int64_t *lines, int64_t *first_bad, sq_err *err)
{
    int64_t head_n = 0, expect = 1, bad = 0;
    uint8_t head[ACCOUNTS_MAC_LEN], prev[ACCOUNTS_MAC_LEN] = {0};
    char why[200] = "";
    PGresult *r = NULL;
    *lines = 0;
    *first_bad = 0;
    sq_status st = enter(a, err);
    if (st)
        return st;
    /* One snapshot for the head and the lines. */
    if ((st = cmd(a, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a read", err)))
        goto out;
    if ((st = head_get(a, &head_n, head, err)))
        goto done;
    r = run(a, AUDIT_SQL, 0, NULL, PGRES_TUPLES_OK, "reading the audit log", err);
    if (!r) {
        st = err ? err->code : SQ_EIO;
        goto done;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t n = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        accounts_audit l = row_audit(r, i);
        uint8_t want[ACCOUNTS_MAC_LEN], got[ACCOUNTS_MAC_LEN + 1];
        size_t len = 0;
        if (n != expect) {
            bad = expect;
            snprintf(why, sizeof why, "line %lld is missing (the next is %lld)", (long long)expect,
                     (long long)n);
            break;
        }
        accounts_line_mac(a->key, prev, n, &l, want);
        if (!unhex(PQgetvalue(r, i, 6), got, sizeof got, &len) || len != ACCOUNTS_MAC_LEN ||
            sodium_memcmp(want, got, ACCOUNTS_MAC_LEN)) {
            bad = n;
            snprintf(why, sizeof why, "line %lld was changed (or a line before it)", (long long)n);
            break;
        }
        memcpy(prev, want, ACCOUNTS_MAC_LEN);
        (*lines)++;
        expect++;
    }
    if (!bad && (*lines != head_n || (head_n && sodium_memcmp(prev, head, ACCOUNTS_MAC_LEN)))) {
        bad = *lines + 1;
        snprintf(why, sizeof why, "the head names line %lld but the log ends at line %lld",
                 (long long)head_n, (long long)*lines);
    }
    if (bad) {
        *first_bad = bad;
        st = seterr(err, SQ_ECORRUPT, "console audit: %s", why);
    }
done:
    cmd(a, "COMMIT", "ending a read", NULL);
out:
    PQclear(r);
    pthread_mutex_unlock(&a->mu);
    return st;
}

/* ---- users ---- */

#define USER_COLUMNS "name, role, district, disabled, pwhash, created_wall, changed_wall"

static void row_user(const PGresult *r, int i, accounts_user *u)
{
    memset(u, 0, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", PQgetvalue(r, i, 0));
    u->role = (accounts_role)strtol(PQgetvalue(r, i, 1), NULL, 10);
    snprintf(u->district, sizeof u->district, "%s", PQgetvalue(r, i, 2));
    u->disabled = strtoll(PQgetvalue(r, i, 3), NULL, 10) != 0;
    snprintf(u->pwhash, sizeof u->pwhash, "%s", PQgetvalue(r, i, 4));
    u->created_wall_s = strtoll(PQgetvalue(r, i, 5), NULL, 10);
    u->changed_wall_s = strtoll(PQgetvalue(r, i, 6), NULL, 10);
}

static sq_status get_locked(accounts_pg *a, const char *name, accounts_user *u, sq_err *err)
{
    const char *v[] = {name};
    PGresult *r = run(a, "SELECT " USER_COLUMNS " FROM console_users WHERE name = $1", 1, v,
                      PGRES_TUPLES_OK, "reading a user", err);
    if (!r)
        return err ? err->code : SQ_EIO;
    sq_status st = SQ_OK;
    if (PQntuples(r) == 1)
        row_user(r, 0, u);
    else
        st = seterr(err, SQ_ENOTFOUND, "no user '%s'", name);
    PQclear(r);
    return st;
}

sq_status accounts_pg_user_get(accounts_pg *a, const char *name, accounts_user *u, sq_err *err)
{
    sq_status st = enter(a, err);
    if (st)
        return st;
    st = get_locked(a, name, u, err);
    pthread_mutex_unlock(&a->mu);
    return st;
}

sq_status accounts_pg_user_add(accounts_pg *a, const accounts_user *u, const accounts_audit *why,
                               sq_err *err)
{
    sq_status st = enter(a, err);
    if (st)
        return st;
    if ((st = begin(a, err)))
        goto out;
    accounts_user old;
    st = get_locked(a, u->name, &old, NULL);
    if (st == SQ_OK) {
        st = seterr(err, SQ_EEXIST, "a user '%s' exists already", u->name);
    } else if (st == SQ_ENOTFOUND) {
        char role[16], dis[4], created[24], changed[24];
        snprintf(role, sizeof role, "%d", (int)u->role);
        snprintf(dis, sizeof dis, "%d", u->disabled ? 1 : 0);
        snprintf(created, sizeof created, "%lld", (long long)u->created_wall_s);
        snprintf(changed, sizeof changed, "%lld", (long long)u->changed_wall_s);
        const char *v[] = {u->name, role, u->district, dis, u->pwhash, created, changed};
        PGresult *r = run(a,
                          "INSERT INTO console_users(" USER_COLUMNS ")"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                          7, v, PGRES_COMMAND_OK, "adding a user", err);
        st = r ? append_in_tx(a, why, err) : err ? err->code : SQ_EIO;
        PQclear(r);
    }
    st = end(a, st, err);
out:
    pthread_mutex_unlock(&a->mu);
    return st;
}

static sq_status update(accounts_pg *a, const char *name, const char *sql, const char *value,
                        const accounts_audit *why, sq_err *err)
{
    sq_status st = enter(a, err);
    if (st)
        return st;
    if ((st = begin(a, err)))
        goto out;
    char wall[24];
    snprintf(wall, sizeof wall, "%lld", (long long)why->wall_s);
    const char *v[] = {value, wall, name};
    PGresult *r = run(a, sql, 3, v, PGRES_COMMAND_OK, "changing a user", err);
    if (!r)
        st = err ? err->code : SQ_EIO;
    else if (strcmp(PQcmdTuples(r), "1") != 0)
        st = seterr(err, SQ_ENOTFOUND, "no user '%s'", name);
    else
        st = append_in_tx(a, why, err);
    PQclear(r);
    st = end(a, st, err);
out:
    pthread_mutex_unlock(&a->mu);
    return st;
}

sq_status accounts_pg_user_set_hash(accounts_pg *a, const char *name, const char *pwhash,
                                    const accounts_audit *why, sq_err *err)
{
    return update(a, name,
                  "UPDATE console_users SET pwhash = $1, changed_wall = $2 WHERE name = $3",
                  pwhash, why, err);
}

sq_status accounts_pg_user_set_disabled(accounts_pg *a, const char *name, bool disabled,
                                        const accounts_audit *why, sq_err *err)
{
    return update(a, name,
                  "UPDATE console_users SET disabled = $1, changed_wall = $2 WHERE name = $3",
                  disabled ? "1" : "0", why, err);
}

sq_status accounts_pg_user_each(accounts_pg *a, accounts_user_fn fn, void *ctx, sq_err *err)
{
    sq_status st = enter(a, err);
    if (st)
        return st;
    PGresult *r = run(a, "SELECT " USER_COLUMNS " FROM console_users ORDER BY name", 0, NULL,
                      PGRES_TUPLES_OK, "reading the users", err);
    if (!r)
        st = err ? err->code : SQ_EIO;
    for (int i = 0; r && i < PQntuples(r); i++) {
        accounts_user u;
        row_user(r, i, &u);
        if (fn(ctx, &u))
            break;
    }
    PQclear(r);
    pthread_mutex_unlock(&a->mu);
    return st;
}

sq_status accounts_pg_copy_in(accounts_pg *a, const accounts_user *users, size_t n_users,
                              const accounts_audit *lines, size_t n_lines, sq_err *err)
{
    sq_status st = enter(a, err);
    if (st)
        return st;
    if ((st = begin(a, err)))
        goto out;
    int64_t held = count_of(a,
                            "SELECT (SELECT count(*) FROM console_users) +"
                            " (SELECT count(*) FROM console_audit)",
                            err);
    if (held != 0)
        st = held < 0 ? failed_of(err)
                      : seterr(err, SQ_ESTATE,
                               WHAT ": the database holds accounts or audit lines already%s",
                               NULL);
    for (size_t i = 0; !st && i < n_users; i++) {
        const accounts_user *u = &users[i];
        char role[16], dis[4], created[24], changed[24];
        snprintf(role, sizeof role, "%d", (int)u->role);
        snprintf(dis, sizeof dis, "%d", u->disabled ? 1 : 0);
        snprintf(created, sizeof created, "%lld", (long long)u->created_wall_s);
        snprintf(changed, sizeof changed, "%lld", (long long)u->changed_wall_s);
        const char *v[] = {u->name, role, u->district, dis, u->pwhash, created, changed};
        PGresult *r = run(a,
                          "INSERT INTO console_users(" USER_COLUMNS ")"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                          7, v, PGRES_COMMAND_OK, "copying a user", err);
        if (!r)
            st = failed_of(err);
        PQclear(r);
    }
    /* Appended again with the same key, each line gets the MAC it had. */
    for (size_t i = 0; !st && i < n_lines; i++)
        st = append_in_tx(a, &lines[i], err);
    st = end(a, st, err);
out:
    pthread_mutex_unlock(&a->mu);
    return st;
}
