/*
 * synaq-faultproxy-peer - the two ends the fault proxy's self-test needs,
 * without python or curl: a tiny HTTP server and a one-request client.
 *
 *   serve   [--listen 127.0.0.1:PORT]
 *       prints "listening on 127.0.0.1:PORT", then one line per event:
 *         accept conn=K
 *         request conn=K method=M path=P len=N pattern=ok|bad
 *         close conn=K path=P recv=N sent=N end=eof|reset|timeout|error
 *       GET /bytes/N answers N bytes of the test pattern; any other GET
 *       answers {"ok":true}; POST reads Content-Length bytes, checks them
 *       against the pattern and answers {"ok":true,"len":N,"pattern":"ok"}.
 *       Always "Connection: close".
 *   request --to 127.0.0.1:PORT [--method M] [--path P] [--body N]
 *           [--timeout MS] [--abort-ms MS]
 *       sends one request (a POST body is N bytes of the pattern), reads the
 *       answer and prints one line:
 *         status=S recv=N body=N first_ms=T total_ms=T end=E http=0|1
 *         retry_after=S ctype=T html=0|1 pattern=ok|bad|na sent=N
 *       end: complete (Content-Length read), eof, reset, timeout. --abort-ms
 *       waits that long after sending, then closes with a RST.
 *   freeport
 *       prints a port on 127.0.0.1 that nothing listens on (just now).
 *
 * The pattern: byte i of a body is i % 251.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 65536

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&out_lock);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
    va_end(ap);
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
    const char *colon = strrchr(s, ':');
    char host[64];
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 ||
        sa->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
        return -1;
    return 0;
}

static void pattern_fill(unsigned char *p, size_t n, uint64_t off)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)((off + i) % 251);
}

static int pattern_check(const unsigned char *p, size_t n, uint64_t off)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)((off + i) % 251))
            return 0;
    return 1;
}

static int send_all(int fd, const void *buf, size_t n, uint64_t *sent)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        *sent += (uint64_t)w;
    }
    return 0;
}

static const char *find_head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (!memcmp(buf + i, "\r\n\r\n", 4))
            return buf + i + 4;
    return NULL;
}

/* The value of header NAME (with its colon) in a header block, or NULL. */
static const char *header(const char *head, size_t len, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl + 1 < len; i++) {
        if (head[i] != '\n' || strncasecmp(head + i + 1, name, nl))
            continue;
        size_t j = i + 1 + nl, k = 0;
        while (j < len && head[j] == ' ')
            j++;
        while (j < len && head[j] != '\r' && head[j] != '\n' && k + 1 < size)
            out[k++] = head[j++];
        out[k] = 0;
        return out;
    }
    return NULL;
}

/* ---- server ---- */

struct job {
    int fd;
    unsigned id;
};

static const char *err_end(int e)
{
    if (e == EAGAIN || e == EWOULDBLOCK)
        return "timeout";
    if (e == ECONNRESET || e == EPIPE)
        return "reset";
    return "error";
}

static void *serve_one(void *arg)
{
    struct job *j = arg;
    int fd = j->fd;
    unsigned id = j->id;
    free(j);
    char *buf = malloc(HEAD_MAX + 1);
    uint64_t recv_n = 0, sent = 0;
    const char *end = "eof";
    char path[256] = "-", method[16] = "-";
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    say("accept conn=%u", id);
    if (!buf)
        goto out;
    size_t len = 0;
    const char *he = NULL;
    while (!he) {
        if (len == HEAD_MAX) {
            end = "error";
            goto out;
        }
        ssize_t r = recv(fd, buf + len, HEAD_MAX - len, 0);
        if (r == 0)
            goto out;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            end = err_end(errno);
            goto out;
        }
        len += (size_t)r;
        recv_n += (uint64_t)r;
        he = find_head_end(buf, len);
    }
    buf[len] = 0;
    if (sscanf(buf, "%15s %255s", method, path) != 2) {
        end = "error";
        goto out;
    }
    char cl[32];
    long long need = header(buf, (size_t)(he - buf), "content-length:", cl, sizeof cl) ? atoll(cl) : 0;
    uint64_t got = 0;
    int ok = 1;
    size_t extra = len - (size_t)(he - buf);
    if ((long long)extra > need)
        extra = (size_t)need;
    ok &= pattern_check((const unsigned char *)he, extra, 0);
    got = extra;
    while ((long long)got < need) {
        unsigned char tmp[16384];
        size_t want = sizeof tmp;
        if ((long long)want > need - (long long)got)
            want = (size_t)(need - (long long)got);
        ssize_t r = recv(fd, tmp, want, 0);
        if (r == 0)
            goto out;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            end = err_end(errno);
            goto out;
        }
        recv_n += (uint64_t)r;
        ok &= pattern_check(tmp, (size_t)r, got);
        got += (uint64_t)r;
    }
    say("request conn=%u method=%s path=%s len=%llu pattern=%s", id, method, path,
        (unsigned long long)got, ok ? "ok" : "bad");

    char head[512], body[256];
    unsigned long long nbytes = 0;
    if (!strcmp(method, "GET") && sscanf(path, "/bytes/%llu", &nbytes) == 1) {
        int hn = snprintf(head, sizeof head,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                          "Content-Length: %llu\r\nConnection: close\r\n\r\n",
                          nbytes);
        if (send_all(fd, head, (size_t)hn, &sent))
            goto send_failed;
        unsigned char tmp[16384];
        for (uint64_t off = 0; off < nbytes;) {
            size_t n = sizeof tmp;
            if (n > nbytes - off)
                n = (size_t)(nbytes - off);
            pattern_fill(tmp, n, off);
            if (send_all(fd, tmp, n, &sent))
                goto send_failed;
            off += n;
        }
    } else {
        int bn;
        if (!strcmp(method, "GET"))
            bn = snprintf(body, sizeof body, "{\"ok\":true}");
        else
            bn = snprintf(body, sizeof body, "{\"ok\":true,\"len\":%llu,\"pattern\":\"%s\"}",
                          (unsigned long long)got, ok ? "ok" : "bad");
        int hn = snprintf(head, sizeof head,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                          bn, body);
        if (send_all(fd, head, (size_t)hn, &sent))
            goto send_failed;
    }
    shutdown(fd, SHUT_WR);
    for (;;) { /* wait for the client's close */
        char tmp[4096];
        ssize_t r = recv(fd, tmp, sizeof tmp, 0);
        if (r > 0) {
            recv_n += (uint64_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            end = err_end(errno);
        break;
    }
    goto out;
send_failed:
    end = err_end(errno);
out:
    say("close conn=%u path=%s recv=%llu sent=%llu end=%s", id, path, (unsigned long long)recv_n,
        (unsigned long long)sent, end);
    free(buf);
    close(fd);
    return NULL;
}

static int cmd_serve(int argc, char **argv)
{
    struct sockaddr_in sa;
    const char *addr = "127.0.0.1:0";
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--listen") && i + 1 < argc)
            addr = argv[++i];
    if (parse_addr(addr, &sa)) {
        fprintf(stderr, "peer: bad --listen %s\n", addr);
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 128)) {
        perror("peer: bind");
        return 1;
    }
    socklen_t sl = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    say("listening on 127.0.0.1:%u", ntohs(sa.sin_port));
    unsigned id = 0;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("peer: accept");
            sleep(1);
            continue;
        }
        struct job *j = malloc(sizeof *j);
        pthread_t t;
        pthread_attr_t at;
        if (!j) {
            close(fd);
            continue;
        }
        j->fd = fd;
        j->id = ++id;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, serve_one, j)) {
            close(fd);
            free(j);
        }
        pthread_attr_destroy(&at);
    }
}

/* ---- client ---- */

static int cmd_request(int argc, char **argv)
{
    const char *to = NULL, *method = "GET", *path = "/v1/health";
    long long body = 0, timeout_ms = 20000, abort_ms = -1;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--to"))
            to = argv[i + 1];
        else if (!strcmp(argv[i], "--method"))
            method = argv[i + 1];
        else if (!strcmp(argv[i], "--path"))
            path = argv[i + 1];
        else if (!strcmp(argv[i], "--body"))
            body = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--timeout"))
            timeout_ms = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--abort-ms"))
            abort_ms = atoll(argv[i + 1]);
        else {
            fprintf(stderr, "peer: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    struct sockaddr_in sa;
    if (!to || parse_addr(to, &sa)) {
        fprintf(stderr, "peer: want --to 127.0.0.1:PORT\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
        printf("status=0 recv=0 body=0 first_ms=-1 total_ms=0 end=connect-failed http=0 "
               "retry_after=- ctype=- html=0 pattern=na sent=0\n");
        return 0;
    }
    int64_t t0 = ms_now(), first = -1;
    uint64_t sent = 0;
    char head[1024];
    int hn;
    if (!strcmp(method, "GET") && body == 0)
        hn = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: central\r\nConnection: close\r\n\r\n",
                      method, path);
    else
        hn = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: central\r\nContent-Type: application/octet-stream\r\n"
                      "Content-Length: %lld\r\nConnection: close\r\n\r\n",
                      method, path, body);
    const char *end = NULL;
    if (send_all(fd, head, (size_t)hn, &sent) == 0) {
        unsigned char tmp[16384];
        for (long long off = 0; off < body;) {
            size_t n = sizeof tmp;
            if ((long long)n > body - off)
                n = (size_t)(body - off);
            pattern_fill(tmp, n, (uint64_t)off);
            if (send_all(fd, tmp, n, &sent))
                break;
            off += (long long)n;
        }
    }
    if (abort_ms >= 0) {
        usleep((useconds_t)(abort_ms * 1000));
        struct linger lg = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd);
        printf("status=0 recv=0 body=0 first_ms=-1 total_ms=%lld end=aborted http=0 retry_after=- "
               "ctype=- html=0 pattern=na sent=%llu\n",
               (long long)(ms_now() - t0), (unsigned long long)sent);
        return 0;
    }

    char *buf = malloc(HEAD_MAX + 1);
    size_t len = 0;
    uint64_t recv_n = 0, body_n = 0;
    long long clen = -1;
    const char *he = NULL;
    int pat_ok = 1, status = 0, http = 0, html = 0, check_pattern = !strncmp(path, "/bytes/", 7);
    char retry[32] = "-", ctype[128] = "-";
    if (!buf)
        return 1;
    while (!end) {
        int64_t left = t0 + timeout_ms - ms_now();
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) == 0) {
            end = "timeout";
            break;
        }
        unsigned char tmp[16384];
        ssize_t r = recv(fd, tmp, sizeof tmp, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            end = errno == ECONNRESET ? "reset" : "error";
            break;
        }
        if (r == 0) {
            end = "eof";
            break;
        }
        if (first < 0)
            first = ms_now() - t0;
        recv_n += (uint64_t)r;
        size_t used = 0;
        if (!he) {
            size_t take = (size_t)r < HEAD_MAX - len ? (size_t)r : HEAD_MAX - len;
            memcpy(buf + len, tmp, take);
            len += take;
            buf[len] = 0;
            he = find_head_end(buf, len);
            if (!he)
                continue;
            size_t hl = (size_t)(he - buf);
            http = !strncmp(buf, "HTTP/1.", 7);
            if (http)
                sscanf(buf + 9, "%d", &status);
            char v[64];
            if (header(buf, hl, "content-length:", v, sizeof v))
                clen = atoll(v);
            header(buf, hl, "retry-after:", retry, sizeof retry);
            if (header(buf, hl, "content-type:", ctype, sizeof ctype)) {
                char *semi = strchr(ctype, ';');
                if (semi)
                    *semi = 0;
            }
            /* The body bytes already in buf. */
            size_t inbuf = len - hl;
            if (check_pattern)
                pat_ok &= pattern_check((unsigned char *)buf + hl, inbuf, 0);
            if (strstr(buf + hl, "<form") || strstr(buf + hl, "<html"))
                html = 1;
            body_n = inbuf;
            used = take;
        }
        if ((size_t)r > used) {
            if (check_pattern)
                pat_ok &= pattern_check(tmp + used, (size_t)r - used, body_n);
            body_n += (uint64_t)r - used;
        }
        if (clen >= 0 && body_n >= (uint64_t)clen)
            end = "complete";
    }
    printf("status=%d recv=%llu body=%llu first_ms=%lld total_ms=%lld end=%s http=%d "
           "retry_after=%s ctype=%s html=%d pattern=%s sent=%llu\n",
           status, (unsigned long long)recv_n, (unsigned long long)body_n, (long long)first,
           (long long)(ms_now() - t0), end, http, retry, ctype, html,
           check_pattern ? (pat_ok && he ? "ok" : "bad") : "na", (unsigned long long)sent);
    free(buf);
    close(fd);
    return 0;
}

static int cmd_freeport(void)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    parse_addr("127.0.0.1:0", &sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
        getsockname(fd, (struct sockaddr *)&sa, &sl))
        return 1;
    printf("%u\n", ntohs(sa.sin_port));
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return cmd_serve(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "request"))
        return cmd_request(argc - 2, argv + 2);
    if (argc == 2 && !strcmp(argv[1], "freeport"))
        return cmd_freeport();
    fputs("usage: synaq-faultproxy-peer serve [--listen 127.0.0.1:PORT]\n"
          "       synaq-faultproxy-peer request --to 127.0.0.1:PORT [--method M] [--path P]\n"
          "                            [--body N] [--timeout MS] [--abort-ms MS]\n"
          "       synaq-faultproxy-peer freeport\n",
          stderr);
    return 2;
}
