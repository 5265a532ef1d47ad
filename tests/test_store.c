/*
 * test_store.c - the station's store: what a fresh store looks like
 * (WAL, synchronous=FULL, schema 3), stores of schema 1 and 2 brought
 * forward (a real schema-2 store from tests/data/store-v2), files that
 * are not Synaq stores,
 * read-only and full stores, stores opened with the wrong keys, two
 * handles on one file, and that no exam text, answer or trainee name
 * reaches the disk in clear.
 *
 * argv[1]: the demo exam (assets/demo/election-basics.yaml) for the last
 * test; without it the program ends skipped.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "check.h"
#include "synaq/catalog.h"
#include "fixture.h"
#include "db_int.h"
#include "synaq/tech.h"

static fixture f;

/* ---- small helpers ---- */

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static void path_in(const fixture *fx, char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", fx->dir, name);
}

static bool same_bytes(const char *path, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    uint8_t *now = fx_read(path, &n);
    bool same = now && n == len && memcmp(now, buf, len) == 0;
    free(now);
    return same;
}

static bool contains(const uint8_t *hay, size_t hay_len, const char *needle)
{
    size_t n = strlen(needle);
    if (!hay || n == 0 || n > hay_len)
        return false;
    for (size_t i = 0; i + n <= hay_len; i++)
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

/* Runs a query that yields one row with one value, on a connection of our
 * own; the text of it into out. */
static int query_text(const char *db_path, const char *sql, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int rc = -1;
    out[0] = 0;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
        rc = 0;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return rc;
}

/* The same through the store's own connection (test-only look inside). */
static long long store_pragma(sq_store *s, const char *sql)
{
    sqlite3_stmt *q = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static int exec_sql(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static bool exam_listed(sq_store *s, const char *id)
{
    sq_err e;
    sq_exam_info *list = NULL;
    size_t n = 0;
    bool found = false;
    if (sq_catalog_exams(s, &list, &n, &e) != SQ_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, id) == 0)
            found = true;
    sq_free(list);
    return found;
}

/* Builds a bundle of a small exam and imports it into s. */
static int import_small(fixture *fx, sq_store *s, const char *id, int version, int n_items)
{
    sq_err e;
    char path[400];
    snprintf(path, sizeof path, "%s/%s-%d.sqb", fx->dir, id, version);
    char *yaml = fx_exam_yaml(id, version, n_items, 0);
    int rc = fx_bundle(fx, yaml, path, NULL, 0);
    free(yaml);
    if (rc == 0 && sq_import_file(s, path, NULL, NULL, &e) != SQ_OK) {
        fprintf(stderr, "import %s: %s\n", id, e.msg);
        rc = -1;
    }
    return rc;
}

/* A second store of f's station at name, with one exam in it, closed. */
static int make_store(const char *path)
{
    sq_err e;
    sq_store *s = NULL;
    if (sq_store_open(path, f.keys, &f.clock, &s, &e)) {
        fprintf(stderr, "make_store: %s\n", e.msg);
        return -1;
    }
    int rc = import_small(&f, s, "second", 1, 3);
    sq_store_close(s);
    return rc;
}

/* ---- tests ---- */

static void test_fresh(void)
{
    sq_err e;
    char text[64], lock[400];
    CHECK_INT(9, sq_store_schema_version(f.store));
    CHECK_INT(0, query_text(f.db_path, "PRAGMA journal_mode", text, sizeof text));
    CHECK_STR("wal", text);
    CHECK_INT(0, query_text(f.db_path, "PRAGMA user_version", text, sizeof text));
    CHECK_STR("9", text);
    /* A new store's records are clean, and nothing was put on record. */
    CHECK_INT(0, (int)sq_chain_last(f.store)->found.flags);
    CHECK_INT(0, sq_chain_last(f.store)->on_record_n);
    CHECK_INT(0, query_text(f.db_path, "SELECT count(*) FROM audit", text, sizeof text));
    CHECK_STR("0", text);
    /* synchronous, foreign_keys and secure_delete hold per connection:
     * look at the store's own. */
    CHECK_INT(2, store_pragma(f.store, "PRAGMA synchronous")); /* FULL */
    CHECK_INT(1, store_pragma(f.store, "PRAGMA foreign_keys"));
    CHECK_INT(1, store_pragma(f.store, "PRAGMA secure_delete"));
    CHECK_INT(0, query_text(f.db_path, "SELECT value FROM meta WHERE key = 'station_id'", text,
                            sizeof text));
    CHECK_STR("st-001", text);
    snprintf(lock, sizeof lock, "%s-lock", f.db_path);
    CHECK(exists(lock));

    /* Reopening keeps the data. */
    CHECK_INT(0, import_small(&f, f.store, "fresh", 1, 4));
    int64_t pending = -1, last = -1;
    CHECK_OK(sq_batch_counts(f.store, &pending, &last, &e), &e);
    CHECK_INT(0, pending);
    CHECK_INT(0, last);
    uint8_t before[32], after[32];
    fx_digest(f.db_path, before);
    CHECK_INT(0, fx_reopen(&f));
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    CHECK(exam_listed(f.store, "fresh"));
    CHECK_INT(9, sq_store_schema_version(f.store));
    CHECK_INT(2, store_pragma(f.store, "PRAGMA synchronous"));
}

static void test_two_handles(void)
{
    sq_err e;
    sq_store *s2 = NULL;
    char lock[400];
    CHECK_OK(sq_store_open(f.db_path, f.keys, &f.clock, &s2, &e), &e);
    if (!s2)
        return;
    snprintf(lock, sizeof lock, "%s-lock", f.db_path);
    CHECK(exists(lock));
    CHECK(!exam_listed(s2, "shared-a"));
    CHECK_INT(0, import_small(&f, f.store, "shared-a", 1, 3));
    CHECK(exam_listed(s2, "shared-a"));
    CHECK_INT(0, import_small(&f, s2, "shared-b", 1, 3));
    CHECK(exam_listed(f.store, "shared-b"));
    /* An attempt started through one handle is seen through the other. */
    sq_attempt *a = NULL, *b = NULL;
    CHECK_OK(sq_attempt_start(f.store, "shared-a", "T-two", "Two Handles", &a, &e), &e);
    if (a)
        CHECK_OK(sq_attempt_answer(a, 0, 1, &e), &e);
    CHECK_ERR(SQ_ESTATE, "in progress", sq_attempt_start(s2, "shared-a", "T-two", NULL, &b, &e),
              &e);
    CHECK_OK(sq_attempt_resume(s2, "shared-a", "T-two", &b, &e), &e);
    if (b) {
        int answered = -1, flagged = -1;
        sq_attempt_progress(b, &answered, &flagged);
        CHECK_INT(1, answered);
    }
    sq_attempt_free(a);
    sq_attempt_free(b);
    sq_store_close(s2);
    CHECK(exam_listed(f.store, "shared-b"));
    CHECK_INT(0, import_small(&f, f.store, "shared-c", 1, 2));
}

static void test_wrong_keys(void)
{
    sq_err e;
    sq_store *s = NULL;
    sq_station_keys *k = NULL;
    uint8_t before[32], after[32];
    char keys2[400], cert2[400], other_db[400];
    fx_digest(f.db_path, before);

    /* Another enrolled station. */
    CHECK_INT(0, fx_other_station(&f, "st-002", keys2, cert2));
    CHECK_OK(sq_station_keys_open(keys2, NULL, &k, &e), &e);
    if (k)
        CHECK_ERR(SQ_ESTATE, "belongs to station 'st-001', not to 'st-002'",
                  sq_store_open(f.db_path, k, &f.clock, &s, &e), &e);
    CHECK(s == NULL);
    sq_station_keys_close(k);
    k = NULL;

    /* Keys not enrolled: refused before anything is touched. */
    char unenrolled[400];
    path_in(&f, unenrolled, sizeof unenrolled, "unenrolled.key");
    path_in(&f, other_db, sizeof other_db, "unenrolled.db");
    CHECK_OK(sq_station_keys_create(unenrolled, f.central_pub, NULL, &e), &e);
    CHECK_OK(sq_station_keys_open(unenrolled, NULL, &k, &e), &e);
    if (k) {
        CHECK_ERR(SQ_ESTATE, "not enrolled", sq_store_open(f.db_path, k, &f.clock, &s, &e), &e);
        CHECK_ERR(SQ_ESTATE, "not enrolled", sq_store_open(other_db, k, &f.clock, &s, &e), &e);
        CHECK(!exists(other_db));
    }
    sq_station_keys_close(k);
    k = NULL;

    /* Re-initialised keys of the same station id: the store's key check
     * refuses them (its sealed data would not open). */
    char rekey[400], rereq[400], recert[400];
    path_in(&f, rekey, sizeof rekey, "reinit.key");
    path_in(&f, rereq, sizeof rereq, "reinit.req");
    path_in(&f, recert, sizeof recert, "reinit.cert");
    CHECK_OK(sq_station_keys_create(rekey, f.central_pub, NULL, &e), &e);
    CHECK_OK(sq_station_keys_open(rekey, NULL, &k, &e), &e);
    if (k) {
        CHECK_OK(sq_station_request_write(k, "re-initialised", rereq, &e), &e);
        CHECK_OK(sq_central_enroll(f.central, rereq, "st-001", "Test district", recert, NULL, &e),
                 &e);
        CHECK_OK(sq_station_keys_enroll(k, recert, &e), &e);
        CHECK_ERR(SQ_EAUTH, "another key of station 'st-001'",
                  sq_store_open(f.db_path, k, &f.clock, &s, &e), &e);
        CHECK(s == NULL);
    }
    sq_station_keys_close(k);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    /* And the right keys still open it alongside. */
    CHECK_OK(sq_store_open(f.db_path, f.keys, &f.clock, &s, &e), &e);
    sq_store_close(s);
}

/* Opens path, expects st and phrase, and that the file's bytes did not
 * change and no -wal or -shm appeared beside it. */
static void refuse_file(const char *path, sq_status want, const char *phrase, int line)
{
    sq_err e = {0};
    sq_store *s = NULL;
    size_t len = 0;
    char wal[440], shm[440];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    bool had_wal = exists(wal), had_shm = exists(shm);
    uint8_t *before = fx_read(path, &len);
    sq_status st = sq_store_open(path, f.keys, &f.clock, &s, &e);
    bool same = before && same_bytes(path, before, len);
    bool new_wal = !had_wal && exists(wal), new_shm = !had_shm && exists(shm);
    check_count++;
    if (st != want || !strstr(e.msg, phrase) || !same || new_wal || new_shm || s) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s: expected status %d with \"%s\", got %d: \"%s\"%s%s%s\n",
                __FILE__, line, path, want, phrase, st, st ? e.msg : "",
                same ? "" : "; the file's bytes changed", new_wal ? "; a -wal appeared" : "",
                new_shm ? "; a -shm appeared" : "");
    }
    sq_store_close(s);
    free(before);
}

#define REFUSE_FILE(path, st, phrase) refuse_file(path, st, phrase, __LINE__)

static void test_not_a_store(void)
{
    char path[400], text[64];

    /* Random bytes. */
    uint8_t junk[16384];
    randombytes_buf(junk, sizeof junk);
    path_in(&f, path, sizeof path, "random.db");
    fx_write(path, junk, sizeof junk);
    REFUSE_FILE(path, SQ_ECORRUPT, "is damaged");

    /* A real store with its first two pages overwritten. */
    path_in(&f, path, sizeof path, "smashed.db");
    CHECK_INT(0, make_store(path));
    size_t len;
    uint8_t *buf = fx_read(path, &len);
    CHECK(buf && len > 8192);
    if (buf && len > 8192) {
        memcpy(buf, junk, 8192);
        fx_write(path, buf, len);
        REFUSE_FILE(path, SQ_ECORRUPT, "is damaged");
    }
    free(buf);

    /* Header intact, the rest of page 1 (the schema) overwritten. */
    path_in(&f, path, sizeof path, "schema-smashed.db");
    CHECK_INT(0, make_store(path));
    buf = fx_read(path, &len);
    if (buf && len > 4096) {
        memcpy(buf + 100, junk, 4096 - 100);
        fx_write(path, buf, len);
        REFUSE_FILE(path, SQ_ECORRUPT, "is damaged");
    }
    free(buf);

    /* A path that is a folder. */
    path_in(&f, path, sizeof path, "folder.db");
    mkdir(path, 0700);
    sq_err e;
    sq_store *s = NULL;
    CHECK_ERR(SQ_EIO, "not a regular file", sq_store_open(path, f.keys, &f.clock, &s, &e), &e);

    /* Somebody else's SQLite database: refused, and left as it was
     * (journal mode included). */
    path_in(&f, path, sizeof path, "contacts.db");
    CHECK_INT(0, exec_sql(path, "CREATE TABLE contacts(name TEXT, phone TEXT);"
                                "INSERT INTO contacts VALUES ('Ольга Ким', '+7 701 000 0000');"));
    REFUSE_FILE(path, SQ_ECORRUPT, "not a Synaq store");
    CHECK_INT(0, query_text(path, "PRAGMA journal_mode", text, sizeof text));
    CHECK_STR("delete", text);

    /* The same with a user_version of its own, as many programs set. */
    path_in(&f, path, sizeof path, "versioned.db");
    CHECK_INT(0, exec_sql(path, "CREATE TABLE notes(body TEXT); PRAGMA user_version = 1;"));
    REFUSE_FILE(path, SQ_ECORRUPT, "not a Synaq store");

    /* A store whose key check is gone cannot prove it is ours. */
    path_in(&f, path, sizeof path, "nokeycheck.db");
    CHECK_INT(0, make_store(path));
    CHECK_INT(0, exec_sql(path, "DELETE FROM meta WHERE key = 'keycheck';"));
    REFUSE_FILE(path, SQ_ECORRUPT, "key check is missing");

    /* A Synaq store of a later schema: this software must not touch it. */
    path_in(&f, path, sizeof path, "future.db");
    CHECK_INT(0, make_store(path));
    CHECK_INT(0, exec_sql(path, "PRAGMA user_version = 10;"));
    REFUSE_FILE(path, SQ_ESTATE, "schema version 10");
}

/* A store of schema 1 (before the technician's tables) comes forward to
 * 3 when opened, keeping what it held; its records are bound to the key
 * from then on. */
static void test_migrate_from_1(void)
{
    sq_err e;
    sq_store *s = NULL;
    char path[400], text[64];
    path_in(&f, path, sizeof path, "schema1.db");
    CHECK_INT(0, make_store(path));
    CHECK_INT(0, exec_sql(path, "DROP TRIGGER sent_log_no_update; DROP TRIGGER sent_log_no_delete;"
                                "DROP TABLE sent_log; DELETE FROM meta WHERE key = 'chain';"
                                "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
                                "DROP TABLE audit; ALTER TABLE results DROP COLUMN exported_wall;"
                                "DROP TABLE seq_map; ALTER TABLE attempts DROP COLUMN last_mono;"
                                "ALTER TABLE attempts DROP COLUMN last_run;"
                                "ALTER TABLE clock_events DROP COLUMN counted_ms;"
                                "DROP TRIGGER results_kind_immutable;"
                                "ALTER TABLE results DROP COLUMN kind;"
                                "DROP TABLE practice;"
                                "DROP TABLE lessons; DROP TABLE lesson_images;"
                                "DROP TABLE lesson_marks;"
                                "DROP TABLE events; DROP TABLE event_roster;"
                                "PRAGMA user_version = 1;"));
    CHECK_INT(0, query_text(path, "PRAGMA user_version", text, sizeof text));
    CHECK_STR("1", text);
    CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
    if (!s)
        return;
    CHECK_INT(9, sq_store_schema_version(s));
    CHECK(exam_listed(s, "second"));
    /* The upgrade's own line, and nothing found. */
    CHECK_INT(0, query_text(path, "SELECT count(*) FROM audit", text, sizeof text));
    CHECK_STR("1", text);
    CHECK_INT(0, query_text(path, "SELECT actor || ' ' || action FROM audit", text, sizeof text));
    CHECK_STR("store upgrade", text);
    CHECK_INT(0, (int)sq_chain_last(s)->found.flags);
    CHECK_INT(0, query_text(path, "SELECT count(exported_wall) FROM results", text, sizeof text));
    CHECK_STR("0", text);
    sq_store_close(s);
}

/* Copies tests/data/store-v2/NAME into dir. */
static int copy_data(const char *name, const char *dir)
{
    char from[600], to[600];
    size_t len = 0;
    snprintf(from, sizeof from, "%s/store-v2/%s", SYNAQ_TEST_DATA, name);
    snprintf(to, sizeof to, "%s/%s", dir, name);
    uint8_t *buf = fx_read(from, &len);
    int rc = buf ? fx_write(to, buf, len) : -1;
    free(buf);
    if (rc)
        fprintf(stderr, "copy_data: %s to %s failed\n", from, to);
    return rc;
}

/* A real store of schema 2, made by the code before the MAC chains
 * (tests/data/store-v2): opened by this code, it comes forward to 3 with
 * what it held, its old audit lines and sent mark bound to the key as they
 * were (trusted at the moment of the upgrade), its records clean; and the
 * old lines are then as well guarded as new ones. */
static void test_migrate_from_2(void)
{
    sq_err e;
    sq_store *s = NULL;
    sq_station_keys *k = NULL;
    char dir[400], db[500], text[512];
    path_in(&f, dir, sizeof dir, "v2");
    mkdir(dir, 0700);
    snprintf(db, sizeof db, "%s/station.db", dir);
    CHECK_INT(0, copy_data("station.db", dir));
    CHECK_INT(0, copy_data("station.key", dir));
    snprintf(text, sizeof text, "%s/station.key", dir);
    chmod(text, 0600);
    CHECK_OK(sq_station_keys_open(text, NULL, &k, &e), &e);
    if (!k)
        return;
    CHECK_INT(0, query_text(db, "PRAGMA user_version", text, sizeof text));
    CHECK_STR("2", text);
    CHECK_OK(sq_store_open(db, k, &f.clock, &s, &e), &e);
    if (!s) {
        sq_station_keys_close(k);
        return;
    }
    CHECK_INT(9, sq_store_schema_version(s));
    const sq_integrity_report *r = sq_chain_last(s);
    CHECK_INT(0, (int)r->found.flags);
    CHECK_INT(4, r->audit_rows);
    CHECK_INT(1, r->sent_entries);
    CHECK_INT(3, r->last_seq);
    CHECK(exam_listed(s, "old"));
    int64_t pending = -1, last = -1;
    CHECK_OK(sq_batch_counts(s, &pending, &last, &e), &e);
    CHECK_INT(2, pending);
    CHECK_INT(3, last);
    /* The old lines as they were, each with its MAC; the upgrade's line. */
    CHECK_INT(0, query_text(db, "SELECT group_concat(n || ':' || action || ':' || detail, '|')"
                                " FROM (SELECT * FROM audit WHERE n <= 3 ORDER BY n)",
                            text, sizeof text));
    CHECK_STR("1:pin-set:the technician PIN was set|2:export-usb:2 results to «USB»|3:exit:", text);
    CHECK_INT(0, query_text(db, "SELECT count(*) FROM audit WHERE length(mac) = 32", text,
                            sizeof text));
    CHECK_STR("4", text);
    CHECK_INT(0, query_text(db, "SELECT actor || ' ' || action || ': ' || detail FROM audit"
                                " WHERE n = 4",
                            text, sizeof text));
    CHECK_STR("store upgrade: store schema 2 -> 3: 3 audit line(s) and 1 sent mark(s) bound to "
              "the station's key as they were",
              text);
    /* The attempt in progress goes on; the next result is number 4. */
    sq_attempt *a = NULL;
    sq_outcome o;
    CHECK_OK(sq_attempt_resume(s, "old", "T-4", &a, &e), &e);
    if (a) {
        int answered = -1;
        sq_attempt_progress(a, &answered, NULL);
        CHECK_INT(1, answered);
        CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
        CHECK_INT(4, o.seq);
    }
    sq_attempt_free(a);
    /* The PIN of the old store still opens technician mode. */
    int64_t wait = 0;
    CHECK_OK(sq_tech_pin_check(s, "test", "2468", &wait, &e), &e);
    int64_t two = 2;
    int marked = 0;
    CHECK_OK(sq_batch_mark_sent(s, &two, 1, &marked, &e), &e);
    CHECK_INT(1, marked);
    sq_store_close(s);
    s = NULL;

    /* Reopened: clean, and the open wrote nothing. */
    uint8_t before[32], after[32];
    fx_digest(db, before);
    CHECK_OK(sq_store_open(db, k, &f.clock, &s, &e), &e);
    if (s)
        CHECK_INT(0, (int)sq_chain_last(s)->found.flags);
    sq_store_close(s);
    s = NULL;
    fx_digest(db, after);
    CHECK(memcmp(before, after, 32) == 0);

    /* A line from before the upgrade, altered with the shell: found. */
    CHECK_INT(0, exec_sql(db, "DROP TRIGGER audit_no_update;"
                              "UPDATE audit SET detail = '0 results' WHERE n = 2;"));
    CHECK_OK(sq_store_open(db, k, &f.clock, &s, &e), &e);
    if (s) {
        r = sq_chain_last(s);
        CHECK_INT(SQ_INTEGRITY_AUDIT, (int)r->found.flags);
        CHECK_INT(2, r->found.audit_first_bad);
        CHECK(r->recorded);
    }
    sq_store_close(s);
    sq_station_keys_close(k);
}

static void test_read_only(void)
{
    sq_err e;
    sq_store *s = NULL;
    char path[400];
    path_in(&f, path, sizeof path, "readonly.db");
    CHECK_INT(0, make_store(path));
    chmod(path, 0444);
    REFUSE_FILE(path, SQ_EREADONLY, "read-only");
    chmod(path, 0400);
    REFUSE_FILE(path, SQ_EREADONLY, "read-only");
    /* Writable again: it opens, its data still there. */
    chmod(path, 0644);
    CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
    if (s)
        CHECK(exam_listed(s, "second"));
    sq_store_close(s);
}

static void test_full(void)
{
    sq_err e = {0};
    sq_import_report r;
    char big[400];
    uint8_t before[32], after[32];

    /* A big bundle into a store capped a few pages above its size. */
    path_in(&f, big, sizeof big, "big.sqb");
    char *yaml = fx_exam_yaml("big", 1, 3000, 0);
    CHECK_INT(0, fx_bundle(&f, yaml, big, NULL, 0));
    free(yaml);
    long long pages = store_pragma(f.store, "PRAGMA page_count");
    CHECK(pages > 0);
    CHECK_OK(sq_store_limit_pages(f.store, pages + 4, &e), &e);
    fx_digest(f.db_path, before);
    CHECK_ERR(SQ_EFULL, "full", sq_import_file(f.store, big, NULL, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    CHECK(!exam_listed(f.store, "big"));
    CHECK(store_pragma(f.store, "PRAGMA page_count") <= pages + 4);

    /* An attempt that cannot be finished on a full store stays open with
     * its answers, and finishes once there is room. */
    CHECK_OK(sq_store_limit_pages(f.store, 0, &e), &e);
    CHECK_INT(0, import_small(&f, f.store, "long", 1, 500));
    sq_attempt *a = NULL;
    CHECK_OK(sq_attempt_start(f.store, "long", "T-full", "Full Disk", &a, &e), &e);
    if (!a)
        return;
    uint32_t sel[4] = {1, 2, 4, 1};
    for (int i = 0; i < 4; i++)
        CHECK_OK(sq_attempt_answer(a, i, sel[i], &e), &e);
    CHECK_OK(sq_attempt_flag(a, 5, true, &e), &e);
    char attempt_id[40];
    snprintf(attempt_id, sizeof attempt_id, "%s", sq_attempt_id(a));
    pages = store_pragma(f.store, "PRAGMA page_count");
    CHECK_OK(sq_store_limit_pages(f.store, pages, &e), &e);
    f.fc.mono_ms += 60000;
    f.fc.wall_s += 60;
    fx_digest(f.db_path, before);
    sq_outcome out;
    CHECK_ERR(SQ_EFULL, "full", sq_attempt_finish(a, &out, &e), &e);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    int64_t pending = -1, last = -1;
    CHECK_OK(sq_batch_counts(f.store, &pending, &last, &e), &e);
    CHECK_INT(0, pending);
    CHECK_INT(0, last);
    sq_attempt_free(a);
    a = NULL;

    /* Resumable (a restart), with every answer and the flag. */
    CHECK_OK(sq_attempt_resume(f.store, "long", "T-full", &a, &e), &e);
    if (!a)
        return;
    CHECK_STR(attempt_id, sq_attempt_id(a));
    int answered = -1, flagged = -1;
    sq_attempt_progress(a, &answered, &flagged);
    CHECK_INT(4, answered);
    CHECK_INT(1, flagged);
    for (int i = 0; i < 4; i++) {
        sq_item_view v;
        CHECK_OK(sq_attempt_item(a, i, SQ_LANG_RU, &v, &e), &e);
        CHECK_INT(sel[i], v.selected);
        CHECK(v.answered);
    }
    /* Still full: still refused, still open. */
    CHECK_ERR(SQ_EFULL, "full", sq_attempt_finish(a, &out, &e), &e);
    CHECK_OK(sq_store_limit_pages(f.store, 0, &e), &e);
    CHECK_OK(sq_attempt_finish(a, &out, &e), &e);
    CHECK_INT(1, out.seq);
    CHECK_OK(sq_batch_counts(f.store, &pending, &last, &e), &e);
    CHECK_INT(1, pending);
    CHECK_INT(1, last);
    CHECK_ERR(SQ_ESTATE, "finished", sq_attempt_finish(a, &out, &e), &e);
    sq_attempt_free(a);
    a = NULL;
    CHECK_ERR(SQ_ENOTFOUND, "no attempt in progress",
              sq_attempt_resume(f.store, "long", "T-full", &a, &e), &e);
    /* The big bundle fits now. */
    CHECK_OK(sq_import_file(f.store, big, NULL, &r, &e), &e);
    CHECK(exam_listed(f.store, "big"));
}

/* ---- nothing in clear ---- */

static uint8_t *read_or_empty(const char *path, size_t *len)
{
    uint8_t *p = fx_read(path, len);
    if (!p)
        *len = 0;
    return p;
}

/* Whether needle is in the store file at db_path or its -wal. */
static bool on_disk(const char *db_path, const char *needle, const char **where)
{
    char wal[440];
    size_t ld, lw;
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    uint8_t *d = read_or_empty(db_path, &ld), *w = read_or_empty(wal, &lw);
    bool in_db = contains(d, ld, needle), in_wal = contains(w, lw, needle);
    free(d);
    free(w);
    *where = in_db && in_wal ? "the db and the -wal" : in_db ? "the db" : "the -wal";
    return in_db || in_wal;
}

static void test_nothing_in_clear(const char *demo_path)
{
    if (!demo_path) {
        CHECK_SKIP("no demo exam given (argv[1]): nothing-in-clear is not checked");
        return;
    }
    fixture g;
    sq_err e;
    char bundle[400], marker_bundle[400], wal[400];
    if (fx_setup(&g, "st-grep")) {
        CHECK(0);
        return;
    }
    snprintf(wal, sizeof wal, "%s-wal", g.db_path);

    /* Pieces of the demo file in all three languages: names, question and
     * option texts, titles, a trainee id. Each must really be in it. */
    static const char *const secrets[] = {
        "Нұрлан Жұмабеков",
        "Айгүл Сәрсенова",
        "Гүлнар Әбдірахманова",
        "Шымкент",
        "880101300123",
        "850312400217",
        "Қазақстан Республикасының азаматы қай жастан",
        "С какого возраста гражданин Республики Казахстан",
        "From what age does a citizen",
        "Конституционный закон «О выборах",
        "Жалпыға бірдей сайлау құқығы",
        "Universal suffrage",
        "Open voting by a show of hands",
        "Сайлау негіздері",
        "Демонстрационный тест",
        "Правовые основы выборов",
    };
    size_t n_secrets = sizeof secrets / sizeof secrets[0];
    size_t demo_len;
    uint8_t *demo = fx_read(demo_path, &demo_len);
    CHECK(demo != NULL);
    for (size_t i = 0; i < n_secrets; i++) {
        CHECK(strlen(secrets[i]) >= 12);
        if (!contains(demo, demo_len, secrets[i])) {
            fprintf(stderr, "the demo file does not contain \"%s\"\n", secrets[i]);
            CHECK(0);
        }
    }
    free(demo);

    /* The demo exam, built as central would. */
    snprintf(bundle, sizeof bundle, "%s/demo.sqb", g.dir);
    sq_exam_set *set = sq_exam_set_new();
    const char *certs[] = {g.cert_path};
    CHECK_OK(sq_exam_set_load(set, demo_path, &e), &e);
    CHECK_OK(sq_bundle_build(set, g.central, certs, 1, bundle, &e), &e);
    sq_exam_set_free(set);
    CHECK_OK(sq_import_file(g.store, bundle, NULL, NULL, &e), &e);

    /* A marker exam: its id is kept in clear (the search must find it);
     * its question text, a trainee id and name given to it must not be. */
    const char *marker_id = "zz-marker-7q3k9x", *marker_text = "MARKERTEXT-7Q3-question",
               *marker_trainee = "MARKER-TRAINEE-7Q3", *marker_name = "Маркер Атауы Тестов";
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "exam: %s\nversion: 1\ntitle: {en: Marker}\npass_mark: 50\n"
             "items:\n  - id: q1\n    type: single\n    text: {en: %s}\n"
             "    options:\n      - {en: MARKEROPTION-right, correct: yes}\n"
             "      - {en: MARKEROPTION-wrong}\n"
             "    explanation: {en: MARKEREXPLANATION-why}\n",
             marker_id, marker_text);
    snprintf(marker_bundle, sizeof marker_bundle, "%s/marker.sqb", g.dir);
    CHECK_INT(0, fx_bundle(&g, yaml, marker_bundle, NULL, 0));
    CHECK_OK(sq_import_file(g.store, marker_bundle, NULL, NULL, &e), &e);

    /* The exams' descriptions, from their sealed records: the demo's in
     * each language, none for the marker exam, refusals named. */
    static const char *const desc_start[] = {"Демонстрациялық тест.", "Демонстрационный тест.",
                                             "A demo test."};
    for (int l = 0; l < SQ_NLANGS; l++) {
        char *d = NULL;
        int dl = -2;
        CHECK_OK(sq_catalog_exam_description(g.store, "election-basics", l, &d, &dl, &e), &e);
        CHECK_INT(l, dl);
        CHECK(d && strncmp(d, desc_start[l], strlen(desc_start[l])) == 0);
        sq_free(d);
    }
    char *none = (char *)"x";
    int none_lang = 7;
    CHECK_OK(sq_catalog_exam_description(g.store, marker_id, SQ_LANG_RU, &none, &none_lang, &e), &e);
    CHECK(none == NULL);
    CHECK_INT(-1, none_lang);
    CHECK_INT(SQ_ENOTFOUND,
              sq_catalog_exam_description(g.store, "no-such-exam", 0, &none, &none_lang, &e));
    CHECK(none == NULL);
    CHECK_INT(SQ_EINVAL,
              sq_catalog_exam_description(g.store, "election-basics", 3, &none, &none_lang, &e));
    CHECK(strstr(e.msg, "language 3") != NULL);

    /* Attempts: one finished, one left open, on the demo; one on the
     * marker exam, left open. */
    sq_attempt *a = NULL;
    CHECK_OK(sq_attempt_start(g.store, "election-basics", "880101300123", NULL, &a, &e), &e);
    if (a) {
        for (int i = 0; i < sq_attempt_count(a); i++) {
            sq_item_view v;
            CHECK_OK(sq_attempt_item(a, i, SQ_LANG_KK, &v, &e), &e);
            if (i % 3 != 2)
                CHECK_OK(sq_attempt_answer(a, i, 1, &e), &e);
            g.fc.mono_ms += 5000;
        }
        CHECK_OK(sq_attempt_flag(a, 2, true, &e), &e);
        sq_outcome out;
        CHECK_OK(sq_attempt_finish(a, &out, &e), &e);
    }
    sq_attempt_free(a);
    a = NULL;
    CHECK_OK(sq_attempt_start(g.store, "election-basics", "850312400217", NULL, &a, &e), &e);
    if (a)
        for (int i = 0; i < 6; i++)
            CHECK_OK(sq_attempt_answer(a, i, 1u << (i % 2), &e), &e);
    sq_attempt_free(a);
    a = NULL;
    CHECK_OK(sq_attempt_start(g.store, marker_id, marker_trainee, marker_name, &a, &e), &e);
    if (a)
        CHECK_OK(sq_attempt_answer(a, 0, 1, &e), &e);
    sq_attempt_free(a);
    a = NULL;

    /* While the store is open (the -wal holds the recent pages) and after
     * it is closed (checkpointed into the db). */
    for (int round = 0; round < 2; round++) {
        const char *when = round == 0 ? "open" : "closed";
        if (round == 1) {
            sq_store_close(g.store);
            g.store = NULL;
        }
        const char *where;
        if (round == 0)
            CHECK(exists(wal));
        bool found = on_disk(g.db_path, marker_id, &where);
        if (!found)
            fprintf(stderr, "store %s: the marker exam id is not found: the search is broken\n",
                    when);
        CHECK(found);
        const char *never[] = {marker_text, marker_trainee, marker_name, "MARKEROPTION-right",
                               "MARKEREXPLANATION-why"};
        for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
            if (on_disk(g.db_path, never[i], &where)) {
                fprintf(stderr, "store %s: \"%s\" is in clear in %s\n", when, never[i], where);
                CHECK(0);
            }
        for (size_t i = 0; i < n_secrets; i++)
            if (on_disk(g.db_path, secrets[i], &where)) {
                fprintf(stderr, "store %s: \"%s\" is in clear in %s\n", when, secrets[i], where);
                CHECK(0);
            }
    }
    fx_teardown(&g);
}

/* Central's signed conflict renumbers the pending results from the one
 * it names: batches carry the new numbers, acknowledgements naming them
 * mark the right results, the heartbeat's last number is central's; a
 * conflict repeated or replayed, or naming no pending result, changes
 * nothing. */
static void test_renumber(void)
{
    sq_err e = {0};
    char *yaml = fx_exam_yaml("rn", 1, 2, 0), path[400];
    snprintf(path, sizeof path, "%s/rn.sqb", f.dir);
    CHECK_INT(0, fx_bundle(&f, yaml, path, NULL, 0));
    free(yaml);
    sq_import_report rep;
    CHECK_OK(sq_import_file(f.store, path, NULL, &rep, &e), &e);
    int64_t first = 0;
    for (int i = 0; i < 4; i++) {
        char id[32];
        snprintf(id, sizeof id, "rn-%d", i);
        sq_attempt *a = NULL;
        sq_outcome o;
        CHECK_OK(sq_attempt_start(f.store, "rn", id, "R N", &a, &e), &e);
        CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
        if (i == 0)
            first = o.seq;
        sq_attempt_free(a);
    }
    /* Results first..first+3; the first is sent, central holds up to 100
     * with other bytes under first+1. */
    int marked = 0;
    int64_t pending0 = 0, last0 = 0;
    CHECK_OK(sq_batch_mark_sent(f.store, &first, 1, &marked, &e), &e);
    CHECK_OK(sq_batch_counts(f.store, &pending0, &last0, &e), &e);
    uint8_t before[32], after[32];
    int64_t from = 0, base = 0;
    /* Not pending: nothing to do. */
    fx_digest(f.db_path, before);
    CHECK_ERR(SQ_ESTATE, "nothing to renumber", sq_batch_renumber(f.store, first, 100, &from, &base, &e), &e);
    /* A number no result has. */
    CHECK_ERR(SQ_ESTATE, "nothing to renumber",
              sq_batch_renumber(f.store, first + 50, 100, &from, &base, &e), &e);
    /* held_max below the conflict: not a conflict central could make. */
    CHECK_ERR(SQ_ESTATE, "nothing to renumber",
              sq_batch_renumber(f.store, first + 1, first, &from, &base, &e), &e);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    CHECK_OK(sq_batch_renumber(f.store, first + 1, 100, &from, &base, &e), &e);
    CHECK_INT(first + 1, from);
    CHECK_INT(101, base);
    /* Repeated (or replayed): nothing more. */
    fx_digest(f.db_path, before);
    CHECK_ERR(SQ_ESTATE, "nothing to renumber",
              sq_batch_renumber(f.store, first + 1, 100, &from, &base, &e), &e);
    CHECK_ERR(SQ_ESTATE, "nothing to renumber",
              sq_batch_renumber(f.store, 101, 100, &from, &base, &e), &e);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    /* The batch carries 101, 102, 103. */
    sq_batch_made made;
    CHECK_OK(sq_batch_make(f.store, first, 50, 0, &made, &e), &e);
    uint8_t *b = made.bytes;
    size_t blen = made.len;
    CHECK_INT(3, made.count);
    CHECK_INT(101, made.first_seq);
    CHECK_INT(103, made.last_seq);
    CHECK_INT(first + 3, made.next_after);
    sq_batch *bt = NULL;
    CHECK_OK(sq_batch_parse(b, blen, &bt, &e), &e);
    CHECK_OK(sq_batch_verify(bt, sq_station_keys_sign_pk(f.keys), &e), &e);
    for (size_t i = 0; bt && i < sq_batch_count(bt); i++) {
        int64_t seq;
        const uint8_t *sealed;
        size_t slen;
        sq_batch_result(bt, i, &seq, &sealed, &slen);
        CHECK_INT(101 + (int64_t)i, seq);
    }
    sq_batch_free(bt);
    sq_free(b);
    /* Cut by bytes before the last pending result: a smaller batch, not
     * an error (the read stops on a row, not at the end). */
    sq_batch_made cutb;
    CHECK_OK(sq_batch_make(f.store, first, 50, 1500, &cutb, &e), &e);
    CHECK(cutb.count >= 1 && cutb.count < 3);
    CHECK_INT(101, cutb.first_seq);
    sq_free(cutb.bytes);
    sq_heartbeat hb;
    CHECK_OK(sq_batch_heartbeat(f.store, &hb, &e), &e);
    CHECK_INT(103, hb.last_seq);
    /* Central's acknowledgement names 101 and 103: those two are sent;
     * first + 1 and first + 3 by their own numbers are not results now. */
    int64_t acked[] = {101, 103, first + 3};
    CHECK_OK(sq_batch_mark_sent(f.store, acked, 3, &marked, &e), &e);
    CHECK_INT(2, marked);
    int64_t pending = 0, last = 0;
    CHECK_OK(sq_batch_counts(f.store, &pending, &last, &e), &e);
    CHECK_INT(pending0 - 2, pending);
    /* The next result continues above: first + 4 goes out as 104. */
    sq_attempt *a = NULL;
    sq_outcome o;
    CHECK_OK(sq_attempt_start(f.store, "rn", "rn-next", "R N", &a, &e), &e);
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    sq_attempt_free(a);
    CHECK_OK(sq_batch_heartbeat(f.store, &hb, &e), &e);
    CHECK_INT(104, hb.last_seq);
    /* On the audit log. */
    sq_integrity_report ir;
    CHECK_OK(sq_chain_check(f.store, &ir, &e), &e);
    CHECK_INT(0, ir.found.flags);
}

int main(int argc, char **argv)
{
    if (fx_setup(&f, "st-001"))
        return 1;
    test_fresh();
    test_two_handles();
    test_wrong_keys();
    test_not_a_store();
    test_migrate_from_1();
    test_migrate_from_2();
    test_read_only();
    test_full();
    test_renumber();
    fx_teardown(&f);
    test_nothing_in_clear(argc > 1 ? argv[1] : NULL);
    return check_report("test_store");
}
