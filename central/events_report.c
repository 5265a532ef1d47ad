/*
 * events_report.c - synaq-central events-report (events_report.h): per
 * training event of the exam sources given, how many trainees were
 * invited (its roster), came (any exam result or practice record of the
 * event's exam within its days), practised (practice records) and passed
 * (a passed result within its days).
 *
 * The events are read from the exam sources (the files bundles are built
 * from: central keeps them, bundles are sealed to stations). The results
 * are reports.db's (open-results --into): table attempts, and table
 * practice when there is one (station_id, district, trainee_id,
 * trainee_name, exam_id, exam_version, topic, item_id, try_no, is_right,
 * created_wall); without it practised is 0 and the report says so.
 * Days are compared in central's local time zone (TZ): the stations'
 * zone, as the events' days are the stations' local dates. Results of
 * every version of the exam count. reports.db is opened read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sqlite3.h>

#include "events_report.h"
#include "source_int.h"

typedef struct {
    const char *exam_id, *id, *name, *from, *to;
    char *roster; /* a JSON array of the trainee ids */
    size_t invited;
    long long came, practised, passed;
} row;

static int count(sqlite3 *db, const char *sql, const row *r, long long *out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, r->exam_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, r->from, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, r->to, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, r->roster, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(q, 0);
            rc = SQLITE_OK;
        }
    }
    if (rc != SQLITE_OK)
        fprintf(stderr, "synaq-central: events-report: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return rc == SQLITE_OK ? 0 : 1;
}

#define IN_DAYS(col) " AND date(" col ", 'unixepoch', 'localtime') BETWEEN ?2 AND ?3"
#define ON_ROSTER " AND trainee_id IN (SELECT value FROM json_each(?4))"

static const char sql_passed[] = "SELECT count(DISTINCT trainee_id) FROM attempts WHERE"
                                 " exam_id = ?1 AND passed = 1" IN_DAYS("finished_wall") ON_ROSTER;
static const char sql_practised[] = "SELECT count(DISTINCT trainee_id) FROM practice WHERE"
                                    " exam_id = ?1" IN_DAYS("created_wall") ON_ROSTER;
static const char sql_came[] =
    "SELECT count(*) FROM (SELECT DISTINCT trainee_id FROM attempts WHERE exam_id = ?1" IN_DAYS(
        "finished_wall") ON_ROSTER "%s)";
static const char sql_came_practice[] =
    " UNION SELECT trainee_id FROM practice WHERE exam_id = ?1" IN_DAYS("created_wall") ON_ROSTER;

/* CSV: a field quoted when it needs it; a leading = + - @ defused, as the
 * console's exports do (a spreadsheet would run it). */
static void csv_field(FILE *f, const char *s, bool last)
{
    bool formula = s[0] && strchr("=+-@", s[0]) != NULL;
    bool quote = strpbrk(s, ",\"\r\n") != NULL || formula;
    if (quote) {
        fputc('"', f);
        if (formula)
            fputc('\'', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

const char events_report_usage[] =
    "  events-report --reports REPORTS.DB [--csv] [-o FILE] SOURCE.yaml...\n"
    "                     per training event of the exam sources: invited (its roster),\n"
    "                     came (a result or practice within its days), practised, passed;\n"
    "                     from REPORTS.DB (open-results --into); days in the local zone (TZ)\n";

int events_report_main(int argc, char **argv)
{
    const char *reports = NULL, *out_path = NULL;
    bool csv = false;
    json_t **docs = calloc((size_t)argc + 1, sizeof *docs);
    size_t n_docs = 0, n_rows = 0, cap = 0;
    row *rows = NULL;
    sqlite3 *db = NULL;
    FILE *out = stdout;
    int rc = 1;

    if (!docs)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reports") && i + 1 < argc) {
            reports = argv[++i];
        } else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) && i + 1 < argc) {
            out_path = argv[++i];
        } else if (!strcmp(argv[i], "--csv")) {
            csv = true;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage:\n%s", events_report_usage);
            rc = 2;
            goto out;
        } else {
            sq_err e = {0};
            if (sqi_source_load(argv[i], &docs[n_docs], &e)) {
                fprintf(stderr, "synaq-central: %s\n", e.msg);
                goto out;
            }
            n_docs++;
        }
    }
    if (!reports || n_docs == 0) {
        fprintf(stderr, "usage:\n%s", events_report_usage);
        rc = 2;
        goto out;
    }
    if (sqlite3_open_v2(reports, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "synaq-central: cannot open %s: %s\n", reports,
                db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(db, 10000);
    /* The practice records, when this reports.db has them. */
    sqlite3_stmt *q = NULL;
    bool practice = false, has_attempts = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM sqlite_master WHERE type = 'table'"
                           " AND name IN ('practice', 'attempts')",
                           -1, &q, NULL) == SQLITE_OK)
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(q, 0);
            practice |= !strcmp(t, "practice");
            has_attempts |= !strcmp(t, "attempts");
        }
    sqlite3_finalize(q);
    if (!has_attempts) {
        fprintf(stderr, "synaq-central: %s is not a reports.db (open-results --into makes one)\n",
                reports);
        goto out;
    }
    char came_sql[1024];
    snprintf(came_sql, sizeof came_sql, sql_came, practice ? sql_came_practice : "");

    for (size_t d = 0; d < n_docs; d++) {
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(docs[d], "events"), i, ev)
        {
            if (n_rows == cap) {
                size_t nc = cap ? cap * 2 : 16;
                row *nr = realloc(rows, nc * sizeof *nr);
                if (!nr)
                    goto out;
                rows = nr;
                cap = nc;
            }
            row *r = &rows[n_rows];
            memset(r, 0, sizeof *r);
            const json_t *name = json_object_get(ev, "name");
            r->exam_id = json_string_value(json_object_get(docs[d], "id"));
            r->id = json_string_value(json_object_get(ev, "id"));
            r->name = json_string_value(json_object_get(name, "en"));
            if (!r->name)
                r->name = json_string_value(json_object_get(name, "ru"));
            if (!r->name)
                r->name = json_string_value(json_object_get(name, "kk"));
            r->from = json_string_value(json_object_get(ev, "from"));
            r->to = json_string_value(json_object_get(ev, "to"));
            r->roster = json_dumps(json_object_get(ev, "roster"), JSON_COMPACT);
            r->invited = json_array_size(json_object_get(ev, "roster"));
            n_rows++;
            if (!r->roster || count(db, sql_passed, r, &r->passed) ||
                count(db, came_sql, r, &r->came) ||
                (practice && count(db, sql_practised, r, &r->practised)))
                goto out;
        }
    }
    if (out_path && !(out = fopen(out_path, "w"))) {
        perror(out_path);
        out = stdout;
        goto out;
    }
    if (csv) {
        fputs("exam,event,name,from,to,invited,came,practised,passed\n", out);
        for (size_t i = 0; i < n_rows; i++) {
            const row *r = &rows[i];
            csv_field(out, r->exam_id, false);
            csv_field(out, r->id, false);
            csv_field(out, r->name ? r->name : "", false);
            fprintf(out, "%s,%s,%zu,%lld,%lld,%lld\n", r->from, r->to, r->invited, r->came,
                    r->practised, r->passed);
        }
    } else {
        fprintf(out, "%-20s %-20s %-10s %-10s %7s %5s %9s %6s\n", "exam", "event", "from", "to",
                "invited", "came", "practised", "passed");
        for (size_t i = 0; i < n_rows; i++) {
            const row *r = &rows[i];
            fprintf(out, "%-20s %-20s %-10s %-10s %7zu %5lld %9lld %6lld\n", r->exam_id, r->id,
                    r->from, r->to, r->invited, r->came, r->practised, r->passed);
        }
        if (n_rows == 0)
            fputs("(the sources hold no training events)\n", out);
    }
    if (!practice)
        fprintf(csv ? stderr : out,
                "practice data is absent from %s (no table 'practice'): practised is 0 and came "
                "counts results only\n",
                reports);
    rc = 0;
out:
    if (out != stdout && fclose(out) != 0)
        rc = 1;
    for (size_t i = 0; i < n_rows; i++)
        free(rows[i].roster);
    free(rows);
    for (size_t d = 0; d < n_docs; d++)
        json_decref(docs[d]);
    free(docs);
    sqlite3_close(db);
    return rc;
}
