/*
 * chain_int.h - libsynaq's private: the MAC chains over the store's records (chain.c).
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_CHAIN_INT_H
#define SYNAQ_CHAIN_INT_H

#include <stdbool.h>
#include "db_int.h"
#include "synaq/chain.h"

/* All but sqi_chain_check run inside the caller's write transaction. */
/* Checks the records (at open); a new finding goes on record. */
sq_status sqi_chain_check(sq_store *s, sq_err *err);
/* Frees the handle's last report (at close). */
void sqi_chain_forget(sq_store *s);
/* Appends a chained line to the audit log (detail: detail_len bytes). */
sq_status sqi_chain_audit_append(sq_store *s, const char *actor, const char *action,
                             const char *outcome, const char *detail, size_t detail_len,
                             sq_err *err);
/* Appends an entry naming the results just marked sent; sorts seqs. */
sq_status sqi_chain_sent_append(sq_store *s, int64_t *seqs, size_t n, sq_err *err);
/* The number of the next result, and, once it is stored, the head and
 * meta's last_seq moved to it. */
sq_status sqi_chain_next_seq(sq_store *s, int64_t *seq, sq_err *err);
sq_status sqi_chain_seq_used(sq_store *s, int64_t seq, sq_err *err);
/* Schema 2 -> 3: MACs for what an older store holds (existing: it held
 * data; an "upgrade" line goes into the audit log). */
sq_status sqi_chain_upgrade(sq_store *s, bool existing, sq_err *err);

#endif
