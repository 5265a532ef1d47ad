/*
 * bench_lessons.c - what lessons cost (issue 11): a bundle of a 10,000-item
 * bank (bank.c) beside an exam of 500 lesson pages in kk, ru and en (25
 * topics of 20 pages, some 4 KB of markup a page and language), built,
 * imported into a fresh store, and each page opened as the kiosk opens it
 * on a page turn: read and unsealed from the store (sq_lesson_page_text)
 * and its markup parsed (sq_lesson_parse). The kiosk's own layout and
 * drawing of a page are not in these figures (bench/kiosk/ has the
 * kiosk's). Prints figures; never judges them.
 *
 *   bench_lessons [--items N] [--pages P]
 *   bench_lessons --source FILE [--pages P] [--topic-pages T]
 * The second form only writes the lessons' exam source (P pages, T a
 * topic), for bench/kiosk/run.sh's page turns on the kiosk.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "bank.h"
#include "synaq/bundle.h"
#include "synaq/examset.h"
#include "synaq/import.h"
#include "synaq/keys.h"
#include "synaq/lesson.h"
#include "synaq/markup.h"
#include "synaq/store.h"

#define TOPIC_PAGES 20 /* pages a topic, unless --topic-pages says */

static int topic_pages = TOPIC_PAGES;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int failed(const char *what, const sq_err *e)
{
    fprintf(stderr, "bench_lessons: %s: %s\n", what, e->msg);
    return 1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void row(const char *what, double value, int decimals, const char *unit, const char *note)
{
    printf("  %-50s %12.*f  %-10s %s\n", what, decimals, value, unit, note ? note : "");
}

/* Deterministic words (splitmix64). */
static uint64_t rng = 1;
static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static const char *const words[3][12] = {
    {"сайлау", "комиссия", "учаске", "бюллетень", "сайлаушы", "хаттама", "дауыс", "жәшік",
     "байқаушы", "төраға", "мүше", "құжат"},
    {"выборы", "комиссия", "участок", "бюллетень", "избиратель", "протокол", "голос", "урна",
     "наблюдатель", "председатель", "член", "документ"},
    {"election", "commission", "precinct", "ballot", "voter", "record", "vote", "box", "observer",
     "chair", "member", "document"}};

static void sentence(FILE *f, int lang, int n)
{
    for (int i = 0; i < n; i++) {
        const char *w = words[lang][next_rand() % 12];
        uint64_t r = next_rand() % 20;
        fprintf(f, "%s%s%s%s", i ? " " : "",
                r == 0   ? "**"
                : r == 1 ? "*"
                         : "",
                w,
                r == 0   ? "**"
                : r == 1 ? "*"
                         : "");
    }
    fputs(".", f);
}

/* One page's markup in lang, indented for a YAML '|' block. */
static void page(FILE *f, int lang, int topic, int pg)
{
    const char *ind = "        ";
    fprintf(f, "%s# %d.%d ", ind, topic + 1, pg + 1);
    sentence(f, lang, 4);
    fprintf(f, "\n\n");
    for (int p = 0; p < 6; p++) {
        fputs(ind, f);
        sentence(f, lang, lang == 2 ? 30 : 24);
        fputs("\n", f);
        fputs(ind, f);
        sentence(f, lang, lang == 2 ? 20 : 16);
        fputs("\n\n", f);
        if (p == 2) {
            fprintf(f, "%s## ", ind);
            sentence(f, lang, 3);
            fputs("\n\n", f);
            for (int k = 0; k < 4; k++) {
                fprintf(f, "%s- ", ind);
                sentence(f, lang, 8);
                fputs("\n", f);
            }
            fputs("\n", f);
        }
        if (p == 4) {
            for (int k = 0; k < 3; k++) {
                fprintf(f, "%s%d. ", ind, k + 1);
                sentence(f, lang, 8);
                fputs("\n", f);
            }
            fputs("\n", f);
        }
    }
}

static int write_lessons(const char *path, int pages)
{
    static const char *const codes[3] = {"kk", "ru", "en"};
    int topics = (pages + topic_pages - 1) / topic_pages;
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "exam: bench-lessons\nversion: 1\ntitle: {kk: Оқу, ru: Обучение, en: Study}\n"
               "pass_mark: 50\ntopics:\n");
    for (int t = 0; t < topics; t++)
        fprintf(f, "  t%d: {kk: \"Тақырып %d\", ru: \"Тема %d\", en: \"Topic %d\"}\n", t, t + 1,
                t + 1, t + 1);
    fprintf(f, "items:\n  - {id: q1, topic: t0, type: truefalse, answer: yes, text: {en: Q}}\n"
               "lessons:\n");
    int left = pages;
    for (int t = 0; t < topics; t++) {
        fprintf(f, "  t%d:\n", t);
        for (int p = 0; p < topic_pages && left > 0; p++, left--)
            for (int l = 0; l < 3; l++) {
                fprintf(f, "    %s %s: |\n", l ? " " : "-", codes[l]);
                page(f, l, t, p);
            }
    }
    return fclose(f);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int main(int argc, char **argv)
{
    long items = 10000;
    int pages = 500;
    const char *source = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--items") && i + 1 < argc)
            items = atol(argv[++i]);
        else if (!strcmp(argv[i], "--pages") && i + 1 < argc)
            pages = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--topic-pages") && i + 1 < argc)
            topic_pages = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--source") && i + 1 < argc)
            source = argv[++i];
        else {
            fprintf(stderr, "usage: bench_lessons [--items N] [--pages P]\n"
                            "       bench_lessons --source FILE [--pages P] [--topic-pages T]\n");
            return 2;
        }
    }
    if (topic_pages < 1 || topic_pages > SQ_LESSON_PAGES_MAX) {
        fprintf(stderr, "bench_lessons: --topic-pages 1..%d\n", SQ_LESSON_PAGES_MAX);
        return 2;
    }
    if (items < 1 || pages < 1 || pages > 100 * topic_pages) {
        fprintf(stderr, "bench_lessons: --items 1.., --pages 1..%d\n", 100 * topic_pages);
        return 2;
    }
    if (source) {
        if (write_lessons(source, pages) != 0) {
            fprintf(stderr, "bench_lessons: cannot write %s: %s\n", source, strerror(errno));
            return 1;
        }
        return 0;
    }
    sq_err e;
    if (sq_init(&e))
        return failed("init", &e);
    char dir[256], central_dir[300], central_pub[320], keys_path[300], cert_path[300],
        req_path[300], bank[300], lessons[300], bundle[300], db[300];
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof dir, "%s/synaq-bench-lessons-XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_lessons: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    snprintf(central_dir, sizeof central_dir, "%s/central", dir);
    snprintf(central_pub, sizeof central_pub, "%s/central.pub", central_dir);
    snprintf(keys_path, sizeof keys_path, "%s/station.key", dir);
    snprintf(cert_path, sizeof cert_path, "%s/station.cert", dir);
    snprintf(req_path, sizeof req_path, "%s/station.req", dir);
    snprintf(bank, sizeof bank, "%s/bank.yaml", dir);
    snprintf(lessons, sizeof lessons, "%s/lessons.yaml", dir);
    snprintf(bundle, sizeof bundle, "%s/b.bundle", dir);
    snprintf(db, sizeof db, "%s/station.db", dir);
    int rc = 1;
    sq_central_keys *central = NULL;
    sq_station_keys *keys = NULL;
    sq_store *store = NULL;
    sq_exam_set *set = NULL;
    sq_lesson_topic *topics = NULL;
    double *t_open = NULL, *t_parse = NULL;

    if (sq_central_keygen(central_dir, &e) ||
        sq_central_open(central_dir, SQ_CENTRAL_SIGN | SQ_CENTRAL_RESULTS, &central, &e) ||
        sq_station_keys_create(keys_path, central_pub, NULL, &e) ||
        sq_station_keys_open(keys_path, NULL, &keys, &e) ||
        sq_station_request_write(keys, "bench station", req_path, &e) ||
        sq_central_enroll(central, req_path, "bench-01", "Bench", cert_path, NULL, &e) ||
        sq_station_keys_enroll(keys, cert_path, &e)) {
        failed("keys", &e);
        goto out;
    }
    bank_opts bo = {.items = items,
                    .topics = 20,
                    .langs = BANK_KK | BANK_RU | BANK_EN,
                    .seed = 1,
                    .draw = 50,
                    .exam_id = "bench-bank"};
    FILE *f = fopen(bank, "w");
    if (!f || bank_write(f, &bo) != 0 || fclose(f) != 0 || write_lessons(lessons, pages) != 0) {
        fprintf(stderr, "bench_lessons: writing the sources failed: %s\n", strerror(errno));
        goto out;
    }
    printf("bench_lessons: %ld items (kk, ru, en) and %d lesson pages (kk, ru, en)\n", items,
           pages);
    char note[128];
    double t0 = now_s();
    set = sq_exam_set_new();
    if (!set || sq_exam_set_load(set, bank, &e)) {
        failed("the bank", &e);
        goto out;
    }
    double t1 = now_s();
    if (sq_exam_set_load(set, lessons, &e)) {
        failed("the lessons", &e);
        goto out;
    }
    double t2 = now_s();
    const char *certs[1] = {cert_path};
    if (sq_bundle_build(set, central, certs, 1, bundle, &e)) {
        failed("the bundle", &e);
        goto out;
    }
    double t3 = now_s();
    snprintf(note, sizeof note, "%.2f MB of YAML", (double)file_size(bank) / 1e6);
    row("load and check the bank", (t1 - t0) * 1e3, 0, "ms", note);
    snprintf(note, sizeof note, "%.2f MB of YAML", (double)file_size(lessons) / 1e6);
    row("load and check the lessons (markup parsed)", (t2 - t1) * 1e3, 0, "ms", note);
    snprintf(note, sizeof note, "%.2f MB", (double)file_size(bundle) / 1e6);
    row("build the bundle of both", (t3 - t2) * 1e3, 0, "ms", note);

    if (sq_store_open(db, keys, sq_clock_system(), &store, &e)) {
        failed("the store", &e);
        goto out;
    }
    double t4 = now_s();
    if (sq_import_file(store, bundle, NULL, NULL, &e)) {
        failed("import", &e);
        goto out;
    }
    double t5 = now_s();
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", db);
    long long wal_size = file_size(wal) > 0 ? file_size(wal) : 0;
    snprintf(note, sizeof note, "store %.1f MB with its WAL",
             (double)(file_size(db) + wal_size) / 1e6);
    row("import the bundle (one transaction)", (t5 - t4) * 1e3, 0, "ms", note);

    size_t n = 0;
    double t6 = now_s();
    if (sq_lesson_topics(store, &topics, &n, &e)) {
        failed("topics", &e);
        goto out;
    }
    double t7 = now_s();
    snprintf(note, sizeof note, "%zu topics", n);
    row("list the topics (the Learn screen)", (t7 - t6) * 1e3, 2, "ms", note);

    t_open = calloc((size_t)pages, sizeof *t_open);
    t_parse = calloc((size_t)pages, sizeof *t_parse);
    int k = 0;
    size_t bytes = 0;
    for (size_t t = 0; t < n && t_open && t_parse; t++)
        for (int p = 0; p < topics[t].n_pages && k < pages; p++) {
            char *text = NULL;
            int tl;
            sq_lesson_page *pg = NULL;
            double a = now_s();
            if (sq_lesson_page_text(store, topics[t].exam_id, topics[t].topic, p, 0, &text, &tl,
                                    &e)) {
                failed("a page", &e);
                goto out;
            }
            double b = now_s();
            if (sq_lesson_parse(text, strlen(text), &pg, NULL, &e)) {
                sq_free(text);
                failed("a page's markup", &e);
                goto out;
            }
            double c = now_s();
            bytes += strlen(text);
            sq_lesson_page_free(pg);
            sq_free(text);
            t_open[k] = (b - a) * 1e3;
            t_parse[k] = (c - b) * 1e3;
            k++;
        }
    if (k > 0) {
        qsort(t_open, (size_t)k, sizeof *t_open, cmp_double);
        qsort(t_parse, (size_t)k, sizeof *t_parse, cmp_double);
        snprintf(note, sizeof note, "%d pages, %.1f KB of kk markup each", k,
                 (double)bytes / k / 1e3);
        row("a page from the store (unsealed), median", t_open[k / 2], 3, "ms", note);
        row("  95th percentile", t_open[k * 95 / 100], 3, "ms", "");
        row("its markup parsed, median", t_parse[k / 2], 3, "ms", "");
        row("  95th percentile", t_parse[k * 95 / 100], 3, "ms", "");
    }
    rc = 0;
out:
    free(t_open);
    free(t_parse);
    sq_free(topics);
    sq_store_close(store);
    sq_exam_set_free(set);
    sq_station_keys_close(keys);
    sq_central_close(central);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
