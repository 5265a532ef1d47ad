/*
 * lesson_int.h - libsynaq's private: a checked exam's lessons and their
 * pictures installed in the store (lesson.c), for import.c.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_LESSON_INT_H
#define SYNAQ_LESSON_INT_H

#include <jansson.h>
#include "db_int.h"

/* Inside import's write transaction: the exam's "lessons" pages and
 * "lesson_images" into the lessons and lesson_images tables of the
 * exam's row, each sealed (names of pictures too). Nothing when the exam
 * has none. On failure the caller rolls back. */
sq_status sqi_lesson_install(sq_store *s, int64_t exam_row, const json_t *exam,
                             sq_err *err) SQ_MUST_CHECK;

#endif
