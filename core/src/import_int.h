/*
 * import_int.h - libsynaq's private: old exam versions pruned from the
 * store (import.c), for batch.c, whose acknowledgements can free one.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_IMPORT_INT_H
#define SYNAQ_IMPORT_INT_H

#include "db_int.h"

/* Inside a write transaction (sqi_db_begin): removes the items, images
 * and roster of every exam version that a newer one has replaced and that
 * nothing needs any more: no attempt in progress on it and no result of
 * it still pending (not marked sent). The version's row stays (finished
 * attempts on it still count against the exam's attempts), a shell with
 * its meta and no items. Each version pruned is an audit line by actor
 * "store", in the same transaction. *n_pruned (may be NULL) is the count
 * of versions pruned. On failure the caller rolls back. */
sq_status sqi_import_prune(sq_store *s, int *n_pruned, sq_err *err) SQ_MUST_CHECK;

#endif
