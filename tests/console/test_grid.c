/*
 * test_grid.c - item analysis's grid read out of reports.db both ways:
 * from item_grid (schema 3: one row per attempt, in key order) and, for
 * a file of schema 2, from the answers of each attempt. A reports.db is
 * filled through the import's own writer (reports_db_put) with attempts
 * of two exam versions in three districts, items drawn from a bank,
 * partial credit, multiple choices, an item worth nothing and an attempt
 * without items. Checked: the two ways give the same grid (the same
 * cells per attempt, whatever the order of the attempts) and the same
 * figures (itemstats); the writer's upgrade of a schema-2 file makes
 * item_grid from the answers held, byte for byte as the writer makes it
 * for a new attempt; a blob that does not parse is a clear error.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "check.h"
#include "itemstats.h"
#include "reports.h"
#include "reports_db.h"

static uint64_t rng = 0x9e1d;
static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#define ATTEMPTS 120
#define MAX_ITEMS 6

static int fill(const char *path)
{
    sq_err e;
    reports_db *db = NULL;
    if (reports_db_open(path, "test-central", &db, &e) || reports_db_begin(db, &e)) {
        fprintf(stderr, "fill: %s\n", e.msg);
        reports_db_close(db);
        return 1;
    }
    static const char *const districts[] = {"Астана", "Алматы", "<b>Шымкент</b>"};
    for (int i = 0; i < ATTEMPTS; i++) {
        sq_result_item items[MAX_ITEMS];
        char ids[MAX_ITEMS][16], station[16], trainee[16];
        sq_result r;
        memset(&r, 0, sizeof r);
        /* Attempt 7 has no item at all. */
        r.n_items = i == 7 ? 0 : 3 + (int)(next_rand() % (MAX_ITEMS - 2));
        r.items = items;
        snprintf(station, sizeof station, "st-%d", i % 5);
        snprintf(trainee, sizeof trainee, "t-%03d", i);
        r.station_id = station;
        r.seq = i + 1;
        snprintf(r.attempt_id, sizeof r.attempt_id, "%032d", i);
        r.trainee_id = trainee;
        r.trainee_name = trainee;
        r.exam_id = "grid";
        r.exam_version = 1 + i % 2;
        /* Finished in an order that is not the order written. */
        r.started_wall_s = 1767225600 + (int64_t)(next_rand() % 100000);
        r.finished_wall_s = r.started_wall_s + 600;
        r.max_milli = 0;
        for (int k = 0; k < r.n_items; k++) {
            /* Place k draws one of 4 items: a bank of 4 * MAX_ITEMS. */
            snprintf(ids[k], sizeof ids[k], "q%d", k * 4 + (int)(next_rand() % 4));
            int n_opt = k == 2 ? 0 : 4;
            int64_t max = k == 1 ? 2000 : k == 3 ? 0 : 1000; /* item 3: worth nothing */
            int64_t pts = (int64_t)(next_rand() % 3) * max / 2;
            items[k] = (sq_result_item){.item_id = ids[k],
                                        .n_options = n_opt,
                                        .selected = n_opt ? next_rand() % 16 : 0,
                                        .answered = next_rand() % 8 != 0,
                                        .answered_ms = 1000 * (k + 1),
                                        .points_milli = pts,
                                        .max_milli = max};
            r.points_milli += pts;
            r.max_milli += max;
        }
        r.percent = r.max_milli ? (int)(r.points_milli * 100 / r.max_milli) : 0;
        r.passed = r.percent >= 50;
        if (reports_db_put(db, &r, districts[i % 3], r.finished_wall_s + 60, NULL, &e)) {
            fprintf(stderr, "fill: %s\n", e.msg);
            reports_db_close(db);
            return 1;
        }
    }
    int rc = reports_db_commit(db, &e) != SQ_OK;
    reports_db_close(db);
    return rc;
}

/* A grid as text: per attempt its cells "item:score:chosen", the
 * attempts sorted, then each item's points and options; so two grids of
 * the same attempts compare equal whatever their rows' order. */
static char *canon(const reports_grid *g)
{
    size_t cap = 1 << 20, len = 0;
    char *out = calloc(1, cap);
    char **rows = calloc(g->n_attempts, sizeof *rows);
    if (!out || !rows)
        return out;
    for (size_t a = 0; a < g->n_attempts; a++) {
        char *row = calloc(1, 4096);
        size_t rl = 0;
        for (size_t c = 0; row && c < g->n_cells; c++) {
            size_t x = a * g->n_cells + c;
            if (g->seen[x])
                rl += (size_t)snprintf(row + rl, 4096 - rl, "%zu=%s:%.6f:%u ", c,
                                       g->item_ids[g->item[x]], g->score[x], g->chosen[x]);
        }
        rows[a] = row;
    }
    for (size_t i = 1; i < g->n_attempts; i++)
        for (size_t j = i; j > 0 && strcmp(rows[j - 1], rows[j]) > 0; j--) {
            char *t = rows[j];
            rows[j] = rows[j - 1];
            rows[j - 1] = t;
        }
    for (size_t a = 0; a < g->n_attempts; a++) {
        len += (size_t)snprintf(out + len, cap - len, "%s\n", rows[a] ? rows[a] : "");
        free(rows[a]);
    }
    free(rows);
    /* Items in the order of their ids. */
    for (int k = 0; k < 4 * MAX_ITEMS; k++) {
        char id[16];
        snprintf(id, sizeof id, "q%d", k);
        for (size_t i = 0; i < g->n_items; i++)
            if (!strcmp(g->item_ids[i], id))
                len += (size_t)snprintf(out + len, cap - len, "%s %.3f %u\n", id, g->max_mark[i],
                                        g->n_options[i]);
    }
    return out;
}

static itemstats *figures(const reports_grid *g)
{
    itemstats_input in = {.n_attempts = g->n_attempts,
                          .n_items = g->n_items,
                          .max_mark = g->max_mark,
                          .item = g->item,
                          .n_cells = g->n_cells,
                          .score = g->score,
                          .seen = g->seen,
                          .chosen = g->chosen,
                          .n_options = g->n_options};
    itemstats *st = NULL;
    sq_err e;
    if (itemstats_compute(&in, &st, &e))
        fprintf(stderr, "itemstats: %s\n", e.msg);
    return st;
}

static bool close_to(double a, double b)
{
    return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * (1 + fabs(a));
}

/* The same figures: the test's, and each item's by its id. */
static void same_figures(const reports_grid *ga, const itemstats *a, const reports_grid *gb,
                         const itemstats *b)
{
    CHECK(a && b);
    if (!a || !b)
        return;
    CHECK_INT(a->test.n, b->test.n);
    CHECK(close_to(a->test.mean, b->test.mean));
    CHECK(close_to(a->test.sd, b->test.sd));
    CHECK(close_to(a->test.median, b->test.median));
    CHECK(close_to(a->test.skewness, b->test.skewness));
    CHECK_INT(a->test.top_n, b->test.top_n);
    CHECK_INT(a->test.bottom_n, b->test.bottom_n);
    CHECK_INT(ga->n_items, gb->n_items);
    for (size_t i = 0; i < ga->n_items; i++)
        for (size_t j = 0; j < gb->n_items; j++) {
            if (strcmp(ga->item_ids[i], gb->item_ids[j]))
                continue;
            CHECK_INT(a->items[i].s, b->items[j].s);
            CHECK(close_to(a->items[i].facility, b->items[j].facility));
            CHECK(close_to(a->items[i].discrimination_index, b->items[j].discrimination_index));
            CHECK(close_to(a->items[i].discriminative_efficiency,
                           b->items[j].discriminative_efficiency));
        }
}

static reports_grid *grid(const char *path, const char *district)
{
    reports *r = NULL;
    reports_grid *g = NULL;
    sq_err e;
    CHECK_OK(reports_open(path, &r, &e), &e);
    if (r)
        CHECK_OK(reports_grid_get(r, "grid", 1, district, 1 << 20, &g, &e), &e);
    reports_close(r);
    return g;
}

static char *dump_grid_table(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    size_t cap = 1 << 20, len = 0;
    char *out = calloc(1, cap);
    if (out && sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db,
                           "SELECT exam_id, exam_version, district, attempt, n_cells, hex(cells)"
                           " FROM item_grid ORDER BY attempt",
                           -1, &q, NULL) == SQLITE_OK)
        while (sqlite3_step(q) == SQLITE_ROW && len < cap - 1)
            len += (size_t)snprintf(out + len, cap - len, "%s|%lld|%s|%lld|%d|%s\n",
                                    sqlite3_column_text(q, 0),
                                    (long long)sqlite3_column_int64(q, 1),
                                    sqlite3_column_text(q, 2),
                                    (long long)sqlite3_column_int64(q, 3),
                                    sqlite3_column_int(q, 4), sqlite3_column_text(q, 5));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return out;
}

static int sql(const char *path, const char *s)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db) == SQLITE_OK &&
             sqlite3_exec(db, s, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    return rc ? 0 : 1;
}

int main(void)
{
    char dir[] = "/tmp/synaq-grid-XXXXXX", path[64];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/reports.db", dir);
    CHECK_INT(0, fill(path));

    /* Schema 3: one row per attempt with items. */
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db,
                             "SELECT (SELECT count(*) FROM item_grid), (SELECT count(*) FROM"
                             " attempts WHERE n_items > 0), (SELECT user_version FROM"
                             " pragma_user_version)",
                             -1, &q, NULL) == SQLITE_OK &&
          sqlite3_step(q) == SQLITE_ROW);
    CHECK_INT(ATTEMPTS - 1, sqlite3_column_int(q, 0));
    CHECK_INT(ATTEMPTS - 1, sqlite3_column_int(q, 1));
    CHECK_INT(REPORTS_DB_SCHEMA, sqlite3_column_int(q, 2));
    sqlite3_finalize(q);
    sqlite3_close(db);
    char *written = dump_grid_table(path);

    reports_grid *g3 = grid(path, NULL), *g3d = grid(path, "Алматы");
    /* The same file read the old way: item_grid gone, schema 2. */
    CHECK_INT(0, sql(path, "DROP TABLE item_grid; PRAGMA user_version = 2;"));
    reports_grid *g2 = grid(path, NULL), *g2d = grid(path, "Алматы");
    CHECK(g3 && g2 && g3d && g2d);
    if (g3 && g2 && g3d && g2d) {
        CHECK(g3->n_attempts > 20);
        CHECK(g3d->n_attempts < g3->n_attempts);
        CHECK_INT(g2->n_attempts, g3->n_attempts);
        CHECK_INT(g2->n_cells, g3->n_cells);
        char *a = canon(g3), *b = canon(g2);
        CHECK(a && b && !strcmp(a, b));
        free(a);
        free(b);
        a = canon(g3d);
        b = canon(g2d);
        CHECK(a && b && !strcmp(a, b));
        free(a);
        free(b);
        itemstats *s3 = figures(g3), *s2 = figures(g2);
        same_figures(g3, s3, g2, s2);
        itemstats_free(s3);
        itemstats_free(s2);
    }

    /* The writer upgrades the schema-2 file: item_grid made from the
     * answers, byte for byte as written for new attempts. */
    sq_err e;
    reports_db *w = NULL;
    CHECK_OK(reports_db_open(path, "test-central", &w, &e), &e);
    reports_db_close(w);
    char *upgraded = dump_grid_table(path);
    CHECK(written && upgraded && written[0] && !strcmp(written, upgraded));
    reports_grid *g3u = grid(path, NULL);
    if (g3u && g3) {
        char *a = canon(g3), *b = canon(g3u);
        CHECK(a && b && !strcmp(a, b));
        free(a);
        free(b);
    }

    /* A blob that does not parse: a clear error, no grid. */
    CHECK_INT(0, sql(path, "UPDATE item_grid SET cells = x'05ff' WHERE attempt = "
                           "(SELECT min(attempt) FROM item_grid WHERE exam_version = 1)"));
    reports *r = NULL;
    reports_grid *gbad = NULL;
    CHECK_OK(reports_open(path, &r, &e), &e);
    if (r)
        CHECK_ERR(SQ_ECORRUPT, "item grid does not parse",
                  reports_grid_get(r, "grid", 1, NULL, 1 << 20, &gbad, &e), &e);
    CHECK(gbad == NULL);
    reports_close(r);

    /* reports_cell_next on its own: a length past the end, a varint
     * that never ends. */
    reports_cell c;
    bool bad = false;
    const uint8_t past[] = {0, 9, 'q'}, *p = past;
    CHECK(!reports_cell_next(&p, past + sizeof past, &c, &bad) && bad);
    bad = false;
    const uint8_t endless[] = {0x80, 0x80, 0x80}, *p2 = endless;
    CHECK(!reports_cell_next(&p2, endless + sizeof endless, &c, &bad) && bad);
    reports_grid_free(g3);
    reports_grid_free(g3d);
    reports_grid_free(g2);
    reports_grid_free(g2d);
    reports_grid_free(g3u);
    free(written);
    free(upgraded);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("grid");
}
