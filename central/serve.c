/*
 * serve.c - the receiver (see serve.h and sync/PROTOCOL.md).
 *
 * Load: at 10^4 stations a few uploads a second, each a POST of tens of
 * kilobytes, over links that may be EDGE. So libmicrohttpd runs a small
 * pool of threads, each with its own epoll loop: a client dribbling bytes
 * costs one connection slot, never a thread, and the others go on being
 * served. Each body is bounded by --max-upload, checked against
 * Content-Length before a byte of it is read.
 *
 * Slots are what a slow client takes, so they are guarded (the "guard"
 * section below): a table of the open connections, kept from MHD's
 * connection notifications, and a reaper thread that once a second cuts
 * (shutdown) a connection whose request head is not complete within
 * --header-timeout seconds or whose body falls below --min-rate bytes a
 * second; idle connections go after --timeout. An address from which a
 * station proved its signature (a valid signed upload) in the last day is
 * "proven": its connections may use every slot, up to --max-per-ip of them
 * (a district office's stations behind one NAT address); other addresses
 * share all but --reserve slots, --max-per-new-ip each. A connection that
 * carried a valid upload is no longer held to the head deadline or the
 * minimum rate (only to the idle timeout and a second per KiB of body).
 * Log lines of clients that proved nothing are rate-limited per address
 * and overall; a summary line counts what was left out.
 *
 * The checks of an upload run in the order PROTOCOL.md gives, each failing
 * with nothing stored; the store commits durably before the 200 goes out.
 * The registry (a SQLite handle) is shared under a mutex; the result store
 * serialises its own writes.
 *
 * Signals: SIGTERM and SIGINT are blocked in every thread and taken by
 * sigwait() in the main thread, which then stops the daemon (no work in a
 * signal handler); SIGPIPE is ignored.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "cstore.h"
#include "registry.h"
#include "serve.h"
#include "synaq/batch.h"
#include "synaq/multi.h"
#include "synaq/result.h"

const char serve_usage[] =
    "  serve [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE] [--max-upload BYTES]\n"
    "        [--bundles DIR] [--threads N] [--max-conns N] [--reserve N] [--max-per-ip N]\n"
    "        [--max-per-new-ip N] [--timeout S] [--header-timeout S] [--min-rate BYTES]\n"
    "        [--db FILE|URL] [--heartbeats-kept N] [--heartbeat-days D] [--overflow N]\n"
    "        [--max-body-memory BYTES]\n"
    "                     run the receiver (sync/PROTOCOL.md) until SIGTERM; port 0 picks\n"
    "                     a free port; prints 'listening on HOST:PORT'. Defaults:\n"
    "                     127.0.0.1:8080, 1048576 bytes, 4 threads, 512 connections of\n"
    "                     which a quarter (--reserve) only for addresses a station proved\n"
    "                     its signature from in the last day, 64 per such address, 16 per\n"
    "                     other address (0: no limit), 30 s idle timeout, 10 s for a\n"
    "                     request head, then 500 bytes/s for a body (0: no minimum).\n"
    "                     Bundles: DIR/all/*.sqb for every station, DIR/ID/*.sqb for\n"
    "                     station ID. --db: the result store (as for every command).\n"
    "                     Past the connection limits, up to --overflow more connections\n"
    "                     (default: as many as --max-conns) are answered 503 with\n"
    "                     Retry-After; so are uploads past --max-body-memory (64 MiB)\n"
    "                     of bodies held at once.\n"
    "                     Heartbeat history kept per station: the newest 100\n"
    "                     (--heartbeats-kept), then the first of each day for 366 days\n"
    "                     (--heartbeat-days)\n";

#define BUNDLE_NAME_MAX 200
#define HASH_CACHE 1024

typedef struct {
    const char *listen;
    const char *tls_cert, *tls_key;
    const char *bundles;
    size_t max_upload_bytes;
    unsigned threads, max_conns, max_per_ip, timeout_s;
    unsigned reserve, max_per_new_ip, header_timeout_s, min_rate_bytes;
    unsigned overflow;            /* connections past the limits, answered 503 */
    size_t max_body_memory_bytes; /* upload bodies held at once */
} serve_config;

/* How long an address stays proven after a valid upload from it: stations
 * sync every few minutes, and a day covers a night switched off. */
#define PROVEN_TTL_MS (24LL * 3600 * 1000)
/* Proven addresses remembered, direct-mapped by a keyed hash: a station
 * whose entry another takes over falls back to the pool of unknown
 * addresses until its next upload, never out. Only a valid signature puts
 * an address here, so no outsider can push stations out. */
#define PROVEN_SLOTS 65536
/* Log lines of clients that proved nothing: per address a burst of 10,
 * then one a second; overall a burst of 100, then 10 a second. */
#define LOG_ADDR_BURST 10.0
#define LOG_ADDR_PER_S 1.0
#define LOG_ALL_BURST 100.0
#define LOG_ALL_PER_S 10.0
#define LOG_BUCKETS 4096
/* Suppressed lines are counted in one summary line at most this often. */
#define LOG_SUMMARY_MS 10000
/* The reaper's tick: deadlines are kept to within a second. */
#define REAP_TICK_MS 1000
/* Retry-After of an overload answer: at least this, plus up to as much
 * again at random, so that the stations turned away do not all come back
 * in the same second. */
#define OVERLOAD_RETRY_S 15

/* An address as the limits see it: IPv4, or an IPv6 /64 (one subscriber's
 * prefix, which hands out addresses by the billion). */
typedef struct {
    uint8_t family; /* 4, 6; 0: none */
    uint8_t b[8];
} addr_key;

/* One open connection, from MHD's STARTED notification to its CLOSED one. */
typedef struct conn {
    bool used;
    bool pool_proven; /* counted in the proven pool, else in the unknown one */
    bool proven;      /* carried a valid signed upload */
    bool in_request;  /* its request head is complete, the answer not sent */
    bool cut;         /* shut down by the reaper */
    bool overflow;    /* past the limits: its request is answered 503 and it closes */
    int fd;
    addr_key key;
    char peer[64];
    int64_t wait_ms; /* since when a request head is awaited */
    int64_t body_ms; /* when the head was complete */
    size_t body_bytes, expect;
    struct conn *next_free;
} conn;

/* Connections open per address (linear probing, deleted by backward
 * shift; twice as many slots as connections keeps probes short). */
typedef struct {
    addr_key key;
    unsigned n;
} addr_count;

typedef struct {
    addr_key key;
    int64_t last_ms;
} proven_entry;

typedef struct {
    addr_key key;
    double tokens;
    int64_t last_ms;
} log_bucket;

typedef struct {
    pthread_mutex_t mu; /* everything below */
    conn *conns, *free_list;
    size_t n_conns;
    unsigned n_open,
        n_unknown;       /* connections open within the limits; of them in the unknown pool */
    unsigned n_overflow; /* connections open past the limits */
    addr_count *counts;
    size_t counts_cap; /* a power of two */
    proven_entry *proven;
    uint8_t hash_key[crypto_shorthash_KEYBYTES];
    unsigned long long cut_heads, cut_bodies, refused, busy_memory, dropped;
    pthread_t reaper;
    bool reaper_running, stopping;
    pthread_cond_t wake;
} guard;

typedef struct {
    pthread_mutex_t mu;
    log_bucket *buckets;
    uint8_t hash_key[crypto_shorthash_KEYBYTES];
    double all_tokens;
    int64_t all_last_ms, summary_ms;
    unsigned long long suppressed;
} log_limiter;

/* The SHA-256 of a bundle file, remembered while the file is unchanged. */
typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    bool used;
    uint8_t sha[32];
} hash_entry;

typedef struct {
    serve_config cfg;
    sq_central_keys *keys; /* the ack key only (and central.pub) */
    guard g;
    registry *reg;
    pthread_mutex_t reg_mu;
    cstore *cs;
    size_t body_bytes; /* upload bodies being held now (under g.mu) */
    int bundles_fd; /* -1: no bundles served */
    pthread_mutex_t hash_mu;
    hash_entry hashes[HASH_CACHE];
} server;

enum route { R_NONE, R_UPLOAD };

/* One request, from its first call to the completion callback. */
typedef struct {
    int route;
    bool answered;    /* a response is queued */
    bool proven;      /* the upload's signature checked */
    bool close_after; /* the answer closes the connection */
    conn *cn;         /* the connection's entry in the guard's table; NULL: none */
    int64_t started_ms;
    uint8_t *body;
    size_t len, cap, expect;
    size_t reserved; /* of the server's body memory, given back at completion */
    /* Turned away (503) once its body has been read and dropped: a client
     * still sending would otherwise meet a closed connection (a reset or
     * a broken pipe) before it reads the answer. */
    bool busy;
    char busy_why[200];
    /* For the log line. */
    char method[8];
    char station[SQ_STATION_ID_MAX + 1];
    char batch[33];
    long n_results;
    char note[600];
} req;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void vlogf_(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void vlogf_(const char *fmt, va_list ap)
{
    char line[1024], stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    vsnprintf(line, sizeof line, fmt, ap);
    /* Paths and station ids come from clients: no control characters (a
     * "%0A" in a URL would otherwise forge a log line). */
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    /* One fprintf per line: stdio's lock keeps lines of threads whole. */
    fprintf(stderr, "%s synaq-central serve: %s\n", stamp, line);
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlogf_(fmt, ap);
    va_end(ap);
}

/* ---- rate-limited logging ---- */

/* One receiver a process: the limiter is the process's. */
static log_limiter lim = {.mu = PTHREAD_MUTEX_INITIALIZER};

static uint64_t key_hash(const uint8_t hk[crypto_shorthash_KEYBYTES], const addr_key *k)
{
    uint8_t h[crypto_shorthash_BYTES];
    uint64_t v;
    crypto_shorthash(h, (const uint8_t *)k, sizeof *k, hk);
    memcpy(&v, h, sizeof v);
    return v;
}

static bool key_eq(const addr_key *a, const addr_key *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static double refill(double tokens, int64_t elapsed_ms, double per_s, double burst)
{
    tokens += (double)elapsed_ms * per_s / 1000.0;
    return tokens > burst ? burst : tokens;
}

/* Whether a line of a client that proved nothing (k: its address; NULL
 * for none known) may be written now: token buckets per address and
 * overall. A line left out is counted for the summary. An address that
 * takes over another's bucket (they share a slot) starts with a full one;
 * the overall bucket bounds what that can win. */
static bool log_allowed(const addr_key *k)
{
    int64_t t = now_ms();
    bool ok = true;
    pthread_mutex_lock(&lim.mu);
    log_bucket *b = NULL;
    if (lim.buckets && k && k->family) {
        b = &lim.buckets[key_hash(lim.hash_key, k) % LOG_BUCKETS];
        if (!key_eq(&b->key, k)) {
            b->key = *k;
            b->tokens = LOG_ADDR_BURST;
            b->last_ms = t;
        }
        b->tokens = refill(b->tokens, t - b->last_ms, LOG_ADDR_PER_S, LOG_ADDR_BURST);
        b->last_ms = t;
        ok = b->tokens >= 1.0;
    }
    lim.all_tokens = refill(lim.all_tokens, t - lim.all_last_ms, LOG_ALL_PER_S, LOG_ALL_BURST);
    lim.all_last_ms = t;
    ok = ok && lim.all_tokens >= 1.0;
    if (ok) {
        lim.all_tokens -= 1.0;
        if (b)
            b->tokens -= 1.0;
    } else {
        lim.suppressed++;
    }
    pthread_mutex_unlock(&lim.mu);
    return ok;
}

/* A line caused by a client: written at once when it proved a station
 * signature, else only as the rate limits allow. */
static void logf_from(const addr_key *k, bool proven, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_from(const addr_key *k, bool proven, const char *fmt, ...)
{
    if (!proven && !log_allowed(k))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlogf_(fmt, ap);
    va_end(ap);
}

/* The count of lines left out since the last summary, at most every
 * LOG_SUMMARY_MS unless forced (at stop). */
static void log_summary(bool force)
{
    int64_t t = now_ms();
    unsigned long long n = 0;
    int64_t since_ms = 0;
    pthread_mutex_lock(&lim.mu);
    if (lim.suppressed && (force || t - lim.summary_ms >= LOG_SUMMARY_MS)) {
        n = lim.suppressed;
        since_ms = t - lim.summary_ms;
        lim.suppressed = 0;
        lim.summary_ms = t;
    }
    pthread_mutex_unlock(&lim.mu);
    if (n)
        logf_("%llu log lines of clients that proved no station signature left out in the last "
              "%lld s (rate limit: %g a second per address, %g overall)",
              n, (long long)(since_ms / 1000), LOG_ADDR_PER_S, LOG_ALL_PER_S);
}

/* libmicrohttpd's own lines are about requests nobody proved yet (bad
 * heads, closed connections): the overall limit. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (!log_allowed(NULL))
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = 0;
    logf_("httpd: %s", line);
}

static void addr_text(const struct sockaddr *sa, char *out, size_t cap)
{
    snprintf(out, cap, "?");
    if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
        return;
    socklen_t len =
        sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (getnameinfo(sa, len, out, (socklen_t)cap, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(out, cap, "?");
}

static const struct sockaddr *client_addr(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return ci ? ci->client_addr : NULL;
}

static void peer_of(struct MHD_Connection *c, char *out, size_t cap)
{
    addr_text(client_addr(c), out, cap);
}

/* The limits' view of an address: IPv4 (also when mapped into IPv6), or
 * the /64 of an IPv6 address. */
static addr_key key_of(const struct sockaddr *sa)
{
    addr_key k;
    memset(&k, 0, sizeof k);
    if (sa && sa->sa_family == AF_INET) {
        k.family = 4;
        memcpy(k.b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            k.family = 4;
            memcpy(k.b, a->s6_addr + 12, 4);
        } else {
            k.family = 6;
            memcpy(k.b, a->s6_addr, 8);
        }
    }
    return k;
}

/* ---- the guard: slots, deadlines, proven addresses ---- */

/* The count slot of k: its own, or the empty one where it would go. */
static addr_count *count_slot(guard *g, const addr_key *k)
{
    size_t mask = g->counts_cap - 1, i = (size_t)key_hash(g->hash_key, k) & mask;
    while (g->counts[i].n && !key_eq(&g->counts[i].key, k))
        i = (i + 1) & mask;
    return &g->counts[i];
}

static void count_add(guard *g, const addr_key *k)
{
    addr_count *c = count_slot(g, k);
    if (!c->n)
        c->key = *k;
    c->n++;
}

/* One fewer from k; an entry reaching 0 is deleted by shifting back the
 * entries after it that probed past it, so no look-up stops short. */
static void count_del(guard *g, const addr_key *k)
{
    addr_count *c = count_slot(g, k);
    if (!c->n || --c->n)
        return;
    size_t mask = g->counts_cap - 1, i = (size_t)(c - g->counts), j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!g->counts[j].n)
            break;
        size_t home = (size_t)key_hash(g->hash_key, &g->counts[j].key) & mask;
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            g->counts[i] = g->counts[j];
            g->counts[j].n = 0;
            i = j;
        }
    }
}

static proven_entry *proven_slot(guard *g, const addr_key *k)
{
    return &g->proven[key_hash(g->hash_key, k) & (PROVEN_SLOTS - 1)];
}

static bool proven_has(guard *g, const addr_key *k, int64_t t)
{
    proven_entry *p = proven_slot(g, k);
    return k->family && key_eq(&p->key, k) && t - p->last_ms < PROVEN_TTL_MS;
}

/* Whether k proved a station signature recently (for the log's limits). */
static bool guard_addr_proven(guard *g, const addr_key *k)
{
    pthread_mutex_lock(&g->mu);
    bool p = proven_has(g, k, now_ms());
    pthread_mutex_unlock(&g->mu);
    return p;
}

/* Whether a new connection from k fits its address's pool (called under
 * the guard's mutex when it starts). The counts are those of connections
 * within the limits. */
static bool within_limits(const serve_config *cfg, guard *g, const addr_key *k, bool proven,
                          unsigned *here)
{
    *here = 0;
    if (k->family)
        *here = count_slot(g, k)->n;
    return proven ? g->n_open < cfg->max_conns && (!cfg->max_per_ip || *here < cfg->max_per_ip)
                  : g->n_unknown < cfg->max_conns - cfg->reserve &&
                        (!cfg->max_per_new_ip || *here < cfg->max_per_new_ip);
}

/* MHD's accept policy. A connection within its address's pool is let
 * in; so is one past the limits while an overflow slot is free: it is
 * answered 503 with Retry-After (on_request) rather than closed unheard,
 * which a station could not tell from a network fault. Only when the
 * overflow slots are all taken too (a flood; each turns over within
 * seconds) is a connection closed at once, as the last resort: left in
 * the listen backlog, it would queue stations behind the flood. The
 * counts are those of connections MHD reported started; a few accepted
 * at the same moment on other threads may overshoot by one each, which
 * MHD's own total limit (--max-conns and --overflow) still bounds. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
    server *sv = cls;
    guard *g = &sv->g;
    (void)len;
    addr_key k = key_of(sa);
    unsigned here = 0;
    pthread_mutex_lock(&g->mu);
    bool ok = within_limits(&sv->cfg, g, &k, proven_has(g, &k, now_ms()), &here) ||
              g->n_overflow < sv->cfg.overflow;
    unsigned overflow = g->n_overflow;
    if (!ok)
        g->dropped++;
    pthread_mutex_unlock(&g->mu);
    if (!ok) {
        char peer[64];
        addr_text(sa, peer, sizeof peer);
        logf_from(&k, false,
                  "%s: connection closed unanswered: past the limits, and all %u overflow slots "
                  "taken",
                  peer, overflow);
    }
    return ok ? MHD_YES : MHD_NO;
}

/* MHD's connection notifications keep the table. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    server *sv = cls;
    guard *g = &sv->g;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fdi =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const struct sockaddr *sa = client_addr(c);
        addr_key k = key_of(sa);
        char peer[64];
        addr_text(sa, peer, sizeof peer);
        int64_t t = now_ms();
        pthread_mutex_lock(&g->mu);
        conn *cn = fdi ? g->free_list : NULL;
        bool over = false, proven = false;
        unsigned here = 0, open = 0, unknown = 0;
        if (cn) {
            g->free_list = cn->next_free;
            memset(cn, 0, sizeof *cn);
            cn->used = true;
            cn->fd = fdi->connect_fd;
            cn->key = k;
            memcpy(cn->peer, peer, sizeof cn->peer);
            cn->wait_ms = t;
            proven = proven_has(g, &k, t);
            over = !within_limits(&sv->cfg, g, &k, proven, &here);
            open = g->n_open;
            unknown = g->n_unknown;
            if (over) {
                cn->overflow = true;
                g->n_overflow++;
                g->refused++;
            } else {
                cn->pool_proven = proven;
                g->n_open++;
                if (!cn->pool_proven)
                    g->n_unknown++;
                if (k.family)
                    count_add(g, &k);
            }
        }
        pthread_mutex_unlock(&g->mu);
        *socket_context = cn;
        if (over)
            logf_from(&k, false,
                      "%s: connection past the limits (answered 503): %u open from this %s "
                      "address, %u of %u slots taken (%u of %u for unknown addresses)",
                      peer, here, proven ? "proven" : "unknown", open, sv->cfg.max_conns, unknown,
                      sv->cfg.max_conns - sv->cfg.reserve);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn *cn = *socket_context;
        if (!cn)
            return;
        /* libmicrohttpd notifies CLOSED before it closes the socket
         * (0.9.75, MHD_cleanup_connections in daemon.c: the callback, then
         * MHD_socket_close_chk_; seen here too: getsockname() on the fd
         * still succeeds in this callback). The entry leaves the table under
         * the mutex that the reaper holds while it calls shutdown(), so
         * the reaper never shuts down a number that was closed and given
         * to another connection or file. */
        pthread_mutex_lock(&g->mu);
        if (cn->overflow) {
            g->n_overflow--;
        } else {
            g->n_open--;
            if (!cn->pool_proven)
                g->n_unknown--;
            if (cn->key.family)
                count_del(g, &cn->key);
        }
        cn->used = false;
        cn->next_free = g->free_list;
        g->free_list = cn;
        pthread_mutex_unlock(&g->mu);
        *socket_context = NULL;
    }
}

/* A request head is complete on cn: the head deadline stops, the body's
 * clock starts. */
static void guard_head_done(guard *g, conn *cn)
{
    if (!cn)
        return;
    pthread_mutex_lock(&g->mu);
    cn->in_request = true;
    cn->body_ms = now_ms();
    cn->body_bytes = 0;
    cn->expect = 0;
    pthread_mutex_unlock(&g->mu);
}

static void guard_body(guard *g, conn *cn, size_t received, size_t expect)
{
    if (!cn)
        return;
    pthread_mutex_lock(&g->mu);
    cn->body_bytes = received;
    cn->expect = expect;
    pthread_mutex_unlock(&g->mu);
}

/* The request is over: the next head is awaited from now. */
static void guard_request_done(guard *g, conn *cn)
{
    if (!cn)
        return;
    pthread_mutex_lock(&g->mu);
    cn->in_request = false;
    cn->wait_ms = now_ms();
    cn->body_bytes = cn->expect = 0;
    pthread_mutex_unlock(&g->mu);
}

/* A valid signed upload came on cn from address k: the connection leaves
 * the deadlines and the pool of unknown addresses, the address is proven. */
static void guard_proven(guard *g, conn *cn, const addr_key *k)
{
    pthread_mutex_lock(&g->mu);
    if (cn) {
        cn->proven = true;
        if (!cn->pool_proven) {
            cn->pool_proven = true;
            g->n_unknown--;
        }
    }
    if (k->family) {
        proven_entry *p = proven_slot(g, k);
        p->key = *k;
        p->last_ms = now_ms();
    }
    pthread_mutex_unlock(&g->mu);
}

typedef struct {
    char peer[64];
    char why[200];
    addr_key key;
    bool proven;
} cut_note;

/* Why cn is to be cut now, or false. Called under the guard's mutex. */
static bool overdue(const serve_config *cfg, guard *g, const conn *cn, int64_t t, char *why,
                    size_t cap)
{
    int64_t head_ms = (int64_t)cfg->header_timeout_s * 1000;
    if (!cn->in_request && !cn->proven && t - cn->wait_ms > head_ms) {
        snprintf(why, cap, "no complete request head within %u s", cfg->header_timeout_s);
        g->cut_heads++;
        return true;
    }
    if (!cn->in_request || cn->body_bytes >= cn->expect)
        return false;
    int64_t body_ms = t - cn->body_ms;
    if (!cn->proven) {
        /* After a grace as long as the head's, the body must keep up the
         * minimum rate on average: a station on 2G sends 2 KB/s and more. */
        if (!cfg->min_rate_bytes || body_ms <= head_ms)
            return false;
        uint64_t due = (uint64_t)(body_ms - head_ms) * cfg->min_rate_bytes / 1000;
        if (cn->body_bytes >= due)
            return false;
        snprintf(why, cap,
                 "body at %lld bytes/s (%zu of %zu bytes in %lld s), below the minimum of %u "
                 "bytes/s",
                 (long long)(cn->body_bytes * 1000 / (uint64_t)body_ms), cn->body_bytes, cn->expect,
                 (long long)(body_ms / 1000), cfg->min_rate_bytes);
        g->cut_bodies++;
        return true;
    }
    /* A station that proved itself on this connection gets the idle
     * timeout plus a second per KiB of its body. */
    int64_t allowed_ms = (int64_t)cfg->timeout_s * 1000 + (int64_t)(cn->expect / 1024) * 1000;
    if (body_ms <= allowed_ms)
        return false;
    snprintf(why, cap, "body not complete after %lld s (%zu of %zu bytes)",
             (long long)(body_ms / 1000), cn->body_bytes, cn->expect);
    g->cut_bodies++;
    return true;
}

/* Once a tick: cuts what is overdue, then writes the log lines (outside
 * the mutex) and the summary of lines left out. */
static void *reaper_main(void *arg)
{
    server *sv = arg;
    guard *g = &sv->g;
    cut_note notes[32];
    pthread_mutex_lock(&g->mu);
    while (!g->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += REAP_TICK_MS / 1000;
        pthread_cond_timedwait(&g->wake, &g->mu, &ts);
        if (g->stopping)
            break;
        int64_t t = now_ms();
        size_t n_notes = 0;
        for (size_t i = 0; i < g->n_conns; i++) {
            conn *cn = &g->conns[i];
            char why[200];
            if (!cn->used || cn->cut || !overdue(&sv->cfg, g, cn, t, why, sizeof why))
                continue;
            /* shutdown, not close: the descriptor stays libmicrohttpd's,
             * which sees the connection end in its own thread and closes
             * and notifies as for any client gone away. */
            shutdown(cn->fd, SHUT_RDWR);
            cn->cut = true;
            if (n_notes < sizeof notes / sizeof *notes) {
                cut_note *nt = &notes[n_notes++];
                memcpy(nt->peer, cn->peer, sizeof nt->peer);
                memcpy(nt->why, why, sizeof nt->why);
                nt->key = cn->key;
                nt->proven = cn->proven;
            }
        }
        pthread_mutex_unlock(&g->mu);
        for (size_t i = 0; i < n_notes; i++)
            logf_from(&notes[i].key, notes[i].proven, "%s: connection cut: %s", notes[i].peer,
                      notes[i].why);
        log_summary(false);
        pthread_mutex_lock(&g->mu);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

static int guard_init(guard *g, const serve_config *cfg)
{
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->wake, &ca);
    pthread_condattr_destroy(&ca);
    randombytes_buf(g->hash_key, sizeof g->hash_key);
    g->n_conns = (size_t)cfg->max_conns + cfg->overflow;
    g->counts_cap = 1;
    while (g->counts_cap < 2 * g->n_conns)
        g->counts_cap *= 2;
    g->conns = calloc(g->n_conns, sizeof *g->conns);
    g->counts = calloc(g->counts_cap, sizeof *g->counts);
    g->proven = calloc(PROVEN_SLOTS, sizeof *g->proven);
    if (!g->conns || !g->counts || !g->proven)
        return -1;
    for (size_t i = g->n_conns; i-- > 0;) {
        g->conns[i].next_free = g->free_list;
        g->free_list = &g->conns[i];
    }
    pthread_mutex_lock(&lim.mu);
    randombytes_buf(lim.hash_key, sizeof lim.hash_key);
    lim.buckets = calloc(LOG_BUCKETS, sizeof *lim.buckets);
    lim.all_tokens = LOG_ALL_BURST;
    lim.all_last_ms = lim.summary_ms = now_ms();
    pthread_mutex_unlock(&lim.mu);
    return lim.buckets ? 0 : -1;
}

static void guard_stop(guard *g)
{
    if (!g->reaper_running)
        return;
    pthread_mutex_lock(&g->mu);
    g->stopping = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->reaper, NULL);
    g->reaper_running = false;
}

static void guard_free(guard *g)
{
    free(g->conns);
    free(g->counts);
    free(g->proven);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->wake);
    pthread_mutex_lock(&lim.mu);
    free(lim.buckets);
    lim.buckets = NULL;
    pthread_mutex_unlock(&lim.mu);
}

/* Queues resp (and drops our reference to it) and writes the request's log
 * line. */
static enum MHD_Result respond(server *sv, struct MHD_Connection *c, req *r, const char *url,
                               unsigned status, struct MHD_Response *resp)
{
    char peer[64];
    peer_of(c, peer, sizeof peer);
    if (!resp) {
        logf_("%s %s %s: out of memory for the answer", peer, r->method, url);
        return MHD_NO;
    }
    r->answered = true;
    /* A request whose framing is in doubt ends its connection: what
     * follows it on the wire cannot be trusted to be a request. */
    if (r->close_after)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    char extra[256] = "";
    if (r->route == R_UPLOAD)
        snprintf(extra, sizeof extra, " station=%s batch=%s results=%ld",
                 r->station[0] ? r->station : "-", r->batch[0] ? r->batch : "-", r->n_results);
    else if (r->station[0])
        snprintf(extra, sizeof extra, " station=%s", r->station);
    addr_key k = key_of(client_addr(c));
    bool proven = r->proven || (r->cn && r->cn->proven) || guard_addr_proven(&sv->g, &k);
    logf_from(&k, proven, "%s %s %s %u%s %lldms%s%s", peer, r->method, url, status, extra,
              (long long)(now_ms() - r->started_ms), r->note[0] ? ": " : "", r->note);
    return ok;
}

static struct MHD_Response *json_response(json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return NULL;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return resp;
}

static enum MHD_Result answer_json(server *sv, struct MHD_Connection *c, req *r, const char *url,
                                   unsigned status, json_t *j)
{
    return respond(sv, c, r, url, status, json_response(j));
}

/* An error answer: {"error": message}; the message also goes to the log. */
static enum MHD_Result answer_error(server *sv, struct MHD_Connection *c, req *r, const char *url,
                                    unsigned status, const char *allow, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static enum MHD_Result answer_error(server *sv, struct MHD_Connection *c, req *r, const char *url,
                                    unsigned status, const char *allow, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->note, sizeof r->note, fmt, ap);
    va_end(ap);
    json_t *j = json_pack("{s:s}", "error", r->note);
    if (!j) /* not UTF-8 (a message cut in the middle of a letter) */
        j = json_pack("{s:s}", "error", "request refused; see the receiver's log");
    struct MHD_Response *resp = json_response(j);
    if (resp && allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (resp && status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "30");
    return respond(sv, c, r, url, status, resp);
}

/* The receiver is past a limit (connections, or memory for bodies): 503
 * with a Retry-After a little different for each. A connection past the
 * limits closes after it (close_after, set by the caller). */
static enum MHD_Result answer_overload(server *sv, struct MHD_Connection *c, req *r,
                                       const char *url, const char *why)
{
    snprintf(r->note, sizeof r->note, "%s", why);
    char retry[16];
    snprintf(retry, sizeof retry, "%u",
             OVERLOAD_RETRY_S + randombytes_uniform(OVERLOAD_RETRY_S + 1));
    struct MHD_Response *resp = json_response(
        json_pack("{s:s}", "error", "central is busy; try again after Retry-After seconds"));
    if (resp)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    return respond(sv, c, r, url, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
}

/* A store or registry failure: the log gets what failed (e.msg names the
 * database and the server's words), the client only that it should come
 * back: a station needs no more, and no one else should learn where
 * central keeps its data. 503 (with Retry-After) when trying again later
 * may work: the store full, busy, out of memory or out of reach. */
static enum MHD_Result answer_store_error(server *sv, struct MHD_Connection *c, req *r,
                                          const char *url, sq_status st, const sq_err *e)
{
    bool later = st == SQ_EFULL || st == SQ_EBUSY || st == SQ_ENOMEM || st == SQ_ENET;
    snprintf(r->note, sizeof r->note, "%s", e->msg);
    struct MHD_Response *resp = json_response(json_pack(
        "{s:s}", "error",
        later ? "central cannot store or read now; try again later"
              : "central failed to store or read; its log says why"));
    if (resp && later)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "30");
    return respond(sv, c, r, url,
                   later ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR, resp);
}

/* What the bundles folder serves: exam bundles (/v1/bundles, NAME.sqb)
 * and signed software updates (/v1/updates, NAME.squ; README.md,
 * "Updating stations"), listed and downloaded the same way. */
typedef struct {
    const char *suffix, *path, *key;
} served_kind;
static const served_kind KIND_BUNDLES = {".sqb", "/v1/bundles", "bundles"};
static const served_kind KIND_UPDATES = {".squ", "/v1/updates", "updates"};

static bool valid_served_name(const char *s, const served_kind *k)
{
    size_t n = strlen(s);
    if (n < 5 || n > BUNDLE_NAME_MAX || s[0] == '.' || strcmp(s + n - 4, k->suffix) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
            return false;
    return true;
}

/* ---- POST /v1/upload ---- */

/* The most a batch of one upload may inflate to: its upload's cap and a
 * quarter more (central/README.md, "The receiver's limits"). */
static size_t batch_plain_cap(const serve_config *cfg)
{
    size_t cap = cfg->max_upload_bytes + cfg->max_upload_bytes / 4;
    return cap < SQ_BATCH_MAX_PLAIN ? cap : SQ_BATCH_MAX_PLAIN;
}

/* Status for a failed check of the batch. */
static unsigned batch_status(sq_status st)
{
    switch (st) {
    case SQ_EAUTH:
        return MHD_HTTP_FORBIDDEN;
    case SQ_ETOOBIG:
        return MHD_HTTP_CONTENT_TOO_LARGE;
    case SQ_ENOMEM:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    default:
        return MHD_HTTP_BAD_REQUEST;
    }
}

/* Central's signed word on an upload (sq_ack, made with the ack key), as
 * base64 for the JSON answer; NULL when it cannot be made (no memory). */
static json_t *signed_ack(server *sv, int kind, const char *station, const char *batch_id,
                          const uint8_t sha[32], const cstore_result *results, size_t n,
                          const cstore_ack *ca)
{
    sq_ack a;
    memset(&a, 0, sizeof a);
    a.kind = kind;
    snprintf(a.station_id, sizeof a.station_id, "%s", station);
    snprintf(a.batch_id, sizeof a.batch_id, "%s", batch_id ? batch_id : "");
    memcpy(a.sha256, sha, 32);
    a.highest = ca->highest;
    a.held_max = ca->held_max;
    a.conflict_seq = ca->conflict_seq;
    a.hb_counter = ca->hb_counter;
    int64_t *seqs = NULL;
    if (kind == SQ_ACK_STORED && n > 0) {
        if (!(seqs = calloc(n, sizeof *seqs)))
            return NULL;
        for (size_t i = 0; i < n; i++)
            seqs[i] = results[i].seq;
        a.seqs = seqs;
        a.n = n;
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    json_t *j = NULL;
    if (sq_batch_ack_build(sv->keys, &a, &bytes, &len, NULL) == SQ_OK) {
        size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(cap);
        if (b64) {
            sodium_bin2base64(b64, cap, bytes, len, sodium_base64_VARIANT_ORIGINAL);
            j = json_string(b64);
        }
        free(b64);
    }
    sq_free(bytes);
    free(seqs);
    return j;
}

/* What one upload comes to: an answer's status and JSON (and whether it
 * says to come back: 503 with Retry-After), not yet sent: a request of
 * several uploads answers them together. */
typedef struct {
    unsigned status;
    json_t *j;
    bool later;
} outcome;

static void out_error(req *r, outcome *o, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void out_error(req *r, outcome *o, unsigned status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->note, sizeof r->note, fmt, ap);
    va_end(ap);
    o->status = status;
    o->later = status == MHD_HTTP_SERVICE_UNAVAILABLE;
    o->j = json_pack("{s:s}", "error", r->note);
    if (!o->j) /* not UTF-8 (a message cut in the middle of a letter) */
        o->j = json_pack("{s:s}", "error", "request refused; see the receiver's log");
}

/* As answer_store_error: the log gets why, the station only to come back. */
static void out_store_error(req *r, outcome *o, sq_status st, const sq_err *e)
{
    bool later = st == SQ_EFULL || st == SQ_EBUSY || st == SQ_ENOMEM || st == SQ_ENET;
    snprintf(r->note, sizeof r->note, "%s", e->msg);
    o->status = later ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR;
    o->later = later;
    o->j = json_pack("{s:s}", "error",
                     later ? "central cannot store or read now; try again later"
                           : "central failed to store or read; its log says why");
}

/* Checks and stores one upload (buf, len), steps 2 to 6 of PROTOCOL.md. */
static void upload_one(server *sv, struct MHD_Connection *c, req *r, const uint8_t *buf, size_t len,
                       outcome *o)
{
    sq_err e = {0};
    sq_heartbeat hb;
    const uint8_t *batch = NULL;
    size_t batch_len = 0;
    sq_batch *b = NULL;
    cstore_result *results = NULL;
    uint8_t pk[32], sha[32];
    sq_status st;

    /* 2. It parses as an upload. */
    if ((st = sq_batch_upload_parse(buf, len, &hb, &batch, &batch_len, &e))) {
        out_error(r, o, st == SQ_ETOOBIG ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST, "%s",
                  e.msg);
        goto out;
    }
    snprintf(r->station, sizeof r->station, "%s", hb.station_id);
    /* 3. The station is enrolled and not revoked. */
    pthread_mutex_lock(&sv->reg_mu);
    st = registry_station_key(sv->reg, hb.station_id, pk, &e);
    pthread_mutex_unlock(&sv->reg_mu);
    if (st == SQ_ENOTFOUND) {
        out_error(r, o, MHD_HTTP_FORBIDDEN, "%s", e.msg);
        goto out;
    } else if (st) {
        out_store_error(r, o, st, &e);
        goto out;
    }
    /* 4. Signed by the station's enrolled key. */
    if ((st = sq_batch_upload_verify(buf, len, pk, &e))) {
        out_error(r, o, MHD_HTTP_FORBIDDEN, "%s", e.msg);
        goto out;
    }
    /* Whatever follows, the sender holds an enrolled station's key: its
     * connection and address leave the limits meant for strangers. */
    r->proven = true;
    addr_key k = key_of(client_addr(c));
    guard_proven(&sv->g, r->cn, &k);
    /* 5. The batch: same station, its own signature, inflates within the
     * cap, well formed. */
    size_t n = 0;
    if (batch) {
        if ((st = sq_batch_parse(batch, batch_len, &b, &e))) {
            out_error(r, o, batch_status(st), "%s", e.msg);
            goto out;
        }
        snprintf(r->batch, sizeof r->batch, "%s", sq_batch_id(b));
        if (strcmp(sq_batch_station_id(b), hb.station_id) != 0) {
            out_error(r, o, MHD_HTTP_FORBIDDEN,
                      "the batch is of station '%s', the upload of station '%s'",
                      sq_batch_station_id(b), hb.station_id);
            goto out;
        }
        /* What the batch may make this receiver allocate: an honest
         * batch's sealed results do not compress, so it inflates to no
         * more than its own bytes (bench_batch: 0.998 of them), which
         * --max-upload bounds; a quarter more is the margin. Refused
         * before anything is inflated (a station's key signing a zip
         * bomb would otherwise cost SQ_BATCH_MAX_PLAIN a request). */
        size_t plain_cap = batch_plain_cap(&sv->cfg);
        if (sq_batch_plain_len(b) > plain_cap) {
            out_error(r, o, MHD_HTTP_CONTENT_TOO_LARGE,
                      "batch %s declares %llu bytes inflated, above this receiver's "
                      "cap of %zu for one upload",
                      sq_batch_id(b), (unsigned long long)sq_batch_plain_len(b), plain_cap);
            goto out;
        }
        if ((st = sq_batch_verify(b, pk, &e))) {
            out_error(r, o, batch_status(st), "%s", e.msg);
            goto out;
        }
        n = sq_batch_count(b);
        r->n_results = (long)n;
        results = calloc(n ? n : 1, sizeof *results);
        if (!results) {
            out_error(r, o, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            sq_batch_result(b, i, &results[i].seq, &results[i].sealed, &results[i].len);
    }
    crypto_hash_sha256(sha, batch ? batch : (const uint8_t *)"", batch_len);
    /* 6. One durable transaction. */
    cstore_upload up = {
        .hb = &hb,
        .received_wall_s = (int64_t)time(NULL),
        .batch_id = b ? sq_batch_id(b) : NULL,
        .batch_sha256 = sha,
        .batch_len = batch_len,
        .results = results,
        .n_results = n,
    };
    cstore_ack ack;
    if ((st = cstore_put_upload(sv->cs, &up, &ack, &e))) {
        /* The store full, busy or out of reach (a PostgreSQL server lost):
         * 503 with Retry-After, and nothing acknowledged. */
        out_store_error(r, o, st, &e);
        goto out;
    }
    if (ack.outcome == CSTORE_CONFLICT) {
        /* Signed too: the station acts on it (it numbers its results on
         * above what central holds), so it must know it is central's. */
        if (ack.conflict_seq)
            snprintf(r->note, sizeof r->note,
                     "result #%" PRId64 " of station '%s' is held already with other bytes",
                     ack.conflict_seq, hb.station_id);
        else
            snprintf(r->note, sizeof r->note, "batch %s is held already with other bytes",
                     r->batch);
        json_t *sig = signed_ack(sv, SQ_ACK_CONFLICT, hb.station_id, r->batch, sha, NULL, 0, &ack);
        o->status = MHD_HTTP_CONFLICT;
        o->j = sig ? json_pack("{s:s, s:s, s:I, s:I, s:o}", "error", r->note, "batch", r->batch,
                               "conflict_seq", (json_int_t)ack.conflict_seq, "held_max",
                               (json_int_t)ack.held_max, "signed", sig)
                   : NULL;
        goto out;
    }
    char sha_hex[65];
    sodium_bin2hex(sha_hex, sizeof sha_hex, sha, sizeof sha);
    json_t *stored = json_array();
    for (size_t i = 0; stored && i < n; i++)
        json_array_append_new(stored, json_integer(results[i].seq));
    snprintf(r->note, sizeof r->note, "%s, %zu new, highest %" PRId64,
             ack.outcome == CSTORE_DUPLICATE ? "duplicate"
             : batch                         ? "stored"
                                             : "heartbeat",
             ack.n_new, ack.highest);
    json_t *sig = signed_ack(sv, SQ_ACK_STORED, hb.station_id, b ? sq_batch_id(b) : "", sha,
                             results, n, &ack);
    o->status = MHD_HTTP_OK;
    o->j = stored && sig ? json_pack("{s:s, s:s, s:s, s:o, s:b, s:I, s:o}", "ack", "synaq-2",
                                     "batch", b ? sq_batch_id(b) : "", "sha256", sha_hex, "stored",
                                     stored, "duplicate", ack.outcome == CSTORE_DUPLICATE,
                                     "highest", (json_int_t)ack.highest, "signed", sig)
                         : (json_decref(stored), json_decref(sig), NULL);
out:
    free(results);
    sq_batch_free(b);
}

static enum MHD_Result answer_outcome(server *sv, struct MHD_Connection *c, req *r, const char *url,
                                      outcome *o)
{
    struct MHD_Response *resp = json_response(o->j);
    if (resp && o->later)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "30");
    return respond(sv, c, r, url, o->status, resp);
}

/* A request of several uploads (PROTOCOL.md; synaq/multi.h). Each is
 * checked and stored as if it came alone, in order, until the first that
 * is not stored; the answer (200) lists their answers, each with its
 * status. Bad framing: 400, nothing stored. */
static enum MHD_Result handle_multi(server *sv, struct MHD_Connection *c, req *r, const char *url)
{
    sq_multi_part parts[SQ_MULTI_MAX];
    size_t n = 0;
    sq_err fe;
    if (sq_multi_split(r->body, r->len, parts, SQ_MULTI_MAX, &n, &fe))
        return answer_error(sv, c, r, url, MHD_HTTP_BAD_REQUEST, NULL, "%s", fe.msg);
    json_t *answers = json_array();
    size_t stored = 0, results = 0;
    for (size_t i = 0; answers && i < n; i++) {
        outcome o = {0};
        r->n_results = 0;
        upload_one(sv, c, r, r->body + parts[i].off, parts[i].len, &o);
        if (!o.j) {
            json_decref(answers);
            return answer_error(sv, c, r, url, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                                "out of memory for the answer");
        }
        json_object_set_new(o.j, "status", json_integer(o.status));
        if (o.later)
            json_object_set_new(o.j, "retry_after", json_integer(30));
        json_array_append_new(answers, o.j);
        if (o.status != MHD_HTTP_OK)
            break;
        stored++;
        results += (size_t)r->n_results;
    }
    char note[sizeof r->note];
    snprintf(note, sizeof note, "%zu of %zu uploads stored (%zu results)%s%.400s", stored, n,
             results, stored < n ? "; then: " : "", stored < n ? r->note : "");
    snprintf(r->note, sizeof r->note, "%s", note);
    r->n_results = (long)results;
    return answer_json(sv, c, r, url, MHD_HTTP_OK,
                       answers ? json_pack("{s:o}", "answers", answers) : NULL);
}

static enum MHD_Result handle_upload(server *sv, struct MHD_Connection *c, req *r, const char *url)
{
    if (r->len != r->expect)
        return answer_error(sv, c, r, url, MHD_HTTP_BAD_REQUEST, NULL,
                            "body of %zu bytes, Content-Length said %zu", r->len, r->expect);
    if (sq_multi_is(r->body, r->len))
        return handle_multi(sv, c, r, url);
    outcome o = {0};
    upload_one(sv, c, r, r->body, r->len, &o);
    return answer_outcome(sv, c, r, url, &o);
}

/* First call of POST /v1/upload: the headers are in, no byte of the body
 * is read yet. Refuse what is too big or of unknown size now. */
static enum MHD_Result upload_begin(server *sv, struct MHD_Connection *c, req *r, const char *url)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (!cl || te)
        return answer_error(sv, c, r, url, MHD_HTTP_LENGTH_REQUIRED, NULL,
                            "Content-Length is required");
    errno = 0;
    char *end;
    unsigned long long n = strtoull(cl, &end, 10);
    if (!isdigit((unsigned char)cl[0]) || *end || errno)
        return answer_error(sv, c, r, url, MHD_HTTP_BAD_REQUEST, NULL, "bad Content-Length");
    if (n > sv->cfg.max_upload_bytes)
        return answer_error(sv, c, r, url, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                            "upload of %llu bytes is above the limit of %zu", n,
                            sv->cfg.max_upload_bytes);
    /* The bodies held at once are bounded: past the budget the upload is
     * turned away before a byte of it is read, to come back later. */
    pthread_mutex_lock(&sv->g.mu);
    /* As with the slots, a quarter is kept for proven addresses: bodies
     * announced by strangers (dribbled, perhaps, a byte at a time) cannot
     * take all of it from the stations. */
    bool proven = r->cn && (r->cn->pool_proven || r->cn->proven);
    size_t limit = proven ? sv->cfg.max_body_memory_bytes
                          : sv->cfg.max_body_memory_bytes - sv->cfg.max_body_memory_bytes / 4;
    bool fits = sv->body_bytes + (size_t)n <= limit;
    if (fits)
        sv->body_bytes += (size_t)n;
    else
        sv->g.busy_memory++;
    size_t held = sv->body_bytes;
    pthread_mutex_unlock(&sv->g.mu);
    if (!fits) {
        snprintf(r->busy_why, sizeof r->busy_why,
                 "busy: %zu bytes of upload bodies held, %llu more would pass the limit of %zu%s",
                 held, n, limit, proven ? "" : " for addresses no station proved");
        r->busy = true;
        r->expect = (size_t)n;
        guard_body(&sv->g, r->cn, 0, r->expect);
        return n ? MHD_YES : answer_overload(sv, c, r, url, r->busy_why);
    }
    r->reserved = (size_t)n;
    r->expect = (size_t)n;
    guard_body(&sv->g, r->cn, 0, r->expect);
    return MHD_YES;
}

/* A chunk of the body. Grows the buffer as bytes arrive (not to the
 * announced size at once: an announcement costs nothing to make). */
static enum MHD_Result upload_append(server *sv, req *r, const char *data, size_t n,
                                     const char *url)
{
    (void)url;
    if (n > r->expect - r->len)
        return MHD_NO; /* more than announced: MHD should not let it through */
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->len + n)
            cap *= 2;
        if (cap > r->expect)
            cap = r->expect;
        uint8_t *p = realloc(r->body, cap);
        if (!p)
            return MHD_NO;
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    /* The reaper holds the body to its minimum rate. */
    guard_body(&sv->g, r->cn, r->len, r->expect);
    return MHD_YES;
}

/* ---- GET /v1/stations/ID/highest ---- */

static enum MHD_Result handle_highest(server *sv, struct MHD_Connection *c, req *r, const char *url,
                                      const char *id)
{
    sq_err e = {0};
    int64_t h;
    if (!sq_station_id_valid(id))
        return answer_error(sv, c, r, url, MHD_HTTP_BAD_REQUEST, NULL, "bad station id");
    snprintf(r->station, sizeof r->station, "%s", id);
    sq_status st = cstore_highest(sv->cs, id, &h, &e);
    if (st)
        return answer_store_error(sv, c, r, url, st, &e);
    return answer_json(sv, c, r, url, MHD_HTTP_OK,
                       json_pack("{s:s, s:I}", "station", id, "highest", (json_int_t)h));
}

/* ---- bundles ---- */

/* Opens DIR/sub/name as a regular file, following no symbolic link. */
static int open_bundle(server *sv, const char *sub, const char *name, struct stat *stt)
{
    int dfd = openat(sv->bundles_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    close(dfd);
    if (fd < 0)
        return -1;
    if (fstat(fd, stt) != 0 || !S_ISREG(stt->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int bundle_sha256(server *sv, int fd, const struct stat *stt, uint8_t sha[32])
{
    size_t slot = ((size_t)stt->st_ino * 31u + (size_t)stt->st_dev) % HASH_CACHE;
    pthread_mutex_lock(&sv->hash_mu);
    hash_entry *h = &sv->hashes[slot];
    bool hit = h->used && h->dev == stt->st_dev && h->ino == stt->st_ino &&
               h->size == stt->st_size && h->mtime.tv_sec == stt->st_mtim.tv_sec &&
               h->mtime.tv_nsec == stt->st_mtim.tv_nsec;
    if (hit)
        memcpy(sha, h->sha, 32);
    pthread_mutex_unlock(&sv->hash_mu);
    if (hit)
        return 0;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    uint8_t buf[65536];
    off_t off = 0;
    for (;;) {
        ssize_t got = pread(fd, buf, sizeof buf, off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        crypto_hash_sha256_update(&st, buf, (unsigned long long)got);
        off += got;
    }
    crypto_hash_sha256_final(&st, sha);
    if (off != stt->st_size)
        return -1; /* changed under us: do not remember */
    pthread_mutex_lock(&sv->hash_mu);
    h->used = true;
    h->dev = stt->st_dev;
    h->ino = stt->st_ino;
    h->size = stt->st_size;
    h->mtime = stt->st_mtim;
    memcpy(h->sha, sha, 32);
    pthread_mutex_unlock(&sv->hash_mu);
    return 0;
}

/* Adds the files of kind k in DIR/sub not listed yet to list. */
static int list_dir(server *sv, const served_kind *k, const char *sub, const char *station,
                    json_t *list)
{
    int dfd = openat(sv->bundles_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : -1;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!valid_served_name(de->d_name, k))
            continue;
        bool seen = false;
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v)
        {
            if (!strcmp(json_string_value(json_object_get(v, "name")), de->d_name))
                seen = true;
        }
        if (seen)
            continue;
        struct stat stt;
        uint8_t sha[32];
        char hex[65], url[BUNDLE_NAME_MAX + 100];
        int fd = open_bundle(sv, sub, de->d_name, &stt);
        if (fd < 0)
            continue;
        int rc = bundle_sha256(sv, fd, &stt, sha);
        close(fd);
        if (rc)
            continue;
        sodium_bin2hex(hex, sizeof hex, sha, 32);
        if (station)
            snprintf(url, sizeof url, "%s/%s?station=%s", k->path, de->d_name, station);
        else
            snprintf(url, sizeof url, "%s/%s", k->path, de->d_name);
        json_array_append_new(list, json_pack("{s:s, s:I, s:s, s:s}", "name", de->d_name, "size",
                                              (json_int_t)stt.st_size, "sha256", hex, "url", url));
    }
    closedir(d);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
                  json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

static enum MHD_Result handle_bundle_list(server *sv, struct MHD_Connection *c, req *r,
                                          const char *url, const served_kind *k)
{
    const char *station = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "station");
    if (station && !sq_station_id_valid(station))
        return answer_error(sv, c, r, url, MHD_HTTP_BAD_REQUEST, NULL, "bad station id");
    if (station)
        snprintf(r->station, sizeof r->station, "%s", station);
    json_t *list = json_array();
    if (!list)
        return MHD_NO;
    if (sv->bundles_fd >= 0 &&
        ((station && strcmp(station, "all") != 0 && list_dir(sv, k, station, station, list)) ||
         list_dir(sv, k, "all", station, list))) {
        json_decref(list);
        return answer_error(sv, c, r, url, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                            "cannot read the bundles folder: %s", strerror(errno));
    }
    /* Sorted, so the answer does not depend on the order of readdir. */
    size_t n = json_array_size(list);
    json_t **items = calloc(n ? n : 1, sizeof *items);
    json_t *sorted = json_array();
    if (!items || !sorted) {
        free(items);
        json_decref(list);
        json_decref(sorted);
        return MHD_NO;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(list, i);
    qsort(items, n, sizeof *items, by_name);
    for (size_t i = 0; i < n; i++)
        json_array_append(sorted, items[i]);
    free(items);
    json_decref(list);
    r->n_results = (long)n;
    return answer_json(sv, c, r, url, MHD_HTTP_OK, json_pack("{s:o}", k->key, sorted));
}

/* Parses "bytes=A-", "bytes=A-B" or "bytes=-N" against size. Returns 1 with
 * [*first, *last] for a satisfiable range, 0 when the header is to be
 * ignored (absent, malformed, several ranges: the whole file is sent), -1
 * when it cannot be satisfied (416). */
static int parse_range(const char *h, off_t size, off_t *first, off_t *last)
{
    if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
        return 0;
    const char *p = h + 6;
    char *end;
    errno = 0;
    if (*p == '-') {
        if (!isdigit((unsigned char)p[1]))
            return 0;
        unsigned long long n = strtoull(p + 1, &end, 10);
        if (*end || errno)
            return 0;
        if (n == 0 || size == 0)
            return -1;
        *first = (off_t)n >= size ? 0 : size - (off_t)n;
        *last = size - 1;
        return 1;
    }
    if (!isdigit((unsigned char)*p))
        return 0;
    unsigned long long a = strtoull(p, &end, 10);
    if (errno || *end != '-')
        return 0;
    p = end + 1;
    unsigned long long b = (unsigned long long)size - 1;
    if (*p) {
        if (!isdigit((unsigned char)*p))
            return 0;
        b = strtoull(p, &end, 10);
        if (*end || errno || b < a)
            return 0;
    }
    if (size == 0 || a >= (unsigned long long)size)
        return -1;
    if (b >= (unsigned long long)size)
        b = (unsigned long long)size - 1;
    *first = (off_t)a;
    *last = (off_t)b;
    return 1;
}

static enum MHD_Result handle_bundle_get(server *sv, struct MHD_Connection *c, req *r,
                                         const char *url, const char *name,
                                         const served_kind *k)
{
    const char *station = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "station");
    if (!valid_served_name(name, k))
        return answer_error(sv, c, r, url, MHD_HTTP_NOT_FOUND, NULL, "no such bundle");
    if (station && !sq_station_id_valid(station))
        return answer_error(sv, c, r, url, MHD_HTTP_BAD_REQUEST, NULL, "bad station id");
    if (station)
        snprintf(r->station, sizeof r->station, "%s", station);
    struct stat stt;
    int fd = -1;
    if (sv->bundles_fd >= 0 && station)
        fd = open_bundle(sv, station, name, &stt);
    if (sv->bundles_fd >= 0 && fd < 0)
        fd = open_bundle(sv, "all", name, &stt);
    if (fd < 0)
        return answer_error(sv, c, r, url, MHD_HTTP_NOT_FOUND, NULL, "no such bundle");
    off_t first = 0, last = stt.st_size - 1;
    int range = parse_range(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE),
                            stt.st_size, &first, &last);
    char cr[96];
    if (range < 0) {
        close(fd);
        snprintf(cr, sizeof cr, "bytes */%lld", (long long)stt.st_size);
        r->note[0] = 0;
        struct MHD_Response *resp =
            json_response(json_pack("{s:s}", "error", "range not satisfiable"));
        if (resp)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
        return respond(sv, c, r, url, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp);
    }
    uint64_t len = range ? (uint64_t)(last - first + 1) : (uint64_t)stt.st_size;
    /* The response owns fd from here and closes it. */
    struct MHD_Response *resp =
        MHD_create_response_from_fd_at_offset64(len, fd, (uint64_t)(range ? first : 0));
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    if (range) {
        snprintf(cr, sizeof cr, "bytes %lld-%lld/%lld", (long long)first, (long long)last,
                 (long long)stt.st_size);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
        snprintf(r->note, sizeof r->note, "%s", cr);
    }
    return respond(sv, c, r, url, range ? MHD_HTTP_PARTIAL_CONTENT : MHD_HTTP_OK, resp);
}

/* ---- the access handler ---- */

static bool is_get(const char *method)
{
    return !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
}

static bool has_body(struct MHD_Connection *c)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
           (cl && strcmp(cl, "0") != 0);
}

/* Routes and answers a request other than POST /v1/upload. */
static enum MHD_Result route(server *sv, struct MHD_Connection *c, req *r, const char *url,
                             const char *method)
{
    static const char get_only[] = "GET, HEAD";
    if (!strcmp(url, "/v1/upload"))
        return answer_error(sv, c, r, url, MHD_HTTP_METHOD_NOT_ALLOWED, "POST",
                            "method not allowed");
    const char *id = NULL, *name = NULL;
    static const char st_prefix[] = "/v1/stations/", st_suffix[] = "/highest",
                      b_prefix[] = "/v1/bundles/", u_prefix[] = "/v1/updates/";
    char idbuf[SQ_STATION_ID_MAX + 2];
    const served_kind *kind = &KIND_BUNDLES;
    bool known = !strcmp(url, "/v1/health") || !strcmp(url, "/v1/bundles") ||
                 !strcmp(url, "/v1/updates");
    if (!strncmp(url, st_prefix, sizeof st_prefix - 1)) {
        const char *p = url + sizeof st_prefix - 1;
        size_t n = strlen(p), sl = sizeof st_suffix - 1;
        if (n > sl && !strcmp(p + n - sl, st_suffix) && n - sl < sizeof idbuf) {
            memcpy(idbuf, p, n - sl);
            idbuf[n - sl] = 0;
            id = idbuf;
            known = true;
        }
    } else if (!strncmp(url, b_prefix, sizeof b_prefix - 1)) {
        name = url + sizeof b_prefix - 1;
        known = true;
    } else if (!strncmp(url, u_prefix, sizeof u_prefix - 1)) {
        name = url + sizeof u_prefix - 1;
        kind = &KIND_UPDATES;
        known = true;
    }
    if (!known)
        return answer_error(sv, c, r, url, MHD_HTTP_NOT_FOUND, NULL, "no such endpoint");
    if (!is_get(method))
        return answer_error(sv, c, r, url, MHD_HTTP_METHOD_NOT_ALLOWED, get_only,
                            "method not allowed");
    if (!strcmp(url, "/v1/health"))
        return answer_json(sv, c, r, url, MHD_HTTP_OK, json_pack("{s:b}", "ok", 1));
    if (!strcmp(url, "/v1/bundles"))
        return handle_bundle_list(sv, c, r, url, &KIND_BUNDLES);
    if (!strcmp(url, "/v1/updates"))
        return handle_bundle_list(sv, c, r, url, &KIND_UPDATES);
    if (id)
        return handle_highest(sv, c, r, url, id);
    return handle_bundle_get(sv, c, r, url, name, kind);
}

/* The Content-Length headers of a request: how many, and whether they
 * disagree. */
typedef struct {
    unsigned n;
    const char *first;
    bool conflict;
} length_scan;

static enum MHD_Result scan_length(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    length_scan *ls = cls;
    (void)kind;
    if (key && !strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
        if (ls->n++ == 0)
            ls->first = value;
        else if (strcmp(ls->first ? ls->first : "", value ? value : "") != 0)
            ls->conflict = true;
    }
    return MHD_YES;
}

/* A request whose body's length is told two ways: libmicrohttpd (0.9.75)
 * takes the first Content-Length and ignores the others, and with
 * Transfer-Encoding it reads chunks; a proxy in front may have read it the
 * other way, so the bytes after it could be a request nobody checked.
 * Refused with 400 and the connection closed. NULL: the framing is clear. */
static const char *framing_doubt(struct MHD_Connection *c)
{
    length_scan ls = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, scan_length, &ls);
    if (ls.conflict)
        return "conflicting Content-Length headers";
    if (ls.n && MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return "both Content-Length and Transfer-Encoding";
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    server *sv = cls;
    req *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        *con_cls = r;
        r->started_ms = now_ms();
        snprintf(r->method, sizeof r->method, "%s", method);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        r->cn = ci ? ci->socket_context : NULL;
        guard_head_done(&sv->g, r->cn);
        if (r->cn && r->cn->overflow) {
            /* A body within the upload cap is read and dropped first (a
             * station sending its upload meets no closed connection);
             * anything else is answered at once. */
            static const char why[] = "busy: past the connection limits (see the connection line)";
            const char *cl =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;
            r->close_after = true;
            if (!has_body(c) || !cl || !isdigit((unsigned char)cl[0]) ||
                len > sv->cfg.max_upload_bytes || framing_doubt(c))
                return answer_overload(sv, c, r, url, why);
            snprintf(r->busy_why, sizeof r->busy_why, "%s", why);
            r->busy = true;
            r->expect = (size_t)len;
            guard_body(&sv->g, r->cn, 0, r->expect);
            return MHD_YES;
        }
        const char *doubt = framing_doubt(c);
        if (doubt) {
            r->close_after = true;
            return answer_error(sv, c, r, url, MHD_HTTP_BAD_REQUEST, NULL, "%s", doubt);
        }
        if (!strcmp(url, "/v1/upload") && !strcmp(method, MHD_HTTP_METHOD_POST)) {
            r->route = R_UPLOAD;
            return upload_begin(sv, c, r, url);
        }
        /* Anything else is answered once the request is complete, which
         * keeps the connection open for the station's next request; one
         * that comes with a body is answered now, and the connection
         * closes rather than reading a body nobody wants. */
        if (has_body(c))
            return route(sv, c, r, url, method);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->busy) {
            /* Read and dropped; the reaper still holds it to the rates. */
            r->len += n;
            guard_body(&sv->g, r->cn, r->len, r->expect);
            return MHD_YES;
        }
        if (r->answered || r->route != R_UPLOAD)
            return MHD_YES; /* a body nobody asked for: dropped */
        return upload_append(sv, r, upload_data, n, url);
    }
    if (r->answered)
        return MHD_YES;
    if (r->busy)
        return answer_overload(sv, c, r, url, r->busy_why);
    if (r->route == R_UPLOAD)
        return handle_upload(sv, c, r, url);
    return route(sv, c, r, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    server *sv = cls;
    req *r = *con_cls;
    if (!r)
        return;
    if (!r->answered && r->route == R_UPLOAD) {
        static const char *const whys[] = {"ok",       "error",      "timeout",
                                           "shutdown", "read error", "client abort"};
        char peer[64];
        peer_of(c, peer, sizeof peer);
        addr_key k = key_of(client_addr(c));
        logf_from(&k, r->cn && r->cn->proven,
                  "%s POST /v1/upload: closed before an answer (%s) "
                  "after %zu of %zu bytes",
                  peer, (unsigned)why < sizeof whys / sizeof *whys ? whys[why] : "?", r->len,
                  r->expect);
    }
    guard_request_done(&sv->g, r->cn);
    if (r->reserved) {
        pthread_mutex_lock(&sv->g.mu);
        sv->body_bytes -= r->reserved;
        pthread_mutex_unlock(&sv->g.mu);
    }
    free(r->body);
    free(r);
    *con_cls = NULL;
}

/* ---- start and stop ---- */

/* "HOST:PORT" or "[V6]:PORT" to an address to bind. */
static int resolve_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[256];
    const char *port;
    if (spec[0] == '[') {
        const char *close_b = strchr(spec, ']');
        if (!close_b || close_b[1] != ':' || (size_t)(close_b - spec - 1) >= sizeof host)
            return -1;
        memcpy(host, spec + 1, (size_t)(close_b - spec - 1));
        host[close_b - spec - 1] = 0;
        port = close_b + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= sizeof host || strchr(spec, ':') != colon)
            return -1;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = 0;
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535 || !host[0])
        return -1;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        return -1;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!isdigit((unsigned char)s[0]) || *end || errno || v > max)
        return -1;
    *out = v;
    return 0;
}

int serve_command(const char *home, const char *db, int argc, char **argv)
{
    static const struct option lo[] = {{"listen", 1, 0, 'l'},
                                       {"tls-cert", 1, 0, 'c'},
                                       {"tls-key", 1, 0, 'k'},
                                       {"max-upload", 1, 0, 'm'},
                                       {"bundles", 1, 0, 'b'},
                                       {"threads", 1, 0, 't'},
                                       {"max-conns", 1, 0, 'C'},
                                       {"max-per-ip", 1, 0, 'P'},
                                       {"timeout", 1, 0, 'T'},
                                       {"reserve", 1, 0, 'R'},
                                       {"max-per-new-ip", 1, 0, 'N'},
                                       {"header-timeout", 1, 0, 'H'},
                                       {"min-rate", 1, 0, 'M'},
                                       {"db", 1, 0, 'D'},
                                       {"heartbeats-kept", 1, 0, 'K'},
                                       {"heartbeat-days", 1, 0, 'Y'},
                                       {"overflow", 1, 0, 'O'},
                                       {"max-body-memory", 1, 0, 'B'},
                                       {0, 0, 0, 0}};
    /* A station sends its request head in one packet (a TLS handshake
     * first: two round trips, 1.6 s at 2G's 800 ms), then tens of KiB at
     * 2 KB/s or more: 10 s and 500 bytes/s leave it a wide margin and cost
     * a slow client its slot within seconds. 16 connections from an
     * address nobody proved covers a district office's stations behind
     * one NAT address before the first of them has synced; 64 once one
     * has. */
    serve_config cfg = {.listen = "127.0.0.1:8080",
                        .max_upload_bytes = SQ_UPLOAD_MAX,
                        .threads = 4,
                        .max_conns = 512,
                        .max_per_ip = 64,
                        .timeout_s = 30,
                        .max_per_new_ip = 16,
                        .header_timeout_s = 10,
                        .min_rate_bytes = 500,
                        .max_body_memory_bytes = 64u << 20};
    bool reserve_given = false, overflow_given = false;
    int64_t hb_keep = CSTORE_HB_KEEP, hb_days = CSTORE_HB_DAYS;
    int c;
    unsigned long long v;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'l':
            cfg.listen = optarg;
            break;
        case 'c':
            cfg.tls_cert = optarg;
            break;
        case 'k':
            cfg.tls_key = optarg;
            break;
        case 'b':
            cfg.bundles = optarg;
            break;
        case 'm':
            if (parse_uint(optarg, SQ_UPLOAD_MAX, &v) || v == 0)
                goto usage;
            cfg.max_upload_bytes = (size_t)v;
            break;
        case 't':
            if (parse_uint(optarg, 64, &v) || v == 0)
                goto usage;
            cfg.threads = (unsigned)v;
            break;
        case 'C':
            if (parse_uint(optarg, 100000, &v) || v == 0)
                goto usage;
            cfg.max_conns = (unsigned)v;
            break;
        case 'P':
            if (parse_uint(optarg, 100000, &v))
                goto usage;
            cfg.max_per_ip = (unsigned)v;
            break;
        case 'T':
            if (parse_uint(optarg, 86400, &v) || v == 0)
                goto usage;
            cfg.timeout_s = (unsigned)v;
            break;
        case 'R':
            if (parse_uint(optarg, 100000, &v))
                goto usage;
            cfg.reserve = (unsigned)v;
            reserve_given = true;
            break;
        case 'N':
            if (parse_uint(optarg, 100000, &v))
                goto usage;
            cfg.max_per_new_ip = (unsigned)v;
            break;
        case 'H':
            if (parse_uint(optarg, 3600, &v) || v == 0)
                goto usage;
            cfg.header_timeout_s = (unsigned)v;
            break;
        case 'M':
            if (parse_uint(optarg, 1u << 30, &v))
                goto usage;
            cfg.min_rate_bytes = (unsigned)v;
            break;
        case 'D':
            db = optarg;
            break;
        case 'O':
            if (parse_uint(optarg, 100000, &v))
                goto usage;
            cfg.overflow = (unsigned)v;
            overflow_given = true;
            break;
        case 'B':
            if (parse_uint(optarg, 1ull << 40, &v) || v < SQ_UPLOAD_MAX)
                goto usage;
            cfg.max_body_memory_bytes = (size_t)v;
            break;
        case 'K':
            if (parse_uint(optarg, 1000000, &v) || v == 0)
                goto usage;
            hb_keep = (int64_t)v;
            break;
        case 'Y':
            if (parse_uint(optarg, 100000, &v))
                goto usage;
            hb_days = (int64_t)v;
            break;
        default:
            goto usage;
        }
    }
    if (!reserve_given)
        cfg.reserve = cfg.max_conns / 4;
    /* Overflow slots only carry a 503 and close within seconds (a file
     * descriptor and libmicrohttpd's few KiB each): as many again as
     * --max-conns turn a burst away politely. */
    if (!overflow_given)
        cfg.overflow = cfg.max_conns;
    if (optind != argc || !cfg.tls_cert != !cfg.tls_key || cfg.reserve >= cfg.max_conns)
        goto usage;

    server *sv = calloc(1, sizeof *sv);
    struct MHD_Daemon *d = NULL;
    char *cert = NULL, *key = NULL;
    size_t cert_len = 0, key_len = 0;
    int rc = 1;
    sq_err e = {0};
    char path[4200], store_where[600];
    if (!sv)
        return 1;
    sv->cfg = cfg;
    sv->bundles_fd = -1;
    if (guard_init(&sv->g, &cfg)) {
        fprintf(stderr, "synaq-central serve: out of memory\n");
        guard_free(&sv->g);
        free(sv);
        return 1;
    }
    pthread_mutex_init(&sv->reg_mu, NULL);
    pthread_mutex_init(&sv->hash_mu, NULL);

    mkdir(home, 0700);
    /* The ack key only: the receiver faces the internet and needs neither
     * the signing key nor the results key. */
    snprintf(path, sizeof path, "%s/keys", home);
    if (sq_central_open(path, SQ_CENTRAL_ACK, &sv->keys, &e)) {
        fprintf(stderr, "synaq-central serve: %s\n", e.msg);
        goto out;
    }
    /* A SQLite file is this receiver's alone (its -lock refuses a
     * second); a PostgreSQL database is shared by every receiver. */
    if (!db) {
        snprintf(path, sizeof path, "%s/results.db", home);
        db = path;
    }
    cstore_where(db, store_where, sizeof store_where);
    if (cstore_open(db, 0, &sv->cs, &e) || cstore_set_heartbeat_cap(sv->cs, hb_keep, hb_days, &e)) {
        fprintf(stderr, "synaq-central serve: %s\n", e.msg);
        goto out;
    }
    /* The registry is created here if it is missing (nothing is enrolled
     * yet), then read through a read-only handle: enroll and revoke write
     * it while the receiver runs. */
    /* On PostgreSQL the registry is in the store's database, one for
     * every receiver (registry.h), opened after the store, which makes
     * its tables. */
    char reg_file[4200];
    snprintf(reg_file, sizeof reg_file, "%s/central.db", home);
    const char *reg_path = cstore_is_url(db) ? db : reg_file;
    int64_t moved = 0;
    if (reg_path == db && registry_adopt(db, reg_file, &moved, &e)) {
        fprintf(stderr, "synaq-central serve: %s\n", e.msg);
        goto out;
    }
    if (moved)
        logf_("the station registry moved from %s into the database (%lld station(s), their "
              "keys and audit); the file is no longer read",
              reg_file, (long long)moved);
    /* A registry of an earlier build (no key history) is brought up to
     * date once, here, before the read-only handle: the only write the
     * receiver ever makes to central.db, at start. */
    if ((reg_path == reg_file && access(reg_file, F_OK) != 0) ||
        registry_open_readonly(reg_path, &sv->reg, NULL) != SQ_OK) {
        registry *tmp = NULL;
        if (registry_open(reg_path, &tmp, &e)) {
            fprintf(stderr, "synaq-central serve: %s\n", e.msg);
            goto out;
        }
        registry_close(tmp);
    }
    if (!sv->reg && registry_open_readonly(reg_path, &sv->reg, &e)) {
        fprintf(stderr, "synaq-central serve: %s\n", e.msg);
        goto out;
    }
    if (cfg.bundles &&
        (sv->bundles_fd = open(cfg.bundles, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "synaq-central serve: cannot open the bundles folder %s: %s\n", cfg.bundles,
                strerror(errno));
        goto out;
    }
    if (cfg.tls_cert && (sq_file_read(cfg.tls_cert, 1u << 20, (uint8_t **)&cert, &cert_len, &e) ||
                         sq_file_read(cfg.tls_key, 1u << 20, (uint8_t **)&key, &key_len, &e))) {
        fprintf(stderr, "synaq-central serve: %s\n", e.msg);
        goto out;
    }
    struct sockaddr_storage ss;
    socklen_t ss_len;
    if (resolve_listen(cfg.listen, &ss, &ss_len)) {
        fprintf(stderr, "synaq-central serve: cannot listen on '%s': give HOST:PORT\n", cfg.listen);
        goto out;
    }

    /* Blocked before MHD starts its threads, so they inherit the mask and
     * only sigwait below ever takes these signals. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cert)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        {MHD_OPTION_END, 0, NULL}};
    /* The per-address limits are the accept policy's (on_accept), which
     * knows proven addresses from others; MHD's total limit stays as the
     * hard bound, and sizes the guard's table. */
    d = MHD_start_daemon(flags, 0, on_accept, sv, on_request, sv, MHD_OPTION_EXTERNAL_LOGGER,
                         mhd_log, sv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                         MHD_OPTION_THREAD_POOL_SIZE, cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
                         cfg.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
                         MHD_OPTION_CONNECTION_LIMIT, cfg.max_conns + cfg.overflow,
                         MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                         sv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, sv, MHD_OPTION_ARRAY,
                         tls_opts, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "synaq-central serve: cannot start the server on %s (%s)\n", cfg.listen,
                errno ? strerror(errno) : "see above");
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[NI_MAXHOST];
    if (getnameinfo((struct sockaddr *)&ss, ss_len, host, sizeof host, NULL, 0, NI_NUMERICHOST) !=
        0)
        snprintf(host, sizeof host, "?");
    printf(ss.ss_family == AF_INET6 ? "listening on [%s]:%u\n" : "listening on %s:%u\n", host,
           di ? (unsigned)di->port : 0u);
    fflush(stdout);
    logf_("listening on %s port %u (%s, %u threads, uploads up to %zu bytes, bundles from %s)",
          host, di ? (unsigned)di->port : 0u, cert ? "TLS" : "plain HTTP", cfg.threads,
          cfg.max_upload_bytes, cfg.bundles ? cfg.bundles : "nowhere");
    logf_("limits: %u connections, %u of them for proven addresses only; %u per proven address, "
          "%u per other (0: none); request heads within %u s, bodies at %u bytes/s or more, "
          "idle %u s; %u more answered 503 past these; %zu bytes of upload bodies at once",
          cfg.max_conns, cfg.reserve, cfg.max_per_ip, cfg.max_per_new_ip, cfg.header_timeout_s,
          cfg.min_rate_bytes, cfg.timeout_s, cfg.overflow, cfg.max_body_memory_bytes);
    /* A descriptor a connection, overflow included, and some for the
     * stores, bundles and logs: the soft limit is raised to that (as far
     * as the hard one allows). */
    struct rlimit rl;
    rlim_t need = (rlim_t)cfg.max_conns + cfg.overflow + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < need)
            logf_("open files limited to %llu, below the %llu that --max-conns and --overflow "
                  "need: raise the hard limit (LimitNOFILE= in a systemd unit)",
                  (unsigned long long)rl.rlim_cur, (unsigned long long)need);
    }
    logf_("result store: %s (%s); heartbeat history per station: the newest %lld, then one a "
          "day for %lld days",
          store_where, cstore_engine(sv->cs), (long long)hb_keep, (long long)hb_days);
    if (pthread_create(&sv->g.reaper, NULL, reaper_main, sv) != 0) {
        logf_("cannot start the reaper thread");
        goto out;
    }
    sv->g.reaper_running = true;

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    logf_("stopping (signal %d)", sig);
    rc = 0;
out:
    guard_stop(&sv->g);
    /* Waits for the handlers: an upload being stored finishes its commit. */
    if (d)
        MHD_stop_daemon(d);
    if (d) {
        logf_("slow connections cut: %llu without a complete request head in time, %llu with a "
              "body too slow; %llu connections past the limits answered 503 (address or pool "
              "full); %llu uploads answered 503 for the body memory; %llu connections closed "
              "unanswered (the overflow slots full too)",
              sv->g.cut_heads, sv->g.cut_bodies, sv->g.refused, sv->g.busy_memory, sv->g.dropped);
        log_summary(true);
    }
    guard_free(&sv->g);
    cstore_close(sv->cs);
    registry_close(sv->reg);
    sq_central_close(sv->keys);
    if (sv->bundles_fd >= 0)
        close(sv->bundles_fd);
    if (key)
        sodium_memzero(key, strlen(key));
    free(key);
    free(cert);
    pthread_mutex_destroy(&sv->reg_mu);
    pthread_mutex_destroy(&sv->hash_mu);
    free(sv);
    if (rc == 0)
        logf_("stopped");
    return rc;
usage:
    fprintf(stderr, "usage: synaq-central serve [options]\n%s", serve_usage);
    return 2;
}
