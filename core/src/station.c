/*
 * station.c - unlocking a station's other programs (station.h). The wire
 * is one line each way on a Unix socket: the passphrase, then "ok" or
 * "wrong: WHY".
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <sodium.h>

#include "util_int.h"
#include "synaq/station.h"

sq_status sq_station_unlock_send(const char *home, const char *passphrase, int timeout_ms, sq_err *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", home, SQ_UNLOCK_SOCKET) >=
        sizeof sa.sun_path)
        return sqi_seterr(err, SQ_EINVAL, "the station's folder %s is too long a path", home);
    size_t n = strlen(passphrase);
    if (n == 0 || n >= SQ_UNLOCK_MAX || strchr(passphrase, '\n'))
        return sqi_seterr(err, SQ_EINVAL, "a passphrase is one line of 1 to %d bytes",
                         SQ_UNLOCK_MAX - 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sqi_seterr(err, SQ_EIO, "socket: %s", strerror(errno));
    sq_status st = SQ_OK;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        st = errno == ENOENT || errno == ECONNREFUSED
                 ? sqi_seterr(err, SQ_ENOTFOUND, "nothing waits for the passphrase at %s",
                             sa.sun_path)
                 : sqi_seterr(err, SQ_EIO, "cannot reach %s: %s", sa.sun_path, strerror(errno));
        goto out;
    }
    char line[SQ_UNLOCK_MAX + 1];
    memcpy(line, passphrase, n);
    line[n] = '\n';
    ssize_t w = send(fd, line, n + 1, MSG_NOSIGNAL);
    sodium_memzero(line, sizeof line);
    if (w != (ssize_t)(n + 1)) {
        st = sqi_seterr(err, SQ_EIO, "cannot write to %s", sa.sun_path);
        goto out;
    }
    char answer[256];
    size_t got = 0;
    while (got < sizeof answer - 1 && !memchr(answer, '\n', got)) {
        struct pollfd pf = {fd, POLLIN, 0};
        int pr = poll(&pf, 1, timeout_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            st = sqi_seterr(err, SQ_EIO, "no answer from %s", sa.sun_path);
            goto out;
        }
        ssize_t r = recv(fd, answer + got, sizeof answer - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    answer[got] = 0;
    answer[strcspn(answer, "\n")] = 0;
    if (strcmp(answer, "ok") == 0)
        st = SQ_OK;
    else if (strncmp(answer, "wrong", 5) == 0)
        st = sqi_seterr(err, SQ_EAUTH, "the passphrase is wrong%s", answer + 5);
    else
        st = sqi_seterr(err, SQ_EIO, "%s answered '%s'", sa.sun_path, answer);
out:
    close(fd);
    return st;
}
