/*
 * password.c - see password.h. The terminal reader follows synaqctl's
 * passphrase reader (echo off with termios, the line end cut), and keeps
 * what it read in libsodium's guarded memory.
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>

#include "password.h"

static sq_status seterr(sq_err *err, sq_status st, const char *msg)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, "%s", msg);
        err->code = st;
    }
    return st;
}

sq_status password_hash(const char *pw, char out[PASSWORD_HASH_MAX], sq_err *err)
{
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return seterr(err, SQ_ENOMEM, "not enough memory to hash the password (Argon2id, 64 MiB)");
    return SQ_OK;
}

sq_status password_verify(const char *hash, const char *pw)
{
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? SQ_OK : SQ_EAUTH;
}

int password_acceptable(const char *pw, const char **why)
{
    size_t n = strlen(pw);
    if (n < PASSWORD_MIN) {
        *why = "a password needs at least 10 characters";
        return 0;
    }
    if (n > PASSWORD_MAX) {
        *why = "a password has at most 1024 bytes";
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f) {
            *why = "a password has no control characters";
            return 0;
        }
    if (sq_utf8_prefix(pw, n) != n) {
        *why = "a password is UTF-8 text";
        return 0;
    }
    return 1;
}

/* One line: from the terminal with echo off, or from a pipe. */
static char *read_line(const char *prompt, int tty)
{
    struct termios old, quiet;
    char *buf = sodium_malloc(PASSWORD_MAX + 2);
    if (!buf)
        return NULL;
    if (tty) {
        if (tcgetattr(STDIN_FILENO, &old) != 0) {
            sodium_free(buf);
            return NULL;
        }
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    int got = fgets(buf, PASSWORD_MAX + 2, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (got)
        buf[strcspn(buf, "\r\n")] = 0;
    if (!got || !buf[0]) {
        sodium_free(buf);
        return NULL;
    }
    return buf;
}

sq_status password_read(const char *prompt, int confirm, char **out, sq_err *err)
{
    int tty = isatty(STDIN_FILENO);
    *out = NULL;
    char *a = read_line(prompt, tty);
    if (!a)
        return seterr(err, SQ_EINVAL, "no password given");
    if (tty && confirm) {
        char *b = read_line("again: ", tty);
        int same = b && strcmp(a, b) == 0;
        sodium_free(b);
        if (!same) {
            sodium_free(a);
            return seterr(err, SQ_EINVAL, "the two passwords differ");
        }
    }
    *out = a;
    return SQ_OK;
}
