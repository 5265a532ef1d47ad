/*
 * export.h - the console's tables as CSV files (issue 9, "Exports").
 *
 * Every file is UTF-8 with a byte order mark (so spreadsheet programs
 * open Cyrillic and Kazakh letters right), lines end with CRLF, and a
 * cell is quoted as RFC 4180 says: when it holds a comma, a quote or a
 * line break, its quotes doubled. Numbers are written bare, '.' before
 * decimals, never quoted. A text cell that starts with = + - @, a tab or
 * a carriage return gets a single quote put before it, so a spreadsheet
 * shows a hostile trainee name such as =HYPERLINK(...) as text and never
 * runs it (the "CSV injection" of OWASP). Column names are the same
 * machine names in every language (those of `open-results`), so a file
 * reads the same whoever exported it.
 *
 * The results (and a trainee's history) are written as they are read,
 * a page of rows at a time by reports.h's keyset pages: the console
 * never holds more than one page of them, at 10^6 results as at 10.
 * The smaller tables (item analysis, the distractors, the fleet) are
 * made whole, bounded by what they come from.
 *
 * No web in this file but the response (libmicrohttpd) of a stream.
 */
#ifndef SYNAQ_CENTRAL_EXPORT_H
#define SYNAQ_CENTRAL_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "itemstats.h"
#include "reports.h"
#include "stats.h"

/* A CSV file being written: at most max bytes (more marks failed). */
typedef struct {
    char *p;
    size_t len, cap, max;
    bool failed;
    bool in_row; /* a cell was written on this line: the next needs a comma */
} csv_out;

void csv_init(csv_out *o, size_t max_bytes);
void csv_free(csv_out *o);
/* The byte order mark, at the start of the file. */
void csv_bom(csv_out *o);
/* A text cell (NULL: empty), quoted and guarded as above. */
void csv_text(csv_out *o, const char *s);
/* A whole number. */
void csv_int(csv_out *o, int64_t v);
/* Thousandths as a decimal number: 2500 -> 2.5 (points). */
void csv_milli(csv_out *o, int64_t milli);
/* A number with up to 6 decimals; NaN or infinite: an empty cell. */
void csv_num(csv_out *o, double v);
/* The end of a line (CRLF). */
void csv_end_row(csv_out *o);

/* The results' columns: the first seventeen are open-results' own. */
void export_results_header(csv_out *o);
/* One attempt's line. */
void export_results_row(csv_out *o, const reports_attempt *a);

/* The attempts f selects, in the order sort/desc, as a stream: a header,
 * then a page of rows at a time. The filter's strings are copied (at
 * most 256 bytes each, as the console takes them; longer: SQ_EINVAL).
 * Caller owns *out (export_stream_free). */
typedef struct export_stream export_stream;
sq_status export_stream_new(reports *r, const reports_filter *f, reports_sort sort, bool desc,
                            export_stream **out, sq_err *err) SQ_MUST_CHECK;
/* Copies up to max bytes of the file into buf: how many (0 < n <= max),
 * 0 at its end, -1 when reading failed (the message in the stream's log
 * line: export_stream_error). */
long export_stream_read(export_stream *s, char *buf, size_t max);
const char *export_stream_error(const export_stream *s);
/* How many rows it has written so far. */
int64_t export_stream_rows(const export_stream *s);
void export_stream_free(export_stream *s); /* NULL is a no-op */

/* Item analysis of an exam version: the test's figures (figure,value),
 * a blank line, then one line per item. item_ids names item k. */
void export_items(csv_out *o, const itemstats *st, const char (*item_ids)[129]);
/* The distractor table: one line per item and option (and one for
 * "unanswered"), counts and shares overall and in the top and bottom
 * thirds. */
void export_distractors(csv_out *o, const itemstats *st, const char (*item_ids)[129]);
/* The fleet: a header, then export_fleet_row per station. */
void export_fleet_header(csv_out *o);
void export_fleet_row(csv_out *o, const stats_station *s);

/* A short description of what was exported, for the audit log:
 * "results district=... exam=..." (the filter's set fields). */
void export_describe(char *out, size_t len, const char *kind, const reports_filter *f);

#endif
