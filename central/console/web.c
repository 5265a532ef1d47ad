/*
 * web.c - `synaq-central console`: the staff console over HTTP
 * (libmicrohttpd, as the receiver), its own listener on the office
 * network. Pages are HTML written here through html.h (every value
 * escaped by html_text); no JavaScript, nothing fetched from elsewhere,
 * the system's fonts.
 *
 * Security, in the order a request meets it:
 *   - plain HTTP only on a loopback address, unless --insecure-http (for
 *     a TLS reverse proxy in front; said loudly at start); a login over
 *     plain HTTP from another address is refused anyway;
 *   - sessions: 32 random bytes (randombytes_buf) in the cookie
 *     "__Host-synaq" (Secure, HttpOnly, SameSite=Strict, Path=/); the
 *     server keeps only their BLAKE2b hash, compared in constant time; a
 *     session ends after 30 min idle or 12 h in all, at logout, and when
 *     its account is disabled or its password changed;
 *   - CSRF: each session has a random token that every form carries and
 *     every POST must match; the login form, before any session, carries
 *     the value of a random pre-login cookie (double submit);
 *   - failed logins: growing waits per account and per address
 *     (throttle.h), told in Retry-After; during a wait the password is not
 *     even checked; Argon2id runs at most PASSWORD_VERIFY_AT_ONCE at a
 *     time (64 MiB each);
 *   - every page checks the session's role, and a district account sees
 *     its own district's stations only (403 otherwise);
 *   - headers: a Content-Security-Policy that allows only this server's
 *     style sheet (no script at all), no framing, no referrer, no caching.
 *
 * Time: central's wall clock, or (tests) the whole number of seconds in
 * --clock-file, read at each request, so tests move time without
 * waiting. "Today" begins at midnight in the console's time zone (TZ).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "accounts.h"
#include "cstore.h"
#include "chart.h"
#include "export.h"
#include "print.h"
#include "console.h"
#include "html.h"
#include "password.h"
#include "reports.h"
#include "itemstats.h"
#include "synaq/result.h"
#include "stats.h"
#include "throttle.h"
#include "fleet.h"
#include "publish.h"

#ifndef SYNAQ_ASSETS_DIR
#define SYNAQ_ASSETS_DIR "/usr/share/synaq/assets"
#endif

#define COOKIE_SESSION "__Host-synaq"
#define COOKIE_LOGIN "__Host-synaq-login"
#define MAX_SESSIONS 1024
#define SESSION_IDLE_S (30 * 60)
#define SESSION_MAX_S (12 * 3600)
#define BODY_MAX 8192
#define PAGE_MAX (4u << 20)
#define FLEET_ROWS 200
#define USER_FREE_FAILS 3
#define ADDR_FREE_FAILS 10

const char console_usage[] =
    "  console [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE] [--insecure-http]\n"
    "          [--assets DIR] [--silent-days N] [--reports FILE] [--bundles DIR]\n"
    "                     the staff console (web pages) until SIGTERM; default\n"
    "                     127.0.0.1:8090, port 0 picks a free one; plain HTTP only on a\n"
    "                     loopback address unless --insecure-http (a TLS proxy in front);\n"
    "                     the opened results from --reports (default DIR/reports.db, made\n"
    "                     by open-results --into), read only; published bundles go to\n"
    "                     --bundles (default DIR/bundles: give serve the same --bundles)\n";

enum { LANG_KK, LANG_RU, LANG_EN, NLANG };
static const char *const lang_codes[NLANG] = {"kk", "ru", "en"};

typedef struct {
    bool used;
    uint8_t token_hash[32];
    char csrf[65]; /* hex */
    char user[ACCOUNTS_NAME_MAX + 1];
    uint8_t pw_tag[16]; /* of the account's hash at login: a new password ends the session */
    int64_t created, last_seen;
    int lang;
} session;

typedef struct {
    const char *listen, *tls_cert, *tls_key, *assets, *clock_file, *reports;
    bool insecure;
    const char *bundles; /* where the receiver serves bundles from (publish.h) */
    int silent_days;
} config;

typedef struct {
    config cfg;
    const char *home; /* central's home: fleet.c reads its stores */
    char bundles[4200]; /* the receiver's bundles folder (publish.h) */
    bool tls;
    accounts *acc;
    stats *st;
    reports *rep; /* reports.db, read only */
    json_t *cat[NLANG];
    throttle *by_user, *by_addr;
    sem_t pw_slots;
    char dummy_hash[PASSWORD_HASH_MAX]; /* verified for unknown users: the same time */
    pthread_mutex_t mu;                 /* the sessions */
    session sessions[MAX_SESSIONS];
} console;

/* What one request carries between libmicrohttpd's calls. */
typedef struct {
    char body[BODY_MAX + 1];
    size_t len;
    bool too_big;
    publish_upload *up; /* POST /publish/upload: its multipart body */
    unsigned up_refused; /* an upload refused before its body: the status */
} request;

/* The account and session a request runs as. */
typedef struct {
    accounts_user u;
    char csrf[65];
    int lang;
} who;

/* ---- small helpers ---- */

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* Names and districts in a line come from requests: no line breaks or
     * terminal escapes of theirs reach the log. */
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    fprintf(stderr, "synaq-central console: %s\n", line);
}

static int64_t now_s(const console *c)
{
    if (!c->cfg.clock_file)
        return (int64_t)time(NULL);
    /* Tests: the clock is a file of seconds, read each time. */
    FILE *f = fopen(c->cfg.clock_file, "r");
    long long v = 0;
    if (f) {
        if (fscanf(f, "%lld", &v) != 1)
            v = 0;
        fclose(f);
    }
    return (int64_t)v;
}

static void hex_of(const uint8_t *b, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, b, n);
}

static const char *tr(const console *c, int lang, const char *key)
{
    const char *s = json_string_value(json_object_get(c->cat[lang], key));
    if (!s)
        s = json_string_value(json_object_get(c->cat[LANG_EN], key));
    return s ? s : key;
}

static int lang_parse(const char *s)
{
    for (int l = 0; s && l < NLANG; l++)
        if (strcmp(s, lang_codes[l]) == 0)
            return l;
    return -1;
}

/* The first of kk, ru, en named in an Accept-Language header; kk when none. */
static int lang_accept(const char *h)
{
    int best = -1;
    const char *best_at = NULL;
    for (int l = 0; h && l < NLANG; l++) {
        const char *p = strstr(h, lang_codes[l]);
        if (p && (!best_at || p < best_at))
            best = l, best_at = p;
    }
    return best >= 0 ? best : LANG_KK;
}

/* The client's address (text, for logs and the audit), the key its
 * failed logins count under (the address; for IPv6 its /64, which one
 * machine can fill with addresses), and whether it is loopback. */
static void client_addr(struct MHD_Connection *conn, char *out, size_t len, char *key,
                        size_t key_len, bool *loopback)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "?");
    snprintf(key, key_len, "?");
    *loopback = false;
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    socklen_t sl =
        sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (getnameinfo(sa, sl, out, (socklen_t)len, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(out, len, "?");
    if (sa->sa_family == AF_INET) {
        uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
        *loopback = (a >> 24) == 127;
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        *loopback = IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
        if (!IN6_IS_ADDR_V4MAPPED(a)) {
            const uint8_t *b = a->s6_addr;
            snprintf(key, key_len, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", b[0], b[1], b[2],
                     b[3], b[4], b[5], b[6], b[7]);
            return;
        }
    }
    snprintf(key, key_len, "%s", out);
}

/* The value of name in an application/x-www-form-urlencoded body,
 * decoded, into out (at most len - 1 bytes). false when absent or too long. */
static bool form_get(const char *body, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = body; p && *p;) {
        const char *end = strchr(p, '&');
        if (!end)
            end = p + strlen(p);
        if ((size_t)(end - p) > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t o = 0;
            for (const char *q = p + nl + 1; q < end; q++) {
                char ch = *q;
                if (ch == '+') {
                    ch = ' ';
                } else if (ch == '%' && end - q >= 3) {
                    char hx[3] = {q[1], q[2], 0}, *e;
                    long v = strtol(hx, &e, 16);
                    if (*e || v == 0) /* a NUL would cut the value short */
                        return false;
                    ch = (char)v;
                    q += 2;
                }
                if (o + 1 >= len)
                    return false;
                out[o++] = ch;
            }
            out[o] = 0;
            return true;
        }
        p = *end ? end + 1 : NULL;
    }
    return false;
}

/* Whether s is 64 hex digits (a token as we make them). */
static bool is_token(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool same_token(const char *a, const char *b)
{
    return is_token(a) && is_token(b) && sodium_memcmp(a, b, 64) == 0;
}

/* ---- responses ---- */

static const char css[] =
    ":root{color-scheme:light;--ink:#1b2430;--muted:#5b6675;--line:#d5dbe3;--bg:#f5f7fa;"
    "--accent:#0b5cad;--warn:#a33b00;--bad:#b00020}"
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:system-ui,\"Noto Sans\",\"DejaVu Sans\",sans-serif;"
    "font-size:16px;line-height:1.4;color:var(--ink);background:var(--bg)}"
    "header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;"
    "padding:.6rem 1rem;background:#fff;border-bottom:1px solid var(--line)}"
    "header .brand{font-weight:700;margin-right:auto}"
    "header nav{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem 1rem}"
    "header form{display:inline;margin:0}"
    "a{color:var(--accent)}"
    ".langs a,.langs strong{margin-right:.5rem}"
    "button{font:inherit;padding:.35rem .9rem;border:1px solid var(--accent);"
    "background:var(--accent);color:#fff;border-radius:4px;cursor:pointer}"
    "button.quiet{background:#fff;color:var(--accent)}"
    "main{padding:1rem;max-width:80rem;margin:0 auto}"
    "h1{font-size:1.5rem;margin:.25rem 0 .25rem}"
    "h2{font-size:1.15rem;margin:1.25rem 0 .5rem}"
    ".scope{color:var(--muted);margin:0 0 .75rem}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.75rem}"
    ".card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem}"
    ".card h2{margin:0 0 .5rem;font-size:1rem;color:var(--muted);font-weight:600}"
    ".card dl{margin:0;display:grid;grid-template-columns:1fr auto;gap:.2rem .75rem}"
    ".card dt{overflow-wrap:anywhere}.card dd{margin:0;text-align:right;font-weight:700;"
    "font-variant-numeric:tabular-nums}"
    ".warn,dd.warn a{color:var(--warn)}.bad{color:var(--bad)}.ok{color:#1d6b2f}"
    "form.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));"
    "gap:.5rem .75rem;background:#fff;border:1px solid var(--line);border-radius:6px;"
    "padding:.75rem 1rem;margin:0 0 .75rem}"
    "form.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}"
    "form.filters input,form.filters select{font:inherit;font-size:1rem;color:var(--ink);"
    "padding:.3rem;border:1px solid var(--line);border-radius:4px;min-width:0}"
    "form.filters .actions{display:flex;align-items:flex-end;gap:1rem}"
    "th a{color:inherit}"
    /* Short values keep their words whole; only names and ids may break
     * anywhere (a hostile name is one long word). */
    "table.results th,table.results td{overflow-wrap:normal}"
    "table.results td.wrap{overflow-wrap:anywhere}.nowrap{white-space:nowrap}"
    "nav.pages{display:flex;flex-wrap:wrap;gap:1rem;margin:.75rem 0}"
    "h3{font-size:1rem;margin:1rem 0 .4rem}tr.flagged td{background:#fff4e5}"
    "table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line)}"
    "th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);"
    "vertical-align:top;overflow-wrap:anywhere}"
    "th{font-size:.85rem;color:var(--muted);font-weight:600}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".msg{padding:.6rem .9rem;border-radius:4px;background:#fff;border:1px solid var(--line);"
    "margin:.5rem 0}.msg.bad{border-color:var(--bad)}"
    ".narrow{max-width:26rem}"
    "form.login{background:#fff;border:1px solid var(--line);border-radius:6px;padding:1rem}"
    "form.login label{display:block;margin:.5rem 0 .2rem}"
    "form.login input{font:inherit;width:100%;padding:.4rem;border:1px solid var(--line);"
    "border-radius:4px}"
    "form.login button{margin-top:1rem}"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;"
    "background:#fff;border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem}"
    "dl.facts dd{margin:0;overflow-wrap:anywhere}"
    "footer{color:var(--muted);font-size:.85rem;padding:1rem;text-align:center}"
    "svg.chart{display:block;width:100%;max-width:44rem;height:auto}"
    /* Publish (publish.c): the upload and build forms, the check's lines. */
    "form.publish{background:#fff;border:1px solid var(--line);border-radius:6px;"
    "padding:.75rem 1rem;margin:0 0 .75rem;max-width:44rem}"
    "form.publish label{display:block;margin:.25rem 0}"
    "form.publish input[type=file],form.publish select{display:block;font:inherit;max-width:100%;"
    "margin:.3rem 0}"
    "form.publish fieldset{border:1px solid var(--line);border-radius:4px;margin:.75rem 0;"
    "padding:.4rem .75rem}"
    "label.pick{display:flex;gap:.5rem;align-items:baseline;padding:.2rem 0;overflow-wrap:anywhere}"
    "label.pick input{flex:none}"
    "ul#check{padding-left:1.25rem}ul#check li{margin:.3rem 0}"
    "ul#check code{white-space:pre-wrap;overflow-wrap:anywhere}"
    "@media (max-width:40rem){"
    "table,thead,tbody,tr,td{display:block;width:100%}thead{display:none}"
    "tr{border-bottom:2px solid var(--line);padding:.3rem 0}"
    "td{border:0;padding:.15rem .6rem;display:grid;grid-template-columns:9rem 1fr;gap:.5rem}"
    "td.num{text-align:left}"
    "td::before{content:attr(data-label);color:var(--muted);font-size:.85rem;"
    "white-space:normal}"
    "dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}";

/* The headers every answer carries: its type, no caching, no sniffing,
 * no framing, no referrer, and the Content-Security-Policy. */
static void common_headers(struct MHD_Response *r, const char *type)
{
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'self'; img-src 'self'; "
                            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type,
                               const char *body, size_t len, const char *const *headers)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    common_headers(r, type);
    for (size_t i = 0; headers && headers[i]; i += 2)
        MHD_add_response_header(r, headers[i], headers[i + 1]);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_page(struct MHD_Connection *conn, unsigned status, html_buf *b,
                                    const char *const *headers)
{
    if (b->failed) {
        static const char oops[] = "the page could not be made (too large or out of memory)\n";
        html_free(b);
        return respond(conn, 500, "text/plain; charset=utf-8", oops, sizeof oops - 1, NULL);
    }
    enum MHD_Result r =
        respond(conn, status, "text/html; charset=utf-8", b->p ? b->p : "", b->len, headers);
    html_free(b);
    return r;
}

static enum MHD_Result redirect(struct MHD_Connection *conn, const char *to, const char *cookie1,
                                const char *cookie2)
{
    const char *h[] = {
        "Location", to,  cookie1 ? "Set-Cookie" : NULL, cookie1, cookie2 ? "Set-Cookie" : NULL,
        cookie2,    NULL};
    if (!cookie1)
        h[2] = NULL;
    else if (!cookie2)
        h[4] = NULL;
    return respond(conn, 303, "text/plain; charset=utf-8", "", 0, h);
}

static void fmt_time(int64_t t, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, len, "-");
}

/* "3 d", "5 h", "12 min": the largest whole unit. */
static void put_duration(const console *c, html_buf *b, int lang, int64_t s)
{
    char n[32];
    const char *key = "time.minutes";
    int64_t v = s / 60;
    if (s >= 2 * 86400)
        key = "time.days", v = s / 86400;
    else if (s >= 2 * 3600)
        key = "time.hours", v = s / 3600;
    snprintf(n, sizeof n, "%lld", (long long)(v > 0 ? v : 0));
    html_tr(b, tr(c, lang, key), "n", n, (const char *)NULL);
}

/* Plain text (no HTML): tmpl with its placeholder ph put as value. */
static void fill(char *out, size_t len, const char *tmpl, const char *ph, const char *value)
{
    const char *at = strstr(tmpl, ph);
    if (!at)
        snprintf(out, len, "%s", tmpl);
    else
        snprintf(out, len, "%.*s%s%s", (int)(at - tmpl), tmpl, value, at + strlen(ph));
}

/* The head of a page, and the bar when someone is logged in. */
static void page_start(const console *c, html_buf *b, int lang, const char *title, const who *w,
                       const char *here)
{
    html_lit(b, "<!DOCTYPE html>\n<html lang=\"");
    html_text(b, lang_codes[lang]);
    html_lit(b, "\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>");
    html_text(b, title);
    html_lit(b, " · ");
    html_text(b, tr(c, lang, "app.title"));
    html_lit(b, "</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body><header>"
                "<span class=\"brand\">");
    html_text(b, tr(c, lang, "app.title"));
    html_lit(b, "</span><nav>");
    if (w) {
        html_lit(b, "<a href=\"/overview\">");
        html_text(b, tr(c, lang, "nav.overview"));
        html_lit(b, "</a><a href=\"/fleet\">");
        html_text(b, tr(c, lang, "nav.fleet"));
        html_lit(b, "</a><a href=\"/results\">");
        html_text(b, tr(c, lang, "nav.results"));
        html_lit(b, "</a>");
        if (w->u.role != ACCOUNTS_DISTRICT) {
            html_lit(b, "<a href=\"/publish\">");
            html_text(b, tr(c, lang, "nav.publish"));
            html_lit(b, "</a>");
        }
        if (w->u.role == ACCOUNTS_ADMIN) {
            html_lit(b, "<a href=\"/users\">");
            html_text(b, tr(c, lang, "nav.users"));
            html_lit(b, "</a>");
        }
        html_lit(b, "<span>");
        char role[400];
        if (w->u.role == ACCOUNTS_DISTRICT)
            fill(role, sizeof role, tr(c, lang, "role.district"), "{district}", w->u.district);
        else
            snprintf(role, sizeof role, "%s",
                     tr(c, lang, w->u.role == ACCOUNTS_ADMIN ? "role.admin" : "role.staff"));
        /* The role is a value of the next text: escaped there, once. */
        html_tr(b, tr(c, lang, "nav.signed_in"), "user", w->u.name, "role", role,
                (const char *)NULL);
        html_lit(b, "</span>");
    }
    html_lit(b, "<span class=\"langs\">");
    for (int l = 0; l < NLANG; l++) {
        if (l == lang) {
            html_lit(b, "<strong>");
            html_text(b, tr(c, l, "lang.name"));
            html_lit(b, "</strong>");
        } else {
            html_lit(b, "<a href=\"");
            html_text(b, here);
            html_lit(b, strchr(here, '?') ? "&amp;lang=" : "?lang=");
            html_text(b, lang_codes[l]);
            html_lit(b, "\" lang=\"");
            html_text(b, lang_codes[l]);
            html_lit(b, "\">");
            html_text(b, tr(c, l, "lang.name"));
            html_lit(b, "</a>");
        }
    }
    html_lit(b, "</span>");
    if (w) {
        html_lit(b, "<form method=\"post\" action=\"/logout\">"
                    "<input type=\"hidden\" name=\"csrf\" value=\"");
        html_text(b, w->csrf);
        html_lit(b, "\"><button class=\"quiet\" type=\"submit\">");
        html_text(b, tr(c, lang, "nav.logout"));
        html_lit(b, "</button></form>");
    }
    html_lit(b, "</nav></header><main>");
}

static void page_end(const console *c, html_buf *b, int lang, int64_t now)
{
    char t[64];
    fmt_time(now, t, sizeof t);
    html_lit(b, "</main><footer>");
    html_tr(b, tr(c, lang, "footer.clock"), "time", t, (const char *)NULL);
    html_lit(b, "</footer></body></html>\n");
}

static enum MHD_Result error_page(console *c, struct MHD_Connection *conn, unsigned status,
                                  int lang, const who *w, const char *key)
{
    html_buf b;
    html_init(&b, PAGE_MAX);
    page_start(c, &b, lang, tr(c, lang, "error.title"), w, "/overview");
    html_lit(&b, "<h1>");
    html_text(&b, tr(c, lang, "error.title"));
    html_lit(&b, "</h1><p class=\"msg bad\">");
    html_text(&b, tr(c, lang, key));
    html_lit(&b, "</p>");
    if (w) {
        html_lit(&b, "<p><a href=\"/overview\">");
        html_text(&b, tr(c, lang, "station.back"));
        html_lit(&b, "</a></p>");
    }
    page_end(c, &b, lang, now_s(c));
    return respond_page(conn, status, &b, NULL);
}

/* ---- sessions ---- */

static void token_hash(const char *token_hex, uint8_t out[32])
{
    crypto_generichash(out, 32, (const uint8_t *)token_hex, strlen(token_hex), NULL, 0);
}

/* A new session for the account; its token (hex) into token_hex. When the
 * table is full of live sessions, the one idle longest makes room. */
static void pw_tag(const char *pwhash, uint8_t out[16])
{
    crypto_generichash(out, 16, (const uint8_t *)pwhash, strlen(pwhash), NULL, 0);
}

static void session_new(console *c, const accounts_user *u, int lang, int64_t now,
                        char token_hex[65])
{
    uint8_t tok[32], csrf[32];
    randombytes_buf(tok, sizeof tok);
    randombytes_buf(csrf, sizeof csrf);
    hex_of(tok, 32, token_hex);
    pthread_mutex_lock(&c->mu);
    session *s = NULL;
    for (int i = 0; i < MAX_SESSIONS; i++) {
        session *t = &c->sessions[i];
        bool dead =
            !t->used || now - t->last_seen > SESSION_IDLE_S || now - t->created > SESSION_MAX_S;
        if (dead) {
            s = t;
            break;
        }
        if (!s || t->last_seen < s->last_seen)
            s = t;
    }
    memset(s, 0, sizeof *s);
    s->used = true;
    token_hash(token_hex, s->token_hash);
    hex_of(csrf, 32, s->csrf);
    snprintf(s->user, sizeof s->user, "%s", u->name);
    pw_tag(u->pwhash, s->pw_tag);
    s->created = s->last_seen = now;
    s->lang = lang;
    pthread_mutex_unlock(&c->mu);
    sodium_memzero(tok, sizeof tok);
}

/* The live session of the cookie, copied out (and its last use moved to
 * now, and its language to lang when >= 0). false: none, or ended. */
static bool session_find(console *c, const char *cookie, int64_t now, int lang, session *out)
{
    if (!is_token(cookie))
        return false;
    uint8_t h[32];
    token_hash(cookie, h);
    bool found = false;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < MAX_SESSIONS; i++) {
        session *s = &c->sessions[i];
        if (!s->used || sodium_memcmp(s->token_hash, h, 32) != 0)
            continue;
        if (now - s->last_seen > SESSION_IDLE_S || now - s->created > SESSION_MAX_S ||
            now < s->created) {
            memset(s, 0, sizeof *s);
            break;
        }
        s->last_seen = now;
        if (lang >= 0)
            s->lang = lang;
        *out = *s;
        found = true;
        break;
    }
    pthread_mutex_unlock(&c->mu);
    return found;
}

static void session_end(console *c, const char *cookie)
{
    uint8_t h[32];
    if (!is_token(cookie))
        return;
    token_hash(cookie, h);
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (c->sessions[i].used && sodium_memcmp(c->sessions[i].token_hash, h, 32) == 0)
            memset(&c->sessions[i], 0, sizeof c->sessions[i]);
    pthread_mutex_unlock(&c->mu);
}

/* Who the request runs as: a live session whose account still exists, is
 * not disabled and has not changed its password since the session began. */
static bool authenticate(console *c, struct MHD_Connection *conn, int64_t now, int lang_asked,
                         who *w)
{
    const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE_SESSION);
    session s;
    if (!cookie || !session_find(c, cookie, now, lang_asked, &s))
        return false;
    uint8_t tag[16];
    bool same_pw = false;
    if (accounts_user_get(c->acc, s.user, &w->u, NULL) == SQ_OK) {
        pw_tag(w->u.pwhash, tag);
        same_pw = sodium_memcmp(tag, s.pw_tag, sizeof tag) == 0;
    }
    if (!same_pw || w->u.disabled) {
        session_end(c, cookie);
        return false;
    }
    snprintf(w->csrf, sizeof w->csrf, "%s", s.csrf);
    w->lang = s.lang;
    return true;
}

/* Appends to the staff audit log; false (and a log line) when it could
 * not be written. */
static bool audit(console *c, int64_t now, const char *user, const char *action,
                  const char *outcome, const char *detail)
{
    char actor[ACCOUNTS_NAME_MAX + 8];
    snprintf(actor, sizeof actor, "web:%s", user && accounts_name_valid(user) ? user : "?");
    accounts_audit l = {now, actor, action, outcome, detail};
    sq_err e;
    if (accounts_audit_append(c->acc, &l, &e)) {
        logf_("the audit log could not be written: %s", e.msg);
        return false;
    }
    return true;
}

/* ---- login, logout ---- */

static enum MHD_Result login_page(console *c, struct MHD_Connection *conn, unsigned status,
                                  int lang, const char *msg_key, const char *wait_s,
                                  const char *retry_after)
{
    uint8_t pre[32];
    char pre_hex[65], cookie[200];
    randombytes_buf(pre, sizeof pre);
    hex_of(pre, 32, pre_hex);
    snprintf(cookie, sizeof cookie,
             COOKIE_LOGIN "=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600", pre_hex);
    html_buf b;
    html_init(&b, PAGE_MAX);
    page_start(c, &b, lang, tr(c, lang, "login.title"), NULL, "/login");
    html_lit(&b, "<div class=\"narrow\"><h1>");
    html_text(&b, tr(c, lang, "login.title"));
    html_lit(&b, "</h1>");
    if (!c->tls) {
        html_lit(&b, "<p class=\"msg\">");
        html_text(&b, tr(c, lang, "login.plain_http"));
        html_lit(&b, "</p>");
    }
    if (msg_key) {
        html_lit(&b, "<p class=\"msg bad\" id=\"login-msg\">");
        if (wait_s)
            html_tr(&b, tr(c, lang, msg_key), "s", wait_s, (const char *)NULL);
        else
            html_text(&b, tr(c, lang, msg_key));
        html_lit(&b, "</p>");
    }
    html_lit(&b, "<form class=\"login\" method=\"post\" action=\"/login\">"
                 "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_text(&b, pre_hex);
    html_lit(&b, "\"><input type=\"hidden\" name=\"lang\" value=\"");
    html_text(&b, lang_codes[lang]);
    html_lit(&b, "\"><label for=\"user\">");
    html_text(&b, tr(c, lang, "login.user"));
    html_lit(&b, "</label><input id=\"user\" name=\"user\" autocomplete=\"username\" required>"
                 "<label for=\"password\">");
    html_text(&b, tr(c, lang, "login.password"));
    html_lit(&b, "</label><input id=\"password\" name=\"password\" type=\"password\""
                 " autocomplete=\"current-password\" required><button type=\"submit\">");
    html_text(&b, tr(c, lang, "login.submit"));
    html_lit(&b, "</button></form></div>");
    page_end(c, &b, lang, now_s(c));
    const char *h[] = {"Set-Cookie", cookie, retry_after ? "Retry-After" : NULL, retry_after, NULL};
    return respond_page(conn, status, &b, h);
}

static enum MHD_Result do_login(console *c, struct MHD_Connection *conn, const request *rq,
                                int64_t now, int lang)
{
    char user[ACCOUNTS_NAME_MAX + 2] = "", csrf[80] = "", lang_s[8] = "", addr[64];
    char *pw = sodium_malloc(PASSWORD_MAX + 1);
    bool loopback;
    enum MHD_Result ret;
    char addr_key[64];
    client_addr(conn, addr, sizeof addr, addr_key, sizeof addr_key, &loopback);
    if (!pw)
        return error_page(c, conn, 500, lang, NULL, "error.server");
    if (form_get(rq->body, "lang", lang_s, sizeof lang_s) && lang_parse(lang_s) >= 0)
        lang = lang_parse(lang_s);
    const char *pre = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE_LOGIN);
    if (rq->too_big || !form_get(rq->body, "csrf", csrf, sizeof csrf) || !same_token(csrf, pre)) {
        logf_("login from %s refused: no valid form token", addr);
        ret = error_page(c, conn, 403, lang, NULL, "error.csrf");
        goto out;
    }
    if (!c->tls && !c->cfg.insecure && !loopback) {
        logf_("login from %s refused: plain HTTP from another machine", addr);
        ret = error_page(c, conn, 403, lang, NULL, "login.plain_http");
        goto out;
    }
    bool user_ok = form_get(rq->body, "user", user, sizeof user);
    bool pw_ok = form_get(rq->body, "password", pw, PASSWORD_MAX + 1);
    const char *ukey = user_ok && user[0] ? user : "?";
    int64_t wait = throttle_wait(c->by_user, ukey, now);
    int64_t wait_addr = throttle_wait(c->by_addr, addr_key, now);
    if (wait_addr > wait)
        wait = wait_addr;
    char wait_txt[32];
    if (wait > 0) {
        /* Not even checked: a guess during the wait tells nothing. */
        snprintf(wait_txt, sizeof wait_txt, "%lld", (long long)wait);
        ret = login_page(c, conn, 429, lang, "login.wait", wait_txt, wait_txt);
        goto out;
    }
    accounts_user u;
    bool known =
        user_ok && accounts_name_valid(user) && accounts_user_get(c->acc, user, &u, NULL) == SQ_OK;
    /* Argon2id for unknown names too, so that the time taken does not
     * tell which names exist. */
    while (sem_wait(&c->pw_slots) != 0 && errno == EINTR)
        ;
    bool match = password_verify(known ? u.pwhash : c->dummy_hash, pw_ok ? pw : "") == SQ_OK;
    sem_post(&c->pw_slots);
    char detail[200];
    if (known && match && !u.disabled) {
        char token[65], cookie[200], clear[160];
        snprintf(detail, sizeof detail, "from %s", addr);
        /* No login that the audit log does not hold. */
        if (!audit(c, now, u.name, "login", "ok", detail)) {
            ret = error_page(c, conn, 500, lang, NULL, "error.server");
            goto out;
        }
        throttle_clear(c->by_user, ukey);
        throttle_clear(c->by_addr, addr_key);
        session_new(c, &u, lang, now, token);
        snprintf(cookie, sizeof cookie,
                 COOKIE_SESSION "=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%d", token,
                 SESSION_MAX_S);
        snprintf(clear, sizeof clear,
                 COOKIE_LOGIN "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
        sodium_memzero(token, sizeof token);
        char to[64];
        snprintf(to, sizeof to, "/overview?lang=%s", lang_codes[lang]);
        ret = redirect(conn, to, cookie, clear);
        sodium_memzero(cookie, sizeof cookie);
        goto out;
    }
    int64_t w_user = throttle_fail(c->by_user, ukey, now);
    int64_t w_addr = throttle_fail(c->by_addr, addr_key, now);
    wait = w_user > w_addr ? w_user : w_addr;
    snprintf(detail, sizeof detail, "from %s: %s", addr,
             !known   ? "unknown user"
             : !match ? "wrong password"
                      : "account disabled");
    (void)audit(c, now, known ? u.name : NULL, "login", "refused", detail);
    logf_("login refused (%s); next try in %lld s", detail, (long long)wait);
    snprintf(wait_txt, sizeof wait_txt, "%lld", (long long)wait);
    ret = login_page(c, conn, 403, lang, wait > 0 ? "login.wait" : "login.failed",
                     wait > 0 ? wait_txt : NULL, wait > 0 ? wait_txt : NULL);
out:
    sodium_free(pw);
    return ret;
}

static enum MHD_Result do_logout(console *c, struct MHD_Connection *conn, const request *rq,
                                 const who *w, int64_t now)
{
    char csrf[80] = "";
    if (rq->too_big || !form_get(rq->body, "csrf", csrf, sizeof csrf) || !same_token(csrf, w->csrf))
        return error_page(c, conn, 403, w->lang, w, "error.csrf");
    session_end(c, MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE_SESSION));
    (void)audit(c, now, w->u.name, "logout", "ok", "");
    char to[64];
    snprintf(to, sizeof to, "/login?bye=1&lang=%s", lang_codes[w->lang]);
    return redirect(conn, to,
                    COOKIE_SESSION "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0", NULL);
}

/* ---- pages ---- */

static stats_when when_of(const console *c, int64_t now)
{
    stats_when w = {now, now, (int64_t)c->cfg.silent_days * 86400};
    time_t t = (time_t)now;
    struct tm tm;
    if (localtime_r(&t, &tm)) {
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        w.day_start = (int64_t)mktime(&tm);
    }
    return w;
}

/* One number of the Overview; with show, a link to the stations behind
 * it (base: the Overview's URL, already escaped as text once). */
static void card_row(const console *c, html_buf *b, int lang, const char *label, const char *id,
                     int64_t v, bool warn, const char *base, const char *show)
{
    html_lit(b, "<dt>");
    html_text(b, label);
    html_lit(b, warn && v > 0 ? "</dt><dd class=\"warn\" id=\"" : "</dt><dd id=\"");
    html_text(b, id);
    html_lit(b, "\">");
    if (show) {
        html_lit(b, "<a href=\"");
        html_text(b, base);
        html_lit(b, strchr(base, '?') ? "&amp;show=" : "?show=");
        html_text(b, show);
        html_lit(b, "#fleet\">");
    }
    html_int(b, v);
    html_lit(b, show ? "</a></dd>" : "</dd>");
}

/* One number of results on the Overview, linked to the Results page of
 * those received since since (0: all), in the district (NULL: all). */
static void results_card_row(const console *c, html_buf *b, int lang, const char *key,
                             const char *id, int64_t v, const char *district, int64_t since)
{
    char n[32];
    html_lit(b, "<dt>");
    html_text(b, tr(c, lang, key));
    html_lit(b, "</dt><dd id=\"");
    html_text(b, id);
    html_lit(b, "\"><a href=\"/results");
    const char *sep = "?";
    if (district) {
        html_lit(b, "?district=");
        html_url(b, district);
        sep = "&amp;";
    }
    if (since > 0) {
        snprintf(n, sizeof n, "%lld", (long long)since);
        html_lit(b, sep);
        html_lit(b, "since=");
        html_text(b, n);
    }
    html_lit(b, "\">");
    html_int(b, v);
    html_lit(b, "</a></dd>");
}

static const char *const show_names[] = {"all", "silent", "waiting", "revoked"};

typedef struct {
    const console *c;
    html_buf *b;
    int lang;
    int64_t now;
    int rows;
} fleet_ctx;

static void cell(fleet_ctx *f, const char *label_key, const char *cls)
{
    html_lit(f->b, cls ? "<td class=\"num\" data-label=\"" : "<td data-label=\"");
    html_text(f->b, tr(f->c, f->lang, label_key));
    html_lit(f->b, "\">");
}

static void when_cell(fleet_ctx *f, const char *label_key, int64_t t)
{
    cell(f, label_key, NULL);
    if (t <= 0) {
        html_text(f->b, tr(f->c, f->lang, "fleet.never"));
    } else {
        char ts[64];
        fmt_time(t, ts, sizeof ts);
        html_text(f->b, ts);
    }
    html_lit(f->b, "</td>");
}

static const char *state_key(const stats_station *s)
{
    return s->revoked               ? "state.revoked"
           : s->silent              ? "state.silent"
           : s->last_heartbeat <= 0 ? "state.new"
                                    : "state.ok";
}

static int fleet_row(void *ctx, const stats_station *s)
{
    fleet_ctx *f = ctx;
    f->rows++;
    html_lit(f->b, "<tr>");
    cell(f, "fleet.station", NULL);
    html_lit(f->b, "<a href=\"/station/");
    html_url(f->b, s->id);
    html_lit(f->b, "\">");
    html_text(f->b, s->id);
    html_lit(f->b, "</a></td>");
    cell(f, "fleet.district", NULL);
    html_text(f->b, s->district);
    html_lit(f->b, "</td>");
    cell(f, "fleet.label", NULL);
    html_text(f->b, s->label);
    html_lit(f->b, "</td>");
    cell(f, "fleet.state", NULL);
    html_lit(f->b, s->revoked  ? "<span class=\"bad\">"
                   : s->silent ? "<span class=\"warn\">"
                               : "<span>");
    html_text(f->b, tr(f->c, f->lang, state_key(s)));
    html_lit(f->b, "</span></td>");
    when_cell(f, "fleet.last_heartbeat", s->last_heartbeat);
    when_cell(f, "fleet.last_upload", s->last_upload);
    cell(f, "fleet.pending", "num");
    html_int(f->b, s->pending);
    html_lit(f->b, "</td>");
    cell(f, "fleet.results", "num");
    html_int(f->b, s->results);
    html_lit(f->b, "</td></tr>");
    return 0;
}

/* Below, with the exports and the printed report. */
static void overview_chart(console *c, struct MHD_Connection *conn, html_buf *b, const who *w,
                           const char *district, int64_t now);
static void items_links(const console *c, html_buf *b, int lang, const who *w, const char *exam,
                        int64_t version, const char *district);

static enum MHD_Result overview_page(console *c, struct MHD_Connection *conn, const who *w,
                                     int64_t now)
{
    const char *asked = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "district");
    const char *district = asked && asked[0] ? asked : NULL;
    if (w->u.role == ACCOUNTS_DISTRICT) {
        if (district && strcmp(district, w->u.district) != 0) {
            logf_("%s (district %s) refused the overview of district %s", w->u.name, w->u.district,
                  district);
            return error_page(c, conn, 403, w->lang, w, "error.forbidden");
        }
        district = w->u.district;
    }
    const char *show_s = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "show");
    int show = STATS_ALL;
    if (show_s && show_s[0]) {
        show = -1;
        for (int i = 0; i < (int)(sizeof show_names / sizeof show_names[0]); i++)
            if (!strcmp(show_s, show_names[i]))
                show = i;
        if (show < 0)
            return error_page(c, conn, 400, w->lang, w, "error.not_found");
    }
    stats_when sw = when_of(c, now);
    stats_overview o;
    sq_err e;
    int lang = w->lang;
    if (stats_overview_get(c->st, district, &sw, &o, &e)) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    html_buf b;
    html_init(&b, PAGE_MAX);
    char here[600];
    html_buf hb;
    html_init(&hb, sizeof here);
    html_lit(&hb, "/overview");
    if (asked && asked[0] && w->u.role != ACCOUNTS_DISTRICT) {
        /* The district stays in the language links (percent-encoded). */
        html_lit(&hb, "?district=");
        html_url(&hb, asked);
    }
    snprintf(here, sizeof here, "%s", hb.failed || !hb.p ? "/overview" : hb.p);
    html_free(&hb);
    /* The page's own URL, its filter kept (for the language links). */
    char here_show[700];
    snprintf(here_show, sizeof here_show, "%s%s%s", here,
             show ? (strchr(here, '?') ? "&show=" : "?show=") : "", show ? show_names[show] : "");
    /* here went through html_url already; page_start escapes it again as
     * text, which leaves percent-encoded text as it is. */
    page_start(c, &b, lang, tr(c, lang, "overview.title"), w, here_show);
    html_lit(&b, "<h1>");
    html_text(&b, tr(c, lang, "overview.title"));
    html_lit(&b, "</h1><p class=\"scope\" id=\"scope\">");
    if (district)
        html_tr(&b, tr(c, lang, "overview.scope_district"), "district", district,
                (const char *)NULL);
    else
        html_text(&b, tr(c, lang, "overview.scope_all"));
    html_lit(&b, "</p><div class=\"cards\"><section class=\"card\"><h2>");
    html_text(&b, tr(c, lang, "overview.results"));
    html_lit(&b, "</h2><dl>");
    /* The numbers of results link to the opened rows behind them (those
     * open-results --into has opened so far). */
    results_card_row(c, &b, lang, "overview.today", "n-today", o.results_today, district,
                     sw.day_start);
    results_card_row(c, &b, lang, "overview.week", "n-week", o.results_week, district,
                     now - 7 * 86400);
    results_card_row(c, &b, lang, "overview.all", "n-all", o.results_all, district, 0);
    html_lit(&b, "</dl></section><section class=\"card\"><h2>");
    html_text(&b, tr(c, lang, "overview.stations"));
    html_lit(&b, "</h2><dl>");
    card_row(c, &b, lang, tr(c, lang, "overview.enrolled"), "n-stations", o.stations, false, here,
             "all");
    char days[16], silent_label[300];
    snprintf(days, sizeof days, "%d", c->cfg.silent_days);
    fill(silent_label, sizeof silent_label, tr(c, lang, "overview.silent"), "{days}", days);
    card_row(c, &b, lang, silent_label, "n-silent", o.silent, true, here, "silent");
    card_row(c, &b, lang, tr(c, lang, "overview.revoked"), "n-revoked", o.revoked, false, here,
             "revoked");
    html_lit(&b, "</dl></section><section class=\"card\"><h2>");
    html_text(&b, tr(c, lang, "overview.waiting"));
    html_lit(&b, "</h2><dl>");
    card_row(c, &b, lang, tr(c, lang, "overview.waiting_results"), "n-waiting", o.waiting, true,
             here, "waiting");
    card_row(c, &b, lang, tr(c, lang, "overview.stations_waiting"), "n-stations-waiting",
             o.stations_waiting, false, here, "waiting");
    html_lit(&b, "<dt>");
    html_text(&b, tr(c, lang, "overview.oldest"));
    html_lit(&b, "</dt><dd id=\"oldest\">");
    if (o.oldest_waiting_s > 0)
        put_duration(c, &b, lang, o.oldest_waiting_s);
    else
        html_text(&b, tr(c, lang, "overview.none"));
    html_lit(&b, "</dd></dl></section></div>");
    overview_chart(c, conn, &b, w, district, now);
    html_lit(&b, "<h2>");
    html_text(&b, tr(c, lang, "fleet.title"));
    html_lit(&b, "</h2><p class=\"exports\"><a id=\"export-fleet\" href=\"/export/fleet");
    if (district && w->u.role != ACCOUNTS_DISTRICT) {
        html_lit(&b, "?district=");
        html_url(&b, district);
    }
    html_lit(&b, "\">");
    html_text(&b, tr(c, lang, "export.fleet"));
    html_lit(&b, "</a></p>");
    if (show) {
        static const char *const show_keys[] = {"", "fleet.only_silent", "fleet.only_waiting",
                                                "fleet.only_revoked"};
        html_lit(&b, "<p class=\"scope\" id=\"show\">");
        html_tr(&b, tr(c, lang, show_keys[show]), "days", days, (const char *)NULL);
        html_lit(&b, " · <a href=\"");
        html_text(&b, here);
        html_lit(&b, "#fleet\">");
        html_text(&b, tr(c, lang, "fleet.show_all"));
        html_lit(&b, "</a></p>");
    }
    html_lit(&b, "<table id=\"fleet\"><thead><tr>");
    static const char *const heads[] = {
        "fleet.station",        "fleet.district",    "fleet.label",   "fleet.state",
        "fleet.last_heartbeat", "fleet.last_upload", "fleet.pending", "fleet.results"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        html_lit(&b, "<th>");
        html_text(&b, tr(c, lang, heads[i]));
        html_lit(&b, "</th>");
    }
    html_lit(&b, "</tr></thead><tbody>");
    fleet_ctx f = {c, &b, lang, now, 0};
    if (stats_stations(c->st, district, (stats_show)show, &sw, FLEET_ROWS, fleet_row, &f, &e)) {
        logf_("%s", e.msg);
        html_free(&b);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    html_lit(&b, "</tbody></table>");
    if (f.rows == 0) {
        html_lit(&b, "<p class=\"msg\" id=\"fleet-empty\">");
        html_text(&b, tr(c, lang, show ? "fleet.none_shown" : "fleet.empty"));
        html_lit(&b, "</p>");
    } else if (f.rows >= FLEET_ROWS) {
        char n[16];
        snprintf(n, sizeof n, "%d", FLEET_ROWS);
        html_lit(&b, "<p class=\"scope\">");
        html_tr(&b, tr(c, lang, "fleet.more"), "n", n, (const char *)NULL);
        html_lit(&b, "</p>");
    }
    page_end(c, &b, lang, now);
    return respond_page(conn, 200, &b, NULL);
}

static void fact(const console *c, html_buf *b, int lang, const char *key, const char *value)
{
    html_lit(b, "<dt>");
    html_text(b, tr(c, lang, key));
    html_lit(b, "</dt><dd>");
    html_text(b, value);
    html_lit(b, "</dd>");
}

/* ---- the Fleet (fleet.c) ---- */

#define FLEET_PAGE_ROWS 100
#define FLEET_DISTRICT_MAX 256

static const char *arg(struct MHD_Connection *conn, const char *name);
static bool parse_count(const char *s, int64_t *out);

typedef struct {
    const console *c;
    int lang;
} fleet_lang;

static const char *fleet_tr(const void *ctx, const char *key)
{
    const fleet_lang *fl = ctx;
    return tr(fl->c, fl->lang, key);
}

static fleet_limits limits_of(const console *c, int64_t now)
{
    fleet_limits l = {now,
                      (int64_t)c->cfg.silent_days * 86400,
                      FLEET_SKEW_MAX_S,
                      FLEET_DISK_LOW_BYTES,
                      FLEET_WAITING_MANY,
                      FLEET_OLDEST_MAX_S};
    return l;
}

/* /fleet[?district=D][&page=N]: every enrolled station, those needing
 * attention first, FLEET_PAGE_ROWS a page. */
static enum MHD_Result fleet_page(console *c, struct MHD_Connection *conn, const who *w,
                                  int64_t now)
{
    int lang = w->lang;
    const char *asked = arg(conn, "district");
    const char *district = asked;
    if (w->u.role == ACCOUNTS_DISTRICT) {
        if (district && strcmp(district, w->u.district) != 0) {
            logf_("%s (district %s) refused the fleet of district %s", w->u.name, w->u.district,
                  district);
            return error_page(c, conn, 403, lang, w, "error.forbidden");
        }
        district = w->u.district;
    }
    if (asked && strlen(asked) > FLEET_DISTRICT_MAX)
        return error_page(c, conn, 400, lang, w, "error.bad_filter");
    int64_t page = 1;
    const char *page_s = arg(conn, "page");
    if (page_s && (!parse_count(page_s, &page) || page < 1))
        return error_page(c, conn, 400, lang, w, "error.bad_filter");
    fleet_limits l = limits_of(c, now);
    fleet_station *v = NULL;
    size_t n = 0;
    sq_err e;
    if (fleet_list(c->st, district, &l, &v, &n, &e)) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    int64_t pages = n ? ((int64_t)n + FLEET_PAGE_ROWS - 1) / FLEET_PAGE_ROWS : 1;
    if (page > pages) {
        free(v);
        return error_page(c, conn, 404, lang, w, "error.not_found");
    }
    /* The page's own URL, its filter kept (the language links). */
    html_buf ub;
    html_init(&ub, 1024);
    html_lit(&ub, "/fleet");
    if (asked && w->u.role != ACCOUNTS_DISTRICT) {
        html_lit(&ub, "?district=");
        html_url(&ub, asked);
    }
    char here[1100];
    snprintf(here, sizeof here, "%s", ub.failed || !ub.p ? "/fleet" : ub.p);
    html_free(&ub);
    html_buf b;
    html_init(&b, PAGE_MAX);
    page_start(c, &b, lang, tr(c, lang, "fleetx.title"), w, here);
    fleet_lang fl = {c, lang};
    fleet_text t = {fleet_tr, &fl, now, &l};
    char days[16];
    snprintf(days, sizeof days, "%d", c->cfg.silent_days);
    fleet_html_list(&b, &t, district, days, v, n, (size_t)page, FLEET_PAGE_ROWS, here);
    free(v);
    page_end(c, &b, lang, now);
    return respond_page(conn, 200, &b, NULL);
}

static enum MHD_Result station_page(console *c, struct MHD_Connection *conn, const who *w,
                                    int64_t now, const char *id)
{
    int lang = w->lang;
    if (!sq_station_id_valid(id))
        return error_page(c, conn, 404, lang, w, "error.not_found");
    stats_when sw = when_of(c, now);
    stats_station s;
    sq_err e;
    sq_status st = stats_station_get(c->st, id, &sw, &s, &e);
    if (st == SQ_ENOTFOUND)
        return error_page(c, conn, 404, lang, w, "error.not_found");
    if (st) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    if (w->u.role == ACCOUNTS_DISTRICT && strcmp(s.district, w->u.district) != 0) {
        logf_("%s (district %s) refused station %s of another district", w->u.name, w->u.district,
              id);
        return error_page(c, conn, 403, lang, w, "error.forbidden");
    }
    /* The fleet's facts of it and a page of its heartbeats (fleet.c). */
    int64_t before = 0, after = 0;
    const char *before_s = arg(conn, "before"), *after_s = arg(conn, "after");
    if ((before_s && (!parse_count(before_s, &before) || before < 1)) ||
        (after_s && (!parse_count(after_s, &after) || after < 1)) || (before_s && after_s))
        return error_page(c, conn, 400, lang, w, "error.bad_filter");
    fleet_limits fl_limits = limits_of(c, now);
    fleet_station fs;
    fleet_history *hist = malloc(sizeof *hist);
    if (!hist)
        return error_page(c, conn, 500, lang, w, "error.server");
    if ((st = fleet_get(c->st, s.id, &fl_limits, &fs, &e)) ||
        (st = fleet_history_get(c->st, s.id, before, after, s.last_stick, hist, &e))) {
        free(hist);
        if (st == SQ_ENOTFOUND)
            return error_page(c, conn, 404, lang, w, "error.not_found");
        logf_("%s", e.msg);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    html_buf b;
    html_init(&b, PAGE_MAX);
    char here[100], title[400], t[64], n[32];
    snprintf(here, sizeof here, "/station/%s", s.id);
    snprintf(title, sizeof title, "%s", s.id);
    page_start(c, &b, lang, title, w, here);
    html_lit(&b, "<h1>");
    html_tr(&b, tr(c, lang, "station.title"), "id", s.id, (const char *)NULL);
    html_lit(&b, "</h1><dl class=\"facts\" id=\"station\">");
    fact(c, &b, lang, "fleet.district", s.district);
    fact(c, &b, lang, "fleet.label", s.label);
    fact(c, &b, lang, "fleet.state", tr(c, lang, state_key(&s)));
    fmt_time(s.enrolled_wall, t, sizeof t);
    fact(c, &b, lang, "station.enrolled", t);
    fmt_time(s.last_heartbeat, t, sizeof t);
    fact(c, &b, lang, "fleet.last_heartbeat",
         s.last_heartbeat > 0 ? t : tr(c, lang, "fleet.never"));
    fmt_time(s.last_upload, t, sizeof t);
    fact(c, &b, lang, "fleet.last_upload", s.last_upload > 0 ? t : tr(c, lang, "fleet.never"));
    fmt_time(s.last_stick, t, sizeof t);
    fact(c, &b, lang, "fleet.last_stick", s.last_stick > 0 ? t : tr(c, lang, "fleet.never"));
    fact(c, &b, lang, "station.software", s.software[0] ? s.software : "-");
    snprintf(n, sizeof n, "%lld", (long long)s.pending);
    fact(c, &b, lang, "fleet.pending", n);
    snprintf(n, sizeof n, "%lld", (long long)s.results);
    fact(c, &b, lang, "fleet.results", n);
    fleet_lang fl = {c, lang};
    fleet_text ft = {fleet_tr, &fl, now, &fl_limits};
    fleet_html_facts(&b, &ft, &fs);
    html_lit(&b, "</dl>");
    fleet_html_history(&b, &ft, s.id, hist);
    free(hist);
    html_lit(&b, "<p><a href=\"/overview\">");
    html_text(&b, tr(c, lang, "station.back"));
    html_lit(&b, "</a></p>");
    page_end(c, &b, lang, now);
    return respond_page(conn, 200, &b, NULL);
}

/* ---- results (reports.db, opened by open-results --into) ---- */

#define RESULTS_PAGE_ROWS 50
#define HISTORY_ROWS 200
#define FILTER_MAX 256

static const char *const sort_names[REPORTS_SORT_N] = {"date", "name", "percent", "station"};

/* A Results URL's query, as asked (the strings borrowed from the
 * request), and what it means. */
typedef struct {
    const char *district, *station, *exam, *version, *from, *to, *passed, *trainee, *name, *since;
    int sort;
    bool desc;
    int64_t after, before;
    reports_filter f;
} results_q;

static const char *arg(struct MHD_Connection *conn, const char *name)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
    return v && v[0] ? v : NULL;
}

/* A whole number of 1..18 digits (no sign, no spaces). */
static bool parse_count(const char *s, int64_t *out)
{
    if (!s || !s[0] || strlen(s) > 18)
        return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

/* YYYY-MM-DD: the start of that day in the console's time zone, plus
 * add_days. */
static bool parse_day(const char *s, int add_days, int64_t *out)
{
    struct tm tm = {0};
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 || y > 2999 || m < 1 ||
        m > 12 || d < 1 || d > 31)
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;
    struct tm check = tm;
    /* 2026-02-31 is not a day (mktime would make it March 3rd). */
    if (mktime(&check) == (time_t)-1 || check.tm_mday != d || check.tm_mon != m - 1)
        return false;
    tm.tm_mday += add_days;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return false;
    *out = (int64_t)t;
    return true;
}

/* Reads and checks the query; false: a value that is not valid. */
static bool results_parse(struct MHD_Connection *conn, results_q *q)
{
    memset(q, 0, sizeof *q);
    q->district = arg(conn, "district");
    q->station = arg(conn, "station");
    q->exam = arg(conn, "exam");
    q->version = arg(conn, "version");
    q->from = arg(conn, "from");
    q->to = arg(conn, "to");
    q->passed = arg(conn, "passed");
    q->trainee = arg(conn, "trainee");
    q->name = arg(conn, "name");
    q->since = arg(conn, "since");
    const char *strs[] = {q->district, q->station, q->exam, q->trainee, q->name};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i] && strlen(strs[i]) > FILTER_MAX)
            return false;
    q->f.district = q->district;
    q->f.station = q->station;
    q->f.exam = q->exam;
    q->f.trainee = q->trainee;
    q->f.name = q->name;
    q->f.passed = -1;
    if (q->version && (!parse_count(q->version, &q->f.version) || q->f.version < 1))
        return false;
    if (q->from && !parse_day(q->from, 0, &q->f.from))
        return false;
    if (q->to && !parse_day(q->to, 1, &q->f.to))
        return false;
    if (q->since && !parse_count(q->since, &q->f.received_since))
        return false;
    if (q->passed) {
        if (!strcmp(q->passed, "1"))
            q->f.passed = 1;
        else if (!strcmp(q->passed, "0"))
            q->f.passed = 0;
        else
            return false;
    }
    const char *sort = arg(conn, "sort"), *dir = arg(conn, "dir");
    q->sort = REPORTS_SORT_DATE;
    if (sort) {
        q->sort = -1;
        for (int i = 0; i < REPORTS_SORT_N; i++)
            if (!strcmp(sort, sort_names[i]))
                q->sort = i;
        if (q->sort < 0)
            return false;
    }
    /* Dates newest first; names and stations A to Z; scores highest first. */
    q->desc = q->sort == REPORTS_SORT_DATE || q->sort == REPORTS_SORT_PERCENT;
    if (dir) {
        if (!strcmp(dir, "asc"))
            q->desc = false;
        else if (!strcmp(dir, "desc"))
            q->desc = true;
        else
            return false;
    }
    const char *after = arg(conn, "after"), *before = arg(conn, "before");
    if ((after && (!parse_count(after, &q->after) || q->after < 1)) ||
        (before && (!parse_count(before, &q->before) || q->before < 1)) || (after && before))
        return false;
    return true;
}

/* The query of a Results URL: the filters of q, the order sort/desc (sort
 * < 0: q's own) and a cursor ("after" or "before", or none). sep is "&"
 * for a URL that page_start escapes, "&amp;" for one written here. */
static void put_query(html_buf *b, const results_q *q, const char *sep, int sort, int dir_desc,
                      const char *cursor, int64_t cursor_id)
{
    const char *names[] = {"district", "station", "exam",    "version", "from",
                           "to",       "passed",  "trainee", "name",    "since"};
    const char *vals[] = {q->district, q->station, q->exam,    q->version, q->from,
                          q->to,       q->passed,  q->trainee, q->name,    q->since};
    bool first = true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!vals[i])
            continue;
        html_lit(b, first ? "" : sep);
        html_lit(b, names[i]);
        html_lit(b, "=");
        html_url(b, vals[i]);
        first = false;
    }
    if (sort < 0)
        sort = q->sort;
    if (dir_desc < 0)
        dir_desc = q->desc;
    if (sort != REPORTS_SORT_DATE || !dir_desc) {
        html_lit(b, first ? "sort=" : sep);
        if (!first)
            html_lit(b, "sort=");
        html_lit(b, sort_names[sort]);
        html_lit(b, sep);
        html_lit(b, dir_desc ? "dir=desc" : "dir=asc");
        first = false;
    }
    if (cursor) {
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)cursor_id);
        html_lit(b, first ? "" : sep);
        html_lit(b, cursor);
        html_lit(b, "=");
        html_text(b, id);
    }
}

/* "/results", and "?" and the query when it has anything. */
static void put_results_url(html_buf *b, const results_q *q, const char *sep, int sort,
                            int dir_desc, const char *cursor, int64_t cursor_id)
{
    html_buf qb;
    html_init(&qb, 8192);
    put_query(&qb, q, sep, sort, dir_desc, cursor, cursor_id);
    html_lit(b, "/results");
    if (qb.failed) {
        b->failed = true;
    } else if (qb.len) {
        html_lit(b, "?");
        html_lit(b, qb.p); /* made of constants, html_url and html_text */
    }
    html_free(&qb);
}

/* Points in thousandths as a short decimal: 2, 2.5, 0.333. */
static void fmt_milli(int64_t v, char *out, size_t len)
{
    int64_t whole = v / 1000, frac = (v < 0 ? -v : v) % 1000;
    if (!frac)
        snprintf(out, len, "%lld", (long long)whole);
    else if (frac % 100 == 0)
        snprintf(out, len, "%lld.%lld", (long long)whole, (long long)(frac / 100));
    else if (frac % 10 == 0)
        snprintf(out, len, "%lld.%02lld", (long long)whole, (long long)(frac / 10));
    else
        snprintf(out, len, "%lld.%03lld", (long long)whole, (long long)frac);
}

static void put_points(html_buf *b, int64_t points_milli, int64_t max_milli)
{
    char p[32], m[32], s[80];
    fmt_milli(points_milli, p, sizeof p);
    fmt_milli(max_milli, m, sizeof m);
    snprintf(s, sizeof s, "%s / %s", p, m);
    html_text(b, s);
}

static void put_score(html_buf *b, const reports_attempt *a)
{
    char s[32];
    snprintf(s, sizeof s, "%d %% (", a->percent);
    html_text(b, s);
    put_points(b, a->points_milli, a->max_milli);
    html_text(b, ")");
}

static void put_outcome(const console *c, html_buf *b, int lang, const reports_attempt *a)
{
    html_lit(b, a->passed ? "<span class=\"ok\">" : "<span class=\"bad\">");
    html_text(b, tr(c, lang, a->passed ? "results.passed" : "results.failed"));
    html_lit(b, "</span>");
}

/* One row of a results table. */
static void results_row(const console *c, html_buf *b, int lang, const reports_attempt *a,
                        bool with_trainee)
{
    char t[64], v[32];
    html_lit(b, "<tr>");
    html_lit(b, "<td class=\"nowrap\" data-label=\"");
    html_text(b, tr(c, lang, "col.finished"));
    html_lit(b, "\"><a href=\"/attempt/");
    snprintf(v, sizeof v, "%lld", (long long)a->id);
    html_text(b, v);
    html_lit(b, "\">");
    fmt_time(a->finished_wall, t, sizeof t);
    html_text(b, t);
    html_lit(b, "</a></td>");
    if (with_trainee) {
        html_lit(b, "<td class=\"wrap\" data-label=\"");
        html_text(b, tr(c, lang, "col.trainee"));
        html_lit(b, "\"><a href=\"/trainee/");
        html_url(b, a->trainee_id);
        html_lit(b, "\">");
        html_text(b, a->trainee_id);
        html_lit(b, "</a></td><td class=\"wrap\" data-label=\"");
        html_text(b, tr(c, lang, "col.name"));
        html_lit(b, "\">");
        html_text(b, a->trainee_name);
        html_lit(b, "</td>");
    }
    html_lit(b, "<td data-label=\"");
    html_text(b, tr(c, lang, "fleet.district"));
    html_lit(b, "\">");
    html_text(b, a->district);
    html_lit(b, "</td><td data-label=\"");
    html_text(b, tr(c, lang, "fleet.station"));
    html_lit(b, "\"><a href=\"/station/");
    html_url(b, a->station_id);
    html_lit(b, "\">");
    html_text(b, a->station_id);
    html_lit(b, "</a></td><td class=\"wrap\" data-label=\"");
    html_text(b, tr(c, lang, "col.exam"));
    html_lit(b, "\">");
    snprintf(v, sizeof v, "%lld", (long long)a->exam_version);
    html_tr(b, tr(c, lang, "results.version"), "exam", a->exam_id, "v", v, (const char *)NULL);
    html_lit(b, "</td><td class=\"num nowrap\" data-label=\"");
    html_text(b, tr(c, lang, "col.score"));
    html_lit(b, "\">");
    put_score(b, a);
    html_lit(b, "</td><td data-label=\"");
    html_text(b, tr(c, lang, "filter.outcome"));
    html_lit(b, "\">");
    put_outcome(c, b, lang, a);
    html_lit(b, "</td></tr>");
}

static void filter_input(const console *c, html_buf *b, int lang, const char *key, const char *name,
                         const char *type, const char *value)
{
    html_lit(b, "<label>");
    html_text(b, tr(c, lang, key));
    html_lit(b, "<input name=\"");
    html_text(b, name);
    html_lit(b, "\" type=\"");
    html_text(b, type);
    html_lit(b, "\" value=\"");
    html_text(b, value ? value : "");
    html_lit(b, "\" maxlength=\"256\"></label>");
}

/* A district account: its own district only. A district or a station of
 * another in the URL: 403 (true). */
static bool results_forbidden(console *c, const who *w, results_q *q, int64_t now)
{
    if (w->u.role != ACCOUNTS_DISTRICT)
        return false;
    if (q->district && strcmp(q->district, w->u.district) != 0)
        return true;
    if (q->station && sq_station_id_valid(q->station)) {
        stats_when sw = when_of(c, now);
        stats_station s;
        sq_err e;
        if (stats_station_get(c->st, q->station, &sw, &s, &e) == SQ_OK &&
            strcmp(s.district, w->u.district) != 0)
            return true;
    }
    q->f.district = w->u.district;
    return false;
}

static void sort_head(const console *c, html_buf *b, int lang, const results_q *q, int sort,
                      const char *key)
{
    html_lit(b, "<th>");
    if (sort < 0) {
        html_text(b, tr(c, lang, key));
        html_lit(b, "</th>");
        return;
    }
    /* The same column again turns the order round. */
    bool desc =
        sort == q->sort ? !q->desc : sort == REPORTS_SORT_DATE || sort == REPORTS_SORT_PERCENT;
    html_lit(b, "<a href=\"");
    put_results_url(b, q, "&amp;", sort, desc, NULL, 0);
    html_lit(b, "\">");
    html_text(b, tr(c, lang, key));
    if (sort == q->sort)
        html_lit(b, q->desc ? " ▼" : " ▲");
    html_lit(b, "</a></th>");
}

/* An exam version page's address (page?exam=&version=[&district=]; a
 * district account's own district is implied, so left out), its
 * parameters joined by sep: "&" for a Location, "&amp;" inside HTML. */
static void put_version_url(html_buf *b, const char *page, const char *exam, const char *v,
                            const char *district, const who *w, const char *sep)
{
    html_lit(b, page);
    html_lit(b, "?exam=");
    html_url(b, exam);
    html_lit(b, sep);
    html_lit(b, "version=");
    html_text(b, v);
    if (district && w->u.role != ACCOUNTS_DISTRICT) {
        html_lit(b, sep);
        html_lit(b, "district=");
        html_url(b, district);
    }
}

static enum MHD_Result results_page(console *c, struct MHD_Connection *conn, const who *w,
                                    int64_t now)
{
    int lang = w->lang;
    results_q q;
    if (!results_parse(conn, &q))
        return error_page(c, conn, 400, lang, w, "error.bad_filter");
    if (results_forbidden(c, w, &q, now)) {
        logf_("%s (district %s) refused results of another district", w->u.name, w->u.district);
        return error_page(c, conn, 403, lang, w, "error.forbidden");
    }
    static __thread reports_attempt rows[RESULTS_PAGE_ROWS];
    int n = 0;
    bool more_after = false, more_before = false;
    int64_t total = 0;
    sq_err e;
    bool ready = reports_ready(c->rep);
    if (ready) {
        sq_status st = reports_page(c->rep, &q.f, (reports_sort)q.sort, q.desc, q.after, q.before,
                                    RESULTS_PAGE_ROWS, rows, &n, &more_after, &more_before, &e);
        if (st == SQ_ENOTFOUND)
            return error_page(c, conn, 404, lang, w, "error.not_found");
        if (st || reports_count(c->rep, &q.f, &total, &e)) {
            logf_("%s", e.msg);
            return error_page(c, conn, 500, lang, w, "error.server");
        }
    }
    html_buf b, hb;
    html_init(&b, PAGE_MAX);
    html_init(&hb, 4096);
    put_results_url(&hb, &q, "&", -1, -1,
                    q.after    ? "after"
                    : q.before ? "before"
                               : NULL,
                    q.after ? q.after : q.before);
    page_start(c, &b, lang, tr(c, lang, "results.title"), w,
               hb.failed || !hb.p ? "/results" : hb.p);
    html_free(&hb);
    html_lit(&b, "<h1>");
    html_text(&b, tr(c, lang, "results.title"));
    html_lit(&b, "</h1><p class=\"scope\" id=\"scope\">");
    if (q.f.district)
        html_tr(&b, tr(c, lang, "overview.scope_district"), "district", q.f.district,
                (const char *)NULL);
    else
        html_text(&b, tr(c, lang, "overview.scope_all"));
    if (q.f.received_since > 0) {
        char t[64];
        fmt_time(q.f.received_since, t, sizeof t);
        html_lit(&b, " · ");
        html_tr(&b, tr(c, lang, "results.since"), "time", t, (const char *)NULL);
    }
    html_lit(&b, "</p><form class=\"filters\" method=\"get\" action=\"/results\">");
    if (w->u.role != ACCOUNTS_DISTRICT)
        filter_input(c, &b, lang, "fleet.district", "district", "text", q.district);
    filter_input(c, &b, lang, "fleet.station", "station", "text", q.station);
    filter_input(c, &b, lang, "col.exam", "exam", "text", q.exam);
    filter_input(c, &b, lang, "filter.version", "version", "text", q.version);
    filter_input(c, &b, lang, "filter.from", "from", "date", q.from);
    filter_input(c, &b, lang, "filter.to", "to", "date", q.to);
    html_lit(&b, "<label>");
    html_text(&b, tr(c, lang, "filter.outcome"));
    html_lit(&b, "<select name=\"passed\"><option value=\"\">");
    html_text(&b, tr(c, lang, "filter.any"));
    html_lit(&b, q.f.passed == 1 ? "</option><option value=\"1\" selected>"
                                 : "</option><option value=\"1\">");
    html_text(&b, tr(c, lang, "results.passed"));
    html_lit(&b, q.f.passed == 0 ? "</option><option value=\"0\" selected>"
                                 : "</option><option value=\"0\">");
    html_text(&b, tr(c, lang, "results.failed"));
    html_lit(&b, "</option></select></label>");
    filter_input(c, &b, lang, "filter.trainee", "trainee", "text", q.trainee);
    filter_input(c, &b, lang, "filter.name", "name", "text", q.name);
    if (q.since) {
        html_lit(&b, "<input type=\"hidden\" name=\"since\" value=\"");
        html_text(&b, q.since);
        html_lit(&b, "\">");
    }
    html_lit(&b, "<div class=\"actions\"><button type=\"submit\">");
    html_text(&b, tr(c, lang, "filter.show"));
    html_lit(&b, "</button> <a href=\"/results\">");
    html_text(&b, tr(c, lang, "filter.clear"));
    html_lit(&b, "</a></div></form>");
    if (!ready) {
        html_lit(&b, "<p class=\"msg\" id=\"results-none\">");
        html_text(&b, tr(c, lang, "results.none_yet"));
        html_lit(&b, "</p>");
        page_end(c, &b, lang, now);
        return respond_page(conn, 200, &b, NULL);
    }
    if (q.exam && q.f.version > 0) {
        html_lit(&b, "<p id=\"items-link\"><a href=\"");
        put_version_url(&b, "/items", q.exam, q.version, q.district, w, "&amp;");
        html_lit(&b, "\">");
        html_text(&b, tr(c, lang, "items.link"));
        html_lit(&b, "</a></p>");
    }
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)total);
    html_lit(&b, "<p class=\"scope\" id=\"count\">");
    html_tr(&b, tr(c, lang, "results.count"), "n", num, (const char *)NULL);
    html_lit(&b, "</p><p class=\"exports\"><a id=\"export-results\" href=\"/export");
    put_results_url(&b, &q, "&amp;", -1, -1, NULL, 0);
    html_lit(&b, "\">");
    html_text(&b, tr(c, lang, "export.results"));
    html_lit(&b, "</a>");
    if (q.exam && q.f.version > 0) {
        html_lit(&b, " · <a id=\"report-link\" href=\"");
        put_version_url(&b, "/report", q.exam, q.version, q.district, w, "&amp;");
        html_lit(&b, "\">");
        html_text(&b, tr(c, lang, "report.link"));
        html_lit(&b, "</a>");
    }
    html_lit(&b, "</p><table class=\"results\" id=\"results\"><thead><tr>");
    sort_head(c, &b, lang, &q, REPORTS_SORT_DATE, "col.finished");
    sort_head(c, &b, lang, &q, -1, "col.trainee");
    sort_head(c, &b, lang, &q, REPORTS_SORT_NAME, "col.name");
    sort_head(c, &b, lang, &q, -1, "fleet.district");
    sort_head(c, &b, lang, &q, REPORTS_SORT_STATION, "fleet.station");
    sort_head(c, &b, lang, &q, -1, "col.exam");
    sort_head(c, &b, lang, &q, REPORTS_SORT_PERCENT, "col.score");
    sort_head(c, &b, lang, &q, -1, "filter.outcome");
    html_lit(&b, "</tr></thead><tbody>");
    for (int i = 0; i < n; i++)
        results_row(c, &b, lang, &rows[i], true);
    html_lit(&b, "</tbody></table>");
    if (n == 0) {
        html_lit(&b, "<p class=\"msg\" id=\"results-empty\">");
        html_text(&b, tr(c, lang, "results.empty"));
        html_lit(&b, "</p>");
    }
    html_lit(&b, "<nav class=\"pages\" id=\"pages\">");
    if (more_before) {
        html_lit(&b, "<a id=\"first\" href=\"");
        put_results_url(&b, &q, "&amp;", -1, -1, NULL, 0);
        html_lit(&b, "\">");
        html_text(&b, tr(c, lang, "page.first"));
        html_lit(&b, "</a><a id=\"prev\" href=\"");
        put_results_url(&b, &q, "&amp;", -1, -1, "before", rows[0].id);
        html_lit(&b, "\">");
        html_text(&b, tr(c, lang, "page.prev"));
        html_lit(&b, "</a>");
    }
    if (more_after && n > 0) {
        html_lit(&b, "<a id=\"next\" href=\"");
        put_results_url(&b, &q, "&amp;", -1, -1, "after", rows[n - 1].id);
        html_lit(&b, "\">");
        html_text(&b, tr(c, lang, "page.next"));
        html_lit(&b, "</a>");
    }
    html_lit(&b, "</nav>");
    page_end(c, &b, lang, now);
    return respond_page(conn, 200, &b, NULL);
}

static enum MHD_Result trainee_page(console *c, struct MHD_Connection *conn, const who *w,
                                    int64_t now, const char *id)
{
    int lang = w->lang;
    if (!id[0] || strlen(id) > FILTER_MAX)
        return error_page(c, conn, 404, lang, w, "error.not_found");
    static __thread reports_attempt rows[HISTORY_ROWS];
    int n = 0;
    bool more_after = false, more_before = false;
    reports_filter f = {.trainee = id, .passed = -1};
    sq_err e;
    if (w->u.role == ACCOUNTS_DISTRICT) {
        /* Attempts in other districts stay unseen; a trainee seen only
         * there is another district's. */
        int64_t all = 0, mine = 0;
        reports_filter own = f;
        own.district = w->u.district;
        if (reports_count(c->rep, &f, &all, &e) || reports_count(c->rep, &own, &mine, &e)) {
            logf_("%s", e.msg);
            return error_page(c, conn, 500, lang, w, "error.server");
        }
        if (all > 0 && mine == 0) {
            logf_("%s (district %s) refused a trainee of another district", w->u.name,
                  w->u.district);
            return error_page(c, conn, 403, lang, w, "error.forbidden");
        }
        f.district = w->u.district;
    }
    if (reports_page(c->rep, &f, REPORTS_SORT_DATE, true, 0, 0, HISTORY_ROWS, rows, &n, &more_after,
                     &more_before, &e)) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    if (n == 0)
        return error_page(c, conn, 404, lang, w, "error.not_found");
    html_buf b, hb;
    html_init(&b, PAGE_MAX);
    html_init(&hb, 1024);
    html_lit(&hb, "/trainee/");
    html_url(&hb, id);
    page_start(c, &b, lang, rows[0].trainee_name, w, hb.failed || !hb.p ? "/results" : hb.p);
    html_free(&hb);
    html_lit(&b, "<h1>");
    html_text(&b, rows[0].trainee_name);
    html_lit(&b, "</h1><p class=\"scope\" id=\"trainee\">");
    html_tr(&b, tr(c, lang, "trainee.title"), "id", id, (const char *)NULL);
    html_lit(&b, "</p><p class=\"exports\"><a id=\"export-trainee\" href=\"/export/trainee/");
    html_url(&b, id);
    html_lit(&b, "\">");
    html_text(&b, tr(c, lang, "export.history"));
    html_lit(&b, "</a></p><h2>");
    html_text(&b, tr(c, lang, "trainee.attempts"));
    html_lit(&b, "</h2><table class=\"results\" id=\"history\"><thead><tr>");
    const char *heads[] = {"col.finished", "fleet.district", "fleet.station",
                           "col.exam",     "col.score",      "filter.outcome"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        html_lit(&b, "<th>");
        html_text(&b, tr(c, lang, heads[i]));
        html_lit(&b, "</th>");
    }
    html_lit(&b, "</tr></thead><tbody>");
    for (int i = 0; i < n; i++)
        results_row(c, &b, lang, &rows[i], false);
    html_lit(&b, "</tbody></table>");
    if (more_after) {
        char num[16];
        snprintf(num, sizeof num, "%d", HISTORY_ROWS);
        html_lit(&b, "<p class=\"scope\">");
        html_tr(&b, tr(c, lang, "fleet.more"), "n", num, (const char *)NULL);
        html_lit(&b, "</p>");
    }
    html_lit(&b, "<p><a href=\"/results\">");
    html_text(&b, tr(c, lang, "attempt.back"));
    html_lit(&b, "</a></p>");
    page_end(c, &b, lang, now);
    return respond_page(conn, 200, &b, NULL);
}

/* "m:ss" (or "h:mm:ss") of a duration in milliseconds. */
static void put_clock(html_buf *b, int64_t ms)
{
    char s[48];
    int64_t t = ms > 0 ? ms / 1000 : 0;
    if (t >= 3600)
        snprintf(s, sizeof s, "%lld:%02lld:%02lld", (long long)(t / 3600), (long long)(t / 60 % 60),
                 (long long)(t % 60));
    else
        snprintf(s, sizeof s, "%lld:%02lld", (long long)(t / 60), (long long)(t % 60));
    html_text(b, s);
}

typedef struct {
    const console *c;
    html_buf *b;
    int lang;
    int items, events;
} detail_ctx;

static void td(detail_ctx *d, const char *key, const char *cls)
{
    html_lit(d->b, cls ? "<td class=\"num\" data-label=\"" : "<td data-label=\"");
    html_text(d->b, tr(d->c, d->lang, key));
    html_lit(d->b, "\">");
}

static int detail_item(void *ctx, const reports_item *it)
{
    detail_ctx *d = ctx;
    html_buf *b = d->b;
    char s[64];
    if (d->items++ == 0) {
        html_lit(b, "<h2>");
        html_text(b, tr(d->c, d->lang, "attempt.items"));
        html_lit(b, "</h2><table id=\"items\"><thead><tr>");
        const char *heads[] = {"attempt.item",   "attempt.answer", "attempt.mark",
                               "attempt.points", "attempt.took",   "attempt.at"};
        for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
            html_lit(b, "<th>");
            html_text(b, tr(d->c, d->lang, heads[i]));
            html_lit(b, "</th>");
        }
        html_lit(b, "</tr></thead><tbody>");
    }
    html_lit(b, "<tr>");
    td(d, "attempt.item", NULL);
    snprintf(s, sizeof s, "%d. ", it->pos + 1);
    html_text(b, s);
    html_text(b, it->item_id);
    if (it->flagged) {
        html_lit(b, " <span class=\"warn\">(");
        html_text(b, tr(d->c, d->lang, "attempt.flagged"));
        html_lit(b, ")</span>");
    }
    html_lit(b, "</td>");
    td(d, "attempt.answer", NULL);
    if (!it->answered) {
        html_text(b, tr(d->c, d->lang, "attempt.unanswered"));
    } else {
        /* Options by their letter in the exam's own order (A: its first). */
        size_t o = 0;
        for (int i = 0; i < 32 && i < (it->n_options ? it->n_options : 32); i++)
            if (it->selected & (1u << i)) {
                if (o)
                    s[o++] = ',';
                s[o++] = (char)('A' + i);
            }
        s[o] = 0;
        html_text(b, o ? s : "-");
    }
    html_lit(b, "</td>");
    td(d, "attempt.mark", NULL);
    html_lit(b, it->right ? "<span class=\"ok\">" : "<span class=\"bad\">");
    html_text(b, tr(d->c, d->lang, it->right ? "attempt.right" : "attempt.wrong"));
    html_lit(b, "</span></td>");
    td(d, "attempt.points", "num");
    put_points(b, it->points_milli, it->max_milli);
    html_lit(b, "</td>");
    td(d, "attempt.took", "num");
    if (it->answered)
        put_clock(b, it->time_ms);
    else
        html_text(b, "-");
    html_lit(b, "</td>");
    td(d, "attempt.at", "num");
    if (it->answered)
        put_clock(b, it->answered_ms);
    else
        html_text(b, "-");
    html_lit(b, "</td></tr>");
    return 0;
}

static int detail_event(void *ctx, const reports_event *ev)
{
    detail_ctx *d = ctx;
    html_buf *b = d->b;
    char key[32], t[64];
    if (d->items)
        html_lit(b, "</tbody></table>"), d->items = -1000000;
    if (d->events++ == 0) {
        html_lit(b, "<h2>");
        html_text(b, tr(d->c, d->lang, "attempt.events"));
        html_lit(b, "</h2><table id=\"events\"><thead><tr>");
        const char *heads[] = {"event.kind", "event.from", "event.to", "event.measured",
                               "event.counted"};
        for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
            html_lit(b, "<th>");
            html_text(b, tr(d->c, d->lang, heads[i]));
            html_lit(b, "</th>");
        }
        html_lit(b, "</tr></thead><tbody>");
    }
    html_lit(b, "<tr>");
    td(d, "event.kind", NULL);
    snprintf(key, sizeof key, "event.kind%d", ev->kind >= 1 && ev->kind <= 5 ? ev->kind : 0);
    html_text(b, tr(d->c, d->lang, key));
    html_lit(b, "</td>");
    td(d, "event.from", NULL);
    fmt_time(ev->wall_before, t, sizeof t);
    html_text(b, t);
    html_lit(b, "</td>");
    td(d, "event.to", NULL);
    fmt_time(ev->wall_after, t, sizeof t);
    html_text(b, t);
    html_lit(b, "</td>");
    td(d, "event.measured", "num");
    put_clock(b, ev->mono_delta_ms);
    html_lit(b, "</td>");
    td(d, "event.counted", "num");
    put_clock(b, ev->counted_ms);
    html_lit(b, "</td></tr>");
    return 0;
}

static enum MHD_Result attempt_page(console *c, struct MHD_Connection *conn, const who *w,
                                    int64_t now, const char *id_s)
{
    int lang = w->lang;
    int64_t id = 0;
    if (!parse_count(id_s, &id) || id < 1)
        return error_page(c, conn, 404, lang, w, "error.not_found");
    reports_attempt a;
    sq_err e;
    sq_status st = reports_attempt_get(c->rep, id, &a, &e);
    if (st == SQ_ENOTFOUND)
        return error_page(c, conn, 404, lang, w, "error.not_found");
    if (st) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    if (w->u.role == ACCOUNTS_DISTRICT && strcmp(a.district, w->u.district) != 0) {
        logf_("%s (district %s) refused attempt %lld of another district", w->u.name, w->u.district,
              (long long)id);
        return error_page(c, conn, 403, lang, w, "error.forbidden");
    }
    html_buf b;
    html_init(&b, PAGE_MAX);
    char here[64], t[64], v[64];
    snprintf(here, sizeof here, "/attempt/%lld", (long long)id);
    page_start(c, &b, lang, a.trainee_name, w, here);
    snprintf(v, sizeof v, "%lld", (long long)a.seq);
    html_lit(&b, "<h1>");
    html_tr(&b, tr(c, lang, "attempt.title"), "station", a.station_id, "seq", v,
            (const char *)NULL);
    html_lit(&b, "</h1><dl class=\"facts\" id=\"attempt\"><dt>");
    html_text(&b, tr(c, lang, "col.name"));
    html_lit(&b, "</dt><dd>");
    html_text(&b, a.trainee_name);
    html_lit(&b, "</dd><dt>");
    html_text(&b, tr(c, lang, "col.trainee"));
    html_lit(&b, "</dt><dd><a href=\"/trainee/");
    html_url(&b, a.trainee_id);
    html_lit(&b, "\">");
    html_text(&b, a.trainee_id);
    html_lit(&b, "</a></dd>");
    fact(c, &b, lang, "fleet.district", a.district);
    html_lit(&b, "<dt>");
    html_text(&b, tr(c, lang, "fleet.station"));
    html_lit(&b, "</dt><dd><a href=\"/station/");
    html_url(&b, a.station_id);
    html_lit(&b, "\">");
    html_text(&b, a.station_id);
    html_lit(&b, "</a></dd><dt>");
    html_text(&b, tr(c, lang, "col.exam"));
    html_lit(&b, "</dt><dd>");
    snprintf(v, sizeof v, "%lld", (long long)a.exam_version);
    html_tr(&b, tr(c, lang, "results.version"), "exam", a.exam_id, "v", v, (const char *)NULL);
    html_lit(&b, "</dd><dt>");
    html_text(&b, tr(c, lang, "col.score"));
    html_lit(&b, "</dt><dd id=\"score\">");
    put_score(&b, &a);
    html_lit(&b, " · ");
    put_outcome(c, &b, lang, &a);
    html_lit(&b, "</dd>");
    fmt_time(a.started_wall, t, sizeof t);
    fact(c, &b, lang, "attempt.started", t);
    fmt_time(a.finished_wall, t, sizeof t);
    fact(c, &b, lang, "col.finished", t);
    fmt_time(a.received_wall, t, sizeof t);
    fact(c, &b, lang, "attempt.received", t);
    html_lit(&b, "<dt>");
    html_text(&b, tr(c, lang, "attempt.elapsed"));
    html_lit(&b, "</dt><dd>");
    put_clock(&b, a.elapsed_ms);
    if (a.time_limit_s > 0) {
        html_lit(&b, " / ");
        put_clock(&b, a.time_limit_s * 1000);
    }
    if (a.timed_out) {
        html_lit(&b, " <span class=\"warn\">");
        html_text(&b, tr(c, lang, "attempt.timed_out"));
        html_lit(&b, "</span>");
    }
    html_lit(&b, "</dd>");
    fact(c, &b, lang, "attempt.clock",
         tr(c, lang,
            a.clock == SQ_CLOCK_RUNNING ? "attempt.clock_running" : "attempt.clock_paused"));
    snprintf(v, sizeof v, "%d / %d / %d", a.n_right, a.n_answered, a.n_items);
    fact(c, &b, lang, "attempt.counts", v);
    html_lit(&b, "</dl>");
    detail_ctx d = {c, &b, lang, 0, 0};
    if (reports_attempt_detail(c->rep, id, detail_item, detail_event, &d, &e)) {
        logf_("%s", e.msg);
        html_free(&b);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    if (d.items > 0 || d.events > 0)
        html_lit(&b, "</tbody></table>");
    if (d.events == 0) {
        html_lit(&b, "<h2>");
        html_text(&b, tr(c, lang, "attempt.events"));
        html_lit(&b, "</h2><p class=\"scope\" id=\"no-events\">");
        html_text(&b, tr(c, lang, "attempt.no_events"));
        html_lit(&b, "</p>");
    }
    html_lit(&b, "<p><a href=\"/trainee/");
    html_url(&b, a.trainee_id);
    html_lit(&b, "\">");
    html_text(&b, tr(c, lang, "attempt.history"));
    html_lit(&b, "</a> · <a href=\"/results\">");
    html_text(&b, tr(c, lang, "attempt.back"));
    html_lit(&b, "</a></p>");
    page_end(c, &b, lang, now);
    return respond_page(conn, 200, &b, NULL);
}

/* ---- item analysis of one exam version (itemstats.h) ---- */

/* Cells of one item analysis (attempts x items): about 17 bytes each, so
 * at most about 100 MB for a page; 10^5 attempts of 50 items fit. */
#define ITEMS_MAX_CELLS (6u * 1000u * 1000u)

/* A figure, or "-" when it is not defined (NaN). */
static void put_fig(html_buf *b, double v, const char *unit)
{
    char s[64];
    if (isnan(v) || isinf(v))
        snprintf(s, sizeof s, "-");
    else
        snprintf(s, sizeof s, "%.2f%s", v, unit);
    html_text(b, s);
}

static void fig_row(const console *c, html_buf *b, int lang, const char *key, const char *id,
                    double v, const char *unit)
{
    html_lit(b, "<dt>");
    html_text(b, tr(c, lang, key));
    html_lit(b, "</dt><dd id=\"");
    html_text(b, id);
    html_lit(b, "\">");
    put_fig(b, v, unit);
    html_lit(b, "</dd>");
}

static void count_cell(const console *c, html_buf *b, int lang, const char *key, size_t n,
                       size_t of)
{
    char s[64];
    html_lit(b, "<td class=\"num nowrap\" data-label=\"");
    html_text(b, tr(c, lang, key));
    html_lit(b, "\">");
    snprintf(s, sizeof s, "%zu (%.0f %%)", n, of ? 100.0 * (double)n / (double)of : 0.0);
    html_text(b, s);
    html_lit(b, "</td>");
}

/* Item analyses held at once. One at its largest (ITEMS_MAX_CELLS) holds
 * about 100 MB of grid and, while computing, up to 45 MB more
 * (bench_itemstats: 10^5 attempts x 50 items); the pool's 4 threads at
 * once would pass the unit's MemoryMax (512M, units/README.md). A third
 * waits for one of the two to finish. */
#define ITEMS_AT_ONCE 2
static pthread_mutex_t items_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t items_cv = PTHREAD_COND_INITIALIZER;
static int items_held;

static void items_gate_take(void)
{
    pthread_mutex_lock(&items_mu);
    while (items_held >= ITEMS_AT_ONCE)
        pthread_cond_wait(&items_cv, &items_mu);
    items_held++;
    pthread_mutex_unlock(&items_mu);
}

static void items_gate_give(void)
{
    pthread_mutex_lock(&items_mu);
    items_held--;
    pthread_cond_signal(&items_cv);
    pthread_mutex_unlock(&items_mu);
}

/* Frees what items_load gave (both may be NULL) and lets the next item
 * analysis in. Call once for each items_load that returned a grid. */
static void items_done(reports_grid *g, itemstats *st)
{
    itemstats_free(st);
    reports_grid_free(g);
    if (g)
        items_gate_give();
}

/* Item analysis of an exam version (in district, when not NULL): the
 * grid and its figures, or (both NULL) the catalogue key of why there are
 * none in *note. False: reading or computing failed (logged). With a
 * grid, the caller ends with items_done. */
static bool items_load(console *c, const char *exam, int64_t version, const char *district,
                       reports_grid **g, itemstats **st, const char **note)
{
    sq_err e;
    *g = NULL;
    *st = NULL;
    *note = NULL;
    items_gate_take();
    sq_status s = reports_grid_get(c->rep, exam, version, district, ITEMS_MAX_CELLS, g, &e);
    if (s)
        items_gate_give();
    if (s == SQ_ENOTFOUND) {
        *note = "items.none";
        return true;
    }
    if (s == SQ_ETOOBIG) {
        *note = "items.too_big";
        return true;
    }
    if (s) {
        logf_("%s", e.msg);
        return false;
    }
    itemstats_input in = {.n_attempts = (*g)->n_attempts,
                          .n_items = (*g)->n_items,
                          .max_mark = (*g)->max_mark,
                          .item = (*g)->item,
                          .n_cells = (*g)->n_cells,
                          .score = (*g)->score,
                          .seen = (*g)->seen,
                          .chosen = (*g)->chosen,
                          .n_options = (*g)->n_options};
    if (itemstats_compute(&in, st, &e)) {
        logf_("item analysis of %s version %lld: %s", exam, (long long)version, e.msg);
        items_done(*g, NULL);
        *g = NULL;
        return false;
    }
    return true;
}

/* The exam version (and district) of an item analysis's URL: 0, or 400
 * for a value that is not valid, or 403 for a district account asking
 * for another district (then logged). */
static unsigned items_args(struct MHD_Connection *conn, const who *w, const char **exam,
                           int64_t *version, const char **district)
{
    const char *version_s = arg(conn, "version");
    *exam = arg(conn, "exam");
    *district = arg(conn, "district");
    *version = 0;
    if (!*exam || strlen(*exam) > FILTER_MAX || !parse_count(version_s, version) || *version < 1 ||
        (*district && strlen(*district) > FILTER_MAX))
        return 400;
    if (w->u.role == ACCOUNTS_DISTRICT) {
        if (*district && strcmp(*district, w->u.district) != 0) {
            logf_("%s (district %s) refused item analysis of another district", w->u.name,
                  w->u.district);
            return 403;
        }
        *district = w->u.district;
    }
    return 0;
}

/* The address of an exam version's page (items, report) as the page
 * itself is reached: exam, version, and the district asked for unless
 * the account is a district's (its own is implied). hb is the caller's
 * to free. */
static void version_here(html_buf *hb, const char *page, const char *exam, const char *v,
                         const char *district, const who *w)
{
    html_init(hb, 2048);
    put_version_url(hb, page, exam, v, district, w, "&");
}

static enum MHD_Result items_page(console *c, struct MHD_Connection *conn, const who *w,
                                  int64_t now)
{
    int lang = w->lang;
    const char *exam, *district;
    int64_t version;
    unsigned bad = items_args(conn, w, &exam, &version, &district);
    if (bad)
        return error_page(c, conn, bad, lang, w,
                          bad == 400 ? "error.bad_filter" : "error.forbidden");
    reports_grid *g = NULL;
    itemstats *st = NULL;
    const char *note = NULL;
    if (!items_load(c, exam, version, district, &g, &st, &note))
        return error_page(c, conn, 500, lang, w, "error.server");
    html_buf b, hb;
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    html_init(&b, PAGE_MAX);
    version_here(&hb, "/items", exam, v, district, w);
    page_start(c, &b, lang, tr(c, lang, "items.heading"), w,
               hb.failed || !hb.p ? "/results" : hb.p);
    html_free(&hb);
    html_lit(&b, "<h1>");
    html_tr(&b, tr(c, lang, "items.title"), "exam", exam, "v", v, (const char *)NULL);
    html_lit(&b, "</h1><p class=\"scope\" id=\"scope\">");
    if (district)
        html_tr(&b, tr(c, lang, "overview.scope_district"), "district", district,
                (const char *)NULL);
    else
        html_text(&b, tr(c, lang, "overview.scope_all"));
    html_lit(&b, "</p>");
    if (note) {
        html_lit(&b, "<p class=\"msg\" id=\"items-none\">");
        html_text(&b, tr(c, lang, note));
        html_lit(&b, "</p>");
        page_end(c, &b, lang, now);
        return respond_page(conn, 200, &b, NULL);
    }
    items_links(c, &b, lang, w, exam, version, district);
    const itemstats_test *t = &st->test;
    html_lit(&b, "<h2>");
    html_text(&b, tr(c, lang, "items.test"));
    html_lit(&b, "</h2><dl class=\"facts\" id=\"test\"><dt>");
    html_text(&b, tr(c, lang, "items.attempts"));
    html_lit(&b, "</dt><dd id=\"t-n\">");
    html_int(&b, (int64_t)t->n);
    html_lit(&b, "</dd>");
    fig_row(c, &b, lang, "items.mean", "t-mean", t->mean, "");
    fig_row(c, &b, lang, "items.median", "t-median", t->median, "");
    fig_row(c, &b, lang, "items.sd", "t-sd", t->sd, "");
    fig_row(c, &b, lang, "items.skewness", "t-skew", t->skewness, "");
    fig_row(c, &b, lang, "items.kurtosis", "t-kurt", t->kurtosis, "");
    fig_row(c, &b, lang, "items.cic", "t-cic", t->cic, " %");
    fig_row(c, &b, lang, "items.error_ratio", "t-er", t->error_ratio, " %");
    fig_row(c, &b, lang, "items.standard_error", "t-se", t->standard_error, "");
    html_lit(&b, "</dl>");
    size_t flagged = 0;
    for (size_t k = 0; k < st->n_items; k++)
        flagged += (st->items[k].flags & ITEMSTATS_LOW_DE) != 0;
    char nf[32];
    snprintf(nf, sizeof nf, "%zu", flagged);
    html_lit(&b, "<h2>");
    html_text(&b, tr(c, lang, "attempt.items"));
    html_lit(&b, "</h2><p class=\"scope\" id=\"flagged\">");
    html_tr(&b, tr(c, lang, "items.flagged_n"), "n", nf, (const char *)NULL);
    html_lit(&b, "</p><table class=\"results\" id=\"items\"><thead><tr>");
    const char *heads[] = {"attempt.item", "items.attempts", "items.facility", "items.sd",
                           "items.di",     "items.de",       "items.ew",       "items.flag"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        html_lit(&b, "<th>");
        html_text(&b, tr(c, lang, heads[i]));
        html_lit(&b, "</th>");
    }
    html_lit(&b, "</tr></thead><tbody>");
    for (size_t k = 0; k < st->n_items; k++) {
        const itemstats_item *it = &st->items[k];
        bool low = it->flags & ITEMSTATS_LOW_DE;
        html_lit(&b, low ? "<tr class=\"flagged\"><td class=\"wrap\" data-label=\""
                         : "<tr><td class=\"wrap\" data-label=\"");
        html_text(&b, tr(c, lang, "attempt.item"));
        html_lit(&b, "\"><a href=\"#opt-");
        snprintf(v, sizeof v, "%zu", k);
        html_text(&b, v);
        html_lit(&b, "\">");
        html_text(&b, g->item_ids[k]);
        html_lit(&b, "</a></td><td class=\"num\" data-label=\"");
        html_text(&b, tr(c, lang, "items.attempts"));
        html_lit(&b, "\">");
        html_int(&b, (int64_t)it->s);
        const struct {
            const char *key;
            double v;
        } figs[] = {{"items.facility", it->facility * 100},
                    {"items.sd", it->sd * 100},
                    {"items.di", it->discrimination_index},
                    {"items.de", it->discriminative_efficiency},
                    {"items.ew", it->effective_weight}};
        for (size_t f = 0; f < sizeof figs / sizeof figs[0]; f++) {
            html_lit(&b, "</td><td class=\"num nowrap\" data-label=\"");
            html_text(&b, tr(c, lang, figs[f].key));
            html_lit(&b, "\">");
            put_fig(&b, figs[f].v, " %");
        }
        html_lit(&b, "</td><td data-label=\"");
        html_text(&b, tr(c, lang, "items.flag"));
        html_lit(&b, "\">");
        if (low) {
            html_lit(&b, "<span class=\"warn\">");
            html_text(&b, tr(c, lang, "items.flagged"));
            html_lit(&b, "</span>");
        }
        html_lit(&b, "</td></tr>");
    }
    html_lit(&b, "</tbody></table><h2>");
    html_text(&b, tr(c, lang, "items.distractors"));
    html_lit(&b, "</h2><p class=\"scope\">");
    html_text(&b, tr(c, lang, "items.no_key"));
    html_lit(&b, "</p>");
    for (size_t k = 0; st->options && k < st->n_items; k++) {
        const itemstats_options *o = &st->options[k];
        if (!o->n_options || !o->seen[ITEMSTATS_ALL])
            continue;
        snprintf(v, sizeof v, "%zu", k);
        html_lit(&b, "<h3 id=\"opt-");
        html_text(&b, v);
        html_lit(&b, "\">");
        html_text(&b, g->item_ids[k]);
        html_lit(&b, "</h3><table class=\"results\"><thead><tr><th>");
        html_text(&b, tr(c, lang, "items.option"));
        html_lit(&b, "</th><th>");
        html_text(&b, tr(c, lang, "items.all"));
        html_lit(&b, "</th><th>");
        html_text(&b, tr(c, lang, "items.top"));
        html_lit(&b, "</th><th>");
        html_text(&b, tr(c, lang, "items.bottom"));
        html_lit(&b, "</th></tr></thead><tbody>");
        for (unsigned opt = 0; opt <= o->n_options; opt++) {
            html_lit(&b, "<tr><td data-label=\"");
            html_text(&b, tr(c, lang, "items.option"));
            html_lit(&b, "\">");
            if (opt < o->n_options) {
                char letter[8];
                snprintf(letter, sizeof letter, "%c", opt < 26 ? 'A' + opt : '?');
                html_text(&b, letter);
            } else {
                html_text(&b, tr(c, lang, "attempt.unanswered"));
            }
            html_lit(&b, "</td>");
            static const char *const gkeys[] = {"items.all", "items.top", "items.bottom"};
            for (int gr = 0; gr < ITEMSTATS_GROUPS; gr++) {
                size_t n = opt < o->n_options ? o->chosen[gr][opt] : o->unanswered[gr];
                count_cell(c, &b, lang, gkeys[gr], n, o->seen[gr]);
            }
            html_lit(&b, "</tr>");
        }
        html_lit(&b, "</tbody></table>");
    }
    items_done(g, st);
    page_end(c, &b, lang, now);
    return respond_page(conn, 200, &b, NULL);
}

/* ---- exports (CSV, export.h), the charts (chart.h), the printed report (print.h) ---- */

#define CSV_MAX (64u << 20) /* a whole export (item analysis, the fleet): far above theirs */
#define FLEET_EXPORT_ROWS 100000
#define CHART_DAYS 30
#define REPORT_DAYS_MAX 92

typedef struct {
    const console *c;
    int lang;
} tr_ctx;

static const char *tr_of(const void *ctx, const char *key)
{
    const tr_ctx *t = ctx;
    return tr(t->c, t->lang, key);
}

static ssize_t export_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    long n = export_stream_read(cls, buf, max);
    if (n < 0) {
        logf_("an export stopped: %s", export_stream_error(cls));
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void export_reader_free(void *cls)
{
    export_stream_free(cls);
}

/* The audit line of an export (outcome "ok" or "refused"); false when it
 * could not be written, and then nothing is exported. */
static bool export_audit(console *c, const who *w, int64_t now, const char *outcome,
                         const char *kind, const reports_filter *f)
{
    char detail[1200];
    export_describe(detail, sizeof detail, kind, f);
    return audit(c, now, w->u.name, "export", outcome, detail);
}

static enum MHD_Result export_refused(console *c, struct MHD_Connection *conn, const who *w,
                                      int64_t now, const char *kind, const reports_filter *f)
{
    logf_("%s (district %s) refused an export (%s) of another district", w->u.name, w->u.district,
          kind);
    export_audit(c, w, now, "refused", kind, f);
    return error_page(c, conn, 403, w->lang, w, "error.forbidden");
}

/* The attempts f selects as CSV, written while it is read (a page of rows
 * at a time): never all of them in memory. */
static enum MHD_Result export_stream_respond(console *c, struct MHD_Connection *conn, const who *w,
                                             int64_t now, const reports_filter *f,
                                             reports_sort sort, bool desc, const char *kind)
{
    export_stream *s = NULL;
    sq_err e;
    if (export_stream_new(c->rep, f, sort, desc, &s, &e)) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, w->lang, w, "error.server");
    }
    if (!export_audit(c, w, now, "ok", kind, f)) {
        export_stream_free(s);
        return error_page(c, conn, 500, w->lang, w, "error.server");
    }
    struct MHD_Response *r = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 64 * 1024, export_reader, s, export_reader_free);
    if (!r) {
        export_stream_free(s);
        return MHD_NO;
    }
    char cd[128];
    snprintf(cd, sizeof cd, "attachment; filename=\"synaq-%s.csv\"", kind);
    common_headers(r, "text/csv; charset=utf-8");
    MHD_add_response_header(r, "Content-Disposition", cd);
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_csv(console *c, struct MHD_Connection *conn, const who *w,
                                   csv_out *o, const char *kind)
{
    if (o->failed) {
        csv_free(o);
        return error_page(c, conn, 500, w->lang, w, "error.server");
    }
    char cd[128];
    snprintf(cd, sizeof cd, "attachment; filename=\"synaq-%s.csv\"", kind);
    enum MHD_Result r = respond(conn, 200, "text/csv; charset=utf-8", o->p ? o->p : "", o->len,
                                (const char *const[]){"Content-Disposition", cd, NULL});
    csv_free(o);
    return r;
}

/* /export/results?<the Results' filters and order>: every row they
 * select (the page cursor is not an export's). */
static enum MHD_Result export_results(console *c, struct MHD_Connection *conn, const who *w,
                                      int64_t now)
{
    results_q q;
    if (!results_parse(conn, &q))
        return error_page(c, conn, 400, w->lang, w, "error.bad_filter");
    if (results_forbidden(c, w, &q, now))
        return export_refused(c, conn, w, now, "results", &q.f);
    return export_stream_respond(c, conn, w, now, &q.f, (reports_sort)q.sort, q.desc, "results");
}

/* /export/trainee/ID: a trainee's history (a district account: the
 * attempts in its district; a trainee seen only elsewhere: 403). */
static enum MHD_Result export_trainee(console *c, struct MHD_Connection *conn, const who *w,
                                      int64_t now, const char *id)
{
    if (!id[0] || strlen(id) > FILTER_MAX)
        return error_page(c, conn, 404, w->lang, w, "error.not_found");
    reports_filter f = {.trainee = id, .passed = -1};
    int64_t all = 0, mine = 0;
    sq_err e;
    if (reports_count(c->rep, &f, &all, &e)) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, w->lang, w, "error.server");
    }
    if (w->u.role == ACCOUNTS_DISTRICT) {
        reports_filter own = f;
        own.district = w->u.district;
        if (reports_count(c->rep, &own, &mine, &e)) {
            logf_("%s", e.msg);
            return error_page(c, conn, 500, w->lang, w, "error.server");
        }
        if (all > 0 && mine == 0)
            return export_refused(c, conn, w, now, "trainee", &f);
        f.district = w->u.district;
        all = mine;
    }
    if (all == 0)
        return error_page(c, conn, 404, w->lang, w, "error.not_found");
    return export_stream_respond(c, conn, w, now, &f, REPORTS_SORT_DATE, true, "trainee");
}

/* /export/items and /export/distractors ?exam=&version=[&district=]. */
static enum MHD_Result export_items_csv(console *c, struct MHD_Connection *conn, const who *w,
                                        int64_t now, bool distractors)
{
    const char *exam, *district, *kind = distractors ? "distractors" : "items";
    int64_t version;
    unsigned bad = items_args(conn, w, &exam, &version, &district);
    reports_filter f = {.exam = exam, .version = version, .district = district, .passed = -1};
    if (bad == 403)
        return export_refused(c, conn, w, now, kind, &f);
    if (bad)
        return error_page(c, conn, bad, w->lang, w, "error.bad_filter");
    reports_grid *g = NULL;
    itemstats *st = NULL;
    const char *note = NULL;
    if (!items_load(c, exam, version, district, &g, &st, &note))
        return error_page(c, conn, 500, w->lang, w, "error.server");
    if (note)
        return error_page(c, conn, strcmp(note, "items.none") ? 413 : 404, w->lang, w, note);
    csv_out o;
    csv_init(&o, CSV_MAX);
    if (distractors)
        export_distractors(&o, st, (const char(*)[129])g->item_ids);
    else
        export_items(&o, st, (const char(*)[129])g->item_ids);
    items_done(g, st);
    if (!o.failed && !export_audit(c, w, now, "ok", kind, &f)) {
        csv_free(&o);
        return error_page(c, conn, 500, w->lang, w, "error.server");
    }
    return respond_csv(c, conn, w, &o, kind);
}

typedef struct {
    csv_out *o;
} fleet_csv_ctx;

static int fleet_csv_row(void *ctx, const stats_station *s)
{
    export_fleet_row(((fleet_csv_ctx *)ctx)->o, s);
    return ((fleet_csv_ctx *)ctx)->o->failed;
}

/* /export/fleet[?district=][&show=]: the stations, as the Overview lists
 * them, all of them. */
static enum MHD_Result export_fleet(console *c, struct MHD_Connection *conn, const who *w,
                                    int64_t now)
{
    const char *district = arg(conn, "district"), *show_s = arg(conn, "show");
    reports_filter f = {.district = district, .passed = -1};
    if (district && strlen(district) > FILTER_MAX)
        return error_page(c, conn, 400, w->lang, w, "error.bad_filter");
    if (w->u.role == ACCOUNTS_DISTRICT) {
        if (district && strcmp(district, w->u.district) != 0)
            return export_refused(c, conn, w, now, "fleet", &f);
        f.district = district = w->u.district;
    }
    int show = STATS_ALL;
    if (show_s) {
        show = -1;
        for (int i = 0; i < (int)(sizeof show_names / sizeof show_names[0]); i++)
            if (!strcmp(show_s, show_names[i]))
                show = i;
        if (show < 0)
            return error_page(c, conn, 400, w->lang, w, "error.bad_filter");
    }
    stats_when sw = when_of(c, now);
    csv_out o;
    sq_err e;
    csv_init(&o, CSV_MAX);
    export_fleet_header(&o);
    fleet_csv_ctx fc = {&o};
    if (stats_stations(c->st, district, (stats_show)show, &sw, FLEET_EXPORT_ROWS, fleet_csv_row,
                       &fc, &e)) {
        logf_("%s", e.msg);
        csv_free(&o);
        return error_page(c, conn, 500, w->lang, w, "error.server");
    }
    char kind[32];
    snprintf(kind, sizeof kind, "fleet show=%s", show_names[show]);
    if (!o.failed && !export_audit(c, w, now, "ok", kind, &f)) {
        csv_free(&o);
        return error_page(c, conn, 500, w->lang, w, "error.server");
    }
    return respond_csv(c, conn, w, &o, "fleet");
}

/* The n days from the one holding first (console's time zone): their
 * dates, and n + 1 bounds (each day's start, then the end of the last). */
static void days_from(int64_t first, int n, chart_day *days, int64_t *bounds)
{
    time_t t = (time_t)first;
    struct tm tm0;
    if (!localtime_r(&t, &tm0))
        memset(&tm0, 0, sizeof tm0);
    for (int i = 0; i <= n; i++) {
        struct tm tm = tm0;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_mday += i;
        tm.tm_isdst = -1;
        bounds[i] = (int64_t)mktime(&tm);
        if (i < n) {
            days[i].year = tm.tm_year + 1900;
            days[i].month = tm.tm_mon + 1;
            days[i].day = tm.tm_mday;
            days[i].n = 0;
        }
    }
}

static void chart_words(const console *c, int lang, chart_text *t)
{
    static const char *const months[12] = {"month.1", "month.2",  "month.3",  "month.4",
                                           "month.5", "month.6",  "month.7",  "month.8",
                                           "month.9", "month.10", "month.11", "month.12"};
    t->title = tr(c, lang, "chart.days_title");
    t->bar = tr(c, lang, "chart.bar_day");
    t->axis_y = tr(c, lang, "chart.axis_results");
    t->axis_x = tr(c, lang, "chart.axis_day");
    t->numbers = tr(c, lang, "chart.numbers");
    for (int i = 0; i < 12; i++)
        t->months[i] = tr(c, lang, months[i]);
}

/* The Overview's results per day: the last CHART_DAYS days, or the days
 * from= to= (YYYY-MM-DD, at most REPORTS_DAYS_MAX of them; a range that
 * is not valid is said so in place of the chart), each bar a link to the
 * Results of that day (in the district, when one); and the form of the
 * range. */
static void overview_chart(console *c, struct MHD_Connection *conn, html_buf *b, const who *w,
                           const char *district, int64_t now)
{
    int lang = w->lang;
    if (!reports_ready(c->rep))
        return;
    static __thread chart_day days[REPORTS_DAYS_MAX];
    static __thread int64_t bounds[REPORTS_DAYS_MAX + 1], counts[REPORTS_DAYS_MAX];
    const char *from_s = arg(conn, "from"), *to_s = arg(conn, "to");
    int64_t from = 0, to = 0;
    int n = CHART_DAYS;
    bool bad = false;
    if (from_s || to_s) {
        bad = !from_s || !to_s || !parse_day(from_s, 0, &from) || !parse_day(to_s, 1, &to) ||
              to <= from;
        if (!bad) {
            days_from(from, REPORTS_DAYS_MAX, days, bounds);
            for (n = 1; n < REPORTS_DAYS_MAX && bounds[n] < to; n++)
                ;
            bad = bounds[n] < to;
        }
    } else {
        days_from(now - (int64_t)(CHART_DAYS - 1) * 86400, CHART_DAYS, days, bounds);
    }
    reports_filter f = {.district = district, .passed = -1};
    sq_err e;
    if (!bad && reports_per_day(c->rep, &f, bounds, n, counts, &e)) {
        logf_("%s", e.msg);
        return;
    }
    chart_text t;
    chart_words(c, lang, &t);
    html_lit(b, "<link rel=\"stylesheet\" href=\"/report.css\"><section id=\"per-day\"><h2>");
    html_text(b, t.title);
    html_lit(b, "</h2>");
    if (bad) {
        html_lit(b, "<p class=\"msg bad\" id=\"chart-bad\">");
        html_text(b, tr(c, lang, "error.bad_filter"));
        html_lit(b, "</p>");
    } else {
        for (int i = 0; i < n; i++)
            days[i].n = counts[i];
        html_buf lb;
        html_init(&lb, 2048);
        html_lit(&lb, "/results?");
        if (district) {
            html_lit(&lb, "district=");
            html_url(&lb, district);
            html_lit(&lb, "&amp;");
        }
        chart_days(b, "days", days, n, &t, lb.failed ? NULL : lb.p);
        html_free(&lb);
    }
    html_lit(b, "<form class=\"filters\" method=\"get\" action=\"/overview\">");
    if (district && w->u.role != ACCOUNTS_DISTRICT) {
        html_lit(b, "<input type=\"hidden\" name=\"district\" value=\"");
        html_text(b, district);
        html_lit(b, "\">");
    }
    filter_input(c, b, lang, "filter.from", "from", "date", from_s);
    filter_input(c, b, lang, "filter.to", "to", "date", to_s);
    html_lit(b, "<div class=\"actions\"><button type=\"submit\">");
    html_text(b, tr(c, lang, "filter.show"));
    html_lit(b, "</button></div></form></section>");
}

/* /report?exam=&version=[&district=]: the printable report. Its chart of
 * days spans the version's attempts (their last REPORT_DAYS_MAX days). */
static enum MHD_Result report_page(console *c, struct MHD_Connection *conn, const who *w,
                                   int64_t now)
{
    int lang = w->lang;
    const char *exam, *district;
    int64_t version;
    unsigned bad = items_args(conn, w, &exam, &version, &district);
    if (bad)
        return error_page(c, conn, bad, lang, w,
                          bad == 400 ? "error.bad_filter" : "error.forbidden");
    reports_filter f = {.exam = exam, .version = version, .district = district, .passed = -1};
    int64_t attempts = 0, passed = 0, bins[10], first = 0, last = 0;
    sq_err e;
    if (reports_count(c->rep, &f, &attempts, &e) ||
        reports_percent_bins(c->rep, &f, bins, &passed, &e) ||
        reports_finished_span(c->rep, &f, &first, &last, &e)) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    if (attempts == 0 || last <= 0)
        first = last = now;
    /* A week at least, so that one day is not one wide bar. */
    if (last - first < 6 * 86400)
        first = last - 6 * 86400;
    if (last - first > (int64_t)(REPORT_DAYS_MAX - 1) * 86400)
        first = last - (int64_t)(REPORT_DAYS_MAX - 1) * 86400;
    chart_day days[REPORT_DAYS_MAX];
    int64_t bounds[REPORT_DAYS_MAX + 1], counts[REPORT_DAYS_MAX];
    int n_days = 1;
    days_from(first, REPORT_DAYS_MAX, days, bounds);
    while (n_days < REPORT_DAYS_MAX && bounds[n_days] <= last)
        n_days++;
    if (reports_per_day(c->rep, &f, bounds, n_days, counts, &e)) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    for (int i = 0; i < n_days; i++)
        days[i].n = counts[i];
    reports_grid *g = NULL;
    itemstats *st = NULL;
    const char *note = NULL;
    if (!items_load(c, exam, version, district, &g, &st, &note))
        return error_page(c, conn, 500, lang, w, "error.server");
    char made[64], v[32];
    fmt_time(now, made, sizeof made);
    snprintf(v, sizeof v, "%lld", (long long)version);
    print_input in = {.exam = exam,
                      .version = version,
                      .district = district,
                      .attempts = attempts,
                      .passed = passed,
                      .bins = bins,
                      .days = days,
                      .n_days = n_days,
                      .st = st,
                      .item_ids = g ? (const char(*)[129])g->item_ids : NULL,
                      .note_key = note,
                      .made = made};
    html_buf b, hb;
    html_init(&b, PAGE_MAX);
    version_here(&hb, "/report", exam, v, district, w);
    page_start(c, &b, lang, tr(c, lang, "report.heading"), w,
               hb.failed || !hb.p ? "/results" : hb.p);
    html_free(&hb);
    tr_ctx tc = {c, lang};
    print_report(&b, &in, tr_of, &tc);
    items_done(g, st);
    page_end(c, &b, lang, now);
    return respond_page(conn, 200, &b, NULL);
}

/* Links to the exports and the report of an exam version (items page). */
static void items_links(const console *c, html_buf *b, int lang, const who *w, const char *exam,
                        int64_t version, const char *district)
{
    static const char *const paths[] = {"/report", "/export/items", "/export/distractors"};
    static const char *const keys[] = {"report.link", "export.items", "export.distractors"};
    static const char *const ids[] = {"report-link", "export-items", "export-distractors"};
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    html_lit(b, "<p class=\"exports\">");
    for (int i = 0; i < 3; i++) {
        html_lit(b, i ? " · <a id=\"" : "<a id=\"");
        html_lit(b, ids[i]);
        html_lit(b, "\" href=\"");
        html_lit(b, paths[i]);
        html_lit(b, "?exam=");
        html_url(b, exam);
        html_lit(b, "&amp;version=");
        html_text(b, v);
        if (district && w->u.role != ACCOUNTS_DISTRICT) {
            html_lit(b, "&amp;district=");
            html_url(b, district);
        }
        html_lit(b, "\">");
        html_text(b, tr(c, lang, keys[i]));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p>");
}

/* ---- accounts (admin only) ---- */

typedef struct {
    const console *c;
    html_buf *b;
    const who *w;
} users_ctx;

static int user_row(void *ctx, const accounts_user *u)
{
    users_ctx *x = ctx;
    const console *c = x->c;
    html_buf *b = x->b;
    int lang = x->w->lang;
    char t[64];
    html_lit(b, "<tr><td data-label=\"");
    html_text(b, tr(c, lang, "login.user"));
    html_lit(b, "\">");
    html_text(b, u->name);
    html_lit(b, "</td><td data-label=\"");
    html_text(b, tr(c, lang, "users.role"));
    html_lit(b, "\">");
    html_text(b, tr(c, lang,
                    u->role == ACCOUNTS_ADMIN   ? "role.admin"
                    : u->role == ACCOUNTS_STAFF ? "role.staff"
                                                : "users.role_district"));
    html_lit(b, "</td><td data-label=\"");
    html_text(b, tr(c, lang, "fleet.district"));
    html_lit(b, "\">");
    html_text(b, u->district);
    html_lit(b, "</td><td data-label=\"");
    html_text(b, tr(c, lang, "fleet.state"));
    html_lit(b, u->disabled ? "\"><span class=\"bad\">" : "\"><span>");
    html_text(b, tr(c, lang, u->disabled ? "users.disabled" : "users.active"));
    html_lit(b, "</span></td><td data-label=\"");
    html_text(b, tr(c, lang, "users.changed"));
    html_lit(b, "\">");
    fmt_time(u->changed_wall_s, t, sizeof t);
    html_text(b, t);
    html_lit(b, "</td><td>");
    if (strcmp(u->name, x->w->u.name) != 0) {
        /* A form per account: its own CSRF token, the account and what to do. */
        html_lit(b, "<form method=\"post\" action=\"/users/state\">"
                    "<input type=\"hidden\" name=\"csrf\" value=\"");
        html_text(b, x->w->csrf);
        html_lit(b, "\"><input type=\"hidden\" name=\"user\" value=\"");
        html_text(b, u->name);
        html_lit(b, "\"><input type=\"hidden\" name=\"do\" value=\"");
        html_text(b, u->disabled ? "enable" : "disable");
        html_lit(b, "\"><button class=\"quiet\" type=\"submit\">");
        html_text(b, tr(c, lang, u->disabled ? "users.enable" : "users.disable"));
        html_lit(b, "</button></form>");
    }
    html_lit(b, "</td></tr>");
    return 0;
}

static enum MHD_Result users_page(console *c, struct MHD_Connection *conn, const who *w,
                                  int64_t now, unsigned status, const char *msg_key,
                                  const char *msg_user)
{
    int lang = w->lang;
    if (w->u.role != ACCOUNTS_ADMIN) {
        logf_("%s (%s) refused the accounts page", w->u.name, accounts_role_name(w->u.role));
        return error_page(c, conn, 403, lang, w, "error.forbidden");
    }
    if (!msg_key) {
        const char *done = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "done");
        const char *who_ = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "user");
        if (done && who_ && accounts_name_valid(who_) &&
            (!strcmp(done, "disable") || !strcmp(done, "enable"))) {
            msg_key = !strcmp(done, "disable") ? "users.done_disable" : "users.done_enable";
            msg_user = who_;
        }
    }
    html_buf b;
    html_init(&b, PAGE_MAX);
    page_start(c, &b, lang, tr(c, lang, "users.title"), w, "/users");
    html_lit(&b, "<h1>");
    html_text(&b, tr(c, lang, "users.title"));
    html_lit(&b, "</h1><p class=\"scope\">");
    html_text(&b, tr(c, lang, "users.cli"));
    html_lit(&b, "</p>");
    if (msg_key) {
        html_lit(&b, status == 200 ? "<p class=\"msg\" id=\"msg\">"
                                   : "<p class=\"msg bad\" id=\"msg\">");
        html_tr(&b, tr(c, lang, msg_key), "user", msg_user ? msg_user : "", (const char *)NULL);
        html_lit(&b, "</p>");
    }
    html_lit(&b, "<table id=\"users\"><thead><tr>");
    static const char *const heads[] = {"login.user", "users.role", "fleet.district", "fleet.state",
                                        "users.changed"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        html_lit(&b, "<th>");
        html_text(&b, tr(c, lang, heads[i]));
        html_lit(&b, "</th>");
    }
    html_lit(&b, "<th></th></tr></thead><tbody>");
    users_ctx x = {c, &b, w};
    sq_err e;
    if (accounts_user_each(c->acc, user_row, &x, &e)) {
        logf_("%s", e.msg);
        html_free(&b);
        return error_page(c, conn, 500, lang, w, "error.server");
    }
    html_lit(&b, "</tbody></table>");
    page_end(c, &b, lang, now);
    return respond_page(conn, status, &b, NULL);
}

/* POST /users/state: an admin disables or enables another account. */
static enum MHD_Result do_user_state(console *c, struct MHD_Connection *conn, const request *rq,
                                     const who *w, int64_t now)
{
    char csrf[80] = "", name[ACCOUNTS_NAME_MAX + 2] = "", what[16] = "";
    if (w->u.role != ACCOUNTS_ADMIN) {
        logf_("%s (%s) refused changing an account", w->u.name, accounts_role_name(w->u.role));
        return error_page(c, conn, 403, w->lang, w, "error.forbidden");
    }
    if (rq->too_big || !form_get(rq->body, "csrf", csrf, sizeof csrf) || !same_token(csrf, w->csrf))
        return error_page(c, conn, 403, w->lang, w, "error.csrf");
    if (!form_get(rq->body, "user", name, sizeof name) || !accounts_name_valid(name) ||
        !form_get(rq->body, "do", what, sizeof what) ||
        (strcmp(what, "disable") != 0 && strcmp(what, "enable") != 0))
        return error_page(c, conn, 400, w->lang, w, "error.not_found");
    if (!strcmp(name, w->u.name))
        return users_page(c, conn, w, now, 400, "users.self", name);
    bool dis = !strcmp(what, "disable");
    char actor[ACCOUNTS_NAME_MAX + 8], detail[ACCOUNTS_NAME_MAX + 16];
    snprintf(actor, sizeof actor, "web:%s", w->u.name);
    snprintf(detail, sizeof detail, "user %s", name);
    accounts_audit why = {now, actor, what, "ok", detail};
    sq_err e;
    sq_status st = accounts_user_set_disabled(c->acc, name, dis, &why, &e);
    if (st == SQ_ENOTFOUND)
        return error_page(c, conn, 404, w->lang, w, "error.not_found");
    if (st) {
        logf_("%s", e.msg);
        return error_page(c, conn, 500, w->lang, w, "error.server");
    }
    logf_("%s %sd account %s", w->u.name, what, name);
    char to[160];
    snprintf(to, sizeof to, "/users?done=%s&user=%s", what, name);
    return redirect(conn, to, NULL, NULL);
}

/* ---- publishing content (publish.c; staff and admins) ---- */

static const char *publish_tr(const void *ctx, const char *key)
{
    const who *w = ((const void *const *)ctx)[1];
    return tr(((const void *const *)ctx)[0], w->lang, key);
}

/* The Publish page (or an upload's check when id), with a message. */
static enum MHD_Result publish_page_out(console *c, struct MHD_Connection *conn, const who *w,
                                        int64_t now, unsigned status, const char *id,
                                        const char *msg_key, const char *msg_name)
{
    int lang = w->lang;
    const void *ctx[2] = {c, w};
    publish_page p = {publish_tr, ctx, w->csrf, c->home, c->bundles, c->st, now};
    publish_source *src = NULL;
    size_t n = 0, errors = 0;
    sq_err e;
    if (id) {
        sq_status st = publish_check(c->home, id, &src, &n, &errors, &e);
        if (st == SQ_ENOTFOUND)
            return error_page(c, conn, 404, lang, w, "error.not_found");
        if (st) {
            logf_("%s", e.msg);
            return error_page(c, conn, 500, lang, w, "error.server");
        }
    }
    char here[64];
    snprintf(here, sizeof here, id ? "/publish/source/%s" : "/publish", id ? id : "");
    html_buf b;
    html_init(&b, PAGE_MAX);
    page_start(c, &b, lang, tr(c, lang, "publish.title"), w, here);
    if (msg_key) {
        html_lit(&b, status < 300 ? "<p class=\"msg\" id=\"msg\">" : "<p class=\"msg bad\" id=\"msg\">");
        html_tr(&b, tr(c, lang, msg_key), "name", msg_name ? msg_name : "", (const char *)NULL);
        html_lit(&b, "</p>");
    }
    if (id)
        publish_html_source(&b, &p, id, src, n, errors);
    else
        publish_html_main(&b, &p);
    free(src);
    page_end(c, &b, lang, now);
    return respond_page(conn, status, &b, NULL);
}

/* The first call of POST /publish/upload, before its body: who it is,
 * their role, the size said, the form's type. A refusal is answered at
 * the end of the body, which is read and dropped. */
static void publish_upload_start(console *c, struct MHD_Connection *conn, request *rq)
{
    int64_t now = now_s(c);
    who w;
    if (!authenticate(c, conn, now, -1, &w)) {
        rq->up_refused = 403;
        return;
    }
    if (w.u.role == ACCOUNTS_DISTRICT) {
        rq->up_refused = 401; /* told apart at the end: 403 forbidden */
        return;
    }
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > PUBLISH_UPLOAD_MAX + 65536ull) {
        rq->up_refused = 413;
        return;
    }
    bool busy = false;
    rq->up = publish_upload_new(conn, w.csrf, &busy);
    if (!rq->up)
        rq->up_refused = busy ? 503 : 400;
}

static enum MHD_Result do_publish_upload(console *c, struct MHD_Connection *conn, request *rq,
                                         const who *w, int64_t now)
{
    publish_err why = {0};
    const char *name = NULL;
    const uint8_t *data = NULL;
    size_t len = 0;
    unsigned st = rq->up_refused;
    if (st == 401) {
        logf_("%s (%s) refused publishing", w->u.name, accounts_role_name(w->u.role));
        (void)audit(c, now, w->u.name, "publish-upload", "refused", "role district");
        return error_page(c, conn, 403, w->lang, w, "error.forbidden");
    }
    if (st == 403 || st == 413 || st == 400 || st == 503) {
        snprintf(why.key, sizeof why.key, "%s",
                 st == 403   ? "error.csrf"
                 : st == 413 ? "publish.too_big"
                 : st == 503 ? "publish.busy"
                             : "publish.no_file");
        snprintf(why.detail, sizeof why.detail, "%s",
                 st == 403   ? "no session"
                 : st == 413 ? "larger than the limit"
                 : st == 503 ? "other uploads are being taken in"
                             : "not a form");
    } else {
        st = publish_upload_end(rq->up, &name, &data, &len, &why);
    }
    char id[PUBLISH_ID_HEX + 1] = "", detail[1200];
    if (!st)
        st = (unsigned)publish_stage(c->home, name, data, len, id, &why);
    if (st) {
        snprintf(detail, sizeof detail, "%s%s%s", name ? name : "", name ? ": " : "", why.detail);
        (void)audit(c, now, w->u.name, "publish-upload", "refused", detail);
        logf_("%s: upload refused: %s", w->u.name, detail);
        if (st == 403 && !strcmp(why.key, "error.csrf"))
            return error_page(c, conn, 403, w->lang, w, "error.csrf");
        char mib[16];
        snprintf(mib, sizeof mib, "%u", PUBLISH_UPLOAD_MAX >> 20);
        return publish_page_out(c, conn, w, now, st, NULL, why.key,
                                !strcmp(why.key, "publish.too_big") ? mib : why.name);
    }
    publish_source *src = NULL;
    size_t n = 0, errors = 0;
    sq_err e;
    if (publish_check(c->home, id, &src, &n, &errors, &e) == SQ_OK) {
        snprintf(detail, sizeof detail, "upload %s: %s, %zu bytes", id, name, len);
        if (!audit(c, now, w->u.name, "publish-upload", "ok", detail)) {
            free(src);
            return error_page(c, conn, 500, w->lang, w, "error.server");
        }
        size_t o = (size_t)snprintf(detail, sizeof detail, "upload %s:", id);
        for (size_t i = 0; i < n && o < sizeof detail; i++)
            o += (size_t)snprintf(detail + o, sizeof detail - o, " %s", src[i].ok ? src[i].exam : src[i].error);
        (void)audit(c, now, w->u.name, "publish-check", errors ? "errors" : "ok", detail);
    }
    free(src);
    char to[80];
    snprintf(to, sizeof to, "/publish/source/%s", id);
    return redirect(conn, to, NULL, NULL);
}

/* Every value of name in a form body, decoded (at most max of them). */
static size_t form_all(const char *body, const char *name, char (*out)[96], size_t max)
{
    size_t n = 0;
    char part[256];
    for (const char *p = body; p && *p && n < max;) {
        const char *end = strchr(p, '&');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        if (l < sizeof part) {
            memcpy(part, p, l);
            part[l] = 0;
            if (form_get(part, name, out[n], sizeof out[n]))
                n++;
        }
        p = end ? end + 1 : NULL;
    }
    return n;
}

#define PUBLISH_PICKED_MAX 400 /* stations ticked in one form (BODY_MAX) */

static enum MHD_Result do_publish_build(console *c, struct MHD_Connection *conn,
                                        const request *rq, const who *w, int64_t now)
{
    char csrf[80] = "", id[80] = "", district[300] = "", detail[1200];
    if (rq->too_big || !form_get(rq->body, "csrf", csrf, sizeof csrf) || !same_token(csrf, w->csrf))
        return error_page(c, conn, 403, w->lang, w, "error.csrf");
    if (!form_get(rq->body, "id", id, sizeof id) || !publish_id_valid(id))
        return error_page(c, conn, 404, w->lang, w, "error.not_found");
    (void)form_get(rq->body, "district", district, sizeof district);
    char **ids = NULL;
    size_t n = 0;
    char (*picked)[96] = NULL;
    sq_err e;
    if (district[0]) {
        if (publish_district_stations(c->st, district, now, &ids, &n, &e)) {
            logf_("%s", e.msg);
            return error_page(c, conn, 500, w->lang, w, "error.server");
        }
    } else {
        picked = calloc(PUBLISH_PICKED_MAX, sizeof *picked);
        if (!picked)
            return error_page(c, conn, 500, w->lang, w, "error.server");
        n = form_all(rq->body, "station", picked, PUBLISH_PICKED_MAX);
        /* Only enrolled stations that are not revoked, as for a district. */
        stats_when sw = when_of(c, now);
        for (size_t i = 0; i < n; i++) {
            stats_station one;
            sq_status gs = stats_station_get(c->st, picked[i], &sw, &one, &e);
            if (gs == SQ_OK && !one.revoked)
                continue;
            if (gs != SQ_OK && gs != SQ_ENOTFOUND) {
                logf_("%s", e.msg);
                free(picked);
                return error_page(c, conn, 500, w->lang, w, "error.server");
            }
            snprintf(detail, sizeof detail, "upload %s: station %s %s", id, picked[i],
                     gs == SQ_OK ? "is revoked" : "is not enrolled");
            (void)audit(c, now, w->u.name, "publish-build", "refused", detail);
            char one_id[96];
            snprintf(one_id, sizeof one_id, "%s", picked[i]);
            free(picked);
            return publish_page_out(c, conn, w, now, 400, id, "publish.not_enrolled", one_id);
        }
    }
    const char **list = calloc(n ? n : 1, sizeof *list);
    publish_err why = {0};
    char name[PUBLISH_BUNDLE_NAME_MAX + 1] = "";
    int st = 500;
    if (list) {
        for (size_t i = 0; i < n; i++)
            list[i] = ids ? ids[i] : picked[i];
        st = publish_build(c->home, c->bundles, id, list, n, district[0] ? district : NULL,
                           w->u.name, now, name, &why);
    } else {
        snprintf(why.key, sizeof why.key, "error.server");
        snprintf(why.detail, sizeof why.detail, "out of memory");
    }
    if (st) {
        snprintf(detail, sizeof detail, "upload %s for %zu station(s)%s%s: %s", id, n,
                 district[0] ? " of district " : "", district, why.detail);
        (void)audit(c, now, w->u.name, "publish-build", "refused", detail);
        logf_("%s: build refused: %s", w->u.name, detail);
    } else {
        snprintf(detail, sizeof detail, "bundle %s of upload %s for %zu station(s)%s%s", name,
                 id, n, district[0] ? " of district " : "", district);
        if (!audit(c, now, w->u.name, "publish-build", "ok", detail))
            st = 500, snprintf(why.key, sizeof why.key, "error.server");
        else
            logf_("%s: %s", w->u.name, detail);
    }
    free(list);
    free(picked);
    publish_ids_free(ids, ids ? n : 0);
    if (st == 404 || (st == 500 && !strcmp(why.key, "error.server")))
        return error_page(c, conn, (unsigned)st, w->lang, w, st == 404 ? "error.not_found" : "error.server");
    if (st)
        return publish_page_out(c, conn, w, now, (unsigned)st, id, why.key, why.name);
    char to[200];
    snprintf(to, sizeof to, "/publish?built=%s", name);
    return redirect(conn, to, NULL, NULL);
}

/* GET /publish/download/NAME.sqb: a built bundle, for a stick. */
static enum MHD_Result publish_download(console *c, struct MHD_Connection *conn, const who *w,
                                        int64_t now, const char *name)
{
    if (!publish_bundle_name_valid(name))
        return error_page(c, conn, 404, w->lang, w, "error.not_found");
    char path[4400], disp[PUBLISH_BUNDLE_NAME_MAX + 64], detail[300];
    snprintf(path, sizeof path, "%s/publish/bundles/%s", c->home, name);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat stt;
    if (fd < 0 || fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
        if (fd >= 0)
            close(fd);
        return error_page(c, conn, 404, w->lang, w, "error.not_found");
    }
    snprintf(detail, sizeof detail, "bundle %s", name);
    if (!audit(c, now, w->u.name, "publish-download", "ok", detail)) {
        close(fd);
        return error_page(c, conn, 500, w->lang, w, "error.server");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)stt.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    common_headers(r, "application/octet-stream");
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    MHD_add_response_header(r, "Content-Disposition", disp);
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result publish_route(console *c, struct MHD_Connection *conn, request *rq,
                                     const who *w, int64_t now, const char *url, bool post)
{
    if (w->u.role == ACCOUNTS_DISTRICT) {
        logf_("%s (%s) refused %s", w->u.name, accounts_role_name(w->u.role), url);
        if (post && !strcmp(url, "/publish/upload"))
            return do_publish_upload(c, conn, rq, w, now);
        return error_page(c, conn, 403, w->lang, w, "error.forbidden");
    }
    if (!strcmp(url, "/publish/upload"))
        return post ? do_publish_upload(c, conn, rq, w, now)
                    : error_page(c, conn, 405, w->lang, w, "error.not_found");
    if (!strcmp(url, "/publish/build"))
        return post ? do_publish_build(c, conn, rq, w, now)
                    : error_page(c, conn, 405, w->lang, w, "error.not_found");
    if (post)
        return error_page(c, conn, 405, w->lang, w, "error.not_found");
    if (!strcmp(url, "/publish")) {
        const char *built = arg(conn, "built");
        if (built && publish_bundle_name_valid(built))
            return publish_page_out(c, conn, w, now, 200, NULL, "publish.built", built);
        return publish_page_out(c, conn, w, now, 200, NULL, NULL, NULL);
    }
    if (!strncmp(url, "/publish/source/", 16)) {
        if (!publish_id_valid(url + 16))
            return error_page(c, conn, 404, w->lang, w, "error.not_found");
        return publish_page_out(c, conn, w, now, 200, url + 16, NULL, NULL);
    }
    if (!strncmp(url, "/publish/download/", 18))
        return publish_download(c, conn, w, now, url + 18);
    return error_page(c, conn, 404, w->lang, w, "error.not_found");
}

/* ---- the request handler ---- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    console *c = cls;
    request *rq = *con_cls;
    bool post = strcmp(method, "POST") == 0;
    if (!rq) {
        if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return respond(conn, 405, "text/plain; charset=utf-8", "method not allowed\n", 19,
                           (const char *const[]){"Allow", "GET, HEAD, POST", NULL});
        /* A form is small: a body said to be larger is refused before it
         * is read. */
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        bool upload = post && !strcmp(url, "/publish/upload");
        if (post && !upload && cl && strtoull(cl, NULL, 10) > BODY_MAX)
            return respond(conn, 413, "text/plain; charset=utf-8", "form too large\n", 15, NULL);
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        if (upload)
            publish_upload_start(c, conn, rq);
        return MHD_YES;
    }
    if (*upload_data_size && (rq->up || rq->up_refused)) {
        if (rq->up)
            publish_upload_feed(rq->up, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* A form is small; a larger body is read to its end and refused. */
        if (rq->len + *upload_data_size > BODY_MAX)
            rq->too_big = true;
        else {
            memcpy(rq->body + rq->len, upload_data, *upload_data_size);
            rq->len += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    rq->body[rq->len] = 0;

    int64_t now = now_s(c);
    int lang_asked = lang_parse(MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "lang"));
    int lang = lang_asked >= 0 ? lang_asked
                               : lang_accept(MHD_lookup_connection_value(
                                     conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));

    if (!strcmp(url, "/style.css") && !post)
        return respond(conn, 200, "text/css; charset=utf-8", css, sizeof css - 1, NULL);
    if (!strcmp(url, "/report.css") && !post)
        return respond(conn, 200, "text/css; charset=utf-8", print_css, print_css_len, NULL);
    if (!strcmp(url, "/login")) {
        who w;
        if (post)
            return do_login(c, conn, rq, now, lang);
        if (authenticate(c, conn, now, lang_asked, &w))
            return redirect(conn, "/overview", NULL, NULL);
        const char *bye = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "bye");
        const char *ended = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "ended");
        return login_page(c, conn, 200, lang,
                          bye     ? "login.logged_out"
                          : ended ? "login.expired"
                                  : NULL,
                          NULL, NULL);
    }

    bool known_page = !strcmp(url, "/") || !strcmp(url, "/overview") || !strcmp(url, "/logout") ||
                      !strcmp(url, "/users") || !strcmp(url, "/users/state") ||
                      !strncmp(url, "/station/", 9) || !strcmp(url, "/results") ||
                      !strncmp(url, "/trainee/", 9) || !strncmp(url, "/attempt/", 9) ||
                      !strcmp(url, "/items") || !strcmp(url, "/fleet") ||
                      !strcmp(url, "/report") || !strncmp(url, "/export/", 8) ||
                      !strcmp(url, "/publish") || !strncmp(url, "/publish/", 9);
    if (!known_page)
        return error_page(c, conn, 404, lang, NULL, "error.not_found");
    who w;
    if (!authenticate(c, conn, now, lang_asked, &w)) {
        if (post)
            return error_page(c, conn, 403, lang, NULL, "error.csrf");
        /* An ended session's cookie is cleared on the way to the login. */
        char to[64];
        snprintf(to, sizeof to, "/login?ended=1&lang=%s", lang_codes[lang]);
        bool had = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE_SESSION) != NULL;
        return redirect(
            conn, had ? to : "/login",
            had ? COOKIE_SESSION "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0" : NULL,
            NULL);
    }
    if (!strcmp(url, "/logout"))
        return post ? do_logout(c, conn, rq, &w, now)
                    : error_page(c, conn, 405, w.lang, &w, "error.not_found");
    if (!strcmp(url, "/users/state"))
        return post ? do_user_state(c, conn, rq, &w, now)
                    : error_page(c, conn, 405, w.lang, &w, "error.not_found");
    if (!strncmp(url, "/publish", 8))
        return publish_route(c, conn, rq, &w, now, url, post);
    if (post)
        return error_page(c, conn, 405, w.lang, &w, "error.not_found");
    if (!strcmp(url, "/users"))
        return users_page(c, conn, &w, now, 200, NULL, NULL);
    if (!strcmp(url, "/"))
        return redirect(conn, "/overview", NULL, NULL);
    if (!strcmp(url, "/overview"))
        return overview_page(c, conn, &w, now);
    if (!strcmp(url, "/results"))
        return results_page(c, conn, &w, now);
    if (!strcmp(url, "/items"))
        return items_page(c, conn, &w, now);
    if (!strcmp(url, "/fleet"))
        return fleet_page(c, conn, &w, now);
    if (!strncmp(url, "/trainee/", 9))
        return trainee_page(c, conn, &w, now, url + 9);
    if (!strcmp(url, "/report"))
        return report_page(c, conn, &w, now);
    if (!strcmp(url, "/export/results"))
        return export_results(c, conn, &w, now);
    if (!strcmp(url, "/export/fleet"))
        return export_fleet(c, conn, &w, now);
    if (!strcmp(url, "/export/items") || !strcmp(url, "/export/distractors"))
        return export_items_csv(c, conn, &w, now, url[8] == 'd');
    if (!strncmp(url, "/export/trainee/", 16))
        return export_trainee(c, conn, &w, now, url + 16);
    if (!strncmp(url, "/export/", 8))
        return error_page(c, conn, 404, w.lang, &w, "error.not_found");
    if (!strncmp(url, "/attempt/", 9))
        return attempt_page(c, conn, &w, now, url + 9);
    return station_page(c, conn, &w, now, url + 9);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    request *rq = *con_cls;
    if (rq) {
        sodium_memzero(rq->body, sizeof rq->body); /* a password passed through */
        publish_upload_free(rq->up);
    }
    free(rq);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = 0;
    logf_("%s", line);
}

/* ---- start, stop ---- */

static int resolve_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
                          bool *loopback)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host)
        return -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = 0;
    if (host[0] == '[') {
        size_t hl = strlen(host);
        if (hl < 3 || host[hl - 1] != ']')
            return -1;
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || !ai)
        return -1;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    if (ss->ss_family == AF_INET)
        *loopback = ntohl(((struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24 == 127;
    else
        *loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ss)->sin6_addr);
    return 0;
}

/* How many connections the console holds at once. Slow clients (headers
 * a byte a second, which libmicrohttpd's idle timeout never ends) take a
 * slot each: 64 from one address at most, and room for 1000 in all, so
 * that 500 of them from a handful of addresses leave room for staff
 * (tests/console/slow.sh). Each slot is a file descriptor: the soft
 * limit is raised towards the hard one, and the slots cut to fit when it
 * cannot be. */
#define CONN_WANTED 1000u
#define CONN_SPARE_FDS 64u

static unsigned connection_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 256u;
    rlim_t want = CONN_WANTED + CONN_SPARE_FDS;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
            return 256u;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return CONN_WANTED;
    unsigned n = rl.rlim_cur > 2 * CONN_SPARE_FDS ? (unsigned)(rl.rlim_cur - CONN_SPARE_FDS) : 64u;
    fprintf(stderr,
            "synaq-central console: only %u connections at once (open files limited to %llu)\n",
            n, (unsigned long long)rl.rlim_cur);
    return n;
}

static int count_user(void *ctx, const accounts_user *u)
{
    (void)u;
    (*(int64_t *)ctx)++;
    return 0;
}

int console_command(const char *home, const char *store, int argc, char **argv)
{
    static const struct option lo[] = {
        {"listen", 1, 0, 'l'},        {"tls-cert", 1, 0, 'c'}, {"tls-key", 1, 0, 'k'},
        {"insecure-http", 0, 0, 'I'}, {"assets", 1, 0, 'a'},   {"silent-days", 1, 0, 's'},
        {"clock-file", 1, 0, 'C'},    {"reports", 1, 0, 'r'},  {"bundles", 1, 0, 'b'},
        {0, 0, 0, 0}};
    config cfg = {"127.0.0.1:8090", NULL, NULL, SYNAQ_ASSETS_DIR, NULL, NULL, false, NULL, 7};
    int ch;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'l':
            cfg.listen = optarg;
            break;
        case 'c':
            cfg.tls_cert = optarg;
            break;
        case 'k':
            cfg.tls_key = optarg;
            break;
        case 'I':
            cfg.insecure = true;
            break;
        case 'a':
            cfg.assets = optarg;
            break;
        case 'C':
            cfg.clock_file = optarg;
            break;
        case 'r':
            cfg.reports = optarg;
            break;
        case 'b':
            cfg.bundles = optarg;
            break;
        case 's':
            cfg.silent_days = atoi(optarg);
            if (cfg.silent_days < 1 || cfg.silent_days > 3650)
                goto usage;
            break;
        default:
            goto usage;
        }
    }
    if (optind != argc || !cfg.tls_cert != !cfg.tls_key)
        goto usage;

    struct sockaddr_storage ss;
    socklen_t ss_len;
    bool loopback = false;
    if (resolve_listen(cfg.listen, &ss, &ss_len, &loopback)) {
        fprintf(stderr, "synaq-central console: cannot listen on '%s': give HOST:PORT\n",
                cfg.listen);
        return 2;
    }
    if (!cfg.tls_cert && !loopback && !cfg.insecure) {
        fprintf(stderr,
                "synaq-central console: refusing plain HTTP on %s: passwords and session "
                "cookies would cross the network in the clear. Give --tls-cert and --tls-key, "
                "listen on 127.0.0.1, or put a TLS proxy in front and say --insecure-http\n",
                cfg.listen);
        return 2;
    }

    console *c = calloc(1, sizeof *c);
    struct MHD_Daemon *d = NULL;
    char *cert = NULL, *key = NULL;
    size_t cert_len = 0, key_len = 0;
    char path[4200], key_path[4200];
    sq_err e;
    int rc = 1;
    if (!c)
        return 1;
    c->cfg = cfg;
    c->tls = cfg.tls_cert != NULL;
    pthread_mutex_init(&c->mu, NULL);
    sem_init(&c->pw_slots, 0, PASSWORD_VERIFY_AT_ONCE);
    c->by_user = throttle_new(1024, USER_FREE_FAILS);
    c->by_addr = throttle_new(4096, ADDR_FREE_FAILS);
    if (!c->by_user || !c->by_addr) {
        fprintf(stderr, "synaq-central console: out of memory\n");
        goto out;
    }
    for (int l = 0; l < NLANG; l++) {
        json_error_t je;
        snprintf(path, sizeof path, "%s/i18n/console/%s.json", cfg.assets, lang_codes[l]);
        c->cat[l] = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(c->cat[l])) {
            fprintf(stderr, "synaq-central console: message catalogue %s: %s (line %d)\n", path,
                    c->cat[l] ? "not an object" : je.text, je.line);
            goto out;
        }
    }
    /* On PostgreSQL the accounts are in central's database (accounts.h). */
    snprintf(path, sizeof path, "%s/console.db", home);
    if (cstore_is_url(store))
        snprintf(path, sizeof path, "%s", store);
    snprintf(key_path, sizeof key_path, "%s/console.key", home);
    if (!cstore_is_url(store) && access(path, F_OK) != 0) {
        fprintf(stderr, "synaq-central console: no accounts yet; add the first with\n"
                        "  synaq-central user add NAME --role admin\n");
        goto out;
    }
    char reports_path[4200];
    snprintf(reports_path, sizeof reports_path, "%s", cfg.reports ? cfg.reports : "");
    if (!cfg.reports)
        snprintf(reports_path, sizeof reports_path, "%s/reports.db", home);
    c->home = home;
    snprintf(c->bundles, sizeof c->bundles, "%s", cfg.bundles ? cfg.bundles : "");
    if (!cfg.bundles)
        snprintf(c->bundles, sizeof c->bundles, "%s/bundles", home);
    if (accounts_open(path, key_path, false, &c->acc, &e) || stats_open(home, store, &c->st, &e) ||
        reports_open(reports_path, &c->rep, &e)) {
        fprintf(stderr, "synaq-central console: %s\n", e.msg);
        goto out;
    }
    int64_t lines = 0, first_bad = 0, n_users = 0;
    /* On PostgreSQL, as for a missing console.db: no one could log in. */
    if (cstore_is_url(store) && accounts_user_each(c->acc, count_user, &n_users, &e)) {
        fprintf(stderr, "synaq-central console: %s\n", e.msg);
        goto out;
    }
    if (cstore_is_url(store) && n_users == 0) {
        fprintf(stderr, "synaq-central console: no accounts yet; add the first with\n"
                        "  synaq-central --db URL user add NAME --role admin\n");
        goto out;
    }
    if (accounts_audit_check(c->acc, &lines, &first_bad, &e))
        fprintf(stderr,
                "synaq-central console: WARNING: %s (the console starts; see "
                "`synaq-central user audit`)\n",
                e.msg);
    /* A hash to check unknown names against: the same work as a real one. */
    uint8_t junk[16];
    char junk_hex[33];
    randombytes_buf(junk, sizeof junk);
    hex_of(junk, sizeof junk, junk_hex);
    if (password_hash(junk_hex, c->dummy_hash, &e)) {
        fprintf(stderr, "synaq-central console: %s\n", e.msg);
        goto out;
    }
    if (c->tls && (sq_file_read(cfg.tls_cert, 1u << 20, (uint8_t **)&cert, &cert_len, &e) ||
                   sq_file_read(cfg.tls_key, 1u << 20, (uint8_t **)&key, &key_len, &e))) {
        fprintf(stderr, "synaq-central console: %s\n", e.msg);
        goto out;
    }

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
    d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, c, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
                         c, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                         MHD_OPTION_THREAD_POOL_SIZE, 4u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
                         MHD_OPTION_CONNECTION_LIMIT, connection_limit(), MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u,
                         MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                         c, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "synaq-central console: cannot start the server on %s (%s)\n", cfg.listen,
                errno ? strerror(errno) : "see above");
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[NI_MAXHOST];
    if (getnameinfo((struct sockaddr *)&ss, ss_len, host, sizeof host, NULL, 0, NI_NUMERICHOST))
        snprintf(host, sizeof host, "?");
    if (cfg.insecure && !c->tls)
        fprintf(stderr,
                "synaq-central console: WARNING: --insecure-http: plain HTTP on %s. Passwords "
                "and session cookies cross the network in the clear unless a TLS proxy is in "
                "front (browsers keep the Secure session cookie only over HTTPS or on "
                "127.0.0.1).\n",
                cfg.listen);
    printf(ss.ss_family == AF_INET6 ? "console listening on %s://[%s]:%u/\n"
                                    : "console listening on %s://%s:%u/\n",
           c->tls ? "https" : "http", host, di ? (unsigned)di->port : 0u);
    fflush(stdout);
    logf_("audit log: %lld line(s) checked; sessions end after %d min idle or %d h",
          (long long)lines, SESSION_IDLE_S / 60, SESSION_MAX_S / 3600);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    logf_("stopping (signal %d)", sig);
    rc = 0;
out:
    if (d)
        MHD_stop_daemon(d);
    for (int l = 0; l < NLANG; l++)
        json_decref(c->cat[l]);
    accounts_close(c->acc);
    stats_close(c->st);
    reports_close(c->rep);
    throttle_free(c->by_user);
    throttle_free(c->by_addr);
    sem_destroy(&c->pw_slots);
    pthread_mutex_destroy(&c->mu);
    if (key)
        sodium_memzero(key, key_len);
    sq_free(key);
    sq_free(cert);
    sodium_memzero(c, sizeof *c);
    free(c);
    return rc;
usage:
    fprintf(stderr, "usage: synaq-central console [options]\n%s", console_usage);
    return 2;
}
