/*
 * import.h - bundles (bundle.h) into a station's store (store.h): central's
 * signature checked before anything is parsed, that the bundle names this
 * station, that no exam in it is older than the installed one; then all of
 * it installed in one transaction, or nothing. Old versions nothing needs
 * any more go in the same transaction.
 */
#ifndef SYNAQ_IMPORT_H
#define SYNAQ_IMPORT_H

#include "store.h"

/* What an import did. */
typedef struct {
    char bundle_id[80];
    int exams_new;       /* exams installed for the first time or newer */
    int exams_same;      /* exams already installed at that version: skipped */
    int items;           /* items written */
    int exams_pruned;    /* old versions removed: replaced, and nothing needs them */
} sq_import_report;

/* Imports a bundle file. A bundle that brings nothing new changes nothing
 * (SQ_OK, exams_same counted) but for the pruning below; SQ_ESTALE when an
 * exam in it is older than the installed one (nothing imported). In the
 * same transaction, old versions that a newer one replaced are pruned (their
 * items, images and roster removed, an audit line each) unless an attempt
 * in progress or a result not yet sent needs them; those go at a later
 * import, or with the acknowledgement (sq_batch_mark_sent) that frees them.
 * pr (may be NULL) hears of the items installed out of all the new ones;
 * rep may be NULL. */
sq_status sq_import_file(sq_store *s, const char *bundle_path, const sq_progress *pr,
                         sq_import_report *rep, sq_err *err) SQ_MUST_CHECK;
/* The same from memory (the bytes are borrowed for the call). */
sq_status sq_import_mem(sq_store *s, const uint8_t *buf, size_t len, const sq_progress *pr,
                        sq_import_report *rep, sq_err *err) SQ_MUST_CHECK;

#endif
