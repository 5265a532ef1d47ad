/*
 * practice.h - practice on a station: items drawn from an exam's bank one
 * at a time, with feedback straight after each answer, and each topic's
 * mastery (assets/README.md, "Practice").
 *
 * Only an exam whose source has a `practice:` block can be practised.
 * Items come from the whole bank, or one topic's items, in shuffled
 * rounds (every item once, then again), never from an attempt's draw.
 * Each answer is a practice record, sealed in the store under a random id
 * with the trainee by keyed hash only, committed before the call returns;
 * records are not results and never count as one (attempts used, scores,
 * open-results). Mastery counts first tries only.
 *
 * Right answers, explanations and options' feedback leave the library for
 * practice only, and only after an answer; practice is refused while the
 * trainee has an exam attempt in progress at the same exam (an exam
 * attempt never shows them before submission: attempt.h).
 */
#ifndef SYNAQ_PRACTICE_H
#define SYNAQ_PRACTICE_H

#include <stdbool.h>
#include "attempt.h"
#include "store.h"

typedef enum { SQ_MASTERY_ALL = 1, SQ_MASTERY_M_OF_N = 2, SQ_MASTERY_STREAK = 3 } sq_mastery_kind;

/* One topic's rule and the trainee's progress on it. */
typedef struct {
    char topic[64];       /* the topic's id; "" for an exam without topics */
    char *title;          /* in the asked language (or a fallback); the exam's title for "" */
    sq_mastery_kind kind;
    int m, n;             /* m_of_n: m right of the last n; streak: n in a row */
    int n_items;          /* the topic's items */
    int progress;         /* all: items right; m_of_n: right of the last n; streak: the run now */
    int goal;             /* all: n_items; m_of_n: m; streak: n */
    int answered;         /* first tries so far */
    bool mastered;        /* met at some point: it stays met */
} sq_practice_topic;

/* The exam's practice topics with the trainee's progress. *n is 0 (and
 * SQ_OK) for an exam without practice. Caller owns *out: free with
 * sq_practice_topics_free. */
sq_status sq_practice_topics(sq_store *s, const char *exam_id, const char *trainee_id, int lang,
                             sq_practice_topic **out, size_t *n, sq_err *err) SQ_MUST_CHECK;
void sq_practice_topics_free(sq_practice_topic *t, size_t n);

/* Whether the exam can be practised (it has a practice block), and
 * whether it requires practice before it opens. */
sq_status sq_practice_info(sq_store *s, const char *exam_id, bool *has_practice,
                           bool *requires_practice, sq_err *err) SQ_MUST_CHECK;

/* requires_practice: SQ_OK when the exam does not require it or the
 * trainee has mastered every topic; SQ_ESTATE (the message names the
 * first topic not mastered) otherwise. sq_attempt_start checks the same. */
sq_status sq_practice_required_met(sq_store *s, const char *exam_id, const char *trainee_id,
                                   sq_err *err) SQ_MUST_CHECK;

typedef struct sq_practice sq_practice;

/* Opens practice at exam_id on topic (NULL or "": the whole bank) with
 * its first item. SQ_ENOTFOUND: no such exam, no such topic, or not on
 * the roster; SQ_ESTATE: the exam has no practice, or the trainee has an
 * attempt at it in progress. Free with sq_practice_free. */
sq_status sq_practice_open(sq_store *s, const char *exam_id, const char *trainee_id,
                           const char *topic, sq_practice **out, sq_err *err) SQ_MUST_CHECK;
void sq_practice_free(sq_practice *p);

/* The item shown now (pos: how many items came before it in this
 * practice). Strings are borrowed from p until the next call that moves. */
sq_status sq_practice_item(sq_practice *p, int lang, sq_item_view *v, sq_err *err) SQ_MUST_CHECK;
sq_status sq_practice_image(sq_practice *p, uint8_t **data, size_t *len, char *mime,
                            size_t mime_len, sq_err *err) SQ_MUST_CHECK;

/* What an answer gets. Strings belong to the feedback
 * (sq_practice_feedback_clear). */
typedef struct {
    bool right;
    int try_no;                      /* 1 or 2 */
    bool may_retry;                  /* wrong, and a second try is allowed: the
                                        right answer and explanation wait for it */
    bool final;                      /* the item is done: next */
    uint32_t selected;               /* bit i: shown option i chosen */
    uint32_t correct;                /* bit i: shown option i is right (0 until final) */
    char *feedback[SQ_MAX_OPTIONS];  /* the chosen options' feedback, NULL: none */
    int feedback_lang[SQ_MAX_OPTIONS];
    char *explanation;               /* final only; NULL: the item has none */
    int explanation_lang;
} sq_practice_feedback;

/* Answers the item shown (bit i: shown option i; a single or true/false
 * item takes one bit) and commits a practice record. SQ_EINVAL for an
 * empty or impossible selection (nothing recorded); SQ_ESTATE when the
 * item is done (call sq_practice_next). */
sq_status sq_practice_answer(sq_practice *p, uint32_t selected, int lang,
                             sq_practice_feedback *fb, sq_err *err) SQ_MUST_CHECK;
void sq_practice_feedback_clear(sq_practice_feedback *fb);

/* Moves on to the next item (an item left unanswered records nothing). */
sq_status sq_practice_next(sq_practice *p, sq_err *err) SQ_MUST_CHECK;

/* Practice records on the station: all of them, and those not yet sent. */
sq_status sq_practice_count(sq_store *s, int64_t *all, int64_t *unsent, sq_err *err) SQ_MUST_CHECK;

#endif
