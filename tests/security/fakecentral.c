/*
 * fakecentral - a server that answers a station's uploads the way someone
 * who is not central could: on the path of a plain http:// link, a proxy,
 * a captive portal, a machine that took central's address. It sees every
 * byte the station sends, so it knows the batch id and its hash; what it
 * does not have is central's signing key. The station must mark nothing
 * sent on its word.
 *
 *   fakecentral --mode MODE --cert STATION.cert [--keys DIR] [--ack FILE]
 *               [--retry-after VALUE]
 *
 * Modes, for POST /v1/upload:
 *   unsigned  200 with the first builds' acknowledgement: JSON naming the
 *             batch id, its sha256 and the results, no signature
 *   forged    the same with "signed": an acknowledgement made and signed
 *             by the central keys in --keys DIR (another central)
 *   replay    the same with "signed": the acknowledgement file --ack FILE
 *             (central's own, genuine, for another batch)
 *   busy      503 with Retry-After: VALUE
 *   noanswer  200 {"answers":[]} to a request of several uploads (a
 *             server that looked at none of them); a single upload gets
 *             an unsigned answer
 * GET /v1/health answers 200, GET /v1/bundles an empty list. Prints
 * "listening on 127.0.0.1:PORT", then one line per upload on stderr, and
 * stops on SIGTERM.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include <sodium.h>

#include "synaq/keys.h"
#include "synaq/batch.h"
#include "synaq/result.h"

static const char *mode = "unsigned", *retry_after = "60";
static uint8_t station_pk[32];
static sq_central_keys *other;
static uint8_t *replay;
static size_t replay_len;

typedef struct {
    uint8_t *p;
    size_t len;
} body;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text,
                             const char *extra_name, const char *extra_value)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (extra_name)
        MHD_add_response_header(r, extra_name, extra_value);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static char *b64(const uint8_t *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    if (s)
        sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    return s;
}

/* The answer to an upload, by mode. */
static enum MHD_Result upload(struct MHD_Connection *c, const body *b)
{
    if (!strcmp(mode, "busy")) {
        fprintf(stderr, "fakecentral: upload -> 503 Retry-After: %s\n", retry_after);
        return reply(c, 503, "{\"error\":\"busy\"}", "Retry-After", retry_after);
    }
    if (!strcmp(mode, "noanswer") && b->len >= 8 && !memcmp(b->p, "SQMULTI1", 8)) {
        fprintf(stderr, "fakecentral: several uploads -> 200 with no answers\n");
        return reply(c, 200, "{\"answers\":[]}", NULL, NULL);
    }
    sq_heartbeat hb;
    const uint8_t *batch = NULL;
    size_t blen = 0;
    sq_batch *bt = NULL;
    sq_err e;
    char id[33] = "", sha_hex[65], text[16384];
    uint8_t sha[32];
    if (sq_batch_upload_parse(b->p, b->len, &hb, &batch, &blen, &e) ||
        (batch && (sq_batch_parse(batch, blen, &bt, &e) || sq_batch_verify(bt, station_pk, &e)))) {
        fprintf(stderr, "fakecentral: %s\n", e.msg);
        sq_batch_free(bt);
        return reply(c, 400, "{\"error\":\"bad upload\"}", NULL, NULL);
    }
    if (bt)
        snprintf(id, sizeof id, "%s", sq_batch_id(bt));
    crypto_hash_sha256(sha, batch ? batch : (const uint8_t *)"", blen);
    sodium_bin2hex(sha_hex, sizeof sha_hex, sha, sizeof sha);
    size_t n = bt ? sq_batch_count(bt) : 0;
    int64_t *seqs = calloc(n ? n : 1, sizeof *seqs);
    int o = snprintf(text, sizeof text,
                     "{\"ack\":\"synaq-%d\",\"batch\":\"%s\",\"sha256\":\"%s\","
                     "\"stored\":[",
                     !strcmp(mode, "unsigned") || !strcmp(mode, "noanswer") ? 1 : 2, id, sha_hex);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *sealed;
        size_t slen;
        sq_batch_result(bt, i, &seqs[i], &sealed, &slen);
        o += snprintf(text + o, sizeof text - (size_t)o, "%s%lld", i ? "," : "",
                      (long long)seqs[i]);
    }
    o += snprintf(text + o, sizeof text - (size_t)o, "],\"duplicate\":false,\"highest\":%lld",
                  n ? (long long)seqs[n - 1] : 0LL);
    char *sig = NULL;
    if (!strcmp(mode, "forged") && other) {
        sq_ack a;
        memset(&a, 0, sizeof a);
        a.kind = SQ_ACK_STORED;
        snprintf(a.station_id, sizeof a.station_id, "%s", hb.station_id);
        snprintf(a.batch_id, sizeof a.batch_id, "%s", id);
        memcpy(a.sha256, sha, 32);
        a.n = n;
        a.seqs = seqs;
        a.highest = n ? seqs[n - 1] : 0;
        uint8_t *ab = NULL;
        size_t alen = 0;
        if (sq_batch_ack_build(other, &a, &ab, &alen, &e) == SQ_OK)
            sig = b64(ab, alen);
        sq_free(ab);
    } else if (!strcmp(mode, "replay") && replay) {
        sig = b64(replay, replay_len);
    }
    if (sig)
        o += snprintf(text + o, sizeof text - (size_t)o, ",\"signed\":\"%s\"", sig);
    snprintf(text + o, sizeof text - (size_t)o, "}");
    fprintf(stderr, "fakecentral: upload of %zu result(s), batch %s -> 200 (%s)\n", n,
            id[0] ? id : "-", mode);
    free(sig);
    free(seqs);
    sq_batch_free(bt);
    return reply(c, 200, text, NULL, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **ctx)
{
    body *b = *ctx;
    if (!b) {
        *ctx = calloc(1, sizeof(body));
        return *ctx ? MHD_YES : MHD_NO;
    }
    if (*size) {
        uint8_t *np = b->len + *size <= SQ_UPLOAD_MAX ? realloc(b->p, b->len + *size) : NULL;
        if (!np)
            return MHD_NO;
        b->p = np;
        memcpy(b->p + b->len, data, *size);
        b->len += *size;
        *size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/v1/health"))
        return reply(c, 200, "{\"ok\":true}", NULL, NULL);
    if (!strcmp(url, "/v1/bundles"))
        return reply(c, 200, "{\"bundles\":[]}", NULL, NULL);
    if (!strcmp(url, "/v1/upload") && !strcmp(method, "POST"))
        return upload(c, b);
    return reply(c, 404, "{\"error\":\"no such endpoint\"}", NULL, NULL);
}

static void on_done(void *cls, struct MHD_Connection *c, void **ctx,
                    enum MHD_RequestTerminationCode why)
{
    body *b = *ctx;
    if (b)
        free(b->p);
    free(b);
    *ctx = NULL;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"mode", 1, 0, 'm'},  {"cert", 1, 0, 'c'},
                                       {"keys", 1, 0, 'k'},  {"ack", 1, 0, 'a'},
                                       {"retry-after", 1, 0, 'r'}, {0, 0, 0, 0}};
    const char *cert = NULL, *keys = NULL, *ack = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'm')
            mode = optarg;
        else if (c == 'c')
            cert = optarg;
        else if (c == 'k')
            keys = optarg;
        else if (c == 'a')
            ack = optarg;
        else if (c == 'r')
            retry_after = optarg;
        else
            return 2;
    }
    sq_err e;
    sq_cert sc;
    if (sq_init(&e) || !cert || sq_cert_load(cert, NULL, &sc, &e)) {
        fprintf(stderr, "fakecentral: --cert STATION.cert is needed (%s)\n", cert ? e.msg : "");
        return 2;
    }
    memcpy(station_pk, sc.sign_pk, 32);
    if (keys && sq_central_open(keys, SQ_CENTRAL_ACK, &other, &e)) {
        fprintf(stderr, "fakecentral: %s\n", e.msg);
        return 2;
    }
    if (ack) {
        FILE *f = fopen(ack, "rb");
        replay = malloc(65536);
        replay_len = f && replay ? fread(replay, 1, 65536, f) : 0;
        if (f)
            fclose(f);
        if (!replay_len) {
            fprintf(stderr, "fakecentral: cannot read %s\n", ack);
            return 2;
        }
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET,
                                                 .sin_addr.s_addr = htonl(0x7f000001)},
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "fakecentral: cannot listen\n");
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("listening on 127.0.0.1:%u\n", di ? (unsigned)di->port : 0u);
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    sq_central_close(other);
    free(replay);
    return 0;
}
