/*
 * batch_int.h - libsynaq's private: what batch.c offers the rest of the library.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_BATCH_INT_H
#define SYNAQ_BATCH_INT_H

#include "synaq/batch.h"
#include "db_int.h"

/* Notes that these pending results went out on a stick (usb.c); seqs are
 * the numbers they went out under. */
sq_status sqi_batch_mark_exported(sq_store *s, const int64_t *seqs, size_t n, sq_err *err);
/* A batch's id: 16 bytes of BLAKE2b over the station id (with its NUL)
 * and exactly the results' serialisation it carries. */
void sqi_batch_id(const char *station_id, const uint8_t *plain, size_t len, uint8_t id[16]);

#endif
