/*
 * batch.h - what leaves a station and what comes back (sync/PROTOCOL.md):
 *
 *   "SQBATCH1" | header (batch id, station id, count, sizes) |
 *   zlib(results) | Ed25519 signature (64) over all before it
 *
 * A batch carries sealed results (result.h) of one station, compressed
 * and signed by the station; it leaves by network (in an upload, with a
 * heartbeat) or on a stick. Its id is a hash of the station id and the
 * results it holds, so the same results always make the same batch.
 * Results go out under the numbers central knows them by (the store's seq
 * map; see sq_batch_renumber). Central answers with a signed
 * acknowledgement; only that marks results sent.
 */
#ifndef SYNAQ_BATCH_H
#define SYNAQ_BATCH_H

#include <stdbool.h>
#include "keys.h"
#include "result.h"
#include "store.h"

/* Results in one batch: the most a station ever puts in one (synaq-syncd's
 * batch_results is at most this, a USB export uses 50), so that a batch
 * claiming more is refused before it is inflated, by the receiver and by
 * every reader of batches. */
#define SQ_BATCH_MAX_RESULTS 500

#define SQ_BATCH_MAX_FILE (16u << 20)

/* The inflated results of one batch (the zip-bomb bound). Sizes: a real
 * 200-item result sealed is 3,922 bytes (synaq-gen-bank's items, one
 * answer; a 50-item one 1,185, bench/README.md). The format's worst case
 * for 200 items is 95 bytes an item (a 63-byte id, 16 options, the
 * largest points and times) plus about 600 bytes of header, 100 clock
 * events of 31 bytes and 112 of signature and seal: 22.8 KB. 500 of those
 * with their seq and length varints are 11.4 MB; 16 MiB leaves 40 % over
 * that. Sealed results do not compress, so no honest batch inflates to
 * more than its file, which has the same bound. A larger result (a huge
 * exam drawn whole) still fits alone: batches are cut at this bound. */
#define SQ_BATCH_MAX_PLAIN (16u << 20)

/* --- batches --- */

/* A batch made from the store's pending results. */
typedef struct {
    uint8_t *bytes;        /* caller owns (sq_free); NULL when nothing is pending */
    size_t len;
    int count;             /* results in it; 0: nothing pending */
    char id[33];           /* the batch id, 32 hex characters */
    int64_t first_seq, last_seq; /* central's numbers of its first and last result */
    int64_t next_after;    /* the station's own number of its last result: the
                              after_seq of the next batch */
} sq_batch_made;

/* Makes a batch of up to max_results (1..SQ_BATCH_MAX_RESULTS, else
 * SQ_EINVAL) pending results with seq > after_seq (the station's own
 * numbers), oldest first, cut before it would pass max_bytes (0: the batch
 * file's own limit; for the network, SQ_UPLOAD_MAX - SQ_UPLOAD_OVERHEAD, so
 * that a batch of large results never makes an upload central refuses;
 * the first result always goes in). out->count 0: nothing pending. */
sq_status sq_batch_make(sq_store *s, int64_t after_seq, int max_results, size_t max_bytes,
                        sq_batch_made *out, sq_err *err) SQ_MUST_CHECK;

/* The same, written as a batch file at out_path (temp, fsync, rename).
 * *count gets how many went in (0: nothing pending, no file written). */
sq_status sq_batch_export(sq_store *s, int64_t after_seq, int max_results, const char *out_path,
                          int *count, sq_err *err) SQ_MUST_CHECK;

typedef struct sq_batch sq_batch;

/* Parses a batch (structure only). Caller owns *out (sq_batch_free).
 * buf is copied. A batch claiming more than SQ_BATCH_MAX_RESULTS results
 * is SQ_ETOOBIG here, before any verify or inflate. */
sq_status sq_batch_parse(const uint8_t *buf, size_t len, sq_batch **out,
                         sq_err *err) SQ_MUST_CHECK;
void sq_batch_free(sq_batch *b);
const char *sq_batch_station_id(const sq_batch *b);
const char *sq_batch_id(const sq_batch *b);   /* 32 hex characters */
/* The bytes the batch says its results take once inflated, as its
 * header declares them (from sq_batch_parse, before any verify): verify
 * allocates exactly this much and refuses data that inflates to any other
 * size, so a reader with a tighter bound than SQ_BATCH_MAX_PLAIN (the
 * receiver, for a batch of one upload) refuses a larger one before
 * anything is inflated. */
uint64_t sq_batch_plain_len(const sq_batch *b);
/* Checks the station's signature, then inflates the results (bounded). */
sq_status sq_batch_verify(sq_batch *b, const uint8_t station_sign_pk[32],
                          sq_err *err) SQ_MUST_CHECK;
/* After a successful verify: the results. Borrowed from b. */
size_t sq_batch_count(const sq_batch *b);
void sq_batch_result(const sq_batch *b, size_t i, int64_t *seq, const uint8_t **sealed,
                     size_t *len);

/* --- uploads: a heartbeat and a batch, signed (sync/PROTOCOL.md) --- */


/* What a station says of itself with each upload. */
typedef struct {
    char station_id[65];
    char software[32];
    char content[512];        /* "exam:version exam:version ..." */
    int64_t pending;          /* results not yet acknowledged */
    int64_t oldest_pending_s; /* age of the oldest of them; 0 if none */
    int64_t disk_free_bytes;
    int64_t station_wall_s;   /* the station's clock, so central sees skew */
    int64_t last_seq;
    /* Grows with every heartbeat a station sends (kept by its sync
     * daemon across restarts), so central keeps the newest and a replayed
     * old upload cannot roll central's view of the station back. */
    int64_t counter;
    uint32_t integrity;       /* what the store's own checks found (store.h); 0: nothing */
} sq_heartbeat;

/* Fills the store's part of a heartbeat (station, software, content,
 * pending, oldest, clock, last seq); disk_free_bytes and counter are the
 * caller's. */
sq_status sq_batch_heartbeat(sq_store *s, sq_heartbeat *hb, sq_err *err) SQ_MUST_CHECK;

/* The batch (borrowed; len 0 for a heartbeat alone) wrapped with hb and
 * signed with the station's key. Caller owns *out (sq_free). */
sq_status sq_batch_upload_build(const sq_station_keys *k, const sq_heartbeat *hb,
                          const uint8_t *batch, size_t batch_len, uint8_t **out,
                          size_t *out_len, sq_err *err) SQ_MUST_CHECK;

/* Parses an upload; *batch points into buf (len 0: none). The signature
 * is not checked: look the station up, then sq_batch_upload_verify. */
sq_status sq_batch_upload_parse(const uint8_t *buf, size_t len, sq_heartbeat *hb,
                          const uint8_t **batch, size_t *batch_len, sq_err *err) SQ_MUST_CHECK;
sq_status sq_batch_upload_verify(const uint8_t *buf, size_t len, const uint8_t station_sign_pk[32],
                           sq_err *err) SQ_MUST_CHECK;

/* Pending (unsent) results and the station's last sequence number. */
sq_status sq_batch_counts(sq_store *s, int64_t *pending, int64_t *last_seq,
                          sq_err *err) SQ_MUST_CHECK;

/* Marks results sent (central acknowledged them): seqs are the numbers
 * central names, those the results went out under. Unknown seqs are
 * ignored; *marked counts the ones newly marked. In the same transaction,
 * old exam versions that only these results still needed are pruned
 * (import.h). */
sq_status sq_batch_mark_sent(sq_store *s, const int64_t *seqs, size_t n, int *marked,
                             sq_err *err) SQ_MUST_CHECK;

/* Central, in a signed conflict (sq_ack of kind SQ_ACK_CONFLICT), says it
 * holds other results under conflict_seq of this station, and results up
 * to held_max: the station was restored from a copy, or replaced another
 * under its id. The pending results from conflict_seq on go out under new
 * numbers from held_max + 1 on (and so do the results to come); what is
 * sealed does not change, only the number a batch carries it under.
 * *from_seq and *wire_base say what was done. SQ_ESTATE when there is
 * nothing to do: conflict_seq names no pending result of this station, or
 * it goes out above held_max already (a repeated or replayed conflict). On
 * the audit log. */
sq_status sq_batch_renumber(sq_store *s, int64_t conflict_seq, int64_t held_max,
                            int64_t *from_seq, int64_t *wire_base, sq_err *err) SQ_MUST_CHECK;

/* --- acknowledgements (network answers and files carried by hand) --- */

typedef enum {
    SQ_ACK_STORED = 0,   /* central stores the batch's results (or the heartbeat alone) */
    SQ_ACK_CONFLICT = 1  /* central holds other bytes under the batch id or a seq */
} sq_ack_kind;

/* Central's signed word on an upload or a batch file: that it stores the
 * batch's results, or that it cannot (a conflict), with what it holds of
 * the station. Signed by central's ack key (vouched for by the signing
 * key) or by the signing key itself. */
typedef struct {
    int kind;             /* sq_ack_kind */
    char station_id[65];
    char batch_id[33];    /* "" for a heartbeat alone */
    uint8_t sha256[32];   /* of the batch's bytes (of no bytes: a heartbeat alone) */
    size_t n;
    int64_t *seqs;        /* STORED: the results central holds */
    int64_t highest;      /* the station's highest contiguous seq central holds */
    int64_t held_max;     /* the highest seq central holds for the station id */
    int64_t conflict_seq; /* CONFLICT: the seq held with other bytes; 0: the batch id */
    int64_t hb_counter;   /* the newest heartbeat counter central holds of the station */
} sq_ack;

/* Makes an acknowledgement, signed with central's ack key when k holds it
 * (SQ_CENTRAL_ACK), else with its signing key. Caller owns *out (sq_free). */
sq_status sq_batch_ack_build(const sq_central_keys *k, const sq_ack *ack, uint8_t **out,
                       size_t *out_len, sq_err *err) SQ_MUST_CHECK;
/* Checks an acknowledgement against central's signing key (directly, or
 * through the ack key's delegation) and decodes it; acknowledgements of
 * the first builds (format 1: stick files, stored-only) are read too.
 * Caller owns *out (sq_batch_ack_free). */
sq_status sq_batch_ack_open(const uint8_t *buf, size_t len, const uint8_t central_sign_pk[32],
                      sq_ack **out, sq_err *err) SQ_MUST_CHECK;
void sq_batch_ack_free(sq_ack *a);

#endif
