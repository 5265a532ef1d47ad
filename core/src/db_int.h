/*
 * db_int.h - libsynaq's private: the store's insides (db.c): the handle,
 * transactions under the lock, sealed fields and their row identities.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_DB_INT_H
#define SYNAQ_DB_INT_H

#include <stdbool.h>
#include <sqlite3.h>
#include "synaq/synaq.h"
#include "synaq/keys.h"

struct sq_store {
    sqlite3 *db;
    char path[4096];
    int lock_fd;                 /* "<path>-lock", flock()ed around every write */
    int in_tx;
    /* 1 while the connection runs with synchronous = NORMAL for a light
     * write (sqi_db_begin_light); sqi_db_end sets FULL back, and every
     * durable begin makes sure of it first, so no durable write can go
     * out without its fsync. */
    int sync_light;
    const sq_station_keys *keys;
    const sq_clock *clock;
    /* This handle's run: a random id, and the clocks when it was opened.
     * An attempt committed under another run was left by a process that
     * stopped (a restart, a power cut): attempt.c's gap rule. */
    uint8_t run[16];
    int64_t opened_mono_ms, opened_wall_s;
    char station_id[SQ_STATION_ID_MAX + 1];
    /* The keys derived from the storage key, 32 bytes each, in one block
     * of guarded memory (sodium_malloc: locked, left out of core files,
     * wiped when freed), never in the handle itself. */
    uint8_t *secrets;
    uint8_t *field_key;          /* AEAD key of sealed columns */
    uint8_t *hash_key;           /* key of trainee look-up hashes */
    uint8_t *mac_key;            /* key of the MAC chains (chain.c) */
    /* The last check of the records (chain.c's; allocated by its first
     * check, freed with the handle). */
    struct sq_integrity_report *integrity;
};

/* The cross-process write lock (a bounded wait: SQ_EBUSY after 20 s). */
sq_status sqi_db_lock_take(sq_store *s, sq_err *err);
void sqi_db_lock_release(sq_store *s);
/* Runs sql (no rows); what names it in a message. */
sq_status sqi_db_exec(sq_store *s, const char *sql, const char *what, sq_err *err);
/* Begins a write transaction under the cross-process lock. */
sq_status sqi_db_begin(sq_store *s, sq_err *err);
/* The same for a write whose loss in a power cut is harmless (the item a
 * trainee moved to): committed without an fsync (WAL, synchronous =
 * NORMAL). A power cut may lose it and the light writes after the last
 * durable one, never a durable write, and never leaves the store
 * inconsistent: the WAL is a log, and the next durable commit's fsync
 * makes everything before it durable too. A kill -9 loses nothing. */
sq_status sqi_db_begin_light(sq_store *s, sq_err *err);
/* Commits (or on st != SQ_OK rolls back) and releases the lock. Returns
 * st, or the commit's failure. */
sq_status sqi_db_end(sq_store *s, sq_status st, sq_err *err);
/* Maps the connection's last SQLite error to a status and message. */
sq_status sqi_db_sqlerr(sq_store *s, int rc, const char *what, sq_err *err);
/* Steps a statement that returns no row and resets it (the caller still
 * owns it and finalizes it); what names it in a message. */
sq_status sqi_db_step_done(sq_store *s, sqlite3_stmt *q, const char *what, sq_err *err);
/* Prepares sql; on failure fills err. */
sq_status sqi_db_prepare(sq_store *s, const char *sql, sqlite3_stmt **st, sq_err *err);

/* The row key of a sealed field, its row's identity (in the associated
 * data, so ciphertexts cannot move between rows): exams.meta by (exam,
 * version); items.body and images.data by (exam, version, index);
 * roster.person by (exam, version, trainee hash); answers.value by
 * (attempt, position); attempts.* and meta.value by the attempt's hex id
 * and the key. out holds STORE_ROWKEY bytes. */
#define STORE_ROWKEY 200
void sqi_rowkey_exam(char out[STORE_ROWKEY], const char *exam_id, int64_t version);
void sqi_rowkey_item(char out[STORE_ROWKEY], const char *exam_id, int64_t version, int64_t idx);
void sqi_rowkey_person(char out[STORE_ROWKEY], const char *exam_id, int64_t version,
                   const uint8_t trainee_hash[32]);
void sqi_rowkey_answer(char out[STORE_ROWKEY], const char *attempt_hex, int pos);

/* Seals plain for (table, column, row key) into a new buffer nonce|ct.
 * Caller owns *out (free()). */
sq_status sqi_db_seal(const sq_store *s, const char *table, const char *column, const char *rowkey,
                     const void *plain, size_t len, uint8_t **out, size_t *out_len, sq_err *err);
/* Opens such a buffer; SQ_ECORRUPT if it does not belong to that row.
 * Caller owns *out (free()); *out is NUL-terminated beyond len. */
sq_status sqi_db_open_field(const sq_store *s, const char *table, const char *column,
                           const char *rowkey, const void *sealed, size_t len, uint8_t **out,
                           size_t *out_len, sq_err *err);
/* The integer in meta under key; 0 when there is none. */
sq_status sqi_db_meta_int(sq_store *s, const char *key, int64_t *v, sq_err *err);
/* The text in meta under key, cut to cap bytes; SQ_ENOTFOUND (out "")
 * when there is none. */
sq_status sqi_db_meta_text(sq_store *s, const char *key, char *out, size_t cap, sq_err *err);
/* Sets meta's key to blob (len bytes), or to the integer value when blob
 * is NULL. The caller holds the write transaction. */
sq_status sqi_db_meta_put(sq_store *s, const char *key, const void *blob, size_t len,
                         int64_t value, sq_err *err);
/* Keyed hash of a trainee id (32 bytes). */
void sqi_db_trainee_hash(const sq_store *s, const char *trainee_id, uint8_t out[32]);

int64_t sqi_db_mono_ms(const sq_store *s);
int64_t sqi_db_wall_s(const sq_store *s);

#endif
