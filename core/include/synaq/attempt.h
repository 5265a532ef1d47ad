/*
 * attempt.h - a trainee taking an exam on a station.
 *
 * An attempt draws its items by the exam's blueprint and shuffles items and
 * options with a seed kept in the attempt, so it shows the same order after
 * a restart. Every answer and flag is committed to the store before the
 * call returns (power-cut durable). Time is counted on the monotonic clock
 * and kept as elapsed milliseconds in the store. The time while the attempt
 * was left (the kiosk back at welcome, or down) follows the exam's clock
 * rule at resume: "running" counts it (a restart's down time up to the
 * exam's power grace), "paused" does not; either way what happened is
 * recorded as clock events (result.h). The wall clock is recorded, never
 * trusted; jumps between the two are recorded as clock events.
 *
 * On sq_attempt_finish the attempt becomes a result: serialised (result.h),
 * signed by the station, sealed to central's results key, stored immutable
 * under the next station sequence number. The answers in progress are then
 * deleted from the store.
 */
#ifndef SYNAQ_ATTEMPT_H
#define SYNAQ_ATTEMPT_H

#include <stdbool.h>
#include "store.h"

typedef struct sq_attempt sq_attempt;

enum { SQ_LANG_KK = 0, SQ_LANG_RU = 1, SQ_LANG_EN = 2 };

typedef enum { SQ_ITEM_SINGLE = 1, SQ_ITEM_MULTIPLE = 2, SQ_ITEM_TRUEFALSE = 3 } sq_item_type;

#define SQ_MAX_OPTIONS 16

/* One item as shown: texts in one language, options in the order shown.
 * Strings are borrowed from the attempt and valid until it is freed. */
typedef struct {
    int pos;                 /* 0-based position in the attempt */
    const char *item_id;
    sq_item_type type;
    const char *text;        /* in the asked language, or a fallback */
    int text_lang;           /* the language text is really in */
    int n_options;
    const char *options[SQ_MAX_OPTIONS];
    uint32_t selected;       /* bit i: shown option i selected */
    bool answered;
    bool flagged;
    bool has_image;
} sq_item_view;

/* Starts a new attempt. trainee_name may be NULL (the roster's is used when
 * there is one). SQ_ENOTFOUND: no such exam, or not on its roster;
 * SQ_ESTATE: no attempts left, or an attempt of this trainee is open
 * already (resume it), or the exam requires practice and a topic is not
 * mastered yet (practice.h). Caller owns *out; free with sq_attempt_free. */
sq_status sq_attempt_start(sq_store *s, const char *exam_id, const char *trainee_id,
                           const char *trainee_name, sq_attempt **out, sq_err *err) SQ_MUST_CHECK;

/* Opens the trainee's attempt in progress on exam_id (NULL: on any exam).
 * Counts the time since its last commit by the exam's clock rule (running:
 * it may reach the limit, and the caller then finishes the attempt as
 * timed out) and records it as clock events; committed before it returns.
 * SQ_ENOTFOUND if none. */
sq_status sq_attempt_resume(sq_store *s, const char *exam_id, const char *trainee_id,
                            sq_attempt **out, sq_err *err) SQ_MUST_CHECK;

/* Frees the in-memory attempt; what was committed stays. NULL is a no-op. */
void sq_attempt_free(sq_attempt *a);

int sq_attempt_count(const sq_attempt *a);      /* items in the attempt */
int sq_attempt_current(const sq_attempt *a);    /* position the trainee is on */
const char *sq_attempt_exam_id(const sq_attempt *a);
/* Hex of the attempt's 16-byte id (33 bytes, borrowed). */
const char *sq_attempt_id(const sq_attempt *a);
/* Which languages the exam's content has: bit SQ_LANG_x. */
unsigned sq_attempt_langs(const sq_attempt *a);

/* Fills *v with item pos in language lang (falling back to another
 * language of the item when it has no text in lang). */
sq_status sq_attempt_item(sq_attempt *a, int pos, int lang, sq_item_view *v,
                          sq_err *err) SQ_MUST_CHECK;

/* The item's image bytes (PNG or JPEG), or SQ_ENOTFOUND. Caller owns *data
 * (free with sq_free). */
sq_status sq_attempt_image(sq_attempt *a, int pos, uint8_t **data, size_t *len,
                           char *mime, size_t mime_len, sq_err *err) SQ_MUST_CHECK;

/* Records the selection (bit i: shown option i) for item pos and commits.
 * A single-choice or true/false item takes at most one bit. 0 clears.
 * When the time is up: SQ_ESTATE, nothing recorded, but the time's end is
 * committed, so that no resume gives time back; the caller then finishes
 * the attempt (as the kiosk does at zero). */
sq_status sq_attempt_answer(sq_attempt *a, int pos, uint32_t selected, sq_err *err) SQ_MUST_CHECK;
sq_status sq_attempt_flag(sq_attempt *a, int pos, bool flagged, sq_err *err) SQ_MUST_CHECK;
/* Moves to item pos and commits it, so a restart comes back there. */
sq_status sq_attempt_goto(sq_attempt *a, int pos, sq_err *err) SQ_MUST_CHECK;

/* Brings elapsed time up to now and commits it (the kiosk calls it every
 * few seconds; answer, flag and goto do it too). Records clock jumps. */
sq_status sq_attempt_tick(sq_attempt *a, sq_err *err) SQ_MUST_CHECK;

/* Milliseconds left (as of the last tick or the call's own reading of the
 * monotonic clock, which is not committed); INT64_MAX without a limit;
 * never below 0. */
int64_t sq_attempt_time_left_ms(sq_attempt *a);
/* Whether the exam's clock runs while the attempt is left (clock: running). */
bool sq_attempt_clock_running(const sq_attempt *a);
int64_t sq_attempt_elapsed_ms(sq_attempt *a);

/* Counts of answered and flagged items. */
void sq_attempt_progress(const sq_attempt *a, int *answered, int *flagged);

/* What the trainee sees after submitting: the exam's review_after
 * (assets/README.md). */
typedef enum {
    SQ_REVIEW_NONE = 0,     /* that it is submitted, nothing more */
    SQ_REVIEW_SCORE = 1,    /* and the score (the default) */
    SQ_REVIEW_MISTAKES = 2, /* and the items not fully right, with the right answers */
    SQ_REVIEW_FULL = 3      /* and every item, with the right answers */
} sq_review_mode;

/* The outcome of a finished attempt. */
typedef struct {
    int64_t seq;            /* the result's station sequence number */
    int64_t points_milli;   /* points earned, in thousandths */
    int64_t max_milli;      /* points possible, in thousandths */
    int percent;            /* rounded down */
    bool passed;
    bool show_score;        /* whether the exam lets the trainee see it */
    bool timed_out;
    sq_review_mode review;  /* what the exam lets the trainee see */
    int n_wrong;            /* items that did not earn their full points */
} sq_outcome;

/* Scores the attempt, seals the result and stores it; the attempt is then
 * closed (further calls give SQ_ESTATE). */
sq_status sq_attempt_finish(sq_attempt *a, sq_outcome *out, sq_err *err) SQ_MUST_CHECK;

/* One item as the review after submission shows it. Strings belong to
 * the review (sq_review_free). */
typedef struct {
    int pos;                          /* 0-based position in the attempt */
    char *item_id;
    sq_item_type type;
    char *text;                       /* in the asked language, or a fallback */
    int text_lang;
    int n_options;
    char *options[SQ_MAX_OPTIONS];    /* in the order the trainee saw them */
    uint32_t selected;                /* bit i: shown option i chosen by the trainee */
    uint32_t correct;                 /* bit i: shown option i is right */
    bool right;                       /* earned its full points */
    int64_t points_milli, max_milli;
    char *explanation;                /* NULL: the item has none */
    int explanation_lang;
} sq_review_item;

typedef struct {
    sq_review_mode mode;
    int n;                            /* items listed */
    sq_review_item *items;
} sq_review;

/* The review of a finished attempt, in language lang: every item
 * (SQ_REVIEW_FULL), the items that did not earn their full points,
 * unanswered ones included (SQ_REVIEW_MISTAKES), or none (n = 0) when the
 * exam allows no review. Right answers and explanations leave the library
 * only here: SQ_ESTATE while the attempt is open. Caller owns *out; free
 * it with sq_review_free (which wipes its texts). */
sq_status sq_attempt_review(sq_attempt *a, int lang, sq_review **out, sq_err *err) SQ_MUST_CHECK;
/* NULL is a no-op. */
void sq_review_free(sq_review *r);

#endif
