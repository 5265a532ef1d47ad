/*
 * bench_ingest - the receiver's ingest rate, stations' own work left out.
 *
 * Stations are machines of their own: what the receiver must keep up with
 * is their uploads arriving at once. So this program first makes every
 * upload of every station given (their pending results, in batches of
 * --batch, each wrapped with a heartbeat and signed with the station's
 * key, exactly as synaq-syncd makes them), keeps them in memory, and only
 * then, from one thread per station, posts them to the receiver over one
 * keep-alive connection each, as fast as the answers come. It prints the
 * results stored per second of wall time and, with --pid, the receiver's
 * CPU time per result (its threads' scheduler time). Every answer must be
 * a 200 naming the batch; anything else is counted and printed, and the
 * exit status is 1. Asserts nothing about speed.
 *
 *   bench_ingest --url http://127.0.0.1:PORT [--batch N] [--pid PID] HOME...
 *
 * Each HOME is a station's folder (station.key without a passphrase,
 * station.db with results pending); nothing in it is changed: the results
 * stay pending, so the same homes can be posted to another receiver.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "synaq/batch.h"
#include "synaq/keys.h"
#include "synaq/result.h"
#include "synaq/store.h"

typedef struct {
    uint8_t *bytes;
    size_t len;
    char batch_id[33];
    int count;
} upload;

typedef struct {
    const char *home;
    upload *ups;
    size_t n_ups, results;
    /* filled by the posting thread */
    size_t ok_results, failures;
    char first_failure[256];
} station;

static const char *url;
static pthread_barrier_t start_line;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The receiver's threads' CPU time so far, ns (0: unreadable). */
static int64_t cpu_ns(long pid)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "cat /proc/%ld/task/*/schedstat 2>/dev/null", pid);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    long long run, wait, slices, sum = 0;
    while (fscanf(p, "%lld %lld %lld", &run, &wait, &slices) == 3)
        sum += run;
    pclose(p);
    return sum;
}

/* Makes every upload of the station's pending results. 0 on success. */
static int make_uploads(station *s, int batch, int64_t counter_base)
{
    char keys[4096], db[4096];
    snprintf(keys, sizeof keys, "%s/station.key", s->home);
    snprintf(db, sizeof db, "%s/station.db", s->home);
    sq_err e;
    sq_station_keys *k = NULL;
    sq_store *st = NULL;
    int rc = 1;
    if (sq_station_keys_open(keys, NULL, &k, &e) || sq_store_open(db, k, NULL, &st, &e)) {
        fprintf(stderr, "bench_ingest: %s: %s\n", s->home, e.msg);
        goto out;
    }
    int64_t after = 0;
    for (;;) {
        sq_batch_made m;
        if (sq_batch_make(st, after, batch, SQ_UPLOAD_MAX - SQ_UPLOAD_OVERHEAD, &m, &e)) {
            fprintf(stderr, "bench_ingest: %s: %s\n", s->home, e.msg);
            goto out;
        }
        if (m.count == 0)
            break;
        sq_heartbeat hb;
        if (sq_batch_heartbeat(st, &hb, &e)) {
            sq_free(m.bytes);
            fprintf(stderr, "bench_ingest: %s: %s\n", s->home, e.msg);
            goto out;
        }
        hb.disk_free_bytes = 1 << 30;
        hb.counter = counter_base + (int64_t)s->n_ups + 1;
        upload *grown = realloc(s->ups, (s->n_ups + 1) * sizeof *grown);
        if (!grown) {
            sq_free(m.bytes);
            fprintf(stderr, "bench_ingest: out of memory\n");
            goto out;
        }
        s->ups = grown;
        upload *u = &s->ups[s->n_ups];
        if (sq_batch_upload_build(k, &hb, m.bytes, m.len, &u->bytes, &u->len, &e)) {
            sq_free(m.bytes);
            fprintf(stderr, "bench_ingest: %s: %s\n", s->home, e.msg);
            goto out;
        }
        snprintf(u->batch_id, sizeof u->batch_id, "%s", m.id);
        u->count = m.count;
        s->n_ups++;
        s->results += (size_t)m.count;
        after = m.next_after;
        sq_free(m.bytes);
    }
    rc = 0;
out:
    sq_store_close(st);
    sq_station_keys_close(k);
    return rc;
}

typedef struct {
    char *buf;
    size_t len, cap;
} answer;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    answer *a = arg;
    size_t add = size * n;
    if (a->len + add + 1 > a->cap) {
        size_t cap = (a->len + add + 1) * 2;
        char *b = realloc(a->buf, cap);
        if (!b)
            return 0;
        a->buf = b;
        a->cap = cap;
    }
    memcpy(a->buf + a->len, p, add);
    a->len += add;
    a->buf[a->len] = 0;
    return add;
}

static void *post_all(void *arg)
{
    station *s = arg;
    char target[512];
    snprintf(target, sizeof target, "%s/v1/upload", url);
    CURL *h = curl_easy_init();
    struct curl_slist *head = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    head = curl_slist_append(head, "Expect:");
    answer a = {0};
    curl_easy_setopt(h, CURLOPT_URL, target);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, head);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    pthread_barrier_wait(&start_line);
    for (size_t i = 0; i < s->n_ups; i++) {
        upload *u = &s->ups[i];
        a.len = 0;
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, u->bytes);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)u->len);
        CURLcode cc = curl_easy_perform(h);
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (cc == CURLE_OK && code == 200 && a.buf && strstr(a.buf, u->batch_id)) {
            s->ok_results += (size_t)u->count;
        } else {
            if (!s->failures++)
                snprintf(s->first_failure, sizeof s->first_failure, "%s: HTTP %ld, %s: %.120s",
                         s->home, code, curl_easy_strerror(cc), a.buf ? a.buf : "");
        }
    }
    free(a.buf);
    curl_slist_free_all(head);
    curl_easy_cleanup(h);
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"url", 1, 0, 'u'},
                                       {"batch", 1, 0, 'b'},
                                       {"pid", 1, 0, 'p'},
                                       {"counter", 1, 0, 'c'},
                                       {0, 0, 0, 0}};
    int batch = 50, c;
    long pid = 0;
    int64_t counter_base = 1000000;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'u')
            url = optarg;
        else if (c == 'b')
            batch = atoi(optarg);
        else if (c == 'p')
            pid = atol(optarg);
        else if (c == 'c')
            counter_base = atoll(optarg);
        else
            return 2;
    }
    int n = argc - optind;
    if (!url || n < 1 || batch < 1 || batch > SQ_BATCH_MAX_RESULTS) {
        fputs("usage: bench_ingest --url http://127.0.0.1:PORT [--batch N] [--pid PID] "
              "[--counter BASE] HOME...\n",
              stderr);
        return 2;
    }
    sq_err e;
    if (sq_init(&e) || curl_global_init(CURL_GLOBAL_DEFAULT)) {
        fprintf(stderr, "bench_ingest: %s\n", e.msg);
        return 1;
    }
    station *st = calloc((size_t)n, sizeof *st);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    if (!st || !th)
        return 1;
    size_t total = 0, uploads = 0, bytes = 0;
    for (int i = 0; i < n; i++) {
        st[i].home = argv[optind + i];
        if (make_uploads(&st[i], batch, counter_base))
            return 1;
        total += st[i].results;
        uploads += st[i].n_ups;
        for (size_t j = 0; j < st[i].n_ups; j++)
            bytes += st[i].ups[j].len;
    }
    pthread_barrier_init(&start_line, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, post_all, &st[i])) {
            fprintf(stderr, "bench_ingest: cannot start thread %d: %s\n", i, strerror(errno));
            return 1;
        }
    int64_t c0 = pid ? cpu_ns(pid) : 0;
    int64_t t0 = now_ns();
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    int64_t t1 = now_ns();
    int64_t c1 = pid ? cpu_ns(pid) : 0;
    size_t ok = 0, failures = 0;
    for (int i = 0; i < n; i++) {
        ok += st[i].ok_results;
        failures += st[i].failures;
        if (st[i].failures)
            fprintf(stderr, "bench_ingest: %zu failed, first: %s\n", st[i].failures,
                    st[i].first_failure);
    }
    double s = (double)(t1 - t0) / 1e9;
    printf("  %-40s %8zu results in %zu uploads (%.1f MB) from %d stations\n", "posted", total,
           uploads, (double)bytes / 1e6, n);
    printf("  %-40s %8zu results in %.0f ms\n", "acknowledged", ok, s * 1000);
    printf("  %-40s %8.0f results/s\n", "ingest rate", (double)ok / s);
    if (pid && ok)
        printf("  %-40s %8.1f us/result (%.0f ms of CPU)\n", "receiver CPU per result",
               (double)(c1 - c0) / 1000.0 / (double)ok, (double)(c1 - c0) / 1e6);
    for (int i = 0; i < n; i++) {
        for (size_t j = 0; j < st[i].n_ups; j++)
            sq_free(st[i].ups[j].bytes);
        free(st[i].ups);
    }
    free(st);
    free(th);
    curl_global_cleanup();
    return failures ? 1 : 0;
}
