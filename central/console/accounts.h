/*
 * accounts.h - the staff console's accounts and its audit log: who may
 * log in (name, role, district, Argon2id hash) and what staff did
 * (logins, failed logins, logouts, account changes), append-only.
 *
 * The interface says nothing of the engine, so a PostgreSQL version can
 * sit behind it later, as for central's result store (cstore.h). Today's
 * implementation (accounts.c) is SQLite: console.db in central's home,
 * a file of its own because two programs write it (the console logs
 * logins; `synaq-central user` changes accounts) and DESIGN.md allows one
 * writer per file at a time: every write transaction and checkpoint of
 * either takes an exclusive lock on "<path>-lock" first (waiting at most
 * 5 s, then SQ_EBUSY).
 *
 * The audit log is a MAC chain like the station's (core/src/chain.c):
 * line n carries BLAKE2b-256 keyed with the audit key over the MAC of
 * line n-1 and line n's fields, and a head pins the last line, so someone
 * who can write console.db but has not the key (console.key, 0600) cannot
 * change, remove, insert or cut off lines unseen (accounts_audit_check).
 * Triggers refuse UPDATE and DELETE of audit lines to honest programs.
 *
 * A handle may be shared by threads: every call holds the handle's mutex.
 * Commits are durable (WAL, synchronous=FULL) before a call returns.
 */
#ifndef SYNAQ_CENTRAL_ACCOUNTS_H
#define SYNAQ_CENTRAL_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>
#include "synaq/synaq.h"
#include "accounts_types.h"

typedef struct accounts accounts;


/* The name of a role ("admin", "staff", "district"); static. */
const char *accounts_role_name(accounts_role r);
/* The role of a name; -1 when it names none. */
int accounts_role_parse(const char *s);
/* Whether s is a user name: 1 to 64 of [a-z0-9._-], not starting with
 * '.' or '-'. */
bool accounts_name_valid(const char *s);

/* Opens (creating when writable and missing) the accounts at db_path
 * with the audit key at key_path (32 bytes; created 0600 with the
 * database, required after). readonly: no writes, no lock. SQ_ECORRUPT
 * for a file that is not a console store; SQ_ENOTFOUND for a read-only
 * open of a file that does not exist; SQ_EAUTH when the key is missing
 * for an existing store. Caller owns *out (accounts_close). */
sq_status accounts_open(const char *db_path, const char *key_path, bool readonly, accounts **out,
                        sq_err *err) SQ_MUST_CHECK;
/* Closes (wiping the key). NULL is a no-op. */
void accounts_close(accounts *a);

/* Adds a user and appends why to the audit log, in one transaction.
 * SQ_EEXIST for a name taken (nothing written). */
sq_status accounts_user_add(accounts *a, const accounts_user *u, const accounts_audit *why,
                            sq_err *err) SQ_MUST_CHECK;
/* Fills *u; SQ_ENOTFOUND for a name unknown. */
sq_status accounts_user_get(accounts *a, const char *name, accounts_user *u,
                            sq_err *err) SQ_MUST_CHECK;
/* Sets the user's password hash, with the audit line. SQ_ENOTFOUND. */
sq_status accounts_user_set_hash(accounts *a, const char *name, const char *pwhash,
                                 const accounts_audit *why, sq_err *err) SQ_MUST_CHECK;
/* Disables (or enables) the user, with the audit line. SQ_ENOTFOUND. */
sq_status accounts_user_set_disabled(accounts *a, const char *name, bool disabled,
                                     const accounts_audit *why, sq_err *err) SQ_MUST_CHECK;
/* Calls fn for every user, by name; fn returning non-zero stops. *u is
 * borrowed for the call. */
sq_status accounts_user_each(accounts *a, accounts_user_fn fn, void *ctx,
                             sq_err *err) SQ_MUST_CHECK;

/* Appends one line to the audit log. */
sq_status accounts_audit_append(accounts *a, const accounts_audit *line, sq_err *err) SQ_MUST_CHECK;
/* Calls fn for every audit line, oldest first (n counts from 1); fn
 * returning non-zero stops. The line is borrowed for the call. */
sq_status accounts_audit_each(accounts *a, accounts_audit_fn fn, void *ctx,
                              sq_err *err) SQ_MUST_CHECK;
/* Checks the audit chain: every line's MAC, the numbering and the head.
 * SQ_OK with *lines checked; SQ_ECORRUPT when a line was changed,
 * inserted, removed or cut off (the message names the first, and
 * *first_bad its number). */
sq_status accounts_audit_check(accounts *a, int64_t *lines, int64_t *first_bad,
                               sq_err *err) SQ_MUST_CHECK;

/* Copies every account and audit line of from into to, a PostgreSQL
 * store (migrate-store), in one transaction, then checks to's chain:
 * the lines keep their numbers and MACs (the same audit key, console.key,
 * is used by both). SQ_ECORRUPT when from's chain does not check out,
 * SQ_ESTATE when to holds accounts or lines already, SQ_EINVAL when to is
 * not PostgreSQL; nothing written then. *users, *lines: what was copied. */
sq_status accounts_copy(accounts *from, accounts *to, int64_t *users, int64_t *lines,
                        sq_err *err) SQ_MUST_CHECK;

#endif
