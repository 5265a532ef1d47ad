/*
 * synaq-syncd - the station's sync daemon. It gets every sealed result to
 * central over bad links, none lost, none twice, and fetches new bundles.
 *
 * Load: a few results an hour; a link that may be EDGE, drop every few
 * minutes, or be absent for days. So: wake on news (inotify on the store's
 * WAL, which changes on every commit) or on a timer; one round = uploads
 * (oldest first, several batches per POST over one reused connection,
 * each request sized to take about upload_seconds at the bandwidth the
 * last one measured; a cheap probe first only when nothing is pending),
 * then bundle downloads. A batch is written to the
 * outbox folder before it is sent and resent byte for byte until central
 * acknowledges it; results are marked sent only on an acknowledgement that
 * names that batch and its hash. Failures back off exponentially with full
 * jitter, honouring Retry-After. The daemon's own progress lives in its
 * own files (outbox/, sync-status.json); it writes the station's store
 * only to mark results sent and to import bundles, under the store's lock.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <strings.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "config.h"
#include "synaq/bundle.h"
#include "synaq/batch.h"
#include "synaq/multi.h"
#include "synaq/result.h"
#include "synaq/station.h"
#include "synaq/import.h"
#include "synaq/update.h"
#include "synaq/store.h"

#define BODY_MAX (256 * 1024)

typedef struct {
    char *p;
    size_t len;
} body;

typedef struct {
    sync_config cfg;
    sq_station_paths paths; /* the station's files (station.h) */
    char outbox[4200], bundles[4200];
    sq_station_keys *keys;
    sq_store *store;
    CURL *curl;
    int sig_fd;
    volatile int stopping;
    long retry_after_s;     /* central's Retry-After of the last answer (capped) */
    int64_t retry_until_ms; /* no round before this (central asked us to wait) */
    int failures;
    int conflict; /* central answered 409: back off to the longest wait */
    sq_sync_status status; /* what sync-status.json says; kept across restarts */
    /* The heartbeat counter: the next to send, and how far the counter
     * file has it reserved (written before a counter is used, so a
     * restart never sends one twice). */
    char counter_path[4200];
    int64_t hb_next, hb_reserved;
    /* Several uploads in one request: the up bandwidth measured on the
     * last one (bytes/s, 0: not yet), which sizes the next; and whether
     * central refused the form (a receiver of an older build). */
    double rate_bps;
    /* A cap on the next request after one the link cut on the way (0:
     * none): a quarter of the cut one, growing by half with each request
     * that arrives, so that a link up for less than a request takes still
     * moves the backlog. */
    size_t cut_cap;
    bool multi_refused;
    /* Seconds added to low_speed_s for the request under way: a request of
     * several uploads sits in the socket buffers long after curl wrote it,
     * and nothing moves until the answer, for as long as the link takes
     * to carry it. */
    long slow_grace_s;
} syncd;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* Under systemd the journal stamps each line itself (JOURNAL_STREAM
     * says stderr goes there); run by hand or by a test, a line carries
     * its own UTC time, so a log read later says when a request went. */
    if (!getenv("JOURNAL_STREAM")) {
        time_t t = time(NULL);
        struct tm tm;
        char when[32];
        if (gmtime_r(&t, &tm) && strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ ", &tm))
            fputs(when, stderr);
    }
    fputs("synaq-syncd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int64_t wall_now(void)
{
    return (int64_t)time(NULL);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- status file (for synaqctl status) ---- */

static void status_write(syncd *y)
{
    sq_err e;
    y->status.updated_s = wall_now();
    if (sq_station_sync_status_write(&y->paths, &y->status, &e))
        logf_("%s", e.msg);
}

/* A round failed: kind (SQ_SYNC_KIND_*, station.h) says what kind of
 * trouble, for the technician's screen in its language; the sentence is
 * for the log and synaqctl status. */
static void fail(syncd *y, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(syncd *y, const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(y->status.last_error, sizeof y->status.last_error, fmt, ap);
    va_end(ap);
    snprintf(y->status.last_error_kind, sizeof y->status.last_error_kind, "%s", kind);
    y->status.last_error_s = wall_now();
    logf_("%s", y->status.last_error);
    status_write(y);
}

/* ---- HTTP ---- */

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    body *b = ctx;
    size_t add = size * n;
    if (b->len + add > BODY_MAX)
        return 0; /* an answer this big is not ours: abort */
    char *np = realloc(b->p, b->len + add + 1);
    if (!np)
        return 0;
    b->p = np;
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = 0;
    return add;
}

/* Retry-After: delay-seconds or an HTTP date; whatever central says, it
 * is capped (a wait of a year, or a number past any integer, from a
 * broken or hostile answer must not stop a station for good). */
static long retry_after_value(const char *v, size_t len, long cap)
{
    char text[128];
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
        len--;
    if (len == 0 || len >= sizeof text)
        return 0;
    memcpy(text, v, len);
    text[len] = 0;
    long wait = 0;
    if (isdigit((unsigned char)text[0])) {
        /* Digits only; past the cap (or past any integer) is the cap. */
        for (size_t i = 0; i < len; i++) {
            if (!isdigit((unsigned char)text[i]))
                return 0;
            if (wait <= cap)
                wait = wait * 10 + (text[i] - '0');
        }
    } else {
        time_t when = curl_getdate(text, NULL);
        if (when < 0)
            return 0;
        int64_t d = (int64_t)when - wall_now();
        wait = d <= 0 ? 0 : d > cap ? cap + 1 : (long)d;
    }
    return wait > cap ? cap : wait;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
    syncd *y = ctx;
    size_t len = size * n;
    if (len > 12 && !strncasecmp(data, "Retry-After:", 12))
        y->retry_after_s = retry_after_value(data + 12, len - 12, y->cfg.retry_after_max_s);
    return len;
}

/* Checks for SIGTERM during a transfer, so a stop is prompt. */
static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    syncd *y = ctx;
    struct signalfd_siginfo si;
    if (read(y->sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
        y->stopping = 1;
    return y->stopping;
}

/* What every transfer shares. The handle is reset but its connection
 * cache stays, so a round reuses one connection. */
static void curl_prepare(syncd *y, const char *url)
{
    curl_easy_reset(y->curl);
    curl_easy_setopt(y->curl, CURLOPT_URL, url);
    curl_easy_setopt(y->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(y->curl, CURLOPT_CONNECTTIMEOUT, (long)y->cfg.connect_timeout_s);
    /* Slow is fine, stuck is not: low-speed limits, no total timeout. */
    curl_easy_setopt(y->curl, CURLOPT_LOW_SPEED_LIMIT, (long)y->cfg.low_speed_bytes);
    curl_easy_setopt(y->curl, CURLOPT_LOW_SPEED_TIME, (long)y->cfg.low_speed_s + y->slow_grace_s);
    if (y->cfg.ca_file[0])
        curl_easy_setopt(y->curl, CURLOPT_CAINFO, y->cfg.ca_file);
    curl_easy_setopt(y->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(y->curl, CURLOPT_XFERINFODATA, y);
    curl_easy_setopt(y->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(y->curl, CURLOPT_USERAGENT, "synaq-syncd/1");
}

/* One request. Returns the HTTP status, or -1 on a transport error (with
 * the error in err). */
static long http(syncd *y, const char *method, const char *path, const uint8_t *data, size_t len,
                 body *out, int total_timeout_s, char *err, size_t err_len)
{
    char url[1024];
    struct curl_slist *hdr = NULL;
    snprintf(url, sizeof url, "%s%s", y->cfg.central_url, path);
    curl_prepare(y, url);
    if (total_timeout_s)
        curl_easy_setopt(y->curl, CURLOPT_TIMEOUT, (long)total_timeout_s);
    curl_easy_setopt(y->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(y->curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(y->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(y->curl, CURLOPT_HEADERDATA, y);
    if (!strcmp(method, "POST")) {
        hdr = curl_slist_append(hdr, "Content-Type: application/octet-stream");
        hdr = curl_slist_append(hdr, "Expect:");
        curl_easy_setopt(y->curl, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(y->curl, CURLOPT_POSTFIELDS, data);
        curl_easy_setopt(y->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    y->retry_after_s = 0;
    CURLcode rc = curl_easy_perform(y->curl);
    curl_slist_free_all(hdr);
    if (rc != CURLE_OK) {
        /* No connection at all, whichever request it was (the probe, an
         * upload, a download): said the same way, for the log and the
         * technician. */
        bool unreachable = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                           rc == CURLE_COULDNT_RESOLVE_PROXY;
        snprintf(err, err_len, "%s%s %s: %s", unreachable ? "central not reachable: " : "",
                 method, url, curl_easy_strerror(rc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(y->curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* ---- the outbox ---- */

/* The oldest batch waiting in the outbox, or "" if none. */
static void outbox_oldest(syncd *y, char *path, size_t cap)
{
    path[0] = 0;
    DIR *d = opendir(y->outbox);
    if (!d)
        return;
    struct dirent *e;
    char best[256] = "";
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 9 || strcmp(e->d_name + n - 8, ".sqbatch") != 0)
            continue;
        if (!best[0] || strcmp(e->d_name, best) < 0)
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    if (best[0])
        snprintf(path, cap, "%s/%s", y->outbox, best);
}


/* The next batch to send: the outbox's oldest, or a new one made from the
 * store's pending results and put in the outbox before it is sent. 0: a
 * batch in *path; 1: nothing pending; -1: error. */
static int next_batch(syncd *y, char *path, size_t cap)
{
    outbox_oldest(y, path, cap);
    if (path[0])
        return 0;
    sq_err e;
    sq_batch_made made;
    /* Cut to what one upload may carry: large results go out in smaller
     * batches, never in one central refuses. */
    if (sq_batch_make(y->store, 0, y->cfg.batch_results, SQ_UPLOAD_MAX - SQ_UPLOAD_OVERHEAD, &made,
                      &e)) {
        fail(y, SQ_SYNC_KIND_LOCAL, "making a batch: %s", e.msg);
        return -1;
    }
    if (made.count == 0)
        return 1;
    /* Named by its first number, so the oldest sorts first. */
    snprintf(path, cap, "%s/%012lld-%s.sqbatch", y->outbox, (long long)made.first_seq, made.id);
    sq_status rc = sq_write_file(path, made.bytes, made.len, 0600, &e);
    sq_free(made.bytes);
    if (rc) {
        fail(y, SQ_SYNC_KIND_LOCAL, "%s", e.msg);
        return -1;
    }
    int count = made.count;
    int64_t first = made.first_seq;
    logf_("batch of %d result(s) from #%lld ready: %s", count, (long long)first, path);
    return 0;
}

/* Central's signed word in an answer ("signed": base64 of an sq_ack),
 * checked against the central key this station trusts, and naming this
 * station, the batch sent (id; "" for a heartbeat alone) and the sha256
 * of the bytes sent. Anyone can compute the id and the hash of what we
 * sent, so nothing but the signature makes an answer an acknowledgement.
 * 0 with *out (caller frees, sq_batch_ack_free); -1 with the reason. */
static int open_answer(syncd *y, const body *b, const char *batch_id, const uint8_t *batch,
                       size_t len, sq_ack **out, char *why, size_t why_len)
{
    json_error_t je;
    json_t *j = b->p ? json_loadb(b->p, b->len, 0, &je) : NULL;
    const char *sig = json_string_value(json_object_get(j, "signed"));
    uint8_t h[crypto_hash_sha256_BYTES], *raw = NULL;
    size_t raw_len = 0;
    sq_ack *a = NULL;
    sq_err e;
    int rc = -1;
    crypto_hash_sha256(h, batch ? batch : (const uint8_t *)"", len);
    if (!j) {
        snprintf(why, why_len, "the answer is not JSON (a captive portal?)");
    } else if (!sig) {
        snprintf(why, why_len, "the answer carries no signed acknowledgement (not central, or "
                               "a receiver of an older build)");
    } else if (!(raw = malloc(strlen(sig) + 1)) ||
               sodium_base642bin(raw, strlen(sig), sig, strlen(sig), NULL, &raw_len, NULL,
                                 sodium_base64_VARIANT_ORIGINAL) != 0) {
        snprintf(why, why_len, "the signed acknowledgement is not base64");
    } else if (sq_batch_ack_open(raw, raw_len, sq_station_keys_central_sign_pk(y->keys), &a, &e)) {
        snprintf(why, why_len, "%s", e.msg);
    } else if (strcmp(a->station_id, sq_station_keys_cert(y->keys)->station_id) != 0) {
        snprintf(why, why_len, "the acknowledgement is for station '%s'", a->station_id);
    } else if (strcmp(a->batch_id, batch_id) != 0) {
        snprintf(why, why_len, "the acknowledgement names another batch");
    } else if (sodium_memcmp(a->sha256, h, sizeof h) != 0) {
        snprintf(why, why_len, "the acknowledgement names other bytes");
    } else {
        *out = a;
        a = NULL;
        rc = 0;
    }
    sq_batch_ack_free(a);
    free(raw);
    json_decref(j);
    return rc;
}

/* ---- the heartbeat counter ---- */

#define COUNTER_BLOCK 64

/* Reads how far the counter file has the counter reserved (0: no file). */
static void counter_load(syncd *y)
{
    FILE *f = fopen(y->counter_path, "r");
    long long v = 0;
    if (f) {
        if (fscanf(f, "synaq-heartbeat-counter %lld", &v) != 1 || v < 0) {
            /* A damaged file: start low; central's signed answer names
             * the newest counter it holds, and we continue above it. */
            logf_("%s is damaged; the heartbeat counter starts again from central's", y->counter_path);
            v = 0;
        }
        fclose(f);
    }
    y->hb_reserved = v;
    y->hb_next = v + 1;
}

/* Reserves counters up to at least want, durably, before one is used. */
static int counter_reserve(syncd *y, int64_t want)
{
    if (want <= y->hb_reserved)
        return 0;
    char text[64];
    int64_t upto = want + COUNTER_BLOCK;
    snprintf(text, sizeof text, "synaq-heartbeat-counter %lld\n", (long long)upto);
    sq_err e;
    if (sq_write_file(y->counter_path, text, strlen(text), 0600, &e)) {
        logf_("%s", e.msg);
        return -1;
    }
    y->hb_reserved = upto;
    return 0;
}

/* Central holds a heartbeat counter of ours at least this high (a store
 * restored from a copy, a counter file lost): continue above it. */
static void counter_catch_up(syncd *y, int64_t held)
{
    if (held >= y->hb_next) {
        logf_("central holds heartbeat counter %lld, above ours (%lld): continuing above it",
              (long long)held, (long long)y->hb_next);
        y->hb_next = held + 1;
    }
}

static int heartbeat(syncd *y, sq_heartbeat *hb)
{
    sq_err e;
    if (sq_batch_heartbeat(y->store, hb, &e))
        logf_("heartbeat: %s", e.msg);
    struct statvfs sv;
    if (statvfs(y->paths.home, &sv) == 0)
        hb->disk_free_bytes = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
    if (counter_reserve(y, y->hb_next)) {
        fail(y, SQ_SYNC_KIND_LOCAL, "cannot keep the heartbeat counter in %s", y->counter_path);
        return -1;
    }
    hb->counter = y->hb_next++;
    return 0;
}

/* Sends one upload (batch may be NULL: a heartbeat alone). 0: acknowledged
 * (and the batch's results marked sent); 1: central's signed conflict
 * renumbered the results (a new batch is to be made); -1: failed, with
 * the reason recorded. */
/* A batch of the outbox on its way: its file, bytes, and parsed form. */
typedef struct {
    char path[4400];
    uint8_t *bytes;
    size_t len;
    sq_batch *b;
} outgoing;

static void outgoing_free(outgoing *o)
{
    sq_batch_free(o->b);
    free(o->bytes);
    memset(o, 0, sizeof *o);
}

/* Reads and checks a batch of the outbox. 0: in *o; -1: damaged, removed
 * (its results are still pending in the store and go out in a new batch). */
static int outgoing_load(syncd *y, const char *path, outgoing *o)
{
    sq_err e;
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s", path);
    if (sq_file_read(path, SQ_BATCH_MAX_FILE, &o->bytes, &o->len, &e) ||
        sq_batch_parse(o->bytes, o->len, &o->b, &e) ||
        sq_batch_verify(o->b, sq_station_keys_sign_pk(y->keys), &e)) {
        /* Not ours or damaged (a disk fault). */
        fail(y, SQ_SYNC_KIND_LOCAL, "outbox file %s is damaged; removing it", path);
        unlink(path);
        outgoing_free(o);
        return -1;
    }
    return 0;
}

/* Central's answer to one upload (o NULL: a heartbeat alone), status and
 * body, acted on. 0: acknowledged (and the batch's results marked sent,
 * or, with defer, added to it for the caller to mark and the batch file
 * left to the caller);
 * 1: central's signed conflict renumbered the results (a new batch is to
 * be made); -1: failed, with the reason recorded. */
/* Results acknowledged, to be marked sent together (one transaction for
 * a request of several uploads, not one each). */
typedef struct {
    int64_t *seqs;
    size_t n, cap;
} seq_list;

static int upload_answered(syncd *y, const outgoing *o, long status, const body *resp_in,
                           seq_list *defer)
{
    sq_err e;
    const uint8_t *batch = o ? o->bytes : NULL;
    size_t blen = o ? o->len : 0;
    const sq_batch *b = o ? o->b : NULL;
    const char *batch_path = o ? o->path : NULL;
    const body resp = *resp_in;
    sq_ack *ack = NULL;
    int rc = -1;
    char why[600];
    if (status == 503 || status == 429) {
        fail(y, SQ_SYNC_KIND_BUSY, "central is busy (HTTP %ld, retry after %ld s)", status, y->retry_after_s);
        goto out;
    }
    if (status == 409) {
        /* Central holds other bytes under this batch's id or one of its
         * sequence numbers: resending cannot help. */
        int64_t from = 0, base = 0;
        bool signed_conflict = open_answer(y, &resp, b ? sq_batch_id(b) : "", batch, blen, &ack,
                                           why, sizeof why) == 0 &&
                               ack->kind == SQ_ACK_CONFLICT;
        if (signed_conflict && ack->conflict_seq > 0 &&
            sq_batch_renumber(y->store, ack->conflict_seq, ack->held_max, &from, &base, &e) ==
                SQ_OK) {
            /* A station restored from a copy, or replacing another under
             * its id: its results go on above what central holds. The
             * batch in the outbox carries the old numbers: it goes, and
             * a new one is made (its results are still pending). */
            logf_("central holds other results under #%lld (and up to #%lld): results from "
                  "#%lld on go out as #%lld on",
                  (long long)ack->conflict_seq, (long long)ack->held_max, (long long)from,
                  (long long)base);
            unlink(batch_path);
            rc = 1;
            goto out;
        }
        y->conflict = 1;
        if (signed_conflict)
            fail(y, SQ_SYNC_KIND_CONFLICT, "CONFLICT: central holds other results under %s%lld of this station "
                    "(it holds up to #%lld); call the technician",
                 ack->conflict_seq ? "#" : "batch ", (long long)ack->conflict_seq,
                 (long long)ack->held_max);
        else
            fail(y, SQ_SYNC_KIND_CONFLICT, "CONFLICT: central holds different results under batch %s; call the "
                    "technician (HTTP 409, not signed by central: %s)",
                 b ? sq_batch_id(b) : "-", why);
        goto out;
    }
    if (status != 200) {
        fail(y, SQ_SYNC_KIND_REFUSED, "central refused the upload: HTTP %ld: %.200s", status, resp.p ? resp.p : "");
        goto out;
    }
    if (open_answer(y, &resp, b ? sq_batch_id(b) : "", batch, blen, &ack, why, sizeof why) ||
        ack->kind != SQ_ACK_STORED) {
        fail(y, SQ_SYNC_KIND_ACK, "HTTP 200 but no acknowledgement: %s", ack ? "central says it did not store it"
                                                            : why);
        goto out;
    }
    counter_catch_up(y, ack->hb_counter);
    if (!b) {
        rc = 0;
        goto out;
    }
    /* Acknowledged: now, and only now, the results central names (those
     * of this batch) are sent. */
    size_t n = sq_batch_count(b), k = 0;
    int64_t *seqs = calloc(n ? n : 1, sizeof *seqs);
    int marked = 0;
    if (!seqs) {
        fail(y, SQ_SYNC_KIND_LOCAL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *sealed;
        size_t slen;
        int64_t seq;
        sq_batch_result(b, i, &seq, &sealed, &slen);
        for (size_t j = 0; j < ack->n; j++)
            if (ack->seqs[j] == seq) {
                seqs[k++] = seq;
                break;
            }
    }
    if (k != n)
        logf_("batch %s: central's acknowledgement names %zu of its %zu result(s); the others "
              "stay pending",
              sq_batch_id(b), k, n);
    if (defer) {
        if (defer->n + k > defer->cap) {
            size_t cap = (defer->n + k) * 2;
            int64_t *p = realloc(defer->seqs, cap * sizeof *p);
            if (!p) {
                free(seqs);
                fail(y, SQ_SYNC_KIND_LOCAL, "out of memory");
                goto out;
            }
            defer->seqs = p;
            defer->cap = cap;
        }
        memcpy(defer->seqs + defer->n, seqs, k * sizeof *seqs);
        defer->n += k;
        free(seqs);
        logf_("batch %s acknowledged: %zu result(s)", sq_batch_id(b), k);
        rc = 0;
        goto out;
    }
    if (sq_batch_mark_sent(y->store, seqs, k, &marked, &e)) {
        free(seqs);
        fail(y, SQ_SYNC_KIND_LOCAL, "marking results sent: %s", e.msg);
        goto out;
    }
    free(seqs);
    unlink(batch_path);
    logf_("batch %s acknowledged: %zu result(s), %d newly marked sent", sq_batch_id(b), k,
          marked);
    rc = 0;
out:
    sq_batch_ack_free(ack);
    return rc;
}

/* Sends one upload of one batch (o NULL: a heartbeat alone), one POST;
 * what upload_answered returns. */
static int send_one(syncd *y, const outgoing *o)
{
    sq_err e;
    uint8_t *up = NULL;
    size_t ulen = 0;
    body resp = {0};
    char err[600];
    int rc = -1;
    sq_heartbeat hb;
    if (heartbeat(y, &hb))
        return -1;
    if (sq_batch_upload_build(y->keys, &hb, o ? o->bytes : NULL, o ? o->len : 0, &up, &ulen, &e)) {
        fail(y, SQ_SYNC_KIND_LOCAL, "making an upload: %s", e.msg);
        return -1;
    }
    long status = http(y, "POST", "/v1/upload", up, ulen, &resp, 0, err, sizeof err);
    if (status < 0)
        fail(y, SQ_SYNC_KIND_NETWORK, "%s", err);
    else
        rc = upload_answered(y, o, status, &resp, NULL);
    free(resp.p);
    sq_free(up);
    return rc;
}

/* Sends the batch at batch_path (NULL: a heartbeat alone) in its own POST. */
static int send_upload(syncd *y, const char *batch_path)
{
    outgoing o;
    if (!batch_path)
        return send_one(y, NULL);
    if (outgoing_load(y, batch_path, &o))
        return -1;
    int rc = send_one(y, &o);
    outgoing_free(&o);
    return rc;
}

/* ---- several uploads in one request (PROTOCOL.md) ---- */

/* The first request of a daemon, before any bandwidth is measured: about
 * 10 s at EDGE, 100 s at 2G (a 3-minute window still completes it). */
#define MULTI_FIRST_BYTES (256 * 1024)
#define MULTI_MIN_BYTES (16 * 1024)
/* Bytes/s assumed of a link not yet measured, for how long a request may
 * take (16 kbit/s: below 2G's). */
#define MULTI_SLOWEST 2000.0
/* Framing within central's cap for one request, and what an upload's
 * envelope (heartbeat, signature) adds to its batch, about. */
#define MULTI_MARGIN 64
#define MULTI_ENVELOPE 512

/* The bytes the next request may carry: upload_seconds at the bandwidth
 * measured, within central's cap. */
static size_t multi_budget(const syncd *y)
{
    double b = y->rate_bps > 0 ? y->rate_bps * y->cfg.upload_seconds : MULTI_FIRST_BYTES;
    double cap = (double)(SQ_UPLOAD_MAX - MULTI_MARGIN);
    if (b > cap)
        b = cap;
    if (y->cut_cap && b > (double)y->cut_cap)
        b = (double)y->cut_cap;
    if (b < MULTI_MIN_BYTES)
        b = MULTI_MIN_BYTES;
    return (size_t)b;
}

static int is_batch_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n >= 9 && !strcmp(d->d_name + n - 8, ".sqbatch");
}

/* The batches of the next request, oldest first, into v (cap entries):
 * the outbox's, or, when it is empty, new ones made from the pending
 * results one after another (each in the outbox before it is sent), up to
 * the budget. *n 0: nothing pending. -1: error (recorded). */
static int multi_collect(syncd *y, outgoing *v, size_t cap, size_t *n)
{
    size_t budget = multi_budget(y), total = 0, hard = SQ_UPLOAD_MAX - MULTI_MARGIN;
    struct dirent **list = NULL;
    int k = scandir(y->outbox, &list, is_batch_name, alphasort);
    *n = 0;
    for (int i = 0; i < k; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", y->outbox, list[i]->d_name);
        if (*n < cap && total < budget && outgoing_load(y, path, &v[*n]) == 0) {
            if (*n > 0 && total + v[*n].len + MULTI_ENVELOPE > hard)
                outgoing_free(&v[*n]);
            else
                total += v[(*n)++].len + MULTI_ENVELOPE;
        }
        free(list[i]);
    }
    free(list);
    if (k > 0)
        return 0; /* the outbox first; new batches once it is empty */
    /* A request is acknowledged whole or not at all (central answers once
     * the body is in), so the batches in it may be as large as the
     * format allows: fewer signatures, files and transactions each side.
     * batch_results is for one batch a request. */
    int64_t after = 0;
    while (*n < cap && total < budget) {
        sq_err e;
        sq_batch_made made;
        size_t room = budget - total, most = SQ_UPLOAD_MAX - SQ_UPLOAD_OVERHEAD;
        if (*n > 0 && room < MULTI_MIN_BYTES / 2)
            break;
        if (room > most)
            room = most;
        if (sq_batch_make(y->store, after, SQ_BATCH_MAX_RESULTS, room, &made, &e)) {
            fail(y, SQ_SYNC_KIND_LOCAL, "making a batch: %s", e.msg);
            return -1;
        }
        if (made.count == 0)
            break;
        outgoing *o = &v[*n];
        memset(o, 0, sizeof *o);
        snprintf(o->path, sizeof o->path, "%s/%012lld-%s.sqbatch", y->outbox,
                 (long long)made.first_seq, made.id);
        if (sq_write_file(o->path, made.bytes, made.len, 0600, &e)) {
            sq_free(made.bytes);
            fail(y, SQ_SYNC_KIND_LOCAL, "%s", e.msg);
            return -1;
        }
        after = made.next_after;
        if (*n > 0 && total + made.len + MULTI_ENVELOPE > hard) {
            sq_free(made.bytes); /* in the outbox: the next request's */
            break;
        }
        sq_free(made.bytes);
        /* Read back as the outbox's are (parsed, checked, inflated). */
        char path[sizeof o->path];
        snprintf(path, sizeof path, "%s", o->path);
        if (outgoing_load(y, path, o))
            return -1;
        total += o->len + MULTI_ENVELOPE;
        (*n)++;
    }
    if (*n)
        logf_("%zu new batch(es) ready, %zu bytes", *n, total);
    return 0;
}

/* Marks the results acknowledged so far sent, in one transaction, and
 * only then removes their batches from the outbox (v[0..*n_acked)). */
static int multi_mark(syncd *y, const outgoing *v, size_t *n_acked, seq_list *acked)
{
    sq_err e;
    int marked = 0;
    if (*n_acked == 0)
        return 0;
    if (acked->n && sq_batch_mark_sent(y->store, acked->seqs, acked->n, &marked, &e)) {
        fail(y, SQ_SYNC_KIND_LOCAL, "marking results sent: %s", e.msg);
        return -1;
    }
    for (size_t i = 0; i < *n_acked; i++)
        unlink(v[i].path);
    logf_("%zu batch(es) acknowledged: %zu result(s), %d newly marked sent", *n_acked, acked->n,
          marked);
    *n_acked = 0;
    acked->n = 0;
    return 0;
}

/* Sends v[0..n) in one POST: "SQMULTI1" then, for each, u32 (big-endian)
 * length and an upload as send_one makes it. Central answers each in
 * order, stopping at the first it does not store; each answer is acted on
 * as a single upload's would be. A receiver of an older build refuses the
 * form (400): then each goes in its own POST, and so does every upload
 * after. 0: all acknowledged; 1: renumbered (the outbox's other batches,
 * made with the old numbers, are dropped: their results are pending and go
 * out anew); -1: failed, recorded. */
static int multi_send(syncd *y, outgoing *v, size_t n)
{
    if (n == 1)
        return send_one(y, &v[0]);
    sq_err e;
    /* Central's cap, exactly: what does not fit stays in the outbox for
     * the next request. */
    size_t cap = SQ_UPLOAD_MAX - MULTI_MARGIN, len = 0, built = 0;
    uint8_t *req = malloc(cap);
    if (!req) {
        fail(y, SQ_SYNC_KIND_LOCAL, "out of memory");
        return -1;
    }
    sq_multi_start(req, cap, &len);
    for (; built < n; built++) {
        sq_heartbeat hb;
        uint8_t *up = NULL;
        size_t ulen = 0;
        if (heartbeat(y, &hb)) {
            free(req);
            return -1;
        }
        if (sq_batch_upload_build(y->keys, &hb, v[built].bytes, v[built].len, &up, &ulen, &e)) {
            free(req);
            fail(y, SQ_SYNC_KIND_LOCAL, "making an upload: %s", e.msg);
            return -1;
        }
        bool fits = sq_multi_put(req, cap, &len, up, ulen);
        sq_free(up);
        if (!fits)
            break;
    }
    if (built <= 1) {
        free(req);
        return send_one(y, &v[0]);
    }
    n = built;
    body resp = {0};
    char err[600];
    /* Once written, the request may wait in buffers for as long as the
     * link takes to carry it: at the rate measured, or, before any is, at
     * MULTI_SLOWEST (below 2G's), half as long again. */
    double rate = y->rate_bps > 0 ? y->rate_bps : MULTI_SLOWEST;
    y->slow_grace_s = (long)((double)len / rate * 1.5);
    long status = http(y, "POST", "/v1/upload", req, len, &resp, 0, err, sizeof err);
    y->slow_grace_s = 0;
    free(req);
    if (status < 0) {
        /* Cut on the way (a window closing, a drop; not a link that was
         * not there at all): the next request is at most a quarter of this
         * one (cut_cap), so a link up for less than a request takes still
         * moves the backlog; each request that arrives lets it grow. */
        size_t smaller = len / 4 > MULTI_MIN_BYTES ? len / 4 : MULTI_MIN_BYTES;
        if (strncmp(err, "central not reachable", 21) != 0 && (!y->cut_cap || smaller < y->cut_cap))
            y->cut_cap = smaller;
        fail(y, SQ_SYNC_KIND_NETWORK, "%s", err);
        return -1;
    }
    /* The up bandwidth: the request's bytes over the time from its first
     * byte to the answer (a round trip and central's work included, so a
     * little low: the next request is sized on the safe side). */
    curl_off_t pre = 0, total = 0;
    curl_easy_getinfo(y->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(y->curl, CURLINFO_TOTAL_TIME_T, &total);
    if (status == 200 && len >= MULTI_MIN_BYTES && total > pre)
        y->rate_bps = (double)len * 1e6 / (double)(total - pre);
    if (status == 200 && y->cut_cap) {
        y->cut_cap += y->cut_cap / 2;
        if (y->cut_cap >= SQ_UPLOAD_MAX)
            y->cut_cap = 0;
    }
    json_t *j = status == 200 && resp.p ? json_loadb(resp.p, resp.len, 0, NULL) : NULL;
    json_t *answers = json_object_get(j, "answers");
    int rc = 0;
    if (!json_is_array(answers)) {
        json_decref(j);
        if (status == 400) {
            logf_("central refused several uploads in one request (a receiver of an older "
                  "build?): one batch a request from now on");
            y->multi_refused = true;
            free(resp.p);
            for (size_t i = 0; i < n && rc == 0; i++)
                rc = send_one(y, &v[i]);
            return rc < 0 ? -1 : rc;
        }
        rc = upload_answered(y, &v[0], status, &resp, NULL);
        free(resp.p);
        return rc;
    }
    free(resp.p);
    size_t got = json_array_size(answers);
    if (got == 0) {
        /* Central looks at the first upload at least: not central's answer. */
        json_decref(j);
        fail(y, SQ_SYNC_KIND_ACK, "HTTP 200 but no answer to any of %zu uploads", n);
        return -1;
    }
    logf_("%zu batch(es), %zu bytes in one request: %zu answered; %.0f bytes/s, the next "
          "request up to %zu bytes",
          n, len, got, y->rate_bps, multi_budget(y));
    seq_list acked = {0};
    size_t n_acked = 0; /* v[0..n_acked) acknowledged, their results in acked */
    for (size_t i = 0; i < n && i < got && rc == 0; i++) {
        json_t *a = json_array_get(answers, i);
        json_t *js = json_object_get(a, "status");
        long st = json_is_integer(js) ? (long)json_integer_value(js) : 0;
        /* What was acknowledged before an answer that is not is marked
         * first: a conflict renumbers what follows it. */
        if (st != 200 && multi_mark(y, v, &n_acked, &acked)) {
            rc = -1;
            break;
        }
        body eb = {0};
        eb.p = json_dumps(a, JSON_COMPACT);
        eb.len = eb.p ? strlen(eb.p) : 0;
        json_t *ra = json_object_get(a, "retry_after");
        y->retry_after_s = 0;
        if (json_is_integer(ra) && json_integer_value(ra) > 0)
            y->retry_after_s = json_integer_value(ra) > y->cfg.retry_after_max_s
                                   ? y->cfg.retry_after_max_s
                                   : (long)json_integer_value(ra);
        rc = upload_answered(y, &v[i], st, &eb, st == 200 ? &acked : NULL);
        free(eb.p);
        if (rc == 0 && st == 200)
            n_acked = i + 1;
        if (rc == 1)
            for (size_t r = i + 1; r < n; r++)
                unlink(v[r].path);
    }
    if (multi_mark(y, v, &n_acked, &acked))
        rc = -1;
    free(acked.seqs);
    json_decref(j);
    if (rc == 0 && got < n)
        logf_("central answered %zu of %zu uploads; the others go in the next request", got, n);
    return rc;
}

/* Drains the pending results in requests of several uploads. *sent:
 * requests acknowledged. 0: done (or central refused the form: the caller
 * goes on one batch a request); -1: failed. */
static int multi_drain(syncd *y, int *sent)
{
    enum { MAX_BATCHES = 1024 };
    outgoing *v = calloc(MAX_BATCHES, sizeof *v);
    int renumbered = 0, rc = 0;
    if (!v) {
        fail(y, SQ_SYNC_KIND_LOCAL, "out of memory");
        return -1;
    }
    while (!y->stopping && !y->multi_refused) {
        size_t n = 0;
        if (multi_collect(y, v, MAX_BATCHES, &n)) {
            for (size_t i = 0; i < n; i++)
                outgoing_free(&v[i]);
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        int u = multi_send(y, v, n);
        for (size_t i = 0; i < n; i++)
            outgoing_free(&v[i]);
        if (u < 0) {
            rc = -1;
            break;
        }
        if (u == 0)
            (*sent)++;
        else if (++renumbered > 4) {
            fail(y, SQ_SYNC_KIND_CONFLICT,
                 "central keeps answering with conflicts after "
                 "renumbering; call the technician");
            rc = -1;
            break;
        }
    }
    free(v);
    return rc;
}

/* ---- bundles ---- */

/*
 * Bundles are known by the SHA-256 the listing gives, not by their names:
 * one republished under the same name is new content, and arrives. In
 * DIR/bundles: HASH.part (a download under way, resumed by Range),
 * HASH.sqb (imported), HASH.tries (failed imports so far) and, after
 * BUNDLE_TRIES of them, HASH.aside (why it was set aside: it is not
 * fetched again, and the round goes on without it).
 */
#define BUNDLE_TRIES 3

static void bundle_path(syncd *y, const char *sha, const char *ext, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s%s", y->bundles, sha, ext);
}

static bool is_sha_hex(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return true;
}

/* Adds a bundle set aside to the status file's list. */
static void note_aside(syncd *y, const char *name, const char *sha, const char *why)
{
    if (y->status.n_aside >= SQ_SYNC_ASIDE_MAX)
        return;
    int k = y->status.n_aside++;
    snprintf(y->status.aside[k].name, sizeof y->status.aside[k].name, "%s", name);
    snprintf(y->status.aside[k].sha256, sizeof y->status.aside[k].sha256, "%s", sha);
    snprintf(y->status.aside[k].why, sizeof y->status.aside[k].why, "%s", why);
}

/* One more failed try of a bundle; after BUNDLE_TRIES it is set aside. */
static void bundle_failed(syncd *y, const char *name, const char *sha, const char *why)
{
    char tries[4500], aside[4500];
    bundle_path(y, sha, ".tries", tries, sizeof tries);
    bundle_path(y, sha, ".aside", aside, sizeof aside);
    int n = 0;
    FILE *f = fopen(tries, "r");
    if (f) {
        if (fscanf(f, "%d", &n) != 1 || n < 0)
            n = 0;
        fclose(f);
    }
    n++;
    char text[700];
    sq_err e;
    if (n >= BUNDLE_TRIES) {
        snprintf(text, sizeof text, "%s: %s\n", name, why);
        if (sq_write_file(aside, text, strlen(text), 0600, &e) == 0) {
            unlink(tries);
            logf_("bundle %s set aside after %d tries: %s", name, n, why);
            note_aside(y, name, sha, why);
        }
        return;
    }
    snprintf(text, sizeof text, "%d\n", n);
    if (sq_write_file(tries, text, strlen(text), 0600, &e))
        logf_("%s", e.msg);
}

typedef struct {
    CURL *curl;
    FILE *f;
    long refused; /* the status of an answer that was not the bundle */
} part_sink;

/* Writes the bytes of an answer that is the bundle (200, or 206 to our
 * Range) to the part file. Any other answer's body (a 404's or 503's
 * JSON, a proxy's error page) is not the bundle: kept, the next round
 * would resume after it and the whole would fail its hash. */
static size_t on_part(char *data, size_t size, size_t n, void *ctx)
{
    part_sink *s = ctx;
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200 && code != 206) {
        s->refused = code;
        return 0;
    }
    return fwrite(data, 1, size * n, s->f);
}

/* Downloads (resuming) the bundle with the listed hash into HASH.part.
 * 0: the part holds all of it; -1: a transfer error (the round fails,
 * the next resumes). */
static int bundle_download(syncd *y, const char *kind, curl_off_t cap, const char *name,
                           const char *sha, json_int_t size, const char *station)
{
    char part[4500], url[700];
    bundle_path(y, sha, ".part", part, sizeof part);
    struct stat sb;
    curl_off_t from = stat(part, &sb) == 0 ? (curl_off_t)sb.st_size : 0;
    if (size >= 0 && from > size) {
        unlink(part); /* longer than the bundle: not a part of it */
        from = 0;
    }
    if (size >= 0 && from == size)
        return 0;
    FILE *f = fopen(part, "ab");
    if (!f) {
        fail(y, SQ_SYNC_KIND_LOCAL, "cannot write %s", part);
        return -1;
    }
    snprintf(url, sizeof url, "%s/v1/%s/%s?station=%s", y->cfg.central_url, kind, name, station);
    curl_prepare(y, url);
    part_sink sink = {y->curl, f, 0};
    curl_easy_setopt(y->curl, CURLOPT_RESUME_FROM_LARGE, from);
    curl_easy_setopt(y->curl, CURLOPT_WRITEFUNCTION, on_part);
    curl_easy_setopt(y->curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(y->curl, CURLOPT_MAXFILESIZE_LARGE, cap);
    CURLcode cr = curl_easy_perform(y->curl);
    long code = 0;
    curl_easy_getinfo(y->curl, CURLINFO_RESPONSE_CODE, &code);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    if (cr != CURLE_OK || (code != 200 && code != 206)) {
        fail(y, SQ_SYNC_KIND_NETWORK, "downloading %s: %s (HTTP %ld); will resume", name,
             sink.refused || cr == CURLE_OK ? "refused" : curl_easy_strerror(cr), code);
        /* 416: the part is not a start of this bundle. A 200 to our Range
         * (a server or proxy that ignores ranges; curl stops at once):
         * resuming cannot work, so the next round starts from 0. */
        if (code == 416 || (cr == CURLE_RANGE_ERROR && code == 200))
            unlink(part);
        return -1;
    }
    return 0;
}

/* The sha256 of a file in hex (65 bytes); false if it cannot be read.
 * Streamed: a bundle may be large, a station's memory is not. */
static bool file_sha256_hex(const char *path, char *hex)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    crypto_hash_sha256_state st;
    unsigned char buf[16384], h[crypto_hash_sha256_BYTES];
    size_t n;
    crypto_hash_sha256_init(&st);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        crypto_hash_sha256_update(&st, buf, n);
    bool ok = !ferror(f);
    fclose(f);
    crypto_hash_sha256_final(&st, h);
    if (ok)
        sodium_bin2hex(hex, 2 * sizeof h + 1, h, sizeof h);
    return ok;
}

static int fetch_bundles(syncd *y)
{
    char err[600], path[256];
    body resp = {0};
    const sq_cert *c = sq_station_keys_cert(y->keys);
    snprintf(path, sizeof path, "/v1/bundles?station=%s", c->station_id);
    long status = http(y, "GET", path, NULL, 0, &resp, 0, err, sizeof err);
    if (status != 200) {
        free(resp.p);
        if (status < 0)
            fail(y, SQ_SYNC_KIND_NETWORK, "%s", err);
        else if (status != 404)
            fail(y, SQ_SYNC_KIND_REFUSED, "listing bundles: HTTP %ld", status);
        return status == 404 ? 0 : -1;
    }
    json_t *j = json_loadb(resp.p, resp.len, 0, NULL);
    free(resp.p);
    json_t *list = json_object_get(j, "bundles");
    size_t i;
    json_t *it;
    int rc = 0;
    mkdir(y->bundles, 0700);
    y->status.n_aside = 0;
    json_array_foreach(list, i, it)
    {
        const char *name = json_string_value(json_object_get(it, "name"));
        const char *sha = json_string_value(json_object_get(it, "sha256"));
        json_t *jsize = json_object_get(it, "size");
        json_int_t size = json_is_integer(jsize) ? json_integer_value(jsize) : -1;
        if (!name || strchr(name, '/') || name[0] == '.' || strlen(name) > 200)
            continue;
        if (!is_sha_hex(sha)) {
            logf_("bundle %s: listed without a sha256; skipped", name);
            continue;
        }
        char done[4500], aside[4500], part[4500];
        bundle_path(y, sha, ".sqb", done, sizeof done);
        bundle_path(y, sha, ".aside", aside, sizeof aside);
        bundle_path(y, sha, ".part", part, sizeof part);
        if (access(done, F_OK) == 0)
            continue; /* this content was imported before */
        if (access(aside, F_OK) == 0) {
            char why[600] = "";
            FILE *f = fopen(aside, "r");
            if (f) {
                if (!fgets(why, sizeof why, f))
                    why[0] = 0;
                fclose(f);
            }
            why[strcspn(why, "\n")] = 0;
            note_aside(y, name, sha, why);
            continue;
        }
        if (bundle_download(y, "bundles", (curl_off_t)SQ_BUNDLE_MAX_FILE, name, sha, size,
                            c->station_id)) {
            rc = -1;
            break;
        }
        /* The listed hash before anything else: a download that went
         * wrong (a proxy, a resumed file of other content) starts over,
         * and counts as a try. */
        char hex[2 * crypto_hash_sha256_BYTES + 1] = "";
        if (!file_sha256_hex(part, hex) || strcmp(hex, sha) != 0) {
            unlink(part);
            bundle_failed(y, name, sha, "the downloaded bytes do not match the listed sha256");
            logf_("bundle %s: downloaded bytes do not match the listed sha256", name);
            continue;
        }
        sq_err e;
        sq_import_report r;
        sq_status st = sq_import_file(y->store, part, NULL, &r, &e);
        if (st == SQ_EBUSY || st == SQ_EFULL || st == SQ_EIO || st == SQ_ENOMEM ||
            st == SQ_EREADONLY) {
            /* The station's trouble, not the bundle's: try again later. */
            fail(y, SQ_SYNC_KIND_LOCAL, "bundle %s: %s", name, e.msg);
            rc = -1;
            continue;
        }
        if (st && st != SQ_ESTALE) {
            /* Not for this station, damaged, forged: it will not get
             * better by downloading it again. */
            unlink(part);
            bundle_failed(y, name, sha, e.msg);
            logf_("bundle %s: %s", name, e.msg);
            continue;
        }
        char tries[4500];
        bundle_path(y, sha, ".tries", tries, sizeof tries);
        unlink(tries);
        rename(part, done);
        if (st == SQ_ESTALE)
            logf_("bundle %s: older than what is installed; nothing to import (%s)", name, e.msg);
        else
            logf_("bundle %s imported: %d exam(s) new, %d item(s), %d old version(s) pruned", name,
                  r.exams_new, r.items, r.exams_pruned);
    }
    json_decref(j);
    return rc;
}

/* Software updates central lists (GET /v1/updates): each downloaded into
 * the bundles folder as HASH.part like a bundle, its bytes checked
 * against the listed hash, then handed to synaq-update.service
 * (sq_update_stage_file: central's signature checked, copied into
 * HOME/updates); HASH.staged marks it done. One that is not signed by
 * central or is damaged is set aside as a bundle would be. The daemon
 * installs nothing: root's service does (units/README.md, "Updates").
 * A receiver without the endpoint (404) has none. */
static int fetch_updates(syncd *y)
{
    char err[600], path[256], pending[4300];
    body resp = {0};
    const sq_cert *c = sq_station_keys_cert(y->keys);
    snprintf(path, sizeof path, "/v1/updates?station=%s", c->station_id);
    long status = http(y, "GET", path, NULL, 0, &resp, 0, err, sizeof err);
    if (status != 200) {
        free(resp.p);
        if (status < 0)
            fail(y, SQ_SYNC_KIND_NETWORK, "%s", err);
        else if (status != 404)
            fail(y, SQ_SYNC_KIND_REFUSED, "listing updates: HTTP %ld", status);
        return status == 404 ? 0 : -1;
    }
    json_t *j = json_loadb(resp.p, resp.len, 0, NULL);
    free(resp.p);
    snprintf(pending, sizeof pending, "%s/updates", y->paths.home);
    mkdir(y->bundles, 0700);
    size_t i;
    json_t *it;
    int rc = 0;
    json_array_foreach(json_object_get(j, "updates"), i, it)
    {
        const char *name = json_string_value(json_object_get(it, "name"));
        const char *sha = json_string_value(json_object_get(it, "sha256"));
        json_t *jsize = json_object_get(it, "size");
        json_int_t size = json_is_integer(jsize) ? json_integer_value(jsize) : -1;
        if (!name || strchr(name, '/') || name[0] == '.' || strlen(name) > 200 || !is_sha_hex(sha))
            continue;
        char done[4500], aside[4500], part[4500];
        bundle_path(y, sha, ".staged", done, sizeof done);
        bundle_path(y, sha, ".aside", aside, sizeof aside);
        bundle_path(y, sha, ".part", part, sizeof part);
        if (access(done, F_OK) == 0 || access(aside, F_OK) == 0)
            continue;
        if (bundle_download(y, "updates", (curl_off_t)SQ_UPDATE_MAX_FILE, name, sha, size,
                            c->station_id)) {
            rc = -1;
            break;
        }
        uint8_t h[crypto_hash_sha256_BYTES], chunk[65536];
        char hex[2 * sizeof h + 1] = "";
        crypto_hash_sha256_state hs;
        crypto_hash_sha256_init(&hs);
        FILE *f = fopen(part, "rb");
        size_t n;
        while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            crypto_hash_sha256_update(&hs, chunk, n);
        if (f && !ferror(f)) {
            crypto_hash_sha256_final(&hs, h);
            sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        }
        if (f)
            fclose(f);
        if (strcmp(hex, sha) != 0) {
            unlink(part);
            bundle_failed(y, name, sha, "the downloaded bytes do not match the listed sha256");
            logf_("update %s: downloaded bytes do not match the listed sha256", name);
            continue;
        }
        sq_err e;
        sq_update_manifest m;
        sq_status st = sq_update_stage_file(part, sq_station_keys_central_sign_pk(y->keys),
                                            pending, &m, &e);
        unlink(part);
        if (st == SQ_EIO || st == SQ_ENOMEM || st == SQ_EFULL) {
            fail(y, SQ_SYNC_KIND_LOCAL, "update %s: %s", name, e.msg);
            rc = -1;
            continue;
        }
        if (st) {
            bundle_failed(y, name, sha, e.msg);
            logf_("update %s: %s", name, e.msg);
            continue;
        }
        char text[200];
        snprintf(text, sizeof text, "staged %s\n", m.version);
        if (sq_write_file(done, text, strlen(text), 0600, &e))
            logf_("%s", e.msg);
        logf_("update %s (%s) staged in %s for synaq-update", name, m.version, pending);
    }
    json_decref(j);
    return rc;
}

/* ---- one round ---- */

static int sync_round(syncd *y)
{
    char err[600], path[4400];
    body resp = {0};
    int sent = 0, renumbered = 0;
    /* Several batches a request: no probe first (the first request is
     * one, and waiting a round trip for a probe costs what a request
     * does); a round with nothing pending probes as below. */
    if (y->cfg.upload_multi && !y->multi_refused) {
        if (multi_drain(y, &sent))
            return -1;
        if (sent && !y->multi_refused)
            goto uploaded;
    }
    /* A cheap probe first: no point making batches for a dead link. */
    long status = http(y, "GET", "/v1/health", NULL, 0, &resp, y->cfg.probe_timeout_s, err,
                       sizeof err);
    free(resp.p);
    if (status != 200) {
        if (status < 0 && !strncmp(err, "central not reachable", 21))
            fail(y, SQ_SYNC_KIND_NETWORK, "%s", err);
        else if (status < 0)
            fail(y, SQ_SYNC_KIND_NETWORK, "central not reachable: %s", err);
        else if (status == 503 || status == 429)
            /* A receiver past its limits turns the probe away too; its
             * Retry-After (read with the answer) sets the next try. */
            fail(y, SQ_SYNC_KIND_BUSY, "central is busy (HTTP %ld, retry after %ld s)", status,
                 y->retry_after_s);
        else
            fail(y, SQ_SYNC_KIND_REFUSED, "central's health check answered HTTP %ld", status);
        return -1;
    }
    while (!y->stopping) {
        int r = next_batch(y, path, sizeof path);
        if (r < 0)
            return -1;
        if (r > 0)
            break;
        int u = send_upload(y, path);
        if (u < 0)
            return -1;
        if (u == 0)
            sent++;
        else if (++renumbered > 4) {
            fail(y, SQ_SYNC_KIND_CONFLICT, "central keeps answering with conflicts after renumbering; call the "
                    "technician");
            return -1;
        }
    }
    if (!sent && !y->stopping && send_upload(y, NULL))
        return -1;
uploaded:
    if (y->cfg.fetch_bundles && !y->stopping && fetch_bundles(y))
        return -1;
    if (y->cfg.fetch_bundles && !y->stopping && fetch_updates(y))
        return -1;
    y->status.last_success_s = wall_now();
    y->status.last_error[0] = 0;
    y->status.last_error_kind[0] = 0;
    status_write(y);
    return 0;
}

/* Full jitter: a uniform wait in [0, min(cap, base * 2^failures)], and
 * never less than central's Retry-After (capped when it was read). */
static int64_t backoff_ms(syncd *y)
{
    int64_t cap = (int64_t)y->cfg.retry_max_s * 1000, d = (int64_t)y->cfg.retry_min_s * 1000;
    for (int i = 0; i < y->failures && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    if (y->conflict)
        return cap;
    int64_t wait = (int64_t)randombytes_uniform((uint32_t)(d > 0xffffffffll ? 0xffffffffll : d) + 1);
    if (y->retry_after_s > 0 && wait < y->retry_after_s * 1000)
        wait = y->retry_after_s * 1000;
    return wait;
}

/* ---- locked at start: waiting for the passphrase ---- */

/* Reads one line (the passphrase) from a connection into guarded memory,
 * waiting at most 10 s for it. NULL when none came. */
static char *read_passphrase_line(int fd)
{
    char *buf = sodium_malloc(SQ_UNLOCK_MAX + 1);
    size_t got = 0;
    if (!buf)
        return NULL;
    while (got < SQ_UNLOCK_MAX && !memchr(buf, '\n', got)) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 10000) <= 0)
            break;
        ssize_t r = recv(fd, buf + got, SQ_UNLOCK_MAX - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    char *nl = memchr(buf, '\n', got);
    if (!nl || nl == buf) {
        sodium_free(buf);
        return NULL;
    }
    *nl = 0;
    return buf;
}

/* Waits on HOME/unlock.sock until someone hands over the passphrase that
 * opens the key file; *pass gets it (guarded memory). 0: unlocked; 1:
 * stopped by a signal first; -1: cannot wait. */
static int wait_for_unlock(syncd *y, char **pass_out)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", y->paths.unlock_sock);
    /* The status says LOCKED before the socket appears: whoever sees the
     * socket (the kiosk, a test) finds the status already written. */
    fail(y, SQ_SYNC_KIND_LOCKED, "LOCKED: the station's keys are protected by a passphrase; waiting for the "
            "technician to unlock the station (at the kiosk, or synaqctl unlock)");
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(sa.sun_path); /* one left by a daemon that was killed */
    mode_t old_mask = umask(0117); /* the socket: 0660, the station's group */
    int bound = ls >= 0 && bind(ls, (struct sockaddr *)&sa, sizeof sa) == 0;
    umask(old_mask);
    if (!bound || listen(ls, 4) != 0) {
        fail(y, SQ_SYNC_KIND_LOCAL, "cannot wait for the passphrase at %s: %s", sa.sun_path,
             strerror(errno));
        if (ls >= 0)
            close(ls);
        return -1;
    }
    int rc = 1;
    while (!y->stopping) {
        struct pollfd pf[2] = {{y->sig_fd, POLLIN, 0}, {ls, POLLIN, 0}};
        if (poll(pf, 2, -1) < 0 && errno != EINTR)
            break;
        if (pf[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(y->sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
                y->stopping = 1;
            continue;
        }
        if (!(pf[1].revents & POLLIN))
            continue;
        int cfd = accept(ls, NULL, NULL);
        if (cfd < 0)
            continue;
        char *pass = read_passphrase_line(cfd);
        sq_err e;
        sq_station_keys *k = NULL;
        sq_status st = pass ? sq_station_keys_open(y->paths.keys, pass, &k, &e) : SQ_EINVAL;
        sq_station_keys_close(k);
        if (st == SQ_OK) {
            *pass_out = pass;
            pass = NULL;
        }
        sq_passphrase_free(pass);
        if (st == SQ_OK) {
            (void)!send(cfd, "ok\n", 3, MSG_NOSIGNAL);
            close(cfd);
            logf_("unlocked");
            rc = 0;
            break;
        }
        char answer[600];
        snprintf(answer, sizeof answer, "wrong: %s\n",
                 st == SQ_EAUTH ? "it does not open the station's keys" : "no passphrase came");
        (void)!send(cfd, answer, strlen(answer), MSG_NOSIGNAL);
        close(cfd);
        logf_("a wrong passphrase was handed over");
        sleep(1); /* on top of Argon2id's own cost: no rapid guessing */
    }
    close(ls);
    unlink(sa.sun_path);
    if (rc == 0) {
        y->status.last_error[0] = 0;
        y->status.last_error_kind[0] = 0;
        status_write(y);
    }
    return rc;
}

static void usage(FILE *f)
{
    fputs("usage: synaq-syncd [--home DIR] [--config FILE] [--passphrase-file FILE] [--once]\n"
          "       synaq-syncd [--home DIR] [--config FILE] --check\n"
          "Uploads the station's results to central and fetches new bundles.\n"
          "The configuration defaults to DIR/sync.conf (see sync/README.md);\n"
          "--check reads it, says what is wrong or doubtful, and stops.\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"home", 1, 0, 'H'},   {"config", 1, 0, 'c'},
                                       {"once", 0, 0, 'o'},   {"passphrase-file", 1, 0, 'p'},
                                       {"help", 0, 0, 'h'},   {"check", 0, 0, 'C'},
                                       {0, 0, 0, 0}};
    syncd y;
    memset(&y, 0, sizeof y);
    const char *home = NULL, *config = NULL, *pass_file = NULL;
    int once = 0, check = 0, c;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'H': home = optarg; break;
        case 'c': config = optarg; break;
        case 'o': once = 1; break;
        case 'p': pass_file = optarg; break;
        case 'C': check = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    sq_err e;
    if (sq_station_paths_init(&y.paths, home, NULL, NULL, &e)) {
        logf_("%s", e.msg);
        return 2;
    }
    home = y.paths.home;
    if (!config)
        config = y.paths.sync_conf;
    char err[600];
    config_defaults(&y.cfg);
    if (config_load(config, &y.cfg, err, sizeof err)) {
        logf_("%s", err);
        return 2;
    }
    bool insecure =
        !strncmp(y.cfg.central_url, "http://", 7) && !config_url_is_loopback(y.cfg.central_url);
    if (insecure)
        logf_("WARNING: central_url is plain http:// to another machine (allow_insecure_http = "
              "yes): results and heartbeats cross the network unencrypted; acknowledgements are "
              "still checked against central's signature");
    if (check) {
        printf("%s: fine; central %s\n", config, y.cfg.central_url);
        return 0;
    }
    snprintf(y.outbox, sizeof y.outbox, "%s/outbox", home);
    /* The last success stays known across restarts: a failed round after
     * a restart must not make the station say it never synced. */
    if (sq_station_sync_status_read(&y.paths, &y.status, NULL) != SQ_OK)
        memset(&y.status, 0, sizeof y.status);
    y.status.n_aside = 0;
    snprintf(y.bundles, sizeof y.bundles, "%s/bundles", home);
    snprintf(y.counter_path, sizeof y.counter_path, "%s/sync-counter", home);
    counter_load(&y);
    mkdir(y.outbox, 0700);
    /* A daemon killed while writing a batch leaves its temp file: the
     * results are still pending in the store, so the file just goes. */
    DIR *od = opendir(y.outbox);
    if (od) {
        struct dirent *de;
        while ((de = readdir(od)))
            if (strstr(de->d_name, ".tmp")) {
                char stale[4500];
                snprintf(stale, sizeof stale, "%s/%s", y.outbox, de->d_name);
                unlink(stale);
            }
        closedir(od);
    }

    /* Signals become a file descriptor of the loop: no work in a handler. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    y.sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);

    char *passphrase = NULL;
    if (sq_init(&e) || sq_harden_process(&e) || sq_passphrase_load(pass_file, &passphrase, &e)) {
        logf_("%s", e.msg);
        return 1;
    }
    sq_station_state state;
    sq_station *station = NULL;
    sq_status kst = sq_station_open(&y.paths, passphrase, NULL, &state, &station, &e);
    if (kst == SQ_OK && state == SQ_STATION_LOCKED && !passphrase) {
        /* Locked: the technician unlocks the station at the kiosk (or
         * with synaqctl unlock), which hands the passphrase over. */
        int u = wait_for_unlock(&y, &passphrase);
        if (u)
            return u < 0 ? 1 : 0;
        kst = sq_station_open(&y.paths, passphrase, NULL, &state, &station, &e);
    }
    sq_passphrase_free(passphrase);
    if (kst || state != SQ_STATION_OPEN) {
        logf_("%s", e.msg);
        return 1;
    }
    y.keys = sq_station_get_keys(station);
    y.store = sq_station_get_store(station);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    y.curl = curl_easy_init();
    /* News: the store's WAL changes on every commit (a new result). */
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ino >= 0 && inotify_add_watch(ino, home, IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        close(ino);
        ino = -1;
    }
    logf_("started: station %s, central %s", sq_station_keys_cert(y.keys)->station_id,
          y.cfg.central_url);

    int rc = 0;
    int64_t next_ms = mono_ms(); /* a round at once */
    while (!y.stopping) {
        int64_t now = mono_ms();
        if (now >= next_ms) {
            int64_t pending = 0;
            y.conflict = 0;
            if (sync_round(&y) == 0) {
                y.failures = 0;
                next_ms = mono_ms() + (int64_t)y.cfg.interval_s * 1000;
            } else {
                if (once) {
                    rc = 1;
                    break;
                }
                y.retry_until_ms = mono_ms() + (int64_t)y.retry_after_s * 1000;
                next_ms = mono_ms() + backoff_ms(&y);
                y.failures++;
            }
            (void)pending;
            if (once)
                break;
            continue;
        }
        struct pollfd pf[2] = {{y.sig_fd, POLLIN, 0}, {ino, POLLIN, 0}};
        /* At most an hour a wait: the loop looks round now and then. */
        int64_t wait_ms = next_ms - now;
        int timeout = (int)(wait_ms > 3600000 ? 3600000 : wait_ms);
        if (poll(pf, ino >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR)
            break;
        if (pf[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(y.sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
                logf_("signal %u: stopping", si.ssi_signo);
                y.stopping = 1;
            }
        }
        if (ino >= 0 && (pf[1].revents & POLLIN)) {
            char buf[4096] __attribute__((aligned(8)));
            bool news = false;
            ssize_t n;
            while ((n = read(ino, buf, sizeof buf)) > 0)
                for (char *p = buf; p < buf + n;) {
                    struct inotify_event *ev = (struct inotify_event *)p;
                    if (ev->len && strstr(ev->name, "station.db"))
                        news = true;
                    p += sizeof *ev + ev->len;
                }
            /* A new result: a round soon (a second's grace lets a burst of
             * commits settle). Backing off from failures, a new result
             * still ends the back-off, but not central's Retry-After, and
             * not the wait for a person after a conflict. */
            int64_t soon = mono_ms() + 1000;
            if (news && y.failures > 0 && soon < y.retry_until_ms)
                soon = y.retry_until_ms;
            if (news && !y.conflict && next_ms > soon) {
                if (y.failures > 0)
                    logf_("new results: trying again in %lld s",
                          (long long)((soon - mono_ms()) / 1000));
                next_ms = soon;
            }
        }
    }
    if (ino >= 0)
        close(ino);
    curl_easy_cleanup(y.curl);
    curl_global_cleanup();
    sq_station_close(station);
    logf_("stopped");
    return rc;
}
