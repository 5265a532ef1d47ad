/*
 * db.c - the store's insides, below store.c (opening) and everything that
 * reads or writes the store: the handle's clock, SQLite's errors as
 * statuses and sentences, statements, write transactions under the
 * cross-process lock, sealed columns bound to their rows, the meta table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <sodium.h>

#include "codec_int.h"
#include "db_int.h"
#include "util_int.h"

#define LOCK_WAIT_MS 20000

int64_t sqi_db_mono_ms(const sq_store *s)
{
    return s->clock->mono_ms(s->clock->ctx);
}

int64_t sqi_db_wall_s(const sq_store *s)
{
    return s->clock->wall_s(s->clock->ctx);
}

sq_status sqi_db_sqlerr(sq_store *s, int rc, const char *what, sq_err *err)
{
    int prim = rc & 0xff;
    const char *m = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    const char *path = s ? s->path : "";
    switch (prim) {
    case SQLITE_FULL:
        return sqi_seterr(err, SQ_EFULL, "%s: the store %s is full (is the disk full?): %s", what,
                         path, m);
    case SQLITE_READONLY:
        return sqi_seterr(err, SQ_EREADONLY, "%s: the store %s cannot be written: %s", what,
                         path, m);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return sqi_seterr(err, SQ_ECORRUPT, "%s: the store %s is damaged: %s", what, path, m);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return sqi_seterr(err, SQ_EBUSY, "%s: the store %s is busy: %s", what, path, m);
    case SQLITE_NOMEM:
        return sqi_seterr(err, SQ_ENOMEM, "%s: out of memory", what);
    case SQLITE_CONSTRAINT:
        return sqi_seterr(err, SQ_ESTATE, "%s: %s", what, m);
    default:
        return sqi_seterr(err, SQ_EIO, "%s: store %s: %s", what, path, m);
    }
}

sq_status sqi_db_prepare(sq_store *s, const char *sql, sqlite3_stmt **stmt, sq_err *err)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL);
    if (rc != SQLITE_OK)
        return sqi_db_sqlerr(s, rc, "reading the store", err);
    return SQ_OK;
}

sq_status sqi_db_lock_take(sq_store *s, sq_err *err)
{
    /* A bounded wait: a stuck peer must become a message, not a hang. */
    for (int waited = 0;; waited += 10) {
        if (flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0)
            return SQ_OK;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return sqi_seterr(err, SQ_EIO, "cannot lock %s-lock: %s", s->path, strerror(errno));
        if (waited >= LOCK_WAIT_MS)
            return sqi_seterr(err, SQ_EBUSY,
                             "another process has held the store %s for %d s; giving up",
                             s->path, LOCK_WAIT_MS / 1000);
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
}

void sqi_db_lock_release(sq_store *s)
{
    flock(s->lock_fd, LOCK_UN);
}

sq_status sqi_db_exec(sq_store *s, const char *sql, const char *what, sq_err *err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SQ_OK : sqi_db_sqlerr(s, rc, what, err);
}

/* synchronous is the connection's, not the transaction's: set before
 * BEGIN. Setting it does no I/O. */
static sq_status set_sync(sq_store *s, bool light, sq_err *err)
{
    if (s->sync_light == (int)light)
        return SQ_OK;
    sq_status st =
        sqi_db_exec(s, light ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
                    "setting the store's durability", err);
    if (!st)
        s->sync_light = light;
    return st;
}

static sq_status begin(sq_store *s, bool light, sq_err *err)
{
    if (s->in_tx)
        return sqi_seterr(err, SQ_ESTATE, "a write to the store is under way already");
    /* A durable write never starts while the connection is light. */
    sq_status st = set_sync(s, light, err);
    if (st)
        return st;
    st = sqi_db_lock_take(s, err);
    if (!st && (st = sqi_db_exec(s, "BEGIN IMMEDIATE", "starting a write", err)))
        sqi_db_lock_release(s);
    if (st) {
        if (s->sync_light) {
            sq_err ignored;
            (void)set_sync(s, false, &ignored);
        }
        return st;
    }
    s->in_tx = 1;
    return SQ_OK;
}

sq_status sqi_db_begin(sq_store *s, sq_err *err)
{
    return begin(s, false, err);
}

sq_status sqi_db_begin_light(sq_store *s, sq_err *err)
{
    return begin(s, true, err);
}

sq_status sqi_db_end(sq_store *s, sq_status st, sq_err *err)
{
    if (!s->in_tx)
        return st;
    if (st == SQ_OK) {
        int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            st = sqi_db_sqlerr(s, rc, "committing", err);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        }
    } else {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    s->in_tx = 0;
    sqi_db_lock_release(s);
    /* Back to FULL at once, so that no write outside a transaction of
     * ours (a checkpoint at close) runs light either. Should that fail,
     * the next durable begin tries again before it writes. */
    if (s->sync_light) {
        sq_err ignored;
        (void)set_sync(s, false, &ignored);
    }
    return st;
}

/* The associated data of a sealed column: which table, column and row it
 * belongs to, so that ciphertexts cannot be swapped between rows. */
static void field_ad(sq_buf *ad, const char *table, const char *column, const char *rowkey)
{
    sqi_buf_init(ad, 4096);
    sqi_buf_str(ad, table);
    sqi_buf_str(ad, column);
    sqi_buf_str(ad, rowkey);
}

/* Row identities: one helper a kind of row, so every writer and reader
 * of a sealed field names its row the same way. */
void sqi_rowkey_exam(char out[STORE_ROWKEY], const char *exam_id, int64_t version)
{
    snprintf(out, STORE_ROWKEY, "%s/%lld", exam_id, (long long)version);
}

void sqi_rowkey_item(char out[STORE_ROWKEY], const char *exam_id, int64_t version, int64_t idx)
{
    snprintf(out, STORE_ROWKEY, "%s/%lld/%lld", exam_id, (long long)version, (long long)idx);
}

void sqi_rowkey_person(char out[STORE_ROWKEY], const char *exam_id, int64_t version,
                   const uint8_t trainee_hash[32])
{
    char hhex[65];
    sqi_hex_encode(trainee_hash, 32, hhex);
    snprintf(out, STORE_ROWKEY, "%s/%lld/%s", exam_id, (long long)version, hhex);
}

void sqi_rowkey_answer(char out[STORE_ROWKEY], const char *attempt_hex, int pos)
{
    snprintf(out, STORE_ROWKEY, "%s/%d", attempt_hex, pos);
}

sq_status sqi_db_seal(const sq_store *s, const char *table, const char *column, const char *rowkey,
                     const void *plain, size_t len, uint8_t **out, size_t *out_len, sq_err *err)
{
    const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    size_t total = nb + len + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    uint8_t *p = malloc(total);
    if (!p)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory sealing %zu bytes", len);
    sq_buf ad;
    field_ad(&ad, table, column, rowkey);
    randombytes_buf(p, nb);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(p + nb, &clen, plain, len, ad.p, ad.len, NULL, p,
                                               s->field_key);
    sqi_buf_free(&ad);
    *out = p;
    *out_len = nb + (size_t)clen;
    return SQ_OK;
}

sq_status sqi_db_open_field(const sq_store *s, const char *table, const char *column,
                           const char *rowkey, const void *sealed, size_t len, uint8_t **out,
                           size_t *out_len, sq_err *err)
{
    const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    const size_t ab = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (!sealed || len < nb + ab)
        return sqi_seterr(err, SQ_ECORRUPT, "store: %s.%s of row %s is damaged", table, column,
                         rowkey);
    uint8_t *p = malloc(len - nb - ab + 1);
    if (!p)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    sq_buf ad;
    field_ad(&ad, table, column, rowkey);
    unsigned long long mlen;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(p, &mlen, NULL, (const uint8_t *)sealed + nb,
                                                        len - nb, ad.p, ad.len, sealed,
                                                        s->field_key);
    sqi_buf_free(&ad);
    if (rc != 0) {
        free(p);
        return sqi_seterr(err, SQ_ECORRUPT,
                         "store: %s.%s of row %s does not open: altered, moved or not ours",
                         table, column, rowkey);
    }
    p[mlen] = 0;
    *out = p;
    *out_len = (size_t)mlen;
    return SQ_OK;
}

void sqi_db_trainee_hash(const sq_store *s, const char *trainee_id, uint8_t out[32])
{
    crypto_generichash(out, 32, (const uint8_t *)trainee_id, strlen(trainee_id), s->hash_key, 32);
}

sq_status sqi_db_meta_int(sq_store *s, const char *key, int64_t *v, sq_err *err)
{
    sqlite3_stmt *q;
    *v = 0;
    sq_status st = sqi_db_prepare(s, "SELECT value FROM meta WHERE key = ?", &q, err);
    if (st)
        return st;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(q, 0);
    else if (rc != SQLITE_DONE)
        st = sqi_db_sqlerr(s, rc, "reading the store", err);
    sqlite3_finalize(q);
    return st;
}

sq_status sqi_db_meta_text(sq_store *s, const char *key, char *out, size_t cap, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s, "SELECT value FROM meta WHERE key = ?", &q, err);
    if (st)
        return st;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
    } else if (rc == SQLITE_DONE) {
        st = SQ_ENOTFOUND;
        out[0] = 0;
    } else {
        st = sqi_db_sqlerr(s, rc, "reading the store", err);
    }
    sqlite3_finalize(q);
    return st;
}

sq_status sqi_db_meta_put(sq_store *s, const char *key, const void *blob, size_t len,
                         int64_t value, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &q,
                                 err);
    if (st)
        return st;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    if (blob)
        sqlite3_bind_blob(q, 2, blob, (int)len, SQLITE_STATIC);
    else
        sqlite3_bind_int64(q, 2, value);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_DONE)
        st = sqi_db_sqlerr(s, rc, "writing the store", err);
    sqlite3_finalize(q);
    return st;
}

sq_status sqi_db_step_done(sq_store *s, sqlite3_stmt *q, const char *what, sq_err *err)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? SQ_OK : sqi_db_sqlerr(s, rc, what, err);
}

