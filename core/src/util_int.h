/*
 * util_int.h - libsynaq's private: errors, hex, whole files (util.c, file.c).
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_UTIL_INT_H
#define SYNAQ_UTIL_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include "synaq/synaq.h"

/* Fills err (when non-NULL) and returns st. printf-style. */
sq_status sqi_seterr(sq_err *err, sq_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to an existing message. Returns err->code. */
sq_status sqi_prefixerr(sq_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/* Reads a whole file of at most max_len bytes. Caller owns *buf (free()).
 * SQ_EIO (missing, unreadable, a folder), SQ_ETOOBIG above max_len. */
sq_status sqi_file_read(const char *path, size_t max_len, uint8_t **buf, size_t *len, sq_err *err);
/* Writes buf to path atomically: temp name in the same folder, fsync,
 * rename, fsync of the folder. mode for the new file. With no_clobber it
 * refuses (SQ_EEXIST) if path exists. */
/* The mode for a new file at path: mode itself, or, when path's folder
 * has the setgid bit (a station's home shared by the kiosk's and the sync
 * daemon's users through its group, units/README.md), mode with the
 * owner's bits given to the group as well (0600 -> 0660). */
int sqi_file_mode_shared(const char *path, int mode);
sq_status sqi_file_write_atomic(const char *path, const uint8_t *buf, size_t len, int mode,
                            bool no_clobber, sq_err *err);

/* The fault hook of the tests (tests/test_faults.c walks it), after
 * SQLite's fault simulation: with sqi_fault.countdown at N > 0 the Nth
 * write or fsync the library makes (through sqi_write and sqi_fsync; the
 * tests' SQLite shim calls sqi_fault_now for the store's writes and syncs)
 * fails with sqi_fault.err, and with persist every one after it too.
 * countdown 0 (the default): off, one compare a call. hits counts the
 * failures made. Not thread-safe; only test programs set it. */
struct sqi_fault_state {
    long countdown;
    bool persist;
    int err;      /* errno of a failure; 0 means EIO */
    long hits;
    const char *site; /* where the last failure was made */
};
extern struct sqi_fault_state sqi_fault;
/* True when this write or sync is to fail (errno set). */
bool sqi_fault_now(void);
/* write(2) and fsync(2), with the hook. */
long sqi_write(int fd, const void *buf, size_t len);
int sqi_fsync(int fd);

/* Hex helpers. out holds 2 * n + 1. */
void sqi_hex_encode(const uint8_t *p, size_t n, char *out);

#endif
