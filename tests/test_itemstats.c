/*
 * test_itemstats.c - central/itemstats.c against Moodle's formulas.
 *
 * Three kinds of checks:
 *   1. hand cases: tiny grids whose every figure was worked out by hand
 *      from the formulas (the arithmetic is in the comments), table-driven;
 *   2. the same figures from a plain two-pass implementation written here
 *      from the formulas (ref_*: arrays per item, qsort, no shared code),
 *      on seeded random grids: fixed forms, items drawn per attempt with
 *      and without slots, partial credit, unanswered and unseen items;
 *   3. bad input, case by case: the status and the message's phrase.
 * Figures match to 1e-5 relative (1e-9 absolute for values near 0), the
 * tolerance issue 9 asks against Moodle.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "itemstats.h"

#define REL_TOL 1e-5
#define ABS_TOL 1e-9

/* expected NaN means "not defined": the actual must be NaN too. */
#define CHECK_NUM(expected, actual) check_num((expected), (actual), #actual, __FILE__, __LINE__)

static void check_num(double e, double a, const char *what, const char *file, int line)
{
    check_count++;
    bool ok;
    if (isnan(e))
        ok = isnan(a);
    else
        ok = !isnan(a) && fabs(a - e) <= fmax(ABS_TOL, REL_TOL * fabs(e));
    if (!ok) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s: expected %.10g, got %.10g\n", file, line, what, e, a);
    }
}

/* ---- 1. hand cases -------------------------------------------------- */

#define HN 8 /* attempts, at most */
#define HM 4 /* items, at most */

typedef struct {
    size_t s;
    double facility, sd, di, de, ew;
    unsigned flags;
} want_item;

typedef struct {
    double mean, median, sd, skewness, kurtosis, cic, error_ratio, standard_error;
    size_t p;
    unsigned flags;
    size_t g, top_n, bottom_n;
    double top_cut, bottom_cut;
} want_test;

typedef struct {
    const char *name;
    size_t n, m;
    double max[HM];
    double score[HN][HM];
    bool use_seen;
    uint8_t seen[HN][HM];
    want_item item[HM];
    want_test test;
} hand_case;

#define NA NAN

static const hand_case hand_cases[] = {
    /*
     * Five attempts, three right/wrong items of 1 point:
     *
     *        i1 i2 i3   T
     *   a0    1  1  1   3
     *   a1    1  1  0   2
     *   a2    1  0  1   2
     *   a3    0  1  0   1
     *   a4    0  0  0   0        T: mean 1.6, dT = 1.4 .4 .4 -.6 -1.6
     *
     * i1: m = 1 1 1 0 0, mbar .6, dm = .4 .4 .4 -.6 -.6, sum dm^2 = 1.2,
     *     var .3, sd sqrt(.3) = .5477226; rest = 2 1 1 1 0, rbar 1,
     *     dr = 1 0 0 0 -1, var 2/4 = .5; sum dm dr = .4 + .6 = 1, cov .25;
     *     DI = 100 .25 / sqrt(.3 .5) = 64.549722.
     *     sorted: dm -.6 -.6 .4 .4 .4 against dr -1 0 0 0 1: .6 + .4 = 1,
     *     covmax .25, DE = 100 %. cov with T: .56+.16+.16+.36+.96 = 2.2, /4 = .55.
     * i2: m = 1 1 0 1 0, mbar .6, var .3; rest = 2 1 2 0 0, rbar 1,
     *     dr = 1 0 1 -1 -1, var 4/4 = 1; sum dm dr = .4 + 0 - .6 - .4 + .6 = 0:
     *     DI 0. sorted: dm -.6 -.6 .4 .4 .4, dr -1 -1 0 1 1: .6+.6+.4+.4 = 2,
     *     covmax .5, DE 0 % (under 15: flagged). cov with T: .56+.16-.24-.24+.96
     *     = 1.2, /4 = .3.
     * i3: m = 1 0 1 0 0, mbar .4, dm = .6 -.4 .6 -.4 -.4, var 1.2/4 = .3;
     *     rest = 2 2 1 1 0, rbar 1.2, dr = .8 .8 -.2 -.2 -1.2, sum dr^2 = 2.8,
     *     var .7; sum dm dr = .48 - .32 - .12 + .08 + .48 = .6, cov .15;
     *     DI = 15 / sqrt(.21) = 32.732684. sorted: dm -.4 -.4 -.4 .6 .6,
     *     rest 0 1 1 2 2 -> dr -1.2 -.2 -.2 .8 .8: .48+.08+.08+.48+.48 = 1.6,
     *     covmax .4, DE = 15/.4 = 37.5 %. cov with T: .84-.16+.24+.24+.64 = 1.8,
     *     /4 = .45. (.55 + .3 + .45 = 1.3 = var T, as it must.)
     * Effective weights: sqrt .55 = .7416198, sqrt .3 = .5477226, sqrt .45 =
     *     .6708204, sum 1.9601628: 37.834605, 27.942707, 34.222688 %.
     * Test: sorted T 0 1 2 2 3, median 2. sum dT^2 = 5.2, sd sqrt(1.3) =
     *     1.1401754; sum dT^3 = 2.744 + .064 + .064 - .216 - 4.096 = -1.44,
     *     sum dT^4 = 3.8416 + .0256 + .0256 + .1296 + 6.5536 = 10.576.
     *     m2 = 1.04, m3 = -.288, m4 = 2.1152; k2 = 5 1.04 / 4 = 1.3,
     *     k3 = 25 (-.288) / 12 = -.6, skewness = -.6 / 1.3^1.5 = -.40479601;
     *     k4 = 25 (6 2.1152 - 12 1.04^2) / 24 = 25 (12.6912 - 12.9792) / 24 = -.3,
     *     kurtosis = -.3 / 1.69 = -.17751479.
     *     CIC = 100 3/2 (1 - .9/1.3) = 46.153846; error ratio = 100 sqrt(1 -
     *     .46153846) = 73.379939; standard error = sqrt(1.3 .53846154) = sqrt(.7)
     *     = .83666003.
     * Thirds: g = floor(5/3) = 1: top cut 3 (a0), bottom cut 0 (a4).
     */
    {"five attempts, three items",
     5,
     3,
     {1, 1, 1},
     {{1, 1, 1}, {1, 1, 0}, {1, 0, 1}, {0, 1, 0}, {0, 0, 0}},
     false,
     {{0}},
     {{5, .6, .5477225575, 64.549722437, 100, 37.834604805, 0},
      {5, .6, .5477225575, 0, 0, 27.942707496, ITEMSTATS_LOW_DE},
      {5, .4, .5477225575, 32.732683535, 37.5, 34.222687699, 0}},
     {1.6, 2, 1.1401754251, -.40479600891, -.17751479290, 46.153846154, 73.379938571, .83666002653,
      3, 0, 1, 1, 1, 3, 0}},
    /*
     * Partial credit: item A of 2 points, item B of 3.
     *
     *        A (frac, mark)   B (frac, mark)   T
     *   a0     1     2          1/3   1        3
     *   a1     .5    1          1     3        4
     *   a2     0     0          2/3   2        2
     *   a3     .5    1          0     0        1      T: mean 2.5, dT = .5 1.5 -.5 -1.5
     *
     * A: m = 2 1 0 1, mbar 1 (facility 1/2), dm = 1 0 -1 0, var 2/3, sd_mark
     *    .8164966, sd = .8164966 / 2 = .4082483; rest = 1 3 2 0, rbar 1.5,
     *    dr = -.5 1.5 .5 -1.5, var 5/3; sum dm dr = -.5 - .5 = -1, cov -1/3;
     *    DI = -33.3333 / sqrt(10/9) = -100/sqrt(10) = -31.622777. sorted:
     *    dm -1 0 0 1, dr -1.5 -.5 .5 1.5: 1.5 + 1.5 = 3, covmax 1, DE -33.3333 %.
     *    cov with T: .5 + .5 = 1, /3 = 1/3.
     * B: m = 1 3 2 0, mbar 1.5 (facility 1/2), var 5/3, sd = 1.2909944 / 3 =
     *    .4303315; rest = 2 1 0 1 (A's marks), var 2/3; the same cov -1/3,
     *    DI -31.622777, DE -33.3333 %. cov with T: -.25 + 2.25 - .25 + 2.25 = 4,
     *    /3 = 4/3 (1/3 + 4/3 = 5/3 = var T).
     * Effective weights: sqrt(1/3) : sqrt(4/3) = 1 : 2, so 33.3333 and 66.6667 %.
     * Test: median (2 + 3)/2 = 2.5; sum dT^2 = 5, sd sqrt(5/3) = 1.2909944;
     *    sum dT^3 = .125 + 3.375 - .125 - 3.375 = 0: skewness 0;
     *    sum dT^4 = 2 (.0625 + 5.0625) = 10.25, m2 = 1.25, m4 = 2.5625,
     *    k4 = 16 (5 2.5625 - 9 1.5625) / 6 = 16 (-1.25) / 6 = -3.3333,
     *    kurtosis = -3.3333 / (25/9) = -1.2.
     *    CIC = 100 2 (1 - (7/3)/(5/3)) = -80; error ratio 100 sqrt(1.8) =
     *    134.164079; standard error = sqrt(1.8 5/3) = sqrt(3) = 1.7320508.
     * Thirds: g = 1; sorted T 1 2 3 4: top cut 4, bottom cut 1.
     */
    {"partial credit, points 2 and 3",
     4,
     2,
     {2, 3},
     {{1, 1.0 / 3}, {.5, 1}, {0, 2.0 / 3}, {.5, 0}},
     false,
     {{0}},
     {{4, .5, .4082482905, -31.622776602, -33.333333333, 33.333333333, ITEMSTATS_LOW_DE},
      {4, .5, .4303314829, -31.622776602, -33.333333333, 66.666666667, ITEMSTATS_LOW_DE}},
     {2.5, 2.5, 1.2909944487, 0, -1.2, -80, 134.16407865, 1.7320508076, 2, 0, 1, 1, 1, 4, 1}},
    /*
     * All right: every mark 1, nothing varies. Items: facility 1, sd 0,
     * no DI or DE (markvariance 0), no effective weight (every covariance
     * with the total is 0, so their sum is 0). Test: mean = median = 3,
     * sd 0 (Moodle: sqrt(0 / 3)), no skewness, kurtosis or CIC (k2 = 0).
     * Thirds: g = 1, both cuts 3, every attempt in both groups.
     */
    {"all right",
     4,
     3,
     {1, 1, 1},
     {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}},
     false,
     {{0}},
     {{4, 1, 0, NA, NA, NA, ITEMSTATS_ZERO_VAR | ITEMSTATS_ZERO_REST_VAR | ITEMSTATS_NO_WEIGHT},
      {4, 1, 0, NA, NA, NA, ITEMSTATS_ZERO_VAR | ITEMSTATS_ZERO_REST_VAR | ITEMSTATS_NO_WEIGHT},
      {4, 1, 0, NA, NA, NA, ITEMSTATS_ZERO_VAR | ITEMSTATS_ZERO_REST_VAR | ITEMSTATS_NO_WEIGHT}},
     {3, 3, 0, NA, NA, NA, NA, NA, 3, ITEMSTATS_ZERO_VAR, 1, 4, 4, 3, 3}},
    /* All wrong: the same with 0s (facility 0). */
    {"all wrong",
     4,
     2,
     {1, 2},
     {{0, 0}, {0, 0}, {0, 0}, {0, 0}},
     false,
     {{0}},
     {{4, 0, 0, NA, NA, NA, ITEMSTATS_ZERO_VAR | ITEMSTATS_ZERO_REST_VAR | ITEMSTATS_NO_WEIGHT},
      {4, 0, 0, NA, NA, NA, ITEMSTATS_ZERO_VAR | ITEMSTATS_ZERO_REST_VAR | ITEMSTATS_NO_WEIGHT}},
     {0, 0, 0, NA, NA, NA, NA, NA, 2, ITEMSTATS_ZERO_VAR, 1, 4, 4, 0, 0}},
    /*
     * One attempt: facilities are defined (1, .5, 0), nothing else: every
     * variance needs s > 1 (Moodle's secondary_question_walker), the test's
     * sd n > 1. Mean = median = 1.5 (of 3). Thirds: g = 1, the attempt is
     * both groups.
     */
    {"one attempt",
     1,
     3,
     {1, 1, 1},
     {{1, .5, 0}},
     false,
     {{0}},
     {{1, 1, NA, NA, NA, NA, ITEMSTATS_FEW},
      {1, .5, NA, NA, NA, NA, ITEMSTATS_FEW},
      {1, 0, NA, NA, NA, NA, ITEMSTATS_FEW}},
     {1.5, 1.5, NA, NA, NA, NA, NA, NA, 3, ITEMSTATS_FEW, 1, 1, 1, 1.5, 1.5}},
    /*
     * An item no one saw (i1) beside the hand case's i1 and i3 (as i0, i2):
     * i1 has s = 0 and every figure NaN; the others are a fixed form of two
     * items (p = 2) over totals m0 + m2 = 2 1 2 0 0.
     *
     * i0: m = 1 1 1 0 0, var .3; rest = i2 = 1 0 1 0 0, rbar .4, var .3;
     *     sum dm dr = .4 .6 - .4 .4 + .4 .6 + .6 .4 + .6 .4 = .24 - .16 + .24 +
     *     .24 + .24 = .8, cov .2, DI = 100 .2 / .3 = 66.666667. sorted: dm
     *     -.6 -.6 .4 .4 .4 against dr -.4 -.4 -.4 .6 .6: .24 + .24 - .16 + .24
     *     + .24 = .8: DE 100 %.
     * i2: the mirror: DI 66.666667, DE 100 %.
     * T = 2 1 2 0 0: mean 1, dT = 1 0 1 -1 -1, sum dT^2 = 4, var 1, sd 1.
     *     cov(i0, T) = (.4 + 0 + .4 + .6 + .6)/4 = .5 and cov(i2, T) = (.6 +
     *     .4 .0 + .6 + .4 + .4)/4 = .5: effective weights 50 % each.
     *     sum dT^3 = 1 + 1 - 1 - 1 = 0: skewness 0; sum dT^4 = 4, m2 = .8,
     *     m4 = .8, k2 = 1, k4 = 25 (6 .8 - 12 .64) / 24 = 25 (-2.88) / 24 = -3,
     *     kurtosis -3. CIC = 100 2 (1 - .6/1) = 80, error ratio 100 sqrt(.2) =
     *     44.72136, standard error .4472136.
     * Thirds: g = 1, sorted 0 0 1 2 2: bottom cut 0 (two attempts), top cut 2
     *     (two attempts).
     */
    {"an item no one saw",
     5,
     3,
     {1, 1, 1},
     {{1, 0, 1}, {1, 0, 0}, {1, 0, 1}, {0, 0, 0}, {0, 0, 0}},
     true,
     {{1, 0, 1}, {1, 0, 1}, {1, 0, 1}, {1, 0, 1}, {1, 0, 1}},
     {{5, .6, .5477225575, 66.666666667, 100, 50, 0},
      {0, NA, NA, NA, NA, NA, ITEMSTATS_UNSEEN},
      {5, .4, .5477225575, 66.666666667, 100, 50, 0}},
     {1, 1, 1, 0, -3, 80, 44.721359550, .44721359550, 2, 0, 1, 2, 2, 2, 0}},
    /*
     * Ties at both cuts: six attempts, totals 3 2 2 1 1 0. g = floor(6/3) =
     * 2; sorted 0 1 1 2 2 3: bottom cut = 2nd lowest = 1, so 0 1 1 are the
     * bottom group (3 attempts); top cut = 2nd highest = 2, so 3 2 2 are the
     * top (3 attempts).
     *
     *        i0 i1 i2   T
     *   a0    1  1  1   3
     *   a1    1  1  0   2
     *   a2    1  0  1   2
     *   a3    1  0  0   1
     *   a4    0  1  0   1
     *   a5    0  0  0   0      T mean 1.5, dT = 1.5 .5 .5 -.5 -.5 -1.5
     *
     * i0: m = 1 1 1 1 0 0, mbar 2/3, dm = 1/3 (x4) -2/3 (x2), sum dm^2 =
     *     4/9 + 8/9 = 4/3, var 4/15 = .2666667; rest = 2 1 1 0 1 0, rbar 5/6,
     *     dr = 7/6 1/6 1/6 -5/6 1/6 -5/6, sum dr^2 = (49+1+1+25+1+25)/36 =
     *     102/36, var 102/180 = .5666667; sum dm dr = (7+1+1-5)/18 - 2/18 +
     *     10/18 = 12/18 = 2/3, cov 2/15; DI = 100 (2/15) / sqrt(4/15 17/30) =
     *     13.3333 / sqrt(.1511111) = 34.299717. sorted: dm -2/3 -2/3 1/3 1/3
     *     1/3 1/3, rest 0 0 1 1 1 2 -> dr -5/6 -5/6 1/6 1/6 1/6 7/6:
     *     10/18 + 10/18 + (1+1+1+7)/18 = 30/18 = 5/3, covmax 1/3, DE = 100
     *     (2/15) / (1/3) = 40 %. cov with T: (1.5 + .5 + .5 - .5)/3 + (1 + 3)/6
     *     ... = sum dm dT = (1/3)(2) + (-2/3)(-2) = 2/3 + 4/3 = 2, /5 = .4.
     * i1: m = 1 1 0 0 1 0, mbar .5, dm = +-.5, var 1.5/5 = .3; rest = 2 1 2 1
     *     0 0, rbar 1, dr = 1 0 1 0 -1 -1, var 4/5 = .8; sum dm dr = .5 + 0 -
     *     .5 + 0 - .5 + .5 = 0: DI 0, DE 0 % (covmax: sorted dm -.5 -.5 -.5 .5
     *     .5 .5 against dr -1 -1 0 0 1 1: .5 + .5 + 0 + 0 + .5 + .5 = 2, /5 =
     *     .4 > 0). cov with T: .5 (1.5 + .5 - .5) - .5 (.5 - .5 - 1.5) = .75 +
     *     .75 = 1.5, /5 = .3.
     * i2: m = 1 0 1 0 0 0, mbar 1/3, dm = 2/3 -1/3 2/3 -1/3 -1/3 -1/3, sum
     *     dm^2 = 8/9 + 4/9 = 4/3, var 4/15; rest = 2 2 1 1 1 0, rbar 7/6, dr
     *     = 5/6 5/6 -1/6 -1/6 -1/6 -7/6, sum dr^2 = (25+25+1+1+1+49)/36 =
     *     102/36, var 17/30; sum dm dr = (10 - 5 - 2 + 1 + 1 + 7)/18 = 12/18:
     *     cov 2/15, DI 34.299717; sorted: dm -1/3 (x4) 2/3 2/3, dr -7/6 -1/6
     *     -1/6 -1/6 5/6 5/6: (7+1+1+1)/18 + 20/18 = 30/18: covmax 1/3, DE 40 %.
     *     cov with T: (2/3)(1.5 + .5) - (1/3)(.5 - .5 - .5 - 1.5) = 4/3 + 2/3
     *     = 2, /5 = .4. (.4 + .3 + .4 = 1.1 = 5.5/5 = var T.)
     * Effective weights: sqrt .4 = .6324555, sqrt .3 = .5477226, sum of the
     *     three 1.8126336: 34.891526, 30.216948, 34.891526 %.
     * Test: median (1 + 2)/2 = 1.5; sum dT^2 = 2.25 2 + .25 4 = 5.5, var 1.1,
     *     sd 1.0488088; sum dT^3 = 0 (symmetric), skewness 0; sum dT^4 =
     *     5.0625 2 + .0625 4 = 10.375, m2 = 5.5/6, m4 = 10.375/6, k4 = 36 (7
     *     1.7291667 - 15 .8402778) / 60 = 36 (12.1041667 - 12.6041667) / 60 =
     *     -.3, kurtosis -.3 / 1.21 = -.24793388. CIC = 100 3/2 (1 - (4/15 +
     *     .3 + 4/15)/1.1) = 150 (1 - .8333333/1.1) = 36.363636; error ratio
     *     100 sqrt(.6363636) = 79.772404; standard error sqrt(1.1 .6363636) =
     *     sqrt(.7) = .83666003.
     */
    {"ties at both cuts of the thirds",
     6,
     3,
     {1, 1, 1},
     {{1, 1, 1}, {1, 1, 0}, {1, 0, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 0}},
     false,
     {{0}},
     {{6, 2.0 / 3, .5163977795, 34.299717028, 40, 34.891526037, 0},
      {6, .5, .5477225575, 0, 0, 30.216947925, ITEMSTATS_LOW_DE},
      {6, 1.0 / 3, .5163977795, 34.299717028, 40, 34.891526037, 0}},
     {1.5, 1.5, 1.0488088482, 0, -.24793388430, 36.363636364, 79.772403521, .83666002653, 3, 0, 2,
      3, 3, 2, 1}},
    /*
     * The rest does not vary: i0 = 1 0 1, i1 = 1 1 1. i0's rest is i1's
     * constant 1s: no DI, no DE (ZERO_REST_VAR); i1 does not vary itself.
     * T = 2 1 2: cov(i0, T) = var i0 = (4/9 + 1/9 ... ) sum dm^2 = 2/9 + 4/9
     * = 2/3, /2 = 1/3; cov(i1, T) = 0. Effective weights 100 % and 0 %.
     * Test: mean 5/3, median 2, sd sqrt(1/3) = .5773503; sum dT^3 =
     * (1/27)(1 + 1 - 8) = -6/27, m3 = -2/27, m2 = 2/9, k2 = 1/3, k3 = 9
     * (-2/27) / 2 = -1/3, skewness = -(1/3) / (1/3)^1.5 = -sqrt(3) =
     * -1.7320508; n = 3: no kurtosis (FEW). CIC = 100 2 (1 - (1/3)/(1/3)) =
     * 0, error ratio 100, standard error = sd = .5773503.
     * Thirds: g = 1, sorted 1 2 2: bottom cut 1, top cut 2 (two attempts).
     */
    {"rest without variance",
     3,
     2,
     {1, 1},
     {{1, 1}, {0, 1}, {1, 1}},
     false,
     {{0}},
     {{3, 2.0 / 3, .5773502692, NA, NA, 100, ITEMSTATS_ZERO_REST_VAR},
      {3, 1, 0, NA, NA, 0, ITEMSTATS_ZERO_VAR}},
     {5.0 / 3, 2, .5773502692, -1.7320508076, NA, 0, 100, .5773502692, 2, ITEMSTATS_FEW, 1, 2, 1, 2,
      1}},
    /*
     * Negative covariance: i0 = i1 = 1 1 0 0, i2 = 0 0 1 1. T = 2 2 1 1,
     * mean 1.5, dT = .5 .5 -.5 -.5, var 1/3. cov(i0, T) = cov(i1, T) = (4
     * .25)/3 = 1/3; cov(i2, T) = -1/3: no effective weight (NEGCOVAR), and
     * the sum for the others is 2 sqrt(1/3): 50 % each.
     * i0: rest = i1 + i2 = 1 1 1 1: constant (ZERO_REST_VAR). Same for i1.
     * i2: dm = -.5 -.5 .5 .5, var 1/3; rest = 2 2 0 0, dr = 1 1 -1 -1, var
     *     4/3; cov = -2/3; DI = -66.667 / sqrt(4/9) = -100. sorted: dm -.5 -.5
     *     .5 .5 against dr -1 -1 1 1: 2, covmax 2/3, DE -100 %.
     * Test: sum dT^3 = 0; sum dT^4 = 4/16, m2 = .25, m4 = .0625; k2 = 1/3,
     *     k4 = 16 (5 .0625 - 9 .0625) / 6 = -2/3, kurtosis = -(2/3)/(1/9) = -6.
     *     CIC = 100 3/2 (1 - 1/(1/3)) = -300, error ratio 100 sqrt(4) = 200,
     *     standard error 2 sqrt(1/3) = 1.1547005.
     * Thirds: g = 1, sorted 1 1 2 2: both cuts take two attempts.
     */
    {"negative covariance with the total",
     4,
     3,
     {1, 1, 1},
     {{1, 1, 0}, {1, 1, 0}, {0, 0, 1}, {0, 0, 1}},
     false,
     {{0}},
     {{4, .5, .5773502692, NA, NA, 50, ITEMSTATS_ZERO_REST_VAR},
      {4, .5, .5773502692, NA, NA, 50, ITEMSTATS_ZERO_REST_VAR},
      {4, .5, .5773502692, -100, -100, NA, ITEMSTATS_NEGCOVAR | ITEMSTATS_LOW_DE}},
     {1.5, 1.5, .5773502692, 0, -6, -300, 200, 1.1547005384, 3, 0, 1, 2, 2, 2, 1}},
    /*
     * Two attempts: the test's sd is defined (n > 1), nothing beyond it
     * (Moodle needs n > 2). T = 2 0: mean 1, median 1, sd sqrt(2) =
     * 1.4142136. Items: i0 = 1 0, rest = i1 = 1 0: DI 100, DE 100.
     * cov(i0, T) = (.5 1 + .5 1)/1 = 1 for both: effective weights 50 %.
     */
    {"two attempts",
     2,
     2,
     {1, 1},
     {{1, 1}, {0, 0}},
     false,
     {{0}},
     {{2, .5, .7071067812, 100, 100, 50, 0}, {2, .5, .7071067812, 100, 100, 50, 0}},
     {1, 1, 1.4142135624, NA, NA, NA, NA, NA, 2, ITEMSTATS_FEW, 1, 1, 1, 2, 0}},
};

static void fill_input(const hand_case *hc, itemstats_input *in, double *score, uint8_t *seen)
{
    for (size_t a = 0; a < hc->n; a++)
        for (size_t j = 0; j < hc->m; j++) {
            score[a * hc->m + j] = hc->score[a][j];
            seen[a * hc->m + j] = hc->seen[a][j];
        }
    *in = (itemstats_input){.n_attempts = hc->n,
                            .n_items = hc->m,
                            .max_mark = hc->max,
                            .score = score,
                            .seen = hc->use_seen ? seen : NULL};
}

static void check_item(const want_item *w, const itemstats_item *it, const char *name, size_t j)
{
    size_t before = (size_t)check_failures;
    CHECK_INT(w->s, it->s);
    CHECK_NUM(w->facility, it->facility);
    CHECK_NUM(w->sd, it->sd);
    CHECK_NUM(w->di, it->discrimination_index);
    CHECK_NUM(w->de, it->discriminative_efficiency);
    CHECK_NUM(w->ew, it->effective_weight);
    CHECK_INT(w->flags, it->flags);
    if ((size_t)check_failures != before)
        fprintf(stderr, "  (case \"%s\", item %zu)\n", name, j);
}

static void check_test(const want_test *w, const itemstats_test *t, const char *name)
{
    size_t before = (size_t)check_failures;
    CHECK_NUM(w->mean, t->mean);
    CHECK_NUM(w->median, t->median);
    CHECK_NUM(w->sd, t->sd);
    CHECK_NUM(w->skewness, t->skewness);
    CHECK_NUM(w->kurtosis, t->kurtosis);
    CHECK_NUM(w->cic, t->cic);
    CHECK_NUM(w->error_ratio, t->error_ratio);
    CHECK_NUM(w->standard_error, t->standard_error);
    CHECK_INT(w->p, t->p);
    CHECK_INT(w->flags, t->flags);
    CHECK_INT(w->g, t->third_g);
    CHECK_INT(w->top_n, t->top_n);
    CHECK_INT(w->bottom_n, t->bottom_n);
    CHECK_NUM(w->top_cut, t->top_cut);
    CHECK_NUM(w->bottom_cut, t->bottom_cut);
    if ((size_t)check_failures != before)
        fprintf(stderr, "  (case \"%s\", the test)\n", name);
}

static void test_hand_cases(void)
{
    for (size_t c = 0; c < sizeof hand_cases / sizeof hand_cases[0]; c++) {
        const hand_case *hc = &hand_cases[c];
        double score[HN * HM];
        uint8_t seen[HN * HM];
        itemstats_input in;
        itemstats *st = NULL;
        sq_err err = {0};
        fill_input(hc, &in, score, seen);
        CHECK_OK(itemstats_compute(&in, &st, &err), &err);
        if (!st)
            continue;
        CHECK_INT(hc->n, st->test.n);
        CHECK_INT(hc->m, st->n_items);
        CHECK(st->slots == NULL && st->options == NULL);
        for (size_t j = 0; j < hc->m; j++)
            check_item(&hc->item[j], &st->items[j], hc->name, j);
        check_test(&hc->test, &st->test, hc->name);
        itemstats_free(st);
    }
}

/*
 * The distractor tables of the five-attempt case, with choices:
 *   i0 (single, 4 options, key A): a0 A, a1 A, a2 A, a3 B, a4 nothing
 *   i1 (single, 3 options, key B): a0 B, a1 B, a2 C, a3 B, a4 A
 *   i2 (multiple, 4 options, key A+C): a0 AC, a1 AB, a2 AC, a3 nothing,
 *      a4 BCD
 * Top third {a0} (total 3), bottom third {a4} (total 0).
 */
static void test_distractors(void)
{
    const hand_case *hc = &hand_cases[0];
    double score[HN * HM];
    uint8_t seen[HN * HM];
    itemstats_input in;
    fill_input(hc, &in, score, seen);
    enum { A = 1, B = 2, C = 4, D = 8 };
    const uint32_t chosen[] = {A, B, A | C, A, B, A | B, A, C, A | C, B, B, 0, 0, A, B | C | D};
    const uint8_t nopt[] = {4, 3, 4};
    in.chosen = chosen;
    in.n_options = nopt;

    /* [item][group]: seen, unanswered, then per option */
    static const size_t want[3][3][6] = {
        {{5, 1, 3, 1, 0, 0}, {1, 0, 1, 0, 0, 0}, {1, 1, 0, 0, 0, 0}},
        {{5, 0, 1, 3, 1}, {1, 0, 0, 1, 0}, {1, 0, 1, 0, 0}},
        {{5, 1, 3, 2, 3, 1}, {1, 0, 1, 0, 1, 0}, {1, 0, 0, 1, 1, 1}},
    };
    itemstats *st = NULL;
    sq_err err = {0};
    CHECK_OK(itemstats_compute(&in, &st, &err), &err);
    if (!st)
        return;
    CHECK(st->options != NULL);
    for (size_t j = 0; st->options && j < 3; j++) {
        const itemstats_options *o = &st->options[j];
        CHECK_INT(nopt[j], o->n_options);
        for (int g = 0; g < ITEMSTATS_GROUPS; g++) {
            CHECK_INT(want[j][g][0], o->seen[g]);
            CHECK_INT(want[j][g][1], o->unanswered[g]);
            for (unsigned k = 0; k < o->n_options; k++)
                CHECK_INT(want[j][g][2 + k], o->chosen[g][k]);
        }
    }
    /* The choices change no figure. */
    CHECK_NUM(hc->item[2].de, st->items[2].discriminative_efficiency);
    itemstats_free(st);
}

/*
 * Distractors at tied cuts (the "ties" hand case): the top group is a0,
 * a1, a2 (totals 3 2 2), the bottom a3, a4, a5 (1 1 0). One item with
 * two options, everyone answering: option 0 for a0 a1 a3, option 1 for
 * the rest. Top: 2 and 1; bottom: 1 and 2. And a grid where every total
 * is the same: both groups are every attempt.
 */
static void test_thirds_ties(void)
{
    const hand_case *hc = &hand_cases[6];
    double score[HN * HM];
    uint8_t seen[HN * HM];
    itemstats_input in;
    fill_input(hc, &in, score, seen);
    uint32_t chosen[6 * 3] = {0};
    const uint32_t pick[6] = {1, 1, 2, 1, 2, 2};
    for (int a = 0; a < 6; a++)
        chosen[a * 3 + 1] = pick[a];
    const uint8_t nopt[] = {0, 2, 0};
    in.chosen = chosen;
    in.n_options = nopt;
    itemstats *st = NULL;
    sq_err err = {0};
    CHECK_OK(itemstats_compute(&in, &st, &err), &err);
    if (st) {
        const itemstats_options *o = &st->options[1];
        CHECK_INT(6, o->seen[ITEMSTATS_ALL]);
        CHECK_INT(3, o->seen[ITEMSTATS_TOP]);
        CHECK_INT(3, o->seen[ITEMSTATS_BOTTOM]);
        CHECK_INT(2, o->chosen[ITEMSTATS_TOP][0]);
        CHECK_INT(1, o->chosen[ITEMSTATS_TOP][1]);
        CHECK_INT(1, o->chosen[ITEMSTATS_BOTTOM][0]);
        CHECK_INT(2, o->chosen[ITEMSTATS_BOTTOM][1]);
        /* an item with no options: only seen and unanswered */
        CHECK_INT(0, st->options[0].n_options);
        CHECK_INT(6, st->options[0].unanswered[ITEMSTATS_ALL]);
        itemstats_free(st);
    }

    /* All totals 1 (by different items): both groups are all six. */
    const double flat[6 * 2] = {1, 0, 0, 1, 1, 0, 0, 1, .5, .5, .25, .75};
    const double mx[2] = {1, 1};
    const uint32_t ch[6 * 2] = {1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1};
    const uint8_t no[2] = {1, 1};
    in = (itemstats_input){.n_attempts = 6,
                           .n_items = 2,
                           .max_mark = mx,
                           .score = flat,
                           .chosen = ch,
                           .n_options = no};
    CHECK_OK(itemstats_compute(&in, &st, &err), &err);
    if (st) {
        CHECK_INT(2, st->test.third_g);
        CHECK_INT(6, st->test.top_n);
        CHECK_INT(6, st->test.bottom_n);
        CHECK_INT(6, st->options[0].seen[ITEMSTATS_TOP]);
        CHECK_INT(6, st->options[0].seen[ITEMSTATS_BOTTOM]);
        CHECK_INT(4, st->options[0].chosen[ITEMSTATS_BOTTOM][0]);
        CHECK_INT(ITEMSTATS_ZERO_VAR, st->test.flags);
        itemstats_free(st);
    }
}

/* ---- 2. a plain reference implementation ---------------------------- */

/* Everything below is written from the formulas in the simplest way:
 * each figure from its own arrays, sorted with qsort. */

typedef struct {
    size_t s;
    double facility, sd, di, de, ew, cov_total, var;
    bool low_de;
} ref_item;

typedef struct {
    double mean, median, sd, skewness, kurtosis, cic, error_ratio, standard_error;
    size_t p, g, top_n, bottom_n;
    double top_cut, bottom_cut;
} ref_test;

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double ref_mean(const double *v, size_t s)
{
    double sum = 0;
    for (size_t i = 0; i < s; i++)
        sum += v[i];
    return sum / (double)s;
}

/* The (n-1) covariance of two columns; the variance when x == y. */
static double ref_cov(const double *x, const double *y, size_t s)
{
    double mx = ref_mean(x, s), my = ref_mean(y, s), sum = 0;
    for (size_t i = 0; i < s; i++)
        sum += (x[i] - mx) * (y[i] - my);
    return sum / (double)(s - 1);
}

static bool ref_constant(const double *x, size_t s)
{
    for (size_t i = 1; i < s; i++)
        if (x[i] != x[0])
            return false;
    return true;
}

/* A column: its marks and each attempt's total, for the s attempts in it. */
static void ref_column(const double *mark, const double *total, size_t s, double max, ref_item *o)
{
    o->s = s;
    o->facility = o->sd = o->di = o->de = o->ew = NAN;
    o->cov_total = o->var = 0;
    o->low_de = false;
    if (s == 0)
        return;
    o->facility = ref_mean(mark, s) / max;
    if (s < 2)
        return;
    double *rest = malloc(s * sizeof *rest), *sm = malloc(s * sizeof *sm),
           *sr = malloc(s * sizeof *sr);
    for (size_t i = 0; i < s; i++)
        rest[i] = total[i] - mark[i];
    bool cm = ref_constant(mark, s), cr = ref_constant(rest, s);
    o->var = cm ? 0 : ref_cov(mark, mark, s);
    o->sd = sqrt(o->var) / max;
    o->cov_total = cm ? 0 : ref_cov(mark, total, s);
    if (!cm && !cr) {
        double vr = ref_cov(rest, rest, s), c = ref_cov(mark, rest, s);
        o->di = 100 * c / sqrt(o->var * vr);
        memcpy(sm, mark, s * sizeof *sm);
        memcpy(sr, rest, s * sizeof *sr);
        qsort(sm, s, sizeof *sm, cmp_double);
        qsort(sr, s, sizeof *sr, cmp_double);
        /* the sorted columns have the same means as the unsorted ones */
        double cmax = ref_cov(sm, sr, s);
        o->de = 100 * c / cmax;
        o->low_de = o->de < 15;
    }
    free(sr);
    free(sm);
    free(rest);
}

static void ref_weights(ref_item *col, size_t k)
{
    double sum = 0;
    for (size_t c = 0; c < k; c++)
        if (col[c].s >= 2 && col[c].cov_total >= 0)
            sum += sqrt(col[c].cov_total);
    for (size_t c = 0; c < k; c++)
        if (col[c].s >= 2 && col[c].cov_total >= 0 && sum > 0)
            col[c].ew = 100 * sqrt(col[c].cov_total) / sum;
}

/* The whole analysis. items[m], slots[n_slots]. */
static void ref_compute(const itemstats_input *in, ref_item *items, ref_item *slots, ref_test *t,
                        size_t (*counts)[ITEMSTATS_GROUPS][2 + ITEMSTATS_MAX_OPTIONS])
{
    size_t n = in->n_attempts, m = in->n_items, p = in->slot ? in->n_slots : 0;
    double *total = calloc(n, sizeof *total), *sorted = malloc(n * sizeof *sorted);
    double *mark = malloc(n * sizeof *mark), *tot = malloc(n * sizeof *tot);
    double possible = 0;
    for (size_t a = 0; a < n; a++) {
        double poss = 0;
        for (size_t j = 0; j < m; j++)
            if (!in->seen || in->seen[a * m + j]) {
                total[a] += in->score[a * m + j] * in->max_mark[j];
                poss += in->max_mark[j];
            }
        possible = fmax(possible, poss);
    }
    memcpy(sorted, total, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_double);

    /* items */
    bool fixed = true;
    for (size_t j = 0; j < m; j++) {
        size_t s = 0;
        for (size_t a = 0; a < n; a++)
            if (!in->seen || in->seen[a * m + j]) {
                mark[s] = in->score[a * m + j] * in->max_mark[j];
                tot[s++] = total[a];
            }
        fixed = fixed && (s == 0 || s == n);
        ref_column(mark, tot, s, in->max_mark[j], &items[j]);
    }
    /* slots: the item in slot c of each attempt */
    for (size_t c = 0; c < p; c++) {
        double maxsum = 0;
        for (size_t a = 0; a < n; a++)
            for (size_t j = 0; j < m; j++)
                if ((!in->seen || in->seen[a * m + j]) && in->slot[a * m + j] == (int32_t)c) {
                    mark[a] = in->score[a * m + j] * in->max_mark[j];
                    maxsum += in->max_mark[j];
                }
        ref_column(mark, total, n, maxsum / (double)n, &slots[c]);
    }

    /* the test */
    t->mean = ref_mean(total, n);
    t->median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    t->sd = t->skewness = t->kurtosis = t->cic = t->error_ratio = t->standard_error = NAN;
    double p2 = 0, p3 = 0, p4 = 0, s = (double)n;
    for (size_t a = 0; a < n; a++) {
        double d = total[a] - t->mean;
        p2 += pow(d, 2);
        p3 += pow(d, 3);
        p4 += pow(d, 4);
    }
    bool flat = ref_constant(total, n);
    if (flat)
        p2 = p3 = p4 = 0;
    if (n > 1)
        t->sd = sqrt(p2 / (s - 1));
    double k2 = p2 / (s - 1);
    t->p = 0;
    if (p) {
        ref_weights(slots, p);
        t->p = p;
    } else if (fixed) {
        ref_weights(items, m);
        for (size_t j = 0; j < m; j++)
            t->p += items[j].s > 0;
    }
    if (n > 2 && !flat) {
        t->skewness = (s * s * (p3 / s) / ((s - 1) * (s - 2))) / pow(k2, 1.5);
        if (n > 3)
            t->kurtosis = s * s * ((s + 1) * (p4 / s) - 3 * (s - 1) * pow(p2 / s, 2)) /
                          ((s - 1) * (s - 2) * (s - 3)) / (k2 * k2);
        if (t->p > 1) {
            double sum_var = 0;
            if (p)
                for (size_t c = 0; c < p; c++)
                    sum_var += slots[c].var;
            else
                for (size_t j = 0; j < m; j++)
                    sum_var += items[j].var;
            double P = (double)t->p;
            t->cic = 100 * P / (P - 1) * (1 - sum_var / k2);
            if (t->cic <= 100) {
                t->error_ratio = 100 * sqrt(1 - t->cic / 100);
                t->standard_error = t->error_ratio * t->sd / 100;
            }
        }
    }

    /* thirds, and the choices counted group by group */
    size_t g = n / 3 > 0 ? n / 3 : 1;
    double tol = 1e-9 * fmax(1, possible);
    t->g = g;
    t->bottom_cut = sorted[g - 1];
    t->top_cut = sorted[n - g];
    t->top_n = t->bottom_n = 0;
    for (size_t a = 0; a < n; a++) {
        bool in_group[ITEMSTATS_GROUPS] = {true, total[a] >= t->top_cut - tol,
                                           total[a] <= t->bottom_cut + tol};
        t->top_n += in_group[ITEMSTATS_TOP];
        t->bottom_n += in_group[ITEMSTATS_BOTTOM];
        for (size_t j = 0; counts && j < m; j++) {
            if (in->seen && !in->seen[a * m + j])
                continue;
            for (int gr = 0; gr < ITEMSTATS_GROUPS; gr++) {
                if (!in_group[gr])
                    continue;
                counts[j][gr][0]++;
                uint32_t c = in->chosen[a * m + j];
                if (c == 0)
                    counts[j][gr][1]++;
                for (unsigned k = 0; k < in->n_options[j]; k++)
                    if (c & (UINT32_C(1) << k))
                        counts[j][gr][2 + k]++;
            }
        }
    }
    free(tot);
    free(mark);
    free(sorted);
    free(total);
}

/* ---- random grids --------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double uniform(void)
{
    return (double)(rng() >> 11) / 9007199254740992.0;
}

typedef enum { FIXED, DRAWN_SLOTS, DRAWN_NO_SLOTS } form;

typedef struct {
    const char *name;
    uint64_t seed;
    size_t n, m, draw; /* draw: items per attempt (DRAWN_*) */
    form form;
    double unseen_item; /* FIXED: the chance that an item is seen by no one */
} random_case;

static const random_case random_cases[] = {
    {"fixed, 7 attempts", 1, 7, 5, 0, FIXED, 0},
    {"fixed, 40 attempts, an item no one saw", 2, 40, 8, 0, FIXED, .2},
    {"fixed, 300 attempts", 3, 300, 12, 0, FIXED, 0},
    {"fixed, 2000 attempts (radix sort path)", 4, 2000, 10, 0, FIXED, 0},
    {"drawn with slots, 60 attempts", 5, 60, 15, 5, DRAWN_SLOTS, 0},
    {"drawn with slots, 1500 attempts", 6, 1500, 30, 10, DRAWN_SLOTS, 0},
    {"drawn without slots, 500 attempts", 7, 500, 20, 8, DRAWN_NO_SLOTS, 0},
    {"drawn, 4 attempts", 8, 4, 6, 3, DRAWN_SLOTS, 0},
};

static void check_against_ref(const itemstats_item *it, const ref_item *r, const char *name,
                              const char *what, size_t j)
{
    size_t before = (size_t)check_failures;
    CHECK_INT(r->s, it->s);
    CHECK_NUM(r->facility, it->facility);
    CHECK_NUM(r->sd, it->sd);
    CHECK_NUM(r->di, it->discrimination_index);
    CHECK_NUM(r->de, it->discriminative_efficiency);
    CHECK_NUM(r->ew, it->effective_weight);
    CHECK_INT(r->low_de, (it->flags & ITEMSTATS_LOW_DE) != 0);
    if ((size_t)check_failures != before)
        fprintf(stderr, "  (case \"%s\", %s %zu)\n", name, what, j);
}

/* Two results of the same data agree figure by figure. */
static void check_same(const itemstats *x, const itemstats *y, const char *name)
{
    size_t before = (size_t)check_failures;
    CHECK_INT(x->n_items, y->n_items);
    CHECK_INT(x->n_slots, y->n_slots);
    for (size_t j = 0;
         j < x->n_items + x->n_slots && x->n_items == y->n_items && x->n_slots == y->n_slots; j++) {
        const itemstats_item *a = j < x->n_items ? &x->items[j] : &x->slots[j - x->n_items];
        const itemstats_item *b = j < x->n_items ? &y->items[j] : &y->slots[j - x->n_items];
        CHECK_INT(a->s, b->s);
        CHECK_NUM(a->facility, b->facility);
        CHECK_NUM(a->sd, b->sd);
        CHECK_NUM(a->discrimination_index, b->discrimination_index);
        CHECK_NUM(a->discriminative_efficiency, b->discriminative_efficiency);
        CHECK_NUM(a->effective_weight, b->effective_weight);
        CHECK_INT(a->flags, b->flags);
    }
    const itemstats_test *a = &x->test, *b = &y->test;
    CHECK_NUM(a->mean, b->mean);
    CHECK_NUM(a->median, b->median);
    CHECK_NUM(a->sd, b->sd);
    CHECK_NUM(a->skewness, b->skewness);
    CHECK_NUM(a->kurtosis, b->kurtosis);
    CHECK_NUM(a->cic, b->cic);
    CHECK_NUM(a->standard_error, b->standard_error);
    CHECK_INT(a->p, b->p);
    CHECK_INT(a->flags, b->flags);
    CHECK_INT(a->top_n, b->top_n);
    CHECK_INT(a->bottom_n, b->bottom_n);
    CHECK((x->options == NULL) == (y->options == NULL));
    for (size_t j = 0; x->options && y->options && j < x->n_items; j++)
        for (int g = 0; g < ITEMSTATS_GROUPS; g++) {
            CHECK_INT(x->options[j].seen[g], y->options[j].seen[g]);
            CHECK_INT(x->options[j].unanswered[g], y->options[j].unanswered[g]);
            for (unsigned k = 0; k < x->options[j].n_options; k++)
                CHECK_INT(x->options[j].chosen[g][k], y->options[j].chosen[g][k]);
        }
    if ((size_t)check_failures != before)
        fprintf(stderr, "  (case \"%s\", sparse against dense)\n", name);
}

/*
 * The dense grid of in again in the sparse layout: each attempt's seen
 * items listed in reverse item order (any order must do), then one unseen
 * cell of garbage; the result must be the dense one's.
 */
static void check_sparse(const itemstats_input *in, const itemstats *dense, const char *name)
{
    size_t n = in->n_attempts, m = in->n_items, nc = m + 1, cells = n * nc;
    uint32_t *item = malloc(cells * sizeof *item), *chosen = malloc(cells * sizeof *chosen);
    double *score = malloc(cells * sizeof *score);
    uint8_t *seen = malloc(cells);
    int32_t *slot = malloc(cells * sizeof *slot);
    for (size_t a = 0; a < n; a++) {
        size_t k = 0;
        for (size_t j = m; j-- > 0;) {
            size_t from = a * m + j, to = a * nc + k;
            if (in->seen && !in->seen[from])
                continue;
            item[to] = (uint32_t)j;
            score[to] = in->score[from];
            chosen[to] = in->chosen[from];
            slot[to] = in->slot ? in->slot[from] : 0;
            seen[to] = 1;
            k++;
        }
        for (; k < nc; k++) {
            size_t to = a * nc + k;
            item[to] = UINT32_MAX; /* unseen: not read */
            score[to] = NAN;
            chosen[to] = UINT32_MAX;
            slot[to] = -1;
            seen[to] = 0;
        }
    }
    itemstats_input sp = *in;
    sp.item = item;
    sp.n_cells = nc;
    sp.score = score;
    sp.seen = seen;
    sp.chosen = chosen;
    sp.slot = in->slot ? slot : NULL;
    itemstats *st = NULL;
    sq_err err = {0};
    CHECK_OK(itemstats_compute(&sp, &st, &err), &err);
    if (st)
        check_same(dense, st, name);
    itemstats_free(st);
    free(slot);
    free(seen);
    free(score);
    free(chosen);
    free(item);
}

static void test_random_case(const random_case *rc)
{
    size_t n = rc->n, m = rc->m, cells = n * m;
    double *max = malloc(m * sizeof *max), *score = malloc(cells * sizeof *score);
    double *difficulty = malloc(m * sizeof *difficulty);
    uint8_t *seen = malloc(cells), *nopt = malloc(m), *kind = malloc(m);
    uint32_t *chosen = malloc(cells * sizeof *chosen);
    int32_t *slot = malloc(cells * sizeof *slot);
    size_t *order = malloc(m * sizeof *order);
    rng_state = rc->seed;

    /* Items: right/wrong, partial credit in thirds or quarters, or
     * multiple answers; 1 to 4 points; 2 to 6 options. */
    for (size_t j = 0; j < m; j++) {
        max[j] = 1 + (double)(rng() % 4);
        difficulty[j] = uniform() * 2 - 1;
        kind[j] = rng() % 3;
        nopt[j] = (uint8_t)(2 + rng() % 5);
    }
    bool *unseen_item = calloc(m, sizeof *unseen_item);
    if (rc->form == FIXED)
        for (size_t j = 0; j < m; j++)
            unseen_item[j] = uniform() < rc->unseen_item;
    for (size_t a = 0; a < n; a++) {
        double ability = uniform() * 3 - 1.5;
        memset(seen + a * m, 0, m);
        if (rc->form == FIXED) {
            for (size_t j = 0; j < m; j++)
                seen[a * m + j] = !unseen_item[j];
        } else {
            /* the first draw items of a shuffled order, slot = draw index */
            for (size_t j = 0; j < m; j++)
                order[j] = j;
            for (size_t k = 0; k < rc->draw; k++) {
                size_t pick = k + rng() % (m - k), tmp = order[k];
                order[k] = order[pick];
                order[pick] = tmp;
                seen[a * m + order[k]] = 1;
                slot[a * m + order[k]] = (int32_t)k;
            }
        }
        for (size_t j = 0; j < m; j++) {
            size_t cell = a * m + j;
            if (!seen[cell]) {
                score[cell] = 7; /* not read: anything */
                chosen[cell] = 0xffffffff;
                slot[cell] = -5;
                continue;
            }
            double pr = 1 / (1 + exp(-(ability - difficulty[j]) * 2));
            bool right = uniform() < pr;
            bool blank = uniform() < .05;
            unsigned key = (unsigned)(j % nopt[j]);
            if (blank) {
                score[cell] = 0;
                chosen[cell] = 0;
            } else if (kind[j] == 0) {
                score[cell] = right;
                chosen[cell] = right ? 1u << key : 1u << (rng() % nopt[j]);
                if (!right && chosen[cell] == 1u << key)
                    chosen[cell] = 1u << ((key + 1) % nopt[j]);
            } else {
                unsigned den = kind[j] == 1 ? 3 : 4, num = 0;
                for (unsigned k = 0; k < den; k++)
                    num += uniform() < pr;
                score[cell] = (double)num / den;
                chosen[cell] = (uint32_t)(rng() & ((1u << nopt[j]) - 1));
            }
        }
    }
    itemstats_input in = {.n_attempts = n,
                          .n_items = m,
                          .max_mark = max,
                          .score = score,
                          .seen = seen,
                          .chosen = chosen,
                          .n_options = nopt,
                          .slot = rc->form == DRAWN_SLOTS ? slot : NULL,
                          .n_slots = rc->form == DRAWN_SLOTS ? rc->draw : 0};

    ref_item *ri = calloc(m, sizeof *ri), *rsl = calloc(rc->draw + 1, sizeof *rsl);
    ref_test rt;
    size_t(*counts)[ITEMSTATS_GROUPS][2 + ITEMSTATS_MAX_OPTIONS] = calloc(m, sizeof *counts);
    ref_compute(&in, ri, rsl, &rt, counts);

    itemstats *st = NULL;
    sq_err err = {0};
    CHECK_OK(itemstats_compute(&in, &st, &err), &err);
    if (st) {
        for (size_t j = 0; j < m; j++)
            check_against_ref(&st->items[j], &ri[j], rc->name, "item", j);
        if (rc->form == DRAWN_SLOTS) {
            CHECK(st->slots != NULL);
            CHECK_INT(rc->draw, st->n_slots);
            for (size_t c = 0; st->slots && c < rc->draw; c++)
                check_against_ref(&st->slots[c], &rsl[c], rc->name, "slot", c);
            /* an item drawn per attempt has no effective weight */
            for (size_t j = 0; j < m; j++)
                if (st->items[j].s >= 2)
                    CHECK(st->items[j].flags & ITEMSTATS_NO_WEIGHT);
        } else {
            CHECK(st->slots == NULL);
        }
        if (rc->form == DRAWN_NO_SLOTS) {
            CHECK(st->test.flags & ITEMSTATS_NO_SLOTS);
            CHECK_INT(0, st->test.p);
        }
        const itemstats_test *t = &st->test;
        size_t before = (size_t)check_failures;
        CHECK_NUM(rt.mean, t->mean);
        CHECK_NUM(rt.median, t->median);
        CHECK_NUM(rt.sd, t->sd);
        CHECK_NUM(rt.skewness, t->skewness);
        CHECK_NUM(rt.kurtosis, t->kurtosis);
        CHECK_NUM(rt.cic, t->cic);
        CHECK_NUM(rt.error_ratio, t->error_ratio);
        CHECK_NUM(rt.standard_error, t->standard_error);
        CHECK_INT(rt.p, t->p);
        CHECK_INT(rt.g, t->third_g);
        CHECK_INT(rt.top_n, t->top_n);
        CHECK_INT(rt.bottom_n, t->bottom_n);
        CHECK_NUM(rt.top_cut, t->top_cut);
        CHECK_NUM(rt.bottom_cut, t->bottom_cut);
        for (size_t j = 0; j < m; j++) {
            const itemstats_options *o = &st->options[j];
            for (int g = 0; g < ITEMSTATS_GROUPS; g++) {
                CHECK_INT(counts[j][g][0], o->seen[g]);
                CHECK_INT(counts[j][g][1], o->unanswered[g]);
                for (unsigned k = 0; k < nopt[j]; k++)
                    CHECK_INT(counts[j][g][2 + k], o->chosen[g][k]);
            }
        }
        if ((size_t)check_failures != before)
            fprintf(stderr, "  (case \"%s\", the test and the tables)\n", rc->name);
        check_sparse(&in, st, rc->name);
        itemstats_free(st);
    }
    free(counts);
    free(rsl);
    free(ri);
    free(unseen_item);
    free(order);
    free(slot);
    free(chosen);
    free(kind);
    free(nopt);
    free(seen);
    free(difficulty);
    free(score);
    free(max);
}

static void test_random_cases(void)
{
    for (size_t c = 0; c < sizeof random_cases / sizeof random_cases[0]; c++)
        test_random_case(&random_cases[c]);
}

/*
 * The same data given in a different attempt order gives the same
 * figures (the thirds included: ties are all in, whatever the order).
 */
static void test_order_independent(void)
{
    const hand_case *hc = &hand_cases[6];
    double score[HN * HM], rev[HN * HM];
    uint8_t seen[HN * HM];
    itemstats_input in;
    fill_input(hc, &in, score, seen);
    for (size_t a = 0; a < hc->n; a++)
        memcpy(rev + a * hc->m, score + (hc->n - 1 - a) * hc->m, hc->m * sizeof *rev);
    itemstats *x = NULL, *y = NULL;
    sq_err err = {0};
    CHECK_OK(itemstats_compute(&in, &x, &err), &err);
    in.score = rev;
    CHECK_OK(itemstats_compute(&in, &y, &err), &err);
    if (x && y) {
        CHECK_INT(x->test.top_n, y->test.top_n);
        CHECK_INT(x->test.bottom_n, y->test.bottom_n);
        for (size_t j = 0; j < hc->m; j++)
            CHECK_NUM(x->items[j].discriminative_efficiency, y->items[j].discriminative_efficiency);
    }
    itemstats_free(x);
    itemstats_free(y);
}

/* ---- 3. bad input --------------------------------------------------- */

typedef enum {
    BAD_NO_INPUT,
    BAD_NO_OUT,
    BAD_N0,
    BAD_M0,
    BAD_NO_MAX,
    BAD_NO_SCORE,
    BAD_CHOSEN_NO_NOPT,
    BAD_SCORE_HIGH,
    BAD_SCORE_NEG,
    BAD_SCORE_NAN,
    BAD_MAX_ZERO,
    BAD_MAX_INF,
    BAD_SEEN_2,
    BAD_OPTION,
    BAD_NOPT_33,
    BAD_SLOT_RANGE,
    BAD_SLOT_NEG,
    BAD_SLOT_TWICE,
    BAD_SLOT_MISSING,
    BAD_NSLOTS_0,
    BAD_NSLOTS_MANY,
    BAD_TOO_BIG,
    BAD_SPARSE_ITEM_RANGE,
    BAD_SPARSE_ITEM_TWICE,
    BAD_SPARSE_NCELLS_0,
    BAD_SPARSE_TOO_BIG,
} bad_kind;

static const struct {
    bad_kind kind;
    sq_status st;
    const char *phrase;
} bad_cases[] = {
    {BAD_NO_INPUT, SQ_EINVAL, "no input"},
    {BAD_NO_OUT, SQ_EINVAL, "out is NULL"},
    {BAD_N0, SQ_EINVAL, "no attempts (n_attempts is 0)"},
    {BAD_M0, SQ_EINVAL, "no items (n_items is 0)"},
    {BAD_NO_MAX, SQ_EINVAL, "max_mark is NULL"},
    {BAD_NO_SCORE, SQ_EINVAL, "score is NULL"},
    {BAD_CHOSEN_NO_NOPT, SQ_EINVAL, "n_options is NULL"},
    {BAD_SCORE_HIGH, SQ_EINVAL, "attempt 1, item 2: score 1.5 is outside [0, 1]"},
    {BAD_SCORE_NEG, SQ_EINVAL, "attempt 0, item 0: score -0.25 is outside [0, 1]"},
    {BAD_SCORE_NAN, SQ_EINVAL, "attempt 2, item 1: score nan is outside [0, 1]"},
    {BAD_MAX_ZERO, SQ_EINVAL, "item 1: max mark 0 is not a positive number"},
    {BAD_MAX_INF, SQ_EINVAL, "item 2: max mark inf is not a positive number"},
    {BAD_SEEN_2, SQ_EINVAL, "attempt 2, item 0: seen is 2 (0 or 1)"},
    {BAD_OPTION, SQ_EINVAL,
     "attempt 1, item 1: choice 0x9 names option 3, but the item has 3 "
     "options (0 to 2)"},
    {BAD_NOPT_33, SQ_EINVAL, "item 0: 33 options, more than the 32"},
    {BAD_SLOT_RANGE, SQ_EINVAL, "attempt 0, item 2: slot 3 is outside 0 to 2"},
    {BAD_SLOT_NEG, SQ_EINVAL, "attempt 1, item 0: slot -1 is outside 0 to 2"},
    {BAD_SLOT_TWICE, SQ_EINVAL, "attempt 2, item 2: slot 0 is filled twice"},
    {BAD_SLOT_MISSING, SQ_EINVAL, "attempt 1 fills 2 of the 3 slots"},
    {BAD_NSLOTS_0, SQ_EINVAL, "slots given but n_slots is 0"},
    {BAD_NSLOTS_MANY, SQ_EINVAL, "n_slots 4 is more than the 3 items"},
    {BAD_TOO_BIG, SQ_ETOOBIG, "is too large"},
    {BAD_SPARSE_ITEM_RANGE, SQ_EINVAL, "attempt 1, cell 2: item 3 is outside 0 to 2"},
    {BAD_SPARSE_ITEM_TWICE, SQ_EINVAL, "attempt 2, cell 2 (item 0): the item is twice"},
    {BAD_SPARSE_NCELLS_0, SQ_EINVAL, "cells name their items but n_cells is 0"},
    {BAD_SPARSE_TOO_BIG, SQ_ETOOBIG, "2^32 - 1 cells"},
};

static void test_bad_input(void)
{
    for (size_t c = 0; c < sizeof bad_cases / sizeof bad_cases[0]; c++) {
        double max[3] = {1, 1, 1};
        double score[9] = {1, 0, 1, 0, 1, 0, 1, 1, 0};
        uint8_t seen[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        uint32_t chosen[9] = {1, 2, 1, 2, 1, 2, 1, 1, 4};
        uint8_t nopt[3] = {3, 3, 3};
        int32_t slot[9] = {0, 1, 2, 2, 0, 1, 1, 2, 0};
        uint32_t item[9] = {0, 1, 2, 2, 1, 0, 1, 2, 0}; /* the sparse cases' */
        itemstats_input in = {.n_attempts = 3,
                              .n_items = 3,
                              .max_mark = max,
                              .score = score,
                              .seen = seen,
                              .chosen = chosen,
                              .n_options = nopt,
                              .slot = slot,
                              .n_slots = 3};
        itemstats *st = (itemstats *)&in; /* must come back NULL */
        itemstats **out = &st;
        const itemstats_input *inp = &in;
        switch (bad_cases[c].kind) {
        case BAD_NO_INPUT:
            inp = NULL;
            break;
        case BAD_NO_OUT:
            out = NULL;
            break;
        case BAD_N0:
            in.n_attempts = 0;
            break;
        case BAD_M0:
            in.n_items = 0;
            break;
        case BAD_NO_MAX:
            in.max_mark = NULL;
            break;
        case BAD_NO_SCORE:
            in.score = NULL;
            break;
        case BAD_CHOSEN_NO_NOPT:
            in.n_options = NULL;
            break;
        case BAD_SCORE_HIGH:
            score[5] = 1.5;
            break;
        case BAD_SCORE_NEG:
            score[0] = -.25;
            break;
        case BAD_SCORE_NAN:
            score[7] = NAN;
            break;
        case BAD_MAX_ZERO:
            max[1] = 0;
            break;
        case BAD_MAX_INF:
            max[2] = INFINITY;
            break;
        case BAD_SEEN_2:
            seen[6] = 2;
            break;
        case BAD_OPTION:
            chosen[4] = 9;
            break;
        case BAD_NOPT_33:
            nopt[0] = 33;
            break;
        case BAD_SLOT_RANGE:
            slot[2] = 3;
            break;
        case BAD_SLOT_NEG:
            slot[3] = -1;
            break;
        case BAD_SLOT_TWICE:
            slot[7] = 0;
            break;
        case BAD_SLOT_MISSING:
            seen[4] = 0;
            break;
        case BAD_NSLOTS_0:
            in.n_slots = 0;
            break;
        case BAD_NSLOTS_MANY:
            in.n_slots = 4;
            break;
        case BAD_TOO_BIG:
            in.n_attempts = SIZE_MAX / 4;
            break;
        case BAD_SPARSE_ITEM_RANGE:
            in.item = item, in.n_cells = 3, item[5] = 3;
            break;
        case BAD_SPARSE_ITEM_TWICE:
            in.item = item, in.n_cells = 3, item[7] = 0;
            break;
        case BAD_SPARSE_NCELLS_0:
            in.item = item;
            break;
        case BAD_SPARSE_TOO_BIG:
            in.item = item, in.n_cells = 1 << 20, in.n_attempts = 1 << 12;
            break;
        }
        sq_err err = {0};
        sq_status got = itemstats_compute(inp, out, &err);
        size_t before = (size_t)check_failures;
        CHECK_ERR(bad_cases[c].st, bad_cases[c].phrase, got, &err);
        CHECK_INT(bad_cases[c].st, err.code);
        if (out)
            CHECK(st == NULL);
        if ((size_t)check_failures != before)
            fprintf(stderr, "  (bad case %zu)\n", c);
    }
    /* A NULL err is allowed: the status still says it. */
    itemstats *st = NULL;
    CHECK_INT(SQ_EINVAL, itemstats_compute(NULL, &st, NULL));
    /* Unseen cells are not read: garbage there is no error. */
    double max[2] = {1, 1}, score[4] = {1, NAN, -3, 0};
    uint8_t seen[4] = {1, 0, 0, 1};
    uint32_t chosen[4] = {1, 0xffff, 0xffff, 0};
    uint8_t nopt[2] = {2, 2};
    itemstats_input in = {.n_attempts = 2,
                          .n_items = 2,
                          .max_mark = max,
                          .score = score,
                          .seen = seen,
                          .chosen = chosen,
                          .n_options = nopt};
    sq_err err = {0};
    CHECK_OK(itemstats_compute(&in, &st, &err), &err);
    itemstats_free(st);
    itemstats_free(NULL);
}

int main(void)
{
    test_hand_cases();
    test_distractors();
    test_thirds_ties();
    test_random_cases();
    test_order_independent();
    test_bad_input();
    return check_report("itemstats");
}
