/*
 * station.h - the station as a whole, apart from any one of its programs:
 * where its files live, opening it (keys and store, or the state it is in
 * when it cannot be opened yet), what its sync daemon says of itself
 * (sync-status.json), and unlocking it at boot.
 *
 * A station whose key file is protected by a passphrase, and that was not
 * given one at start (no systemd credential), comes up locked: the kiosk
 * asks the technician for the passphrase, and synaq-syncd, which has no
 * screen, waits on a local socket (HOME/unlock.sock, mode 0660) until the
 * kiosk or `synaqctl unlock` hands it over. The passphrase then lives only
 * in the memory of the programs that need it.
 */
#ifndef SYNAQ_STATION_H
#define SYNAQ_STATION_H

#include <stdbool.h>
#include "synaq.h"
#include "keys.h"
#include "store.h"

/* ---- where the station's files live ---- */

#define SQ_STATION_HOME_DEFAULT "/var/lib/synaq"

typedef struct {
    char home[4096];        /* $SYNAQ_HOME, or SQ_STATION_HOME_DEFAULT */
    char db[4096];          /* HOME/station.db, unless named */
    char keys[4096];        /* HOME/station.key, unless named */
    char sync_conf[4200];   /* HOME/sync.conf */
    char sync_status[4200]; /* HOME/sync-status.json */
    char unlock_sock[4200]; /* HOME/unlock.sock */
} sq_station_paths;

/* Fills p: home (NULL: $SYNAQ_HOME, else SQ_STATION_HOME_DEFAULT), db and
 * keys (NULL: in home). SQ_EINVAL when a path is too long. */
sq_status sq_station_paths_init(sq_station_paths *p, const char *home, const char *db,
                                const char *keys, sq_err *err) SQ_MUST_CHECK;

/* ---- opening the station ---- */

typedef enum {
    SQ_STATION_OPEN = 0,     /* keys and store open */
    SQ_STATION_NO_KEYS,      /* no key file: set-up by stick or synaqctl init */
    SQ_STATION_NOT_ENROLLED, /* keys without a certificate yet */
    SQ_STATION_LOCKED        /* the key file is protected and the passphrase was not
                                given, or not the right one */
} sq_station_state;

typedef struct sq_station sq_station;

/* Opens the station's keys (with passphrase, which may be NULL) and its
 * store (clock NULL: the system clock; a given one must outlive the
 * station). *state says where it stands: SQ_STATION_OPEN with *out set,
 * or one of the other states with *out NULL and err saying why; SQ_OK in
 * each case. A damaged key file or store is a failure (its status). The
 * caller owns *out (sq_station_close). */
sq_status sq_station_open(const sq_station_paths *p, const char *passphrase, const sq_clock *clock,
                          sq_station_state *state, sq_station **out, sq_err *err) SQ_MUST_CHECK;
/* Borrowed from st, valid until sq_station_close. */
sq_station_keys *sq_station_get_keys(sq_station *st);
sq_store *sq_station_get_store(sq_station *st);
/* Closes the store, then the keys (wiping them). NULL is a no-op. */
void sq_station_close(sq_station *st);

/* ---- one kiosk per store ---- */

/* Takes the kiosk's lock on the station's store: an exclusive flock(2) on
 * "<db>-kiosk" (its folder made, 0700, when missing), held until
 * sq_station_kiosk_unlock or the process ends (a killed kiosk leaves no
 * stale lock). The file says the holder's pid. SQ_EBUSY when another
 * process holds it (the message names its pid); SQ_EIO when the file
 * cannot be made or locked. *fd is the caller's, for the unlock. */
sq_status sq_station_kiosk_lock(const sq_station_paths *p, int *fd, sq_err *err) SQ_MUST_CHECK;
/* Lets the lock go (closes fd). A negative fd is a no-op. */
void sq_station_kiosk_unlock(int fd);

/* ---- what synaq-syncd says of itself (sync-status.json) ---- */

#define SQ_SYNC_ASIDE_MAX 8

/* What kind of trouble the last error was (last_error_kind), for a screen
 * to say in its own language; the sentence (last_error) is English. */
#define SQ_SYNC_KIND_NETWORK "network"   /* central out of reach, a transfer broke */
#define SQ_SYNC_KIND_BUSY "busy"         /* central asked to come back later */
#define SQ_SYNC_KIND_REFUSED "refused"   /* central answered with an error */
#define SQ_SYNC_KIND_ACK "ack"           /* no valid signed acknowledgement */
#define SQ_SYNC_KIND_CONFLICT "conflict" /* central holds other results under ours */
#define SQ_SYNC_KIND_LOCKED "locked"     /* the keys wait for their passphrase */
#define SQ_SYNC_KIND_LOCAL "local"       /* the station's own store, disk or files */

typedef struct {
    int64_t last_success_s;   /* the last round that went through; 0: never */
    int64_t last_error_s;     /* when the last error was; 0: none */
    char last_error[512];     /* "" when the last round went through */
    char last_error_kind[16]; /* SQ_SYNC_KIND_*; "" when none or not known (an
                                 older daemon's file) */
    int64_t updated_s;        /* when the daemon last wrote this */
    int n_aside;              /* bundles that cannot be delivered, set aside */
    struct {
        char name[201];
        char sha256[65];
        char why[300];
    } aside[SQ_SYNC_ASIDE_MAX];
} sq_sync_status;

/* Reads HOME/sync-status.json. SQ_ENOTFOUND when the daemon never wrote
 * one; SQ_ECORRUPT when it is not what it should be (all zero then). */
sq_status sq_station_sync_status_read(const sq_station_paths *p, sq_sync_status *out,
                                      sq_err *err) SQ_MUST_CHECK;
/* Writes it durably (temp, fsync, rename). */
sq_status sq_station_sync_status_write(const sq_station_paths *p, const sq_sync_status *st,
                                       sq_err *err) SQ_MUST_CHECK;

/* ---- unlocking at boot ---- */

#define SQ_UNLOCK_SOCKET "unlock.sock"
#define SQ_UNLOCK_MAX 1024 /* bytes of a passphrase, at most */

/* Hands passphrase to the program waiting on HOME/unlock.sock. SQ_OK: it
 * opened its keys with it; SQ_EAUTH: it says the passphrase is wrong;
 * SQ_ENOTFOUND: nothing is waiting there; SQ_EIO otherwise. Waits for the
 * answer at most timeout_ms (the waiting side runs Argon2id). */
sq_status sq_station_unlock_send(const char *home, const char *passphrase, int timeout_ms,
                         sq_err *err) SQ_MUST_CHECK;

#endif
