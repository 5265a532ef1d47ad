/*
 * synaq-faultproxy - a fault-injecting TCP proxy for tests, loopback only.
 *
 * Listens on 127.0.0.1:PORT and forwards each connection to a target on
 * 127.0.0.1, through an emulated link (one-way delay with jitter, a
 * bandwidth cap per direction, loss emulated as retransmission delay) and
 * with at most one fault per connection (resets, a stall, garbage, an answer
 * of its own instead of forwarding). See README.md in this folder.
 *
 * One thread, one poll() loop. Each connection has two bounded queues of
 * timed segments: "up" (client to server) and "down" (server to client). A
 * segment read at time T is released at T + serialisation + delay; a full
 * queue stops reading from its source, so TCP back-pressure reaches the
 * sender.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SEG 1460                /* one "segment": the unit of a read and of loss */
#define QCAP 32                 /* segments queued per direction (about 46 KiB) */
#define MAX_CONNS 256           /* more wait in the listen backlog */
#define MAX_TARGETS 8           /* receivers behind one proxy, round robin */
#define REQ_HEAD_MAX 16384      /* an answering fault reads at most this much header */
#define LINGER_US 2000000       /* after answering itself: wait this long for the close */
#define NEVER INT64_MAX

enum fault_kind {
    F_NONE,
    F_RESET_UP,
    F_RESET_DOWN,
    F_RESET_AFTER_REQUEST,
    F_GARBAGE,
    F_CORRUPT,
    F_HTTP500,
    F_HTTP503,
    F_PORTAL,
    F_STALL,
    F_KINDS
};

static const char *const fault_names[F_KINDS] = {
    "none",    "reset-up", "reset-down", "reset-after-request", "garbage",
    "corrupt", "http500",  "http503",    "portal",              "stall",
};

/* Chaos: the chance of each fault per new connection, in relative weights. */
static const unsigned chaos_default_weights[F_KINDS] = {
    [F_NONE] = 40,   [F_RESET_UP] = 6, [F_RESET_DOWN] = 6, [F_RESET_AFTER_REQUEST] = 10,
    [F_GARBAGE] = 5, [F_CORRUPT] = 5,  [F_HTTP500] = 6,    [F_HTTP503] = 6,
    [F_PORTAL] = 6,  [F_STALL] = 10,
};

struct fault {
    enum fault_kind kind;
    long n;  /* reset-up/down: bytes; http503: seconds; stall: milliseconds */
    long at; /* stall: byte offset (both directions together), -1 = draw one */
};

struct link {
    long latency_ms; /* one-way, each direction */
    long jitter_ms;  /* extra delay drawn uniformly in [0, jitter] per segment */
    long up_kbps;    /* client to server; 0 = no cap */
    long down_kbps;  /* server to client; 0 = no cap */
    double loss;     /* chance per segment of a retransmission delay */
    long loss_ms;    /* that delay: loss_ms + uniform(0, loss_span_ms) */
    long loss_span_ms;
};

/* The link's availability: up for up_ms, down for down_ms, over and over
 * (0, 0: always up); and short drops at random, drop_every_ms apart on
 * average (0: none), each down for drop_ms + uniform(0, drop_span_ms). */
struct windows {
    long up_ms, down_ms;
    long drop_every_ms, drop_ms, drop_span_ms;
};

enum down_mode { DOWN_RESET, DOWN_BLACKHOLE };

/* Figures and where they come from: README.md, "Profiles". */
static const struct {
    const char *name;
    struct link link;
    struct windows win;
    int chaos;
} profiles[] = {
    {"clean", {0, 0, 0, 0, 0.0, 200, 800}, {0, 0, 0, 0, 0}, 0},
    {"edge", {370, 60, 200, 240, 0.0, 200, 800}, {0, 0, 0, 0, 0}, 0},
    /* GPRS: 18 kbit/s up, 40 down, ~800 ms round trip; a block lost on the
     * radio is resent by RLC below TCP: delay, not loss. */
    {"2g", {350, 100, 18, 40, 0.05, 100, 400}, {0, 0, 0, 0, 0}, 0},
    /* 2G that comes and goes: up 3 minutes, down 20. */
    {"window", {350, 100, 18, 40, 0.05, 100, 400}, {180000, 1200000, 0, 0, 0}, 0},
    {"chaos", {0, 0, 0, 0, 0.0, 200, 800}, {0, 0, 0, 0, 0}, 1},
};

static struct {
    struct sockaddr_in listen;
    struct sockaddr_in targets[MAX_TARGETS]; /* connections go round robin */
    unsigned ntargets, next_target;
    const char *profile;
    struct link link;
    struct windows win;
    enum down_mode down_mode;
    int chaos;
    int have_fault;
    struct fault fault;
    unsigned weights[F_KINDS];
    uint64_t seed;
    double scale;
    int log;
} opt;

struct seg {
    int64_t due; /* µs, monotonic: when it may be written */
    uint16_t len, off;
    unsigned char data[SEG];
};

struct dir {
    struct seg *q; /* ring of QCAP */
    int head, count;
    long kbps;
    int64_t link_free; /* when the emulated link has sent everything queued */
    int64_t last_due;  /* segments leave in order */
    uint64_t rx, tx;   /* bytes read from the source, written to the destination */
    int eof;           /* the source has ended */
    int shut;          /* the end has been passed on (shutdown of the destination) */
    int wblocked;      /* the last write would have blocked: wait for POLLOUT */
};

struct conn {
    unsigned id;
    int cfd, sfd; /* client and server sockets, -1 when none */
    int connecting;
    struct dir up, down;
    struct fault fault;
    uint64_t frng, lrng; /* random streams: fault and garbage; link */
    int64_t t0;
    /* stall */
    int stall_pending;
    uint64_t stall_at;
    int64_t stall_until;
    int stalled;
    /* corrupt: how much of the response header's end "\r\n\r\n" has been seen */
    int hdr_match;
    int corrupted;
    unsigned losses;
    /* answering itself (http500, http503, portal) */
    int virt;
    char *req;
    size_t req_len;
    int head_done;
    long long body_left;
    int answered;
    char *ans;
    size_t ans_len, ans_off;
    int64_t linger_until;
    int done;
    const char *end;
};

static struct conn *conns[MAX_CONNS];
static int nconns;
static unsigned next_id;
static int64_t now; /* µs, monotonic, refreshed around poll() */
static int sigpipe_fds[2] = {-1, -1};
/* The link's availability (struct windows). */
static int link_down;          /* now down: a window's down time or a drop */
static int64_t window_edge;    /* µs: when the window turns next; NEVER without windows */
static int window_is_down;     /* the window (not a drop) is in its down part */
static unsigned window_no = 1; /* the up window under way (or last), from 1 */
static int64_t drop_at, drop_until = 0; /* the next drop; the one under way ends */
static unsigned drop_no;
static uint64_t link_rng;
static volatile sig_atomic_t stopping;

static int64_t clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double rnd01(uint64_t *s)
{
    return (double)(splitmix(s) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi]. */
static long rnd_range(uint64_t *s, long lo, long hi)
{
    return lo + (long)(splitmix(s) % (uint64_t)(hi - lo + 1));
}

/* Milliseconds of emulated time to real microseconds. */
static int64_t scaled_us(double ms)
{
    return (int64_t)(ms * 1000.0 / opt.scale);
}

static int usage(FILE *f)
{
    fputs("usage: synaq-faultproxy --target 127.0.0.1:PORT [--target ...] [--listen 127.0.0.1:PORT]\n"
          "         [--profile clean|edge|2g|window|chaos] [--fault FAULT] [--seed S]\n"
          "         [--time-scale F] [--log]\n"
          "         [--latency MS] [--jitter MS] [--up KBPS] [--down KBPS] [--loss PCT]\n"
          "         [--window-up-ms MS --window-down-ms MS] [--window-mode reset|blackhole]\n"
          "         [--drop-every-ms MS] [--drop-ms MS] [--chaos-weights NAME=W,...]\n"
          "\n"
          "Forwards each connection to the target through an emulated link, with at most\n"
          "one fault per connection; with several --target (up to 8), to each in turn.\n"
          "Loopback only. Port 0 picks a free port; the first line on stdout is always\n"
          "'listening on 127.0.0.1:PORT'.\n"
          "\n"
          "profiles (one-way delay = latency + uniform(0, jitter), each direction):\n"
          "  clean  no delay, no cap, no fault (the default)\n"
          "  edge   370+0..60 ms, 200 kbit/s up, 240 kbit/s down\n"
          "  2g     GPRS: 350+0..100 ms, 18 kbit/s up, 40 kbit/s down, 5 % of segments\n"
          "         resent by the radio (100-500 ms more)\n"
          "  window 2g that is up 3 minutes, then down 20, over and over\n"
          "  chaos  clean link; each connection draws one fault at random (or none)\n"
          "faults (every connection, overrides chaos):\n"
          "  none | reset-up:N | reset-down:N | reset-after-request | garbage | corrupt\n"
          "  http500 | http503:S | portal | stall:MS[@K]\n"
          "link down (a window's down time, a drop): open connections are cut (RST);\n"
          "new ones are reset at once, or with --window-mode blackhole held unanswered\n"
          "and cut when the link is back. --drop-every-ms: drops at random, about MS\n"
          "apart, each 3-10 s (or --drop-ms MS).\n"
          "--time-scale F divides every delay and window by F and multiplies every\n"
          "bandwidth by F (Retry-After is not scaled). --log writes one line per\n"
          "connection, and one each time the link goes down or up, to stderr.\n",
          f);
    return f == stderr ? 2 : 0;
}

static void die(const char *fmt, const char *arg)
{
    fputs("synaq-faultproxy: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* "127.0.0.1:PORT" only: the proxy never touches another address. */
static void parse_addr(const char *s, struct sockaddr_in *sa, long min_port, const char *what)
{
    const char *colon = strrchr(s, ':');
    char host[64];
    long port;
    if (!colon || (size_t)(colon - s) >= sizeof host)
        die("%s: want 127.0.0.1:PORT", what);
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 ||
        sa->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
        die("%s: refusing a non-loopback address: only 127.0.0.1 is allowed", what);
    if (parse_long(colon + 1, min_port, 65535, &port))
        die("%s: bad port", what);
    sa->sin_port = htons((uint16_t)port);
}

static int fault_by_name(const char *name, size_t len)
{
    for (int k = 0; k < F_KINDS; k++)
        if (strlen(fault_names[k]) == len && !strncmp(fault_names[k], name, len))
            return k;
    return -1;
}

static void parse_fault(const char *s, struct fault *f)
{
    const char *colon = strchr(s, ':');
    size_t len = colon ? (size_t)(colon - s) : strlen(s);
    int k = fault_by_name(s, len);
    const char *arg = colon ? colon + 1 : NULL;
    f->kind = k < 0 ? F_NONE : (enum fault_kind)k;
    f->n = 0;
    f->at = -1;
    if (k < 0)
        die("unknown fault '%s'", s);
    switch (f->kind) {
    case F_RESET_UP:
    case F_RESET_DOWN:
        if (!arg || parse_long(arg, 0, 1L << 40, &f->n))
            die("'%s': want reset-up:N or reset-down:N (bytes)", s);
        break;
    case F_HTTP503:
        f->n = 5;
        if (arg && parse_long(arg, 0, 86400, &f->n))
            die("'%s': want http503:S (seconds)", s);
        break;
    case F_STALL: {
        char buf[64];
        const char *at;
        if (!arg || strlen(arg) >= sizeof buf)
            die("'%s': want stall:MS or stall:MS@K", s);
        strcpy(buf, arg);
        char *p = strchr(buf, '@');
        at = p ? p + 1 : NULL;
        if (p)
            *p = 0;
        if (parse_long(buf, 0, 3600000, &f->n) ||
            (at && parse_long(at, 0, 1L << 40, &f->at)))
            die("'%s': want stall:MS or stall:MS@K", s);
        break;
    }
    default:
        if (arg)
            die("'%s': this fault takes no argument", s);
    }
}

static void parse_weights(const char *s)
{
    char buf[512];
    if (strlen(s) >= sizeof buf)
        die("%s", "--chaos-weights: too long");
    strcpy(buf, s);
    memset(opt.weights, 0, sizeof opt.weights);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        long w;
        int k = eq ? fault_by_name(tok, (size_t)(eq - tok)) : -1;
        if (k < 0 || parse_long(eq + 1, 0, 1000000, &w))
            die("--chaos-weights: bad item '%s' (want NAME=WEIGHT)", tok);
        opt.weights[k] = (unsigned)w;
    }
}

static const char *fault_str(const struct fault *f, char *buf, size_t size)
{
    switch (f->kind) {
    case F_RESET_UP:
    case F_RESET_DOWN:
    case F_HTTP503:
        snprintf(buf, size, "%s:%ld", fault_names[f->kind], f->n);
        break;
    case F_STALL:
        snprintf(buf, size, "stall:%ld@%ld", f->n, f->at);
        break;
    default:
        snprintf(buf, size, "%s", fault_names[f->kind]);
    }
    return buf;
}

/* ---- sockets ---- */

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Close so that the peer gets a RST (SO_LINGER with a zero timeout). */
static void abort_close(int fd)
{
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* ---- connections ---- */

static struct seg *tail(struct dir *d)
{
    return &d->q[(d->head + d->count) % QCAP];
}

static void log_conn(const struct conn *c)
{
    char fb[64];
    if (!opt.log)
        return;
    fprintf(stderr,
            "faultproxy: conn=%u fault=%s up=%" PRIu64 " down=%" PRIu64 " ms=%lld end=%s%s%s",
            c->id, fault_str(&c->fault, fb, sizeof fb), c->up.tx, c->down.tx,
            (long long)((now - c->t0) / 1000), c->end,
            c->fault.kind == F_STALL ? (c->stalled ? " stalled=1" : " stalled=0") : "",
            c->fault.kind == F_CORRUPT ? (c->corrupted ? " corrupted=1" : " corrupted=0") : "");
    if (opt.link.loss > 0)
        fprintf(stderr, " losses=%u", c->losses);
    fputc('\n', stderr);
}

/* Ends a connection: abortive sends RST both ways. */
static void finish(struct conn *c, const char *end, int abortive)
{
    if (c->done)
        return;
    c->done = 1;
    c->end = end;
    if (c->cfd >= 0)
        abortive ? abort_close(c->cfd) : (void)close(c->cfd);
    if (c->sfd >= 0)
        abortive ? abort_close(c->sfd) : (void)close(c->sfd);
    c->cfd = c->sfd = -1;
    log_conn(c);
}

static void conn_free(struct conn *c)
{
    free(c->up.q);
    free(c->down.q);
    free(c->req);
    free(c->ans);
    free(c);
}

/* Queues the segment just filled at the tail of d, with its release time. */
static void enqueue(struct conn *c, struct dir *d, size_t len)
{
    struct seg *k = tail(d);
    int64_t t = now;
    k->len = (uint16_t)len;
    k->off = 0;
    if (d->kbps > 0) {
        if (d->link_free > t)
            t = d->link_free;
        t += (int64_t)((double)len * 8000.0 / ((double)d->kbps * opt.scale));
        d->link_free = t;
    }
    double ms = (double)opt.link.latency_ms;
    if (opt.link.jitter_ms > 0)
        ms += rnd01(&c->lrng) * (double)opt.link.jitter_ms;
    if (opt.link.loss > 0 && rnd01(&c->lrng) < opt.link.loss) {
        /* a retransmission: TCP's timeout, or on 2G the radio's (RLC) */
        ms += (double)opt.link.loss_ms + rnd01(&c->lrng) * (double)opt.link.loss_span_ms;
        c->losses++;
    }
    t += scaled_us(ms);
    if (t < d->last_due)
        t = d->last_due;
    d->last_due = t;
    k->due = t;
    d->count++;
    d->rx += len;
}

/* garbage: the server's answer becomes random bytes (never starting with 'H'). */
static void garble(struct conn *c, unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)splitmix(&c->frng);
    if (c->down.rx == 0 && n > 0 && (p[0] == 'H' || p[0] == 'h'))
        p[0] ^= 0x80;
}

/* corrupt: bit flips in the answer's body only (after the header), about one
 * byte in 64, and at least one in the body's first segment. */
static void corrupt(struct conn *c, unsigned char *p, size_t n)
{
    static const char crlf2[] = "\r\n\r\n";
    size_t i = 0;
    while (c->hdr_match < 4 && i < n) {
        if (p[i] == (unsigned char)crlf2[c->hdr_match])
            c->hdr_match++;
        else
            c->hdr_match = p[i] == '\r' ? 1 : 0;
        i++;
    }
    if (i >= n)
        return;
    for (size_t j = i; j < n; j++)
        if (rnd01(&c->frng) < 1.0 / 64)
            p[j] ^= (unsigned char)(1u << (splitmix(&c->frng) % 8)), c->corrupted = 1;
    if (!c->corrupted) {
        size_t j = i + (size_t)(splitmix(&c->frng) % (n - i));
        p[j] ^= (unsigned char)(1u << (splitmix(&c->frng) % 8));
        c->corrupted = 1;
    }
}

/* ---- answering itself ---- */

static const char portal_html[] =
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>Wi-Fi: sign in</title></head>\n"
    "<body><h1>Welcome to FreeCity Wi-Fi</h1>\n"
    "<p>Please sign in to continue to the Internet.</p>\n"
    "<form method=\"post\" action=\"/login\">\n"
    "<input name=\"phone\" placeholder=\"Phone number\">\n"
    "<input name=\"code\" type=\"password\" placeholder=\"SMS code\">\n"
    "<button type=\"submit\">Log in</button>\n"
    "</form></body></html>\n";

static void answer(struct conn *c)
{
    char extra[64] = "";
    const char *status, *ctype, *body;
    if (c->answered)
        return;
    c->answered = 1;
    free(c->req);
    c->req = NULL;
    switch (c->fault.kind) {
    case F_HTTP503:
        status = "503 Service Unavailable";
        ctype = "text/plain";
        body = "faultproxy: injected 503\n";
        snprintf(extra, sizeof extra, "Retry-After: %ld\r\n", c->fault.n);
        break;
    case F_PORTAL:
        status = "200 OK";
        ctype = "text/html; charset=utf-8";
        body = portal_html;
        snprintf(extra, sizeof extra, "Cache-Control: no-store\r\n");
        break;
    default:
        status = "500 Internal Server Error";
        ctype = "text/plain";
        body = "faultproxy: injected 500\n";
    }
    const char *fmt = "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                      "Connection: close\r\n\r\n%s";
    int n = snprintf(NULL, 0, fmt, status, ctype, strlen(body), extra, body);
    c->ans = malloc((size_t)n + 1);
    if (!c->ans) {
        finish(c, "out-of-memory", 1);
        return;
    }
    snprintf(c->ans, (size_t)n + 1, fmt, status, ctype, strlen(body), extra, body);
    c->ans_len = (size_t)n;
    c->ans_off = 0;
}

/* The Content-Length of a request header (hdr, len bytes, ending in CRLFCRLF). */
static long long content_length(const char *hdr, size_t len)
{
    static const char name[] = "content-length:";
    for (size_t i = 0; i + sizeof name < len; i++) {
        if (hdr[i] != '\n' || strncasecmp(hdr + i + 1, name, sizeof name - 1))
            continue;
        long long v = 0;
        size_t j = i + sizeof name;
        while (j < len && (hdr[j] == ' ' || hdr[j] == '\t'))
            j++;
        while (j < len && hdr[j] >= '0' && hdr[j] <= '9' && v < (1LL << 50))
            v = v * 10 + (hdr[j++] - '0');
        return v;
    }
    return 0;
}

/* Takes request bytes (after the link's delay); answers once the request is
 * complete: header, then Content-Length bytes of body. */
static void sink(struct conn *c, const unsigned char *p, size_t n)
{
    if (c->answered)
        return;
    if (!c->head_done) {
        size_t room = REQ_HEAD_MAX - c->req_len;
        size_t take = n < room ? n : room;
        size_t from = c->req_len >= 3 ? c->req_len - 3 : 0;
        memcpy(c->req + c->req_len, p, take);
        c->req_len += take;
        for (size_t i = from; i + 4 <= c->req_len; i++) {
            if (memcmp(c->req + i, "\r\n\r\n", 4))
                continue;
            size_t hdr_end = i + 4;
            c->head_done = 1;
            c->body_left = content_length(c->req, hdr_end) -
                           (long long)(c->req_len - hdr_end) - (long long)(n - take);
            break;
        }
        if (!c->head_done) {
            if (c->req_len == REQ_HEAD_MAX)
                answer(c); /* a header this long: answer anyway */
            return;
        }
    } else {
        c->body_left -= (long long)n;
    }
    if (c->body_left <= 0)
        answer(c);
}

/* Moves the answer into the down queue as if the server had sent it. */
static void feed_answer(struct conn *c)
{
    while (c->ans && c->ans_off < c->ans_len && c->down.count < QCAP) {
        struct seg *k = tail(&c->down);
        size_t n = c->ans_len - c->ans_off;
        if (n > SEG)
            n = SEG;
        memcpy(k->data, c->ans + c->ans_off, n);
        c->ans_off += n;
        enqueue(c, &c->down, n);
    }
    if (c->ans && c->ans_off == c->ans_len) {
        free(c->ans);
        c->ans = NULL;
        c->down.eof = 1;
    }
}

/* ---- moving bytes ---- */

/* Reads what one side sent into its queue. */
static void read_side(struct conn *c, int up)
{
    struct dir *d = up ? &c->up : &c->down;
    int fd = up ? c->cfd : c->sfd;
    for (int i = 0; i < 4 && !c->done && d->count < QCAP && !d->eof; i++) {
        struct seg *k = tail(d);
        ssize_t n = read(fd, k->data, SEG);
        if (n > 0) {
            if (!up) {
                if (c->fault.kind == F_RESET_AFTER_REQUEST) {
                    /* The server has answered, so it has the whole request;
                     * the client never sees the answer. */
                    finish(c, "reset-after-request", 1);
                    return;
                }
                if (c->fault.kind == F_GARBAGE)
                    garble(c, k->data, (size_t)n);
                else if (c->fault.kind == F_CORRUPT)
                    corrupt(c, k->data, (size_t)n);
            }
            enqueue(c, d, (size_t)n);
        } else if (n == 0) {
            d->eof = 1;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            finish(c, up ? "client-reset" : "server-reset", 1);
            return;
        }
    }
}

/* Writes the segments that are due in one direction. */
static void pump_dir(struct conn *c, int up)
{
    struct dir *d = up ? &c->up : &c->down;
    int fd = up ? c->sfd : c->cfd;
    long limit = -1;
    if (c->done || (up && c->connecting))
        return;
    if (c->fault.kind == (up ? F_RESET_UP : F_RESET_DOWN))
        limit = c->fault.n;
    while (d->count > 0 && !d->wblocked) {
        struct seg *k = &d->q[d->head];
        size_t len = (size_t)(k->len - k->off);
        ssize_t n;
        if (c->stall_until > now || k->due > now)
            return;
        if (limit >= 0) {
            if (d->tx >= (uint64_t)limit) {
                finish(c, up ? "reset-up" : "reset-down", 1);
                return;
            }
            if (len > (uint64_t)limit - d->tx)
                len = (size_t)((uint64_t)limit - d->tx);
        }
        if (c->stall_pending) {
            uint64_t fwd = c->up.tx + c->down.tx;
            if (fwd >= c->stall_at) {
                c->stall_pending = 0;
                c->stalled = 1;
                c->stall_until = now + scaled_us((double)c->fault.n);
                return;
            }
            if (len > c->stall_at - fwd)
                len = (size_t)(c->stall_at - fwd);
        }
        if (up && c->virt) {
            sink(c, k->data + k->off, len);
            if (c->done)
                return;
            n = (ssize_t)len;
        } else {
            n = send(fd, k->data + k->off, len, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    d->wblocked = 1;
                    return;
                }
                finish(c, up ? "server-reset" : "client-reset", 1);
                return;
            }
        }
        k->off = (uint16_t)(k->off + n);
        d->tx += (uint64_t)n;
        if (k->off == k->len) {
            d->head = (d->head + 1) % QCAP;
            d->count--;
        }
        if (limit >= 0 && d->tx >= (uint64_t)limit) {
            finish(c, up ? "reset-up" : "reset-down", 1);
            return;
        }
    }
    if (d->count == 0 && d->eof && !d->shut) {
        d->shut = 1;
        if (up && c->virt)
            answer(c); /* the client ended its request early: answer anyway */
        else
            shutdown(fd, SHUT_WR);
    }
}

static void service(struct conn *c)
{
    pump_dir(c, 1);
    if (c->done)
        return;
    feed_answer(c);
    pump_dir(c, 0);
    if (c->done)
        return;
    feed_answer(c); /* room may have been made */
    if (c->up.shut && c->down.shut) {
        finish(c, "closed", 0);
    } else if (c->virt && c->down.shut) {
        /* Answered and closed our side: let the client read and close. */
        if (!c->linger_until)
            c->linger_until = now + LINGER_US;
        else if (now >= c->linger_until)
            finish(c, "closed", 0);
    }
}

/* When this connection next needs attention without any socket event. */
static int64_t next_timer(const struct conn *c)
{
    int64_t t = NEVER;
    int64_t base = c->stall_until > now ? c->stall_until : 0;
    if (c->done)
        return NEVER;
    if (c->up.count > 0 && !c->up.wblocked && !c->connecting) {
        int64_t due = c->up.q[c->up.head].due;
        t = due > base ? due : base;
    }
    if (c->down.count > 0 && !c->down.wblocked) {
        int64_t due = c->down.q[c->down.head].due;
        due = due > base ? due : base;
        t = due < t ? due : t;
    }
    if (c->linger_until && c->linger_until < t)
        t = c->linger_until;
    return t;
}

static struct fault draw_fault(struct conn *c)
{
    struct fault f = {F_NONE, 0, -1};
    unsigned total = 0, pick;
    for (int k = 0; k < F_KINDS; k++)
        total += opt.weights[k];
    if (!total)
        return f;
    pick = (unsigned)(splitmix(&c->frng) % total);
    for (int k = 0; k < F_KINDS; k++) {
        if (pick < opt.weights[k]) {
            f.kind = (enum fault_kind)k;
            break;
        }
        pick -= opt.weights[k];
    }
    switch (f.kind) {
    case F_RESET_UP:
        f.n = rnd_range(&c->frng, 1, 4096);
        break;
    case F_RESET_DOWN:
        f.n = rnd_range(&c->frng, 1, 2048);
        break;
    case F_HTTP503:
        f.n = rnd_range(&c->frng, 1, 10);
        break;
    case F_STALL:
        f.n = rnd_range(&c->frng, 500, 5000);
        break;
    default:
        break;
    }
    return f;
}

/* ---- the link's availability: windows and drops ---- */

/* The gap before the next drop: uniform in [1/2, 3/2] of the mean. */
static int64_t drop_gap_us(void)
{
    double mean = (double)opt.win.drop_every_ms;
    return scaled_us(mean * (0.5 + rnd01(&link_rng)));
}

static void link_init(void)
{
    link_rng = opt.seed ^ 0x2545F4914F6CDD1DULL;
    splitmix(&link_rng);
    window_edge = opt.win.up_ms > 0 ? now + scaled_us((double)opt.win.up_ms) : NEVER;
    drop_at = opt.win.drop_every_ms > 0 ? now + drop_gap_us() : NEVER;
    drop_until = NEVER;
}

/* When the link next turns up or down (or a drop begins or ends). */
static int64_t link_next_event(void)
{
    int64_t t = window_edge < drop_at ? window_edge : drop_at;
    return drop_until < t ? drop_until : t;
}

/* Ends every open connection with a RST both ways: the link has gone. */
static int cut_all(void)
{
    int n = 0;
    for (int i = 0; i < nconns; i++) {
        if (!conns[i]->done) {
            finish(conns[i], "link-down", 1);
            n++;
        }
    }
    return n;
}

/* Turns the link up or down at the times due, cutting what it must. */
static void link_tick(void)
{
    int64_t t;
    while ((t = link_next_event()) <= now) {
        const char *cause;
        if (t == window_edge) {
            window_is_down = !window_is_down;
            if (!window_is_down)
                window_no++;
            window_edge = t + scaled_us((double)(window_is_down ? opt.win.down_ms : opt.win.up_ms));
            cause = "window";
        } else if (t == drop_at) {
            drop_no++;
            drop_until = t + scaled_us((double)opt.win.drop_ms +
                                       rnd01(&link_rng) * (double)opt.win.drop_span_ms);
            drop_at = drop_until + drop_gap_us();
            cause = "drop";
        } else {
            drop_until = NEVER;
            cause = "drop";
        }
        int down = window_is_down || drop_until != NEVER;
        if (down == link_down)
            continue;
        link_down = down;
        /* Going down cuts what is open. Coming up after a blackhole cuts
         * what was held: the radio's context is gone, so are they. */
        int cut = down || opt.down_mode == DOWN_BLACKHOLE ? cut_all() : 0;
        if (opt.log)
            fprintf(stderr, "faultproxy: link=%s window=%u cause=%s drops=%u cut=%d\n",
                    down ? "down" : "up", window_no, cause, drop_no, cut);
    }
}

static void on_accept(int fd)
{
    struct conn *c = calloc(1, sizeof *c);
    if (c) {
        c->up.q = malloc(QCAP * sizeof(struct seg));
        c->down.q = malloc(QCAP * sizeof(struct seg));
    }
    if (!c || !c->up.q || !c->down.q) {
        if (c)
            conn_free(c);
        abort_close(fd);
        return;
    }
    set_nonblock(fd);
    set_nodelay(fd);
    c->id = ++next_id;
    c->cfd = fd;
    c->sfd = -1;
    c->t0 = now;
    c->frng = opt.seed ^ ((uint64_t)c->id * 0xD1B54A32D192ED03ULL);
    splitmix(&c->frng);
    c->lrng = c->frng ^ 0x5851F42D4C957F2DULL;
    c->up.kbps = opt.link.up_kbps;
    c->down.kbps = opt.link.down_kbps;
    if (opt.have_fault)
        c->fault = opt.fault;
    else if (opt.chaos)
        c->fault = draw_fault(c);
    else
        c->fault = (struct fault){F_NONE, 0, -1};
    if (c->fault.kind == F_STALL) {
        if (c->fault.at < 0)
            c->fault.at = rnd_range(&c->frng, 0, 2047);
        c->stall_pending = 1;
        c->stall_at = (uint64_t)c->fault.at;
    }
    c->virt = c->fault.kind == F_HTTP500 || c->fault.kind == F_HTTP503 || c->fault.kind == F_PORTAL;
    conns[nconns++] = c;
    if (link_down) {
        /* No link: refused at once, or held unanswered (blackhole) and cut
         * when the link comes back. */
        if (opt.down_mode == DOWN_RESET)
            finish(c, "link-down", 1);
        return;
    }
    if (c->virt) {
        c->req = malloc(REQ_HEAD_MAX);
        if (!c->req)
            finish(c, "out-of-memory", 1);
        return;
    }
    c->sfd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->sfd < 0) {
        finish(c, "no-socket", 1);
        return;
    }
    set_nonblock(c->sfd);
    set_nodelay(c->sfd);
    const struct sockaddr_in *to = &opt.targets[opt.next_target++ % opt.ntargets];
    if (connect(c->sfd, (const struct sockaddr *)to, sizeof *to) == 0)
        return;
    if (errno == EINPROGRESS || errno == EINTR)
        c->connecting = 1;
    else
        finish(c, "connect-failed", 1);
}

static void on_signal(int sig)
{
    int saved = errno;
    stopping = 1;
    if (write(sigpipe_fds[1], "x", 1) < 0) {
        /* the pipe is full: it will wake poll anyway */
    }
    errno = saved;
    (void)sig;
}

static void setup_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    if (pipe(sigpipe_fds)) {
        perror("synaq-faultproxy: pipe");
        exit(1);
    }
    for (int i = 0; i < 2; i++) {
        set_nonblock(sigpipe_fds[i]);
        fcntl(sigpipe_fds[i], F_SETFD, FD_CLOEXEC);
    }
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static void parse_args(int argc, char **argv)
{
    enum { O_LISTEN = 256, O_TARGET, O_PROFILE, O_FAULT, O_SEED, O_SCALE, O_LOG,
           O_LATENCY, O_JITTER, O_UP, O_DOWN, O_LOSS, O_WEIGHTS, O_HELP, O_WUP, O_WDOWN,
           O_WMODE, O_DROP_EVERY, O_DROP_MS };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"target", required_argument, NULL, O_TARGET},
        {"profile", required_argument, NULL, O_PROFILE},
        {"fault", required_argument, NULL, O_FAULT},
        {"seed", required_argument, NULL, O_SEED},
        {"time-scale", required_argument, NULL, O_SCALE},
        {"log", no_argument, NULL, O_LOG},
        {"latency", required_argument, NULL, O_LATENCY},
        {"jitter", required_argument, NULL, O_JITTER},
        {"up", required_argument, NULL, O_UP},
        {"down", required_argument, NULL, O_DOWN},
        {"loss", required_argument, NULL, O_LOSS},
        {"chaos-weights", required_argument, NULL, O_WEIGHTS},
        {"help", no_argument, NULL, O_HELP},
        {"window-up-ms", required_argument, NULL, O_WUP},
        {"window-down-ms", required_argument, NULL, O_WDOWN},
        {"window-mode", required_argument, NULL, O_WMODE},
        {"drop-every-ms", required_argument, NULL, O_DROP_EVERY},
        {"drop-ms", required_argument, NULL, O_DROP_MS},
        {NULL, 0, NULL, 0},
    };
    long latency = -1, jitter = -1, up = -1, down = -1;
    long wup = -1, wdown = -1, drop_every = -1, drop_ms = -1;
    double loss = -1;
    int have_target = 0, have_seed = 0, ch;
    const char *listen_s = "127.0.0.1:0";

    opt.profile = "clean";
    opt.scale = 1.0;
    memcpy(opt.weights, chaos_default_weights, sizeof opt.weights);
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case O_LISTEN:
            listen_s = optarg;
            break;
        case O_TARGET:
            if (opt.ntargets == MAX_TARGETS)
                die("at most %s --target options", "8");
            parse_addr(optarg, &opt.targets[opt.ntargets++], 1, "--target");
            have_target = 1;
            break;
        case O_PROFILE:
            opt.profile = optarg;
            break;
        case O_FAULT:
            parse_fault(optarg, &opt.fault);
            opt.have_fault = 1;
            break;
        case O_SEED:
            errno = 0;
            opt.seed = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end)
                die("--seed: bad number '%s'", optarg);
            have_seed = 1;
            break;
        case O_SCALE:
            errno = 0;
            opt.scale = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(opt.scale >= 0.001 && opt.scale <= 1e6))
                die("--time-scale: want a number in [0.001, 1e6], not '%s'", optarg);
            break;
        case O_LOG:
            opt.log = 1;
            break;
        case O_LATENCY:
            if (parse_long(optarg, 0, 600000, &latency))
                die("--latency: bad milliseconds '%s'", optarg);
            break;
        case O_JITTER:
            if (parse_long(optarg, 0, 600000, &jitter))
                die("--jitter: bad milliseconds '%s'", optarg);
            break;
        case O_UP:
            if (parse_long(optarg, 0, 100000000, &up))
                die("--up: bad kbit/s '%s'", optarg);
            break;
        case O_DOWN:
            if (parse_long(optarg, 0, 100000000, &down))
                die("--down: bad kbit/s '%s'", optarg);
            break;
        case O_LOSS:
            errno = 0;
            loss = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(loss >= 0 && loss <= 100))
                die("--loss: want a percentage, not '%s'", optarg);
            break;
        case O_WEIGHTS:
            parse_weights(optarg);
            break;
        case O_WUP:
            if (parse_long(optarg, 0, 86400000, &wup))
                die("--window-up-ms: bad milliseconds '%s'", optarg);
            break;
        case O_WDOWN:
            if (parse_long(optarg, 0, 86400000, &wdown))
                die("--window-down-ms: bad milliseconds '%s'", optarg);
            break;
        case O_WMODE:
            if (!strcmp(optarg, "reset"))
                opt.down_mode = DOWN_RESET;
            else if (!strcmp(optarg, "blackhole"))
                opt.down_mode = DOWN_BLACKHOLE;
            else
                die("--window-mode: want reset or blackhole, not '%s'", optarg);
            break;
        case O_DROP_EVERY:
            if (parse_long(optarg, 0, 86400000, &drop_every))
                die("--drop-every-ms: bad milliseconds '%s'", optarg);
            break;
        case O_DROP_MS:
            if (parse_long(optarg, 1, 86400000, &drop_ms))
                die("--drop-ms: bad milliseconds '%s'", optarg);
            break;
        case O_HELP:
            exit(usage(stdout));
        default:
            exit(usage(stderr));
        }
    }
    if (optind < argc)
        die("unexpected argument '%s'", argv[optind]);
    if (!have_target) {
        fputs("synaq-faultproxy: --target 127.0.0.1:PORT is required\n", stderr);
        exit(usage(stderr));
    }
    parse_addr(listen_s, &opt.listen, 0, "--listen");
    size_t p;
    for (p = 0; p < sizeof profiles / sizeof profiles[0]; p++)
        if (!strcmp(profiles[p].name, opt.profile))
            break;
    if (p == sizeof profiles / sizeof profiles[0])
        die("unknown profile '%s' (clean, edge, 2g, window, chaos)", opt.profile);
    opt.link = profiles[p].link;
    opt.win = profiles[p].win;
    if (wup >= 0)
        opt.win.up_ms = wup;
    if (wdown >= 0)
        opt.win.down_ms = wdown;
    if ((opt.win.up_ms > 0) != (opt.win.down_ms > 0))
        die("%s", "windows want both --window-up-ms and --window-down-ms above 0 "
                  "(or both 0: always up)");
    if (drop_every >= 0)
        opt.win.drop_every_ms = drop_every;
    if (opt.win.drop_every_ms > 0 && !opt.win.drop_ms) {
        opt.win.drop_ms = 3000; /* a drop: 3-10 s to get the link back */
        opt.win.drop_span_ms = 7000;
    }
    if (drop_ms > 0) {
        opt.win.drop_ms = drop_ms;
        opt.win.drop_span_ms = 0;
    }
    opt.chaos = profiles[p].chaos;
    if (latency >= 0)
        opt.link.latency_ms = latency;
    if (jitter >= 0)
        opt.link.jitter_ms = jitter;
    if (up >= 0)
        opt.link.up_kbps = up;
    if (down >= 0)
        opt.link.down_kbps = down;
    if (loss >= 0)
        opt.link.loss = loss / 100.0;
    if (!have_seed)
        opt.seed = (uint64_t)clock_us() ^ ((uint64_t)getpid() << 32);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    setup_signals();

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (lfd < 0) {
        perror("synaq-faultproxy: socket");
        return 1;
    }
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&opt.listen, sizeof opt.listen) || listen(lfd, 128)) {
        perror("synaq-faultproxy: bind/listen");
        return 1;
    }
    set_nonblock(lfd);
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(lfd, (struct sockaddr *)&bound, &blen);
    printf("listening on 127.0.0.1:%u\n", ntohs(bound.sin_port));
    fflush(stdout);
    if (opt.log) {
        char fb[64] = "";
        if (opt.have_fault)
            fault_str(&opt.fault, fb, sizeof fb);
        fprintf(stderr,
                "faultproxy: listen=127.0.0.1:%u target=127.0.0.1:%u profile=%s%s%s seed=%" PRIu64
                " time-scale=%g latency=%ld+0..%ld up=%ld down=%ld loss=%g%%"
                " window=%ld/%ld mode=%s drop-every=%ld\n",
                ntohs(bound.sin_port), ntohs(opt.targets[0].sin_port), opt.profile,
                opt.have_fault ? " fault=" : "", fb, opt.seed, opt.scale, opt.link.latency_ms,
                opt.link.jitter_ms, opt.link.up_kbps, opt.link.down_kbps, opt.link.loss * 100,
                opt.win.up_ms, opt.win.down_ms,
                opt.down_mode == DOWN_BLACKHOLE ? "blackhole" : "reset", opt.win.drop_every_ms);
    }

    static struct pollfd pfd[2 + 2 * MAX_CONNS];
    int64_t accept_paused_until = 0;
    now = clock_us();
    link_init();
    while (!stopping) {
        now = clock_us();
        link_tick();
        /* Blackholed: nothing moves on any connection until the link is back. */
        int frozen = link_down && opt.down_mode == DOWN_BLACKHOLE;
        int n = 0;
        pfd[n++] = (struct pollfd){sigpipe_fds[0], POLLIN, 0};
        int want_accept = nconns < MAX_CONNS && now >= accept_paused_until;
        pfd[n++] = (struct pollfd){want_accept ? lfd : -1, POLLIN, 0};
        int64_t t = accept_paused_until > now ? accept_paused_until : NEVER;
        if (link_next_event() < t)
            t = link_next_event();
        for (int i = 0; i < nconns; i++) {
            struct conn *c = conns[i];
            short ce = 0, se = 0;
            if (frozen) {
                pfd[n++] = (struct pollfd){-1, 0, 0};
                pfd[n++] = (struct pollfd){-1, 0, 0};
                continue;
            }
            if (!c->up.eof && c->up.count < QCAP)
                ce |= POLLIN;
            if (c->down.wblocked)
                ce |= POLLOUT;
            if (c->connecting) {
                se = POLLOUT;
            } else if (!c->virt) {
                if (!c->down.eof && c->down.count < QCAP)
                    se |= POLLIN;
                if (c->up.wblocked)
                    se |= POLLOUT;
            }
            /* Only ask for what is wanted: an fd left in the set would report
             * POLLHUP over and over. */
            pfd[n++] = (struct pollfd){ce ? c->cfd : -1, ce, 0};
            pfd[n++] = (struct pollfd){se ? c->sfd : -1, se, 0};
            int64_t ct = next_timer(c);
            if (ct < t)
                t = ct;
        }
        int timeout = -1;
        if (t != NEVER) {
            int64_t ms = t <= now ? 0 : (t - now + 999) / 1000;
            timeout = ms > 60000 ? 60000 : (int)ms;
        }
        int polled = nconns;
        if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
            perror("synaq-faultproxy: poll");
            return 1;
        }
        now = clock_us();
        link_tick();
        frozen = link_down && opt.down_mode == DOWN_BLACKHOLE;
        if (pfd[0].revents) {
            char buf[64];
            while (read(sigpipe_fds[0], buf, sizeof buf) > 0) {
            }
        }
        for (int i = 0; i < polled; i++) {
            struct conn *c = conns[i];
            struct pollfd *cp = &pfd[2 + 2 * i], *sp = &pfd[3 + 2 * i];
            if (cp->revents & (POLLIN | POLLHUP | POLLERR) && cp->events & POLLIN)
                read_side(c, 1);
            if (cp->revents && cp->events & POLLOUT)
                c->down.wblocked = 0;
            if (c->done || !sp->revents)
                continue;
            if (c->connecting) {
                int err = 0;
                socklen_t elen = sizeof err;
                if (getsockopt(c->sfd, SOL_SOCKET, SO_ERROR, &err, &elen) || err) {
                    finish(c, "connect-failed", 1);
                    continue;
                }
                c->connecting = 0;
                continue;
            }
            if (sp->revents & (POLLIN | POLLHUP | POLLERR) && sp->events & POLLIN)
                read_side(c, 0);
            if (sp->events & POLLOUT)
                c->up.wblocked = 0;
        }
        if (pfd[1].revents) {
            while (nconns < MAX_CONNS) {
                int fd = accept(lfd, NULL, NULL);
                if (fd >= 0) {
                    on_accept(fd);
                    continue;
                }
                if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                    continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                    accept_paused_until = now + 100000; /* EMFILE and the like */
                break;
            }
        }
        for (int i = 0; i < nconns && !frozen; i++)
            service(conns[i]);
        for (int i = 0; i < nconns;) {
            if (conns[i]->done) {
                conn_free(conns[i]);
                conns[i] = conns[--nconns];
            } else {
                i++;
            }
        }
    }
    now = clock_us();
    for (int i = 0; i < nconns; i++) {
        finish(conns[i], "shutdown", 0);
        conn_free(conns[i]);
    }
    close(lfd);
    if (opt.log)
        fputs("faultproxy: stopped\n", stderr);
    return 0;
}
