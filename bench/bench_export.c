/*
 * bench_export.c - what the console's exports and charts cost on a
 * reports.db that bench_reports filled (run it first: bench_reports
 * --rows N keeps /tmp/synaq-bench-reports-N.db):
 *   - the results export, all rows and one district's, streamed a page at
 *     a time (export.h): time, rows, bytes, and the process's peak memory
 *     before and after, which must not grow with the rows;
 *   - the Overview's results per day (30 days; all, one district);
 *   - the printable report's counts: the spread of scores of an exam
 *     version, and its first and last day.
 * Figures are printed, never judged.
 *
 *   bench_export --db FILE [--runs R]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "export.h"
#include "reports.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long peak_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int export_all(reports *rp, const char *what, const reports_filter *f)
{
    export_stream *s = NULL;
    sq_err e;
    static char buf[64 * 1024]; /* libmicrohttpd's block, as the console asks */
    double t0 = now_ms();
    if (export_stream_new(rp, f, REPORTS_SORT_DATE, true, &s, &e)) {
        fprintf(stderr, "bench_export: %s\n", e.msg);
        return 1;
    }
    long n;
    long long bytes = 0;
    while ((n = export_stream_read(s, buf, sizeof buf)) > 0)
        bytes += n;
    if (n < 0) {
        fprintf(stderr, "bench_export: %s\n", export_stream_error(s));
        export_stream_free(s);
        return 1;
    }
    double ms = now_ms() - t0;
    printf("%-34s %9lld rows %8.1f MiB %9.0f ms %8.0f rows/s  peak %ld MiB\n", what,
           (long long)export_stream_rows(s), bytes / 1048576.0, ms,
           export_stream_rows(s) / (ms / 1000.0), peak_mib());
    export_stream_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"db", 1, 0, 'd'}, {"runs", 1, 0, 'r'}, {0, 0, 0, 0}};
    const char *path = NULL;
    int runs = 21, c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'd')
            path = optarg;
        else if (c == 'r')
            runs = atoi(optarg);
        else
            return 2;
    }
    if (!path || runs < 1 || runs > 201) {
        fputs("usage: bench_export --db FILE (made by bench_reports) [--runs R (1..201)]\n",
              stderr);
        return 2;
    }
    setenv("TZ", "UTC", 1);
    reports *rp = NULL;
    sq_err e;
    if (reports_open(path, &rp, &e) || !reports_ready(rp)) {
        fprintf(stderr, "bench_export: %s: %s\n", path, rp ? "no reports.db there" : e.msg);
        reports_close(rp);
        return 1;
    }
    reports_filter all = {.passed = -1}, district = {.district = "Аудан 07", .passed = -1},
                   version = {.exam = "exam-03", .version = 2, .passed = -1};
    int64_t total = 0;
    if (reports_count(rp, &all, &total, &e)) {
        fprintf(stderr, "bench_export: %s\n", e.msg);
        return 1;
    }
    printf("\n%lld results in %s; peak memory at the start %ld MiB\n", (long long)total, path,
           peak_mib());
    /* The last 30 days of bench_reports' year (it ends 2027-01-01). */
    int64_t bounds[31];
    int64_t counts[30];
    for (int i = 0; i <= 30; i++)
        bounds[i] = 1798761600 - (int64_t)(30 - i) * 86400;
    const struct {
        const char *what;
        const reports_filter *f;
    } days[] = {{"per day, 30 days, all", &all}, {"per day, 30 days, one district", &district}};
    double t[201];
    printf("%-34s %9s %9s\n", "chart / report query", "med ms", "max ms");
    for (size_t k = 0; k < 2; k++) {
        for (int r = 0; r < runs; r++) {
            double t0 = now_ms();
            if (reports_per_day(rp, days[k].f, bounds, 30, counts, &e)) {
                fprintf(stderr, "bench_export: %s\n", e.msg);
                return 1;
            }
            t[r] = now_ms() - t0;
        }
        qsort(t, (size_t)runs, sizeof t[0], cmp_double);
        printf("%-34s %9.1f %9.1f\n", days[k].what, t[runs / 2], t[runs - 1]);
    }
    for (int r = 0; r < runs; r++) {
        int64_t bins[10], first, last, n, passed;
        double t0 = now_ms();
        if (reports_percent_bins(rp, &version, bins, &passed, &e) ||
            reports_finished_span(rp, &version, &first, &last, &e) ||
            reports_count(rp, &version, &n, &e)) {
            fprintf(stderr, "bench_export: %s\n", e.msg);
            return 1;
        }
        t[r] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    printf("%-34s %9.1f %9.1f\n", "report counts, one exam version", t[runs / 2], t[runs - 1]);
    int rc = export_all(rp, "export, one district", &district) ||
             export_all(rp, "export, all results", &all);
    reports_close(rp);
    return rc;
}
