/*
 * reports_db.h - reports.db, the opened results (central/README.md,
 * "Where opened results live"): one row per attempt, one per item
 * answered and one per clock event, indexed for the console's Results
 * pages; and, apart from them, one row per practice answer (table
 * practice, schema 4), which nothing that counts attempts reads. Its one
 * writer is `synaq-central open-results --into`, which reads the receiver's store (cstore.h), opens each result with
 * results.key and hands it here; the console reads the file with SQLite
 * read-only (console/reports.h) and never writes it.
 *
 * A file of its own, apart from results.db (the receiver's, sealed) and
 * central.db (the registry), because it holds personal data in the clear
 * and lives only where results.key is; and because DESIGN.md allows one
 * writing process per database file: a writable handle holds an
 * exclusive flock on the file for its lifetime (a second importer gets
 * SQ_EBUSY). The file is marked as Synaq's (SQLite application_id) and
 * records the fingerprint of the central whose key opened its rows: a
 * file of another program, or of another central, is refused unchanged.
 *
 * Writes go in transactions the caller delimits (reports_db_begin /
 * _commit): the import commits one chunk of results at a time together
 * with how far it got (reports_db_set_position), so a crash loses at most
 * the chunk in progress, and a second run starts where the last commit
 * left off. Not thread-safe: one importer, one thread.
 */
#ifndef SYNAQ_CENTRAL_REPORTS_DB_H
#define SYNAQ_CENTRAL_REPORTS_DB_H

#include <stdbool.h>
#include <stdint.h>
#include "synaq/result.h"

typedef struct reports_db reports_db;

/* "SqRp": the SQLite application_id that marks a reports.db. */
#define REPORTS_DB_APP_ID 0x53715270
#define REPORTS_DB_SCHEMA 4

/* Opens reports.db at path for writing, making it (mode 0600) when it is
 * missing or empty. central_fp is the fingerprint of this central's keys
 * (sq_central_fingerprint), recorded in a new file and compared with an
 * old one's. Refused, the file unchanged: SQ_ECORRUPT for a file that is
 * not a SQLite database or not a reports.db; SQ_EWRONGSTATION for a
 * reports.db of another central (the message shows both fingerprints);
 * SQ_ESTATE for one of a newer schema; SQ_EBUSY when another process is
 * writing it. Caller owns *out (reports_db_close). */
sq_status reports_db_open(const char *path, const char *central_fp, reports_db **out,
                          sq_err *err) SQ_MUST_CHECK;
/* Closes (a transaction left open is rolled back). NULL is a no-op. */
void reports_db_close(reports_db *db);

/* How far the import got for a station: every seq up to *seq was
 * imported or refused (0: nothing yet). */
sq_status reports_db_position(reports_db *db, const char *station_id, int64_t *seq,
                              sq_err *err) SQ_MUST_CHECK;
/* Whether (station, seq) is held already, imported or refused. */
sq_status reports_db_holds(reports_db *db, const char *station_id, int64_t seq, bool *held,
                           sq_err *err) SQ_MUST_CHECK;

sq_status reports_db_begin(reports_db *db, sq_err *err) SQ_MUST_CHECK;
sq_status reports_db_commit(reports_db *db, sq_err *err) SQ_MUST_CHECK;

/* Stores one opened result (r->station_id and r->seq name it; r is
 * borrowed): the attempt, its items and its clock events. district: the
 * station's district in the registry; received_wall_s and batch_id: as
 * the receiver stored it (batch_id may be NULL). Inside a transaction. */
sq_status reports_db_put(reports_db *db, const sq_result *r, const char *district,
                         int64_t received_wall_s, const char *batch_id, sq_err *err) SQ_MUST_CHECK;
/* Stores one opened practice record (p->station_id and p->seq name it),
 * in the practice table only. Its trainee_name, when the record has none,
 * is the name of the trainee's latest attempt held, else "". Inside a
 * transaction. */
sq_status reports_db_put_practice(reports_db *db, const sq_practice_rec *p, const char *district,
                                  int64_t received_wall_s, const char *batch_id,
                                  sq_err *err) SQ_MUST_CHECK;
/* Records a result that could not be opened (reason: a sentence), so a
 * later run does not try it again. Inside a transaction. */
sq_status reports_db_refuse(reports_db *db, const char *station_id, int64_t seq, const char *reason,
                            sq_err *err) SQ_MUST_CHECK;
/* Moves a station's position to seq. Inside a transaction. */
sq_status reports_db_set_position(reports_db *db, const char *station_id, int64_t seq,
                                  sq_err *err) SQ_MUST_CHECK;

/*
 * item_grid (schema 3): each attempt's answers once more, as one row per
 * attempt keyed by (exam_id, exam_version, district, attempt), so that
 * item analysis of an exam version reads one range of rows in key order
 * instead of seeking every attempt's answers (bench/README.md,
 * "bench_reports"). Its cells column is the attempt's items in the
 * exam's order, each as varints: pos, the item id's length and its
 * bytes, n_options, selected, points_milli and max_milli (both
 * zigzag-signed). A reader walks a blob with reports_cell_next.
 */
typedef struct {
    int pos;
    const char *item_id; /* borrowed from the blob: item_len bytes, no NUL */
    size_t item_len;
    int n_options;
    uint64_t selected;
    int64_t points_milli, max_milli;
} reports_cell;

/* The reader of a blob, reports_cell_next, is the console's
 * (console/reports.h). */

/* Counts held: attempts imported and results refused, in all. */
sq_status reports_db_counts(reports_db *db, int64_t *attempts, int64_t *refused,
                            sq_err *err) SQ_MUST_CHECK;
/* The same with the practice records held (any pointer may be NULL). */
sq_status reports_db_counts_all(reports_db *db, int64_t *attempts, int64_t *practice,
                                int64_t *refused, sq_err *err) SQ_MUST_CHECK;

#endif
