/*
 * publish.h - publishing content from the console (issue 9): an exam
 * source uploaded by staff is kept in a staging folder, checked as
 * `synaq-central bundle check` checks it, and built into a bundle with
 * the CLI's own calls (sq_exam_set_load, sq_bundle_build) for chosen
 * stations or a district, then placed where the receiver serves bundles
 * (sync/PROTOCOL.md: DIR/ID/NAME.sqb for station ID) and kept for a
 * technician to download.
 *
 * Folders, under central's home:
 *   publish/staging/ID/src/   an upload's files (ID: 32 random hex digits)
 *   publish/bundles/NAME.sqb  each bundle built, and NAME.json, what it
 *                             was built from and for (for the page)
 * and the receiver's bundles folder (`console --bundles DIR`, default
 * HOME/bundles; give the receiver the same `serve --bundles DIR`).
 *
 * An upload is one file: an exam source (.yaml, .yml) alone, or its
 * folder as a tar archive (.tar, .tar.gz, .tgz) with its pictures and
 * roster files. Nothing in it is ever run. Every name in an archive is
 * checked before anything is written: a relative path of at most 8
 * folders, no "." or ".." or hidden names, no control characters or
 * backslashes; only files and folders (no links, devices or fifos). The
 * exam sources are the .yaml/.yml files at the top of the upload (or of
 * its one top folder); pictures and roster files go in subfolders.
 *
 * No web in the logic: publish_upload_* takes libmicrohttpd's body
 * (multipart/form-data) apart; the rest works on files. The HTML of the
 * pages is here too (publish_html_*), through html.h.
 */
#ifndef SYNAQ_CENTRAL_PUBLISH_H
#define SYNAQ_CENTRAL_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "html.h"
#include "stats.h"
#include "synaq/synaq.h"

#define PUBLISH_UPLOAD_MAX (32u << 20)   /* the body of an upload */
#define PUBLISH_UNPACKED_MAX (64u << 20) /* an archive's files, unpacked */
#define PUBLISH_FILES_MAX 1000u          /* an archive's entries */
#define PUBLISH_DEPTH_MAX 8              /* folders in a name */
#define PUBLISH_NAME_MAX 200             /* bytes of a name in an upload */
#define PUBLISH_ID_HEX 32
#define PUBLISH_STATIONS_MAX 10000u      /* stations of one bundle */
#define PUBLISH_BUNDLE_NAME_MAX 120
/* Uploads held at once (each up to PUBLISH_UPLOAD_MAX, and unpacked up
 * to PUBLISH_UNPACKED_MAX): more wait their turn (503), so that the
 * console stays within its unit's MemoryMax. */
#define PUBLISH_UPLOADS_AT_ONCE 2

/* Why something was refused: the catalogue key of the sentence, the
 * HTTP status it is answered with, and a value for its {name}
 * placeholder (a file name from the upload, a station id...). */
typedef struct {
    unsigned http;
    char key[48];
    char name[PUBLISH_NAME_MAX + 1];
    char detail[512]; /* for the log and the audit (English) */
} publish_err;

/* ---- the upload (multipart/form-data) ---- */

struct MHD_Connection;
typedef struct publish_upload publish_upload;

/* A new upload reader for the request's body; csrf is the session's
 * form token, which the form's field "csrf" must carry before the file
 * (field "source") begins: a file is not even kept without it. NULL when
 * out of memory or the body is not multipart/form-data, or (*busy set)
 * when PUBLISH_UPLOADS_AT_ONCE are being held already. */
publish_upload *publish_upload_new(struct MHD_Connection *conn, const char *csrf, bool *busy);
/* A piece of the body; beyond PUBLISH_UPLOAD_MAX it is only counted. */
void publish_upload_feed(publish_upload *u, const char *data, size_t len);
/* After the body: 0 with the file's name and bytes (borrowed until
 * publish_upload_free), or the HTTP status with *why filled (403 no or
 * a wrong form token, 413 too large, 400 no file). */
unsigned publish_upload_end(publish_upload *u, const char **name, const uint8_t **data,
                            size_t *len, publish_err *why);
void publish_upload_free(publish_upload *u); /* NULL is a no-op */

/* ---- staging, checking ---- */

/* Keeps an uploaded file (its name as the browser sent it) in a new
 * staging folder: a source as it is, an archive unpacked, every name
 * checked first. *id gets the folder's id. On refusal nothing is left
 * behind and why says what was wrong (4xx), or 500 on a disk error. */
int publish_stage(const char *home, const char *filename, const uint8_t *data, size_t len,
                  char id[PUBLISH_ID_HEX + 1], publish_err *why);

/* Whether s is a staging id as publish_stage makes them. */
bool publish_id_valid(const char *s);

/* One exam source of an upload as checked: ok with what it holds, or the
 * check's sentence ("FILE:LINE: what"), the staging folder's path taken
 * out so that FILE is the name inside the upload. */
typedef struct {
    bool ok;
    char file[PUBLISH_NAME_MAX + 1];
    char exam[128];
    int64_t version;
    size_t items;
    const char *identity; /* static; NULL: none */
    char error[600];
} publish_source;

/* Checks every exam source of the staged upload id, as `bundle check`
 * does (sq_exam_set_load), into *out (caller frees with free), *n of
 * them; *errors: how many failed. SQ_ENOTFOUND for an id not staged. */
sq_status publish_check(const char *home, const char *id, publish_source **out, size_t *n,
                        size_t *errors, sq_err *err) SQ_MUST_CHECK;

/* ---- building, placing ---- */

/* The stations a bundle for a district goes to: its enrolled stations
 * that are not revoked (ids into *ids, caller frees each and the array). */
sq_status publish_district_stations(stats *st, const char *district, int64_t now, char ***ids,
                                    size_t *n, sq_err *err) SQ_MUST_CHECK;
void publish_ids_free(char **ids, size_t n);

/* Builds a bundle of the staged upload id for the stations (their
 * certificates: HOME/certs/ID.cert, each checked against central's key
 * by sq_bundle_build), signed with HOME/keys' signing key, into
 * HOME/publish/bundles/NAME.sqb, and places it at bundles_dir/ID/NAME.sqb
 * for each station (a hard link, or a copy across file systems), all or
 * none. district (may be NULL) and by are recorded beside it. A source
 * with errors is refused (409, nothing built). name gets NAME.sqb. */
int publish_build(const char *home, const char *bundles_dir, const char *id,
                  const char *const *stations, size_t n, const char *district, const char *by,
                  int64_t now, char name[PUBLISH_BUNDLE_NAME_MAX + 1], publish_err *why);

/* Whether s is a bundle name as publish_build makes them. */
bool publish_bundle_name_valid(const char *s);

/* ---- the pages' HTML ---- */

typedef const char *(*publish_tr_fn)(const void *ctx, const char *key);
typedef struct {
    publish_tr_fn tr;
    const void *ctx;
    const char *csrf;
    const char *home, *bundles_dir;
    stats *st;
    int64_t now;
} publish_page;

/* /publish: the upload form, the districts and the bundles built. */
void publish_html_main(html_buf *b, const publish_page *p);
/* /publish/source/ID: the check's result and, when it passed, the form
 * that builds a bundle for a district or chosen stations. */
void publish_html_source(html_buf *b, const publish_page *p, const char *id,
                         const publish_source *s, size_t n, size_t errors);

#endif
