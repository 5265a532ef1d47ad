/*
 * tech.h - the technician's side of a station: the technician PIN (an
 * Argon2id hash, sealed in the store, attempts slowed down more and more
 * after a few wrong ones), the audit log of what was done at the station,
 * and the station's status as a technician sees it.
 *
 * The audit log is append-only (SQLite triggers refuse updates and
 * deletes) and each line is chained to the one before it by a MAC with
 * the station's key (see store.h), so a line changed, removed or put out
 * of order with the sqlite3 shell is found at the next check. The PIN calls log every attempt themselves, in the same
 * transaction that counts it; every other action is logged by the
 * program that did it (the kiosk, synaqctl) with sq_tech_audit_add.
 */
#ifndef SYNAQ_TECH_H
#define SYNAQ_TECH_H

#include <stdbool.h>
#include "keys.h"
#include "chain.h"
#include "store.h"

#define SQ_PIN_MIN 4
#define SQ_PIN_MAX 12
/* Wrong PINs that cost nothing; after them each one doubles the wait. */
#define SQ_PIN_FREE_TRIES 3
#define SQ_PIN_FIRST_WAIT_MS 15000
#define SQ_PIN_MAX_WAIT_MS (60 * 60 * 1000)

/* Sets the technician PIN (SQ_PIN_MIN to SQ_PIN_MAX digits; SQ_EINVAL
 * otherwise, nothing changed) and clears the count of wrong attempts.
 * Logs the change as actor. */
sq_status sq_tech_pin_set(sq_store *s, const char *actor, const char *pin,
                          sq_err *err) SQ_MUST_CHECK;

/* Whether a PIN is set, the wrong attempts since the last right one, and
 * how long until the next attempt is allowed (0: now). Any may be NULL. */
sq_status sq_tech_pin_state(sq_store *s, bool *is_set, int *fails, int64_t *wait_ms,
                            sq_err *err) SQ_MUST_CHECK;

/* Checks a PIN and logs the attempt as actor. SQ_OK: right (the count of
 * wrong attempts starts again). SQ_EAUTH: wrong; it is counted and
 * *wait_ms says how long until the next attempt is allowed. SQ_EBUSY:
 * too soon after a wrong one: the PIN was not even compared, *wait_ms is
 * the time left. SQ_ENOTFOUND: no PIN is set (technician mode is closed
 * until `synaqctl set-pin`). The wait runs on the store's monotonic
 * clock and survives restarts. wait_ms may be NULL. */
sq_status sq_tech_pin_check(sq_store *s, const char *actor, const char *pin, int64_t *wait_ms,
                            sq_err *err) SQ_MUST_CHECK;

/* The wait after `fails` wrong attempts in a row, in milliseconds. */
int64_t sq_tech_pin_delay_ms(int fails);

/* One line of the audit log. */
typedef struct {
    int64_t n;            /* 1, 2, ...: the order of the log */
    int64_t wall_s;       /* the station's clock (recorded, not trusted) */
    char actor[32];       /* "kiosk", "synaqctl", ... */
    char action[48];      /* "pin", "import-usb", "export-usb", ... */
    char outcome[16];     /* "ok" or a status name (sq_status_name) */
    char detail[400];
} sq_audit_entry;

/* Appends to the audit log: when (the store's clock), who, what, the
 * outcome (st) and a detail (may be NULL; cut at 399 bytes). */
sq_status sq_tech_audit_add(sq_store *s, const char *actor, const char *action, sq_status st,
                            const char *detail, sq_err *err) SQ_MUST_CHECK;

/* The same with a printf-style detail. */
sq_status sq_tech_auditf(sq_store *s, const char *actor, const char *action, sq_status st,
                         sq_err *err, const char *fmt, ...)
    __attribute__((format(printf, 6, 7))) SQ_MUST_CHECK;

/* The newest max entries, newest first. Caller owns *out (sq_free). */
sq_status sq_tech_audit_list(sq_store *s, int max, sq_audit_entry **out, size_t *n,
                             sq_err *err) SQ_MUST_CHECK;

/* A station as the technician sees it. */
typedef struct {
    char station_id[SQ_STATION_ID_MAX + 1];
    char district[128];
    char software[32];
    char content[512];          /* installed exams: "id:version id:version ..." */
    int n_exams;
    int64_t pending;            /* exam results not yet acknowledged by central */
    int64_t pending_practice;   /* practice answers not yet acknowledged (they go out
                                   in the same batches; not results) */
    int64_t exported;           /* of the results, carried out on a stick already */
    int64_t oldest_pending_s;   /* age of the oldest pending result; 0: none */
    int64_t last_seq;           /* results recorded in all */
    int64_t wall_s;             /* the station's clock now */
    int64_t disk_free_bytes;    /* where the store is; -1: unknown */
    /* What synaq-syncd last wrote of itself (HOME/sync-status.json). */
    bool sync_known;            /* false: the daemon never ran here */
    int64_t sync_last_success_s;  /* 0: never */
    int64_t sync_last_error_s;
    char sync_last_error[512];
    char sync_last_error_kind[16]; /* SQ_SYNC_KIND_* (station.h); "": not known */
    /* The check of the store's records, made by sq_tech_status_get. */
    sq_integrity_report integrity;
} sq_tech_status;

/* Fills st from the store, the keys, and home (the station's folder,
 * where sync-status.json is; NULL: none). Checks the store's records
 * (sq_chain_check): a new finding goes on record. */
sq_status sq_tech_status_get(sq_store *s, const sq_station_keys *k, const char *home,
                             sq_tech_status *st, sq_err *err) SQ_MUST_CHECK;

#endif
