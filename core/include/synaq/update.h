/*
 * update.h - signed software updates: Debian packages with a manifest
 * signed by central's signing key (the key that signs bundles), built on
 * central, verified and unpacked on a station (format: core/src/update.c).
 *
 * The station checks central's signature over the manifest before it
 * parses anything, then each package's size and SHA-256 as it copies the
 * package out, so what dpkg installs is exactly what central signed. The
 * install itself (dpkg, the moment with no attempt open, the audit line)
 * is synaqctl's `update` command (ctl/update.c).
 */
#ifndef SYNAQ_UPDATE_H
#define SYNAQ_UPDATE_H

#include <stdbool.h>
#include <stdint.h>
#include "synaq.h"
#include "keys.h"

#define SQ_UPDATE_MAX_PKGS 16
#define SQ_UPDATE_MAX_MANIFEST (64 * 1024)
#define SQ_UPDATE_MAX_DEB ((uint64_t)512 << 20) /* bytes of one package, at most */
#define SQ_UPDATE_SUFFIX ".squ"

typedef struct {
    char name[128];    /* the package's name (Debian's rules) */
    char version[128]; /* its version (Debian's rules) */
    char file[256];    /* the file name it is unpacked as: NAME_VERSION.deb */
    uint64_t size;
    char sha256[65];   /* lower-case hex */
} sq_update_pkg;

typedef struct {
    char version[128];      /* the update's version: what the station reports */
    int64_t created_wall_s; /* central's clock when built */
    bool allow_downgrade;   /* signed: packages older than installed may go in */
    size_t n_pkgs;
    sq_update_pkg pkgs[SQ_UPDATE_MAX_PKGS];
} sq_update_manifest;

/* Central: writes the update file out (refusing to overwrite) from the
 * n_pkgs .deb files debs[], whose names and versions the caller read from
 * their control files into m->pkgs[i].name and .version; version,
 * created_wall_s and allow_downgrade are the caller's too. Fills each
 * package's file, size and sha256. SQ_EINVAL for a name or version that
 * does not follow Debian's rules, for two packages of one name, or none. */
sq_status sq_update_build(const sq_central_keys *k, const char *const *debs,
                          sq_update_manifest *m, const char *out, sq_err *err) SQ_MUST_CHECK;

/* Station: reads the update file's manifest and checks central's
 * signature over it (SQ_EAUTH: not signed by central_pk) before parsing
 * it; then the manifest's fields and that the file holds exactly the
 * packages it names (SQ_ECORRUPT: truncated, or bytes appended). */
sq_status sq_update_read(const char *path, const uint8_t central_pk[32], sq_update_manifest *m,
                         sq_err *err) SQ_MUST_CHECK;

/* sq_update_read, then copies each package into the folder dir as
 * dir/FILE (mode 0600), checking the size and SHA-256 of the bytes it
 * writes: SQ_EAUTH when a package is not the one the manifest names (a
 * swapped package), SQ_ECORRUPT when it is cut short. On any failure
 * the packages written are removed. */
sq_status sq_update_unpack(const char *path, const uint8_t central_pk[32], const char *dir,
                           sq_update_manifest *m, sq_err *err) SQ_MUST_CHECK;

/* ---- staging: an update handed to synaq-update.service ---- */

#define SQ_UPDATE_MAX_FILE ((size_t)768 << 20) /* bytes of an update file to stage */

/* Copies the update file at path (a chunk at a time; not through a
 * link) into the folder pending (made, mode 02770, when missing) as
 * synaq-update-VERSION.squ, once the copy's signature and sizes check out
 * against central_pk (sq_update_read; the packages' hashes are checked by
 * whoever installs it): written under a dot name, fsynced, then renamed,
 * so that only a whole file ever appears there. A refused file leaves
 * nothing in pending. m gets its manifest. */
sq_status sq_update_stage_file(const char *path, const uint8_t central_pk[32], const char *pending,
                               sq_update_manifest *m, sq_err *err) SQ_MUST_CHECK;

typedef struct {
    int found;            /* update files on the stick */
    int staged;           /* copied into pending */
    int refused;          /* not signed by central, damaged, unreadable */
    char versions[256];   /* the versions staged, "0.2.0 0.2.1" */
    char first_refusal[400];
} sq_update_stage_report;

/* The same for every update file on a stick (STICK/synaq/updates/NAME.squ,
 * read the stick's safe way, usb.h: whole, in memory, so at most
 * SQ_UPDATE_MAX_FILE; the kiosk's memory limit bounds it lower). SQ_ENOTFOUND when there is none;
 * SQ_OK when at least one was staged or all were refused (rep says). */
sq_status sq_update_stage_usb(const char *stick, const uint8_t central_pk[32], const char *pending,
                              sq_update_stage_report *rep, sq_err *err) SQ_MUST_CHECK;

/* Compares two Debian versions as `dpkg --compare-versions` does
 * (epoch, upstream version, revision; '~' before anything, letters
 * before other characters): <0, 0, >0. */
int sq_version_compare(const char *a, const char *b);
/* Whether v is a Debian version (an optional epoch of digits, an
 * upstream version starting with a digit, an optional revision; only
 * the characters Debian allows). */
bool sq_version_valid(const char *v);
/* Whether name is a Debian package name ([a-z0-9][a-z0-9+.-]+). */
bool sq_update_pkg_name_valid(const char *name);

/* Attempts open (started, not submitted) in the store: an update waits
 * while there is one. */
sq_status sq_update_open_attempts(sq_store *s, int64_t *n, sq_err *err) SQ_MUST_CHECK;

#endif
