/*
 * bench_fleet.c - what the staff console's Fleet page and a station's
 * heartbeat history cost (central/console/fleet.c): 2,000 stations in 20
 * districts, N results received (default 10^6) in batches of 10, and
 * HB heartbeats kept per station (default 100, the receiver's cap keeps
 * about that many), in a central.db and results.db made with the
 * registry's and the result store's own schemas (registry_open,
 * cstore_open) and filled with generated rows (a fixed seed).
 *
 * Cases: the whole fleet (every station, sorted, and its table's HTML),
 * one district's, the Overview's numbers and its station table (stats.h;
 * the last column then is the results counted or the rows, not bytes),
 * and one station's history page with its chart. Each
 * runs --runs times (default 41); printed: the median and the slowest
 * (at 41 runs, the p98) in milliseconds of wall clock and of the
 * process's CPU time (on a shared machine the wall clock also counts
 * waiting for a core), and the process's peak memory.
 * Figures are printed, never judged.
 *
 *   bench_fleet [--results N] [--heartbeats HB] [--dir DIR] [--runs R] [--db URL]
 *
 * --db URL measures the same pages on PostgreSQL (the console's
 * fleetsrc_pg.c): DIR's stores copied into the database first, as
 * migrate-store does, when it holds none yet.
 *
 * DIR (default a new one under /tmp) is kept, so that a second run with
 * --dir measures without filling again.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "cstore.h"
#include "cstore_copy.h"
#include "fleet.h"
#include "registry.h"

#define STATIONS 2000
#define DISTRICTS 20
#define MAX_RUNS 201
#define NOW 1767268800

static uint64_t rng = 0xf1ee7;
static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of the process: on a machine shared with other work the wall
 * clock also counts the waits for a core; both are printed. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int exec_or_die(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench_fleet: %s\n", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int fill(const char *dir, int64_t n_results, int hb)
{
    char path[4200];
    sq_err e;
    registry *r;
    snprintf(path, sizeof path, "%s/central.db", dir);
    if (registry_open(path, &r, &e)) {
        fprintf(stderr, "bench_fleet: %s\n", e.msg);
        return -1;
    }
    registry_close(r);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK || exec_or_die(db, "BEGIN"))
        return -1;
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db,
                       "INSERT INTO stations(station_id, district, label, sign_pk, box_pk,"
                       " issued_wall, revoked) VALUES (?1, ?2, ?3, zeroblob(32), zeroblob(32), ?4, ?5)",
                       -1, &q, NULL);
    for (int i = 0; i < STATIONS; i++) {
        char id[32], d[64], label[64];
        snprintf(id, sizeof id, "st-%04d", i);
        snprintf(d, sizeof d, "Аудан %02d", i % DISTRICTS);
        snprintf(label, sizeof label, "Пункт №%d", i);
        sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, d, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, label, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, NOW - 400 * 86400);
        sqlite3_bind_int(q, 5, i % 97 == 0);
        sqlite3_step(q);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    if (exec_or_die(db, "COMMIT"))
        return -1;
    sqlite3_close(db);

    cstore *cs;
    snprintf(path, sizeof path, "%s/results.db", dir);
    if (cstore_open(path, 0, &cs, &e)) {
        fprintf(stderr, "bench_fleet: %s\n", e.msg);
        return -1;
    }
    cstore_close(cs);
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        exec_or_die(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN"))
        return -1;
    sqlite3_stmt *qr, *qb, *qh;
    sqlite3_prepare_v2(db,
                       "INSERT INTO results(station_id, seq, sealed, batch_id, received_wall)"
                       " VALUES (?1, ?2, zeroblob(200), ?3, ?4)",
                       -1, &qr, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO batches(batch_id, station_id, sha256, len_bytes, n_results,"
                       " received_wall) VALUES (?1, ?2, zeroblob(32), 2000, 10, ?3)",
                       -1, &qb, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO heartbeats(station_id, received_wall, software, content,"
                       " pending, oldest_pending_s, disk_free_bytes, station_wall_s, last_seq,"
                       " counter, integrity) VALUES (?1, ?2, '0.1.0', 'exam-a:1 exam-b:2',"
                       " ?3, ?4, ?5, ?6, 0, ?7, 0)",
                       -1, &qh, NULL);
    int64_t per = n_results / STATIONS;
    for (int i = 0; i < STATIONS; i++) {
        char id[32], batch[40];
        snprintf(id, sizeof id, "st-%04d", i);
        for (int64_t s = 1; s <= per; s++) {
            int64_t t = NOW - 365 * 86400 + s * (365 * 86400 / (per + 1));
            if ((s - 1) % 10 == 0) {
                snprintf(batch, sizeof batch, "%08x%08llx%016llx", i, (long long)s,
                         (unsigned long long)next_rand());
                sqlite3_bind_text(qb, 1, batch, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(qb, 2, id, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(qb, 3, t);
                sqlite3_step(qb);
                sqlite3_reset(qb);
            }
            sqlite3_bind_text(qr, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(qr, 2, s);
            sqlite3_bind_text(qr, 3, batch, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(qr, 4, t);
            sqlite3_step(qr);
            sqlite3_reset(qr);
        }
        /* The last HB heartbeats, an hour apart, the newest a few hours
         * to 20 days old (some stations silent). */
        int64_t last = NOW - (int64_t)(next_rand() % (20 * 86400));
        for (int k = hb - 1; k >= 0; k--) {
            int64_t t = last - (int64_t)k * 3600;
            sqlite3_bind_text(qh, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(qh, 2, t);
            sqlite3_bind_int64(qh, 3, (int64_t)(next_rand() % 80));
            sqlite3_bind_int64(qh, 4, (int64_t)(next_rand() % (5 * 86400)));
            sqlite3_bind_int64(qh, 5, (int64_t)(next_rand() % (64ll << 30)));
            sqlite3_bind_int64(qh, 6, t + (int64_t)(next_rand() % 900) - 450);
            sqlite3_bind_int64(qh, 7, hb - k);
            sqlite3_step(qh);
            sqlite3_reset(qh);
        }
    }
    sqlite3_finalize(qr);
    sqlite3_finalize(qb);
    sqlite3_finalize(qh);
    if (exec_or_die(db, "INSERT INTO heartbeat_latest(station_id, heartbeat_id, received_wall,"
                        " software, content, pending, oldest_pending_s, disk_free_bytes,"
                        " station_wall_s, last_seq, counter, integrity)"
                        " SELECT station_id, id, received_wall, software, content, pending,"
                        " oldest_pending_s, disk_free_bytes, station_wall_s, last_seq, counter,"
                        " integrity FROM heartbeats WHERE id IN (SELECT max(id) FROM heartbeats"
                        " GROUP BY station_id);"
                        "COMMIT; PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE"))
        return -1;
    sqlite3_close(db);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char *tr_key(const void *ctx, const char *key)
{
    (void)ctx;
    return key;
}

/* --db URL: the same stores in PostgreSQL, copied as migrate-store does
 * (cstore_copy, then the registry) into an empty database; one that
 * holds the results already is measured as it is. */
static int copy_to_pg(const char *dir, const char *url)
{
    char results[4200], central[4200];
    snprintf(results, sizeof results, "%s/results.db", dir);
    snprintf(central, sizeof central, "%s/central.db", dir);
    cstore *from = NULL, *to = NULL;
    cstore_summary sum;
    sq_err e;
    int64_t moved = 0;
    double t0 = now_ms();
    sq_status st = cstore_open(results, 0, &from, &e);
    if (!st)
        st = cstore_open(url, 0, &to, &e);
    if (!st)
        st = cstore_copy(from, to, &sum, &e);
    cstore_close(to);
    cstore_close(from);
    if (st == SQ_ESTATE) {
        printf("measuring the database as it is (it holds rows already)\n");
        return 0;
    }
    if (st || registry_adopt(url, central, &moved, &e)) {
        fprintf(stderr, "bench_fleet: copying into PostgreSQL: %s\n", e.msg);
        return -1;
    }
    printf("copied into PostgreSQL (%lld stations) in %.1f s\n", (long long)moved,
           (now_ms() - t0) / 1e3);
    return 0;
}

static int count_row(void *ctx, const stats_station *st)
{
    (void)st;
    (*(int64_t *)ctx)++;
    return 0;
}

static void report(const char *name, double *ms, double *cpu, int runs, size_t bytes)
{
    qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
    printf("%-38s wall median %7.2f ms, slowest %7.2f ms; CPU median %7.2f ms, slowest %7.2f ms;"
           " %zu bytes\n",
           name, ms[runs / 2], ms[runs - 1], cpu[runs / 2], cpu[runs - 1], bytes);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"results", 1, 0, 'n'},
                                       {"heartbeats", 1, 0, 'h'},
                                       {"dir", 1, 0, 'd'},
                                       {"runs", 1, 0, 'r'},
                                       {"db", 1, 0, 'D'},
                                       {0, 0, 0, 0}};
    int64_t n_results = 1000000;
    int hb = 100, runs = 41, c;
    const char *dir = NULL, *db = NULL;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'n')
            n_results = atoll(optarg);
        else if (c == 'h')
            hb = atoi(optarg);
        else if (c == 'd')
            dir = optarg;
        else if (c == 'r')
            runs = atoi(optarg);
        else if (c == 'D')
            db = optarg;
        else {
            fputs("usage: bench_fleet [--results N] [--heartbeats HB] [--dir DIR] [--runs R]"
                  " [--db URL]\n",
                  stderr);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || hb < 1 || n_results < STATIONS) {
        fputs("bench_fleet: runs 1..201, heartbeats >= 1, results >= 2000\n", stderr);
        return 2;
    }
    char made[64];
    if (!dir) {
        snprintf(made, sizeof made, "/tmp/bench-fleet-XXXXXX");
        if (!mkdtemp(made)) {
            perror("bench_fleet: mkdtemp");
            return 1;
        }
        dir = made;
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/results.db", dir);
    if (access(probe, F_OK) != 0) {
        double t0 = now_ms();
        if (fill(dir, n_results, hb))
            return 1;
        printf("filled %s: %d stations, %lld results, %d heartbeats each, in %.1f s\n", dir,
               STATIONS, (long long)n_results, hb, (now_ms() - t0) / 1e3);
    } else {
        printf("measuring %s as it is\n", dir);
    }
    if (db && copy_to_pg(dir, db))
        return 1;
    fleet_limits l = {NOW,          7 * 86400,          FLEET_SKEW_MAX_S, FLEET_DISK_LOW_BYTES,
                      FLEET_WAITING_MANY, FLEET_OLDEST_MAX_S};
    fleet_text t = {tr_key, NULL, NOW, &l};
    double ms[MAX_RUNS], cpu[MAX_RUNS];
    sq_err e;
    stats *src = NULL;
    if (stats_open(dir, db, &src, &e)) {
        fprintf(stderr, "bench_fleet: %s\n", e.msg);
        return 1;
    }
    static const char *const cases[] = {"fleet, all 2000 stations (100 shown)",
                                        "fleet, one district (100 stations)"};
    for (int k = 0; k < 2; k++) {
        size_t bytes = 0;
        for (int i = 0; i < runs; i++) {
            double t0 = now_ms(), c0 = cpu_ms();
            fleet_station *v;
            size_t n;
            if (fleet_list(src, k ? "Аудан 07" : NULL, &l, &v, &n, &e)) {
                fprintf(stderr, "bench_fleet: %s\n", e.msg);
                return 1;
            }
            html_buf b;
            html_init(&b, 4u << 20);
            fleet_html_table(&b, &t, v, n < 100 ? n : 100);
            ms[i] = now_ms() - t0;
            cpu[i] = cpu_ms() - c0;
            bytes = b.len;
            html_free(&b);
            free(v);
        }
        report(cases[k], ms, cpu, runs, bytes);
    }
    /* The Overview (stats.h): its numbers, and its station table (the
     * 100 stations needing attention first), all and one district. */
    static const char *const ov_cases[] = {"overview numbers, all", "overview numbers, one district",
                                           "overview stations (100 rows)",
                                           "overview stations, one district"};
    stats_when sw = {NOW, NOW - 12 * 3600, 7 * 86400};
    for (int k = 0; k < 4; k++) {
        const char *district = k & 1 ? "Аудан 07" : NULL;
        int64_t seen = 0;
        for (int i = 0; i < runs; i++) {
            double t0 = now_ms(), c0 = cpu_ms();
            stats_overview o;
            int64_t rows = 0;
            if (k < 2 ? stats_overview_get(src, district, &sw, &o, &e)
                      : stats_stations(src, district, STATS_ALL, &sw, 100, count_row, &rows, &e)) {
                fprintf(stderr, "bench_fleet: %s\n", e.msg);
                return 1;
            }
            ms[i] = now_ms() - t0;
            cpu[i] = cpu_ms() - c0;
            seen = k < 2 ? o.results_all : rows;
        }
        report(ov_cases[k], ms, cpu, runs, (size_t)seen);
    }
    fleet_history *h = malloc(sizeof *h);
    if (!h)
        return 1;
    size_t bytes = 0;
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms(), c0 = cpu_ms();
        if (fleet_history_get(src, "st-1234", 0, 0, NOW - 86400, h, &e)) {
            fprintf(stderr, "bench_fleet: %s\n", e.msg);
            return 1;
        }
        html_buf b;
        html_init(&b, 4u << 20);
        fleet_html_history(&b, &t, "st-1234", h);
        ms[i] = now_ms() - t0;
        cpu[i] = cpu_ms() - c0;
        bytes = b.len;
        html_free(&b);
    }
    report("a station's history (50 rows, chart)", ms, cpu, runs, bytes);
    free(h);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory %ld MiB\n", ru.ru_maxrss / 1024);
    stats_close(src);
    return 0;
}
