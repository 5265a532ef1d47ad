/*
 * fuzz_bundle.c - libFuzzer target: what a station parses of a bundle
 * once central's signature has checked out. The same input goes to both
 * steps:
 *   - sqi_bundle_parse_header, as the signature-stripped bundle file;
 *   - sqi_bundle_payload_decode, as the decrypted, inflated payload JSON
 *     ({"format":1,"exams":[...]}), whose exams go through sqi_exam_check.
 * The seeds hold both kinds. Beyond "no crash, no leak, no undefined
 * behaviour" it checks that what is accepted is what the callers assume
 * (sqi_bundle_open and sq_import_file use the header's strings and the exams'
 * ids without further checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    sq_err err;
    if (sq_init(&err) != SQ_OK) {
        fprintf(stderr, "fuzz_bundle: %s\n", err.msg);
        abort();
    }
    return 0;
}

static void broken(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_bundle: invariant broken: %s (%s)\n", what, msg ? msg : "");
    abort();
}

static void check_failure(sq_status st, const sq_err *err)
{
    if (err->code != st || err->msg[0] == '\0' || !memchr(err->msg, 0, sizeof err->msg))
        broken("a failure did not fill its error", err->msg);
}

static void header(const uint8_t *data, size_t size)
{
    bundle_header hdr;
    size_t header_len = 0;
    sq_err err;
    memset(&err, 0, sizeof err);
    sq_status st = sqi_bundle_parse_header(data, size, &hdr, &header_len, &err);
    if (st != SQ_OK) {
        check_failure(st, &err);
        return;
    }
    if (header_len > size || size - header_len < 16)
        broken("the header leaves no room for the AEAD tag", NULL);
    if (hdr.n_exams < 1 || hdr.n_exams > sizeof hdr.exams / sizeof hdr.exams[0])
        broken("exam count out of range", NULL);
    if (!memchr(hdr.bundle_id, 0, sizeof hdr.bundle_id))
        broken("bundle id not terminated", NULL);
    for (size_t i = 0; i < hdr.n_exams; i++) {
        if (!memchr(hdr.exams[i].id, 0, sizeof hdr.exams[i].id))
            broken("exam id not terminated", NULL);
        if (hdr.exams[i].version < 1)
            broken("exam version below 1", NULL);
    }
}

static void payload(const uint8_t *data, size_t size)
{
    json_t *exams = NULL;
    sq_err err;
    memset(&err, 0, sizeof err);
    sq_status st = sqi_bundle_payload_decode(data, size, &exams, &err);
    if (st != SQ_OK) {
        if (exams)
            broken("a failed decode left *exams set", err.msg);
        check_failure(st, &err);
        return;
    }
    if (!json_is_array(exams) || json_array_size(exams) == 0)
        broken("an accepted payload has no exams", NULL);
    size_t i;
    json_t *e;
    json_array_foreach(exams, i, e)
    {
        /* What sqi_bundle_open and the store take for granted. */
        const char *id = json_string_value(json_object_get(e, "id"));
        json_int_t version = json_integer_value(json_object_get(e, "version"));
        if (!id || strlen(id) == 0 || strlen(id) > 63 || version < 1)
            broken("an accepted exam has no usable id or version", NULL);
        if (json_array_size(json_object_get(e, "items")) == 0)
            broken("an accepted exam has no items", NULL);
    }
    json_decref(exams);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    header(data, size);
    payload(data, size);
    return 0;
}
