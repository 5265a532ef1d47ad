/*
 * moodle.h - questions from Moodle's GIFT and Aiken formats, turned into a
 * Synaq exam source (the YAML of assets/README.md) for `synaq-central
 * import`.
 *
 * A bank collects the questions of one or more files, each file in one
 * language (kk, ru, en). Files of one language follow each other; files
 * of several languages are merged, GIFT by question title (::title::),
 * Aiken by position, and must agree in structure (the same questions, the
 * same number of answers, the same right answers). What Synaq cannot give
 * (essay, numerical, matching, short answer, cloze, description) is
 * reported through the note callback and left out, or refused (strict).
 *
 * Its own file, with no command line in it, so that its tests and its
 * fuzzer drive it as the tool does. It uses libsynaq's public API only
 * (sq_err, UTF-8) and libyaml's emitter for the output. Not thread-safe
 * per bank; banks are independent. Load: files of up to 10^5 questions,
 * read whole (the caller bounds their size).
 */
#ifndef SYNAQ_CENTRAL_MOODLE_H
#define SYNAQ_CENTRAL_MOODLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synaq/synaq.h"

typedef enum { MOODLE_GIFT, MOODLE_AIKEN } moodle_format;

typedef struct moodle_bank moodle_bank;

/* Called with each question left out ("FILE:LINE: skipped: ..."); msg is
 * borrowed for the call. */
typedef void (*moodle_note_fn)(void *ctx, const char *msg);

/* A new empty bank of questions in format fmt; NULL when out of memory.
 * Free with moodle_bank_free (NULL: no-op). */
moodle_bank *moodle_bank_new(moodle_format fmt);
void moodle_bank_free(moodle_bank *b);

/* Reads the file called name (for messages; copied), its len bytes at
 * text (borrowed; need not end in NUL), as language lang ("kk", "ru",
 * "en"), adding its questions to the bank. strict: a kind Synaq cannot
 * give is an error, not a note. note may be NULL. SQ_EINVAL with
 * "NAME:LINE: problem" for a bad file, which then leaves the bank as it
 * was; SQ_ETOOBIG past the limits; SQ_ENOMEM. */
sq_status moodle_bank_read(moodle_bank *b, const char *name, const char *text, size_t len,
                           const char *lang, bool strict, moodle_note_fn note, void *ctx,
                           sq_err *err) SQ_MUST_CHECK;

/* Questions read in the bank's first language (the others must match). */
size_t moodle_bank_count(const moodle_bank *b);

/* The exam-level fields of the source, which Moodle files do not carry. */
typedef struct {
    const char *id;           /* exam id, 1-63 of [a-z0-9._-] */
    const char *title;        /* the same title in every language of the bank */
    int64_t version;          /* >= 1 */
    int64_t time_limit_min;   /* 0..1440, 0: no limit */
    int64_t pass_mark;        /* 0..100 */
    int64_t attempts;         /* 0: unlimited */
    const char *review_after; /* NULL, or none | score | mistakes | full */
    int64_t per_topic;        /* > 0: a blueprint drawing so many items of every topic */
    const char *comment;      /* NULL, or a first comment line (no newline) */
} moodle_exam;

/* Merges the bank's languages and writes the exam source as YAML into
 * *out (NUL-terminated, *len bytes without it). Caller owns *out (free).
 * SQ_EINVAL when the languages disagree ("kk.gift:12: question 'q3' has
 * 4 answers, ru.gift:14 has 3"), when there is no question, or when a
 * field of ex is out of range; SQ_ENOMEM. */
sq_status moodle_bank_yaml(const moodle_bank *b, const moodle_exam *ex, char **out, size_t *len,
                           sq_err *err) SQ_MUST_CHECK;

#endif
