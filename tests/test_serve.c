/*
 * test_serve.c - the receiver, `synaq-central serve`, as stations meet it:
 * the real binary on 127.0.0.1 (port 0) in a temp home, spoken to with
 * libcurl and raw sockets. Uploads stored once and acknowledged with the
 * batch id and its SHA-256; resends acknowledged again as duplicates;
 * conflicts refused; every kind of bad upload refused with its status and
 * nothing stored; a slow client does not hold up the others and is cut
 * off; the accept policy's pools; the log's rate limits; bundles listed
 * and downloaded with Range; a clean stop on SIGTERM.
 *
 * On either backend of the result store: results.db in the home (SQLite),
 * or, when SYNAQ_TEST_DB_URL names a PostgreSQL database (tests/pg's
 * with-pg.sh sets it), that database, given to every receiver with --db
 * and read here with libpq. Only what differs by design differs: a second
 * receiver on one SQLite file is refused; on PostgreSQL it shares the
 * database.
 *
 *   test_serve PATH/TO/synaq-central
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>
#include <zlib.h>

#include "check.h"
#include "cstore.h"
#include "fixture.h"
#include "registry.h"
#include "../core/src/codec_int.h"
#include "../core/src/keys_int.h"

#define N_PARALLEL 8

static fixture f;
static const char *bin;
static char home[300], bundles_dir[300], results_db[350], log_path[300];
static const char *db_url; /* NULL: SQLite, results_db */
static pid_t server_pid;
static int port;
static CURL *curl;

/* ---- small helpers ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sha256_hex(const uint8_t *p, size_t n, char out[65])
{
    uint8_t h[32];
    crypto_hash_sha256(h, p, n);
    sodium_bin2hex(out, 65, h, 32);
}

/* Runs the binary with args; its exit status (or -1). */
static int run(const char *const *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(bin, (char *const *)args);
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Starts `serve` on 127.0.0.1:0 with the extra options; reads the port
 * from its first line. Returns the pid, or -1 (with *status the exit
 * status when it stopped at once). */
static pid_t start_server(const char *h, const char *const *extra, int *port_out, int *status)
{
    int p[2];
    if (pipe(p))
        return -1;
    const char *args[32] = {bin, "--home", h, "serve", "--listen", "127.0.0.1:0", NULL};
    int n = 6;
    if (db_url) {
        args[n++] = "--db";
        args[n++] = db_url;
    }
    for (int i = 0; extra && extra[i] && n < 30; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);
        if (fd >= 0)
            dup2(fd, 2);
        execv(bin, (char *const *)args);
        _exit(127);
    }
    close(p[1]);
    char line[256];
    size_t len = 0;
    int64_t deadline = now_ms() + 15000;
    while (len < sizeof line - 1 && !memchr(line, '\n', len) && now_ms() < deadline) {
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        if (poll(&pf, 1, 200) <= 0)
            continue;
        ssize_t got = read(p[0], line + len, sizeof line - 1 - len);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(p[0]);
    line[len] = 0;
    unsigned got_port = 0;
    if (sscanf(line, "listening on 127.0.0.1:%u", &got_port) == 1 && got_port > 0) {
        *port_out = (int)got_port;
        return pid;
    }
    int st;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    if (status)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return -1;
}

/* SIGTERM, then the exit status within 15 s (-1: had to be killed). */
static int stop_server(pid_t pid)
{
    int st;
    kill(pid, SIGTERM);
    for (int i = 0; i < 1500; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

/* ---- HTTP with libcurl ---- */

typedef struct {
    long status;
    char *body;
    size_t len;
    char headers[4096];
    size_t hlen;
    json_t *json;
} http_resp;

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
    http_resp *r = ctx;
    char *nb = realloc(r->body, r->len + sz * n + 1);
    if (!nb)
        return 0;
    memcpy(nb + r->len, p, sz * n);
    r->body = nb;
    r->len += sz * n;
    r->body[r->len] = 0;
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ctx)
{
    http_resp *r = ctx;
    size_t k = sz * n;
    if (r->hlen + k < sizeof r->headers) {
        memcpy(r->headers + r->hlen, p, k);
        r->hlen += k;
        r->headers[r->hlen] = 0;
    }
    return k;
}

static void resp_free(http_resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

/* A request on handle h to the server at port p. body NULL: none. */
static long http_on(CURL *h, int p, const char *method, const char *path, const void *body,
                    size_t len, const char *header, http_resp *out)
{
    char url[512];
    memset(out, 0, sizeof *out);
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", p, path);
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    struct curl_slist *hs = curl_slist_append(NULL, "Expect:");
    if (header)
        hs = curl_slist_append(hs, header);
    if (body) {
        hs = curl_slist_append(hs, "Content-Type: application/octet-stream");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, body ? "POST" : "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hs);
    if (rc != CURLE_OK) {
        fprintf(stderr, "curl %s %s: %s\n", method, path, curl_easy_strerror(rc));
        out->status = 0;
        return 0;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    if (out->body)
        out->json = json_loadb(out->body, out->len, 0, NULL);
    return out->status;
}

static long http(const char *method, const char *path, const void *body, size_t len,
                 const char *header, http_resp *out)
{
    return http_on(curl, port, method, path, body, len, header, out);
}

/* New connections the last request on the shared handle opened. */
static long new_connections(void)
{
    long n = -1;
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &n);
    return n;
}

static long post(const uint8_t *body, size_t len, http_resp *out)
{
    return http("POST", "/v1/upload", body ? body : (const uint8_t *)"", len, NULL, out);
}

static const char *jstr(const http_resp *r, const char *key)
{
    return json_string_value(json_object_get(r->json, key));
}

static long long jint(const http_resp *r, const char *key)
{
    json_t *v = json_object_get(r->json, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -999;
}

/* ---- raw sockets ---- */

/* A connection to the server from the loopback address 127.0.0.last
 * (all of 127/8 is this machine's). */
static int raw_connect_from(int last)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + (uint32_t)last);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
                    connect(fd, (struct sockaddr *)&a, sizeof a) != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int raw_connect(void)
{
    return raw_connect_from(1);
}

static int raw_send(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The status of the answer read within timeout_ms; 0 when the server
 * closed without one, -1 on timeout. */
static int raw_status_retry(int fd, int timeout_ms, long *retry_after);

static int raw_status(int fd, int timeout_ms)
{
    return raw_status_retry(fd, timeout_ms, NULL);
}

/* The status of the answer on fd, and its Retry-After (-1: none) when
 * retry_after is not NULL. */
static int raw_status_retry(int fd, int timeout_ms, long *retry_after)
{
    char buf[2048];
    size_t len = 0;
    int64_t deadline = now_ms() + timeout_ms;
    while (len < sizeof buf - 1) {
        int left = (int)(deadline - now_ms());
        if (left <= 0)
            return -1;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, left) <= 0)
            return -1;
        ssize_t got = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (got <= 0)
            break;
        len += (size_t)got;
        buf[len] = 0;
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    buf[len] = 0;
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    if (retry_after) {
        const char *ra = strstr(buf, "\r\nRetry-After:");
        *retry_after = ra ? strtol(ra + 15, NULL, 10) : -1;
    }
    return status;
}

/* ---- stations, results, batches, uploads ---- */

typedef struct {
    char id[32];
    char keys_path[400], cert_path[400], db_path[400];
    sq_station_keys *k;
    sq_store *s;
    int trainees;
    int64_t hb_counter; /* what its sync daemon would count */
} station;

static station st1, st2, par[N_PARALLEL], ghost, revoked, st_big;

/* A receiver's home h with its keys: central.pub and the ack key, nothing
 * else (it must run without sign.key and results.key). */
static int receiver_home(const char *h)
{
    char kdir[450], from[500], to[500];
    mkdir(h, 0700);
    snprintf(kdir, sizeof kdir, "%s/keys", h);
    mkdir(kdir, 0700);
    const char *names[] = {"central.pub", "ack.key"};
    for (int i = 0; i < 2; i++) {
        size_t n;
        snprintf(from, sizeof from, "%s/%s", f.central_dir, names[i]);
        snprintf(to, sizeof to, "%s/%s", kdir, names[i]);
        uint8_t *b = fx_read(from, &n);
        int rc = b ? fx_write(to, b, n) : -1;
        free(b);
        if (rc)
            return -1;
    }
    return 0;
}

static int open_station(station *s, const char *id, bool with_store)
{
    sq_err e;
    snprintf(s->id, sizeof s->id, "%s", id);
    if (fx_other_station(&f, id, s->keys_path, s->cert_path))
        return -1;
    CHECK_OK(sq_station_keys_open(s->keys_path, NULL, &s->k, &e), &e);
    if (!s->k)
        return -1;
    if (with_store) {
        snprintf(s->db_path, sizeof s->db_path, "%s/%s.db", f.dir, id);
        CHECK_OK(sq_store_open(s->db_path, s->k, &f.clock, &s->s, &e), &e);
    }
    return s->s || !with_store ? 0 : -1;
}

static void close_station(station *s)
{
    sq_store_close(s->s);
    sq_station_keys_close(s->k);
    s->s = NULL;
    s->k = NULL;
}

/* n finished attempts in the station's store: results seq+1 .. seq+n. */
static void take_exams(station *s, int n)
{
    sq_err e;
    for (int i = 0; i < n; i++) {
        char trainee[64];
        sq_attempt *a = NULL;
        sq_outcome o;
        snprintf(trainee, sizeof trainee, "%s-T%d", s->id, ++s->trainees);
        CHECK_OK(sq_attempt_start(s->s, "e1", trainee, "Сынақшы Тест", &a, &e), &e);
        if (!a)
            return;
        CHECK_OK(sq_attempt_answer(a, 0, 1, &e), &e);
        f.fc.mono_ms += 5000;
        CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
        sq_attempt_free(a);
    }
}

/* A batch of up to max results after after_seq; caller frees. */
static uint8_t *batch_of(station *s, int64_t after_seq, int max, size_t *len)
{
    sq_err e;
    sq_batch_made m;
    CHECK_OK(sq_batch_make(s->s, after_seq, max, 0, &m, &e), &e);
    CHECK(m.count > 0);
    *len = m.len;
    return m.bytes;
}

/* An upload of the station (its heartbeat and batch, NULL for none). */
static uint8_t *upload_of(station *s, const uint8_t *batch, size_t batch_len, size_t *len)
{
    sq_err e;
    sq_heartbeat hb;
    uint8_t *up = NULL;
    if (s->s) {
        CHECK_OK(sq_batch_heartbeat(s->s, &hb, &e), &e);
    } else {
        memset(&hb, 0, sizeof hb);
        snprintf(hb.software, sizeof hb.software, "test");
    }
    hb.disk_free_bytes = 123456789;
    hb.counter = ++s->hb_counter;
    CHECK_OK(sq_batch_upload_build(s->k, &hb, batch, batch_len, &up, len, &e), &e);
    return up;
}

/* The plain results part of a batch: varint(seq) bytes(sealed) each. */
static void plain_add(sq_buf *p, int64_t seq, const uint8_t *sealed, size_t len)
{
    sqi_buf_varint(p, (uint64_t)seq);
    sqi_buf_bytes(p, sealed, len);
}

/* A batch made by hand in result.c's format: plain compressed at level
 * (or z given as is), declared_len as the plain size, signed with k. */
static uint8_t *hand_batch(const sq_station_keys *k, const char *station_id, const sq_buf *plain,
                           uint64_t count, int level, const uint8_t *z_in, size_t z_in_len,
                           uint64_t declared_len, size_t *out_len)
{
    uint8_t id[16], sig[64];
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 16);
    crypto_generichash_update(&h, (const uint8_t *)station_id, strlen(station_id) + 1);
    crypto_generichash_update(&h, plain->p, plain->len);
    crypto_generichash_final(&h, id, 16);
    uint8_t *z = NULL;
    uLongf zlen = 0;
    if (!z_in) {
        zlen = compressBound(plain->len);
        z = malloc(zlen);
        if (!z || compress2(z, &zlen, plain->p, plain->len, level) != Z_OK) {
            free(z);
            return NULL;
        }
        z_in = z;
        z_in_len = zlen;
    }
    sq_buf b;
    sqi_buf_init(&b, 0);
    sqi_buf_put(&b, "SQBATCH1", 8);
    sqi_buf_u8(&b, 1);
    sqi_buf_put(&b, id, 16);
    sqi_buf_str(&b, station_id);
    sqi_buf_svarint(&b, 0);
    sqi_buf_varint(&b, count);
    sqi_buf_varint(&b, declared_len);
    sqi_buf_bytes(&b, z_in, z_in_len);
    crypto_sign_detached(sig, NULL, b.p, b.len, sqi_station_keys_sign_sk(k));
    sqi_buf_put(&b, sig, 64);
    free(z);
    *out_len = b.len;
    return b.p;
}

/* ---- the result store, read beside the server ---- */

/* PostgreSQL: the first column of the first row of sql, as text (caller
 * frees; NULL on failure, said on stderr). */
static char *pg_value(const char *sql)
{
    PGconn *c = PQconnectdb(db_url);
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    char *v = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
        v = strdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
    else
        fprintf(stderr, "psql %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return v;
}

/* Central's station registry for the receiver of home h: its central.db,
 * or on PostgreSQL the database's (one for every home). */
static sq_status open_registry(const char *h, registry **reg, sq_err *e)
{
    char path[500];
    if (db_url)
        return registry_open(db_url, reg, e);
    snprintf(path, sizeof path, "%s/central.db", h);
    return registry_open(path, reg, e);
}

static long long db_count(const char *sql_where)
{
    if (db_url) {
        char *v = pg_value(sql_where);
        long long n = v ? atoll(v) : -1;
        free(v);
        return n;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    long long n = -1;
    if (sqlite3_open_v2(results_db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql_where, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* A hash of everything in the store. */
static void digest(uint8_t out[32])
{
    if (!db_url) {
        CHECK_INT(0, fx_digest(results_db, out));
        return;
    }
    /* Every row of every table of the schema, in a fixed order. */
    char *v = pg_value("SELECT string_agg(h, ',' ORDER BY n) FROM ("
                       " SELECT 'b' AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text),"
                       " '')) AS h FROM batches t UNION ALL"
                       " SELECT 'r', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                       " FROM results t UNION ALL"
                       " SELECT 'p', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                       " FROM progress t UNION ALL"
                       " SELECT 'h', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                       " FROM heartbeats t UNION ALL"
                       " SELECT 'l', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                       " FROM heartbeat_latest t UNION ALL"
                       " SELECT 'k', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                       " FROM stick_latest t UNION ALL"
                       " SELECT 's', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                       " FROM cstore_schema t) x");
    CHECK(v != NULL);
    crypto_hash_sha256(out, (const uint8_t *)(v ? v : ""), v ? strlen(v) : 0);
    free(v);
}

/* The status is one of the allowed and the store did not change. */
#define CHECK_REFUSED(what, status, allowed_a, allowed_b, before)                                  \
    do {                                                                                           \
        uint8_t after_[32];                                                                        \
        digest(after_);                                                                            \
        CHECK((status) == (allowed_a) || (status) == (allowed_b));                                 \
        if ((status) != (allowed_a) && (status) != (allowed_b))                                    \
            fprintf(stderr, "  %s: got %ld\n", what, (long)(status));                              \
        CHECK(memcmp(before, after_, 32) == 0);                                                    \
    } while (0)

/* ---- the tests ---- */

static void test_basics(void)
{
    http_resp r;
    CHECK_INT(200, http("GET", "/v1/health", NULL, 0, NULL, &r));
    CHECK(json_is_true(json_object_get(r.json, "ok")));
    resp_free(&r);
    /* One connection serves a station's whole round. */
    CHECK_INT(404, http("GET", "/nope", NULL, 0, NULL, &r));
    CHECK_INT(0, new_connections());
    resp_free(&r);
    CHECK_INT(200, http("GET", "/v1/health", NULL, 0, NULL, &r));
    CHECK_INT(0, new_connections());
    resp_free(&r);
    CHECK_INT(404, http("GET", "/v1/stations/st-1", NULL, 0, NULL, &r));
    resp_free(&r);
    CHECK_INT(405, http("GET", "/v1/upload", NULL, 0, NULL, &r));
    CHECK(strstr(r.headers, "Allow: POST") != NULL);
    resp_free(&r);
    CHECK_INT(405, http("POST", "/v1/health", "x", 1, NULL, &r));
    resp_free(&r);
    CHECK_INT(405, http("DELETE", "/v1/bundles/common.sqb", NULL, 0, NULL, &r));
    resp_free(&r);
    CHECK_INT(405, http("PUT", "/v1/upload", "x", 1, NULL, &r));
    resp_free(&r);
    CHECK_INT(400, http("GET", "/v1/stations/..%2Fx/highest", NULL, 0, NULL, &r));
    resp_free(&r);
    CHECK_INT(200, http("GET", "/v1/stations/nobody/highest", NULL, 0, NULL, &r));
    CHECK_INT(0, jint(&r, "highest"));
    resp_free(&r);
}

/* The answer's "signed" field is central's acknowledgement of that kind,
 * for that station, batch and bytes, naming n results, and it checks out
 * against central's signing key through the ack key's delegation. */
static void check_signed(const http_resp *r, int kind, const char *station_id, const char *batch_id,
                         const uint8_t *batch, size_t batch_len, size_t n)
{
    const char *b64 = jstr(r, "signed");
    CHECK(b64 != NULL);
    if (!b64)
        return;
    uint8_t raw[8192], h[32];
    size_t raw_len = 0;
    CHECK_INT(0, sodium_base642bin(raw, sizeof raw, b64, strlen(b64), NULL, &raw_len, NULL,
                                   sodium_base64_VARIANT_ORIGINAL));
    sq_ack *a = NULL;
    sq_err e;
    CHECK_OK(sq_batch_ack_open(raw, raw_len, sq_central_sign_pk(f.central), &a, &e), &e);
    if (!a)
        return;
    crypto_hash_sha256(h, batch ? batch : (const uint8_t *)"", batch_len);
    CHECK_INT(kind, a->kind);
    CHECK_STR(station_id, a->station_id);
    CHECK_STR(batch_id, a->batch_id);
    CHECK(memcmp(a->sha256, h, 32) == 0);
    CHECK_INT(n, a->n);
    sq_batch_ack_free(a);
}

static uint8_t *first_batch;
static size_t first_batch_len;
static uint8_t *first_upload;
static size_t first_upload_len;

static void test_good_upload(void)
{
    http_resp r;
    sq_err e;
    take_exams(&st1, 5);
    first_batch = batch_of(&st1, 0, 3, &first_batch_len);
    first_upload = upload_of(&st1, first_batch, first_batch_len, &first_upload_len);
    sq_batch *b = NULL;
    CHECK_OK(sq_batch_parse(first_batch, first_batch_len, &b, &e), &e);
    char sha[65];
    sha256_hex(first_batch, first_batch_len, sha);

    CHECK_INT(200, post(first_upload, first_upload_len, &r));
    CHECK_STR("synaq-2", jstr(&r, "ack"));
    CHECK_STR(b ? sq_batch_id(b) : "?", jstr(&r, "batch"));
    CHECK_STR(sha, jstr(&r, "sha256"));
    check_signed(&r, SQ_ACK_STORED, "st-1", b ? sq_batch_id(b) : "?", first_batch, first_batch_len,
                 3);
    CHECK(json_is_false(json_object_get(r.json, "duplicate")));
    CHECK_INT(3, jint(&r, "highest"));
    json_t *stored = json_object_get(r.json, "stored");
    CHECK_INT(3, json_array_size(stored));
    for (size_t i = 0; i < 3; i++)
        CHECK_INT(i + 1, json_integer_value(json_array_get(stored, i)));
    CHECK(strstr(r.headers, "application/json") != NULL);
    resp_free(&r);
    CHECK_INT(3, db_count("SELECT count(*) FROM results WHERE station_id = 'st-1'"));
    CHECK_INT(1, db_count("SELECT count(*) FROM batches"));
    CHECK_INT(1, db_count("SELECT count(*) FROM heartbeats WHERE station_id = 'st-1'"));
    CHECK_INT(123456789, db_count("SELECT disk_free_bytes FROM heartbeat_latest"
                                  " WHERE station_id = 'st-1'"));

    /* The same bytes again: acknowledged again, stored once. */
    CHECK_INT(200, post(first_upload, first_upload_len, &r));
    CHECK_INT(0, new_connections());
    CHECK(json_is_true(json_object_get(r.json, "duplicate")));
    CHECK_STR(b ? sq_batch_id(b) : "?", jstr(&r, "batch"));
    CHECK_STR(sha, jstr(&r, "sha256"));
    CHECK_INT(3, json_array_size(json_object_get(r.json, "stored")));
    CHECK_INT(3, jint(&r, "highest"));
    resp_free(&r);
    /* The same batch in a new upload (a later heartbeat): a duplicate too. */
    f.fc.wall_s += 60;
    size_t up2_len;
    uint8_t *up2 = upload_of(&st1, first_batch, first_batch_len, &up2_len);
    CHECK(up2_len != first_upload_len || memcmp(up2, first_upload, up2_len) != 0);
    CHECK_INT(200, post(up2, up2_len, &r));
    CHECK(json_is_true(json_object_get(r.json, "duplicate")));
    resp_free(&r);
    free(up2);
    CHECK_INT(3, db_count("SELECT count(*) FROM results WHERE station_id = 'st-1'"));
    CHECK_INT(1, db_count("SELECT count(*) FROM batches"));
    /* Two heartbeats kept: the byte-identical resend carried the same
     * counter as the first, so it is not a newer heartbeat. */
    CHECK_INT(2, db_count("SELECT count(*) FROM heartbeats WHERE station_id = 'st-1'"));
    CHECK_INT(200, http("GET", "/v1/stations/st-1/highest", NULL, 0, NULL, &r));
    CHECK_STR("st-1", jstr(&r, "station"));
    CHECK_INT(3, jint(&r, "highest"));
    resp_free(&r);
    sq_batch_free(b);
}

/* The results 1..3 of the first batch, as (seq, sealed). */
static void first_results(sq_buf *plain, uint8_t sealed2[2048], size_t *sealed2_len)
{
    sq_err e;
    sq_batch *b = NULL;
    CHECK_OK(sq_batch_parse(first_batch, first_batch_len, &b, &e), &e);
    CHECK_OK(sq_batch_verify(b, sq_station_keys_sign_pk(st1.k), &e), &e);
    for (size_t i = 0; b && i < sq_batch_count(b); i++) {
        int64_t seq;
        const uint8_t *sealed;
        size_t len;
        sq_batch_result(b, i, &seq, &sealed, &len);
        plain_add(plain, seq, sealed, len);
        if (seq == 2 && len <= 2048) {
            memcpy(sealed2, sealed, len);
            *sealed2_len = len;
        }
    }
    sq_batch_free(b);
}

static void test_conflicts(void)
{
    http_resp r;
    uint8_t before[32], sealed2[2048];
    size_t sealed2_len = 0, blen, ulen;
    digest(before);

    /* The same results compressed otherwise: the same batch id, other
     * bytes, correctly signed. */
    sq_buf plain;
    sqi_buf_init(&plain, 0);
    first_results(&plain, sealed2, &sealed2_len);
    uint8_t *b = hand_batch(st1.k, "st-1", &plain, 3, 0, NULL, 0, plain.len, &blen);
    CHECK(b != NULL && (blen != first_batch_len || memcmp(b, first_batch, blen) != 0));
    uint8_t *up = upload_of(&st1, b, blen, &ulen);
    long status = post(up, ulen, &r);
    CHECK_REFUSED("other bytes under a known batch id", status, 409, 409, before);
    resp_free(&r);
    free(up);
    free(b);
    sqi_buf_free(&plain);

    /* A known (station, seq) with other sealed bytes, beside a new seq:
     * refused whole. */
    sqi_buf_init(&plain, 0);
    plain_add(&plain, 3, sealed2, sealed2_len);
    plain_add(&plain, 100, sealed2, sealed2_len);
    b = hand_batch(st1.k, "st-1", &plain, 2, 6, NULL, 0, plain.len, &blen);
    up = upload_of(&st1, b, blen, &ulen);
    status = post(up, ulen, &r);
    CHECK_REFUSED("a known seq with other bytes", status, 409, 409, before);
    CHECK(r.body && strstr(r.body, "#3") != NULL);
    resp_free(&r);
    free(up);
    free(b);
    sqi_buf_free(&plain);
    CHECK_INT(0, db_count("SELECT count(*) FROM results WHERE seq = 100"));
}

static void test_bad_uploads(void)
{
    http_resp r;
    uint8_t before[32];
    size_t blen, ulen;
    long status;
    digest(before);

    /* Garbage, empty, an upload's magic and nothing more. */
    static const char garbage[] = "this is not an upload at all, but it is long enough to be "
                                  "taken for one if nobody looked closely at it";
    status = post((const uint8_t *)garbage, sizeof garbage - 1, &r);
    CHECK_REFUSED("garbage", status, 400, 400, before);
    CHECK(jstr(&r, "error") != NULL);
    resp_free(&r);
    status = post((const uint8_t *)"", 0, &r);
    CHECK_REFUSED("empty body", status, 400, 400, before);
    resp_free(&r);

    /* Unknown and revoked stations. */
    uint8_t *up = upload_of(&ghost, NULL, 0, &ulen);
    status = post(up, ulen, &r);
    CHECK_REFUSED("unknown station", status, 403, 403, before);
    CHECK(r.body && strstr(r.body, "not enrolled") != NULL);
    resp_free(&r);
    free(up);
    up = upload_of(&revoked, NULL, 0, &ulen);
    status = post(up, ulen, &r);
    CHECK_REFUSED("revoked station", status, 403, 403, before);
    CHECK(r.body && strstr(r.body, "revoked") != NULL);
    resp_free(&r);
    free(up);

    /* st-1's upload re-signed by st-2. */
    up = upload_of(&st1, first_batch, first_batch_len, &ulen);
    crypto_sign_detached(up + ulen - 64, NULL, up, ulen - 64, sqi_station_keys_sign_sk(st2.k));
    status = post(up, ulen, &r);
    CHECK_REFUSED("upload signed by another station", status, 403, 403, before);
    resp_free(&r);
    free(up);

    /* st-2's batch (signed by st-2) inside st-1's upload. */
    take_exams(&st2, 2);
    uint8_t *b2 = batch_of(&st2, 0, 2, &blen);
    up = upload_of(&st1, b2, blen, &ulen);
    status = post(up, ulen, &r);
    CHECK_REFUSED("another station's batch", status, 403, 403, before);
    resp_free(&r);
    free(up);
    free(b2);

    /* A batch naming st-1 but signed by st-2, in st-1's upload. */
    sq_buf plain;
    uint8_t sealed2[2048];
    size_t sealed2_len = 0;
    sqi_buf_init(&plain, 0);
    first_results(&plain, sealed2, &sealed2_len);
    uint8_t *b = hand_batch(st2.k, "st-1", &plain, 3, 6, NULL, 0, plain.len, &blen);
    up = upload_of(&st1, b, blen, &ulen);
    status = post(up, ulen, &r);
    CHECK_REFUSED("batch signed by another station", status, 403, 403, before);
    resp_free(&r);
    free(up);
    free(b);
    sqi_buf_free(&plain);

    /* Decompression bombs, correctly signed: 20 MB of zeros declared as
     * 100 bytes, and a declared size above the library's cap. */
    size_t zeros_len = 20u << 20;
    uint8_t *zeros = calloc(1, zeros_len);
    uLongf zlen = compressBound(zeros_len);
    uint8_t *z = malloc(zlen);
    CHECK(zeros && z && compress2(z, &zlen, zeros, zeros_len, 9) == Z_OK);
    free(zeros);
    sqi_buf_init(&plain, 0);
    sqi_buf_put(&plain, "x", 1);
    b = hand_batch(st1.k, "st-1", &plain, 1, 0, z, zlen, 100, &blen);
    up = upload_of(&st1, b, blen, &ulen);
    CHECK(ulen < SQ_UPLOAD_MAX);
    status = post(up, ulen, &r);
    CHECK_REFUSED("bomb past its declared size", status, 413, 400, before);
    CHECK(r.body && strstr(r.body, "inflates past") != NULL);
    resp_free(&r);
    free(up);
    free(b);
    b = hand_batch(st1.k, "st-1", &plain, 1, 0, z, zlen, (uint64_t)SQ_BATCH_MAX_PLAIN + 1, &blen);
    up = upload_of(&st1, b, blen, &ulen);
    status = post(up, ulen, &r);
    CHECK_REFUSED("bomb declared above the cap", status, 413, 400, before);
    resp_free(&r);
    free(up);
    free(b);
    free(z);
    sqi_buf_free(&plain);

    /* A fresh good upload (results 4..5), then every byte of it tampered
     * with in turn, then truncated: all refused. */
    uint8_t *good_b = batch_of(&st1, 3, 2, &blen);
    uint8_t *good = upload_of(&st1, good_b, blen, &ulen);
    uint8_t *bad = malloc(ulen);
    int wrong = 0;
    for (size_t i = 0; bad && i < ulen; i++) {
        memcpy(bad, good, ulen);
        bad[i] ^= 0x5a;
        status = post(bad, ulen, &r);
        if (status != 400 && status != 403) {
            if (wrong++ < 5)
                fprintf(stderr, "  byte %zu of %zu tampered: got %ld\n", i, ulen, status);
        }
        resp_free(&r);
    }
    CHECK_INT(0, wrong);
    free(bad);
    size_t cuts[] = {ulen - 1, ulen - 63, ulen - 64, ulen - 65, ulen / 2, 72, 10, 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        status = post(good, cuts[i], &r);
        CHECK_REFUSED("truncated body", status, 400, 400, before);
        resp_free(&r);
    }
    uint8_t after[32];
    digest(after);
    CHECK(memcmp(before, after, 32) == 0);

    /* The untouched one goes in: 4 and 5 stored, highest 5. */
    CHECK_INT(200, post(good, ulen, &r));
    CHECK_INT(5, jint(&r, "highest"));
    CHECK_INT(2, json_array_size(json_object_get(r.json, "stored")));
    resp_free(&r);
    free(good);
    free(good_b);
}

/* A batch of as many results as a station ever sends is taken; one more
 * is refused before it is inflated, with nothing stored. The results are
 * copies of a real sealed one (the receiver does not open them). */
static void test_batch_cap(void)
{
    http_resp r;
    uint8_t before[32], sealed2[2048];
    size_t sealed2_len = 0, blen, ulen;
    sq_err e;
    sq_buf plain;
    sqi_buf_init(&plain, 0);
    first_results(&plain, sealed2, &sealed2_len);
    sqi_buf_free(&plain);

    /* The library makes no larger batch. */
    sq_batch_made none;
    CHECK_ERR(SQ_EINVAL, "1 to 500 results",
              sq_batch_make(st1.s, 0, SQ_BATCH_MAX_RESULTS + 1, 0, &none, &e), &e);
    CHECK(none.bytes == NULL);

    digest(before);
    sqi_buf_init(&plain, 0);
    for (int i = 1; i <= SQ_BATCH_MAX_RESULTS + 1; i++)
        plain_add(&plain, i, sealed2, sealed2_len);
    uint8_t *b = hand_batch(st_big.k, st_big.id, &plain, SQ_BATCH_MAX_RESULTS + 1, 6, NULL, 0,
                            plain.len, &blen);
    uint8_t *up = upload_of(&st_big, b, blen, &ulen);
    CHECK(ulen < SQ_UPLOAD_MAX);
    long status = post(up, ulen, &r);
    CHECK_REFUSED("a batch of 501 results", status, 413, 413, before);
    CHECK(r.body && strstr(r.body, "claims 501 results") != NULL);
    resp_free(&r);
    free(up);
    free(b);
    sqi_buf_free(&plain);

    /* A correctly signed batch that inflates far past any honest one:
     * 300 results of 8,000 zero bytes, 2.4 MB inflated from a few KB.
     * Below the library's bound, above the receiver's for one upload
     * (1 MiB and a quarter): 413 before anything is inflated, nothing
     * stored. */
    static uint8_t zeros[8000];
    sqi_buf_init(&plain, 0);
    for (int i = 1; i <= 300; i++)
        plain_add(&plain, i, zeros, sizeof zeros);
    CHECK(plain.len > SQ_UPLOAD_MAX + SQ_UPLOAD_MAX / 4 && plain.len < SQ_BATCH_MAX_PLAIN);
    b = hand_batch(st_big.k, st_big.id, &plain, 300, 9, NULL, 0, plain.len, &blen);
    up = upload_of(&st_big, b, blen, &ulen);
    CHECK(ulen < 64 * 1024);
    status = post(up, ulen, &r);
    CHECK_REFUSED("a batch inflating to 2.4 MB", status, 413, 413, before);
    CHECK(r.body && strstr(r.body, "above this receiver's cap of 1310720") != NULL);
    resp_free(&r);
    free(up);
    free(b);
    sqi_buf_free(&plain);

    sqi_buf_init(&plain, 0);
    for (int i = 1; i <= SQ_BATCH_MAX_RESULTS; i++)
        plain_add(&plain, i, sealed2, sealed2_len);
    b = hand_batch(st_big.k, st_big.id, &plain, SQ_BATCH_MAX_RESULTS, 6, NULL, 0, plain.len, &blen);
    up = upload_of(&st_big, b, blen, &ulen);
    CHECK_INT(200, post(up, ulen, &r));
    CHECK_INT(SQ_BATCH_MAX_RESULTS, json_array_size(json_object_get(r.json, "stored")));
    CHECK_INT(SQ_BATCH_MAX_RESULTS, jint(&r, "highest"));
    resp_free(&r);
    free(up);
    free(b);
    sqi_buf_free(&plain);
    CHECK_INT(SQ_BATCH_MAX_RESULTS, db_count("SELECT count(*) FROM results WHERE station_id = "
                                             "'st-big'"));
}

static void test_raw_http(void)
{
    uint8_t before[32];
    digest(before);
    http_resp r;

    /* Headers announcing a huge body: 413 before a byte of it is sent. */
    int fd = raw_connect();
    static const char huge[] = "POST /v1/upload HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 1099511627776\r\n\r\n";
    CHECK_INT(0, raw_send(fd, huge, sizeof huge - 1));
    int64_t t0 = now_ms();
    CHECK_INT(413, raw_status(fd, 5000));
    CHECK(now_ms() - t0 < 3000);
    close(fd);
    /* Just above the cap: 413 too; no Content-Length: 411; chunked: 411. */
    fd = raw_connect();
    char above[256];
    snprintf(above, sizeof above,
             "POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: %u\r\n\r\n",
             SQ_UPLOAD_MAX + 1);
    CHECK_INT(0, raw_send(fd, above, strlen(above)));
    CHECK_INT(413, raw_status(fd, 5000));
    close(fd);
    fd = raw_connect();
    static const char nolen[] = "POST /v1/upload HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK_INT(0, raw_send(fd, nolen, sizeof nolen - 1));
    CHECK_INT(411, raw_status(fd, 5000));
    close(fd);
    fd = raw_connect();
    static const char chunked[] = "POST /v1/upload HTTP/1.1\r\nHost: x\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    CHECK_INT(0, raw_send(fd, chunked, sizeof chunked - 1));
    CHECK_INT(411, raw_status(fd, 5000));
    close(fd);

    /* A body cut short by the client: closed, nothing stored. */
    fd = raw_connect();
    char head[256];
    snprintf(head, sizeof head,
             "POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
             first_upload_len);
    CHECK_INT(0, raw_send(fd, head, strlen(head)));
    CHECK_INT(0, raw_send(fd, first_upload, first_upload_len / 2));
    shutdown(fd, SHUT_WR);
    /* libmicrohttpd (0.9.75, epoll) does not always notice the half-close
     * at once: no answer at all (-1) is fine too, the idle timeout ends it. */
    int st = raw_status(fd, 2000);
    if (st != 0 && st != 400 && st != -1)
        fprintf(stderr, "  body cut short: got %d\n", st);
    CHECK(st == 0 || st == 400 || st == -1);
    close(fd);

    /* Malformed HTTP: a 400 or a closed connection, and the server lives. */
    static const char *const junk[] = {
        "GARBAGE\r\n\r\n",
        "GET /v1/health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
        "GET /v1/health HTTP/9.9\r\n\r\n",
        "\x01\x02\x03\xff\xfe\r\n\r\n",
        "POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n",
        "GET /v1/health HTTP/1.1\r\n\r\n", /* HTTP/1.1 without Host */
    };
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        fd = raw_connect();
        CHECK_INT(0, raw_send(fd, junk[i], strlen(junk[i])));
        st = raw_status(fd, 5000);
        /* 505 is fair for the unknown version. */
        bool fine = st == 0 || (st >= 400 && st < 500) || st == 505;
        if (!fine)
            fprintf(stderr, "  junk %zu: got %d\n", i, st);
        CHECK(fine);
        close(fd);
    }
    /* A header far above the connection's memory. */
    size_t big = 200000;
    char *hdr = malloc(big + 100);
    int n = snprintf(hdr, 100, "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(hdr + n, 'a', big);
    memcpy(hdr + n + big, "\r\n\r\n", 4);
    fd = raw_connect();
    raw_send(fd, hdr, (size_t)n + big + 4); /* may fail half-way: the server hangs up */
    st = raw_status(fd, 5000);
    CHECK(st == 0 || (st >= 400 && st < 500));
    close(fd);
    free(hdr);

    CHECK_INT(200, http("GET", "/v1/health", NULL, 0, NULL, &r));
    resp_free(&r);
    uint8_t after[32];
    digest(after);
    CHECK(memcmp(before, after, 32) == 0);
}

/* Reads what the server sends on fd until it closes or 10 s pass. */
static size_t raw_read_all(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    int64_t deadline = now_ms() + 10000;
    while (len < cap - 1) {
        int left = (int)(deadline - now_ms());
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&pf, 1, left) <= 0)
            break;
        ssize_t got = recv(fd, buf + len, cap - 1 - len, 0);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    buf[len] = 0;
    return len;
}

/* A body's length told two ways is refused with 400 and the connection
 * closed, so nothing after it is read as a request; identical duplicates
 * are one length. Nothing is stored. */
static void test_framing(void)
{
    uint8_t before[32], after[32];
    digest(before);
    static const struct {
        const char *text;
        const char *error; /* in the answer; NULL: 400 from libmicrohttpd is fine too */
    } bad[] = {
        {"POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
         "hello!",
         "conflicting Content-Length headers"},
        {"POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\ncontent-length: 5\r\n\r\n"
         "hello!",
         "conflicting Content-Length headers"},
        {"POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
         "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
         "both Content-Length and Transfer-Encoding"},
        {"POST /v1/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
         "Content-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
         "both Content-Length and Transfer-Encoding"},
        /* A request smuggled behind a GET whose body is 0 or 44 bytes. */
        {"GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n"
         "GET /v1/stations/st-1/highest HTTP/1.1\r\nHost: x\r\n\r\n",
         "conflicting Content-Length headers"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int fd = raw_connect();
        char buf[4096];
        CHECK_INT(0, raw_send(fd, bad[i].text, strlen(bad[i].text)));
        raw_read_all(fd, buf, sizeof buf);
        int status = 0;
        if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
            status = 0;
        /* One answer, then the connection closed: no second one. */
        size_t answers = 0;
        for (const char *p = buf; (p = strstr(p, "HTTP/1.")); p++)
            answers++;
        if (status != 400 || answers != 1 || !strstr(buf, bad[i].error))
            fprintf(stderr, "  framing %zu: got %d, %zu answers: %.300s\n", i, status, answers,
                    buf);
        CHECK_INT(400, status);
        CHECK_INT(1, answers);
        CHECK(strstr(buf, bad[i].error) != NULL);
        close(fd);
    }
    digest(after);
    CHECK(memcmp(before, after, 32) == 0);
    /* The same length twice is one length. */
    int fd = raw_connect();
    static const char same[] =
        "GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n";
    CHECK_INT(0, raw_send(fd, same, sizeof same - 1));
    CHECK_INT(200, raw_status(fd, 5000));
    close(fd);
}

/* Log lines of clients that proved nothing are limited per address (a
 * burst of 10, then one a second) and overall, and counted in a summary
 * line; a station's are all written. A receiver of its own, so its log
 * lines are counted alone. */
static void test_log_limits(void)
{
    char h5[400];
    int p5 = 0;
    snprintf(h5, sizeof h5, "%s/home-pools", f.dir); /* st-1 is enrolled there */
    size_t log_start = 0;
    free(fx_read(log_path, &log_start));
    pid_t pid = start_server(h5, NULL, &p5, NULL);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    int saved = port;
    port = p5;
    /* Two strangers, 200 requests each, a connection each. */
    static const char nope[] = "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int64_t t0 = now_ms();
    for (int who = 9; who <= 10; who++) {
        for (int i = 0; i < 200; i++) {
            int fd = raw_connect_from(who);
            int st = fd < 0 || raw_send(fd, nope, sizeof nope - 1) ? 0 : raw_status(fd, 5000);
            if (fd >= 0)
                close(fd);
            if (st != 404) {
                CHECK_INT(404, st);
                break;
            }
        }
    }
    int64_t flood_s = (now_ms() - t0) / 1000 + 1;
    /* A station proves itself; its requests are all in the log. */
    http_resp r;
    size_t ulen;
    uint8_t *up = upload_of(&st1, NULL, 0, &ulen);
    CURL *h = curl_easy_init();
    CHECK_INT(200, http_on(h, p5, "POST", "/v1/upload", up, ulen, NULL, &r));
    resp_free(&r);
    free(up);
    for (int i = 0; i < 30; i++) {
        CHECK_INT(404, http_on(h, p5, "GET", "/nope", NULL, 0, NULL, &r));
        resp_free(&r);
    }
    curl_easy_cleanup(h);
    port = saved;
    CHECK_INT(0, stop_server(pid));
    size_t len = 0;
    char *log = (char *)fx_read(log_path, &len);
    CHECK(log && len > log_start);
    if (!log || len <= log_start) {
        free(log);
        return;
    }
    const char *mine = log + log_start;
    long lines[11] = {0};
    unsigned long long left_out = 0;
    for (const char *p = mine; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        int who = 0, end = 0;
        const char *at = strstr(p, "serve: 127.0.0.");
        const char *eol = strchr(p, '\n');
        if (at && (!eol || at < eol) &&
            sscanf(at, "serve: 127.0.0.%d GET /nope 404%n", &who, &end) == 1 && end > 0 &&
            who >= 0 && who <= 10)
            lines[who]++;
        const char *lo =
            strstr(p, " log lines of clients that proved no station signature left out");
        if (lo && (!eol || lo < eol)) {
            const char *num = lo;
            while (num > p && num[-1] >= '0' && num[-1] <= '9')
                num--;
            left_out += strtoull(num, NULL, 10);
        }
    }
    printf("serve: 2 x 200 requests of strangers in %lld s: %ld and %ld lines logged, %llu left "
           "out; 30 of a station: %ld logged\n",
           (long long)flood_s, lines[9], lines[10], left_out, lines[1]);
    CHECK(lines[9] >= 10 && lines[9] <= 10 + flood_s);
    CHECK(lines[10] >= 1 && lines[10] <= 10 + flood_s);
    CHECK(left_out >= (unsigned long long)(400 - lines[9] - lines[10]));
    CHECK_INT(30, lines[1]);
    free(log);
}

/* ---- a slow client against eight stations at once ---- */

typedef struct {
    int fd;
    bool header_only; /* dribble the headers, not the body */
    int seconds;
    int sent;
} slow_client;

static void *slow_run(void *arg)
{
    slow_client *s = arg;
    s->fd = raw_connect();
    if (s->fd < 0)
        return NULL;
    const char *head = s->header_only ? "POST /v1/upload HTTP/1.1\r\nHost: x\r\nX-Slow: "
                                      : "POST /v1/upload HTTP/1.1\r\nHost: x\r\n"
                                        "Content-Length: 1000\r\n\r\n";
    if (raw_send(s->fd, head, strlen(head)))
        return NULL;
    for (int i = 0; i < s->seconds; i++) {
        if (raw_send(s->fd, "a", 1))
            break;
        s->sent++;
        sleep(1);
    }
    return NULL;
}

typedef struct {
    station *s;
    uint8_t *up;
    size_t len;
    long status;
    int64_t elapsed_ms;
    long long highest;
} par_job;

static void *par_run(void *arg)
{
    par_job *j = arg;
    CURL *h = curl_easy_init();
    http_resp r;
    int64_t t0 = now_ms();
    j->status = http_on(h, port, "POST", "/v1/upload", j->up, j->len, NULL, &r);
    j->elapsed_ms = now_ms() - t0;
    j->highest = jint(&r, "highest");
    resp_free(&r);
    curl_easy_cleanup(h);
    return NULL;
}

static void test_parallel_with_slow_clients(void)
{
    par_job jobs[N_PARALLEL];
    pthread_t th[N_PARALLEL], slow_th[2];
    slow_client slow[2] = {{.seconds = 6}, {.header_only = true, .seconds = 6}};
    for (int i = 0; i < N_PARALLEL; i++) {
        size_t blen;
        take_exams(&par[i], 3);
        uint8_t *b = batch_of(&par[i], 0, 3, &blen);
        jobs[i] = (par_job){.s = &par[i]};
        jobs[i].up = upload_of(&par[i], b, blen, &jobs[i].len);
        free(b);
    }
    for (int i = 0; i < 2; i++)
        pthread_create(&slow_th[i], NULL, slow_run, &slow[i]);
    sleep(2); /* the slow ones are connected and dribbling */
    int64_t t0 = now_ms();
    for (int i = 0; i < N_PARALLEL; i++)
        pthread_create(&th[i], NULL, par_run, &jobs[i]);
    for (int i = 0; i < N_PARALLEL; i++)
        pthread_join(th[i], NULL);
    int64_t all_ms = now_ms() - t0;
    for (int i = 0; i < N_PARALLEL; i++) {
        CHECK_INT(200, jobs[i].status);
        CHECK_INT(3, jobs[i].highest);
        CHECK(jobs[i].elapsed_ms < 3000);
        free(jobs[i].up);
    }
    printf("serve: %d parallel uploads beside 2 slow clients in %lld ms\n", N_PARALLEL,
           (long long)all_ms);
    /* The slow ones were still sending while the others were served. */
    CHECK(slow[0].sent < slow[0].seconds);
    CHECK(slow[1].sent < slow[1].seconds);
    for (int i = 0; i < 2; i++) {
        pthread_join(slow_th[i], NULL);
        if (slow[i].fd >= 0)
            close(slow[i].fd);
    }
    CHECK_INT(3 * N_PARALLEL, db_count("SELECT count(*) FROM results WHERE station_id LIKE 'p-%'"));
}

static void test_heartbeat_and_gaps(void)
{
    http_resp r;
    size_t ulen, blen;
    /* A heartbeat alone. */
    long long hb_before = db_count("SELECT count(*) FROM heartbeats WHERE station_id = 'st-1'");
    uint8_t *up = upload_of(&st1, NULL, 0, &ulen);
    CHECK_INT(200, post(up, ulen, &r));
    CHECK_STR("synaq-2", jstr(&r, "ack"));
    CHECK_STR("", jstr(&r, "batch"));
    CHECK_STR("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              jstr(&r, "sha256"));
    CHECK_INT(0, json_array_size(json_object_get(r.json, "stored")));
    CHECK_INT(5, jint(&r, "highest"));
    resp_free(&r);
    free(up);
    CHECK_INT(hb_before + 1, db_count("SELECT count(*) FROM heartbeats WHERE station_id = 'st-1'"));
    /* Results 7 before 6: highest waits for the gap to close. */
    take_exams(&st1, 2);
    uint8_t *b7 = batch_of(&st1, 6, 1, &blen);
    up = upload_of(&st1, b7, blen, &ulen);
    CHECK_INT(200, post(up, ulen, &r));
    CHECK_INT(5, jint(&r, "highest"));
    resp_free(&r);
    free(up);
    free(b7);
    uint8_t *b6 = batch_of(&st1, 5, 1, &blen);
    up = upload_of(&st1, b6, blen, &ulen);
    CHECK_INT(200, post(up, ulen, &r));
    CHECK_INT(7, jint(&r, "highest"));
    resp_free(&r);
    free(up);
    free(b6);
    CHECK_INT(200, http("GET", "/v1/stations/st-1/highest", NULL, 0, NULL, &r));
    CHECK_INT(7, jint(&r, "highest"));
    resp_free(&r);
}

/* Enrolment and revocation while the receiver runs take effect at once. */
static void test_live_registry(void)
{
    http_resp r;
    sq_err e;
    size_t ulen;
    registry *reg = NULL;
    sq_cert c;
    CHECK_OK(open_registry(home, &reg, &e), &e);
    CHECK_OK(sq_cert_load(ghost.cert_path, sq_central_sign_pk(f.central), &c, &e), &e);
    CHECK_OK(registry_add(reg, &c, false, &e), &e);
    registry_close(reg);
    uint8_t *up = upload_of(&ghost, NULL, 0, &ulen);
    CHECK_INT(200, post(up, ulen, &r));
    resp_free(&r);
    free(up);

    up = upload_of(&st2, NULL, 0, &ulen);
    CHECK_INT(200, post(up, ulen, &r));
    resp_free(&r);
    CHECK_INT(0, run((const char *const[]){bin, "--home", home, "revoke", "st-2", NULL}));
    uint8_t before[32];
    digest(before);
    long status = post(up, ulen, &r);
    CHECK_REFUSED("station revoked while the receiver runs", status, 403, 403, before);
    resp_free(&r);
    free(up);
}

static char bundle_common[400], bundle_own[400];

static void check_range(const char *path, const uint8_t *file, size_t size, const char *range,
                        long want, size_t first, size_t last)
{
    http_resp r;
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Range: %s", range);
    CHECK_INT(want, http("GET", path, NULL, 0, hdr, &r));
    if (want == 206) {
        char cr[128];
        snprintf(cr, sizeof cr, "Content-Range: bytes %zu-%zu/%zu", first, last, size);
        CHECK(strstr(r.headers, cr) != NULL);
        CHECK_INT(last - first + 1, r.len);
        CHECK(r.body && memcmp(r.body, file + first, last - first + 1) == 0);
    } else if (want == 416) {
        char cr[128];
        snprintf(cr, sizeof cr, "Content-Range: bytes */%zu", size);
        CHECK(strstr(r.headers, cr) != NULL);
    } else if (want == 200) {
        CHECK_INT(size, r.len);
    }
    resp_free(&r);
}

static void test_bundles(void)
{
    http_resp r;
    size_t common_len, own_len;
    uint8_t *common = fx_read(bundle_common, &common_len);
    uint8_t *own = fx_read(bundle_own, &own_len);
    char sha[65];

    CHECK_INT(200, http("GET", "/v1/bundles?station=st-1", NULL, 0, NULL, &r));
    json_t *list = json_object_get(r.json, "bundles");
    CHECK_INT(2, json_array_size(list));
    json_t *b0 = json_array_get(list, 0), *b1 = json_array_get(list, 1);
    CHECK_STR("common.sqb", json_string_value(json_object_get(b0, "name")));
    CHECK_STR("own.sqb", json_string_value(json_object_get(b1, "name")));
    CHECK_INT(common_len, json_integer_value(json_object_get(b0, "size")));
    CHECK_INT(own_len, json_integer_value(json_object_get(b1, "size")));
    sha256_hex(common, common_len, sha);
    CHECK_STR(sha, json_string_value(json_object_get(b0, "sha256")));
    sha256_hex(own, own_len, sha);
    CHECK_STR(sha, json_string_value(json_object_get(b1, "sha256")));
    resp_free(&r);
    /* Another station sees only what is for all. */
    CHECK_INT(200, http("GET", "/v1/bundles?station=st-2", NULL, 0, NULL, &r));
    CHECK_INT(1, json_array_size(json_object_get(r.json, "bundles")));
    resp_free(&r);
    CHECK_INT(400, http("GET", "/v1/bundles?station=..", NULL, 0, NULL, &r));
    resp_free(&r);

    /* Whole files, and the station's own only with its id. */
    CHECK_INT(200, http("GET", "/v1/bundles/common.sqb", NULL, 0, NULL, &r));
    CHECK(r.len == common_len && memcmp(r.body, common, common_len) == 0);
    CHECK(strstr(r.headers, "Accept-Ranges: bytes") != NULL);
    resp_free(&r);
    CHECK_INT(200, http("GET", "/v1/bundles/own.sqb?station=st-1", NULL, 0, NULL, &r));
    CHECK(r.len == own_len && memcmp(r.body, own, own_len) == 0);
    resp_free(&r);
    CHECK_INT(404, http("GET", "/v1/bundles/own.sqb", NULL, 0, NULL, &r));
    resp_free(&r);
    CHECK_INT(404, http("GET", "/v1/bundles/own.sqb?station=st-2", NULL, 0, NULL, &r));
    resp_free(&r);

    /* Ranges. */
    const char *p = "/v1/bundles/common.sqb";
    char range[64];
    check_range(p, common, common_len, "bytes=10-", 206, 10, common_len - 1);
    check_range(p, common, common_len, "bytes=5-9", 206, 5, 9);
    check_range(p, common, common_len, "bytes=0-0", 206, 0, 0);
    check_range(p, common, common_len, "bytes=-7", 206, common_len - 7, common_len - 1);
    snprintf(range, sizeof range, "bytes=%zu-", common_len - 1);
    check_range(p, common, common_len, range, 206, common_len - 1, common_len - 1);
    snprintf(range, sizeof range, "bytes=100-%zu", common_len + 5000);
    check_range(p, common, common_len, range, 206, 100, common_len - 1);
    snprintf(range, sizeof range, "bytes=%zu-", common_len);
    check_range(p, common, common_len, range, 416, 0, 0);
    snprintf(range, sizeof range, "bytes=%zu-%zu", common_len + 10, common_len + 20);
    check_range(p, common, common_len, range, 416, 0, 0);
    /* Forms not served as ranges: the whole file. */
    check_range(p, common, common_len, "bytes=9-5", 200, 0, 0);
    check_range(p, common, common_len, "bytes=0-1,5-6", 200, 0, 0);
    check_range(p, common, common_len, "items=0-5", 200, 0, 0);
    /* Resuming: two halves make the file. */
    snprintf(range, sizeof range, "Range: bytes=%zu-", common_len / 2);
    CHECK_INT(206, http("GET", p, NULL, 0, range, &r));
    CHECK(r.len == common_len - common_len / 2 &&
          memcmp(r.body, common + common_len / 2, r.len) == 0);
    resp_free(&r);

    /* Never outside the folder. */
    static const char *const outside[] = {
        "/v1/bundles/..%2F..%2Fcentral.db",
        "/v1/bundles/%2E%2E%2Fall%2Fcommon.sqb",
        "/v1/bundles/../all/common.sqb",
        "/v1/bundles/escape.sqb", /* a symlink to a file outside */
        "/v1/bundles/.hidden.sqb",
        "/v1/bundles/common.sqb?station=..",
        "/v1/bundles/common.sqb?station=all%2F..",
        "/v1/bundles/",
        "/v1/bundles/notes.txt",
    };
    for (size_t i = 0; i < sizeof outside / sizeof *outside; i++) {
        long st = http("GET", outside[i], NULL, 0, NULL, &r);
        if (st != 404 && st != 400)
            fprintf(stderr, "  %s: got %ld\n", outside[i], st);
        CHECK(st == 404 || st == 400);
        resp_free(&r);
    }
    free(common);
    free(own);
}

/* Dribbles head (NULL: none) then one byte of fill every 0.5 s until the
 * server closes or 20 s pass; the milliseconds until it closed. */
static int64_t dribble_until_cut(int fd, const char *head, const char *fill, int *sent)
{
    if (head)
        CHECK_INT(0, raw_send(fd, head, strlen(head)));
    int64_t t0 = now_ms();
    *sent = 0;
    while (now_ms() - t0 < 20000 && raw_send(fd, fill, 1) == 0) {
        (*sent)++;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 500) > 0)
            break; /* closed (or answered) */
    }
    return now_ms() - t0;
}

/* On a receiver with 2 s for a head and 100 bytes/s for a body after 2 s
 * (and 5 s of idle time): a body dribbled a byte every 0.5 s never goes
 * idle, but is cut off for its rate; a head dribbled so is cut off at its
 * deadline; a connection that sends nothing is cut at the head's deadline,
 * and one whose body stops for its rate, both before the idle timeout.
 * The bounds are wide: what is checked is that the cut comes, not when. */
static void test_slow_cut_off(void)
{
    char h3[400];
    int p3 = 0;
    snprintf(h3, sizeof h3, "%s/home-slow", f.dir);
    CHECK_INT(0, receiver_home(h3));
    pid_t pid = start_server(
        h3,
        (const char *const[]){"--timeout", "5", "--header-timeout", "2", "--min-rate", "100", NULL},
        &p3, NULL);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    int saved = port;
    port = p3;
    static const char head[] = "POST /v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n";
    static const char *const what[] = {"slow body", "slow head"};
    static const char *const heads[] = {head, "POST /v1/upload HTTP/1.1\r\nHost: x\r\nX-Slow: "};
    for (int i = 0; i < 2; i++) {
        int fd = raw_connect(), sent = 0;
        int64_t cut_ms = dribble_until_cut(fd, heads[i], "a", &sent);
        CHECK(cut_ms >= 1500 && cut_ms < 15000);
        if (!(cut_ms >= 1500 && cut_ms < 15000))
            fprintf(stderr, "  %s cut after %lld ms, %d bytes\n", what[i], (long long)cut_ms, sent);
        close(fd);
    }
    /* Silent, before and after the head. */
    int fd = raw_connect();
    int64_t t0 = now_ms();
    CHECK_INT(0, raw_status(fd, 15000));
    CHECK(now_ms() - t0 >= 1500);
    close(fd);
    fd = raw_connect();
    CHECK_INT(0, raw_send(fd, head, sizeof head - 1));
    CHECK_INT(0, raw_status(fd, 15000));
    close(fd);
    port = saved;
    CHECK_INT(0, stop_server(pid));
    size_t len = 0;
    char *log = (char *)fx_read(log_path, &len);
    CHECK(log && strstr(log, "connection cut: no complete request head within 2 s") != NULL);
    CHECK(log && strstr(log, "below the minimum of 100 bytes/s") != NULL);
    CHECK(log && strstr(log, "slow connections cut: 2 without a complete request head in time, "
                             "2 with a body too slow") != NULL);
    free(log);
}

/* A GET answered on a connection of its own: its status (0: closed at
 * once, as a connection the accept policy refused is). The connection
 * stays open (keep-alive) unless closed. */
static int raw_get(int fd)
{
    static const char get[] = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    if (fd < 0 || raw_send(fd, get, sizeof get - 1))
        return 0;
    return raw_status(fd, 10000);
}

/* A connection past the limits: answered 503 with a Retry-After of 15 to
 * 30 s, and closed by the receiver. */
static void check_turned_away(int fd)
{
    static const char get[] = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    long ra = -1;
    CHECK(fd >= 0 && raw_send(fd, get, sizeof get - 1) == 0);
    CHECK_INT(503, raw_status_retry(fd, 10000, &ra));
    CHECK(ra >= 15 && ra <= 30);
    /* The rest of the answer, then the end of the connection. */
    char rest[4096];
    ssize_t got = 1;
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    while (got > 0 && poll(&pf, 1, 5000) > 0)
        got = recv(fd, rest, sizeof rest, 0);
    CHECK_INT(0, (long long)got);
}

/* The accept policy on a receiver of 8 slots, 4 of them reserved for
 * proven addresses, 2 per unknown address and 6 per proven one. Each
 * connection gets its answer before the next opens, so the receiver has
 * counted it. */
static void test_pools(void)
{
    char h4[400];
    int p4 = 0;
    sq_err e;
    snprintf(h4, sizeof h4, "%s/home-pools", f.dir);
    CHECK_INT(0, receiver_home(h4));
    registry *reg = NULL;
    sq_cert c;
    CHECK_OK(open_registry(h4, &reg, &e), &e);
    CHECK_OK(sq_cert_load(f.cert_path, sq_central_sign_pk(f.central), &c, &e), &e);
    /* On PostgreSQL the registry is the first home's too: enrolled there. */
    sq_status added = registry_add(reg, &c, false, &e);
    CHECK(added == SQ_OK || (db_url && added == SQ_EEXIST));
    registry_close(reg);
    pid_t pid =
        start_server(h4,
                     (const char *const[]){"--max-conns", "8", "--reserve", "4", "--max-per-new-ip",
                                           "2", "--max-per-ip", "6", "--header-timeout", "600",
                                           "--timeout", "600", NULL},
                     &p4, NULL);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    int saved = port;
    port = p4;
    int fds[12];
    for (int i = 0; i < 12; i++)
        fds[i] = -1;
    /* A station's upload from 127.0.0.1 (on a connection of libcurl's,
     * kept open) proves its address. */
    http_resp r;
    size_t ulen;
    uint8_t *up = upload_of(&st1, NULL, 0, &ulen);
    CURL *h = curl_easy_init();
    CHECK_INT(200, http_on(h, p4, "POST", "/v1/upload", up, ulen, NULL, &r));
    resp_free(&r);
    free(up);
    /* An unknown address: 2, not 3. */
    fds[0] = raw_connect_from(2);
    fds[1] = raw_connect_from(2);
    CHECK_INT(200, raw_get(fds[0]));
    CHECK_INT(200, raw_get(fds[1]));
    fds[2] = raw_connect_from(2);
    check_turned_away(fds[2]);
    /* A second unknown address fills the 4 slots of unknown ones; a third
     * finds none. */
    fds[3] = raw_connect_from(3);
    fds[4] = raw_connect_from(3);
    CHECK_INT(200, raw_get(fds[3]));
    CHECK_INT(200, raw_get(fds[4]));
    fds[5] = raw_connect_from(4);
    check_turned_away(fds[5]);
    /* The proven address gets the reserve: its connections fill the rest. */
    for (int i = 6; i < 9; i++) {
        fds[i] = raw_connect_from(1);
        CHECK_INT(200, raw_get(fds[i]));
    }
    /* 8 open: none more within the limits, proven or not: answered 503
     * in the overflow slots. */
    fds[9] = raw_connect_from(1);
    check_turned_away(fds[9]);
    fds[10] = raw_connect_from(5);
    check_turned_away(fds[10]);
    /* (Gone, lest the backlog hand them the slot freed below.) */
    close(fds[9]);
    close(fds[10]);
    fds[9] = fds[10] = -1;
    /* A slot of an unknown address freed: the third address gets it (once
     * the receiver has seen the close). */
    close(fds[0]);
    fds[0] = -1;
    int st = 0;
    for (int tries = 0; tries < 20 && st != 200; tries++) {
        if (fds[11] >= 0)
            close(fds[11]);
        usleep(200000);
        fds[11] = raw_connect_from(4);
        st = raw_get(fds[11]) == 200 ? 200 : 0;
    }
    CHECK_INT(200, st);
    for (int i = 0; i < 12; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    curl_easy_cleanup(h);
    port = saved;
    CHECK_INT(0, stop_server(pid));
    size_t len = 0;
    char *log = (char *)fx_read(log_path, &len);
    CHECK(log && strstr(log, "127.0.0.2: connection past the limits (answered 503): 2 open from "
                             "this unknown address") != NULL);
    CHECK(log && strstr(log, "127.0.0.4: connection past the limits (answered 503): 0 open from "
                             "this unknown address, 5 of 8 slots taken (4 of 4 for unknown "
                             "addresses)") != NULL);
    CHECK(log && strstr(log, "127.0.0.1: connection past the limits (answered 503): 4 open from "
                             "this proven address, 8 of 8 slots taken") != NULL);
    CHECK(log && strstr(log, "4 connections past the limits answered 503") != NULL);
    free(log);
}

/* PostgreSQL: a second receiver on the same database starts and answers
 * from it what the first stored. */
static void test_second_receiver_shares(void)
{
    int status = 0, p2 = 0;
    pid_t pid = start_server(home, NULL, &p2, &status);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    CURL *h = curl_easy_init();
    http_resp a, b;
    CHECK_INT(200, http_on(h, p2, "GET", "/v1/stations/st-1/highest", NULL, 0, NULL, &b));
    CHECK_INT(200, http("GET", "/v1/stations/st-1/highest", NULL, 0, NULL, &a));
    CHECK(jint(&a, "highest") > 0);
    CHECK_INT(jint(&a, "highest"), jint(&b, "highest"));
    resp_free(&a);
    resp_free(&b);
    curl_easy_cleanup(h);
    CHECK_INT(0, stop_server(pid));
}

static void test_second_receiver_refused(void)
{
    if (db_url) {
        test_second_receiver_shares();
        return;
    }
    int status = 0, p2 = 0;
    pid_t pid = start_server(home, NULL, &p2, &status);
    CHECK(pid < 0);
    CHECK_INT(1, status);
    size_t len = 0;
    char *log = (char *)fx_read(log_path, &len);
    CHECK(log && strstr(log, "held by another process") != NULL);
    free(log);
}

static void test_tls(void)
{
    char cert[400], key[400], cmd[1200], h2[400];
    snprintf(cert, sizeof cert, "%s/tls.crt", f.dir);
    snprintf(key, sizeof key, "%s/tls.key", f.dir);
    snprintf(h2, sizeof h2, "%s/home-tls", f.dir);
    CHECK_INT(0, receiver_home(h2));
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
             " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s"
             " >/dev/null 2>&1",
             key, cert);
    if (system(cmd) != 0) {
        CHECK_SKIP("serve: openssl cannot make a certificate here: TLS is not tested");
        return;
    }
    const char *extra[] = {"--tls-cert", cert, "--tls-key", key, "--max-upload", "2000", NULL};
    int p2 = 0;
    pid_t pid = start_server(h2, extra, &p2, NULL);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    CURL *h = curl_easy_init();
    http_resp r = {0};
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/v1/health", p2);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, cert);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    CURLcode rc = curl_easy_perform(h);
    CHECK_INT(CURLE_OK, rc);
    if (rc != CURLE_OK)
        fprintf(stderr, "  TLS: %s\n", curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    CHECK_INT(200, r.status);
    resp_free(&r);
    /* An upload over TLS. */
    size_t ulen;
    uint8_t *up = upload_of(&st1, first_batch, first_batch_len, &ulen);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/v1/upload", p2);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, up);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)ulen);
    /* This home's registry is empty: the station is unknown here. On
     * PostgreSQL the registry is the database's, where it is enrolled:
     * the upload is taken (a duplicate of what the first receiver has). */
    CHECK_INT(CURLE_OK, curl_easy_perform(h));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    CHECK_INT(db_url ? 200 : 403, r.status);
    resp_free(&r);
    free(up);
    /* This receiver's cap is 2000 bytes. */
    up = calloc(1, 2001);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, up);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)2001);
    CHECK_INT(CURLE_OK, curl_easy_perform(h));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    CHECK_INT(413, r.status);
    resp_free(&r);
    free(up);
    /* Plain HTTP to the TLS port is no answer. */
    http_resp pr;
    CURL *plain = curl_easy_init();
    CHECK(http_on(plain, p2, "GET", "/v1/health", NULL, 0, NULL, &pr) != 200);
    resp_free(&pr);
    curl_easy_cleanup(plain);
    curl_easy_cleanup(h);
    CHECK_INT(0, stop_server(pid));
}

static int count_result(void *ctx, const char *station_id, int64_t seq, const uint8_t *sealed,
                        size_t len, const char *batch_id, int64_t received_wall_s)
{
    int64_t *last = ctx;
    CHECK_STR("st-1", station_id);
    CHECK(seq == last[0] + 1 && len > 0 && sealed && strlen(batch_id) == 32);
    CHECK(received_wall_s > 1700000000);
    last[0] = seq;
    last[1]++;
    return 0;
}

static int count_heartbeat(void *ctx, const sq_heartbeat *hb, int64_t received_wall_s)
{
    CHECK_STR("st-1", hb->station_id);
    (*(int *)ctx)++;
    return 0;
}

/* The result store through its own interface, as reports will read it:
 * read-only beside the running receiver; a second writer refused (SQLite)
 * or let in (PostgreSQL). */
static void test_cstore_reader(void)
{
    sq_err e;
    cstore *cs = NULL;
    const char *where = db_url ? db_url : results_db;
    if (db_url) {
        CHECK_OK(cstore_open(where, 0, &cs, &e), &e);
        CHECK_STR("postgresql", cstore_engine(cs));
        cstore_close(cs);
        cs = NULL;
    } else {
        CHECK_ERR(SQ_EBUSY, "held by another process", cstore_open(where, 0, &cs, &e), &e);
    }
    CHECK_OK(cstore_open(where, CSTORE_READONLY, &cs, &e), &e);
    CHECK_STR(db_url ? "postgresql" : "sqlite", cstore_engine(cs));
    if (!cs)
        return;
    int64_t walk[2] = {0, 0}, h = 0, received = 0;
    CHECK_OK(cstore_each_result(cs, "st-1", 0, count_result, walk, &e), &e);
    CHECK_INT(7, walk[1]);
    CHECK_OK(cstore_highest(cs, "st-1", &h, &e), &e);
    CHECK_INT(7, h);
    CHECK_OK(cstore_highest(cs, "p-1", &h, &e), &e);
    CHECK_INT(3, h);
    sq_heartbeat hb;
    CHECK_OK(cstore_heartbeat_latest(cs, "st-1", &hb, &received, &e), &e);
    CHECK_STR(sq_version(), hb.software);
    CHECK_STR("e1:1", hb.content);
    CHECK_INT(7, hb.last_seq);
    CHECK_ERR(SQ_ENOTFOUND, "no heartbeat",
              cstore_heartbeat_latest(cs, "nobody", &hb, &received, &e), &e);
    int n_hb = 0;
    CHECK_OK(cstore_each_heartbeat(cs, "st-1", count_heartbeat, &n_hb, &e), &e);
    CHECK_INT(db_count("SELECT count(*) FROM heartbeats WHERE station_id = 'st-1'"), n_hb);
    sq_err e2;
    sq_batch *b = NULL;
    bool known = false;
    uint8_t sha[32], want[32];
    CHECK_OK(sq_batch_parse(first_batch, first_batch_len, &b, &e2), &e2);
    crypto_hash_sha256(want, first_batch, first_batch_len);
    CHECK_OK(cstore_batch_known(cs, b ? sq_batch_id(b) : "", &known, sha, &e), &e);
    CHECK(known && memcmp(sha, want, 32) == 0);
    CHECK_OK(cstore_batch_known(cs, "00000000000000000000000000000000", &known, NULL, &e), &e);
    CHECK(!known);
    sq_batch_free(b);
    cstore_close(cs);
}

/* ---- many uploads into one handle at once ---- */

/* The receiver's threads call cstore_put_upload at once; the store may
 * take them one by one or several in one transaction (SQLite's group
 * commit), and each caller must get its own right answer either way: 12
 * stations put 4 batches each while a 13th station's conflicting batch is
 * refused alone and its resent batch is a duplicate. */
#define GC_STATIONS 12
#define GC_BATCHES 4
#define GC_PER 5

typedef struct {
    cstore *cs;
    int who; /* 0..GC_STATIONS-1; GC_STATIONS: the conflicting one */
    sq_status st[GC_BATCHES];
    cstore_ack ack[GC_BATCHES];
    sq_err e;
} gc_job;

static pthread_barrier_t gc_start;

static void gc_bytes(uint8_t *out, int who, int64_t seq, int variant)
{
    for (int i = 0; i < 40; i++)
        out[i] = (uint8_t)(who * 31 + seq * 7 + i + variant * 101);
}

/* Puts one batch of seqs first..first+GC_PER-1 for the station named who. */
static sq_status gc_put(cstore *cs, const char *who, int n, int64_t first, int variant,
                        int64_t counter, cstore_ack *ack, sq_err *e)
{
    uint8_t bytes[GC_PER][40], sha[32];
    cstore_result res[GC_PER];
    for (int k = 0; k < GC_PER; k++) {
        gc_bytes(bytes[k], n, first + k, variant);
        res[k] = (cstore_result){first + k, bytes[k], sizeof bytes[k]};
    }
    char id[33];
    snprintf(id, sizeof id, "%08x%08x%016x", (unsigned)n, (unsigned)variant, (unsigned)first);
    crypto_hash_sha256(sha, (const uint8_t *)id, 32);
    sq_heartbeat hb = {0};
    snprintf(hb.station_id, sizeof hb.station_id, "%s", who);
    snprintf(hb.software, sizeof hb.software, "test");
    hb.counter = counter;
    cstore_upload up = {.hb = &hb, .received_wall_s = 1800000000, .batch_id = id,
                        .batch_sha256 = sha, .batch_len = 32, .results = res, .n_results = GC_PER};
    return cstore_put_upload(cs, &up, ack, e);
}

static void *gc_run(void *arg)
{
    gc_job *j = arg;
    char who[16];
    snprintf(who, sizeof who, "gc-%d", j->who);
    pthread_barrier_wait(&gc_start);
    if (j->who == GC_STATIONS) {
        /* Seq 3 with other bytes, then the batch held already, resent. */
        j->st[0] = gc_put(j->cs, who, j->who, 1, 1, 2, &j->ack[0], &j->e);
        j->st[1] = gc_put(j->cs, who, j->who, 1, 0, 3, &j->ack[1], &j->e);
        return NULL;
    }
    for (int b = 0; b < GC_BATCHES; b++)
        j->st[b] = gc_put(j->cs, who, j->who, 1 + b * GC_PER, 0, b + 1, &j->ack[b], &j->e);
    return NULL;
}

static int gc_count(void *ctx, const char *station_id, int64_t seq, const uint8_t *sealed,
                    size_t len, const char *batch_id, int64_t received_wall_s)
{
    (void)batch_id;
    (void)received_wall_s;
    int *n = ctx, who = -1;
    uint8_t want[40];
    sscanf(station_id, "gc-%d", &who);
    gc_bytes(want, who, seq, 0);
    CHECK(len == sizeof want && memcmp(sealed, want, len) == 0);
    (*n)++;
    return 0;
}

static void test_group_commit(void)
{
    char where[400];
    if (db_url)
        snprintf(where, sizeof where, "%s", db_url);
    else
        snprintf(where, sizeof where, "%s/group.db", f.dir);
    sq_err e;
    cstore *cs = NULL;
    CHECK_OK(cstore_open(where, 0, &cs, &e), &e);
    if (!cs)
        return;
    cstore_ack ack;
    CHECK_OK(gc_put(cs, "gc-12", GC_STATIONS, 1, 0, 1, &ack, &e), &e);
    CHECK_INT(GC_PER, (int64_t)ack.n_new);
    gc_job jobs[GC_STATIONS + 1];
    pthread_t th[GC_STATIONS + 1];
    pthread_barrier_init(&gc_start, NULL, GC_STATIONS + 1);
    for (int i = 0; i <= GC_STATIONS; i++) {
        jobs[i] = (gc_job){.cs = cs, .who = i};
        pthread_create(&th[i], NULL, gc_run, &jobs[i]);
    }
    for (int i = 0; i <= GC_STATIONS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&gc_start);
    for (int i = 0; i < GC_STATIONS; i++)
        for (int b = 0; b < GC_BATCHES; b++) {
            CHECK_INT(SQ_OK, jobs[i].st[b]);
            CHECK_INT(CSTORE_NEW, jobs[i].ack[b].outcome);
            CHECK_INT(GC_PER, (int64_t)jobs[i].ack[b].n_new);
            CHECK_INT((b + 1) * GC_PER, jobs[i].ack[b].highest);
            CHECK_INT((b + 1) * GC_PER, jobs[i].ack[b].held_max);
            CHECK_INT(b + 1, jobs[i].ack[b].hb_counter);
        }
    gc_job *c = &jobs[GC_STATIONS];
    CHECK_INT(SQ_OK, c->st[0]);
    CHECK_INT(CSTORE_CONFLICT, c->ack[0].outcome);
    CHECK_INT(0, (int64_t)c->ack[0].n_new);
    CHECK_INT(1, c->ack[0].conflict_seq); /* the first seq of the batch differs */
    CHECK_INT(GC_PER, c->ack[0].highest);
    CHECK_INT(1, c->ack[0].hb_counter); /* the refused upload's heartbeat was not kept */
    CHECK_INT(SQ_OK, c->st[1]);
    CHECK_INT(CSTORE_DUPLICATE, c->ack[1].outcome);
    CHECK_INT(GC_PER, c->ack[1].highest);
    CHECK_INT(3, c->ack[1].hb_counter);
    for (int i = 0; i <= GC_STATIONS; i++) {
        char who[16];
        int n = 0;
        snprintf(who, sizeof who, "gc-%d", i);
        CHECK_OK(cstore_each_result(cs, who, 0, gc_count, &n, &e), &e);
        CHECK_INT(i == GC_STATIONS ? GC_PER : GC_BATCHES * GC_PER, n);
    }
    cstore_close(cs);
}

/* ---- what a station can make central keep ---- */

/* A heartbeat alone of station who, counter n, received at t (an injected
 * clock: no wall clock in the test). */
static sq_status hb_put(cstore *cs, const char *who, int64_t n, int64_t t, sq_err *e)
{
    sq_heartbeat hb = {0};
    cstore_ack ack;
    snprintf(hb.station_id, sizeof hb.station_id, "%s", who);
    snprintf(hb.software, sizeof hb.software, "test");
    hb.counter = n;
    hb.pending = n; /* tells the rows apart */
    cstore_upload up = {.hb = &hb, .received_wall_s = t};
    return cstore_put_upload(cs, &up, &ack, e);
}

typedef struct {
    int n;
    int64_t counters[512];
} hb_rows;

static int hb_collect(void *ctx, const sq_heartbeat *hb, int64_t received_wall_s)
{
    (void)received_wall_s;
    hb_rows *r = ctx;
    if (r->n < 512)
        r->counters[r->n] = hb->counter;
    r->n++;
    return 0;
}

/* The rows the cap must leave of heartbeats 1..last, heartbeat i received
 * at t0 + (i - 1) * step: the newest keep, and of the older ones the first
 * of each day no older than days days before the last. */
static int hb_expected(int64_t last, int64_t t0, int64_t step, int64_t keep, int64_t days,
                       int64_t *want)
{
    int n = 0;
    int64_t now = t0 + (last - 1) * step;
    for (int64_t i = 1; i <= last; i++) {
        int64_t t = t0 + (i - 1) * step;
        bool first_of_day = i == 1 || (t0 + (i - 2) * step) / 86400 != t / 86400;
        if (i > last - keep || (first_of_day && t >= now - days * 86400))
            want[n++] = i;
    }
    return n;
}

static void check_hb_rows(cstore *cs, const char *who, int64_t last, int64_t t0, int64_t step,
                          int64_t keep, int64_t days)
{
    sq_err e;
    hb_rows got = {0};
    int64_t want[512];
    int n = hb_expected(last, t0, step, keep, days, want);
    CHECK_OK(cstore_each_heartbeat(cs, who, hb_collect, &got, &e), &e);
    CHECK_INT(n, got.n);
    for (int i = 0; i < n && i < got.n && i < 512; i++)
        CHECK_INT(want[i], got.counters[i]);
    sq_heartbeat hb;
    int64_t received = 0;
    CHECK_OK(cstore_heartbeat_latest(cs, who, &hb, &received, &e), &e);
    CHECK_INT(last, hb.counter);
    CHECK_INT(t0 + (last - 1) * step, received);
}

/* A station sending thousands of heartbeats keeps the newest N and one a
 * day: 2,000 of them, one every 12 minutes for 16 days and more. */
static void test_heartbeat_cap(void)
{
    char where[400];
    if (db_url)
        snprintf(where, sizeof where, "%s", db_url);
    else
        snprintf(where, sizeof where, "%s/hbcap.db", f.dir);
    sq_err e;
    cstore *cs = NULL;
    CHECK_OK(cstore_open(where, 0, &cs, &e), &e);
    if (!cs)
        return;
    const int64_t t0 = 20834LL * 86400, step = 720; /* a day's start, 2027 */
    int64_t i;
    for (i = 1; i <= 2000; i++) {
        sq_status st = hb_put(cs, "hb-cap", i, t0 + (i - 1) * step, &e);
        if (st) {
            CHECK_OK(st, &e);
            break;
        }
    }
    /* The defaults: the newest 100 (heartbeats 1901..2000) and the first
     * of each of the 16 days before them. */
    CHECK_INT(116, hb_expected(2000, t0, step, CSTORE_HB_KEEP, CSTORE_HB_DAYS, (int64_t[512]){0}));
    check_hb_rows(cs, "hb-cap", 2000, t0, step, CSTORE_HB_KEEP, CSTORE_HB_DAYS);

    /* A tighter cap: the newest 10, the first of each of the last 3 days. */
    CHECK_OK(cstore_set_heartbeat_cap(cs, 10, 3, &e), &e);
    CHECK_OK(hb_put(cs, "hb-cap", 2001, t0 + 2000 * step, &e), &e);
    check_hb_rows(cs, "hb-cap", 2001, t0, step, 10, 3);
    CHECK_INT(13, hb_expected(2001, t0, step, 10, 3, (int64_t[512]){0}));

    /* A cap that makes no sense is refused and changes nothing. */
    CHECK_ERR(SQ_EINVAL, "keep at least 1", cstore_set_heartbeat_cap(cs, 0, 3, &e), &e);
    CHECK_ERR(SQ_EINVAL, "0 or more days", cstore_set_heartbeat_cap(cs, 10, -1, &e), &e);
    CHECK_OK(hb_put(cs, "hb-cap", 2002, t0 + 2001 * step, &e), &e);
    check_hb_rows(cs, "hb-cap", 2002, t0, step, 10, 3);

    /* Another station's history is its own. */
    CHECK_OK(hb_put(cs, "hb-other", 1, t0, &e), &e);
    check_hb_rows(cs, "hb-other", 1, t0, step, 10, 3);
    check_hb_rows(cs, "hb-cap", 2002, t0, step, 10, 3);
    cstore_close(cs);
}

/* A stick's batch records the station as carried by stick, never as a
 * heartbeat; the network's heartbeat is apart. */
static void test_stick_latest(void)
{
    char where[400];
    if (db_url)
        snprintf(where, sizeof where, "%s", db_url);
    else
        snprintf(where, sizeof where, "%s/stick.db", f.dir);
    sq_err e;
    cstore *cs = NULL;
    CHECK_OK(cstore_open(where, 0, &cs, &e), &e);
    if (!cs)
        return;
    uint8_t a[40], b[40], sha[32];
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    crypto_hash_sha256(sha, a, sizeof a);
    cstore_result ra = {1, a, sizeof a}, rb = {1, b, sizeof b};
    sq_heartbeat hb = {0};
    snprintf(hb.station_id, sizeof hb.station_id, "stick-1");
    snprintf(hb.software, sizeof hb.software, "usb");
    const int64_t t = 1800000000;
    cstore_ack ack;
    int64_t when = 0, received = 0;
    sq_heartbeat got;
    CHECK_ERR(SQ_ENOTFOUND, "never carried in by stick",
              cstore_stick_latest(cs, "stick-1", &when, &e), &e);
    cstore_upload up = {.hb = &hb,
                        .received_wall_s = t,
                        .batch_id = "5717c0000000000000000000000000a1",
                        .batch_sha256 = sha,
                        .batch_len = 40,
                        .results = &ra,
                        .n_results = 1,
                        .by_stick = true};
    CHECK_OK(cstore_put_upload(cs, &up, &ack, &e), &e);
    CHECK_INT(CSTORE_NEW, ack.outcome);
    CHECK_OK(cstore_stick_latest(cs, "stick-1", &when, &e), &e);
    CHECK_INT(t, when);
    CHECK_ERR(SQ_ENOTFOUND, "no heartbeat",
              cstore_heartbeat_latest(cs, "stick-1", &got, &received, &e), &e);
    hb_rows rows = {0};
    CHECK_OK(cstore_each_heartbeat(cs, "stick-1", hb_collect, &rows, &e), &e);
    CHECK_INT(0, rows.n);
    /* An older stick ingested later does not move the time back. */
    up.received_wall_s = t - 100;
    CHECK_OK(cstore_put_upload(cs, &up, &ack, &e), &e);
    CHECK_INT(CSTORE_DUPLICATE, ack.outcome);
    CHECK_OK(cstore_stick_latest(cs, "stick-1", &when, &e), &e);
    CHECK_INT(t, when);
    /* A refused batch (other bytes under seq 1) records nothing. */
    uint8_t sha_b[32];
    crypto_hash_sha256(sha_b, b, sizeof b);
    cstore_upload bad = up;
    bad.received_wall_s = t + 1000;
    bad.batch_id = "5717c0000000000000000000000000b2";
    bad.batch_sha256 = sha_b;
    bad.results = &rb;
    CHECK_OK(cstore_put_upload(cs, &bad, &ack, &e), &e);
    CHECK_INT(CSTORE_CONFLICT, ack.outcome);
    CHECK_OK(cstore_stick_latest(cs, "stick-1", &when, &e), &e);
    CHECK_INT(t, when);
    /* The network: a heartbeat, and the stick's time stays its own. */
    hb.counter = 1;
    snprintf(hb.software, sizeof hb.software, "test");
    cstore_upload live = {.hb = &hb, .received_wall_s = t + 50};
    CHECK_OK(cstore_put_upload(cs, &live, &ack, &e), &e);
    CHECK_OK(cstore_heartbeat_latest(cs, "stick-1", &got, &received, &e), &e);
    CHECK_INT(t + 50, received);
    CHECK_OK(cstore_stick_latest(cs, "stick-1", &when, &e), &e);
    CHECK_INT(t, when);
    /* A later stick moves it on. */
    up.received_wall_s = t + 7200;
    CHECK_OK(cstore_put_upload(cs, &up, &ack, &e), &e);
    CHECK_OK(cstore_stick_latest(cs, "stick-1", &when, &e), &e);
    CHECK_INT(t + 7200, when);
    CHECK_OK(cstore_heartbeat_latest(cs, "stick-1", &got, &received, &e), &e);
    CHECK_INT(t + 50, received);
    cstore_close(cs);
}

/* What the store may show of where it is: never a password. */
static void test_where(void)
{
    static const struct {
        const char *in, *shown;
        bool url;
    } cases[] = {
        {"/var/lib/synaq-central/results.db", "/var/lib/synaq-central/results.db", false},
        {"postgresql://synaq@db.example:5432/synaq", "postgresql://synaq@db.example:5432/synaq",
         true},
        {"postgresql://synaq:s3cret@db.example/synaq", "postgresql://synaq:***@db.example/synaq",
         true},
        {"postgres:///synaq?host=/run/pg&password=s3cret&user=x",
         "postgres:///synaq?host=/run/pg&password=***&user=x", true},
        {"POSTGRESQL://u:p@h/d?password=q", "POSTGRESQL://u:***@h/d?password=***", true},
        {"postgresql://h/d?xpassword=visible", "postgresql://h/d?xpassword=visible", true},
        {"postgresql:/not-a-url", "postgresql:/not-a-url", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[200];
        cstore_where(cases[i].in, out, sizeof out);
        CHECK_STR(cases[i].shown, out);
        CHECK_INT(cases[i].url, cstore_is_url(cases[i].in));
    }
    char small[12];
    cstore_where("postgresql://u:secret@h/d", small, sizeof small);
    CHECK_STR("postgresql:", small);
}

/* After SIGTERM, a restart on the same home knows every batch. */
static void test_restart(void)
{
    http_resp r;
    CHECK_INT(0, stop_server(server_pid));
    server_pid =
        start_server(home, (const char *const[]){"--bundles", bundles_dir, NULL}, &port, NULL);
    CHECK(server_pid > 0);
    if (server_pid <= 0)
        return;
    CHECK_INT(200, post(first_upload, first_upload_len, &r));
    CHECK(json_is_true(json_object_get(r.json, "duplicate")));
    CHECK_INT(7, jint(&r, "highest"));
    resp_free(&r);
    CHECK_INT(7, db_count("SELECT count(*) FROM results WHERE station_id = 'st-1'"));
}

/* A new batch holding a seq stored already with the same bytes (as a
 * station makes after losing its record of a sent batch) beside a new
 * seq: stored, not a conflict; the held result is left as it is, the new
 * one counted, the highest moved over it. On PostgreSQL the held seq is
 * found after the batch's one insert, and compared in one statement. */
static void test_rebatched(void)
{
    http_resp r;
    uint8_t sealed2[2048];
    size_t sealed2_len = 0, blen, ulen;
    sq_buf held;
    sqi_buf_init(&held, 0);
    first_results(&held, sealed2, &sealed2_len);
    sqi_buf_free(&held);
    CHECK(sealed2_len > 0);
    sq_buf plain;
    sqi_buf_init(&plain, 0);
    plain_add(&plain, 2, sealed2, sealed2_len);
    plain_add(&plain, 8, sealed2, sealed2_len);
    uint8_t *b = hand_batch(st1.k, "st-1", &plain, 2, 6, NULL, 0, plain.len, &blen);
    uint8_t *up = upload_of(&st1, b, blen, &ulen);
    CHECK_INT(200, post(up, ulen, &r));
    CHECK(json_is_false(json_object_get(r.json, "duplicate")));
    CHECK_INT(8, jint(&r, "highest"));
    resp_free(&r);
    CHECK_INT(8, db_count("SELECT count(*) FROM results WHERE station_id = 'st-1'"));
    CHECK_INT(1, db_count("SELECT count(*) FROM results WHERE station_id = 'st-1' AND seq = 2"));
    /* The held seq 2 still names the first batch, the new seq 8 the new one. */
    CHECK_INT(1, db_count("SELECT count(DISTINCT batch_id) FROM results"
                          " WHERE station_id = 'st-1' AND seq IN (1, 2)"));
    CHECK_INT(2, db_count("SELECT count(DISTINCT batch_id) FROM results"
                          " WHERE station_id = 'st-1' AND seq IN (2, 8)"));
    free(up);
    free(b);
    sqi_buf_free(&plain);
}

/* ---- set-up ---- */

static int setup(void)
{
    sq_err e;
    if (fx_setup(&f, "st-1"))
        return -1;
    snprintf(log_path, sizeof log_path, "%s/serve.log", f.dir);
    snprintf(home, sizeof home, "%s/central-home", f.dir);
    snprintf(results_db, sizeof results_db, "%s/results.db", home);
    snprintf(bundles_dir, sizeof bundles_dir, "%s/bundles", f.dir);
    mkdir(home, 0700);
    if (receiver_home(home))
        return -1;

    snprintf(st1.id, sizeof st1.id, "st-1");
    st1.k = f.keys;
    st1.s = f.store;
    if (open_station(&st2, "st-2", true) || open_station(&ghost, "st-ghost", false) ||
        open_station(&revoked, "st-revoked", false) || open_station(&st_big, "st-big", false))
        return -1;
    for (int i = 0; i < N_PARALLEL; i++) {
        char id[16];
        snprintf(id, sizeof id, "p-%d", i + 1);
        if (open_station(&par[i], id, true))
            return -1;
    }

    /* One exam for them all. */
    const char *certs[1 + N_PARALLEL];
    certs[0] = st2.cert_path;
    for (int i = 0; i < N_PARALLEL; i++)
        certs[1 + i] = par[i].cert_path;
    char path[500], dir[450];
    char *yaml = fx_exam_yaml("e1", 1, 3, 0);
    snprintf(path, sizeof path, "%s/e1.sqb", f.dir);
    int rc = fx_bundle(&f, yaml, path, certs, 1 + N_PARALLEL);
    free(yaml);
    if (rc)
        return -1;
    sq_import_report rep;
    CHECK_OK(sq_import_file(st1.s, path, NULL, &rep, &e), &e);
    CHECK_OK(sq_import_file(st2.s, path, NULL, &rep, &e), &e);
    for (int i = 0; i < N_PARALLEL; i++)
        CHECK_OK(sq_import_file(par[i].s, path, NULL, &rep, &e), &e);

    /* Bundles to serve: one for all, one for st-1 alone, and traps. */
    snprintf(dir, sizeof dir, "%s/all", bundles_dir);
    mkdir(bundles_dir, 0755);
    mkdir(dir, 0755);
    snprintf(bundle_common, sizeof bundle_common, "%s/common.sqb", dir);
    if (rename(path, bundle_common))
        return -1;
    snprintf(dir, sizeof dir, "%s/st-1", bundles_dir);
    mkdir(dir, 0755);
    snprintf(bundle_own, sizeof bundle_own, "%s/own.sqb", dir);
    yaml = fx_exam_yaml("e2", 1, 40, 10);
    rc = fx_bundle(&f, yaml, bundle_own, NULL, 0);
    free(yaml);
    if (rc)
        return -1;
    snprintf(path, sizeof path, "%s/all/escape.sqb", bundles_dir);
    char target[450];
    snprintf(target, sizeof target, "%s/station.key", f.dir);
    if (symlink(target, path))
        return -1;
    snprintf(path, sizeof path, "%s/all/.hidden.sqb", bundles_dir);
    fx_write(path, "x", 1);
    snprintf(path, sizeof path, "%s/all/notes.txt", bundles_dir);
    fx_write(path, "x", 1);

    /* Central's registry: the enrolled stations, one of them revoked with
     * the real command. */
    registry *reg = NULL;
    CHECK_OK(open_registry(home, &reg, &e), &e);
    if (!reg)
        return -1;
    const char *enrolled[] = {f.cert_path, st2.cert_path, revoked.cert_path, st_big.cert_path};
    const size_t n_enrolled = sizeof enrolled / sizeof *enrolled;
    for (size_t i = 0; i < n_enrolled + N_PARALLEL; i++) {
        sq_cert c;
        const char *cp = i < n_enrolled ? enrolled[i] : par[i - n_enrolled].cert_path;
        CHECK_OK(sq_cert_load(cp, sq_central_sign_pk(f.central), &c, &e), &e);
        CHECK_OK(registry_add(reg, &c, false, &e), &e);
    }
    registry_close(reg);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_serve PATH/TO/synaq-central\n");
        return 2;
    }
    bin = argv[1];
    db_url = getenv("SYNAQ_TEST_DB_URL") && *getenv("SYNAQ_TEST_DB_URL")
                 ? getenv("SYNAQ_TEST_DB_URL")
                 : NULL;
    fprintf(stderr, "test_serve: result store on %s\n", db_url ? "PostgreSQL" : "SQLite");
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_where();
    if (setup()) {
        fprintf(stderr, "test_serve: set-up failed\n");
        return 1;
    }
    CHECK_INT(0, run((const char *const[]){bin, "--home", home, "revoke", "st-revoked", NULL}));
    CHECK_INT(1, run((const char *const[]){bin, "--home", home, "revoke", "st-never", NULL}));
    /* Bad options: usage, status 2. */
    CHECK_INT(2, run((const char *const[]){bin, "--home", home, "serve", "--max-upload", "99999999",
                                           NULL}));
    CHECK_INT(2, run((const char *const[]){bin, "--home", home, "serve", "--tls-cert", "x", NULL}));
    CHECK_INT(
        1, run((const char *const[]){bin, "--home", home, "serve", "--listen", "nowhere", NULL}));

    const char *extra[] = {"--bundles", bundles_dir, "--timeout", "20", NULL};
    server_pid = start_server(home, extra, &port, NULL);
    CHECK(server_pid > 0);
    curl = curl_easy_init();
    if (server_pid > 0 && curl) {
        test_basics();
        test_good_upload();
        test_conflicts();
        test_bad_uploads();
        test_batch_cap();
        test_raw_http();
        test_framing();
        test_parallel_with_slow_clients();
        test_heartbeat_and_gaps();
        test_live_registry();
        test_bundles();
        test_second_receiver_refused();
        test_slow_cut_off();
        test_pools();
        test_log_limits();
        test_tls();
        test_cstore_reader();
        test_restart();
        test_rebatched();
        if (server_pid > 0)
            CHECK_INT(0, stop_server(server_pid));
        test_group_commit();
        test_heartbeat_cap();
        test_stick_latest();
        /* The file is whole after the stop. */
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        if (!db_url && sqlite3_open_v2(results_db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            CHECK_STR("ok", (const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        sqlite3_close(db);
    } else if (server_pid > 0) {
        stop_server(server_pid);
    }
    if (check_failures) {
        size_t len = 0;
        char *log = (char *)fx_read(log_path, &len);
        fprintf(stderr, "--- the receiver's log ---\n%s--- end of log ---\n", log ? log : "");
        free(log);
    }
    curl_easy_cleanup(curl);
    close_station(&st2);
    close_station(&ghost);
    close_station(&revoked);
    close_station(&st_big);
    for (int i = 0; i < N_PARALLEL; i++)
        close_station(&par[i]);
    free(first_batch);
    free(first_upload);
    fx_teardown(&f);
    curl_global_cleanup();
    return check_report("serve");
}
