/*
 * bench_wire - bytes on the wire per 50-item result: Synaq's batched,
 * compressed, signed uploads beside the same results posted as plain JSON,
 * one HTTP request each. Prints figures; asserts nothing.
 *   bench_wire [--results N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "fixture.h"

/* A typical HTTP/1.1 request head of a small client (method, path, host,
 * user agent, content type and length, accept): what each plain post
 * costs beyond its body. Synaq pays it once per batch. */
#define HTTP_HEAD_BYTES 180
/* And the answer's head and a small body. */
#define HTTP_ANSWER_BYTES 160

static json_t *result_json(const sq_result *r)
{
    json_t *items = json_array();
    for (int i = 0; i < r->n_items; i++) {
        json_t *order = json_array();
        for (int k = 0; k < r->items[i].n_options; k++)
            json_array_append_new(order, json_integer(r->items[i].order[k]));
        json_array_append_new(items, json_pack("{s:s, s:o, s:I, s:b, s:b, s:I, s:I, s:I}", "item",
                                               r->items[i].item_id, "order", order, "selected",
                                               (json_int_t)r->items[i].selected, "answered",
                                               r->items[i].answered, "flagged", r->items[i].flagged,
                                               "answered_ms", (json_int_t)r->items[i].answered_ms,
                                               "points_milli", (json_int_t)r->items[i].points_milli,
                                               "max_milli", (json_int_t)r->items[i].max_milli));
    }
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, "
                     "s:b, s:b, s:o}",
                     "station", r->station_id, "seq", (json_int_t)r->seq, "attempt", r->attempt_id,
                     "trainee", r->trainee_id, "name", r->trainee_name, "exam", r->exam_id,
                     "version", (json_int_t)r->exam_version, "started", (json_int_t)r->started_wall_s,
                     "finished", (json_int_t)r->finished_wall_s, "elapsed_ms",
                     (json_int_t)r->elapsed_ms, "time_limit_s", (json_int_t)r->time_limit_s,
                     "points_milli", (json_int_t)r->points_milli, "max_milli",
                     (json_int_t)r->max_milli, "percent", r->percent, "passed", r->passed,
                     "timed_out", r->timed_out, "items", items);
}

int main(int argc, char **argv)
{
    int n = argc > 2 && !strcmp(argv[1], "--results") ? atoi(argv[2]) : 200;
    fixture f;
    sq_err e;
    if (fx_setup(&f, "bench-01"))
        return 1;
    char path[512];
    snprintf(path, sizeof path, "%s/b.sqb", f.dir);
    char *yaml = fx_exam_yaml("fifty", 1, 50, 60);
    sq_import_report rep;
    if (fx_bundle(&f, yaml, path, NULL, 0) || sq_import_file(f.store, path, NULL, &rep, &e)) {
        fprintf(stderr, "bench_wire: setup failed\n");
        return 1;
    }
    free(yaml);
    for (int i = 0; i < n; i++) {
        char trainee[32];
        sq_attempt *a = NULL;
        sq_outcome o;
        snprintf(trainee, sizeof trainee, "8801013%05d", i);
        if (sq_attempt_start(f.store, "fifty", trainee, "Айгүл Сәрсенова", &a, &e)) {
            fprintf(stderr, "bench_wire: %s\n", e.msg);
            return 1;
        }
        for (int k = 0; k < 50; k++) {
            f.fc.mono_ms += 20000;
            f.fc.wall_s += 20;
            if (sq_attempt_answer(a, k, 1u << (k % 4), &e))
                return 1;
        }
        if (sq_attempt_finish(a, &o, &e))
            return 1;
        sq_attempt_free(a);
    }
    /* Synaq: batches of 50, each one upload with its heartbeat. */
    size_t synaq_bytes = 0, sealed_total = 0, batches = 0;
    int64_t after = 0;
    size_t json_bytes = 0, json_requests = 0;
    for (;;) {
        uint8_t *up = NULL;
        size_t ulen;
        sq_batch_made made;
        if (sq_batch_make(f.store, after, 50, 0, &made, &e) || made.count == 0) {
            sq_free(made.bytes);
            break;
        }
        uint8_t *batch = made.bytes;
        size_t blen = made.len;
        sq_heartbeat hb;
        if (sq_batch_heartbeat(f.store, &hb, &e) ||
            sq_batch_upload_build(f.keys, &hb, batch, blen, &up, &ulen, &e))
            return 1;
        synaq_bytes += ulen + HTTP_HEAD_BYTES + HTTP_ANSWER_BYTES;
        batches++;
        sq_batch *b = NULL;
        if (sq_batch_parse(batch, blen, &b, &e) ||
            sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e))
            return 1;
        for (size_t i = 0; i < sq_batch_count(b); i++) {
            int64_t seq;
            const uint8_t *sealed;
            size_t slen;
            sq_result *r = NULL;
            sq_batch_result(b, i, &seq, &sealed, &slen);
            sealed_total += slen;
            after = seq;
            if (sq_result_open(sealed, slen, sq_central_results_pk(f.central),
                               sq_central_results_sk(f.central), sq_station_keys_sign_pk(f.keys),
                               &r, &e))
                return 1;
            json_t *j = result_json(r);
            char *text = json_dumps(j, JSON_COMPACT);
            json_bytes += strlen(text) + HTTP_HEAD_BYTES + HTTP_ANSWER_BYTES;
            json_requests++;
            free(text);
            json_decref(j);
            sq_result_free(r);
        }
        sq_batch_free(b);
        sq_free(up);
        sq_free(batch);
    }
    printf("bytes on the wire per 50-item result (%d results; HTTP heads counted as %d + %d "
           "bytes a request)\n",
           n, HTTP_HEAD_BYTES, HTTP_ANSWER_BYTES);
    printf("  %-46s %8.0f bytes/result  (%zu requests)\n",
           "synaq: sealed, signed, batches of 50", (double)synaq_bytes / n, batches);
    printf("  %-46s %8.0f bytes/result  (%zu requests)\n", "plain JSON, one request each",
           (double)json_bytes / n, json_requests);
    printf("  %-46s %8.2f\n", "ratio synaq / JSON", (double)synaq_bytes / (double)json_bytes);
    printf("  %-46s %8.0f bytes\n", "one sealed result (in the store)",
           (double)sealed_total / n);
    fx_teardown(&f);
    return 0;
}
