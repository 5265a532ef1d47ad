/*
 * itemstats.c - the classical test theory figures of Moodle's quiz
 * statistics report, computed from an attempts x items grid (itemstats.h).
 *
 * Where each formula comes from (Moodle's source, 4.x):
 *
 *   per item  question/classes/statistics/questions/calculator.php:
 *             initial_steps_walker, initial_question_walker (counts, means,
 *             facility), secondary_steps_walker (the sums of squares and
 *             products about the means), secondary_question_walker (the
 *             variances over s-1, sd, discrimination index, discriminative
 *             efficiency), calculate() (effective weights and the sum of
 *             mark variances);
 *   test      mod/quiz/report/statistics/classes/calculator.php:
 *             calculate() (sd, skewness, kurtosis, coefficient of internal
 *             consistency, error ratio, standard error), median(),
 *             sum_of_powers_of_difference_to_mean();
 *   flags     mod/quiz/report/statistics/statistics_table.php:
 *             is_dubious_question() (discriminative efficiency under 15);
 *             col_sd() (the sd printed over the item's max mark).
 *
 * Moodle's docs page "Quiz statistics calculations" (docs.moodle.org/dev)
 * derives the same formulas; where its text and the code differ, the code
 * is followed, since the code makes the report's numbers.
 *
 * Where Synaq differs on purpose:
 *   - An item drawn for only some attempts is Moodle's sub-question of a
 *     random question: its figures use only the attempts that saw it, as
 *     Moodle's do. Moodle correlates such a sub-question with the whole
 *     total; here, as issue 9 asks, always with the rest (total minus the
 *     item), which is what Moodle does for a fixed question. For an exam
 *     in which every attempt sees every item the two are the same.
 *   - A figure Moodle leaves null is NaN here, with a flag saying why;
 *     "does not vary" is decided by comparing the smallest and largest
 *     value (exactly), not by a variance that rounding left at 1e-34.
 *   - Moodle does the test's sums in SQL over the stored sumgrades (five
 *     decimals); here they are done in doubles over the exact totals.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itemstats.h"

/* Above this the result's size computations could overflow. */
#define MAX_ITEMS ((size_t)1 << 20)

/* A discriminative efficiency under this (in %) flags the item, as
 * is_dubious_question() in Moodle's statistics_table.php. */
#define DUBIOUS_DE 15.0

/* Totals this close (relative to the largest possible total) are ties
 * when the thirds are cut: sums of partial credits added in a different
 * order can differ in their last bit. */
#define TIE_REL 1e-9

/* The radix sort: 11-bit digits, six passes cover 64 bits. */
#define RADIX_BITS 11
#define RADIX_BUCKETS (1u << RADIX_BITS)
#define RADIX_PASSES 6 /* written out in sort_doubles */

static sq_status fail(sq_err *err, sq_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sq_status fail(sq_err *err, sq_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = st;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* ---- sorting doubles in O(n) ---------------------------------------- */

/* An order-preserving map of doubles to unsigned integers: negative
 * numbers have all bits flipped, the others only the sign bit. */
static uint64_t key_of(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

static double double_of(uint64_t k)
{
    uint64_t u = (k >> 63) ? k & ~((uint64_t)1 << 63) : ~k;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

typedef struct {
    uint64_t *keys, *tmp; /* n each */
    size_t count[RADIX_PASSES][RADIX_BUCKETS];
} sorter;

/* Sorts a[0..n) ascending: an LSD radix sort on the keys (a comparison
 * sort of 50 columns of 10^5 doubles costs ten times more). Passes whose
 * digit is the same in every key are skipped, so a column of 0s and 1s
 * costs one pass. */
static void sort_doubles(sorter *so, double *a, size_t n)
{
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            double v = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > v; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
        return;
    }
    uint64_t *k = so->keys, *t = so->tmp;
    memset(so->count, 0, sizeof so->count);
    /* All six histograms in one read; written out, as the loop over the
     * passes is the sort's hottest code. */
    size_t(*c)[RADIX_BUCKETS] = so->count;
    const uint64_t mask = RADIX_BUCKETS - 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = key_of(a[i]);
        k[i] = u;
        c[0][u & mask]++;
        c[1][(u >> 11) & mask]++;
        c[2][(u >> 22) & mask]++;
        c[3][(u >> 33) & mask]++;
        c[4][(u >> 44) & mask]++;
        c[5][(u >> 55) & mask]++;
    }
    for (int p = 0; p < RADIX_PASSES; p++) {
        size_t *cp = c[p], sum = 0;
        bool one_bucket = false;
        for (unsigned b = 0; b < RADIX_BUCKETS; b++) {
            size_t here = cp[b];
            if (here == n)
                one_bucket = true;
            cp[b] = sum;
            sum += here;
        }
        if (one_bucket)
            continue;
        for (size_t i = 0; i < n; i++)
            t[cp[(k[i] >> (RADIX_BITS * p)) & mask]++] = k[i];
        uint64_t *swap = k;
        k = t;
        t = swap;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = double_of(k[i]);
}

/* ---- one column: an item, or a slot --------------------------------- */

/* The work buffers, n_attempts doubles each. A column's seen cells are
 * gathered into mk (its marks), rs (the rest: total minus mark) and tt
 * (the total), so the sums run over contiguous memory. */
typedef struct {
    double *totals;
    double *mk, *rs, *tt;
    sorter *so;
} work;

/* What a column leaves for the effective weights and the consistency. */
typedef struct {
    double mark_var;  /* Moodle's markvariance (0 when s < 2, as PHP's null) */
    double cov_total; /* covariancewithoverallmark */
} column_extra;

static void all_nan(itemstats_item *o)
{
    o->mean_mark = o->facility = o->sd = o->sd_mark = NAN;
    o->discrimination_index = o->discriminative_efficiency = o->effective_weight = NAN;
}

/*
 * The figures of a column of s attempts, gathered into w->mk, w->rs and
 * w->tt, whose max mark is max_mark. Follows calculator.php: the means
 * (initial_question_walker), the sums about them (secondary_steps_walker),
 * then secondary_question_walker:
 *
 *   markvariance  = sum (m - mbar)^2 / (s - 1)
 *   othermarkvariance = sum (r - rbar)^2 / (s - 1)       r = total - m
 *   covariance    = sum (m - mbar)(r - rbar) / (s - 1)
 *   covariancemax = sum (m(i) - mbar)(r(i) - rbar) / (s - 1), with m(i)
 *                   and r(i) each sorted ascending (the largest covariance
 *                   these marks and rests could have)
 *   covariancewithoverallmark = sum (m - mbar)(T - Tbar) / (s - 1)
 *   facility = mbar / maxmark; sd = sqrt(markvariance)
 *   discrimination index = 100 covariance / sqrt(markvariance othermarkvariance)
 *   discriminative efficiency = 100 covariance / covariancemax
 *
 * (Moodle's overall-mark difference subtracts a mean it never sums, so it
 * is T - 0; since the m - mbar add up to 0, the covariance is the same.)
 */
static void column_figures(work *w, size_t s, double max_mark, itemstats_item *o, column_extra *x)
{
    const double *mk = w->mk, *rs = w->rs, *tt = w->tt;

    o->s = s;
    o->max_mark = max_mark;
    x->mark_var = 0;
    x->cov_total = 0;
    if (s == 0) {
        all_nan(o);
        o->flags |= ITEMSTATS_UNSEEN;
        return;
    }

    double sum_m = 0, sum_r = 0, sum_t = 0;
    double min_m = mk[0], max_m = mk[0], min_r = rs[0], max_r = rs[0];
    for (size_t i = 0; i < s; i++) {
        sum_m += mk[i];
        sum_r += rs[i];
        sum_t += tt[i];
        min_m = mk[i] < min_m ? mk[i] : min_m;
        max_m = mk[i] > max_m ? mk[i] : max_m;
        min_r = rs[i] < min_r ? rs[i] : min_r;
        max_r = rs[i] > max_r ? rs[i] : max_r;
    }
    /* A column that does not vary has its value as its mean, exactly, so
     * that every difference from it is 0 and not a rounding residue. */
    bool const_m = min_m == max_m, const_r = min_r == max_r;
    double mbar = const_m ? min_m : sum_m / (double)s;
    double rbar = const_r ? min_r : sum_r / (double)s;
    double tbar = sum_t / (double)s;

    o->mean_mark = mbar;
    o->facility = mbar / max_mark;
    o->sd = o->sd_mark = o->discrimination_index = NAN;
    o->discriminative_efficiency = o->effective_weight = NAN;
    if (s < 2) {
        /* secondary_question_walker: every variance is null for s <= 1. */
        o->flags |= ITEMSTATS_FEW;
        return;
    }

    double ss_m = 0, ss_r = 0, sp_mr = 0, sp_mt = 0;
    for (size_t i = 0; i < s; i++) {
        double dm = mk[i] - mbar, dr = rs[i] - rbar;
        ss_m += dm * dm;
        ss_r += dr * dr;
        sp_mr += dm * dr;
        sp_mt += dm * (tt[i] - tbar);
    }
    double df = (double)(s - 1);
    double var_m = const_m ? 0 : ss_m / df;
    double var_r = const_r ? 0 : ss_r / df;
    double cov = sp_mr / df;
    x->mark_var = var_m;
    x->cov_total = sp_mt / df;

    o->sd_mark = sqrt(var_m);
    o->sd = o->sd_mark / max_mark;
    if (const_m)
        o->flags |= ITEMSTATS_ZERO_VAR;
    if (const_r)
        o->flags |= ITEMSTATS_ZERO_REST_VAR;
    if (const_m || const_r)
        return; /* Moodle: "if (markvariance * othermarkvariance)", "if (covariancemax)" */

    o->discrimination_index = 100 * cov / sqrt(var_m * var_r);

    /* covariancemax pairs the sorted marks with the sorted rests. Both
     * are non-constant here, so by the rearrangement inequality it is
     * positive; it is checked all the same. */
    sort_doubles(w->so, w->mk, s);
    sort_doubles(w->so, w->rs, s);
    double sp_max = 0;
    for (size_t i = 0; i < s; i++)
        sp_max += (mk[i] - mbar) * (rs[i] - rbar);
    double cov_max = sp_max / df;
    if (cov_max != 0) {
        o->discriminative_efficiency = 100 * cov / cov_max;
        if (o->discriminative_efficiency < DUBIOUS_DE)
            o->flags |= ITEMSTATS_LOW_DE;
    }
}

/*
 * Effective weights over a set of columns that are Moodle's slots, as
 * calculate() in questions/calculator.php: the sum of sqrt(covariance
 * with the total) over the columns whose covariance is not negative, then
 * each column's share of it in %; a column with a negative covariance has
 * none (negcovar), and when the sum is 0 no column has one.
 */
static void effective_weights(itemstats_item *cols, const column_extra *x, size_t n)
{
    double sum = 0;
    for (size_t c = 0; c < n; c++)
        if (cols[c].s >= 2 && x[c].cov_total >= 0)
            sum += sqrt(x[c].cov_total);
    for (size_t c = 0; c < n; c++) {
        cols[c].effective_weight = NAN;
        if (cols[c].s < 2)
            continue; /* already flagged UNSEEN or FEW */
        if (x[c].cov_total < 0)
            cols[c].flags |= ITEMSTATS_NEGCOVAR;
        else if (sum == 0)
            cols[c].flags |= ITEMSTATS_NO_WEIGHT;
        else
            cols[c].effective_weight = 100 * sqrt(x[c].cov_total) / sum;
    }
}

/* ---- the test ------------------------------------------------------- */

/*
 * The totals' figures, as calculate() in mod/quiz/report/statistics/
 * classes/calculator.php: mean; median (the middle total, or the mean of
 * the two middle ones); with n > 1 the sd over n-1; with n > 2 and a
 * non-zero variance the skewness, and with n > 3 the kurtosis, from the
 * moments m2, m3, m4 about the mean:
 *
 *   k2 = n m2 / (n-1)                 k3 = n^2 m3 / ((n-1)(n-2))
 *   k4 = n^2 ((n+1) m4 - 3 (n-1) m2^2) / ((n-1)(n-2)(n-3))
 *   skewness = k3 / k2^(3/2)          kurtosis = k4 / k2^2
 *
 * sorted holds the totals in ascending order.
 */
static void test_figures(const double *totals, const double *sorted, size_t n, itemstats_test *t)
{
    double sum = 0;
    for (size_t a = 0; a < n; a++)
        sum += totals[a];
    bool constant = sorted[0] == sorted[n - 1];
    double mean = constant ? sorted[0] : sum / (double)n;

    t->n = n;
    t->mean = mean;
    t->median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    t->sd = t->skewness = t->kurtosis = NAN;
    t->cic = t->error_ratio = t->standard_error = NAN;
    if (n < 2) {
        t->flags |= ITEMSTATS_FEW;
        return;
    }
    double p2 = 0, p3 = 0, p4 = 0;
    for (size_t a = 0; a < n; a++) {
        double d = totals[a] - mean, d2 = d * d;
        p2 += d2;
        p3 += d2 * d;
        p4 += d2 * d2;
    }
    if (constant)
        p2 = p3 = p4 = 0;
    double s = (double)n;
    t->sd = sqrt(p2 / (s - 1));
    if (n < 3) {
        t->flags |= ITEMSTATS_FEW;
        return;
    }
    if (constant) {
        t->flags |= ITEMSTATS_ZERO_VAR;
        return;
    }
    double m2 = p2 / s, m3 = p3 / s, m4 = p4 / s;
    double k2 = s * m2 / (s - 1);
    double k3 = s * s * m3 / ((s - 1) * (s - 2));
    t->skewness = k3 / pow(k2, 1.5);
    if (n > 3) {
        double k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3));
        t->kurtosis = k4 / (k2 * k2);
    } else {
        t->flags |= ITEMSTATS_FEW;
    }
}

/*
 * Coefficient of internal consistency over p slots whose mark variances
 * add up to sum_var, as calculate() in the quiz's calculator.php (inside
 * its n > 2 and k2 != 0 branch, which test_figures checked):
 *
 *   cic = 100 p / (p-1) (1 - sum_var / k2)       (Cronbach's alpha, in %)
 *   error ratio = 100 sqrt(1 - cic / 100)        standard error = error ratio sd / 100
 *
 * Moodle stores a NaN error ratio (cic above 100) as null; so NaN here.
 */
static void consistency(itemstats_test *t, double sum_var)
{
    if (isnan(t->skewness))
        return; /* n < 3 or the totals do not vary: flagged already */
    if (t->p < 2) {
        t->flags |= ITEMSTATS_ONE_SLOT;
        return;
    }
    double p = (double)t->p, k2 = t->sd * t->sd;
    t->cic = (100 * p / (p - 1)) * (1 - sum_var / k2);
    if (t->cic > 100) {
        t->flags |= ITEMSTATS_CIC_OVER;
        return;
    }
    t->error_ratio = 100 * sqrt(1 - t->cic / 100);
    t->standard_error = t->error_ratio * t->sd / 100;
}

/*
 * The thirds. Moodle's statistics report has no top and bottom groups
 * (its response analysis counts all attempts), so this is Synaq's own
 * definition, chosen to be exact and independent of the attempts' order:
 * g = max(1, floor(n/3)); top_cut is the g-th highest total, bottom_cut
 * the g-th lowest; the top group is every attempt with a total >= top_cut,
 * the bottom group every attempt with a total <= bottom_cut (ties within
 * TIE_REL of the largest possible total). Every tie at a cut is in, so
 * no attempt is left out or put in by the order it came in; the price is
 * that a group may hold more than g attempts, and that with many ties the
 * groups may overlap (all totals equal: both groups are every attempt).
 */
static void thirds(const double *sorted, size_t n, double tol, itemstats_test *t)
{
    size_t g = n / 3 ? n / 3 : 1;
    t->third_g = g;
    t->bottom_cut = sorted[g - 1];
    t->top_cut = sorted[n - g];
    t->top_n = t->bottom_n = 0;
    for (size_t a = 0; a < n; a++) {
        t->top_n += sorted[a] >= t->top_cut - tol;
        t->bottom_n += sorted[a] <= t->bottom_cut + tol;
    }
}

/* ---- checking the input --------------------------------------------- */

static sq_status check_shape(const itemstats_input *in, sq_err *err)
{
    if (!in)
        return fail(err, SQ_EINVAL, "item analysis: no input");
    if (in->n_attempts == 0)
        return fail(err, SQ_EINVAL, "item analysis: no attempts (n_attempts is 0)");
    if (in->n_items == 0)
        return fail(err, SQ_EINVAL, "item analysis: no items (n_items is 0)");
    if (in->n_items > MAX_ITEMS)
        return fail(err, SQ_ETOOBIG, "item analysis: %zu items, more than the %zu allowed",
                    in->n_items, MAX_ITEMS);
    if (in->item && in->n_cells == 0)
        return fail(err, SQ_EINVAL, "item analysis: cells name their items but n_cells is 0");
    size_t cells = in->item ? in->n_cells : in->n_items;
    /* Cells are numbered with 32 bits in the per-item lists; 2^32 cells
     * would be 34 GB of scores alone. */
    if (in->n_attempts > UINT32_MAX / cells)
        return fail(err, SQ_ETOOBIG,
                    "item analysis: %zu attempts x %zu cells is too large (at most 2^32 - 1 "
                    "cells)",
                    in->n_attempts, cells);
    if (!in->max_mark)
        return fail(err, SQ_EINVAL, "item analysis: max_mark is NULL");
    if (!in->score)
        return fail(err, SQ_EINVAL, "item analysis: score is NULL");
    if (in->chosen && !in->n_options)
        return fail(err, SQ_EINVAL,
                    "item analysis: choices given but n_options is NULL (the option count "
                    "of each item is needed to check them)");
    if (in->slot && in->n_slots == 0)
        return fail(err, SQ_EINVAL, "item analysis: slots given but n_slots is 0");
    if (in->slot && (in->n_slots > in->n_items || in->n_slots > cells))
        return fail(err, SQ_EINVAL,
                    "item analysis: n_slots %zu is more than the %zu items or %zu cells (each "
                    "slot takes a cell and an item of its own)",
                    in->n_slots, in->n_items, cells);
    for (size_t j = 0; j < in->n_items; j++) {
        double mx = in->max_mark[j];
        if (!(isfinite(mx) && mx > 0))
            return fail(err, SQ_EINVAL,
                        "item analysis: item %zu: max mark %g is not a positive number", j, mx);
        if (in->n_options && in->n_options[j] > ITEMSTATS_MAX_OPTIONS)
            return fail(err, SQ_EINVAL,
                        "item analysis: item %zu: %u options, more than the %d a choice mask "
                        "holds",
                        j, in->n_options[j], ITEMSTATS_MAX_OPTIONS);
    }
    return SQ_OK;
}

/* Where a cell is, for a message: "attempt 3, item 7" in the dense
 * layout, "attempt 3, cell 2 (item 7)" in the sparse one. */
static const char *where(char *buf, size_t len, const itemstats_input *in, size_t a, size_t k,
                         size_t j)
{
    if (in->item)
        snprintf(buf, len, "attempt %zu, cell %zu (item %zu)", a, k, j);
    else
        snprintf(buf, len, "attempt %zu, item %zu", a, k);
    return buf;
}

/* Checks one attempt's cells and adds up its total (Moodle's summarks:
 * fraction * maxmark over the attempt's items); counts the cells of each
 * item, and with slots, records which cell filled each slot. */
static sq_status check_attempt(const itemstats_input *in, size_t a, size_t cells, size_t p,
                               size_t *seen_count, size_t *item_stamp, size_t *slot_stamp,
                               uint32_t *slot_cell, double *total_out, double *possible_out,
                               sq_err *err)
{
    char at[80];
    double total = 0, possible = 0;
    size_t filled = 0;
    for (size_t k = 0; k < cells; k++) {
        size_t cell = a * cells + k;
        unsigned sv = in->seen ? in->seen[cell] : 1;
        if (sv > 1)
            return fail(err, SQ_EINVAL, "item analysis: %s: seen is %u (0 or 1)",
                        where(at, sizeof at, in, a, k, k), sv);
        if (!sv)
            continue;
        size_t j = in->item ? in->item[cell] : k;
        if (in->item) {
            if (j >= in->n_items)
                return fail(err, SQ_EINVAL,
                            "item analysis: attempt %zu, cell %zu: item %zu is outside 0 to %zu", a,
                            k, j, in->n_items - 1);
            if (item_stamp[j] == a + 1)
                return fail(err, SQ_EINVAL, "item analysis: %s: the item is twice in the attempt",
                            where(at, sizeof at, in, a, k, j));
            item_stamp[j] = a + 1;
        }
        double f = in->score[cell];
        if (!(f >= 0 && f <= 1))
            return fail(err, SQ_EINVAL,
                        "item analysis: %s: score %g is outside [0, 1] (a score is the "
                        "fraction of the item's marks)",
                        where(at, sizeof at, in, a, k, j), f);
        if (in->chosen) {
            uint32_t c = in->chosen[cell];
            unsigned n_opt = in->n_options[j];
            if (n_opt < 32 && (c >> n_opt) != 0)
                return fail(err, SQ_EINVAL,
                            "item analysis: %s: choice 0x%x names option %d, but the item has "
                            "%u options (0 to %d)",
                            where(at, sizeof at, in, a, k, j), (unsigned)c, 31 - __builtin_clz(c),
                            n_opt, (int)n_opt - 1);
        }
        if (p) {
            int32_t s = in->slot[cell];
            if (s < 0 || (size_t)s >= p)
                return fail(err, SQ_EINVAL, "item analysis: %s: slot %d is outside 0 to %zu",
                            where(at, sizeof at, in, a, k, j), (int)s, p - 1);
            if (slot_stamp[s] == a + 1)
                return fail(err, SQ_EINVAL,
                            "item analysis: %s: slot %d is filled twice in the attempt",
                            where(at, sizeof at, in, a, k, j), (int)s);
            slot_stamp[s] = a + 1;
            slot_cell[a * p + (size_t)s] = (uint32_t)cell;
            filled++;
        }
        seen_count[j]++;
        total += f * in->max_mark[j];
        possible += in->max_mark[j];
    }
    if (p && filled != p)
        return fail(err, SQ_EINVAL,
                    "item analysis: attempt %zu fills %zu of the %zu slots (an attempt fills "
                    "every slot once)",
                    a, filled, p);
    *total_out = total;
    *possible_out = possible;
    return SQ_OK;
}

/* ---- the whole computation ------------------------------------------ */

/* The result is one allocation: the struct, then its arrays. */
static size_t round_up(size_t n)
{
    size_t a = sizeof(double) > sizeof(void *) ? sizeof(double) : sizeof(void *);
    return (n + a - 1) / a * a;
}

/* Allocates the result with its arrays laid out and the count tables'
 * pointers set; NULL when out of memory. */
static itemstats *result_new(const itemstats_input *in, size_t p)
{
    size_t m = in->n_items, n_counts = 0;
    if (in->chosen)
        for (size_t j = 0; j < m; j++)
            n_counts += (size_t)ITEMSTATS_GROUPS * in->n_options[j];
    /* Bounded by MAX_ITEMS (and p <= m): no overflow. */
    size_t off_items = round_up(sizeof(itemstats));
    size_t off_slots = off_items + round_up(m * sizeof(itemstats_item));
    size_t off_opts = off_slots + round_up(p * sizeof(itemstats_item));
    size_t off_counts = off_opts + round_up(in->chosen ? m * sizeof(itemstats_options) : 0);
    char *base = calloc(1, off_counts + n_counts * sizeof(size_t));
    if (!base)
        return NULL;
    itemstats *r = (itemstats *)base;
    r->n_items = m;
    r->items = (itemstats_item *)(base + off_items);
    r->n_slots = p;
    r->slots = p ? (itemstats_item *)(base + off_slots) : NULL;
    if (in->chosen) {
        r->options = (itemstats_options *)(base + off_opts);
        size_t *c = (size_t *)(base + off_counts);
        for (size_t j = 0; j < m; j++) {
            r->options[j].n_options = in->n_options[j];
            for (int g = 0; g < ITEMSTATS_GROUPS; g++) {
                r->options[j].chosen[g] = c;
                c += in->n_options[j];
            }
        }
    }
    return r;
}

/* The distractor tables: a pass over the grid, each seen cell counted in
 * the groups its attempt is in. */
static void count_choices(const itemstats_input *in, size_t cells, const double *totals, double tol,
                          itemstats *r)
{
    const itemstats_test *t = &r->test;
    for (size_t a = 0; a < in->n_attempts; a++) {
        bool in_group[ITEMSTATS_GROUPS] = {true, totals[a] >= t->top_cut - tol,
                                           totals[a] <= t->bottom_cut + tol};
        for (size_t k = 0; k < cells; k++) {
            size_t cell = a * cells + k;
            if (in->seen && !in->seen[cell])
                continue;
            itemstats_options *o = &r->options[in->item ? in->item[cell] : k];
            uint32_t c = in->chosen[cell];
            for (int g = 0; g < ITEMSTATS_GROUPS; g++) {
                if (!in_group[g])
                    continue;
                o->seen[g]++;
                if (!c) {
                    o->unanswered[g]++;
                    continue;
                }
                size_t *counts = (size_t *)o->chosen[g];
                for (uint32_t bits = c; bits; bits &= bits - 1)
                    counts[__builtin_ctz(bits)]++;
            }
        }
    }
}

sq_status itemstats_compute(const itemstats_input *in, itemstats **out, sq_err *err)
{
    sq_status st;
    itemstats *r = NULL;
    double *totals = NULL, *mk = NULL, *rs = NULL, *tt = NULL;
    uint64_t *keys = NULL, *ktmp = NULL;
    sorter *so = NULL;
    size_t *seen_count = NULL, *start = NULL, *item_stamp = NULL, *slot_stamp = NULL;
    uint32_t *list = NULL, *slot_cell = NULL;
    column_extra *extra = NULL;

    if (out)
        *out = NULL;
    if (!out)
        return fail(err, SQ_EINVAL, "item analysis: nowhere to put the result (out is NULL)");
    if ((st = check_shape(in, err)) != SQ_OK)
        return st;

    const size_t n = in->n_attempts, m = in->n_items;
    const size_t cells = in->item ? in->n_cells : m;
    const size_t p = in->slot ? in->n_slots : 0;

    r = result_new(in, p);
    totals = malloc(n * sizeof *totals);
    mk = malloc(n * sizeof *mk);
    rs = malloc(n * sizeof *rs);
    tt = malloc(n * sizeof *tt);
    keys = malloc(n * sizeof *keys);
    ktmp = malloc(n * sizeof *ktmp);
    so = malloc(sizeof *so);
    seen_count = calloc(m, sizeof *seen_count);
    start = malloc((m + 1) * sizeof *start);
    extra = calloc(m + p, sizeof *extra);
    if (in->item)
        item_stamp = calloc(m, sizeof *item_stamp);
    if (p) {
        slot_stamp = calloc(p, sizeof *slot_stamp);
        slot_cell = malloc(n * p * sizeof *slot_cell);
    }
    if (!r || !totals || !mk || !rs || !tt || !keys || !ktmp || !so || !seen_count || !start ||
        !extra || (in->item && !item_stamp) || (p && (!slot_stamp || !slot_cell))) {
        st = fail(err, SQ_ENOMEM, "item analysis: out of memory for %zu attempts of %zu cells", n,
                  cells);
        goto out;
    }
    so->keys = keys;
    so->tmp = ktmp;

    /* Every cell checked, the totals added up. */
    double max_total_min = INFINITY, max_total_max = 0;
    for (size_t a = 0; a < n; a++) {
        double possible = 0;
        st = check_attempt(in, a, cells, p, seen_count, item_stamp, slot_stamp, slot_cell,
                           &totals[a], &possible, err);
        if (st != SQ_OK)
            goto out;
        max_total_min = possible < max_total_min ? possible : max_total_min;
        max_total_max = possible > max_total_max ? possible : max_total_max;
    }

    /* Each item's seen cells, in attempt order (a counting sort by item). */
    bool fixed_form = true; /* every item seen by all attempts, or by none */
    size_t items_seen = 0;
    start[0] = 0;
    for (size_t j = 0; j < m; j++) {
        fixed_form &= seen_count[j] == 0 || seen_count[j] == n;
        items_seen += seen_count[j] != 0;
        start[j + 1] = start[j] + seen_count[j];
        seen_count[j] = start[j]; /* from here on: where item j's next cell goes */
    }
    list = malloc((start[m] ? start[m] : 1) * sizeof *list);
    if (!list) {
        st = fail(err, SQ_ENOMEM, "item analysis: out of memory for %zu seen cells", start[m]);
        goto out;
    }
    for (size_t a = 0; a < n; a++)
        for (size_t k = 0; k < cells; k++) {
            size_t cell = a * cells + k;
            if (in->seen && !in->seen[cell])
                continue;
            list[seen_count[in->item ? in->item[cell] : k]++] = (uint32_t)cell;
        }

    /* The test. mk serves as the sorted copy of the totals until the
     * columns need it. */
    itemstats_test *t = &r->test;
    memcpy(mk, totals, n * sizeof *mk);
    sort_doubles(so, mk, n);
    t->max_total = max_total_max;
    if (max_total_min != max_total_max)
        t->flags |= ITEMSTATS_MIXED_MAX;
    test_figures(totals, mk, n, t);
    double tol = TIE_REL * (max_total_max > 1 ? max_total_max : 1);
    thirds(mk, n, tol, t);

    work w = {totals, mk, rs, tt, so};

    /* The items, each over the attempts that saw it. */
    for (size_t j = 0; j < m; j++) {
        double mx = in->max_mark[j];
        size_t s = 0;
        for (size_t i = start[j]; i < start[j + 1]; i++, s++) {
            size_t cell = list[i], a = cell / cells;
            double mark = in->score[cell] * mx;
            mk[s] = mark;
            rs[s] = totals[a] - mark;
            tt[s] = totals[a];
        }
        column_figures(&w, s, mx, &r->items[j], &extra[j]);
    }

    /* The slots (Moodle's positions), each filled in every attempt. */
    for (size_t c = 0; c < p; c++) {
        double first_max = 0, sum_max = 0;
        bool mixed = false;
        for (size_t a = 0; a < n; a++) {
            size_t cell = slot_cell[a * p + c];
            size_t j = in->item ? in->item[cell] : cell - a * cells;
            double mx = in->max_mark[j], mark = in->score[cell] * mx;
            if (a == 0)
                first_max = mx;
            mixed |= mx != first_max;
            sum_max += mx;
            mk[a] = mark;
            rs[a] = totals[a] - mark;
            tt[a] = totals[a];
        }
        if (mixed)
            r->slots[c].flags |= ITEMSTATS_MIXED_MAX;
        column_figures(&w, n, mixed ? sum_max / (double)n : first_max, &r->slots[c], &extra[m + c]);
    }

    /* Effective weights and the consistency are over Moodle's slots: the
     * given slots, else the items when they are a fixed form. */
    double sum_var = 0;
    if (p) {
        effective_weights(r->slots, extra + m, p);
        for (size_t c = 0; c < p; c++)
            sum_var += extra[m + c].mark_var;
        t->p = p;
    } else if (fixed_form) {
        effective_weights(r->items, extra, m);
        for (size_t j = 0; j < m; j++)
            sum_var += extra[j].mark_var;
        t->p = items_seen;
    }
    if (p || !fixed_form)
        for (size_t j = 0; j < m; j++)
            if (r->items[j].s >= 2)
                r->items[j].flags |= ITEMSTATS_NO_WEIGHT;
    if (p || fixed_form)
        consistency(t, sum_var);
    else if (!isnan(t->skewness))
        t->flags |= ITEMSTATS_NO_SLOTS;

    if (in->chosen)
        count_choices(in, cells, totals, tol, r);

    *out = r;
    r = NULL;
    st = SQ_OK;
out:
    free(extra);
    free(slot_cell);
    free(slot_stamp);
    free(item_stamp);
    free(list);
    free(start);
    free(seen_count);
    free(so);
    free(ktmp);
    free(keys);
    free(tt);
    free(rs);
    free(mk);
    free(totals);
    free(r);
    return st;
}

void itemstats_free(itemstats *st)
{
    free(st);
}
