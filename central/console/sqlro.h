/* The console's small helpers for reading central's SQLite files
 * read-only (stats.c, reports.c). No allocation: the caller owns every
 * buffer. */
#ifndef SYNAQ_CONSOLE_SQLRO_H
#define SYNAQ_CONSOLE_SQLRO_H

#include <stddef.h>

#include <synaq/synaq.h>

/* Fills err (when non-NULL) with "console: WHAT: DETAIL" and st; returns st. */
sq_status console_seterr(sq_err *err, sq_status st, const char *what, const char *detail);
/* Writes the read-only "file:" URI of path into out (len bytes). */
void console_ro_uri(const char *path, char *out, size_t len);

#endif
