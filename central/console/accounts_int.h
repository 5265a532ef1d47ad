/*
 * accounts_int.h - private to the console's accounts (accounts.h): what
 * the SQLite engine (accounts.c, console.db) and the PostgreSQL engine
 * (accounts_pg.c, tables in central's database) share, and the PostgreSQL
 * engine's functions, which accounts.c calls for a handle opened on a
 * postgresql:// URL. Nothing outside the accounts files includes this.
 *
 * The audit chain is the same on both engines (the MACs below), so a log
 * checks out whichever engine holds it; the audit key stays a file in
 * central's home (console.key) on both, never in the database: who can
 * write the tables but cannot read the key still cannot forge a line.
 */
#ifndef SYNAQ_CONSOLE_ACCOUNTS_INT_H
#define SYNAQ_CONSOLE_ACCOUNTS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "accounts.h"

#define ACCOUNTS_MAC_LEN 32
#define ACCOUNTS_KEY_LEN 32
/* The head's bytes: n (8, little-endian) || the last line's MAC || the
 * head's own MAC. */
#define ACCOUNTS_HEAD_LEN (8 + 2 * ACCOUNTS_MAC_LEN)

/* Line n's MAC: BLAKE2b-256 keyed with the audit key over "SQCAUD01" ||
 * prev (the MAC of line n-1, zeros before line 1) || n || the fields. */
void accounts_line_mac(const uint8_t *key, const uint8_t prev[ACCOUNTS_MAC_LEN], int64_t n,
                       const accounts_audit *l, uint8_t out[ACCOUNTS_MAC_LEN]);
/* The head's bytes for line n with MAC mac. */
void accounts_head_make(const uint8_t *key, int64_t n, const uint8_t mac[ACCOUNTS_MAC_LEN],
                        uint8_t out[ACCOUNTS_HEAD_LEN]);
/* Reads a head's bytes: SQ_OK with *n and mac when its MAC checks out
 * with the key; SQ_ECORRUPT (message in err) when not. */
sq_status accounts_head_read(const uint8_t *key, const uint8_t *v, size_t len, int64_t *n,
                             uint8_t mac[ACCOUNTS_MAC_LEN], sq_err *err) SQ_MUST_CHECK;
/* Loads the audit key at path into *key (sodium_malloc'd,
 * ACCOUNTS_KEY_LEN bytes; the caller sodium_frees it), making a new one
 * (0600) when create and the file is not there. SQ_EAUTH when it is
 * missing, SQ_ECORRUPT when it is not a key. */
sq_status accounts_key_load(uint8_t **key, const char *path, bool create,
                            sq_err *err) SQ_MUST_CHECK;

/* ---- the PostgreSQL engine (accounts_pg.c) ---- */

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
