/*
 * lesson.h - study material at a station (lesson.c): the lessons installed with an exam
 * (sealed in the store like its items), their pictures, and the page
 * each trainee reached (sealed, under the keyed hash of the trainee id).
 *
 * The markup of their pages is markup.h's. Memory: lists and texts
 * handed out are the caller's (sq_free).
 */
#ifndef SYNAQ_LESSON_H
#define SYNAQ_LESSON_H

#include <stdint.h>
#include "markup.h"
#include "store.h"

/* ---- at a station ---- */

/* A topic with a lesson, of an installed (active) exam. */
typedef struct {
    char exam_id[64];
    char topic[64];
    char title[3][256]; /* kk, ru, en; "" where the topic has none */
    int n_pages;
} sq_lesson_topic;

/* The topics with lessons of the active exams, in the exams' and the
 * sources' order. Caller owns *out (sq_free). */
sq_status sq_lesson_topics(sq_store *s, sq_lesson_topic **out, size_t *n,
                           sq_err *err) SQ_MUST_CHECK;
/* Page (0-based) of a topic's lesson in lang (0 kk, 1 ru, 2 en), else in
 * the first of kk, ru, en it has; *text_lang says which. SQ_ENOTFOUND: no
 * such page. Caller owns *out (sq_free). */
sq_status sq_lesson_page_text(sq_store *s, const char *exam_id, const char *topic, int page,
                              int lang, char **out, int *text_lang, sq_err *err) SQ_MUST_CHECK;
/* A picture of exam_id's lessons, by the path its pages name.
 * SQ_ENOTFOUND: none by that name. Caller owns *out (sq_free). */
sq_status sq_lesson_image(sq_store *s, const char *exam_id, const char *name, uint8_t **out,
                          size_t *len, sq_err *err) SQ_MUST_CHECK;
/* Where a trainee is in a topic's lesson: the page and how far down it
 * (pixels of the kiosk at the time; the kiosk keeps it within the page).
 * 0, 0 when they have not been there. */
sq_status sq_lesson_mark_get(sq_store *s, const char *trainee_id, const char *exam_id,
                             const char *topic, int *page, int *scroll, sq_err *err) SQ_MUST_CHECK;
sq_status sq_lesson_mark_set(sq_store *s, const char *trainee_id, const char *exam_id,
                             const char *topic, int page, int scroll, sq_err *err) SQ_MUST_CHECK;

#endif
