/*
 * catalog.h - what a station offers: the exams installed (their active
 * versions), whether a trainee may take one and with how many attempts
 * left, the rosters to find one's name in, an attempt left open. Queries
 * on the store (store.h), for the kiosk's lists and the tools.
 */
#ifndef SYNAQ_CATALOG_H
#define SYNAQ_CATALOG_H

#include <stdbool.h>
#include "store.h"

/* An installed exam, as listed for people. */
typedef struct {
    char id[64];
    int64_t version;
    char title[3][256];     /* kk, ru, en; "" where the exam has none */
    int n_items;            /* items in one attempt */
    int time_limit_s;       /* 0: no limit */
    int pass_percent;
    int attempts_allowed;   /* 0: unlimited */
    int show_score;
    int has_roster;
    int clock_running;      /* the time goes on while the attempt is left */
    int identity;           /* the second factor asked for: sq_identity_kind (identity.h) */
    int roster_list;        /* whether the roster is listed to tap one's name in */
} sq_exam_info;

/* Lists the active exams. Caller owns *out (free with sq_free). */
sq_status sq_catalog_exams(sq_store *s, sq_exam_info **out, size_t *n,
                           sq_err *err) SQ_MUST_CHECK;

/* The description of the active version of exam_id in lang (0 kk, 1 ru,
 * 2 en), else in the first of kk, ru, en it has; *text_lang says which
 * (-1 and *out NULL: the exam has none). SQ_ENOTFOUND: no such exam.
 * Caller owns *out (sq_free). */
sq_status sq_catalog_exam_description(sq_store *s, const char *exam_id, int lang, char **out,
                                      int *text_lang, sq_err *err) SQ_MUST_CHECK;

/* Whether trainee may take exam: SQ_OK and the attempts left (-1: no limit)
 * and the roster name (when there is a roster; name may be NULL), or
 * SQ_ENOTFOUND (no such exam; not on the roster), SQ_ESTATE (no attempts
 * left). */
sq_status sq_catalog_trainee_check(sq_store *s, const char *exam_id, const char *trainee_id,
                                   int *attempts_left, char *name, size_t name_len,
                                   sq_err *err) SQ_MUST_CHECK;

/* Whether trainee has an attempt in progress at exam_id. */
sq_status sq_catalog_open_attempt(sq_store *s, const char *exam_id, const char *trainee_id,
                                  bool *open, sq_err *err) SQ_MUST_CHECK;

/* A person on an exam's roster. */
typedef struct {
    char id[65];
    char name[257];
    char district[257];
} sq_person;

/* The roster of the active version of exam_id (empty when it has none),
 * sorted by name. Caller owns *out (sq_free). */
sq_status sq_catalog_roster(sq_store *s, const char *exam_id, sq_person **out, size_t *n,
                            sq_err *err) SQ_MUST_CHECK;

#endif
