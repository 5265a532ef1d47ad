/*
 * secure.c - what keeps a station's secrets in its memory and nowhere
 * else: the process made undumpable, and the passphrase read into
 * guarded memory (see synaq.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sodium.h>

#include "util_int.h"

#define PASSPHRASE_MAX 1024

sq_status sq_harden_process(sq_err *err)
{
    const char *test = getenv("SYNAQ_TEST_CORE");
    if (test && strcmp(test, "1") == 0) {
        fprintf(stderr, "synaq: SYNAQ_TEST_CORE=1: core files allowed (a test)\n");
        return SQ_OK;
    }
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        return sqi_seterr(err, SQ_EIO, "cannot turn core files off: %s", strerror(errno));
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return sqi_seterr(err, SQ_EIO, "cannot make the process undumpable: %s", strerror(errno));
    return SQ_OK;
}

char *sq_passphrase_dup(const char *s)
{
    size_t n = strlen(s);
    char *p = sodium_malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

void sq_passphrase_free(char *p)
{
    if (p)
        sodium_free(p); /* wipes it */
}

/* The first line of path into guarded memory; *out NULL for an empty one. */
static sq_status read_first_line(const char *path, char **out, sq_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    sq_status st = sqi_file_read(path, PASSPHRASE_MAX, &buf, &len, err);
    if (st)
        return st == SQ_ETOOBIG
                   ? sqi_seterr(err, SQ_EINVAL, "%s: a passphrase file holds one short line", path)
                   : st;
    size_t n = 0;
    while (n < len && buf[n] != '\n' && buf[n] != '\r')
        n++;
    char *p = NULL;
    if (n > 0 && !memchr(buf, 0, n)) {
        p = sodium_malloc(n + 1);
        if (!p)
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        else {
            memcpy(p, buf, n);
            p[n] = 0;
        }
    } else if (n > 0) {
        st = sqi_seterr(err, SQ_EINVAL, "%s: the passphrase holds a NUL byte", path);
    }
    sodium_memzero(buf, len);
    free(buf);
    *out = p;
    return st;
}

sq_status sq_passphrase_load(const char *file, char **out, sq_err *err)
{
    *out = NULL;
    if (file)
        return read_first_line(file, out, err);
    const char *creds = getenv("CREDENTIALS_DIRECTORY");
    if (creds && *creds) {
        char path[4096];
        snprintf(path, sizeof path, "%s/synaq-passphrase", creds);
        if (access(path, F_OK) == 0)
            return read_first_line(path, out, err);
    }
    const char *env = getenv("SYNAQ_PASSPHRASE");
    if (env && *env && !(*out = sq_passphrase_dup(env)))
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    return SQ_OK;
}
