/*
 * test_integrity.c - trust item 12: someone with write access to the
 * store's file but not the station's key (the sqlite3 shell, triggers
 * dropped first as an attacker would) marks results sent, deletes
 * results, edits, deletes, reorders and cuts audit lines, cuts or forges
 * the sent log, changes meta's last_seq, removes the chain head. Each
 * attack is played on a copy of one closed store; the next open must
 * name what was done, make pending again the results whose sent mark
 * nobody can prove, set back what has a safe answer, change nothing
 * else, and put the finding on record exactly once (a second open adds
 * nothing). Then: a store used a lot and never touched opens clean; a
 * change made under a running handle is found on demand and before the
 * next write.
 *
 * Time comes from the fixture's fake clock.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>

#include "check.h"
#include "fixture.h"
#include "util_int.h"
#include "synaq/tech.h"

static fixture f;
static char pristine[400];
/* The store before any attack: results 1..6, 1-3 sent (entries {1,2}
 * and {3}), audit lines 1..6. */
#define N_RESULTS 6
#define N_AUDIT 6

/* ---- small helpers ---- */

static int exec_sql(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "exec_sql: %s: %s\n", sql, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static int64_t query_int(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void query_text(const char *db_path, const char *sql, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    out[0] = 0;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_text(q, 0))
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static int copy_file(const char *from, const char *to)
{
    size_t len = 0;
    uint8_t *buf = fx_read(from, &len);
    int rc = buf ? fx_write(to, buf, len) : -1;
    free(buf);
    return rc;
}

/* A digest of every row of every table, leaving out meta's chain head
 * and the audit lines after after_n: what a check may add or rewrite
 * besides what it sets right. */
static int digest_except(const char *db_path, int64_t after_n, uint8_t out[32])
{
    sqlite3 *db = NULL;
    sqlite3_stmt *tables = NULL;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                           -1, &tables, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char sql[300];
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        crypto_generichash_update(&h, (const uint8_t *)name, strlen(name) + 1);
        if (!strcmp(name, "meta"))
            snprintf(sql, sizeof sql, "SELECT * FROM meta WHERE key != 'chain' ORDER BY 1");
        else if (!strcmp(name, "audit"))
            snprintf(sql, sizeof sql, "SELECT * FROM audit WHERE n <= %lld ORDER BY 1",
                     (long long)after_n);
        else
            snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY 1, 2", name);
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
            continue;
        while (sqlite3_step(q) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(q); c++) {
                const void *b = sqlite3_column_blob(q, c);
                int n = sqlite3_column_bytes(q, c), t = sqlite3_column_type(q, c);
                crypto_generichash_update(&h, (const uint8_t *)&t, sizeof t);
                if (b)
                    crypto_generichash_update(&h, b, (size_t)n);
            }
        sqlite3_finalize(q);
    }
    sqlite3_finalize(tables);
    sqlite3_close(db);
    crypto_generichash_final(&h, out, 32);
    return 0;
}

static int64_t pending_of(sq_store *s)
{
    sq_err e;
    int64_t pending = -1, last = -1;
    if (sq_batch_counts(s, &pending, &last, &e))
        fprintf(stderr, "pending_of: %s\n", e.msg);
    return pending;
}

/* ---- the store every attack starts from ---- */

static void finish_one(sq_store *s, const char *trainee)
{
    sq_err e;
    sq_attempt *a = NULL;
    sq_outcome o;
    CHECK_OK(sq_attempt_start(s, "sec", trainee, "Айгүл Сынақова", &a, &e), &e);
    if (!a)
        return;
    CHECK_OK(sq_attempt_answer(a, 0, 1, &e), &e);
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    sq_attempt_free(a);
}

static int make_pristine(void)
{
    sq_err e;
    char bundle[400];
    snprintf(bundle, sizeof bundle, "%s/sec.sqb", f.dir);
    char *yaml = fx_exam_yaml("sec", 1, 3, 0);
    int rc = fx_bundle(&f, yaml, bundle, NULL, 0);
    free(yaml);
    if (rc || sq_import_file(f.store, bundle, NULL, NULL, &e))
        return -1;
    for (int i = 1; i <= N_RESULTS; i++) {
        char t[16];
        snprintf(t, sizeof t, "T-%d", i);
        f.fc.wall_s += 60;
        f.fc.mono_ms += 60000;
        finish_one(f.store, t);
    }
    int64_t first[] = {1, 2}, third = 3;
    int marked = 0;
    CHECK_OK(sq_batch_mark_sent(f.store, first, 2, &marked, &e), &e);
    CHECK_OK(sq_batch_mark_sent(f.store, &third, 1, &marked, &e), &e);
    static const char *const lines[N_AUDIT] = {"2 bundles",         "3 result(s) to «USB-1»",
                                               "the stick is full", "acknowledgements: 3",
                                               "технический режим", "exit"};
    for (int i = 0; i < N_AUDIT; i++) {
        f.fc.wall_s += 5;
        CHECK_OK(sq_tech_audit_add(f.store, "synaqctl", "test", SQ_OK, lines[i], &e), &e);
    }
    CHECK_INT(0, (int)sq_chain_last(f.store)->found.flags);
    snprintf(pristine, sizeof pristine, "%s/pristine.db", f.dir);
    sq_store_close(f.store);
    f.store = NULL;
    /* Closed and checkpointed: the file alone is the store. */
    return copy_file(f.db_path, pristine);
}

/* ---- the attacks ---- */

typedef struct {
    const char *name;
    const char *sql;    /* the attack, on the closed file */
    unsigned flags;     /* what the next open must find */
    const char *phrase; /* in the report's words */
    const char *mended; /* the safe answer, applied to a copy for comparison; NULL */
    int64_t pending;    /* results pending after the open */
    int64_t first_bad;  /* audit_first_bad; -1: do not look */
    int64_t gone, gone_unsent, unproven;
    unsigned after; /* what the open after that still finds (lasting) */
} attack;

static const attack attacks[] = {
    {"sent marks set on pending results",
     "UPDATE results SET sent_wall = 1790009999 WHERE seq IN (4, 5)", SQ_INTEGRITY_SENT_MARKS,
     "2 result(s) marked sent with no record of it, pending again: 4, 5",
     "UPDATE results SET sent_wall = NULL WHERE seq IN (4, 5)", 3, 0, 0, 0, 2, 0},
    {"a sent result deleted", "DELETE FROM results WHERE seq = 2", SQ_INTEGRITY_RESULTS_GONE,
     "1 result(s) deleted (0 of them never sent): 2", NULL, 3, 0, 1, 0, 0,
     SQ_INTEGRITY_RESULTS_GONE},
    {"an unsent result deleted",
     "DROP TRIGGER results_keep_pending; DELETE FROM results WHERE seq = 5",
     SQ_INTEGRITY_RESULTS_GONE, "1 result(s) deleted (1 of them never sent): 5", NULL, 2, 0, 1, 1,
     0, SQ_INTEGRITY_RESULTS_GONE},
    {"the newest result deleted and last_seq lowered to hide it",
     "DROP TRIGGER results_keep_pending; DELETE FROM results WHERE seq = 6;"
     "UPDATE meta SET value = 5 WHERE key = 'last_seq'",
     SQ_INTEGRITY_RESULTS_GONE | SQ_INTEGRITY_LAST_SEQ,
     "1 result(s) deleted (1 of them never sent): 6; the last result number was 5, not 6: set "
     "back",
     "UPDATE meta SET value = 6 WHERE key = 'last_seq'", 2, 0, 1, 1, 0, SQ_INTEGRITY_RESULTS_GONE},
    {"last_seq lowered", "UPDATE meta SET value = 3 WHERE key = 'last_seq'", SQ_INTEGRITY_LAST_SEQ,
     "the last result number was 3, not 6: set back",
     "UPDATE meta SET value = 6 WHERE key = 'last_seq'", 3, 0, 0, 0, 0, 0},
    {"last_seq raised", "UPDATE meta SET value = 60 WHERE key = 'last_seq'", SQ_INTEGRITY_LAST_SEQ,
     "the last result number was 60, not 6: set back",
     "UPDATE meta SET value = 6 WHERE key = 'last_seq'", 3, 0, 0, 0, 0, 0},
    {"an audit line edited",
     "DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'nothing happened' WHERE n = 3",
     SQ_INTEGRITY_AUDIT, "audit log altered from line 3 (1 line(s) altered, 0 removed)", NULL, 3, 3,
     0, 0, 0, SQ_INTEGRITY_AUDIT},
    {"an audit line's outcome and time edited",
     "DROP TRIGGER audit_no_update; UPDATE audit SET outcome = 'full', wall = wall - 3600 WHERE n "
     "= 2",
     SQ_INTEGRITY_AUDIT, "audit log altered from line 2 (1 line(s) altered, 0 removed)", NULL, 3, 2,
     0, 0, 0, SQ_INTEGRITY_AUDIT},
    {"an audit line deleted", "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE n = 2",
     SQ_INTEGRITY_AUDIT, "audit log altered from line 2 (0 line(s) altered, 1 removed)", NULL, 3, 2,
     0, 0, 0, SQ_INTEGRITY_AUDIT},
    /* Lines 2 and 3 with their MACs: 4 no longer links to what is
     * before it either. */
    {"two audit lines swapped",
     "DROP TRIGGER audit_no_update;"
     "UPDATE audit SET n = CASE n WHEN 2 THEN -3 ELSE -2 END WHERE n IN (2, 3);"
     "UPDATE audit SET n = -n WHERE n < 0",
     SQ_INTEGRITY_AUDIT, "audit log altered from line 2 (3 line(s) altered, 0 removed)", NULL, 3, 2,
     0, 0, 0, SQ_INTEGRITY_AUDIT},
    {"the audit log's last two lines cut",
     "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE n > 4", SQ_INTEGRITY_AUDIT_TAIL,
     "the last 2 line(s) of the audit log removed (after line 4)", NULL, 3, 5, 0, 0, 0,
     SQ_INTEGRITY_AUDIT},
    {"the whole audit log emptied", "DROP TRIGGER audit_no_delete; DELETE FROM audit",
     SQ_INTEGRITY_AUDIT_TAIL, "the last 6 line(s) of the audit log removed (after line 0)", NULL, 3,
     1, 0, 0, 0, SQ_INTEGRITY_AUDIT},
    {"a line forged into the audit log",
     "INSERT INTO audit(n, wall, mono_ms, actor, action, outcome, detail, mac)"
     " SELECT 7, wall, mono_ms, actor, action, outcome, 'all results sent', mac FROM audit"
     " WHERE n = 6",
     SQ_INTEGRITY_HEAD | SQ_INTEGRITY_AUDIT, "audit log altered from line 7", NULL, 3, 7, 0, 0, 0,
     SQ_INTEGRITY_AUDIT},
    {"the sent log's last entry cut (result 3 looks sent)",
     "DROP TRIGGER sent_log_no_delete; DELETE FROM sent_log WHERE n = 2",
     SQ_INTEGRITY_SENT_LOG | SQ_INTEGRITY_SENT_MARKS,
     "sent log altered or cut (1 entry); 1 result(s) marked sent with no record of it, pending "
     "again: 3",
     "UPDATE results SET sent_wall = NULL WHERE seq = 3", 4, 0, 0, 0, 1, SQ_INTEGRITY_SENT_LOG},
    {"the sent log's first entry made to name result 4 too",
     "DROP TRIGGER sent_log_no_update;"
     "UPDATE sent_log SET seqs = X'03010102' WHERE n = 1;"
     "UPDATE results SET sent_wall = 1790009999 WHERE seq = 4",
     SQ_INTEGRITY_SENT_LOG | SQ_INTEGRITY_SENT_MARKS,
     "3 result(s) marked sent with no record of it, pending again: 1, 2, 4",
     "UPDATE results SET sent_wall = NULL WHERE seq IN (1, 2, 4)", 5, 0, 0, 0, 3,
     SQ_INTEGRITY_SENT_LOG},
    {"the chain head removed", "DELETE FROM meta WHERE key = 'chain'", SQ_INTEGRITY_HEAD,
     "its chain head was missing, altered or older than the logs", NULL, 3, 0, 0, 0, 0, 0},
    {"the chain head altered",
     "UPDATE meta SET value = CAST(substr(value, 1, 10) || X'00' || substr(value, 12) AS BLOB)"
     " WHERE key = 'chain'",
     SQ_INTEGRITY_HEAD, "its chain head was missing", NULL, 3, 0, 0, 0, 0, 0},
};

static void play(const attack *at)
{
    sq_err e;
    char path[400], mended[400], text[512];
    sq_store *s = NULL;
    uint8_t want[32], got[32], once[32], again[32];
    snprintf(path, sizeof path, "%s/attack.db", f.dir);
    snprintf(mended, sizeof mended, "%s/mended.db", f.dir);
    if (copy_file(pristine, path) || copy_file(pristine, mended) || exec_sql(path, at->sql) ||
        exec_sql(mended, at->sql) || (at->mended && exec_sql(mended, at->mended))) {
        check_count++;
        check_failures++;
        fprintf(stderr, "%s: the attack could not be set up\n", at->name);
        return;
    }
    int64_t last_n = query_int(path, "SELECT coalesce(max(n), 0) FROM audit");
    int64_t lines = query_int(path, "SELECT count(*) FROM audit");
    /* The line on record comes after the last number used: lines cut off
     * the end keep theirs. */
    int64_t new_n = (last_n > N_AUDIT ? last_n : N_AUDIT) + 1;
    digest_except(mended, last_n, want);

    /* The next open names it. */
    CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
    if (!s)
        return;
    sq_integrity_report r = *sq_chain_last(s);
    check_count++;
    if (r.found.flags != at->flags || !strstr(r.text, at->phrase) || !r.recorded) {
        check_failures++;
        fprintf(stderr, "%s: expected flags 0x%x with \"%s\", got 0x%x (recorded %d): \"%s\"\n",
                at->name, at->flags, at->phrase, r.found.flags, r.recorded, r.text);
    }
    if (at->first_bad >= 0)
        CHECK_INT(at->first_bad, r.found.audit_first_bad);
    CHECK_INT(at->gone, r.found.results_gone);
    CHECK_INT(at->gone_unsent, r.found.results_gone_unsent);
    CHECK_INT(at->unproven, r.found.unproven_sent);
    CHECK_INT(at->pending, pending_of(s));
    static const char opening[] = "the store was changed without the station's key:";
    CHECK(strncmp(r.text, opening, strlen(opening)) == 0);
    /* Pending again means it goes out again. */
    if (at->unproven) {
        sq_batch_made m;
        CHECK_OK(sq_batch_make(s, 0, 50, 0, &m, &e), &e);
        CHECK_INT(at->pending, m.count);
        sq_free(m.bytes);
    }
    sq_store_close(s);
    s = NULL;

    /* On record: one new line, "integrity" by the store, its words. */
    CHECK_INT(new_n, query_int(path, "SELECT max(n) FROM audit"));
    CHECK_INT(lines + 1, query_int(path, "SELECT count(*) FROM audit"));
    query_text(path,
               "SELECT actor || '/' || action || '/' || outcome FROM audit"
               " ORDER BY n DESC LIMIT 1",
               text, sizeof text);
    CHECK_STR("store/integrity/auth", text);
    query_text(path, "SELECT detail FROM audit ORDER BY n DESC LIMIT 1", text, sizeof text);
    if (!strstr(text, at->phrase))
        fprintf(stderr, "%s: the audit line says \"%s\"\n", at->name, text);
    CHECK(strstr(text, at->phrase) != NULL);
    /* Nothing changed but the safe answer (the mended copy), the head and
     * the new line. */
    digest_except(path, last_n, got);
    if (memcmp(want, got, 32) != 0)
        fprintf(stderr, "%s: the open changed more than the safe answer\n", at->name);
    CHECK(memcmp(want, got, 32) == 0);

    /* Once: the next open finds what lasts, puts nothing new on record. */
    fx_digest(path, once);
    CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
    if (!s)
        return;
    r = *sq_chain_last(s);
    unsigned lasting = at->after;
    if (r.found.flags != lasting || r.recorded)
        fprintf(stderr, "%s: the second open: flags 0x%x (expected 0x%x), recorded %d: %s\n",
                at->name, r.found.flags, lasting, r.recorded, r.text);
    CHECK_INT(lasting, r.found.flags);
    CHECK(!r.recorded);
    CHECK_INT(new_n, r.on_record_n);
    CHECK(strstr(r.on_record_text, at->phrase) != NULL);
    /* What went on record, kind and counts, for any process to show. */
    CHECK_INT(at->flags, (int)r.on_record.flags);
    CHECK_INT(at->unproven, r.on_record.unproven_sent);
    CHECK_INT(at->gone, r.on_record.results_gone);
    CHECK_INT(at->pending, pending_of(s));
    sq_integrity_report r2;
    CHECK_OK(sq_chain_check(s, &r2, &e), &e);
    CHECK(!r2.recorded);
    sq_store_close(s);
    fx_digest(path, again);
    if (memcmp(once, again, 32) != 0)
        fprintf(stderr, "%s: the second open wrote to the store\n", at->name);
    CHECK(memcmp(once, again, 32) == 0);
}

/* The store keeps working after an attack: a result, a line, a mark;
 * then a third open finds nothing new. */
static void works_after(void)
{
    sq_err e;
    char path[400];
    sq_store *s = NULL;
    snprintf(path, sizeof path, "%s/after.db", f.dir);
    CHECK_INT(0, copy_file(pristine, path));
    CHECK_INT(0, exec_sql(path, "DROP TRIGGER results_keep_pending;"
                                "DELETE FROM results WHERE seq = 6;"
                                "UPDATE meta SET value = 5 WHERE key = 'last_seq';"
                                "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE n > 5;"));
    CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
    if (!s)
        return;
    finish_one(s, "T-after");
    int64_t last = -1, seven = 7;
    int marked = 0;
    CHECK_OK(sq_batch_counts(s, NULL, &last, &e), &e);
    CHECK_INT(7, last); /* not 6 again: 6 stays a missing number */
    CHECK_OK(sq_batch_mark_sent(s, &seven, 1, &marked, &e), &e);
    CHECK_INT(1, marked);
    CHECK_OK(sq_tech_audit_add(s, "test", "after", SQ_OK, "still working", &e), &e);
    sq_store_close(s);
    s = NULL;
    CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
    if (s) {
        const sq_integrity_report *r = sq_chain_last(s);
        CHECK_INT(SQ_INTEGRITY_RESULTS_GONE | SQ_INTEGRITY_AUDIT, (int)r->found.flags);
        CHECK_INT(6, r->found.first_gone);
        CHECK_INT(6, r->found.audit_first_bad);
        CHECK(!r->recorded);
    }
    sq_store_close(s);
}

/* Much use, no attack: clean at every open, nothing on record, and an
 * open writes nothing. */
static void untouched(void)
{
    sq_err e;
    char path[400];
    sq_store *s = NULL;
    snprintf(path, sizeof path, "%s/busy.db", f.dir);
    CHECK_INT(0, copy_file(pristine, path));
    for (int round = 0; round < 5; round++) {
        CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
        if (!s)
            return;
        CHECK_INT(0, (int)sq_chain_last(s)->found.flags);
        for (int i = 0; i < 8; i++) {
            char t[32];
            snprintf(t, sizeof t, "B-%d-%d", round, i);
            f.fc.wall_s += 30;
            f.fc.mono_ms += 30000;
            finish_one(s, t);
            CHECK_OK(sq_tech_auditf(s, "kiosk", "exit", SQ_OK, &e, "round %d, %d", round, i), &e);
        }
        /* Acknowledgements: some twice, some unknown, some out of order. */
        int64_t ack[] = {999,
                         0,
                         3,
                         2,
                         (int64_t)(round * 8 + 9),
                         (int64_t)(round * 8 + 7),
                         (int64_t)(round * 8 + 7)};
        int marked = 0;
        CHECK_OK(sq_batch_mark_sent(s, ack, sizeof ack / sizeof ack[0], &marked, &e), &e);
        CHECK_OK(sq_batch_mark_sent(s, ack, 0, &marked, &e), &e);
        CHECK_INT(0, marked);
        sq_integrity_report r;
        CHECK_OK(sq_chain_check(s, &r, &e), &e);
        CHECK_INT(0, (int)r.found.flags);
        CHECK(!r.recorded);
        sq_store_close(s);
        s = NULL;
    }
    uint8_t before[32], after[32];
    fx_digest(path, before);
    CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
    if (s) {
        const sq_integrity_report *r = sq_chain_last(s);
        CHECK_INT(0, (int)r->found.flags);
        CHECK_INT(0, r->on_record_n);
        CHECK_INT(N_RESULTS + 40, r->last_seq);
        CHECK_INT(N_AUDIT + 40, r->audit_rows);
        CHECK_STR("", r->text);
    }
    sq_store_close(s);
    fx_digest(path, after);
    CHECK(memcmp(before, after, 32) == 0);
    CHECK_INT(0, query_int(path, "SELECT count(*) FROM audit WHERE action = 'integrity'"));
}

/* Changed under a running handle (the kiosk keeps its store for days):
 * found on demand; and a write that finds the ends moved puts the
 * finding on record before its own line. */
static void under_a_running_handle(void)
{
    sq_err e;
    char path[400], text[600];
    sq_store *s = NULL;
    snprintf(path, sizeof path, "%s/live.db", f.dir);
    CHECK_INT(0, copy_file(pristine, path));
    CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
    if (!s)
        return;
    CHECK_INT(0, exec_sql(path, "UPDATE results SET sent_wall = 1 WHERE seq = 6"));
    CHECK_INT(2, pending_of(s)); /* the handle trusts the rows until it checks */
    sq_integrity_report r;
    CHECK_OK(sq_chain_check(s, &r, &e), &e);
    CHECK_INT(SQ_INTEGRITY_SENT_MARKS, (int)r.found.flags);
    CHECK(r.recorded);
    CHECK_INT(3, pending_of(s));
    CHECK_INT(SQ_INTEGRITY_SENT_MARKS, (int)sq_chain_last(s)->found.flags);

    /* The audit log's end cut while the handle runs, then a line through it. */
    CHECK_INT(0, exec_sql(path, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE n >= 6;"));
    CHECK_OK(sq_tech_audit_add(s, "kiosk", "exit", SQ_OK, "after the cut", &e), &e);
    query_text(path,
               "SELECT group_concat(n || ':' || action, ' ') FROM"
               " (SELECT n, action FROM audit WHERE n >= 5 ORDER BY n)",
               text, sizeof text);
    CHECK_STR("5:test 8:integrity 9:exit", text);
    query_text(path, "SELECT detail FROM audit WHERE n = 8", text, sizeof text);
    CHECK(strstr(text, "the last 2 line(s) of the audit log removed (after line 5)") != NULL);
    sq_store_close(s);
    s = NULL;
    /* The cut stays visible as a gap; nothing new goes on record. */
    CHECK_OK(sq_store_open(path, f.keys, &f.clock, &s, &e), &e);
    if (s) {
        const sq_integrity_report *r2 = sq_chain_last(s);
        CHECK_INT(SQ_INTEGRITY_AUDIT, (int)r2->found.flags);
        CHECK_INT(6, r2->found.audit_first_bad);
        CHECK_INT(2, r2->found.audit_removed);
        CHECK(!r2->recorded);
        CHECK_INT(8, r2->on_record_n);
    }
    sq_store_close(s);
}

int main(void)
{
    if (fx_setup(&f, "st-sec") || make_pristine())
        return 1;
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        int before = check_failures;
        play(&attacks[i]);
        if (check_failures != before)
            fprintf(stderr, "  ^ attack: %s\n", attacks[i].name);
    }
    works_after();
    untouched();
    under_a_running_handle();
    fx_teardown(&f);
    return check_report("test_integrity");
}
