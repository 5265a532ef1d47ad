/*
 * fuzz_moodle.c - libFuzzer target: Moodle GIFT and Aiken files as
 * synaq-central import reads them (central/moodle.c).
 *
 * The first byte picks the mode: bit 0 the format (0 GIFT, 1 Aiken), bit
 * 1 whether the rest is two files, kk and ru, split at the first "\n%%\n"
 * (else at the middle) and merged. Beyond "no crash, no leak, no undefined
 * behaviour" it checks what the tool relies on:
 *   - a failed read fills the sq_err and leaves the bank as it was;
 *   - whatever the bank accepted and moodle_bank_yaml wrote is a source
 *     that the library's strict parser (bundle check) accepts: the
 *     emitter's quoting, the text limits and the mapping of weights and
 *     kinds never make a source Synaq refuses.
 * A broken invariant aborts, so libFuzzer saves the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moodle.h"
#include "source_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    sq_err err;
    if (sq_init(&err) != SQ_OK) {
        fprintf(stderr, "fuzz_moodle: %s\n", err.msg);
        abort();
    }
    return 0;
}

static void broken(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_moodle: invariant broken: %s (%s)\n", what, msg ? msg : "");
    abort();
}

static bool read_one(moodle_bank *b, const char *name, const uint8_t *p, size_t n, const char *lang,
                     bool strict)
{
    sq_err err;
    memset(&err, 0, sizeof err);
    size_t before = moodle_bank_count(b);
    sq_status st = moodle_bank_read(b, name, (const char *)p, n, lang, strict, NULL, NULL, &err);
    if (st != SQ_OK) {
        if (err.code != st || err.msg[0] == '\0' || !memchr(err.msg, 0, sizeof err.msg))
            broken("a failed read did not fill its error", err.msg);
        if (moodle_bank_count(b) != before)
            broken("a failed read changed the bank", err.msg);
        return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    moodle_bank *b = moodle_bank_new(mode & 1 ? MOODLE_AIKEN : MOODLE_GIFT);
    if (!b)
        return 0;
    bool strict = (mode & 4) != 0, ok;
    if (mode & 2) {
        size_t cut = n / 2, skip = 0;
        for (size_t i = 0; i + 4 <= n; i++)
            if (memcmp(p + i, "\n%%\n", 4) == 0) {
                cut = i;
                skip = 4;
                break;
            }
        ok = read_one(b, "kk.gift", p, cut, "kk", strict) &&
             read_one(b, "ru.gift", p + cut + skip, n - cut - skip, "ru", strict);
    } else {
        ok = read_one(b, "in.gift", p, n, "en", strict);
    }
    if (ok) {
        moodle_exam ex = {"fuzz", "Fuzz: «тест»", 1, 0, 70, 0, NULL, 0, "fuzz"};
        char *yaml = NULL;
        size_t len = 0;
        sq_err err;
        memset(&err, 0, sizeof err);
        sq_status st = moodle_bank_yaml(b, &ex, &yaml, &len, &err);
        if (st == SQ_OK) {
            json_t *doc = NULL;
            if (!yaml || strlen(yaml) != len)
                broken("the source is not one NUL-terminated text", NULL);
            if (sqi_source_parse("fuzz.yaml", yaml, len, NULL, &doc, &err) != SQ_OK)
                broken("a written source is refused by the source parser", err.msg);
            if (json_array_size(json_object_get(doc, "items")) != moodle_bank_count(b))
                broken("the source does not hold every question read", NULL);
            json_decref(doc);
        } else if (st != SQ_EINVAL || !(mode & 2)) {
            /* One language has nothing to disagree with. */
            broken("a bank of one language could not be written", err.msg);
        }
        free(yaml);
    }
    moodle_bank_free(b);
    return 0;
}
