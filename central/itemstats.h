/*
 * itemstats.h - item analysis of one exam version: the classical test
 * theory figures of Moodle's quiz statistics report, from plain arrays.
 *
 * The staff console (issue 9) asks for these per exam version (and per
 * district); this module only computes. It knows no web page, no database
 * and no Synaq result: the caller opens the results, lays them out as an
 * attempts x items grid (itemstats_input) and gets numbers back. So the
 * figures can be checked against hand-computed cases and against Moodle,
 * and the console can take its data from SQLite or PostgreSQL alike.
 *
 * The formulas are Moodle's (question/classes/statistics/questions/
 * calculator.php and mod/quiz/report/statistics/classes/calculator.php);
 * itemstats.c says which function each follows and where Synaq differs.
 * A figure that is not defined (a variance of zero, too few attempts) is
 * NaN (test with isnan) with a flag that says why; nothing divides by 0.
 *
 * Load: two streaming passes over the grid, a sort of the totals and two
 * O(n) radix sorts per item; 10^5 attempts of 50 items take about 0.2 s
 * and 4 doubles per attempt of work memory (bench/bench_itemstats.c).
 * Pure computation: no globals, safe to call from several threads.
 */
#ifndef SYNAQ_CENTRAL_ITEMSTATS_H
#define SYNAQ_CENTRAL_ITEMSTATS_H

#include <stddef.h>
#include <stdint.h>
#include "synaq/synaq.h"

/* Options of one item, at most: bit k of a choice mask is option k. */
#define ITEMSTATS_MAX_OPTIONS 32

/*
 * The data: n_attempts rows of cells, row-major (the cell k of attempt a is
 * [a * cells + k]). Everything is borrowed for the call. An attempt is one
 * finished attempt (Moodle's "attempts that count"); which attempts to
 * include (first ones only, a district) is the caller's choice.
 *
 * Two layouts. Dense (item NULL): a row has a cell per item of the exam
 * version (cells = n_items; cell k is item k), and the items an attempt
 * was not shown are unseen cells. Sparse (item given): a row has n_cells
 * cells, each naming its item, for exams that draw few items from a large
 * bank (50 of 10,000 would make a dense row of 10,000 cells); an item may
 * appear at most once in a row, and cells left over are unseen.
 *
 * An item is one question of the exam version, whatever the language it
 * was shown in. A cell that is not seen is not read (its score, choice,
 * item and slot may be anything). A seen item left unanswered has score 0
 * and choice 0, as Moodle counts a question left unanswered (mark 0, and
 * it counts as an attempt at it).
 */
typedef struct {
    size_t n_attempts; /* >= 1 */
    size_t n_items;    /* >= 1 */
    /* [n_items]: each item's points (Moodle's maxmark), finite and > 0. */
    const double *max_mark;
    /* NULL (dense), or [n_attempts * n_cells]: the item of each cell, 0 to
     * n_items - 1 (sparse). */
    const uint32_t *item;
    size_t n_cells; /* sparse: cells per attempt, >= 1; dense: ignored */
    /* [n_attempts * cells]: the score as a fraction of the item's
     * max_mark, in [0, 1] (Moodle's fraction; partial credit is a fraction
     * between). The item's mark is score * max_mark; an attempt's total is
     * the sum of its seen items' marks. */
    const double *score;
    /* [n_attempts * cells]: 1 seen, 0 unseen (nothing else), or NULL:
     * every cell seen. */
    const uint8_t *seen;
    /* [n_attempts * cells]: the options chosen, bit k for option k (a
     * multiple-answer item may set several), 0 for none; or NULL: no
     * distractor tables. With it, n_options is needed. */
    const uint32_t *chosen;
    /* [n_items]: how many options each item has, 0 to ITEMSTATS_MAX_OPTIONS
     * (0: an item without options; its choices must be 0). */
    const uint8_t *n_options;
    /* [n_attempts * cells], or NULL: for a seen cell, the slot its item
     * filled in that attempt, 0 to n_slots - 1: which draw of the exam's
     * blueprint picked it (Moodle's slot of a random question; not the
     * shuffled order on screen). Each attempt fills every slot exactly
     * once. Give slots when items are drawn per attempt: they are what the
     * test's internal consistency and the effective weights are computed
     * over (below). */
    const int32_t *slot;
    size_t n_slots; /* with slot: >= 1; without: ignored */
} itemstats_input;

/* Why a figure is NaN, or what to look at (bits of .flags). */
enum {
    ITEMSTATS_UNSEEN = 1 << 0,        /* no attempt saw the item: every figure NaN */
    ITEMSTATS_FEW = 1 << 1,           /* fewer than 2 attempts (test: fewer than Moodle needs) */
    ITEMSTATS_ZERO_VAR = 1 << 2,      /* the marks (test: the totals) do not vary */
    ITEMSTATS_ZERO_REST_VAR = 1 << 3, /* the rest of the marks does not vary */
    ITEMSTATS_NEGCOVAR = 1 << 4,      /* negative covariance with the total: no effective
                                         weight (Moodle shows "Negative covariance") */
    ITEMSTATS_NO_WEIGHT = 1 << 5,     /* effective weight not defined: an item drawn per
                                         attempt (the slots have it), or no weights at all */
    ITEMSTATS_LOW_DE = 1 << 6,        /* discriminative efficiency defined and under 15 %:
                                         Moodle's "dubious" question */
    ITEMSTATS_MIXED_MAX = 1 << 7,     /* slot: items of different points filled it;
                                         test: attempts had different possible totals */
    ITEMSTATS_NO_SLOTS = 1 << 8,      /* test: items drawn per attempt and no slots
                                         given: no internal consistency */
    ITEMSTATS_ONE_SLOT = 1 << 9,      /* test: one slot (or one item): no internal consistency */
    ITEMSTATS_CIC_OVER = 1 << 10,     /* test: consistency above 100 %: no error ratio */
};

/*
 * The figures of one item (or one slot). Units as Moodle keeps them:
 * facility and sd are fractions of the item's points (the report prints
 * them as percentages), the three indices are already percentages.
 */
typedef struct {
    size_t s;                         /* attempts that saw it */
    double max_mark;                  /* points (a slot: their mean over its attempts) */
    double mean_mark;                 /* points */
    double facility;                  /* mean mark / max mark, 0 to 1 */
    double sd;                        /* standard deviation of the mark (n-1) / max mark */
    double sd_mark;                   /* the same in points */
    double discrimination_index;      /* %: correlation of mark and rest */
    double discriminative_efficiency; /* %: covariance of mark and rest over
                                         its largest value for these marks */
    double effective_weight;          /* %: share of the total's spread */
    unsigned flags;                   /* ITEMSTATS_* */
} itemstats_item;

/* The groups of the distractor tables. */
enum { ITEMSTATS_ALL, ITEMSTATS_TOP, ITEMSTATS_BOTTOM, ITEMSTATS_GROUPS };

/* One item's distractor table: per group, how many attempts saw the item,
 * left it unanswered, and chose each option (a multiple-answer choice
 * counts for each option in it, so the counts may add up to more than
 * the attempts). */
typedef struct {
    unsigned n_options;
    size_t seen[ITEMSTATS_GROUPS];
    size_t unanswered[ITEMSTATS_GROUPS];
    const size_t *chosen[ITEMSTATS_GROUPS]; /* [n_options] each */
} itemstats_options;

/* The test: the attempts' totals, in points. */
typedef struct {
    size_t n;         /* attempts */
    double max_total; /* an attempt's possible total; with ITEMSTATS_MIXED_MAX, the
                         largest (Moodle prints mean, median, sd and standard
                         error as percentages of it) */
    double mean, median, sd;
    double skewness, kurtosis; /* kurtosis in excess of the normal's */
    /* What the consistency is over: the slots when given; else, when every
     * attempt saw every item (leaving out items no one saw), the items,
     * as Moodle's slots; else nothing (p = 0, ITEMSTATS_NO_SLOTS). */
    size_t p;
    double cic;            /* %: coefficient of internal consistency
                              (Cronbach's alpha; KR-20 for right/wrong items) */
    double error_ratio;    /* % */
    double standard_error; /* points */
    /* The thirds of the distractor tables (itemstats.c, "thirds"): with g
     * = max(1, floor(n / 3)), the top group is every attempt whose total is
     * at least the g-th highest total (top_cut), the bottom group every
     * attempt at most the g-th lowest (bottom_cut); ties at a cut are all
     * in, so a group may be larger than g, and when more than a third of
     * the attempts tie, the two groups may share attempts. Totals within
     * 1e-9 of the largest possible total of each other count as tied. */
    size_t third_g, top_n, bottom_n;
    double top_cut, bottom_cut;
    unsigned flags; /* ITEMSTATS_* */
} itemstats_test;

typedef struct {
    itemstats_test test;
    size_t n_items;
    itemstats_item *items; /* [n_items] */
    /* [n_slots], or NULL when no slots were given (then, when every
     * attempt saw every item, the items are Moodle's slots). */
    size_t n_slots;
    itemstats_item *slots;
    /* [n_items], or NULL when no choices were given. */
    itemstats_options *options;
} itemstats;

/*
 * Computes everything. SQ_EINVAL for input that is not as described
 * above, with the first fault in err ("attempt 3, item 7: score 1.5 is
 * outside [0, 1]"; attempts, cells and items counted from 0); SQ_ETOOBIG
 * above 2^32 - 1 cells or 2^20 items; SQ_ENOMEM. Caller
 * owns *out (itemstats_free); *out is NULL on failure.
 */
sq_status itemstats_compute(const itemstats_input *in, itemstats **out, sq_err *err) SQ_MUST_CHECK;

/* Frees a result. NULL is a no-op. */
void itemstats_free(itemstats *st);

#endif
