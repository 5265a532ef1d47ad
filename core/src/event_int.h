/*
 * event_int.h - libsynaq's private: an exam's training events
 * installed in the store (for import.c) and asked at an attempt's start
 * (for attempt.c); event.c. Their check is exam.c's (sqi_exam_check).
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_EVENT_INT_H
#define SYNAQ_EVENT_INT_H

#include <jansson.h>
#include "db_int.h"
#include "exam_int.h"

/* Inside import's write transaction: the exam's events into the events
 * and event_roster tables of the exam's row. Nothing when it has none. */
sq_status sqi_event_install(sq_store *s, int64_t exam_row, const json_t *exam,
                            sq_err *err) SQ_MUST_CHECK;

/* Inside an attempt's start: SQ_ESTATE (with the reason) when the exam at
 * row has events and none of the trainee's (keyed hash h) is open today
 * on a trusted clock; SQ_OK otherwise. Records nothing (the kiosk asks
 * sq_event_gate first, which records). */
sq_status sqi_event_allows(sq_store *s, int64_t exam_row, const char *exam_id, int64_t version,
                           const uint8_t h[32], sq_err *err) SQ_MUST_CHECK;

#endif
