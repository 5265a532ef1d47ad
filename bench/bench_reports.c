/*
 * bench_reports.c - what a Results page of the staff console costs at
 * 10^4 and 10^6 opened results: the page's rows (console/reports.c,
 * keyset pages on reports.db's indexes) and its count, for the filters
 * and orders the page offers, including a page deep in the list.
 *
 * reports.db is filled through the writer the import uses
 * (central/reports_db.c), with generated results (a fixed seed): 2,000
 * stations in 20 districts, 10 exams of 3 versions, 5 items each, names
 * from a list of Kazakh and Russian names, finished over a year. The file
 * is kept (--db) so that a second run measures without filling again.
 *
 * Each case runs --runs times (default 41); printed: the median and the
 * slowest (at 41 runs, the p98), in milliseconds, of the rows and of the
 * count, and the process's peak memory. Then item analysis of one exam
 * version, whole and in one district: reading its grid out of reports.db
 * (reports_grid_get) and computing its figures (itemstats_compute), wall
 * clock and the process's CPU, as the console's item page does. Figures
 * are printed, never judged.
 *
 *   bench_reports [--rows N] [--db FILE] [--runs R] [--items-only]
 *                 [--exams N] [--versions V]   (default 10 exams of 3 versions;
 *                 --exams 1 --versions 1 puts every attempt in one exam version)
 *
 * Load: filling 10^6 rows takes about a minute on 2 cores (about 1 GB on
 * disk with their items); the cases take seconds.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "itemstats.h"
#include "reports.h"
#include "reports_db.h"

#define MAX_RUNS 201
#define ITEMS 5

static uint64_t rng = 0x5eed;
static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static const char *const first_names[] = {"Айгерім", "Ерлан", "Әсел",   "Нұрлан", "Гүлнар",
                                          "Дәурен",  "Жанар", "Қайрат", "Ольга",  "Сергей",
                                          "Мария",   "Арман", "Динара", "Тимур",  "Бақыт"};
static const char *const last_names[] = {"Қасымов",   "Сейітова", "Ахметов", "Иванова",
                                         "Нұрланова", "Жұмабаев", "Петров",  "Әбілова",
                                         "Оспанов",   "Смирнова", "Бекова",  "Төлеуов"};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int n_exams = 10, n_versions = 3;

static int fill(const char *path, long rows)
{
    sq_err e;
    reports_db *db = NULL;
    if (reports_db_open(path, "bench", &db, &e)) {
        fprintf(stderr, "bench_reports: %s\n", e.msg);
        return 1;
    }
    int64_t have = 0, refused = 0;
    if (reports_db_counts(db, &have, &refused, &e)) {
        fprintf(stderr, "bench_reports: %s\n", e.msg);
        reports_db_close(db);
        return 1;
    }
    if (have >= rows) {
        printf("%s holds %lld results already: not filled again\n", path, (long long)have);
        reports_db_close(db);
        return 0;
    }
    printf("filling %s with %ld results (%d items each)...\n", path, rows - (long)have, ITEMS);
    fflush(stdout);
    double t0 = now_ms();
    sq_result_item items[ITEMS];
    char item_ids[ITEMS][16];
    sq_result r;
    memset(&r, 0, sizeof r);
    r.items = items;
    r.n_items = ITEMS;
    char station[32], trainee[32], name[128], exam[16];
    int64_t seq_of[2000] = {0};
    const int64_t year_start = 1767225600; /* 2026-01-01 */
    int rc = 0;
    for (long i = have; i < rows && !rc; i++) {
        if ((i - have) % 10000 == 0 && reports_db_begin(db, &e)) {
            rc = 1;
            break;
        }
        int st = (int)(next_rand() % 2000);
        snprintf(station, sizeof station, "st-%04d", st);
        snprintf(trainee, sizeof trainee, "%012llu",
                 (unsigned long long)(next_rand() % 200000) + 800000000000ull);
        snprintf(name, sizeof name, "%s %s", last_names[next_rand() % 12],
                 first_names[next_rand() % 15]);
        snprintf(exam, sizeof exam, "exam-%02d", (int)(next_rand() % (uint64_t)n_exams));
        r.station_id = station;
        r.seq = ++seq_of[st];
        snprintf(r.attempt_id, sizeof r.attempt_id, "%016llx%016llx",
                 (unsigned long long)next_rand(), (unsigned long long)next_rand());
        r.trainee_id = trainee;
        r.trainee_name = name;
        r.exam_id = exam;
        r.exam_version = 1 + (int64_t)(next_rand() % (uint64_t)n_versions);
        r.started_wall_s = year_start + (int64_t)(next_rand() % (365 * 86400));
        r.elapsed_ms = 60000 + (int64_t)(next_rand() % 1800000);
        r.finished_wall_s = r.started_wall_s + r.elapsed_ms / 1000;
        r.time_limit_s = 2400;
        r.points_milli = 0;
        r.max_milli = ITEMS * 1000;
        for (int k = 0; k < ITEMS; k++) {
            /* One item of 40 per place: a bank of 200, no item twice. */
            snprintf(item_ids[k], sizeof item_ids[k], "q%d", k * 40 + (int)(next_rand() % 40));
            items[k] = (sq_result_item){.item_id = item_ids[k],
                                        .n_options = 4,
                                        .selected = 1u << (next_rand() % 4),
                                        .answered = true,
                                        .answered_ms = r.elapsed_ms * (k + 1) / ITEMS,
                                        .max_milli = 1000};
            items[k].points_milli = next_rand() % 10 < 7 ? 1000 : 0;
            r.points_milli += items[k].points_milli;
        }
        r.percent = (int)(r.points_milli * 100 / r.max_milli);
        r.passed = r.percent >= 60;
        char district[32];
        snprintf(district, sizeof district, "Аудан %02d", st % 20);
        if (reports_db_put(db, &r, district, r.finished_wall_s + 3600, NULL, &e)) {
            rc = 1;
            break;
        }
        if ((i - have) % 10000 == 9999 || i == rows - 1) {
            if (reports_db_commit(db, &e))
                rc = 1;
        }
    }
    if (rc)
        fprintf(stderr, "bench_reports: %s\n", e.msg);
    else
        printf("filled in %.1f s\n", (now_ms() - t0) / 1e3);
    reports_db_close(db);
    return rc;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    const char *what;
    reports_filter f;
    reports_sort sort;
    bool desc;
    int deep; /* the page after this many pages of 50 */
} bench_case;

static int run_case(reports *rp, const bench_case *c, int runs)
{
    static reports_attempt rows[50];
    double page_ms[MAX_RUNS], count_ms[MAX_RUNS];
    sq_err e;
    int n = 0;
    bool more_a, more_b;
    int64_t after = 0, total = 0;
    /* The cursor of a deep page: walked once, not timed. */
    for (int p = 0; p < c->deep; p++) {
        if (reports_page(rp, &c->f, c->sort, c->desc, after, 0, 50, rows, &n, &more_a, &more_b,
                         &e) ||
            n == 0)
            break;
        after = rows[n - 1].id;
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        if (reports_page(rp, &c->f, c->sort, c->desc, after, 0, 50, rows, &n, &more_a, &more_b,
                         &e)) {
            fprintf(stderr, "bench_reports: %s\n", e.msg);
            return 1;
        }
        double t1 = now_ms();
        if (reports_count(rp, &c->f, &total, &e)) {
            fprintf(stderr, "bench_reports: %s\n", e.msg);
            return 1;
        }
        page_ms[i] = t1 - t0;
        count_ms[i] = now_ms() - t1;
    }
    qsort(page_ms, (size_t)runs, sizeof page_ms[0], cmp_double);
    qsort(count_ms, (size_t)runs, sizeof count_ms[0], cmp_double);
    printf("%-44s %9lld %4d %8.2f %8.2f %8.2f %8.2f\n", c->what, (long long)total, n,
           page_ms[runs / 2], page_ms[runs - 1], count_ms[runs / 2], count_ms[runs - 1]);
    return 0;
}

/* Item analysis of one exam version (in district, when not NULL): the
 * grid read and the figures computed, runs times. */
static int run_items(reports *rp, const char *what, const char *exam, int64_t version,
                     const char *district, int runs)
{
    double read_ms[MAX_RUNS], read_cpu[MAX_RUNS], comp_ms[MAX_RUNS];
    size_t attempts = 0, cells = 0;
    for (int i = 0; i < runs; i++) {
        sq_err e;
        reports_grid *g = NULL;
        itemstats *st = NULL;
        double t0 = now_ms(), c0 = cpu_ms();
        if (reports_grid_get(rp, exam, version, district, (size_t)1 << 28, &g, &e)) {
            fprintf(stderr, "bench_reports: %s\n", e.msg);
            return 1;
        }
        double t1 = now_ms();
        read_cpu[i] = cpu_ms() - c0;
        itemstats_input in = {.n_attempts = g->n_attempts,
                              .n_items = g->n_items,
                              .max_mark = g->max_mark,
                              .item = g->item,
                              .n_cells = g->n_cells,
                              .score = g->score,
                              .seen = g->seen,
                              .chosen = g->chosen,
                              .n_options = g->n_options};
        if (itemstats_compute(&in, &st, &e)) {
            fprintf(stderr, "bench_reports: %s\n", e.msg);
            reports_grid_free(g);
            return 1;
        }
        read_ms[i] = t1 - t0;
        comp_ms[i] = now_ms() - t1;
        attempts = g->n_attempts;
        cells = g->n_attempts * g->n_cells;
        itemstats_free(st);
        reports_grid_free(g);
    }
    qsort(read_ms, (size_t)runs, sizeof read_ms[0], cmp_double);
    qsort(read_cpu, (size_t)runs, sizeof read_cpu[0], cmp_double);
    qsort(comp_ms, (size_t)runs, sizeof comp_ms[0], cmp_double);
    printf("%-36s %9zu %9zu %8.1f %8.1f %8.1f %8.1f\n", what, attempts, cells, read_ms[runs / 2],
           read_ms[runs - 1], read_cpu[runs / 2], comp_ms[runs / 2]);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"rows", 1, 0, 'n'}, {"db", 1, 0, 'd'}, {"runs", 1, 0, 'r'},
        {"items-only", 0, 0, 'i'}, {"exams", 1, 0, 'x'}, {"versions", 1, 0, 'v'},
        {0, 0, 0, 0}};
    long rows = 1000000;
    int runs = 41, c;
    bool items_only = false;
    char path[4096] = "";
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'n')
            rows = atol(optarg);
        else if (c == 'd')
            snprintf(path, sizeof path, "%s", optarg);
        else if (c == 'r')
            runs = atoi(optarg);
        else if (c == 'i')
            items_only = true;
        else if (c == 'x')
            n_exams = atoi(optarg);
        else if (c == 'v')
            n_versions = atoi(optarg);
        else
            return 2;
    }
    if (rows < 100 || runs < 1 || runs > MAX_RUNS || n_exams < 1 || n_exams > 99 ||
        n_versions < 1 || n_versions > 9) {
        fputs("usage: bench_reports [--rows N (>= 100)] [--db FILE] [--runs R (1..201)] "
              "[--items-only] [--exams N (1..99)] [--versions V (1..9)]\n",
              stderr);
        return 2;
    }
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/synaq-bench-reports-%ld.db", rows);
    setenv("TZ", "UTC", 1);
    if (fill(path, rows))
        return 1;
    reports *rp = NULL;
    sq_err e;
    if (reports_open(path, &rp, &e)) {
        fprintf(stderr, "bench_reports: %s\n", e.msg);
        return 1;
    }
    /* One sample row's trainee, for the trainee filter. */
    static reports_attempt one[1];
    int n = 0;
    bool ma, mb;
    reports_filter none = {.passed = -1};
    if (reports_page(rp, &none, REPORTS_SORT_DATE, true, 0, 0, 1, one, &n, &ma, &mb, &e) || !n) {
        fprintf(stderr, "bench_reports: no rows\n");
        reports_close(rp);
        return 1;
    }
    const bench_case cases[] = {
        {"all, newest first, page 1", {.passed = -1}, REPORTS_SORT_DATE, true, 0},
        {"all, newest first, page 101", {.passed = -1}, REPORTS_SORT_DATE, true, 100},
        {"all, by name, page 1", {.passed = -1}, REPORTS_SORT_NAME, false, 0},
        {"all, by score, page 21", {.passed = -1}, REPORTS_SORT_PERCENT, true, 20},
        {"all, by station, page 1", {.passed = -1}, REPORTS_SORT_STATION, false, 0},
        {"district, newest first",
         {.district = "Аудан 07", .passed = -1},
         REPORTS_SORT_DATE,
         true,
         0},
        {"district + failed", {.district = "Аудан 07", .passed = 0}, REPORTS_SORT_DATE, true, 0},
        {"district, by name", {.district = "Аудан 07", .passed = -1}, REPORTS_SORT_NAME, false, 0},
        {"station", {.station = "st-0042", .passed = -1}, REPORTS_SORT_DATE, true, 0},
        {"exam + version",
         {.exam = "exam-03", .version = 2, .passed = -1},
         REPORTS_SORT_DATE,
         true,
         0},
        {"March (date range)",
         {.from = 1772323200, .to = 1775001600, .passed = -1},
         REPORTS_SORT_DATE,
         true,
         0},
        {"received since (last 7 days)",
         {.received_since = 1798761600 - 7 * 86400, .passed = -1},
         REPORTS_SORT_DATE,
         true,
         0},
        {"trainee id", {.trainee = one[0].trainee_id, .passed = -1}, REPORTS_SORT_DATE, true, 0},
        {"name starts with", {.name = "Қасымов Ә", .passed = -1}, REPORTS_SORT_DATE, true, 0},
        {"name starts with, by name",
         {.name = "Қасымов Ә", .passed = -1},
         REPORTS_SORT_NAME,
         false,
         0},
    };
    printf("\n%ld results in %s, %d runs each (ms)\n", rows, path, runs);
    printf("%-44s %9s %4s %8s %8s %8s %8s\n", "case", "matches", "rows", "page med", "page max",
           "count med", "count max");
    int rc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !rc && !items_only; i++)
        rc = run_case(rp, &cases[i], runs);
    int item_runs = runs < 11 ? runs : 11;
    printf("\nitem analysis, %d runs each (ms)\n", item_runs);
    printf("%-36s %9s %9s %8s %8s %8s %8s\n", "case", "attempts", "cells", "read med", "read max",
           "read cpu", "compute");
    /* exam-03 version 2 (or the first of each with fewer exams or versions). */
    char exam_id[16], whole[64], in_one[64];
    int version = n_versions >= 2 ? 2 : 1;
    snprintf(exam_id, sizeof exam_id, "exam-%02d", n_exams > 3 ? 3 : 0);
    snprintf(whole, sizeof whole, "%s version %d, whole", exam_id, version);
    snprintf(in_one, sizeof in_one, "%s version %d, one district", exam_id, version);
    if (!rc)
        rc = run_items(rp, whole, exam_id, version, NULL, item_runs);
    if (!rc)
        rc = run_items(rp, in_one, exam_id, version, "Аудан 07", item_runs);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory (max RSS): %ld MiB\n", ru.ru_maxrss / 1024);
    reports_close(rp);
    return rc;
}
