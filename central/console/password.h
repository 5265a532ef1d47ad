/*
 * password.h - staff passwords: Argon2id hashes (libsodium's
 * crypto_pwhash_str) and reading a password from the terminal without
 * echo, or from standard input when it is not a terminal (scripts).
 *
 * Limits: libsodium's "interactive" ones (opslimit 2, memlimit 64 MiB),
 * above OWASP's minimum for Argon2id (19 MiB, 2 passes), about 0.1 s
 * here; a console verifies at most PASSWORD_VERIFY_AT_ONCE of them at a
 * time so that a burst of logins cannot take the machine's memory.
 */
#ifndef SYNAQ_CENTRAL_PASSWORD_H
#define SYNAQ_CENTRAL_PASSWORD_H

#include <stddef.h>
#include "synaq/synaq.h"

#define PASSWORD_MIN 10       /* characters (bytes) of a new password, at least */
#define PASSWORD_MAX 1024     /* bytes, at most */
#define PASSWORD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
#define PASSWORD_VERIFY_AT_ONCE 2

/* Hashes pw into out (a NUL-terminated string). SQ_ENOMEM when Argon2
 * could not get its memory. */
sq_status password_hash(const char *pw, char out[PASSWORD_HASH_MAX], sq_err *err) SQ_MUST_CHECK;
/* SQ_OK when pw matches hash, else SQ_EAUTH. */
sq_status password_verify(const char *hash, const char *pw) SQ_MUST_CHECK;
/* Whether pw is acceptable as a new password (length, no control
 * characters); *why names the problem when not (static string). */
int password_acceptable(const char *pw, const char **why);

/* Reads a password: with echo off and asked twice (confirm) on a
 * terminal, or the first line of standard input otherwise. Caller owns
 * *out (guarded memory; sq_passphrase_free). SQ_EINVAL when the two
 * differ or nothing came. */
sq_status password_read(const char *prompt, int confirm, char **out, sq_err *err) SQ_MUST_CHECK;

#endif
