/*
 * accounts_pg.h - the console's accounts on PostgreSQL (accounts_pg.c),
 * which accounts.c calls for a handle opened on a postgresql:// URL.
 * Nothing outside the accounts files includes this.
 */
#ifndef SYNAQ_CONSOLE_ACCOUNTS_PG_H
#define SYNAQ_CONSOLE_ACCOUNTS_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <synaq/synaq.h>

#include "accounts_types.h"

typedef struct accounts_pg accounts_pg;
/* accounts_open's contract for a URL: the tables are central's schema
 * (cstore_pg.c's migration 4 -> 5), made or upgraded by a writable open;
 * the key is made with them when the database holds no account and no
 * audit line yet. */
sq_status accounts_pg_open(const char *url, const char *key_path, bool readonly, accounts_pg **out,
                           sq_err *err) SQ_MUST_CHECK;
void accounts_pg_close(accounts_pg *a);
sq_status accounts_pg_user_add(accounts_pg *a, const accounts_user *u, const accounts_audit *why,
                               sq_err *err) SQ_MUST_CHECK;
sq_status accounts_pg_user_get(accounts_pg *a, const char *name, accounts_user *u,
                               sq_err *err) SQ_MUST_CHECK;
sq_status accounts_pg_user_set_hash(accounts_pg *a, const char *name, const char *pwhash,
                                    const accounts_audit *why, sq_err *err) SQ_MUST_CHECK;
sq_status accounts_pg_user_set_disabled(accounts_pg *a, const char *name, bool disabled,
                                        const accounts_audit *why, sq_err *err) SQ_MUST_CHECK;
sq_status accounts_pg_user_each(accounts_pg *a, accounts_user_fn fn, void *ctx,
                                sq_err *err) SQ_MUST_CHECK;
sq_status accounts_pg_audit_append(accounts_pg *a, const accounts_audit *line,
                                   sq_err *err) SQ_MUST_CHECK;
sq_status accounts_pg_audit_each(accounts_pg *a, accounts_audit_fn fn, void *ctx,
                                 sq_err *err) SQ_MUST_CHECK;
sq_status accounts_pg_audit_check(accounts_pg *a, int64_t *lines, int64_t *first_bad,
                                  sq_err *err) SQ_MUST_CHECK;
/* Adds the users and the audit lines (appended in order, so with the same
 * key each gets the MAC it had) in one transaction; SQ_ESTATE, nothing
 * written, when the database holds an account or a line already. */
sq_status accounts_pg_copy_in(accounts_pg *a, const accounts_user *users, size_t n_users,
                              const accounts_audit *lines, size_t n_lines,
                              sq_err *err) SQ_MUST_CHECK;

#endif
