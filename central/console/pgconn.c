/* The console's PostgreSQL connections: see pgconn.h. */
#include <stdio.h>
#include <string.h>

#include "cstore.h"
#include <unistd.h>
#include "pgconn.h"

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static sq_status setup(PGconn *c, bool writable, const char *what, sq_err *err)
{
    PQsetNoticeProcessor(c, quiet, NULL);
    PGresult *r = PQexec(c, writable ? "SET synchronous_commit = on"
                                     : "SET default_transaction_read_only = on");
    sq_status st = PQresultStatus(r) == PGRES_COMMAND_OK
                       ? SQ_OK
                       : console_pg_err(c, r, what, "setting up the session", err);
    PQclear(r);
    return st;
}

sq_status console_pg_connect(const char *url, bool writable, const char *what, PGconn **out,
                             sq_err *err)
{
    *out = NULL;
    /* The store's own open: the schema made or checked, and the clear
     * messages of a server out of reach, refused credentials or a newer
     * schema, with no password in them. */
    cstore *cs = NULL;
    sq_status st = cstore_open(url, writable ? 0 : CSTORE_READONLY, &cs, err);
    cstore_close(cs);
    if (st)
        return st;
    char app[64], where[600];
    /* As the store's connections say who they are (cstore_int.h):
     * migrate-store refuses a source a writer is connected to. */
    snprintf(app, sizeof app, "synaq-central %c %ld", writable ? 'w' : 'r', (long)getpid());
    cstore_where(url, where, sizeof where);
    const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *const vals[] = {url, app, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        if (err) {
            char line[300];
            snprintf(line, sizeof line, "%s", c ? PQerrorMessage(c) : "out of memory");
            line[strcspn(line, "\n")] = '\0';
            snprintf(err->msg, sizeof err->msg, "%s: cannot connect to %s: %s", what, where, line);
            err->code = SQ_ENET;
        }
        PQfinish(c);
        return SQ_ENET;
    }
    if ((st = setup(c, writable, what, err))) {
        PQfinish(c);
        return st;
    }
    *out = c;
    return SQ_OK;
}

sq_status console_pg_alive(PGconn *c, bool writable, const char *what, sq_err *err)
{
    if (PQstatus(c) == CONNECTION_OK)
        return SQ_OK;
    PQreset(c);
    if (PQstatus(c) != CONNECTION_OK)
        return console_pg_err(c, NULL, what, "lost the connection to the server", err);
    return setup(c, writable, what, err); /* a new session */
}

sq_status console_pg_err(PGconn *c, const PGresult *res, const char *what, const char *doing,
                         sq_err *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *text = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!text || !*text)
        text = PQerrorMessage(c);
    sq_status st = SQ_EIO;
    if (PQstatus(c) == CONNECTION_BAD || (state && (!strncmp(state, "08", 2) ||
                                                    !strncmp(state, "57", 2))))
        st = SQ_ENET;
    else if (state && !strcmp(state, "53100"))
        st = SQ_EFULL;
    else if (state && (!strncmp(state, "28", 2) || !strcmp(state, "42501")))
        st = SQ_EAUTH;
    if (err) {
        char line[400];
        snprintf(line, sizeof line, "%s", text ? text : "");
        line[strcspn(line, "\n")] = '\0';
        snprintf(err->msg, sizeof err->msg, "%s: %s: %s", what, doing, line);
        err->code = st;
    }
    return st;
}

PGresult *console_pg_exec(PGconn *c, const char *sql, int n, const char *const *vals,
                          ExecStatusType want, const char *what, const char *doing, sq_err *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(r) == want)
        return r;
    console_pg_err(c, r, what, doing, err);
    PQclear(r);
    return NULL;
}
