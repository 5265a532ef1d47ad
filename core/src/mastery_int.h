/*
 * mastery_int.h - libsynaq's private: practice's mastery rules (mastery.c):
 * a rule read from an exam document, a trainee's answers measured against
 * it, and the store's practice records read back for it. Used by exam.c
 * (the source's check), practice.c and attempt.c (requires_practice).
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 *
 * The rules (assets/README.md, "Practice"). Only an answer at the first
 * try counts; items come round again once a topic's items are all used,
 * so a window or a streak longer than the topic's items is reachable.
 */
#ifndef SYNAQ_MASTERY_INT_H
#define SYNAQ_MASTERY_INT_H

#include <stdbool.h>
#include <sqlite3.h>
#include <jansson.h>
#include "synaq/synaq.h"
#include "db_int.h"

/* The same numbers as practice.h's sq_mastery_kind. */
enum { SQI_MASTERY_ALL = 1, SQI_MASTERY_M_OF_N = 2, SQI_MASTERY_STREAK = 3 };
/* The largest n of m_of_n and of streak. */
#define SQI_MASTERY_N_MAX 100
/* practice.tries: 1 or 2. */
#define SQI_PRACTICE_TRIES_MAX 2

typedef struct {
    int kind; /* SQI_MASTERY_* */
    int m, n; /* m_of_n: m of the last n; streak: n in a row; all: unused */
} sqi_mastery_rule;

/* Reads a document's rule ({"topic", "rule", "m", "n"}). SQ_EINVAL with
 * a sentence in why (no file or line: the caller adds them) when it is
 * malformed or cannot be met by a topic of n_items items (none). */
sq_status sqi_mastery_rule_read(const json_t *e, size_t n_items, sqi_mastery_rule *r, char *why,
                                size_t why_len);

/* One first-try answer: item is the answered item's index among the
 * topic's items (-1: an item the exam no longer has), right whether it
 * was right. */
typedef struct {
    int item;
    bool right;
} sqi_mastery_answer;

typedef struct {
    int progress; /* all: items right; m_of_n: right of the last n; streak: the run now */
    int goal;     /* all: the topic's items; m_of_n: m; streak: n */
    int answered; /* first-try answers counted */
    bool mastered; /* the rule was met at some point: it stays met */
} sqi_mastery_state;

/* Measures answers (oldest first) against r for a topic of n_items
 * items. Pure: no store, no clock. SQ_ENOMEM only. */
sq_status sqi_mastery_eval(const sqi_mastery_rule *r, int n_items, const sqi_mastery_answer *a,
                           size_t n, sqi_mastery_state *out);

/* One topic's progress on the station, for a trainee. */
typedef struct {
    char topic[64];        /* "" for an exam without topics: the whole bank */
    sqi_mastery_rule rule;
    int n_items;
    sqi_mastery_state state;
} sqi_topic_progress;

/* The trainee's (hash h) progress on every topic of the exam at row
 * (meta: its document without items), in the order of the rules; *n is 0
 * for an exam without practice. Reads the store's practice records.
 * Caller owns *out (free()). */
sq_status sqi_mastery_progress(sq_store *s, sqlite3_int64 row, const char *exam_id,
                               int64_t version, const json_t *meta, const uint8_t h[32],
                               sqi_topic_progress **out, size_t *n, sq_err *err) SQ_MUST_CHECK;

/* requires_practice: SQ_OK when the exam does not require it or every
 * topic is mastered; SQ_ESTATE naming the first topic not mastered. */
sq_status sqi_mastery_required(sq_store *s, sqlite3_int64 row, const char *exam_id,
                               int64_t version, const json_t *meta, const uint8_t h[32],
                               sq_err *err) SQ_MUST_CHECK;

/* The row key of a practice record: its 32-hex id. */
void sqi_rowkey_practice(char out[STORE_ROWKEY], const char *id_hex);

/* Inside the caller's write transaction: every practice record not yet
 * numbered (rseq NULL) sealed for central, numbered in the results'
 * sequence and put in the results table as kind 1 (practice.c; records
 * that do not open are passed over). */
sq_status sqi_practice_number(sq_store *s, sq_err *err) SQ_MUST_CHECK;
/* The same in its own transaction, when there is any (batch.c, before it
 * counts or batches: the records of stores from before schema 8). */
sq_status sqi_practice_number_open(sq_store *s, sq_err *err) SQ_MUST_CHECK;

#endif
