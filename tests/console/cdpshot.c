/*
 * cdpshot - drives a headless Chromium through the DevTools protocol on a
 * pipe (--remote-debugging-pipe: commands on its fd 3, answers on fd 4,
 * each a JSON text ended by a NUL byte), for the console's browser test:
 * logs in through the console's own login form (so the browser itself
 * must keep the __Host- session cookie over http://127.0.0.1), then takes
 * a full-page screenshot of each page in each language at each size.
 *
 *   cdpshot --chromium PATH --base URL --user U --password P --out DIR
 *           [--pages /overview,...] [--langs kk,ru,en] [--sizes 1366x768,390x844]
 *           [--print /report?...,...]
 *
 * Prints one line per step: "cookie NAME secure=.. httpOnly=.. sameSite=..",
 * then "shot FILE url=URL scroll_width=N inner_width=N height=N" per
 * screenshot. Each --print page, in each language, is then printed to PDF
 * as Chromium prints it (Page.printToPDF, its @page size: A4), to
 * OUT/NAME-LANG.pdf ("pdf FILE url=URL bytes=N"), and shot once more at
 * A4's width in CSS pixels (794) with print media emulated
 * (Emulation.setEmulatedMedia), to see: NAME-LANG-print-794x1123.png.
 * Status 0 when every step worked, 1 otherwise (the reason on
 * stderr), 77 when Chromium cannot start here. Nothing but the base URL is
 * visited; Chromium runs with its background networking off and every
 * host name but 127.0.0.1 resolving to nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>

#define READ_TIMEOUT_MS 30000
#define MSG_MAX (64u << 20)

static int to_fd = -1, from_fd = -1;
static char *rbuf;
static size_t rlen, rcap;
static int next_id = 1;
static char session[128];
static int loads_seen; /* Page.loadEventFired events not yet waited for */

static void die(const char *what)
{
    fprintf(stderr, "cdpshot: %s\n", what);
    exit(1);
}

static void send_msg(const char *method, json_t *params, bool to_page, int id)
{
    json_t *m = json_pack("{s:i, s:s, s:o}", "id", id, "method", method, "params",
                          params ? params : json_object());
    if (to_page)
        json_object_set_new(m, "sessionId", json_string(session));
    char *s = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    size_t n = strlen(s) + 1; /* the NUL ends the message */
    for (size_t off = 0; off < n;) {
        ssize_t w = write(to_fd, s + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("cannot write to Chromium");
        off += (size_t)w;
    }
    free(s);
}

/* The next message from Chromium (caller decrefs). */
static json_t *recv_msg(void)
{
    for (;;) {
        char *nul = rlen ? memchr(rbuf, 0, rlen) : NULL;
        if (nul) {
            json_error_t je;
            json_t *m = json_loads(rbuf, 0, &je);
            size_t used = (size_t)(nul - rbuf) + 1;
            memmove(rbuf, rbuf + used, rlen - used);
            rlen -= used;
            if (!m)
                die("Chromium sent something that is not JSON");
            return m;
        }
        struct pollfd p = {from_fd, POLLIN, 0};
        int r = poll(&p, 1, READ_TIMEOUT_MS);
        if (r == 0)
            die("Chromium did not answer within 30 s");
        if (r < 0 && errno == EINTR)
            continue;
        if (rcap - rlen < 65536) {
            rcap = rcap ? rcap * 2 : 1 << 20;
            if (rcap > MSG_MAX)
                die("a message from Chromium is too large");
            rbuf = realloc(rbuf, rcap);
            if (!rbuf)
                die("out of memory");
        }
        ssize_t n = read(from_fd, rbuf + rlen, rcap - rlen);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("Chromium closed the pipe (did it start?)");
        rlen += (size_t)n;
    }
}

static void note_event(json_t *m)
{
    const char *method = json_string_value(json_object_get(m, "method"));
    if (method && strcmp(method, "Page.loadEventFired") == 0)
        loads_seen++;
}

/* Sends a command and waits for its answer; returns its "result" (caller
 * decrefs the returned message through *msg). */
static json_t *call(const char *method, json_t *params, bool to_page, json_t **msg)
{
    int id = next_id++;
    send_msg(method, params, to_page, id);
    for (;;) {
        json_t *m = recv_msg();
        if (json_integer_value(json_object_get(m, "id")) == id) {
            json_t *err = json_object_get(m, "error");
            if (err) {
                char *e = json_dumps(err, JSON_COMPACT);
                fprintf(stderr, "cdpshot: %s: %s\n", method, e);
                exit(1);
            }
            *msg = m;
            return json_object_get(m, "result");
        }
        note_event(m);
        json_decref(m);
    }
}

static void call_void(const char *method, json_t *params, bool to_page)
{
    json_t *m;
    call(method, params, to_page, &m);
    json_decref(m);
}

static void wait_load(void)
{
    while (loads_seen == 0) {
        json_t *m = recv_msg();
        note_event(m);
        json_decref(m);
    }
    loads_seen--;
}

static void navigate(const char *url)
{
    loads_seen = 0;
    call_void("Page.navigate", json_pack("{s:s}", "url", url), true);
    wait_load();
}

/* The value of a JavaScript expression, as a string (caller frees). */
static char *eval_str(const char *expr)
{
    json_t *m;
    json_t *r = call("Runtime.evaluate",
                     json_pack("{s:s, s:b}", "expression", expr, "returnByValue", 1), true, &m);
    json_t *v = json_object_get(json_object_get(r, "result"), "value");
    char *out = json_is_string(v) ? strdup(json_string_value(v))
                                  : json_dumps(v ? v : json_null(), JSON_ENCODE_ANY);
    json_decref(m);
    return out;
}

static int start_chromium(const char *chromium, const char *profile)
{
    int to[2], from[2];
    if (pipe(to) || pipe(from))
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        /* Chromium reads commands on fd 3 and writes answers on fd 4. */
        int r = dup(to[0]), w = dup(from[1]);
        if (dup2(r, 3) < 0 || dup2(w, 4) < 0)
            _exit(127);
        for (int fd = 5; fd < 1024; fd++)
            close(fd);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
        }
        char user_data[4200];
        snprintf(user_data, sizeof user_data, "--user-data-dir=%s", profile);
        execl(chromium, chromium, "--headless", "--no-sandbox", "--remote-debugging-pipe",
              user_data, "--disable-gpu", "--no-first-run", "--no-default-browser-check",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-default-apps", "--disable-extensions",
              "--disable-features=Translate,MediaRouter,OptimizationHints",
              "--metrics-recording-only", "--no-pings", "--no-proxy-server",
              "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--hide-scrollbars",
              "--force-device-scale-factor=1", "--lang=en-US", "about:blank", (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    to_fd = to[1];
    from_fd = from[0];
    return pid;
}

/* A full-page screenshot of what is on screen, to OUT/NAME-LANG-WxH.png
 * (a '/' '?' '&' '=' of NAME made '_'), and its line on stdout. 0, or 1
 * when it could not be taken or written. */
static int shoot_as(const char *out, const char *name, const char *lang, const char *tag, int w,
                    int h)
{
    json_t *m, *r;
    int rc = 0;
    char *here = eval_str("location.href");
    char *sw = eval_str("String(document.documentElement.scrollWidth)");
    char *iw = eval_str("String(window.innerWidth)");
    char *sh = eval_str("String(document.documentElement.scrollHeight)");
    int full_h = atoi(sh);
    if (full_h < h)
        full_h = h;
    r = call("Page.captureScreenshot",
             json_pack("{s:s, s:b, s:{s:i, s:i, s:i, s:i, s:i}}", "format", "png",
                       "captureBeyondViewport", 1, "clip", "x", 0, "y", 0, "width", w, "height",
                       full_h, "scale", 1),
             true, &m);
    const char *b64 = json_string_value(json_object_get(r, "data"));
    size_t b64_len = b64 ? strlen(b64) : 0, png_len = 0;
    unsigned char *png = malloc(b64_len + 1);
    char path[4300];
    snprintf(path, sizeof path, "%s/%s-%s%s-%dx%d.png", out, name, lang, tag, w, h);
    for (char *p = path + strlen(out) + 1; *p; p++)
        if (*p == '/' || *p == '?' || *p == '&' || *p == '=')
            *p = '_';
    if (!png || !b64 ||
        sodium_base642bin(png, b64_len + 1, b64, b64_len, NULL, &png_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        fprintf(stderr, "cdpshot: no screenshot of %s\n", here);
        rc = 1;
    } else {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(png, 1, png_len, f) != png_len || fclose(f) != 0) {
            fprintf(stderr, "cdpshot: cannot write %s\n", path);
            rc = 1;
        }
        printf("shot %s url=%s scroll_width=%s inner_width=%s height=%d\n", path, here, sw, iw,
               full_h);
    }
    free(png);
    json_decref(m);
    free(here);
    free(sw);
    free(iw);
    free(sh);
    return rc;
}

static int shoot(const char *out, const char *name, const char *lang, int w, int h)
{
    return shoot_as(out, name, lang, "", w, h);
}

/* The page on screen printed to OUT/NAME-LANG.pdf as Chromium prints it
 * (the page's own @page size), and its line on stdout. 0, or 1. */
static int print_pdf(const char *out, const char *name, const char *lang)
{
    json_t *m;
    int rc = 0;
    char *here = eval_str("location.href");
    json_t *r = call("Page.printToPDF",
                     json_pack("{s:b, s:b, s:f, s:f}", "printBackground", 1, "preferCSSPageSize", 1,
                               "paperWidth", 8.27, "paperHeight", 11.69),
                     true, &m);
    const char *b64 = json_string_value(json_object_get(r, "data"));
    size_t b64_len = b64 ? strlen(b64) : 0, pdf_len = 0;
    unsigned char *pdf = malloc(b64_len + 1);
    char path[4300];
    snprintf(path, sizeof path, "%s/%s-%s.pdf", out, name, lang);
    for (char *p = path + strlen(out) + 1; *p; p++)
        if (*p == '/' || *p == '?' || *p == '&' || *p == '=')
            *p = '_';
    if (!pdf || !b64 ||
        sodium_base642bin(pdf, b64_len + 1, b64, b64_len, NULL, &pdf_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        fprintf(stderr, "cdpshot: no PDF of %s\n", here);
        rc = 1;
    } else {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(pdf, 1, pdf_len, f) != pdf_len || fclose(f) != 0) {
            fprintf(stderr, "cdpshot: cannot write %s\n", path);
            rc = 1;
        }
        printf("pdf %s url=%s bytes=%zu\n", path, here, pdf_len);
    }
    free(pdf);
    json_decref(m);
    free(here);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"chromium", 1, 0, 'c'}, {"base", 1, 0, 'b'},
                                       {"user", 1, 0, 'u'},     {"password", 1, 0, 'p'},
                                       {"out", 1, 0, 'o'},      {"pages", 1, 0, 'P'},
                                       {"langs", 1, 0, 'l'},    {"sizes", 1, 0, 's'},
                                       {"print", 1, 0, 'r'},    {0, 0, 0, 0}};
    const char *chromium = NULL, *base = NULL, *user = NULL, *password = NULL, *out = NULL;
    char pages[1024] = "/overview", prints[1024] = "";
    char langs[64] = "kk,ru,en", sizes[128] = "1366x768,390x844";
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'c':
            chromium = optarg;
            break;
        case 'b':
            base = optarg;
            break;
        case 'u':
            user = optarg;
            break;
        case 'p':
            password = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'P':
            snprintf(pages, sizeof pages, "%s", optarg);
            break;
        case 'l':
            snprintf(langs, sizeof langs, "%s", optarg);
            break;
        case 's':
            snprintf(sizes, sizeof sizes, "%s", optarg);
            break;
        case 'r':
            snprintf(prints, sizeof prints, "%s", optarg);
            break;
        default:
            return 2;
        }
    }
    if (!chromium || !base || !user || !password || !out) {
        fputs("usage: cdpshot --chromium PATH --base URL --user U --password P --out DIR\n"
              "               [--pages PATH,...] [--langs kk,ru,en] [--sizes WxH,...]\n"
              "               [--print PATH,...]\n",
              stderr);
        return 2;
    }
    if (access(chromium, X_OK) != 0) {
        printf("SKIP: no Chromium at %s\n", chromium);
        return 77;
    }
    signal(SIGPIPE, SIG_IGN);
    char profile[4200];
    snprintf(profile, sizeof profile, "%s/profile", out);
    pid_t pid = start_chromium(chromium, profile);

    json_t *m;
    json_t *r = call("Target.createTarget", json_pack("{s:s}", "url", "about:blank"), false, &m);
    char target[128];
    snprintf(target, sizeof target, "%s", json_string_value(json_object_get(r, "targetId")));
    json_decref(m);
    r = call("Target.attachToTarget", json_pack("{s:s, s:b}", "targetId", target, "flatten", 1),
             false, &m);
    snprintf(session, sizeof session, "%s", json_string_value(json_object_get(r, "sessionId")));
    json_decref(m);
    call_void("Page.enable", NULL, true);
    call_void("Network.enable", NULL, true);

    /* Log in through the form, as a person would. */
    char url[4096];
    int first_w = 0, first_h = 0;
    if (sscanf(sizes, "%dx%d", &first_w, &first_h) != 2 || first_w < 100 || first_h < 100)
        die("bad --sizes");
    call_void("Emulation.setDeviceMetricsOverride",
              json_pack("{s:i, s:i, s:i, s:b}", "width", first_w, "height", first_h,
                        "deviceScaleFactor", 1, "mobile", first_w < 800),
              true);
    snprintf(url, sizeof url, "%s/login?lang=en", base);
    navigate(url);
    int rc = shoot(out, "login", "en", first_w, first_h);
    json_t *creds = json_pack("[s, s]", user, password);
    char *creds_js = json_dumps(creds, JSON_COMPACT);
    json_decref(creds);
    char js[8192];
    snprintf(js, sizeof js,
             "(function(c){document.getElementById('user').value=c[0];"
             "document.getElementById('password').value=c[1];"
             "document.querySelector('form.login').submit();return 'sent';})(%s)",
             creds_js);
    free(creds_js);
    loads_seen = 0;
    free(eval_str(js));
    wait_load();
    char *where = eval_str("location.pathname");
    if (strcmp(where, "/overview") != 0) {
        fprintf(stderr, "cdpshot: after the login form the browser is at %s, not logged in\n",
                where);
        rc = 1;
    }
    free(where);
    r = call("Network.getCookies",
             json_pack("{s:[s]}", "urls", (snprintf(url, sizeof url, "%s/", base), url)), true, &m);
    size_t i;
    json_t *ck;
    json_array_foreach(json_object_get(r, "cookies"), i, ck)
    {
        printf("cookie %s secure=%d httpOnly=%d sameSite=%s path=%s session=%d\n",
               json_string_value(json_object_get(ck, "name")),
               json_is_true(json_object_get(ck, "secure")),
               json_is_true(json_object_get(ck, "httpOnly")),
               json_string_value(json_object_get(ck, "sameSite")),
               json_string_value(json_object_get(ck, "path")),
               json_is_true(json_object_get(ck, "session")));
    }
    json_decref(m);

    for (char *sz = strtok(sizes, ","); sz && rc == 0; sz = strtok(NULL, ",")) {
        int w = 0, h = 0;
        if (sscanf(sz, "%dx%d", &w, &h) != 2 || w < 100 || h < 100)
            die("bad --sizes");
        /* Narrow sizes are phones: the viewport meta tag counts there. */
        call_void("Emulation.setDeviceMetricsOverride",
                  json_pack("{s:i, s:i, s:i, s:b}", "width", w, "height", h, "deviceScaleFactor", 1,
                            "mobile", w < 800),
                  true);
        char pcopy[1024];
        snprintf(pcopy, sizeof pcopy, "%s", pages);
        char *psave = NULL;
        for (char *pg = strtok_r(pcopy, ",", &psave); pg; pg = strtok_r(NULL, ",", &psave)) {
            char lcopy[64];
            snprintf(lcopy, sizeof lcopy, "%s", langs);
            char *save = NULL;
            for (char *l = strtok_r(lcopy, ",", &save); l; l = strtok_r(NULL, ",", &save)) {
                snprintf(url, sizeof url, "%s%s%slang=%s", base, pg, strchr(pg, '?') ? "&" : "?",
                         l);
                navigate(url);
                rc |= shoot(out, pg[1] ? pg + 1 : "index", l, w, h);
            }
        }
    }
    /* Printed: a PDF, and a shot with print media at A4's width. */
    char rcopy[1024];
    snprintf(rcopy, sizeof rcopy, "%s", prints);
    char *rsave = NULL;
    for (char *pg = strtok_r(rcopy, ",", &rsave); pg && rc == 0; pg = strtok_r(NULL, ",", &rsave)) {
        char lcopy[64];
        snprintf(lcopy, sizeof lcopy, "%s", langs);
        char *save = NULL;
        for (char *l = strtok_r(lcopy, ",", &save); l; l = strtok_r(NULL, ",", &save)) {
            snprintf(url, sizeof url, "%s%s%slang=%s", base, pg, strchr(pg, '?') ? "&" : "?", l);
            call_void("Emulation.setDeviceMetricsOverride",
                      json_pack("{s:i, s:i, s:i, s:b}", "width", 794, "height", 1123,
                                "deviceScaleFactor", 1, "mobile", 0),
                      true);
            navigate(url);
            rc |= print_pdf(out, pg + 1, l);
            call_void("Emulation.setEmulatedMedia", json_pack("{s:s}", "media", "print"), true);
            rc |= shoot_as(out, pg + 1, l, "-print", 794, 1123);
            call_void("Emulation.setEmulatedMedia", json_pack("{s:s}", "media", ""), true);
        }
    }
    fflush(stdout);
    call_void("Browser.close", NULL, false);
    int status;
    for (int t = 0; t < 100 && waitpid(pid, &status, WNOHANG) == 0; t++)
        usleep(50000);
    if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    free(rbuf);
    return rc;
}
