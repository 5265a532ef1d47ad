/*
 * backup.h - a copy of central's home that can be restored into a new one:
 * `synaq-central backup DEST` and `synaq-central restore SRC`.
 *
 * A backup is a folder: keys/, certs/, console.key when there is one, each
 * SQLite database of the home (central.db, console.db, and results.db when
 * the result store is a file) copied with SQLite's online backup API, so
 * a receiver and the console may run meanwhile, each copy checked with
 * PRAGMA quick_check, and a MANIFEST in sha256sum's format (`sha256sum -c
 * MANIFEST` checks it by hand). It is made under DEST.partial-XXXXXX and
 * renamed to DEST only when complete, so a DEST is never half a backup. A
 * result store in PostgreSQL is not in it: pg_dump makes that backup
 * (central/README.md, "Backups").
 *
 * Restore checks every file against the MANIFEST before it writes
 * anything, then copies each into the home under a temp name and renames
 * it, with its mode (keys stay 0600); a failure on the way removes what it
 * had copied.
 */
#ifndef SYNAQ_CENTRAL_BACKUP_H
#define SYNAQ_CENTRAL_BACKUP_H

#include <stdbool.h>
#include "synaq/synaq.h"

typedef struct {
    int n_files;         /* files in the backup (the MANIFEST not counted) */
    int n_databases;     /* SQLite databases among them */
    bool has_results_db; /* results.db among them */
} backup_report;

/* Backs up home into dest, which must not exist (SQ_EEXIST); its parent
 * folder must. results_store is the result store in use (a file, or a
 * PostgreSQL URL, which is left out). SQ_ENOTFOUND when home holds no
 * keys/; SQ_ECORRUPT when a database fails its check. Nothing is left at
 * dest on failure. All strings are borrowed; rep is filled on SQ_OK. */
sq_status backup_make(const char *home, const char *results_store, const char *dest,
                      backup_report *rep, sq_err *err) SQ_MUST_CHECK;

/* Restores the backup src into home (made when missing; its parent must
 * exist). Refused with nothing written: SQ_ENOTFOUND without src/MANIFEST
 * or with a file of it missing; SQ_EINVAL for a MANIFEST line that is not
 * "HEX  PATH", or whose path is absolute, has a ".." or "." part, or is
 * deeper than one folder; SQ_ECORRUPT for a file whose SHA-256 is not the
 * MANIFEST's; SQ_EEXIST when home already holds any of central's files
 * (keys, certs, central.db, results.db, console.db, console.key). */
sq_status backup_restore(const char *src, const char *home, backup_report *rep,
                         sq_err *err) SQ_MUST_CHECK;

#endif
