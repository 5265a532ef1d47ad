/*
 * store.c - the station's store: opening (is it ours, WAL, the schema's
 * migrations, the station it belongs to, its records checked by
 * chain.c), closing, the notes and the page limit. The handle's insides,
 * transactions under the lock and sealed columns are db.c's, below both
 * this file and chain.c.
 *
 * Load: a station holds a handful of exams (up to some 10^4 items) and a
 * few thousand results; one kiosk and a few short-lived tools use it.
 * The kiosk commits on every answer, so a write must cost one fsync pair
 * (WAL, synchronous=FULL), nothing more.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "chain_int.h"
#include "codec_int.h"
#include "keys_int.h"
#include "db_int.h"
#include "util_int.h"
#include "synaq/bundle.h"
#include "synaq/store.h"

#define SCHEMA_VERSION 9

/* The audit log's guard against updates: made by migration 1 -> 2, and
 * again by 2 -> 3 once the old lines have their MACs. */
#define AUDIT_NO_UPDATE                                                                            \
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"                                        \
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"

/* Each migration takes the schema from version i to i + 1. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE bundles(bundle_id TEXT PRIMARY KEY, imported_wall INTEGER NOT NULL,"
    "  exams TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE exams(id INTEGER PRIMARY KEY, exam_id TEXT NOT NULL, version INTEGER NOT NULL,"
    "  active INTEGER NOT NULL, bundle_id TEXT NOT NULL, n_items INTEGER NOT NULL,"
    "  n_roster INTEGER NOT NULL, meta BLOB NOT NULL, UNIQUE(exam_id, version));"
    /* Item and image rows are large: ordinary rowid tables suit them (a
     * WITHOUT ROWID table doubled the file); the index serves the draw,
     * which needs topics, not bodies. */
    "CREATE TABLE items(exam INTEGER NOT NULL REFERENCES exams(id), idx INTEGER NOT NULL,"
    "  topic TEXT, body BLOB NOT NULL, PRIMARY KEY(exam, idx));"
    "CREATE INDEX items_by_topic ON items(exam, idx, topic);"
    "CREATE TABLE images(exam INTEGER NOT NULL REFERENCES exams(id), idx INTEGER NOT NULL,"
    "  mime TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY(exam, idx));"
    "CREATE TABLE roster(exam INTEGER NOT NULL REFERENCES exams(id), trainee BLOB NOT NULL,"
    "  person BLOB NOT NULL, PRIMARY KEY(exam, trainee)) WITHOUT ROWID;"
    "CREATE TABLE attempts(id BLOB PRIMARY KEY, exam INTEGER NOT NULL REFERENCES exams(id),"
    "  trainee BLOB NOT NULL, person BLOB, state INTEGER NOT NULL, layout BLOB,"
    "  current INTEGER NOT NULL DEFAULT 0, elapsed_ms INTEGER NOT NULL DEFAULT 0,"
    "  started_wall INTEGER NOT NULL, last_wall INTEGER NOT NULL, result_seq INTEGER)"
    "  WITHOUT ROWID;"
    "CREATE INDEX attempts_by_trainee ON attempts(trainee, state);"
    "CREATE TABLE answers(attempt BLOB NOT NULL, pos INTEGER NOT NULL, value BLOB,"
    "  flagged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(attempt, pos)) WITHOUT ROWID;"
    "CREATE TABLE clock_events(attempt BLOB NOT NULL, n INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL, wall_before INTEGER NOT NULL, wall_after INTEGER NOT NULL,"
    "  mono_delta_ms INTEGER NOT NULL, PRIMARY KEY(attempt, n)) WITHOUT ROWID;"
    "CREATE TABLE results(seq INTEGER PRIMARY KEY, attempt BLOB NOT NULL UNIQUE,"
    "  sealed BLOB NOT NULL, created_wall INTEGER NOT NULL, sent_wall INTEGER);"
    "CREATE INDEX results_pending ON results(seq) WHERE sent_wall IS NULL;"
    /* Sign, seal, never touch: only the sent mark may change. */
    "CREATE TRIGGER results_immutable BEFORE UPDATE OF seq, attempt, sealed, created_wall"
    "  ON results BEGIN SELECT RAISE(ABORT, 'results are immutable'); END;"
    "CREATE TRIGGER results_keep_pending BEFORE DELETE ON results WHEN OLD.sent_wall IS NULL"
    "  BEGIN SELECT RAISE(ABORT, 'a result not yet sent cannot be deleted'); END;",
    /* 1 -> 2: the technician. What was done at the station, by whom and
     * with what outcome, append-only; and when results last went out on
     * a stick (informational: only an acknowledgement marks them sent). */
    "CREATE TABLE audit(n INTEGER PRIMARY KEY, wall INTEGER NOT NULL, mono_ms INTEGER NOT NULL,"
    "  actor TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT '');"
    AUDIT_NO_UPDATE
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "ALTER TABLE results ADD COLUMN exported_wall INTEGER;",
    /* 2 -> 3: the MAC chains (chain.c). Each audit line gets its MAC, so
     * the trigger that forbids updates goes while sqi_chain_upgrade gives the
     * old lines theirs, and comes back after it (migrate). The sent log:
     * which results each acknowledgement marked sent, and when. */
    "DROP TRIGGER audit_no_update;"
    "ALTER TABLE audit ADD COLUMN mac BLOB;"
    "CREATE TABLE sent_log(n INTEGER PRIMARY KEY, wall INTEGER NOT NULL, seqs BLOB NOT NULL,"
    "  mac BLOB NOT NULL);"
    "CREATE TRIGGER sent_log_no_update BEFORE UPDATE ON sent_log"
    "  BEGIN SELECT RAISE(ABORT, 'the sent log is append-only'); END;"
    "CREATE TRIGGER sent_log_no_delete BEFORE DELETE ON sent_log"
    "  BEGIN SELECT RAISE(ABORT, 'the sent log is append-only'); END;",
    /* 3 -> 4: the numbers results go out under, where they differ from
     * the station's own (result.c, sq_batch_renumber): results from
     * from_seq on are sent as wire_base + (seq - from_seq). */
    "CREATE TABLE seq_map(from_seq INTEGER PRIMARY KEY, wire_base INTEGER NOT NULL)"
    "  WITHOUT ROWID;",
    /* 4 -> 5: the exam's clock rule (attempt.c). With the wall clock of
     * an attempt's last commit, its monotonic clock and the run (store
     * handle) that made it: a gap on resume is measured on the monotonic
     * clock when it can be (NULL in attempts left by older software); and
     * what of a clock event was counted in the attempt's time. */
    "ALTER TABLE attempts ADD COLUMN last_mono INTEGER;"
    "ALTER TABLE attempts ADD COLUMN last_run BLOB;"
    "ALTER TABLE clock_events ADD COLUMN counted_ms INTEGER NOT NULL DEFAULT 0;",
    /* 5 -> 6: practice (practice.c, mastery.c): one record an answer,
     * sealed by its random id, the trainee by keyed hash only. They are
     * not results and never count as one; sent_wall for their sync. */
    "CREATE TABLE practice(seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
    "  exam_id TEXT NOT NULL, trainee BLOB NOT NULL, sealed BLOB NOT NULL,"
    "  created_wall INTEGER NOT NULL, sent_wall INTEGER);"
    "CREATE INDEX practice_by_trainee ON practice(trainee, exam_id, seq);"
    "CREATE TRIGGER practice_immutable BEFORE UPDATE OF seq, id, exam_id, trainee, sealed,"
    "  created_wall ON practice BEGIN SELECT RAISE(ABORT, 'practice records are immutable'); END;",
    /* 6 -> 7: lessons (lesson.c). An exam's pages, sealed like its items,
     * by topic and page; its pictures, sealed with their names; and the
     * page each trainee reached, sealed, under the trainee's keyed hash. */
    "CREATE TABLE lessons(exam INTEGER NOT NULL REFERENCES exams(id), topic_idx INTEGER NOT NULL,"
    "  page INTEGER NOT NULL, topic TEXT NOT NULL, body BLOB NOT NULL,"
    "  PRIMARY KEY(exam, topic_idx, page));"
    "CREATE TABLE lesson_images(exam INTEGER NOT NULL REFERENCES exams(id),"
    "  idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(exam, idx));"
    "CREATE TABLE lesson_marks(trainee BLOB NOT NULL, exam_id TEXT NOT NULL,"
    "  body BLOB NOT NULL, PRIMARY KEY(trainee, exam_id)) WITHOUT ROWID;",
    /* 7 -> 8: practice records leave the station (sync/PROTOCOL.md,
     * "Practice records"; practice.c). The results table becomes the
     * outbox of everything sealed for central: kind 0 an exam result, 1 a
     * practice record's sealed form, numbered in the same sequence (its
     * attempt column holds the practice record's id), batched, marked sent
     * and checked by the chain as a result is. practice.rseq names that
     * row; a record keeps its number. */
    "ALTER TABLE results ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
    "CREATE TRIGGER results_kind_immutable BEFORE UPDATE OF kind ON results"
    "  BEGIN SELECT RAISE(ABORT, 'results are immutable'); END;"
    "ALTER TABLE practice ADD COLUMN rseq INTEGER;"
    "CREATE UNIQUE INDEX practice_rseq ON practice(rseq);"
    "CREATE TRIGGER practice_rseq_once BEFORE UPDATE OF rseq ON practice"
    "  WHEN OLD.rseq IS NOT NULL"
    "  BEGIN SELECT RAISE(ABORT, 'a practice record keeps its number'); END;",
    /* 8 -> 9: training events (event.c). An exam's events by index: their
     * days in the clear (the gate compares them), name and topics sealed;
     * each event's roster as keyed hashes of the trainee ids. */
    "CREATE TABLE events(exam INTEGER NOT NULL REFERENCES exams(id), idx INTEGER NOT NULL,"
    "  from_day TEXT NOT NULL, to_day TEXT NOT NULL, body BLOB NOT NULL,"
    "  PRIMARY KEY(exam, idx));"
    "CREATE TABLE event_roster(exam INTEGER NOT NULL REFERENCES exams(id),"
    "  idx INTEGER NOT NULL, trainee BLOB NOT NULL, PRIMARY KEY(exam, idx, trainee))"
    "  WITHOUT ROWID;",
};



#define APPLICATION_ID 0x53714e51 /* "SqNQ": PRAGMA application_id of a store */

/* Refuses, without writing, a database that is not a Synaq store: one
 * with tables that does not carry our application id. An empty file is a
 * new store. */
/* A store in a shared home (sqi_file_mode_shared gave mode 0660): the
 * lock file, when it is this user's, gets mode whatever the umask; a store
 * not made yet is made here, empty (an empty file is an empty SQLite
 * database), with mode, so that SQLite's -wal and -shm, which take the
 * store's mode, are the group's too. An existing store keeps its mode. */
static sq_status share_files(const char *path, int lock_fd, int mode, sq_err *err)
{
    struct stat sb;
    if (fstat(lock_fd, &sb) == 0 && sb.st_uid == geteuid() && (int)(sb.st_mode & 0777) != mode &&
        fchmod(lock_fd, (mode_t)mode) != 0)
        return sqi_seterr(err, SQ_EIO, "cannot share the store's lock file of %s: %s", path,
                          strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return errno == EEXIST ? SQ_OK
                               : sqi_seterr(err, errno == ENOSPC ? SQ_EFULL : SQ_EIO,
                                            "cannot create the store %s: %s", path,
                                            strerror(errno));
    int rc = fchmod(fd, (mode_t)mode);
    int saved = errno;
    close(fd);
    if (rc != 0) {
        unlink(path);
        return sqi_seterr(err, SQ_EIO, "cannot set the mode of the store %s: %s", path,
                          strerror(saved));
    }
    return SQ_OK;
}

static sq_status check_ours(sq_store *s, sq_err *err)
{
    sqlite3_stmt *q;
    int app_id = 0, n_tables = 0, rc;
    sq_status st = sqi_db_prepare(s,
                                 "SELECT (SELECT application_id FROM pragma_application_id),"
                                 " (SELECT count(*) FROM sqlite_master)",
                                 &q, err);
    if (st)
        return st;
    if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        app_id = sqlite3_column_int(q, 0);
        n_tables = sqlite3_column_int(q, 1);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return sqi_db_sqlerr(s, rc, "opening the store", err);
    if (n_tables > 0 && app_id != APPLICATION_ID)
        return sqi_seterr(err, SQ_ECORRUPT, "%s is an SQLite database, but not a Synaq store",
                         s->path);
    return SQ_OK;
}

static sq_status migrate(sq_store *s, sq_err *err)
{
    sqlite3_stmt *q;
    int version = 0, n_tables = 0;
    sq_status st = sqi_db_prepare(s, "PRAGMA user_version", &q, err);
    if (st)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return sqi_db_sqlerr(s, rc, "opening the store", err);
    if ((st = sqi_db_prepare(s, "SELECT count(*) FROM sqlite_master", &q, err)))
        return st;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        n_tables = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return sqi_db_sqlerr(s, rc, "opening the store", err);
    if (version == 0 && n_tables > 0)
        return sqi_seterr(err, SQ_ECORRUPT, "%s is an SQLite database, but not a Synaq store",
                         s->path);
    int from = version;
    if (version > SCHEMA_VERSION)
        return sqi_seterr(err, SQ_ESTATE,
                         "%s has schema version %d; this software knows up to %d: update it",
                         s->path, version, SCHEMA_VERSION);
    for (int v = version; v < SCHEMA_VERSION; v++) {
        char pragma[64];
        if ((st = sqi_db_begin(s, err)))
            return st;
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d; PRAGMA application_id = %d",
                 v + 1, APPLICATION_ID);
        st = sqi_db_exec(s, migrations[v], "migrating the store", err);
        if (!st && v == 2 && !(st = sqi_chain_upgrade(s, from >= 1, err)))
            st = sqi_db_exec(s, AUDIT_NO_UPDATE, "migrating the store", err);
        if (!st)
            st = sqi_db_exec(s, pragma, "migrating the store", err);
        if ((st = sqi_db_end(s, st, err)))
            return st;
    }
    return SQ_OK;
}

/* Binds the store to this station and its key: a store opened with the
 * keys of another station, or of a re-initialised one, is refused rather
 * than filled with rows that no key will open. */
static sq_status bind_station(sq_store *s, sq_err *err)
{
    char id[SQ_STATION_ID_MAX + 1];
    sq_status st = sqi_db_meta_text(s, "station_id", id, sizeof id, err);
    if (st == SQ_OK) {
        if (strcmp(id, s->station_id) != 0)
            return sqi_seterr(err, SQ_ESTATE, "%s belongs to station '%s', not to '%s'", s->path,
                             id, s->station_id);
        sqlite3_stmt *q;
        if ((st = sqi_db_prepare(s, "SELECT value FROM meta WHERE key = 'keycheck'", &q, err)))
            return st;
        if (sqlite3_step(q) == SQLITE_ROW) {
            uint8_t *plain = NULL;
            size_t n;
            st = sqi_db_open_field(s, "meta", "value", "keycheck", sqlite3_column_blob(q, 0),
                                  (size_t)sqlite3_column_bytes(q, 0), &plain, &n, NULL);
            free(plain);
            if (st)
                st = sqi_seterr(err, SQ_EAUTH,
                               "%s was made with another key of station '%s' (re-initialised "
                               "keys?): its sealed data cannot be opened",
                               s->path, id);
        } else {
            st = sqi_seterr(err, SQ_ECORRUPT, "%s is damaged: its key check is missing", s->path);
        }
        sqlite3_finalize(q);
        return st;
    }
    if (st != SQ_ENOTFOUND)
        return st;
    /* A new store: record whose it is. */
    uint8_t *sealed = NULL;
    size_t n;
    if ((st = sqi_db_seal(s, "meta", "value", "keycheck", "synaq", 5, &sealed, &n, err)))
        return st;
    if ((st = sqi_db_begin(s, err))) {
        free(sealed);
        return st;
    }
    sqlite3_stmt *q;
    st = sqi_db_prepare(s,
                       "INSERT INTO meta(key, value) VALUES ('station_id', ?1),"
                       " ('keycheck', ?2), ('last_seq', 0), ('created_wall', ?3)",
                       &q, err);
    if (!st) {
        sqlite3_bind_text(q, 1, s->station_id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, sealed, (int)n, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, sqi_db_wall_s(s));
        int rc = sqlite3_step(q);
        if (rc != SQLITE_DONE)
            st = sqi_db_sqlerr(s, rc, "creating the store", err);
        sqlite3_finalize(q);
    }
    free(sealed);
    return sqi_db_end(s, st, err);
}

sq_status sq_store_open(const char *path, const sq_station_keys *k, const sq_clock *clock,
                        sq_store **out, sq_err *err)
{
    sq_status st = SQ_OK;
    const sq_cert *cert = sq_station_keys_cert(k);
    if (!cert)
        return sqi_seterr(err, SQ_ESTATE,
                         "this station is not enrolled yet: install its certificate first "
                         "(synaqctl enroll CERT)");
    if (strlen(path) >= sizeof(((sq_store *)0)->path) - 8)
        return sqi_seterr(err, SQ_EINVAL, "store path too long");
    sq_store *s = calloc(1, sizeof *s);
    if (!s || !(s->secrets = sodium_malloc(3 * 32))) {
        free(s);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    }
    s->field_key = s->secrets;
    s->hash_key = s->secrets + 32;
    s->mac_key = s->secrets + 64;
    s->lock_fd = -1;
    snprintf(s->path, sizeof s->path, "%s", path);
    s->keys = k;
    s->clock = clock ? clock : sq_clock_system();
    randombytes_buf(s->run, sizeof s->run);
    s->opened_mono_ms = s->clock->mono_ms(s->clock->ctx);
    s->opened_wall_s = s->clock->wall_s(s->clock->ctx);
    snprintf(s->station_id, sizeof s->station_id, "%s", cert->station_id);
    crypto_kdf_derive_from_key(s->field_key, 32, 1, "sqstore_", sqi_station_keys_storage_key(k));
    crypto_kdf_derive_from_key(s->hash_key, 32, 2, "sqstore_", sqi_station_keys_storage_key(k));
    crypto_kdf_derive_from_key(s->mac_key, 32, 3, "sqstore_", sqi_station_keys_storage_key(k));

    /* Running as root, SQLite would write through a file marked read-only;
     * a store marked so by a technician is treated as read-only. */
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!S_ISREG(sb.st_mode)) {
            st = sqi_seterr(err, SQ_EIO, "%s is not a regular file", path);
            goto fail;
        }
        if ((sb.st_mode & 0222) == 0 || access(path, W_OK) != 0) {
            st = sqi_seterr(err, SQ_EREADONLY,
                           "the store %s is read-only (mode %03o): the station cannot record "
                           "anything",
                           path, (unsigned)(sb.st_mode & 0777));
            goto fail;
        }
    }
    char lock_path[4096 + 8];
    snprintf(lock_path, sizeof lock_path, "%s-lock", path);
    /* In a shared home (setgid folder) the store, its lock and SQLite's
     * -wal and -shm (made with the store's mode) are the group's too. */
    int mode = sqi_file_mode_shared(path, 0600);
    s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, mode);
    if (s->lock_fd < 0) {
        st = sqi_seterr(err, errno == EROFS || errno == EACCES ? SQ_EREADONLY : SQ_EIO,
                       "cannot open the store's lock file %s: %s", lock_path, strerror(errno));
        goto fail;
    }
    if (mode != 0600 && (st = share_files(path, s->lock_fd, mode, err)))
        goto fail;
    int rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        st = sqi_db_sqlerr(s, rc, "opening the store", err);
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    /* Look before touching: switching to WAL rewrites the header of
     * whatever database this is. */
    if ((st = check_ours(s, err)))
        goto fail;
    /* Switching to WAL writes the header: under the lock like any write. */
    if ((st = sqi_db_lock_take(s, err)))
        goto fail;
    st = sqi_db_exec(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON",
              "opening the store", err);
    if (!st) {
        /* SQLite answers with the mode it really took: a file system
         * without shared memory would leave us in another one silently. */
        sqlite3_stmt *q;
        if (!(st = sqi_db_prepare(s, "PRAGMA journal_mode = WAL", &q, err))) {
            int prc = sqlite3_step(q);
            if (prc != SQLITE_ROW)
                st = sqi_db_sqlerr(s, prc, "opening the store", err);
            else if (sqlite3_stricmp((const char *)sqlite3_column_text(q, 0), "wal") != 0)
                st = sqi_seterr(err, SQ_EIO, "the store %s cannot use WAL mode here (got '%s')",
                               path, (const char *)sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
        }
    }
    sqi_db_lock_release(s);
    if (st)
        goto fail;
    /* The records are checked once the store is known to be ours. */
    if ((st = migrate(s, err)) || (st = bind_station(s, err)) || (st = sqi_chain_check(s, err)))
        goto fail;
    *out = s;
    return SQ_OK;
fail:
    sq_store_close(s);
    return st;
}

void sq_store_close(sq_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        sqi_db_end(s, SQ_EINVAL, NULL);
    if (s->db) {
        /* Closing the last connection checkpoints: a write, under the lock. */
        bool locked = s->lock_fd >= 0 && sqi_db_lock_take(s, NULL) == SQ_OK;
        sqlite3_close_v2(s->db);
        if (locked)
            sqi_db_lock_release(s);
    }
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    sodium_free(s->secrets); /* wipes them */
    sqi_chain_forget(s);
    free(s);
}

int sq_store_schema_version(sq_store *s)
{
    sqlite3_stmt *q;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    return v;
}

sq_status sq_store_limit_pages(sq_store *s, int64_t max_pages, sq_err *err)
{
    char sql[80];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
             (long long)(max_pages > 0 ? max_pages : 1073741823));
    return sqi_db_exec(s, sql, "limiting the store", err);
}

/* ---- notes ---- */

#define NOTE_MAX 4096

sq_status sq_store_note_set(sq_store *s, const char *key, const char *value, sq_err *err)
{
    char k[128];
    uint8_t *sealed = NULL;
    size_t n = 0;
    sqlite3_stmt *q = NULL;
    if (!key || strlen(key) > 100)
        return sqi_seterr(err, SQ_EINVAL, "a note's key is 1 to 100 bytes");
    if (value && strlen(value) > NOTE_MAX)
        return sqi_seterr(err, SQ_ETOOBIG, "a note is at most %d bytes", NOTE_MAX);
    snprintf(k, sizeof k, "note:%s", key);
    sq_status st;
    if (value && (st = sqi_db_seal(s, "meta", "value", k, value, strlen(value), &sealed, &n, err)))
        return st;
    if ((st = sqi_db_begin(s, err)))
        goto out;
    if ((st = sqi_db_prepare(s,
                            value ? "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"
                                  : "DELETE FROM meta WHERE key = ?",
                            &q, err)))
        goto out;
    sqlite3_bind_text(q, 1, k, -1, SQLITE_STATIC);
    if (value)
        sqlite3_bind_blob(q, 2, sealed, (int)n, SQLITE_STATIC);
    st = sqi_db_step_done(s, q, "saving a note", err);
out:
    sqlite3_finalize(q);
    free(sealed);
    return sqi_db_end(s, st, err);
}

sq_status sq_store_note_get(sq_store *s, const char *key, char *out, size_t out_len, sq_err *err)
{
    char k[128];
    sqlite3_stmt *q;
    if (!key || strlen(key) > 100 || out_len == 0)
        return sqi_seterr(err, SQ_EINVAL, "a note's key is 1 to 100 bytes");
    snprintf(k, sizeof k, "note:%s", key);
    out[0] = 0;
    sq_status st = sqi_db_prepare(s, "SELECT value FROM meta WHERE key = ?", &q, err);
    if (st)
        return st;
    sqlite3_bind_text(q, 1, k, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        uint8_t *plain = NULL;
        size_t n;
        st = sqi_db_open_field(s, "meta", "value", k, sqlite3_column_blob(q, 0),
                              (size_t)sqlite3_column_bytes(q, 0), &plain, &n, err);
        if (!st)
            snprintf(out, out_len, "%s", (const char *)plain);
        free(plain);
    } else if (rc == SQLITE_DONE) {
        st = sqi_seterr(err, SQ_ENOTFOUND, "no note '%s'", key);
    } else {
        st = sqi_db_sqlerr(s, rc, "reading a note", err);
    }
    sqlite3_finalize(q);
    return st;
}
