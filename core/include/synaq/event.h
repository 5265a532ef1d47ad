/*
 * event.h - training events at a station (event.c).
 *
 * An exam source may hold training events (assets/README.md, "events"):
 * each an id, a name in kk/ru/en, the whole days it is open (from - to,
 * both included), the topics it covers and its roster, a part of the
 * exam's. They travel in the bundle with the exam and are installed with
 * it: names and topics sealed like the exam's meta, the roster as keyed
 * hashes of the trainee ids, as the exam's own.
 *
 * Days are the station's local date: the wall clock read through the
 * store's clock, in the station's time zone (TZ, /etc/localtime). The wall
 * clock is never trusted alone (DESIGN.md): when the wall clock's day opens
 * an event that the trusted time does not (the wall clock at the store's
 * opening carried on by the monotonic clock, and never before the newest
 * wall time on record: a bundle's import, an attempt, a result),
 * sq_event_gate refuses and records it in the audit log. A jump that opens
 * nothing changes nothing. Not seen: a clock moved forward before the
 * kiosk started, with nothing on record after it (as for attempts).
 *
 * An exam in no event is not concerned: sq_event_gate says SQ_EVENT_NONE
 * and the exam opens as it always has.
 */
#ifndef SYNAQ_EVENT_H
#define SYNAQ_EVENT_H

#include <stdint.h>
#include "store.h"

#define SQ_EVENT_DAY 11 /* "YYYY-MM-DD" and its NUL */

/* An event of an installed (active) exam. */
typedef struct {
    char exam_id[64];
    char id[64];
    char name[3][256]; /* kk, ru, en; "" where it has none */
    char from[SQ_EVENT_DAY], to[SQ_EVENT_DAY];
    int n_roster;
    int n_topics; /* 0: every topic of the exam */
} sq_event_info;

/* The station's local date now, by the store's wall clock. */
void sq_event_today(sq_store *s, char day[SQ_EVENT_DAY]);

/* The events of the active exams open on day ("YYYY-MM-DD"; NULL: every
 * event), in the exams' and the sources' order. Caller owns *out (sq_free). */
sq_status sq_event_list(sq_store *s, const char *day, sq_event_info **out, size_t *n,
                        sq_err *err) SQ_MUST_CHECK;

typedef enum {
    SQ_EVENT_NONE = 0,    /* the exam is in no event: it opens as ever */
    SQ_EVENT_OPEN,        /* an event of the trainee's is open today */
    SQ_EVENT_NOT_YET,     /* the trainee's next event opens on *day */
    SQ_EVENT_CLOSED,      /* the trainee's last event closed after *day */
    SQ_EVENT_NOT_INVITED, /* the trainee is on none of the exam's events */
    SQ_EVENT_CLOCK        /* the wall clock moved: refused and recorded */
} sq_event_verdict;

/* Whether trainee_id may start exam_id today by the exam's events; day
 * gets the date the verdict names ("" otherwise). A SQ_EVENT_CLOCK verdict
 * is recorded in the audit log (actor "kiosk", action "event-clock")
 * before the call returns. SQ_ENOTFOUND: no such exam. */
sq_status sq_event_gate(sq_store *s, const char *exam_id, const char *trainee_id,
                        sq_event_verdict *v, char day[SQ_EVENT_DAY], sq_err *err) SQ_MUST_CHECK;

/* The id of the trainee's event of exam_id open today, by the wall clock
 * alone (for showing; sq_event_gate decides); "" when none. */
sq_status sq_event_trainee_today(sq_store *s, const char *exam_id, const char *trainee_id,
                                 char event_id[64], sq_err *err) SQ_MUST_CHECK;

/* Whether day is a real date written YYYY-MM-DD (years 2000-2099). */
bool sq_event_day_ok(const char *day);

#endif
