/*
 * station.h - the station as a whole, apart from any one of its programs.
 * Today: unlocking it at boot.
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

#include "synaq.h"

#define SQ_UNLOCK_SOCKET "unlock.sock"
#define SQ_UNLOCK_MAX 1024 /* bytes of a passphrase, at most */

/* Hands passphrase to the program waiting on HOME/unlock.sock. SQ_OK: it
 * opened its keys with it; SQ_EAUTH: it says the passphrase is wrong;
 * SQ_ENOTFOUND: nothing is waiting there; SQ_EIO otherwise. Waits for the
 * answer at most timeout_ms (the waiting side runs Argon2id). */
sq_status sq_station_unlock_send(const char *home, const char *passphrase, int timeout_ms,
                         sq_err *err) SQ_MUST_CHECK;

#endif
