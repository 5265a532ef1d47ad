/*
 * stickfs_int.h - libsynaq's private: a stick's file system (stickfs.c), for usb.c.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_STICKFS_INT_H
#define SYNAQ_STICKFS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "synaq/synaq.h"

/* Files on sticks are read this many bytes at a time, with a progress
 * report after each; tests make it small, to pull the stick out from
 * the progress callback between two reads. */
extern size_t sqi_stickfs_read_chunk;
/* Copies s into out (cap bytes, at least 6) as printable UTF-8: control
 * characters (C0, C1) and bytes that are not well-formed UTF-8 become '?'. */
void sqi_stickfs_printable(const char *s, char *out, size_t cap);
/* An errno as a status, and a hint for a message (" (the stick is full)"). */
sq_status sqi_stickfs_errno_status(int e);
const char *sqi_stickfs_errno_hint(int e);
/* The stick's folder, opened (a descriptor; -1 with err filled). */
int sqi_stickfs_open_stick(const char *stick, sq_err *err);
/* The folder name under parent, never through a symbolic link; with
 * create, made first when missing (and parent synced). shown names it in
 * messages. */
sq_status sqi_stickfs_open_dir(int parent, const char *name, const char *shown, bool create, int *fd,
                           sq_err *err);
/* The folder rel ("a/b/c") under root, one name at a time, never through
 * a link; bad (may be NULL) gets the part that failed. */
sq_status sqi_stickfs_open_path_at(int root, const char *rel, bool create, int *fd, char *bad,
                               size_t bad_cap, sq_err *err);
sq_status sqi_stickfs_open_path(int root, const char *rel, bool create, int *fd, sq_err *err);
/* The names in dfd ending in suffix, sorted; caller frees them
 * (sqi_stickfs_free_names). */
sq_status sqi_stickfs_list_names(int dfd, const char *suffix, char ***out, size_t *n, sq_err *err);
void sqi_stickfs_free_names(char **names, size_t n);
/* What reading a file from a stick reports on the way. */
typedef struct {
    const sq_progress *pr;
    int64_t base, total;   /* this file starts at base of total */
    int64_t size;          /* its size when listed: never reported past it */
} read_progress;
/* Reads the regular file name in dfd (shown in messages) of at most max
 * bytes, starting with magic (NULL: anything), what naming its kind. SQ_EIO
 * when the file went away or changed while it was read (a stick pulled
 * out); SQ_EINVAL for a link, a non-file or a file that is not what magic
 * says; SQ_ETOOBIG above max. rp may be NULL. Caller owns *buf (free()). */
sq_status sqi_stickfs_read_at(int dfd, const char *name, const char *shown, size_t max,
                          const char *magic, const char *what, const read_progress *rp,
                          uint8_t **buf, size_t *len, sq_err *err);
/* Writes name in dfd durably (temp name, fsync, rename), never through a
 * link. */
sq_status sqi_stickfs_write_at(int dfd, const char *name, const char *shown, const void *buf,
                           size_t len, sq_err *err);
sq_status sqi_stickfs_sync_dir(int dfd, const char *shown, sq_err *err);
/* Whether name in dfd holds exactly buf. */
bool sqi_stickfs_same_at(int dfd, const char *name, const void *buf, size_t len);
/* A stick found: sq_usb_stick's fields (usb.c hands them on). */
typedef struct {
    char path[1024];
    char name[128];     /* printable UTF-8 */
    bool mounted;
} sqi_stick;
/* The sticks under the roots, a list of folders separated by ':' (see
 * sq_usb_find). */
sq_status sqi_stickfs_find(const char *roots, sqi_stick *out, size_t max, size_t *n, sq_err *err);

#endif
