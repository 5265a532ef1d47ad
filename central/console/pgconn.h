/*
 * pgconn.h - the console's PostgreSQL connections (accounts_pg.c,
 * fleetsrc_pg.c): one connection per handle, used under the handle's
 * mutex, made again once when the server dropped it. Opening goes through
 * central's result store first (cstore_open), which checks the schema
 * (refusing a database of a newer one), says clearly why a server cannot
 * be reached or refused the credentials, and never shows a password.
 */
#ifndef SYNAQ_CONSOLE_PGCONN_H
#define SYNAQ_CONSOLE_PGCONN_H

#include <stdbool.h>
#include <libpq-fe.h>

#include <synaq/synaq.h>

/* Connects to url. writable: the schema is made or upgraded first (as
 * the receiver does); else it must be this build's. The session is read
 * only unless writable. what names the caller in messages ("console
 * accounts"). Caller owns *out (PQfinish). */
sq_status console_pg_connect(const char *url, bool writable, const char *what, PGconn **out,
                             sq_err *err) SQ_MUST_CHECK;
/* A connection the server dropped since the last call, made again (once). */
sq_status console_pg_alive(PGconn *c, bool writable, const char *what,
                           sq_err *err) SQ_MUST_CHECK;
/* Fills err from a failed result (res NULL: from the connection) as
 * "WHAT: DOING: the server's message" and returns the status it stands
 * for (SQ_ENET for a lost connection, SQ_EFULL, SQ_EAUTH, else SQ_EIO). */
sq_status console_pg_err(PGconn *c, const PGresult *res, const char *what, const char *doing,
                         sq_err *err);
/* Runs sql with text parameters (NULL: SQL NULL); the result is the
 * caller's (PQclear); NULL with err filled when it did not return want. */
PGresult *console_pg_exec(PGconn *c, const char *sql, int n, const char *const *vals,
                          ExecStatusType want, const char *what, const char *doing, sq_err *err);

#endif
