/*
 * bench_itemstats.c - what item analysis (central/itemstats.c) costs on
 * this machine, beside its floor: reading the same input once.
 *
 * Four grids, generated with a fixed seed (splitmix64), in this order:
 *   10^4 and 10^5 attempts of a fixed form of 50 items (dense layout), and
 *   10^4 and 10^5 attempts drawing 50 items from a bank of 1,000 (50
 *   topics of 20, one slot per topic; sparse layout, slots given).
 * Items are right/wrong, partial credit or multiple answers, 2 to 6
 * options, one in ten worth 2 to 5 points; 5 % of answers are blank.
 *
 * Each grid runs in a child process of its own, so that its memory figure
 * is its own: the peak resident size before the first computation (the
 * input) and the growth of that peak during it (the module's work memory
 * and result, to the page). Times are CLOCK_MONOTONIC, the median of
 * --runs runs (default 5), with the min and max; the floor is a loop that
 * reads every cell of the input once. Figures are printed, never judged:
 * the exit status is 1 only when a computation fails.
 *
 *   bench_itemstats [--runs R] [--seed S] [--max-attempts N]
 *
 * Load: about 15 s on 2 cores with the defaults.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itemstats.h"

#define MAX_RUNS 51
#define ITEMS_PER_ATTEMPT 50
#define BANK_TOPICS 50
#define BANK_PER_TOPIC 20

typedef struct {
    size_t n_attempts;
    bool drawn; /* 50 of a bank of 1,000 (sparse, slots); else a fixed form of 50 */
} grid_spec;

/* The generated input, all of it owned here. */
typedef struct {
    itemstats_input in;
    double *max_mark, *score;
    uint8_t *seen, *n_options;
    uint32_t *chosen, *item;
    int32_t *slot;
    size_t bytes; /* of the per-cell arrays and per-item arrays */
} grid;

static uint64_t rng_state;

/* Where the floor's reads go, so that the compiler keeps them. */
static volatile double floor_sink;

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

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void grid_free(grid *g)
{
    free(g->max_mark);
    free(g->score);
    free(g->seen);
    free(g->n_options);
    free(g->chosen);
    free(g->item);
    free(g->slot);
}

/* Item kinds, with the shares of bench/bank.c's generator. */
enum { SINGLE, MULTIPLE_ALL, MULTIPLE_PARTIAL, TRUEFALSE };

static bool grid_make(const grid_spec *spec, uint64_t seed, grid *g)
{
    memset(g, 0, sizeof *g);
    rng_state = seed;
    size_t n = spec->n_attempts;
    size_t m = spec->drawn ? BANK_TOPICS * BANK_PER_TOPIC : ITEMS_PER_ATTEMPT;
    size_t cells_per = ITEMS_PER_ATTEMPT, cells = n * cells_per;
    g->max_mark = malloc(m * sizeof *g->max_mark);
    g->n_options = malloc(m);
    uint8_t *kind = malloc(m), *key = malloc(m);
    double *difficulty = malloc(m * sizeof *difficulty);
    g->score = malloc(cells * sizeof *g->score);
    g->seen = malloc(cells);
    g->chosen = malloc(cells * sizeof *g->chosen);
    if (spec->drawn) {
        g->item = malloc(cells * sizeof *g->item);
        g->slot = malloc(cells * sizeof *g->slot);
    }
    if (!g->max_mark || !g->n_options || !kind || !key || !difficulty || !g->score || !g->seen ||
        !g->chosen || (spec->drawn && (!g->item || !g->slot))) {
        free(kind);
        free(key);
        free(difficulty);
        grid_free(g);
        return false;
    }
    for (size_t j = 0; j < m; j++) {
        unsigned r = (unsigned)(rng() % 100);
        kind[j] = r < 60 ? SINGLE : r < 72 ? MULTIPLE_ALL : r < 85 ? MULTIPLE_PARTIAL : TRUEFALSE;
        g->n_options[j] = kind[j] == TRUEFALSE ? 2 : (uint8_t)(2 + rng() % 5);
        g->max_mark[j] = rng() % 10 == 0 ? (double)(2 + rng() % 4) : 1;
        difficulty[j] = uniform() * 3 - 1.5;
        key[j] = (uint8_t)(rng() % g->n_options[j]);
    }
    for (size_t a = 0; a < n; a++) {
        double ability = (uniform() + uniform() + uniform() - 1.5) * 2;
        for (size_t k = 0; k < cells_per; k++) {
            size_t cell = a * cells_per + k;
            size_t j = k;
            if (spec->drawn) {
                j = k * BANK_PER_TOPIC + rng() % BANK_PER_TOPIC; /* slot k: topic k */
                g->item[cell] = (uint32_t)j;
                g->slot[cell] = (int32_t)k;
            }
            g->seen[cell] = 1;
            double p_right = 1 / (1 + exp(difficulty[j] - ability));
            unsigned nopt = g->n_options[j], right_mask = 1u << key[j];
            if (uniform() < .05) {
                g->score[cell] = 0;
                g->chosen[cell] = 0;
            } else if (kind[j] == MULTIPLE_PARTIAL) {
                unsigned hits = 0;
                for (unsigned o = 0; o < 3; o++)
                    hits += uniform() < p_right;
                g->score[cell] = hits / 3.0;
                g->chosen[cell] = (uint32_t)(1 + rng() % ((1u << nopt) - 1));
            } else {
                bool right = uniform() < p_right;
                g->score[cell] = right;
                uint32_t wrong = 1u << (rng() % nopt);
                if (wrong == right_mask)
                    wrong = 1u << ((key[j] + 1) % nopt);
                g->chosen[cell] = right ? right_mask : wrong;
            }
        }
    }
    free(kind);
    free(key);
    free(difficulty);
    g->bytes = m * (sizeof *g->max_mark + 1) +
               cells * (sizeof *g->score + 1 + sizeof *g->chosen +
                        (spec->drawn ? sizeof *g->item + sizeof *g->slot : 0));
    g->in = (itemstats_input){.n_attempts = n,
                              .n_items = m,
                              .max_mark = g->max_mark,
                              .item = g->item,
                              .n_cells = spec->drawn ? cells_per : 0,
                              .score = g->score,
                              .seen = g->seen,
                              .chosen = g->chosen,
                              .n_options = g->n_options,
                              .slot = g->slot,
                              .n_slots = spec->drawn ? ITEMS_PER_ATTEMPT : 0};
    return true;
}

/* The floor: every cell of the input read once, as any analysis must. */
static void read_once(const itemstats_input *in)
{
    size_t cells = in->item ? in->n_cells : in->n_items;
    size_t total = in->n_attempts * cells;
    double sum = 0;
    uint64_t x = 0;
    for (size_t c = 0; c < total; c++) {
        if (!in->seen[c])
            continue;
        size_t j = in->item ? in->item[c] : c % cells;
        sum += in->score[c] * in->max_mark[j];
        x += in->chosen[c] + (in->slot ? (uint64_t)in->slot[c] : 0);
    }
    floor_sink += sum + (double)x;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One grid, in the child process. Prints one line; returns the exit code. */
static int run_grid(const grid_spec *spec, uint64_t seed, int runs)
{
    grid g;
    if (!grid_make(spec, seed, &g)) {
        fprintf(stderr, "bench_itemstats: out of memory generating the grid\n");
        return 1;
    }
    double t_read[MAX_RUNS], t_comp[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms();
        read_once(&g.in);
        t_read[r] = now_ms() - t0;
    }
    long rss_before_kb = peak_rss_kb();
    itemstats *st = NULL;
    long rss_growth_kb = 0;
    for (int r = 0; r < runs; r++) {
        sq_err err = {0};
        double t0 = now_ms();
        sq_status rc = itemstats_compute(&g.in, &st, &err);
        t_comp[r] = now_ms() - t0;
        if (rc != SQ_OK) {
            fprintf(stderr, "bench_itemstats: %s\n", err.msg);
            grid_free(&g);
            return 1;
        }
        if (r == 0)
            rss_growth_kb = peak_rss_kb() - rss_before_kb;
        if (r + 1 < runs)
            itemstats_free(st);
    }
    double lo_c = t_comp[0], hi_c = t_comp[0];
    for (int r = 1; r < runs; r++) {
        lo_c = t_comp[r] < lo_c ? t_comp[r] : lo_c;
        hi_c = t_comp[r] > hi_c ? t_comp[r] : hi_c;
    }
    double med_read = median(t_read, runs), med_comp = median(t_comp, runs);
    size_t flagged = 0;
    for (size_t j = 0; j < st->n_items; j++)
        flagged += (st->items[j].flags & ITEMSTATS_LOW_DE) != 0;
    char label[64];
    snprintf(label, sizeof label, "%s",
             spec->drawn ? "50 of 1,000 (sparse, slots)" : "fixed 50 (dense)");
    printf("%9zu  %-28s %7.1f %8.1f %9.2f %9.1f (%.1f-%.1f) %6.0f %8.1f %8.1f   %.2f %.1f %zu\n",
           spec->n_attempts, label, (double)g.bytes / 1e6, (double)rss_before_kb / 1024, med_read,
           med_comp, lo_c, hi_c, med_comp / med_read, (double)rss_growth_kb / 1024,
           med_comp * 1e6 / (double)(g.in.n_attempts * ITEMS_PER_ATTEMPT), st->test.mean,
           st->test.cic, flagged);
    itemstats_free(st);
    grid_free(&g);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 5;
    uint64_t seed = 1;
    size_t max_attempts = 100000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--max-attempts") && i + 1 < argc)
            max_attempts = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_itemstats [--runs R] [--seed S] [--max-attempts N]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_itemstats: --runs is 1 to %d\n", MAX_RUNS);
        return 2;
    }
    const grid_spec specs[] = {{10000, false}, {10000, true}, {100000, false}, {100000, true}};
    printf("bench_itemstats: item analysis of one exam version, median of %d runs, seed %llu\n",
           runs, (unsigned long long)seed);
    printf("%9s  %-28s %7s %8s %9s %9s %-13s %6s %8s %8s   %s\n", "attempts", "items per attempt",
           "input", "RSS", "read once", "compute", "(min-max)", "ratio", "peak +", "per cell",
           "mean cic low-DE");
    printf("%9s  %-28s %7s %8s %9s %9s %-13s %6s %8s %8s\n", "", "", "MB", "MB", "ms", "ms", "",
           "x", "MB", "ns");
    fflush(stdout);
    int status = 0;
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        if (specs[s].n_attempts > max_attempts)
            continue;
        pid_t pid = fork();
        if (pid < 0) {
            perror("bench_itemstats: fork");
            return 1;
        }
        if (pid == 0) {
            int rc = run_grid(&specs[s], seed, runs);
            fflush(stdout);
            _exit(rc);
        }
        int ws = 0;
        if (waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            status = 1;
    }
    return status;
}
