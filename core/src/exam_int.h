/*
 * exam_int.h - libsynaq's private: the canonical exam document, its checks and
 * line map (exam.c). Sources are source_int.h's, sets examset_int.h's.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_EXAM_INT_H
#define SYNAQ_EXAM_INT_H

#include <stdbool.h>
#include <jansson.h>
#include "synaq/synaq.h"

/*
 * The canonical exam document (JSON, the bundle payload's "exams" array):
 * {
 *   "id": "election-basics", "version": 3,
 *   "title": {"kk": "...", "ru": "...", "en": "..."},
 *   "description": {...}                        (optional)
 *   "time_limit_s": 1800, "pass_percent": 70, "attempts": 2,
 *   "show_score": true, "shuffle_items": true, "shuffle_options": true,
 *   "clock": "running" | "paused",               (optional: running)
 *   "power_grace_s": 600,                        (optional, running only: 600)
 *   "review_after": "mistakes" | "full",        (optional; without it, score
 *                                                or none, as show_score says;
 *                                                it must agree with show_score)
 *   "topics": [{"id": "law", "title": {...}}],  (possibly empty)
 *   "blueprint": [{"topic": "law", "count": 5,  (empty: every item)
 *                  "points": 6}],              (optional: the topic's points
 *                                               in every attempt)
 *   "items": [{
 *      "id": "q01", "type": "single" | "multiple" | "truefalse",
 *      "topic": "law" or null, "points": 1,
 *      "scoring": "all" | "partial",            (multiple only)
 *      "fixed_order": true,                      (truefalse: never shuffled)
 *      "text": {...},
 *      "image": {"name": "q01.png", "mime": "image/png", "data": "<base64>"} (optional)
 *      "options": [{"text": {...}, "correct": true,
 *                   "feedback": {...}}, ...],  (feedback optional: what
 *                                                choosing the option says)
 *      "explanation": {...}                     (optional; shown only after
 *                                                submission, review_after)
 *   }],
 *   "roster": [{"id": "...", "name": "...", "district": "..."}]  (possibly empty)
 * }
 * A text map has at least one of kk, ru, en, each a non-empty string.
 */

/* The exam's clock (assets/README.md): "running" counts the time since the
 * start, with a restart's down time counted up to power_grace_s; "paused"
 * counts only the time the attempt is on a screen. */
#define SQI_POWER_GRACE_DEFAULT_S 600
#define SQI_POWER_GRACE_MAX_S 86400

/* Lines of a source, for messages: pairs of a node and its line. */
typedef struct exam_linemap exam_linemap;
/* A new empty map (NULL when out of memory); free with sqi_exam_linemap_free. */
exam_linemap *sqi_exam_linemap_new(void);
/* Records node's line (strings, integers, objects and arrays only: true,
 * false and null are shared singletons). */
void sqi_exam_linemap_add(exam_linemap *lm, const json_t *node, int line);
/* Whether an entry could not be recorded (out of memory). */
bool sqi_exam_linemap_failed(const exam_linemap *lm);
int sqi_exam_linemap_line(const exam_linemap *lm, const json_t *node); /* 0: unknown */
void sqi_exam_linemap_free(exam_linemap *lm);

/* Checks a canonical document with every rule of assets/README.md.
 * lm and file (both may be NULL) turn nodes into "FILE:LINE: " prefixes;
 * without them messages say "exam 'ID': item 'q07': ...". */
sq_status sqi_exam_check(const json_t *exam, const exam_linemap *lm, const char *file, sq_err *err);

/* The most points and items a blueprint entry that draws by points may
 * ask for: they bound the tables of sqi_blueprint_mix. */
#define SQI_ITEM_POINTS_MAX 100
#define SQI_MIX_POINTS_MAX 2000
#define SQI_MIX_COUNT_MAX 200

/* A draw by points: how many items of each worth to take from a topic
 * that has have[v] items worth v points (v = 1..SQI_ITEM_POINTS_MAX), so
 * that exactly count items worth exactly points in all are taken. Fills
 * take[v] and returns SQ_OK; SQ_ENOTFOUND when no such choice exists;
 * SQ_EINVAL when count or points is out of range; SQ_ENOMEM. With rand
 * NULL the choice is the first one found (a check); with it, each number
 * is picked at random among those that still lead to a whole draw:
 * rand(ctx, n) returns 0..n-1. Every mix that works can come out. */
sq_status sqi_blueprint_mix(const int have[SQI_ITEM_POINTS_MAX + 1], int count, int points,
                            uint64_t (*rand)(void *ctx, uint64_t n), void *ctx,
                            int take[SQI_ITEM_POINTS_MAX + 1]) SQ_MUST_CHECK;

/* What the trainee sees after submitting, by a document's review_after
 * and show_score: SQI_REVIEW_*, the same numbers as attempt.h's
 * sq_review_mode (attempt.c checks that at compile time; this header
 * stays clear of attempt.h, which sits above it); -1 for an unknown
 * review_after. */
enum { SQI_REVIEW_NONE = 0, SQI_REVIEW_SCORE = 1, SQI_REVIEW_MISTAKES = 2, SQI_REVIEW_FULL = 3 };
int sqi_review_mode(const json_t *exam);

/* Training events (the document's "events": [{id, name, from, to,
 * topics (optional), roster}], every value a string as the source wrote
 * it): checked by sqi_exam_check, at most SQI_EVENTS_MAX an exam; days
 * YYYY-MM-DD of 2000-2099 (sqi_exam_day_ok). event.c stores them. */
#define SQI_EVENTS_MAX 200
bool sqi_exam_day_ok(const char *d);

/* Language index of "kk", "ru", "en"; -1 otherwise. */
int sqi_lang_index(const char *code);
extern const char *const sqi_lang_codes[SQ_NLANGS];

#endif
