/*
 * bench_batch - the largest legitimate batch, for the receiver's inflate
 * cap (central/README.md, "The receiver's limits"): results of the largest
 * exam synaq-gen-bank makes that a station draws whole (200 items, kk, ru
 * and en texts, every item answered), sealed by a real station store, and
 * the batches a station makes of them for the network (cut at the upload
 * limit) and for a stick. Prints the sealed sizes, each batch's bytes and
 * the bytes its header declares once inflated; asserts nothing.
 *   bench_batch [--results N] [--items N]
 *
 * Why a sample and not 500: sealed results are ciphertext, so their size
 * and how (little) they compress is per result; a batch of N of them
 * inflates to N times the same. The figures are multiplied out below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bank.h"
#include "fixture.h"
#include "synaq/batch.h"

static int fail(const char *what, const sq_err *e)
{
    fprintf(stderr, "bench_batch: %s: %s\n", what, e ? e->msg : "failed");
    return 1;
}

int main(int argc, char **argv)
{
    int n = 20, items = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--results"))
            n = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--items"))
            items = atoi(argv[i + 1]);
    }
    if (n < 1 || n > SQ_BATCH_MAX_RESULTS || items < 1 || items > 1000) {
        fprintf(stderr, "usage: bench_batch [--results 1..500] [--items 1..1000]\n");
        return 2;
    }
    fixture f;
    sq_err e;
    if (fx_setup(&f, "bench-01"))
        return 1;
    char *yaml = NULL;
    size_t ylen = 0;
    FILE *mf = open_memstream(&yaml, &ylen);
    bank_opts o = {.items = items,
                   .topics = 10,
                   .langs = BANK_KK | BANK_RU | BANK_EN,
                   .seed = 1,
                   .draw = 0,
                   .exam_id = "big"};
    if (!mf || bank_write(mf, &o) != 0 || fclose(mf) != 0)
        return fail("writing the bank", NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/b.sqb", f.dir);
    sq_import_report rep;
    if (fx_bundle(&f, yaml, path, NULL, 0) || sq_import_file(f.store, path, NULL, &rep, &e))
        return fail("importing the bank", &e);
    free(yaml);
    for (int i = 0; i < n; i++) {
        char trainee[32];
        sq_attempt *a = NULL;
        sq_outcome out;
        snprintf(trainee, sizeof trainee, "8801013%05d", i);
        if (sq_attempt_start(f.store, "big", trainee, "Айгүл Сәрсенова-Нұрмағамбетова", &a, &e))
            return fail("starting an attempt", &e);
        for (int k = 0; k < items; k++) {
            f.fc.mono_ms += 1000; /* within the bank's time limit */
            f.fc.wall_s += 1;
            if (sq_attempt_answer(a, k, 1u, &e)) /* every item has a first option */
                return fail("answering", &e);
        }
        if (sq_attempt_finish(a, &out, &e))
            return fail("finishing", &e);
        sq_attempt_free(a);
    }
    printf("batches of %d sealed results of a %d-item exam (synaq-gen-bank, kk/ru/en, every "
           "item answered)\n",
           n, items);
    static const struct {
        const char *name;
        size_t max_bytes;
    } ways[] = {{"network (cut at the upload limit)", SQ_UPLOAD_MAX - SQ_UPLOAD_OVERHEAD},
                {"stick (cut at the file limit)", 0}};
    size_t largest = 0;
    for (size_t w = 0; w < sizeof ways / sizeof *ways; w++) {
        sq_batch_made made;
        if (sq_batch_make(f.store, 0, SQ_BATCH_MAX_RESULTS, ways[w].max_bytes, &made, &e) ||
            made.count == 0)
            return fail("making a batch", &e);
        sq_batch *b = NULL;
        if (sq_batch_parse(made.bytes, made.len, &b, &e) ||
            sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e))
            return fail("reading the batch back", &e);
        size_t sealed_total = 0;
        for (size_t i = 0; i < sq_batch_count(b); i++) {
            int64_t seq;
            const uint8_t *sealed;
            size_t slen;
            sq_batch_result(b, i, &seq, &sealed, &slen);
            sealed_total += slen;
            if (slen > largest)
                largest = slen;
        }
        uint64_t plain = sq_batch_plain_len(b);
        printf("  %-36s %3d results: %8zu bytes of batch, %8llu declared inflated (%.4f x), "
               "%zu sealed\n",
               ways[w].name, made.count, made.len, (unsigned long long)plain,
               (double)plain / (double)made.len, sealed_total);
        sq_batch_free(b);
        sq_free(made.bytes);
    }
    printf("  largest sealed result: %zu bytes; %d of them (a full batch) inflate to about %zu "
           "bytes\n",
           largest, SQ_BATCH_MAX_RESULTS, (size_t)SQ_BATCH_MAX_RESULTS * (largest + 8));
    fx_teardown(&f);
    return 0;
}
