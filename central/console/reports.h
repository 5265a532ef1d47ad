/*
 * reports.h - the console's reading side of reports.db, the opened
 * results (central/reports_db.h is the writing side, `open-results
 * --into`, its one writer). The file is opened with SQLite read-only
 * (mode=ro): the console never writes or checkpoints it.
 *
 * Results come a page at a time, in an order served by an index, with
 * keyset pagination: a page starts after (or ends before) the row whose
 * id the previous page ended on, so page 1,000 costs what page 1 does,
 * at 10^6 results as at 10 (bench/bench_reports measures it).
 *
 * A missing file is not an error: nothing has been opened yet (the
 * calls return nothing and reports_ready says false); a file that
 * appears later is read from then on. A handle may be shared by threads
 * (a mutex; each call reads in one read transaction).
 */
#ifndef SYNAQ_CENTRAL_REPORTS_H
#define SYNAQ_CENTRAL_REPORTS_H

#include <stdbool.h>
#include <stdint.h>
#include "synaq/synaq.h"
#include "reports_db.h" /* reports_cell: item_grid's format */

typedef struct reports reports;

/* Opens path (reports.db) read-only, or waits for it to appear.
 * SQ_ECORRUPT for a file that is not a reports.db; SQ_ESTATE for one of
 * a newer schema. Caller owns *out (reports_close). */
sq_status reports_open(const char *path, reports **out, sq_err *err) SQ_MUST_CHECK;
void reports_close(reports *r); /* NULL is a no-op */
/* Whether the file is there (open-results --into ran at least once). */
bool reports_ready(reports *r);

/* Which attempts a list shows; every field is optional (NULL, 0 or -1:
 * any). Strings are borrowed for the call. */
typedef struct {
    const char *district;   /* exact */
    const char *station;    /* exact station id */
    const char *exam;       /* exact exam id */
    int64_t version;        /* with exam; 0: any */
    int64_t from, to;       /* finished (station's clock) in [from, to); 0: open */
    int64_t received_since; /* received by central at or after; 0: any */
    int passed;             /* 1, 0; -1: any */
    const char *trainee;    /* exact trainee id */
    const char *name;       /* the start of the trainee's name (as written) */
} reports_filter;

typedef enum {
    REPORTS_SORT_DATE = 0, /* finished */
    REPORTS_SORT_NAME,
    REPORTS_SORT_PERCENT,
    REPORTS_SORT_STATION,
    REPORTS_SORT_N
} reports_sort;

typedef struct {
    int64_t id;
    char station_id[65];
    int64_t seq;
    char attempt_id[33];
    char district[257];
    char trainee_id[129];
    char trainee_name[257];
    char exam_id[129];
    int64_t exam_version;
    int64_t started_wall, finished_wall, received_wall;
    int64_t elapsed_ms, time_limit_s, points_milli, max_milli;
    int percent;
    bool passed, timed_out;
    int clock; /* SQ_CLOCK_* */
    int n_items, n_answered, n_right;
} reports_attempt;

/* The rows of the page are written to rows (up to limit, at most 200).
 * after_id > 0: the page after that row; else before_id > 0: the page
 * before it; else the first page. *n: rows written; *more_after and
 * *more_before: whether rows lie beyond either end of the page. An id
 * that is not (or no longer) in reports.db gives SQ_ENOTFOUND. */
sq_status reports_page(reports *r, const reports_filter *f, reports_sort sort, bool desc,
                       int64_t after_id, int64_t before_id, int limit, reports_attempt *rows,
                       int *n, bool *more_after, bool *more_before, sq_err *err) SQ_MUST_CHECK;
/* How many attempts the filter selects. */
sq_status reports_count(reports *r, const reports_filter *f, int64_t *n, sq_err *err) SQ_MUST_CHECK;

/* One attempt; SQ_ENOTFOUND when there is no such id. */
sq_status reports_attempt_get(reports *r, int64_t id, reports_attempt *a,
                              sq_err *err) SQ_MUST_CHECK;

typedef struct {
    int pos;
    char item_id[129];
    int n_options;
    uint32_t selected; /* bit i: original option i */
    bool answered, flagged, right;
    int64_t points_milli, max_milli;
    int64_t answered_ms; /* the attempt's elapsed time at the answer */
    int64_t time_ms;     /* from the answer before it in time */
} reports_item;

typedef struct {
    int kind; /* SQ_CLOCK_EV_* */
    int64_t wall_before, wall_after, mono_delta_ms, counted_ms;
} reports_event;

/* Calls fn for each item of the attempt, in the exam's order, then ev for
 * each clock event, in order. Borrowed for the call; non-zero stops. */
typedef int (*reports_item_fn)(void *ctx, const reports_item *it);
typedef int (*reports_event_fn)(void *ctx, const reports_event *ev);
sq_status reports_attempt_detail(reports *r, int64_t id, reports_item_fn fn, reports_event_fn ev,
                                 void *ctx, sq_err *err) SQ_MUST_CHECK;

/* The grid item analysis needs (itemstats.h) of one exam version's
 * attempts (in district, when not NULL), built from reports.db: a sparse
 * layout (each attempt's items in the order shown, n_cells the most items
 * an attempt had), scores as fractions of each item's points, the options
 * chosen. Items are numbered by their first appearance; item_ids[k] names
 * item k. At most max_cells cells (attempts x n_cells): more is
 * SQ_ETOOBIG, nothing is allocated for it. No attempt: SQ_ENOTFOUND.
 * Caller owns *out (reports_grid_free). */
typedef struct {
    size_t n_attempts, n_items, n_cells;
    double *max_mark;      /* [n_items] */
    uint8_t *n_options;    /* [n_items] */
    char (*item_ids)[129]; /* [n_items] */
    uint32_t *item;        /* [n_attempts * n_cells] */
    double *score;         /* [n_attempts * n_cells] */
    uint8_t *seen;         /* [n_attempts * n_cells] */
    uint32_t *chosen;      /* [n_attempts * n_cells] */
} reports_grid;

/* The next cell of an item_grid blob (reports_db.h) at *p, before end,
 * into *c, moving *p past it. False at the end (*p == end) and for a
 * blob that does not parse, then *bad is set. */
bool reports_cell_next(const uint8_t **p, const uint8_t *end, reports_cell *c, bool *bad);

sq_status reports_grid_get(reports *r, const char *exam, int64_t version, const char *district,
                           size_t max_cells, reports_grid **out, sq_err *err) SQ_MUST_CHECK;
void reports_grid_free(reports_grid *g); /* NULL is a no-op */

/* Attempts f selects per day: counts[i] those finished in [bounds[i],
 * bounds[i + 1]) (and within f's own dates), in one read transaction.
 * bounds has n_days + 1 times, rising; at most REPORTS_DAYS_MAX days. */
#define REPORTS_DAYS_MAX 366
sq_status reports_per_day(reports *r, const reports_filter *f, const int64_t *bounds, int n_days,
                          int64_t *counts, sq_err *err) SQ_MUST_CHECK;
/* How the attempts f selects spread over their percent: bins[i] those
 * from 10*i to 10*i + 9 (100 in bins[9]); and how many passed, in the
 * same scan (f's own index: an exam version's, not passed's). */
sq_status reports_percent_bins(reports *r, const reports_filter *f, int64_t bins[10],
                               int64_t *passed, sq_err *err) SQ_MUST_CHECK;

/* When the first and the last attempt f selects finished (0, 0: none). */
sq_status reports_finished_span(reports *r, const reports_filter *f, int64_t *first, int64_t *last,
                                sq_err *err) SQ_MUST_CHECK;

#endif
