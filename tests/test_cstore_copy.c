/*
 * test_cstore_copy.c - moving central's result store (cstore_copy.h): a
 * store filled through the receiver's own call (cstore_put_upload) with
 * several stations, gaps, heartbeats and a stick's upload, and text and
 * bytes chosen to trip an encoding (tabs, backslashes, newlines, NUL
 * bytes, Kazakh), copied into an empty store and read back equal.
 *
 *   test_cstore_copy DIR_UNUSED            SQLite -> SQLite (CTest cstore_copy)
 *   test_cstore_copy --pg                  SQLite -> PostgreSQL -> SQLite, under
 *                                          tests/pg/with-pg.sh (cstore_copy_pg)
 *
 * Refusals, each with the target unchanged: a target that holds rows (a
 * second run), the same store as source and target, a target of a newer
 * schema, and on PostgreSQL a wrong password (never shown). After the
 * copy the target takes the next upload as the source would have: its
 * highest, its new heartbeat (numbered on above the copied ones).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "check.h"
#include "cstore.h"
#include "cstore_copy.h"
#include "fixture.h"

static char dir[256];

/* One upload of station: n results from seq first (each result's bytes
 * made from station, seq and tag), a heartbeat with counter. */
static sq_status put(cstore *cs, const char *station, const char *batch_id, int64_t first, int n,
                     int64_t counter, bool by_stick, const char *software, cstore_ack *ack)
{
    sq_heartbeat hb;
    memset(&hb, 0, sizeof hb);
    snprintf(hb.station_id, sizeof hb.station_id, "%s", station);
    snprintf(hb.software, sizeof hb.software, "%s", software);
    snprintf(hb.content, sizeof hb.content, "сайлау-негіздері:3\tbasics:\\2\nx");
    hb.pending = n;
    hb.oldest_pending_s = 60 * counter;
    hb.disk_free_bytes = (int64_t)1 << 40;
    hb.station_wall_s = 1700000000 + counter;
    hb.last_seq = first + n - 1;
    hb.counter = counter;
    hb.integrity = counter == 3 ? 2u : 0u;
    cstore_result rs[16];
    uint8_t bytes[16][300];
    for (int i = 0; i < n; i++) {
        size_t len = 40 + (size_t)(first + i) * 7 % 250;
        for (size_t j = 0; j < len; j++)
            bytes[i][j] = (uint8_t)(j * 31 + (size_t)(first + i) + station[0]);
        bytes[i][0] = 0;    /* a NUL byte */
        bytes[i][1] = '\\'; /* and the bytes COPY's text format escapes */
        bytes[i][2] = '\t';
        bytes[i][3] = '\n';
        rs[i] = (cstore_result){first + i, bytes[i], len};
    }
    uint8_t sha[32];
    crypto_hash_sha256(sha, (const uint8_t *)batch_id, strlen(batch_id));
    cstore_upload up = {
        &hb, 1700000100 + counter, batch_id, sha, 1000 + (size_t)n, rs, (size_t)n, by_stick};
    sq_err e;
    return cstore_put_upload(cs, &up, ack, &e);
}

/* A pilot's store: three stations, one with a gap, one by stick. */
static void fill(cstore *cs)
{
    cstore_ack a;
    CHECK_INT(SQ_OK, put(cs, "alm-001", "b0000000000000000000000000000001", 1, 5, 1, false,
                         "0.9\tβ\\1", &a));
    CHECK_INT(SQ_OK,
              put(cs, "alm-001", "b0000000000000000000000000000002", 6, 3, 2, false, "0.9", &a));
    CHECK_INT(5 + 3, a.highest);
    /* A gap: 12..13 held, 9..11 not yet. */
    CHECK_INT(SQ_OK,
              put(cs, "alm-001", "b0000000000000000000000000000003", 12, 2, 3, false, "0.9", &a));
    CHECK_INT(8, a.highest);
    CHECK_INT(13, a.held_max);
    CHECK_INT(SQ_OK,
              put(cs, "ast-002", "b0000000000000000000000000000004", 1, 16, 1, false, "1.0", &a));
    CHECK_INT(SQ_OK,
              put(cs, "shy-003", "b0000000000000000000000000000005", 1, 4, 0, true, "usb", &a));
    CHECK_INT(4, a.highest);
}

/* Results of a store as one string: station, seq, batch, wall, bytes. */
typedef struct {
    crypto_hash_sha256_state h;
    int n;
} list;

static int list_one(void *ctx, const char *station_id, int64_t seq, const uint8_t *sealed,
                    size_t len, const char *batch_id, int64_t received_wall_s)
{
    list *l = ctx;
    char line[200];
    snprintf(line, sizeof line, "%s/%lld/%s/%lld/%zu|", station_id, (long long)seq, batch_id,
             (long long)received_wall_s, len);
    crypto_hash_sha256_update(&l->h, (const uint8_t *)line, strlen(line));
    crypto_hash_sha256_update(&l->h, sealed, len);
    l->n++;
    return 0;
}

static int results_of(cstore *cs, uint8_t out[32])
{
    list l;
    sq_err e;
    l.n = 0;
    crypto_hash_sha256_init(&l.h);
    if (cstore_each_result(cs, NULL, 0, list_one, &l, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    crypto_hash_sha256_final(&l.h, out);
    return l.n;
}

static cstore *open_or_die(const char *path)
{
    cstore *cs = NULL;
    sq_err e;
    if (cstore_open(path, 0, &cs, &e)) {
        fprintf(stderr, "cannot open %s: %s\n", path, e.msg);
        exit(1);
    }
    return cs;
}

static bool same_summary(cstore *cs, const cstore_summary *want)
{
    cstore_summary s;
    sq_err e;
    if (cstore_summarise(cs, &s, &e)) {
        fprintf(stderr, "summarise: %s\n", e.msg);
        return false;
    }
    return cstore_summary_equal(&s, want);
}

/* What the copy must carry: what the receiver answers from a store. */
static void same_answers(cstore *a, cstore *b)
{
    uint8_t ha[32], hb_[32];
    CHECK_INT(30, results_of(a, ha));
    CHECK_INT(30, results_of(b, hb_));
    CHECK(memcmp(ha, hb_, 32) == 0);
    const char *stations[] = {"alm-001", "ast-002", "shy-003"};
    for (int i = 0; i < 3; i++) {
        int64_t x = -1, y = -2;
        sq_err e;
        CHECK_INT(SQ_OK, cstore_highest(a, stations[i], &x, &e));
        CHECK_INT(SQ_OK, cstore_highest(b, stations[i], &y, &e));
        CHECK_INT(x, y);
    }
    sq_heartbeat h1, h2;
    int64_t w1 = 0, w2 = 1;
    sq_err e;
    CHECK_INT(SQ_OK, cstore_heartbeat_latest(a, "alm-001", &h1, &w1, &e));
    CHECK_INT(SQ_OK, cstore_heartbeat_latest(b, "alm-001", &h2, &w2, &e));
    CHECK_STR(h1.content, h2.content);
    CHECK_INT(h1.counter, h2.counter);
    CHECK_INT(h1.integrity, h2.integrity);
    CHECK_INT(w1, w2);
    bool known = false;
    uint8_t sha[32], want[32];
    const char *bid = "b0000000000000000000000000000004";
    crypto_hash_sha256(want, (const uint8_t *)bid, strlen(bid));
    CHECK_INT(SQ_OK, cstore_batch_known(b, bid, &known, sha, &e));
    CHECK(known && memcmp(sha, want, 32) == 0);
}

/* The target goes on where the source left off: the next batch of a
 * station is new, its highest right, its heartbeat stored (numbered on
 * above the copied ones), and a batch the source held is a duplicate. */
static void goes_on(cstore *cs)
{
    cstore_ack a;
    CHECK_INT(SQ_OK,
              put(cs, "alm-001", "b0000000000000000000000000000006", 9, 3, 4, false, "0.9", &a));
    CHECK_INT(CSTORE_NEW, a.outcome);
    CHECK_INT(3, a.n_new);
    CHECK_INT(13, a.highest); /* 9..11 close the gap up to 13 */
    CHECK_INT(4, a.hb_counter);
    CHECK_INT(SQ_OK,
              put(cs, "alm-001", "b0000000000000000000000000000002", 6, 3, 2, false, "0.9", &a));
    CHECK_INT(CSTORE_DUPLICATE, a.outcome);
    CHECK_INT(0, a.n_new);
}

static int count_hb(void *ctx, const sq_heartbeat *hb, int64_t received_wall_s)
{
    (void)hb;
    (void)received_wall_s;
    (*(int *)ctx)++;
    return 0;
}

int main(int argc, char **argv)
{
    bool pg = argc > 1 && strcmp(argv[1], "--pg") == 0;
    const char *url = getenv("SYNAQ_TEST_DB_URL");
    if (sodium_init() < 0)
        return 1;
    if (pg && !url) {
        printf("cstore_copy --pg: run under tests/pg/with-pg.sh\n");
        return 77;
    }
    snprintf(dir, sizeof dir, "%s/synaq-copy-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return 1;
    char a_path[300], b_path[300], c_path[300], newer_path[300];
    snprintf(a_path, sizeof a_path, "%s/pilot.db", dir);
    snprintf(b_path, sizeof b_path, "%s/copy.db", dir);
    snprintf(c_path, sizeof c_path, "%s/back.db", dir);
    snprintf(newer_path, sizeof newer_path, "%s/newer.db", dir);
    sq_err e;
    cstore_summary sa, sb, sc;

    /* ---- the source ---- */
    cstore *a = open_or_die(a_path);
    fill(a);
    CHECK_INT(SQ_OK, cstore_summarise(a, &sa, &e));
    /* batches, results, progress, heartbeats (the stick's is not kept),
     * heartbeat_latest */
    CHECK_INT(5, sa.rows[0]);
    CHECK_INT(30, sa.rows[1]);
    CHECK_INT(3, sa.rows[2]);
    CHECK_INT(4, sa.rows[3]);
    CHECK_INT(2, sa.rows[4]);
    CHECK(same_summary(a, &sa)); /* the same store, the same summary */
    char text[400];
    cstore_summary_text(&sa, text, sizeof text);
    printf("source: %s\n", text);

    /* ---- SQLite -> target (SQLite file, or PostgreSQL) ---- */
    const char *target = pg ? url : b_path;
    cstore *b = open_or_die(target);
    cstore_summary empty;
    CHECK_INT(SQ_OK, cstore_summarise(b, &empty, &e));
    cstore_summary got;
    memset(&got, 0, sizeof got);
    CHECK_ERR(SQ_OK, "", cstore_copy(a, b, &got, &e), &e);
    CHECK(cstore_summary_equal(&got, &sa));
    CHECK_INT(SQ_OK, cstore_summarise(b, &sb, &e));
    CHECK(cstore_summary_equal(&sa, &sb));
    same_answers(a, b);

    /* A second run: refused, the target unchanged. */
    CHECK_ERR(SQ_ESTATE, "holds rows already (batches 5, results 30", cstore_copy(a, b, NULL, &e),
              &e);
    CHECK(same_summary(b, &sb));
    /* The same store as source and target: refused, unchanged. */
    cstore *b_again = NULL;
    if (cstore_open(target, CSTORE_READONLY, &b_again, &e) == SQ_OK) {
        CHECK_ERR(SQ_EINVAL, "the same store", cstore_copy(b, b_again, NULL, &e), &e);
        CHECK_ERR(SQ_EINVAL, "the same store", cstore_copy(b_again, b, NULL, &e), &e);
    } else {
        CHECK(!"cannot open the target a second time for reading");
    }
    cstore_close(b_again);
    CHECK(same_summary(b, &sb));
    CHECK(same_summary(a, &sa));

    /* A target of a newer schema: refused at open, the file unchanged. */
    {
        sqlite3 *db;
        sqlite3_open(newer_path, &db);
        sqlite3_exec(db,
                     "PRAGMA application_id = 1397834578; PRAGMA user_version = 99;"
                     " CREATE TABLE future(x)",
                     NULL, NULL, NULL);
        sqlite3_close(db);
        uint8_t before[32], after[32];
        CHECK_INT(0, fx_digest(newer_path, before));
        struct stat st0, st1;
        stat(newer_path, &st0);
        cstore *n = NULL;
        CHECK_ERR(SQ_ESTATE, "newer schema", cstore_open(newer_path, 0, &n, &e), &e);
        cstore_close(n);
        CHECK_INT(0, fx_digest(newer_path, after));
        stat(newer_path, &st1);
        CHECK(memcmp(before, after, 32) == 0 && st0.st_size == st1.st_size);
    }

    /* ---- back: the target -> a new SQLite file, equal to the source ---- */
    cstore *c = open_or_die(c_path);
    CHECK_ERR(SQ_OK, "", cstore_copy(b, c, NULL, &e), &e);
    CHECK_INT(SQ_OK, cstore_summarise(c, &sc, &e));
    CHECK(cstore_summary_equal(&sa, &sc));
    same_answers(a, c);

    /* ---- the target goes on as the source would ---- */
    goes_on(b);
    int hb_b = 0, hb_a = 0;
    CHECK_INT(SQ_OK, cstore_each_heartbeat(b, "alm-001", count_hb, &hb_b, &e));
    CHECK_INT(SQ_OK, cstore_each_heartbeat(a, "alm-001", count_hb, &hb_a, &e));
    CHECK_INT(3, hb_a);
    CHECK_INT(4, hb_b);
    CHECK(!same_summary(b, &sa)); /* the summary sees the new rows */
    cstore_summary sb2;
    CHECK_INT(SQ_OK, cstore_summarise(b, &sb2, &e));

    /* ---- PostgreSQL: a wrong password, refused and never shown ---- */
    if (pg) {
        char pw_path[400], url_pw[600];
        snprintf(pw_path, sizeof pw_path, "%s/url_pw", getenv("SYNAQ_TEST_PG"));
        size_t len = 0;
        uint8_t *raw = fx_read(pw_path, &len);
        CHECK(raw != NULL);
        if (raw) {
            snprintf(url_pw, sizeof url_pw, "%.*s", (int)strcspn((char *)raw, "\n"), (char *)raw);
            free(raw);
            char *p = strstr(url_pw, "password=right-password");
            CHECK(p != NULL);
            if (p) {
                char wrong[700];
                snprintf(wrong, sizeof wrong, "%.*spassword=wrong-secret%s", (int)(p - url_pw),
                         url_pw, p + strlen("password=right-password"));
                cstore *w = NULL;
                CHECK_ERR(SQ_EAUTH, "password=***", cstore_open(wrong, 0, &w, &e), &e);
                CHECK(strstr(e.msg, "wrong-secret") == NULL);
                cstore_close(w);
            }
        }
        CHECK(same_summary(b, &sb2)); /* nothing changed */
    }

    cstore_close(c);
    cstore_close(b);
    cstore_close(a);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report(pg ? "cstore_copy_pg" : "cstore_copy");
}
