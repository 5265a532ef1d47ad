/*
 * slowclient - the slow-client attack on the receiver, for slowloris.sh:
 * from each source address of a loopback range it keeps up to N
 * connections open, half of them dribbling an endless request head
 * (slowloris), half sending a valid upload head announcing 1 MiB and then
 * dribbling its body; each sends one byte every --interval-ms. A
 * connection the server closes is counted and opened again after a pause,
 * so the attack goes on as long as it is told. Everything stays on
 * 127.0.0.0/8 and stops by itself after --seconds.
 *
 *   slowclient --target 127.0.0.1:PORT --from 127.0.0.2-127.0.0.40
 *              [--per-addr N] [--interval-ms MS] [--seconds S]
 *
 * Every 2 s, and once at the end, one line on stdout:
 *   slowclient: t=S holding H (heads A, bodies B) opened O cut C refused R
 *               longest L ms oldest open M ms
 * cut: closed by the server after it had held the connection for at least
 * one dribbled byte; refused: closed before that (the server's accept
 * policy or its connection limit); longest: the longest any connection
 * lived before the server closed it; oldest open: the age of the oldest
 * connection still held.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { IDLE, CONNECTING, OPEN };

typedef struct {
    int fd;
    int state;
    bool body;         /* slow body, else slow head */
    uint32_t src;      /* source address, host order */
    int64_t opened_ms; /* when the connection was made */
    int64_t next_ms;   /* next byte (OPEN), next attempt (IDLE), give-up (CONNECTING) */
    int sent;          /* bytes dribbled so far */
} slot;

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int usage(void)
{
    fputs("usage: slowclient --target 127.0.0.1:PORT --from A.B.C.D-A.B.C.E [--per-addr N]\n"
          "                  [--interval-ms MS] [--seconds S]\n",
          stderr);
    return 2;
}

/* Sends all of p or fails: the heads are small, the socket's buffer empty. */
static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void start_connect(slot *s, const struct sockaddr_in *target, int64_t t)
{
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(s->src)};
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    s->sent = 0;
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&src, sizeof src) != 0 ||
        (connect(s->fd, (const struct sockaddr *)target, sizeof *target) != 0 &&
         errno != EINPROGRESS)) {
        if (s->fd >= 0)
            close(s->fd);
        s->fd = -1;
        s->state = IDLE;
        s->next_ms = t + 1000;
        return;
    }
    s->state = CONNECTING;
    /* A server that stopped accepting leaves the handshake in its
     * backlog; give up on it after a while and try again. */
    s->next_ms = t + 5000;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"target", 1, 0, 't'},   {"from", 1, 0, 'f'},
                                       {"per-addr", 1, 0, 'n'}, {"interval-ms", 1, 0, 'i'},
                                       {"seconds", 1, 0, 's'},  {0, 0, 0, 0}};
    const char *target_s = NULL, *from_s = NULL;
    int per_addr = 16, interval_ms = 3000, seconds = 60, c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 't')
            target_s = optarg;
        else if (c == 'f')
            from_s = optarg;
        else if (c == 'n')
            per_addr = atoi(optarg);
        else if (c == 'i')
            interval_ms = atoi(optarg);
        else if (c == 's')
            seconds = atoi(optarg);
        else
            return usage();
    }
    char host[64], first_s[32], last_s[32];
    int port = 0;
    struct in_addr first, last;
    if (!target_s || !from_s || sscanf(target_s, "%63[^:]:%d", host, &port) != 2 ||
        sscanf(from_s, "%31[^-]-%31s", first_s, last_s) != 2 || !inet_aton(first_s, &first) ||
        !inet_aton(last_s, &last) || per_addr < 1 || per_addr > 1000 || interval_ms < 10 ||
        seconds < 1 || seconds > 3600)
        return usage();
    uint32_t a0 = ntohl(first.s_addr), a1 = ntohl(last.s_addr);
    /* Loopback only: this is a test of a server on this machine. */
    if ((a0 >> 24) != 127 || (a1 >> 24) != 127 || a1 < a0 || a1 - a0 > 1000) {
        fprintf(stderr, "slowclient: --from must be a range within 127.0.0.0/8\n");
        return 2;
    }
    struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (!inet_aton(host, &target.sin_addr) || (ntohl(target.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "slowclient: --target must be on 127.0.0.0/8\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* SIGTERM ends the attack early, with the last line printed. */
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    size_t n = (size_t)(a1 - a0 + 1) * (size_t)per_addr;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
        rl.rlim_cur = rl.rlim_max < n + 64 ? rl.rlim_max : n + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    slot *slots = calloc(n, sizeof *slots);
    struct pollfd *pf = calloc(n, sizeof *pf);
    if (!slots || !pf) {
        fprintf(stderr, "slowclient: out of memory\n");
        return 1;
    }
    int64_t t0 = now_ms(), end = t0 + (int64_t)seconds * 1000, report = t0;
    for (size_t i = 0; i < n; i++) {
        slots[i].fd = -1;
        slots[i].src = a0 + (uint32_t)(i / (size_t)per_addr);
        slots[i].body = i % 2 == 1;
        /* Spread the first connections over a second, as a real attack
         * ramps up, rather than one burst the backlog cannot hold. */
        slots[i].next_ms = t0 + (int64_t)(i * 1000 / n);
    }
    static const char head_slow[] = "POST /v1/upload HTTP/1.1\r\nHost: central\r\nX-Slow: ";
    static const char head_body[] = "POST /v1/upload HTTP/1.1\r\nHost: central\r\n"
                                    "Content-Type: application/octet-stream\r\n"
                                    "Content-Length: 1048576\r\n\r\n";
    long long opened = 0, cut = 0, refused = 0, longest = 0;
    for (;;) {
        int64_t t = now_ms();
        bool done = t >= end || stop;
        /* Timers: connect, dribble, give up on a handshake. */
        for (size_t i = 0; i < n && !done; i++) {
            slot *s = &slots[i];
            if (s->state == IDLE && t >= s->next_ms) {
                start_connect(s, &target, t);
            } else if (s->state == CONNECTING && t >= s->next_ms) {
                close(s->fd);
                s->fd = -1;
                s->state = IDLE;
                s->next_ms = t + 1000;
            } else if (s->state == OPEN && t >= s->next_ms) {
                /* A header value a letter at a time never ends the head;
                 * a body byte at a time never ends a 1 MiB body. */
                if (send(s->fd, "a", 1, MSG_NOSIGNAL) == 1)
                    s->sent++;
                s->next_ms = t + interval_ms;
            }
        }
        size_t holding = 0, heads = 0, bodies = 0;
        long long oldest = 0;
        for (size_t i = 0; i < n; i++) {
            pf[i].fd = slots[i].state == IDLE ? -1 : slots[i].fd;
            pf[i].events = slots[i].state == CONNECTING ? POLLOUT : POLLIN;
            pf[i].revents = 0;
            if (slots[i].state == OPEN) {
                holding++;
                if (t - slots[i].opened_ms > oldest)
                    oldest = t - slots[i].opened_ms;
                if (slots[i].body)
                    bodies++;
                else
                    heads++;
            }
        }
        if (done || t - report >= 2000) {
            report = t;
            printf("slowclient: t=%lld holding %zu (heads %zu, bodies %zu) opened %lld cut %lld "
                   "refused %lld longest %lld ms oldest open %lld ms%s\n",
                   (long long)((t - t0) / 1000), holding, heads, bodies, opened, cut, refused,
                   longest, oldest, done ? " (done)" : "");
            fflush(stdout);
        }
        if (done)
            break;
        if (poll(pf, (nfds_t)n, 50) < 0 && errno != EINTR)
            break;
        t = now_ms();
        for (size_t i = 0; i < n; i++) {
            slot *s = &slots[i];
            if (!pf[i].revents || s->state == IDLE)
                continue;
            if (s->state == CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                const char *h = s->body ? head_body : head_slow;
                size_t hl = s->body ? sizeof head_body - 1 : sizeof head_slow - 1;
                if (err == 0 && send_all(s->fd, h, hl) == 0) {
                    s->state = OPEN;
                    s->opened_ms = t;
                    s->next_ms = t + interval_ms;
                    opened++;
                    continue;
                }
            } else {
                char buf[512];
                ssize_t got = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
                if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR)))
                    continue; /* an answer (a 4xx); the close follows */
                long long lived = t - s->opened_ms;
                if (s->sent > 0)
                    cut++;
                else
                    refused++;
                if (lived > longest)
                    longest = lived;
            }
            close(s->fd);
            s->fd = -1;
            s->state = IDLE;
            s->next_ms = t + 1000;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (slots[i].fd >= 0)
            close(slots[i].fd);
    free(slots);
    free(pf);
    return 0;
}
