/*
 * identity.h - the second factor that says a trainee is who they typed or
 * tapped: chosen per exam by its source (assets/README.md, "Who may sit").
 *
 *   none        the id alone (today's behaviour, the default)
 *   code        a per-trainee code printed on the invitation; central makes
 *               them (sq_exam_set_codes) and the bundle carries only a keyed
 *               hash of each, never the code
 *   birth_date  the date of birth on the roster, carried as a keyed hash
 *   proctor     a PIN for the exam typed by the proctor at the station,
 *               carried as an Argon2id string (crypto_pwhash_str)
 *
 * At the station, sq_identity_check compares an answer; wrong answers are
 * counted per trainee (per exam for the proctor's PIN) and slowed down with
 * the technician PIN's schedule (sq_tech_pin_delay_ms), on the store's
 * monotonic clock, and every try, right or wrong, goes into the audit log
 * in the transaction that counts it.
 */
#ifndef SYNAQ_IDENTITY_H
#define SYNAQ_IDENTITY_H

#include "examset.h"
#include "keys.h"
#include "store.h"

typedef enum {
    SQ_IDENTITY_NONE = 0,
    SQ_IDENTITY_CODE,
    SQ_IDENTITY_BIRTH_DATE,
    SQ_IDENTITY_PROCTOR
} sq_identity_kind;

#define SQ_IDENTITY_CODE_DIGITS 8

/* "none", "code", "birth_date", "proctor" (static strings; "?" otherwise). */
const char *sq_identity_name(int kind);

/* The kind of exam_id's active version and whether its roster is listed
 * on screen (false: the trainee types the id). SQ_ENOTFOUND: no such exam. */
sq_status sq_identity_of(sq_store *s, const char *exam_id, sq_identity_kind *kind,
                         bool *roster_list, sq_err *err) SQ_MUST_CHECK;

/* Checks answer (code: the digits; birth_date: DD.MM.YYYY; proctor: the
 * PIN) for trainee_id at exam_id and logs the try as actor.
 *   SQ_OK        right (the count of wrong tries starts again); also when
 *                the exam asks for nothing (kind none, nothing logged)
 *   SQ_EAUTH     wrong: counted; *wait_ms until the next try is allowed
 *   SQ_EBUSY     too soon after wrong ones: not compared; *wait_ms left
 *   SQ_EINVAL    the answer is not of the kind's form (a date that is no
 *                date, a code with letters): not counted, logged
 *   SQ_ENOTFOUND no such exam, or the trainee is not on its roster
 * wait_ms may be NULL. Nothing but the count, its wait and the log changes. */
sq_status sq_identity_check(sq_store *s, const char *actor, const char *exam_id,
                            const char *trainee_id, const char *answer, int64_t *wait_ms,
                            sq_err *err) SQ_MUST_CHECK;

/* One trainee's invitation code. */
typedef struct {
    char id[65];
    char name[257];
    char district[257];
    char code[SQ_IDENTITY_CODE_DIGITS + 1];
} sq_roster_code;

/* The codes of the roster of exam i of set (whose identity must be code:
 * SQ_EINVAL otherwise), derived from central's signing key (sign.key must
 * be loaded: SQ_ESTATE otherwise) and the exam id, so the same every time:
 * what is printed matches every bundle built of the exam. In roster order.
 * Caller owns *out (sq_free). */
sq_status sq_exam_set_codes(const sq_exam_set *set, size_t i, const sq_central_keys *central,
                            sq_roster_code **out, size_t *n, sq_err *err) SQ_MUST_CHECK;

/* The identity kind of exam i of set. */
sq_identity_kind sq_exam_set_identity(const sq_exam_set *set, size_t i);

#endif
