/*
 * gen_seeds.c - writes the generated seeds of the fuzz corpora, with the
 * library's own encoders so that they follow the formats exactly:
 *
 *   fuzz_gen_seeds CORPUS_DIR SOURCE.yaml...
 *
 *   result/gen-*.bin         result serialisations (sqi_result_encode), and
 *                            uploads (a heartbeat, with and without a batch)
 *   bundle/payload-*.json    bundle payloads of the sources, one exam
 *                            each, and one of all of them together
 *   sqi_bundle_open/gen-*.bin    fuzz_bundle_open inputs (modes 1 and 2) that
 *                            open: header and payload agree
 *   batch/gen-*.bin          fuzz_batch inputs (mode 1) that verify
 *
 * The seeds made by the real tools (a bundle, a batch) come from
 * tests/fuzz/make-seeds, which runs this too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_int.h"
#include "codec_int.h"
#include "exam_int.h"
#include "source_int.h"
#include "result_int.h"

static const char *corpus;

static int save(const char *target, const char *name, const void *p, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", corpus, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "fuzz_gen_seeds: cannot write %s\n", path);
        return 1;
    }
    printf("%s (%zu bytes)\n", path, len);
    return 0;
}

static int save_buf(const char *target, const char *name, sq_buf *b)
{
    if (b->failed) {
        fprintf(stderr, "fuzz_gen_seeds: %s/%s does not fit\n", target, name);
        return 1;
    }
    return save(target, name, b->p, b->len);
}

/* ---- results ---- */

static int results(void)
{
    int rc = 0;
    sq_buf b;
    sq_result_item items[3] = {
        {.item_id = "law-01",
         .n_options = 4,
         .order = {2, 0, 3, 1},
         .selected = 1u << 0,
         .answered = true,
         .answered_ms = 12345,
         .points_milli = 1000,
         .max_milli = 1000},
        {.item_id = "law-03",
         .n_options = 7,
         .order = {6, 5, 4, 3, 2, 1, 0},
         .selected = 0x0b,
         .answered = true,
         .flagged = true,
         .answered_ms = 70001,
         .points_milli = 1333,
         .max_milli = 2000},
        {.item_id = "law-04",
         .n_options = 2,
         .order = {0, 1},
         .answered_ms = 0,
         .points_milli = 0,
         .max_milli = 1000},
    };
    sq_clock_event events[2] = {
        {.kind = 1, .wall_before_s = 1700000000, .wall_after_s = 1690000000, .mono_delta_ms = 5},
        {.kind = 2, .wall_before_s = 1700000100, .wall_after_s = 1700003700, .mono_delta_ms = -1},
    };
    sq_result full = {
        .format = 1,
        .station_id = "st-01",
        .seq = 42,
        .attempt_id = "3e968bec0ae4f0c3ebcb48e16621fd5f",
        .trainee_id = "850312400217",
        .trainee_name = "Айгүл Сәрсенова, \"A\"",
        .exam_id = "election-basics",
        .exam_version = 3,
        .started_wall_s = 1700000000,
        .finished_wall_s = 1700001200,
        .elapsed_ms = 1199999,
        .time_limit_s = 1200,
        .points_milli = 2333,
        .max_milli = 4000,
        .percent = 58,
        .passed = false,
        .timed_out = true,
        .n_items = 3,
        .items = items,
        .n_events = 2,
        .events = events,
    };
    sqi_buf_init(&b, 0);
    sqi_result_encode(&full, &b);
    rc |= save_buf("result", "gen-full.bin", &b);
    sqi_buf_free(&b);

    /* The same in format 2: a running clock, and what its gaps counted. */
    sq_clock_event events2[3] = {
        {.kind = 3, .wall_before_s = 1700000100, .wall_after_s = 1700000400,
         .mono_delta_ms = 300000, .counted_ms = 300000},
        {.kind = 4, .wall_before_s = 1700000400, .wall_after_s = 1700004000,
         .mono_delta_ms = 3600000, .counted_ms = 600000},
        {.kind = 5, .wall_before_s = 1700004000, .wall_after_s = 1690000000,
         .mono_delta_ms = 0, .counted_ms = 0},
    };
    full.format = 2;
    full.clock = SQ_CLOCK_RUNNING;
    full.power_grace_s = 600;
    full.n_events = 3;
    full.events = events2;
    sqi_buf_init(&b, 0);
    sqi_result_encode(&full, &b);
    rc |= save_buf("result", "gen-full-v2.bin", &b);
    sqi_buf_free(&b);

    sq_result_item one = {.item_id = "q1",
                          .n_options = 2,
                          .order = {1, 0},
                          .selected = 2,
                          .answered = true,
                          .points_milli = 1000,
                          .max_milli = 1000};
    sq_result small = {
        .format = 1,
        .station_id = "s",
        .seq = 1,
        .attempt_id = "00000000000000000000000000000000",
        .trainee_id = "t",
        .trainee_name = "",
        .exam_id = "m1",
        .exam_version = 1,
        .started_wall_s = -1,
        .finished_wall_s = 0,
        .percent = 100,
        .passed = true,
        .n_items = 1,
        .items = &one,
    };
    sqi_buf_init(&b, 0);
    sqi_result_encode(&small, &b);
    rc |= save_buf("result", "gen-small.bin", &b);
    sqi_buf_free(&b);

    /* The widest item and the extremes of every number. */
    sq_result_item wide = {.item_id = "Q.x_-9",
                           .n_options = 32,
                           .selected = 0xffffffffu,
                           .answered = true,
                           .flagged = true,
                           .answered_ms = INT64_MAX,
                           .points_milli = INT64_MAX,
                           .max_milli = INT64_MAX};
    for (int i = 0; i < 32; i++)
        wide.order[i] = (uint8_t)(31 - i);
    sq_clock_event ext = {.kind = 255,
                          .wall_before_s = INT64_MIN,
                          .wall_after_s = INT64_MAX,
                          .mono_delta_ms = INT64_MIN};
    sq_result big = {
        .format = 1,
        .station_id = "station-with-a-long-name-0123456789",
        .seq = INT64_MAX,
        .attempt_id = "ffffffffffffffffffffffffffffffff",
        .trainee_id = "x",
        .trainee_name = "y",
        .exam_id = "e",
        .exam_version = (int64_t)1 << 53,
        .started_wall_s = INT64_MIN,
        .finished_wall_s = INT64_MAX,
        .elapsed_ms = INT64_MAX,
        .time_limit_s = 86400,
        .points_milli = INT64_MAX,
        .max_milli = INT64_MAX,
        .percent = 0,
        .n_items = 1,
        .items = &wide,
        .n_events = 1,
        .events = &ext,
    };
    sqi_buf_init(&b, 0);
    sqi_result_encode(&big, &b);
    rc |= save_buf("result", "gen-extremes.bin", &b);
    sqi_buf_free(&b);
    return rc;
}

/* ---- batches (fuzz_batch mode 1) ---- */

static int batches(void)
{
    int rc = 0;
    sq_buf b, r;
    sq_result_item one = {.item_id = "q1",
                          .n_options = 2,
                          .order = {0, 1},
                          .selected = 1,
                          .answered = true,
                          .points_milli = 1000,
                          .max_milli = 1000};
    sq_result res = {.format = 1,
                     .station_id = "st-01",
                     .attempt_id = "0123456789abcdef0123456789abcdef",
                     .trainee_id = "t1",
                     .trainee_name = "T",
                     .exam_id = "m1",
                     .exam_version = 1,
                     .n_items = 1,
                     .items = &one};
    sqi_buf_init(&b, 0);
    sqi_buf_u8(&b, 1);
    sqi_buf_str(&b, "st-01");
    sqi_buf_svarint(&b, 1700000000);
    sqi_buf_varint(&b, 3);
    for (int64_t seq = 1; seq <= 3; seq++) {
        res.seq = seq;
        sqi_buf_init(&r, 0);
        sqi_result_encode(&res, &r);
        sqi_buf_varint(&b, (uint64_t)seq * 10);
        sqi_buf_bytes(&b, r.p, r.len);
        sqi_buf_free(&r);
    }
    rc |= save_buf("batch", "gen-three.bin", &b);
    sqi_buf_free(&b);

    /* One empty record at the largest sequence number. */
    sqi_buf_init(&b, 0);
    sqi_buf_u8(&b, 1);
    sqi_buf_str(&b, "s");
    sqi_buf_svarint(&b, -1);
    sqi_buf_varint(&b, 1);
    sqi_buf_varint(&b, INT64_MAX);
    sqi_buf_bytes(&b, "", 0);
    rc |= save_buf("batch", "gen-empty-record.bin", &b);
    sqi_buf_free(&b);
    return rc;
}

/* ---- uploads (fuzz_result): a heartbeat, with and without a batch ---- */

static void heartbeat(sq_buf *b, const char *station)
{
    sqi_buf_put(b, "SQUPLD1", 7);
    sqi_buf_u8(b, 1);
    sqi_buf_str(b, station);
    sqi_buf_str(b, "0.1.0");
    sqi_buf_str(b, "m1:1 kinds.v2:9007199254740992");
    sqi_buf_varint(b, 3);        /* pending */
    sqi_buf_varint(b, 86400);    /* oldest pending, s */
    sqi_buf_varint(b, 1u << 30); /* disk free */
    sqi_buf_svarint(b, 1700000000);
    sqi_buf_varint(b, 7); /* last seq */
}

static int uploads(void)
{
    int rc = 0;
    uint8_t sig[64], *z = NULL;
    size_t zlen = 0;
    sq_buf b, batch;
    memset(sig, 0, sizeof sig); /* sq_batch_upload_parse does not check it */

    sqi_buf_init(&b, 0);
    heartbeat(&b, "st-01");
    sqi_buf_bytes(&b, NULL, 0);
    sqi_buf_put(&b, sig, sizeof sig);
    rc |= save_buf("result", "gen-upload-heartbeat.bin", &b);
    sqi_buf_free(&b);

    /* A batch of one empty record (its id and signature need not hold). */
    const uint8_t plain[] = {0x01, 0x00};
    if (sqi_z_deflate(plain, sizeof plain, &z, &zlen, NULL) != SQ_OK)
        return 1;
    sqi_buf_init(&batch, 0);
    sqi_buf_put(&batch, "SQBATCH1", 8);
    sqi_buf_u8(&batch, 1);
    sqi_buf_put(&batch, sig, 16);
    sqi_buf_str(&batch, "st-01");
    sqi_buf_svarint(&batch, 1700000000);
    sqi_buf_varint(&batch, 1);
    sqi_buf_varint(&batch, sizeof plain);
    sqi_buf_bytes(&batch, z, zlen);
    sqi_buf_put(&batch, sig, sizeof sig);
    free(z);
    sqi_buf_init(&b, 0);
    heartbeat(&b, "st-01");
    sqi_buf_bytes(&b, batch.p, batch.len);
    sqi_buf_put(&b, sig, sizeof sig);
    rc |= save_buf("result", "gen-upload-batch.bin", &b);
    sqi_buf_free(&b);
    sqi_buf_free(&batch);
    return rc;
}

/* ---- bundles ---- */

/* The fuzz_bundle_open input of mode 1 (plain payload) or 2 (deflated). */
static int bundle_open_seed(const char *name, int mode, const json_t *list, const char *json)
{
    sq_buf b;
    size_t i;
    json_t *e;
    int rc;
    sqi_buf_init(&b, 0);
    sqi_buf_u8(&b, (uint8_t)mode);
    sqi_buf_str(&b, "fuzz-seed.v1-00000000");
    sqi_buf_svarint(&b, 1700000000);
    sqi_buf_u8(&b, (uint8_t)json_array_size(list));
    json_array_foreach(list, i, e)
    {
        sqi_buf_str(&b, json_string_value(json_object_get(e, "id")));
        sqi_buf_varint(&b, (uint64_t)json_integer_value(json_object_get(e, "version")));
    }
    sqi_buf_u8(&b, 1); /* one decoy station before st-01 */
    sqi_buf_str(&b, "st-00");
    if (mode == 1) {
        sqi_buf_put(&b, json, strlen(json));
    } else {
        uint8_t *z = NULL;
        size_t zlen = 0;
        if (sqi_z_deflate((const uint8_t *)json, strlen(json), &z, &zlen, NULL) != SQ_OK) {
            sqi_buf_free(&b);
            return 1;
        }
        sqi_buf_varint(&b, strlen(json));
        sqi_buf_put(&b, z, zlen);
        free(z);
    }
    rc = save_buf("sqi_bundle_open", name, &b);
    sqi_buf_free(&b);
    return rc;
}

static int payload(const char *stem, json_t *list)
{
    char name[512];
    int rc = 0;
    json_t *doc = json_pack("{s:i, s:O}", "format", 1, "exams", list);
    char *json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!json)
        return 1;
    snprintf(name, sizeof name, "payload-%s.json", stem);
    rc |= save("bundle", name, json, strlen(json));
    snprintf(name, sizeof name, "gen-%s-plain.bin", stem);
    rc |= bundle_open_seed(name, 1, list, json);
    snprintf(name, sizeof name, "gen-%s-zlib.bin", stem);
    rc |= bundle_open_seed(name, 2, list, json);
    free(json);
    return rc;
}

static int bundles(int n, char **paths)
{
    int rc = 0;
    json_t *all = json_array();
    for (int i = 0; i < n; i++) {
        json_t *exam = NULL;
        sq_err err;
        if (sqi_source_load(paths[i], &exam, &err) != SQ_OK) {
            fprintf(stderr, "fuzz_gen_seeds: %s\n", err.msg);
            rc = 1;
            continue;
        }
        char stem[256];
        const char *base = strrchr(paths[i], '/');
        snprintf(stem, sizeof stem, "%s", base ? base + 1 : paths[i]);
        char *dot = strrchr(stem, '.');
        if (dot)
            *dot = '\0';
        json_t *one = json_pack("[O]", exam);
        rc |= payload(stem, one);
        json_decref(one);
        json_array_append_new(all, exam);
    }
    if (json_array_size(all) > 1)
        rc |= payload("all", all);
    json_decref(all);
    return rc;
}

int main(int argc, char **argv)
{
    sq_err err;
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_gen_seeds CORPUS_DIR SOURCE.yaml...\n");
        return 2;
    }
    if (sq_init(&err) != SQ_OK) {
        fprintf(stderr, "fuzz_gen_seeds: %s\n", err.msg);
        return 1;
    }
    corpus = argv[1];
    int rc = results();
    rc |= batches();
    rc |= uploads();
    rc |= bundles(argc - 2, argv + 2);
    return rc;
}
