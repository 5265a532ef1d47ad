/*
 * chain.h - the store's own records bound to the station's key: the audit
 * log, the marks of results sent and the numbering of results carry MAC
 * chains (core/src/chain.c, core/README.md), so that someone with the
 * store's file but not the key cannot change, remove or reorder them
 * unseen. Every open of the store checks them; so does sq_chain_check.
 */
#ifndef SYNAQ_CHAIN_H
#define SYNAQ_CHAIN_H

#include <stdbool.h>
#include "synaq.h"

/* What the check of the store's records found. Each open checks (a
 * finding does not make the open fail: the station must still send what
 * it holds), and so does sq_chain_check. */
enum {
    SQ_INTEGRITY_HEAD = 1 << 0,          /* the chain head missing, altered, or older than the logs */
    SQ_INTEGRITY_AUDIT = 1 << 1,         /* audit lines altered, inserted or removed */
    SQ_INTEGRITY_AUDIT_TAIL = 1 << 2,    /* the newest audit lines removed */
    SQ_INTEGRITY_SENT_LOG = 1 << 3,      /* entries of the sent log altered or removed */
    SQ_INTEGRITY_SENT_MARKS = 1 << 4,    /* results marked sent with no record: pending again */
    SQ_INTEGRITY_RESULTS_GONE = 1 << 5,  /* results deleted (numbers missing from 1..last_seq) */
    SQ_INTEGRITY_RESULTS_EXTRA = 1 << 6, /* result rows the station did not number */
    SQ_INTEGRITY_LAST_SEQ = 1 << 7,      /* meta's last result number changed: set back */
};

/* One finding: what kinds of change (flags) and how much. */
typedef struct {
    unsigned flags;              /* SQ_INTEGRITY_*; 0: nothing */
    int64_t audit_first_bad;     /* the first audit line altered or removed; 0: none */
    int64_t audit_bad;           /* lines whose MAC does not hold */
    int64_t audit_removed;       /* lines removed (between others and at the end) */
    int64_t sent_first_bad;      /* the same for the sent log's entries */
    int64_t sent_bad;            /* entries altered or removed */
    int64_t unproven_sent;       /* results marked sent that no entry names: pending again */
    int64_t first_unproven;
    int64_t results_gone;        /* results deleted */
    int64_t results_gone_unsent; /* of those, never acknowledged by central: lost */
    int64_t first_gone;
    int64_t results_extra;       /* result rows the station did not number */
    int64_t last_seq_found;      /* meta's last_seq when it differed (SQ_INTEGRITY_LAST_SEQ) */
} sq_integrity_finding;

typedef struct sq_integrity_report {
    sq_integrity_finding found;  /* by this check; found.flags 0: nothing */
    bool recorded;               /* this check put it on record (false: nothing new) */
    int64_t audit_rows;          /* audit lines checked */
    int64_t sent_entries;        /* sent-log entries checked */
    int64_t last_seq;            /* the last result number, as the chain head pins it */
    char text[512];              /* found, in plain English words; "" when clean */
    /* The newest finding on record, by this check or an earlier one (by
     * any process): the "integrity" line of the audit log and what it
     * found. on_record_n 0: nothing was ever found. */
    int64_t on_record_n;
    int64_t on_record_wall_s;
    sq_integrity_finding on_record;
    char on_record_text[400];
} sq_integrity_report;

/* Checks the store's records now (every audit line, sent-log entry and
 * result number); a finding not on record yet is put there (one
 * "integrity" line of the audit log, actor "store") and what has a safe
 * answer is set right: results marked sent with no record become pending
 * (central keeps each result once), meta's last_seq is set back. Fills
 * *rep (may be NULL). Fails only when the store cannot be read or
 * written. */
sq_status sq_chain_check(sq_store *s, sq_integrity_report *rep, sq_err *err) SQ_MUST_CHECK;

/* The report of the handle's last check (at open, on demand, or before a
 * write that found the records changed under it). Borrowed from s; for
 * the heartbeat without a new check. */
const sq_integrity_report *sq_chain_last(const sq_store *s);

#endif
