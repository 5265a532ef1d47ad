/*
 * store.h - the station's store: one SQLite file in WAL mode with
 * synchronous=FULL, its sensitive columns sealed field by field with the
 * station's storage key (XChaCha20-Poly1305, the row's identity as
 * associated data), trainee look-ups through a keyed hash.
 *
 * One writing process per file at a time: every write transaction and
 * every checkpoint runs under an exclusive lock on "<db>-lock" beside the
 * file (DESIGN.md: Debian's SQLite predates the WAL-reset fix). SQLite's
 * automatic checkpoints run inside COMMIT, so under that lock too; the
 * checkpoint at close takes the lock explicitly.
 *
 * The audit log, the marks of results sent and the numbering of results
 * are bound to the station's key by MAC chains (core/src/chain.c): with
 * write access to the file but no key, changing, removing or reordering
 * them shows at the next open (or sq_chain_check, chain.h), is reported and
 * put on record in the audit log once. An older copy of the whole file
 * put back cannot be told on the station alone (central sees last_seq go
 * down in the heartbeats).
 *
 * A handle is for one thread.
 */
#ifndef SYNAQ_STORE_H
#define SYNAQ_STORE_H

#include "synaq.h"
#include <stdbool.h>
#include "keys.h"

/* sq_store: synaq.h. */

/* Opens (creating and migrating when needed) the store at path, using the
 * enrolled station keys k, which must outlive the store. clock NULL means
 * the system clock; a given clock must outlive the store.
 * SQ_ECORRUPT for a file that is not a Synaq store, SQ_EREADONLY for one
 * that cannot be written, SQ_ESTATE for keys without a certificate or
 * belonging to another station than the store's. Caller owns *out. */
sq_status sq_store_open(const char *path, const sq_station_keys *k, const sq_clock *clock,
                        sq_store **out, sq_err *err) SQ_MUST_CHECK;

/* Checkpoints (under the lock) and closes. NULL is a no-op. */
void sq_store_close(sq_store *s);

/* Schema version of an open store (PRAGMA user_version). */
int sq_store_schema_version(sq_store *s);


/* Test and tool hook: caps the database at max_pages pages (PRAGMA
 * max_page_count), the way a full disk would. 0 lifts the cap. */
sq_status sq_store_limit_pages(sq_store *s, int64_t max_pages, sq_err *err) SQ_MUST_CHECK;

/* Small sealed notes a program keeps in the store (the kiosk's session:
 * which attempt was on screen). value NULL deletes. Values up to 4 KiB. */
sq_status sq_store_note_set(sq_store *s, const char *key, const char *value,
                            sq_err *err) SQ_MUST_CHECK;
/* Copies the note into out (SQ_ENOTFOUND when there is none). */
sq_status sq_store_note_get(sq_store *s, const char *key, char *out, size_t out_len,
                            sq_err *err) SQ_MUST_CHECK;

#endif
