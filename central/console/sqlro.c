/* The console's small helpers for reading central's SQLite files. */
#include "sqlro.h"

#include <stdio.h>

sq_status console_seterr(sq_err *err, sq_status st, const char *what, const char *detail)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, "console: %s: %s", what, detail);
        err->code = st;
    }
    return st;
}

/* "file:" URI of path, read-only, its special characters escaped. */
void console_ro_uri(const char *path, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = (size_t)snprintf(out, len, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < len; p++) {
        if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7f) {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        } else {
            out[o++] = (char)*p;
        }
    }
    snprintf(out + o, len - o, "?mode=ro");
}
