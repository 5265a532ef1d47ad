/*
 * fuzz_source.c - libFuzzer target: exam sources (YAML) as central reads
 * them, through sqi_source_parse with no folder (so no image or roster
 * file can be named).
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what the
 * rest of Synaq relies on:
 *   - a failure fills the sq_err with its status and a message, and
 *     leaves *out NULL;
 *   - a document the compiler accepts survives the trip a bundle makes:
 *     dumped as compact JSON inside {"format":1,"exams":[...]} it passes
 *     sqi_bundle_payload_decode, which a station runs with no line map.
 * A broken invariant aborts, so libFuzzer saves the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_int.h"
#include "exam_int.h"
#include "source_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    sq_err err;
    if (sq_init(&err) != SQ_OK) {
        fprintf(stderr, "fuzz_source: %s\n", err.msg);
        abort();
    }
    return 0;
}

static void broken(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_source: invariant broken: %s (%s)\n", what, msg ? msg : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sq_err err;
    json_t *doc = (json_t *)1; /* must be reset by the call */
    memset(&err, 0, sizeof err);

    sq_status st = sqi_source_parse("fuzz.yaml", (const char *)data, size, NULL, &doc, &err);
    if (st != SQ_OK) {
        if (doc)
            broken("a failed parse left *out set", err.msg);
        if (err.code != st || err.msg[0] == '\0' || !memchr(err.msg, 0, sizeof err.msg))
            broken("a failed parse did not fill its error", err.msg);
        return 0;
    }
    if (!json_is_object(doc))
        broken("a successful parse gave no object", NULL);

    /* The bundle's trip: sq_bundle_build dumps it, a station reads it back. */
    json_t *payload = json_pack("{s:i, s:[O]}", "format", 1, "exams", doc);
    char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_decref(payload);
    if (!text)
        broken("an accepted document does not dump as JSON", NULL);
    json_t *exams = NULL;
    memset(&err, 0, sizeof err);
    if (sqi_bundle_payload_decode((const uint8_t *)text, strlen(text), &exams, &err) != SQ_OK)
        broken("an accepted source makes a bundle payload that stations refuse", err.msg);
    if (json_array_size(exams) != 1 ||
        !json_equal(json_object_get(json_array_get(exams, 0), "id"), json_object_get(doc, "id")))
        broken("the payload does not carry the exam that went in", NULL);
    json_decref(exams);
    free(text);
    json_decref(doc);
    return 0;
}
