/*
 * result.h - sealed results. A result is a compact versioned serialisation
 * of a finished attempt, signed by the station (Ed25519) and sealed to
 * central's results key (X25519 sealed box): the station can send it but
 * no longer read it. Batches, which carry results off a station, are
 * batch.h's.
 *
 * A practice record (practice.h) leaves the station the same way: signed
 * by the station and sealed to the results key, numbered in the station's
 * one sequence of results, and carried in the same batches. What tells the
 * two apart is inside the signed plaintext ("SQR" a result, "SQP" a
 * practice record), so neither can be passed off as the other;
 * sq_record_open opens either, sq_result_open results only.
 */
#ifndef SYNAQ_RESULT_H
#define SYNAQ_RESULT_H

#include <stdbool.h>
#include "store.h"
#include "keys.h"

/* An upload (a heartbeat and a batch) is at most this many bytes, and
 * what an upload holds beside its batch (the heartbeat, the framing and
 * the signatures) at most SQ_UPLOAD_OVERHEAD. */
#define SQ_UPLOAD_MAX (1u << 20)
#define SQ_UPLOAD_OVERHEAD 4096u

/* One sealed result: what a result of an exam of about 10,000 items
 * (95 bytes an item at most) can reach, and so small that it always goes
 * over the network in an upload of its own (a batch of one result adds
 * its header, under 200 bytes). */
#define SQ_RESULT_MAX (SQ_UPLOAD_MAX - 2 * SQ_UPLOAD_OVERHEAD)

/* One item of an opened result: what was shown and what was answered. */
typedef struct {
    char *item_id;
    uint8_t n_options;
    uint8_t order[32];       /* shown option i is original option order[i] */
    uint32_t selected;       /* in original option numbering */
    bool answered, flagged;
    int64_t answered_ms;     /* elapsed time of the last answer */
    int64_t points_milli, max_milli;
} sq_result_item;

/* What a clock event is (assets/README.md, "The exam's clock"):
 * JUMP      the wall clock moved apart from the monotonic clock while the
 *           attempt was on screen; mono_delta_ms: the monotonic time between
 *           the two readings (counted as it ran, so counted_ms is 0).
 * OFF       a paused clock: the attempt was left (the kiosk down, or back at
 *           welcome) from wall_before_s to wall_after_s; nothing counted.
 * AWAY      a running clock: the attempt was left while the kiosk was up;
 *           measured on the monotonic clock, counted in full.
 * DOWN      a running clock: the kiosk that held the attempt stopped, and
 *           the store was opened again at wall_after_s; measured on the
 *           monotonic clock (the same boot), counted up to the exam's
 *           power grace.
 * REBOOT    as DOWN, but the monotonic clock had started again (a reboot, a
 *           power cut): measured on the wall clock (never below 0), counted
 *           up to the power grace.
 * mono_delta_ms is what was measured, counted_ms what went into the time. */
enum {
    SQ_CLOCK_EV_JUMP = 1,
    SQ_CLOCK_EV_OFF = 2,
    SQ_CLOCK_EV_AWAY = 3,
    SQ_CLOCK_EV_DOWN = 4,
    SQ_CLOCK_EV_REBOOT = 5
};

typedef struct {
    int kind;                /* SQ_CLOCK_EV_* */
    int64_t wall_before_s, wall_after_s;
    int64_t mono_delta_ms;
    int64_t counted_ms;      /* format 2; 0 in format 1 */
} sq_clock_event;

/* The exam's clock rule, as the result records it (format 1: PAUSED, the
 * only rule there was). */
enum { SQ_CLOCK_PAUSED = 0, SQ_CLOCK_RUNNING = 1 };

/* An opened result. Free with sq_result_free. */
typedef struct {
    int format;
    char *station_id;
    int64_t seq;
    char attempt_id[33];
    char *trainee_id, *trainee_name;
    char *exam_id;
    int64_t exam_version;
    int64_t started_wall_s, finished_wall_s;
    int64_t elapsed_ms, time_limit_s;
    int64_t points_milli, max_milli;
    int percent;
    bool passed, timed_out;
    int clock;               /* SQ_CLOCK_*; format 2 */
    int64_t power_grace_s;   /* with SQ_CLOCK_RUNNING; format 2 */
    int n_items;
    sq_result_item *items;
    int n_events;
    sq_clock_event *events;
} sq_result;

void sq_result_free(sq_result *r);

/* Opens a sealed result with central's results secret key, checks the
 * station's signature with station_sign_pk, and decodes it. */
sq_status sq_result_open(const uint8_t *sealed, size_t len, const uint8_t results_pk[32],
                         const uint8_t results_sk[32], const uint8_t station_sign_pk[32],
                         sq_result **out, sq_err *err) SQ_MUST_CHECK;

/* Decodes a plain (opened, signature-checked) serialisation. */
sq_status sq_result_decode(const uint8_t *buf, size_t len, sq_result **out,
                           sq_err *err) SQ_MUST_CHECK;

/* One CSV line (with the header line when header is true) for r; caller
 * owns the string (sq_free). The clock's columns: clock (running or
 * paused), gaps_counted_s (the time counted for gaps, AWAY, DOWN and
 * REBOOT), clock_log (each event as NAME:MEASURED_S/COUNTED_S, or
 * jump:WALL_DELTA_S, space-separated). */
char *sq_result_csv(const sq_result *r, bool header);

/* --- practice records (sync/PROTOCOL.md, "Practice records") --- */

/* One practice answer as central opens it. Free with sq_practice_rec_free. */
typedef struct {
    int format;              /* 1 */
    char *station_id;
    int64_t seq;             /* the station's number (central shows its own) */
    char record_id[33];      /* the record's random id, 32 hex characters */
    char *trainee_id, *trainee_name; /* name: "" when the station had none */
    char *exam_id;
    int64_t exam_version;
    char *topic;             /* the item's topic; "" for none */
    char *item_id;
    int try_no;              /* 1: first try, 2: second */
    bool right;
    uint32_t selected;       /* bit i: the item's option i (source order) chosen */
    int64_t created_wall_s;  /* the station's wall clock at the answer */
} sq_practice_rec;

void sq_practice_rec_free(sq_practice_rec *p);

/* Decodes a plain (opened, signature-checked) practice record. */
sq_status sq_practice_rec_decode(const uint8_t *buf, size_t len, sq_practice_rec **out,
                                 sq_err *err) SQ_MUST_CHECK;

/* One CSV line (with the header line when header is true): station, seq,
 * record, trainee_id, trainee_name, exam, version, topic, item, try,
 * right, selected (options chosen, 1-based, space-separated), created.
 * Caller owns the string (sq_free). */
char *sq_practice_rec_csv(const sq_practice_rec *p, bool header);

typedef enum { SQ_RECORD_RESULT = 1, SQ_RECORD_PRACTICE = 2 } sq_record_kind;

/* Opens any sealed record of a batch, as sq_result_open does: *kind says
 * which, and *result or *practice gets it (the other is set to NULL). A
 * record of a kind this build does not know is SQ_ECORRUPT, with nothing
 * returned. */
sq_status sq_record_open(const uint8_t *sealed, size_t len, const uint8_t results_pk[32],
                         const uint8_t results_sk[32], const uint8_t station_sign_pk[32],
                         sq_record_kind *kind, sq_result **result, sq_practice_rec **practice,
                         sq_err *err) SQ_MUST_CHECK;

#endif
