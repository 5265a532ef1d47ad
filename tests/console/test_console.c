/*
 * test_console.c - the staff console's pure parts: html_text, the one
 * escaping function (hostile names and labels, broken UTF-8, control
 * characters, a page bound), html_url and html_tr; and the failed-login
 * wait policy and its table (throttle.h) with a clock that only the
 * test moves; the CSV writer of the exports (export.h: RFC 4180 quoting,
 * the formula guard, numbers, the byte bound) and a chart's SVG (chart.h:
 * hostile words escaped, each bar titled and linked, the numbers table).
 */
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "chart.h"
#include "check.h"
#include "export.h"
#include "html.h"
#include "throttle.h"

static char *esc(const char *s)
{
    static char out[4096];
    html_buf b;
    html_init(&b, 1 << 20);
    html_text(&b, s);
    snprintf(out, sizeof out, "%s", b.p ? b.p : "");
    html_free(&b);
    return out;
}

static void escaping(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
        {"' onmouseover='x", "&#39; onmouseover=&#39;x"},
        {"Tom & Jerry &amp;", "Tom &amp; Jerry &amp;amp;"},
        {"Қазақстан Республикасы", "Қазақстан Республикасы"},
        {"a\x01"
         "b\x1b[31mc\x7f",
         "ab[31mc"},
        {"tab\tline\nend", "tab\tline\nend"},
        {"bad \xff byte", "bad \xef\xbf\xbd byte"},
        {"cut \xd0", "cut \xef\xbf\xbd"},
        {"overlong \xc0\xbc", "overlong \xef\xbf\xbd\xef\xbf\xbd"},
        {"C1 \xc2\x85 gone", "C1  gone"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(cases[i].out, esc(cases[i].in));

    html_buf b;
    html_init(&b, 1 << 20);
    html_text(&b, NULL);
    CHECK(b.len == 0 && !b.failed);
    html_url(&b, "Алматы & <x>");
    CHECK_STR("%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B%20%26%20%3Cx%3E", b.p);
    html_free(&b);

    html_init(&b, 1 << 20);
    html_tr(&b, "Signed in as {user} ({role}) {unknown}", "user", "<b>", "role", "a&b",
            (const char *)NULL);
    CHECK_STR("Signed in as &lt;b&gt; (a&amp;b) {unknown}", b.p);
    html_free(&b);

    html_init(&b, 1 << 20);
    html_int(&b, 1234567);
    CHECK_STR("1\xe2\x80\x89"
              "234\xe2\x80\x89"
              "567",
              b.p);
    html_free(&b);
    html_init(&b, 1 << 20);
    html_int(&b, -12);
    CHECK_STR("-12", b.p);
    html_free(&b);

    /* A page over its bound is marked failed, never cut silently. */
    html_init(&b, 64);
    for (int i = 0; i < 10; i++)
        html_text(&b, "0123456789");
    CHECK(b.failed);
    CHECK(b.len < 64);
    html_free(&b);
}

static void waits(void)
{
    /* An account: free below 3, then 15 s doubling, at most an hour. */
    static const int64_t want[] = {0, 0, 0, 15, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600};
    for (int f = 0; f < 13; f++)
        CHECK_INT(want[f], throttle_policy_s(f, 3));
    CHECK_INT(3600, throttle_policy_s(1000000, 3));
    CHECK_INT(0, throttle_policy_s(9, 10));
    CHECK_INT(15, throttle_policy_s(10, 10));

    throttle *t = throttle_new(4, 3);
    CHECK(t != NULL);
    int64_t now = 1000;
    CHECK_INT(0, throttle_wait(t, "alice", now));
    CHECK_INT(0, throttle_fail(t, "alice", now));
    CHECK_INT(0, throttle_fail(t, "alice", now));
    CHECK_INT(15, throttle_fail(t, "alice", now));
    CHECK_INT(15, throttle_wait(t, "alice", now));
    CHECK_INT(5, throttle_wait(t, "alice", now + 10));
    CHECK_INT(0, throttle_wait(t, "alice", now + 15));
    CHECK_INT(0, throttle_wait(t, "bob", now)); /* others are not held */
    CHECK_INT(30, throttle_fail(t, "alice", now + 15));
    throttle_clear(t, "alice");
    CHECK_INT(0, throttle_wait(t, "alice", now + 16));
    CHECK_INT(0, throttle_fail(t, "alice", now + 16)); /* counting from 1 again */
    /* A day after the last failure, a key's count is forgotten. */
    throttle_fail(t, "carol", now);
    throttle_fail(t, "carol", now);
    CHECK_INT(15, throttle_fail(t, "carol", now));
    CHECK_INT(0, throttle_fail(t, "carol", now + THROTTLE_FORGET_S + 16));
    /* A full table makes room by the oldest failure; the newest stay. */
    for (int i = 0; i < 10; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        throttle_fail(t, k, now + 100 + i);
    }
    throttle_fail(t, "k9", now + 200);
    CHECK_INT(15, throttle_fail(t, "k9", now + 200));
    throttle_free(t);
    throttle_free(NULL);
}

/* One line of cells through the CSV writer. */
static const char *csv_line(const char *const *cells, size_t n)
{
    static char out[4096];
    csv_out o;
    csv_init(&o, 1 << 20);
    for (size_t i = 0; i < n; i++)
        csv_text(&o, cells[i]);
    csv_end_row(&o);
    snprintf(out, sizeof out, "%s", o.p ? o.p : "");
    csv_free(&o);
    return out;
}

static void csv(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain\r\n"},
        {"Ерлан Қасым", "Ерлан Қасым\r\n"},
        {"a,b", "\"a,b\"\r\n"},
        {"say \"hi\"", "\"say \"\"hi\"\"\"\r\n"},
        {"two\nlines", "\"two\nlines\"\r\n"},
        {"=1+1", "'=1+1\r\n"},
        {"+cmd|calc", "'+cmd|calc\r\n"},
        {"-1+1", "'-1+1\r\n"},
        {"@SUM(A1)", "'@SUM(A1)\r\n"},
        {"\tTab", "'\tTab\r\n"},
        {"\rCR", "\"'\rCR\"\r\n"},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n"},
        {"<script>alert(1)</script>", "<script>alert(1)</script>\r\n"},
        {"a=b", "a=b\r\n"}, /* only at the start */
        {"", "\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(cases[i].out, csv_line(&cases[i].in, 1));
    const char *three[] = {"x", "", "=y"};
    CHECK_STR("x,,'=y\r\n", csv_line(three, 3));

    csv_out o;
    csv_init(&o, 1 << 20);
    csv_bom(&o);
    csv_int(&o, -42);
    csv_milli(&o, 2500);
    csv_milli(&o, 2000);
    csv_milli(&o, 333);
    csv_milli(&o, -1250);
    csv_num(&o, 0.1234567);
    csv_num(&o, 50);
    csv_num(&o, -0.0000001);
    csv_num(&o, NAN);
    csv_num(&o, INFINITY);
    csv_end_row(&o);
    /* A negative number is a number: never guarded, never quoted. */
    CHECK_STR("\xef\xbb\xbf-42,2.5,2,0.333,-1.25,0.123457,50,0,,\r\n", o.p);
    csv_free(&o);

    /* The byte bound: past it, failed, and nothing beyond it written. */
    csv_init(&o, 8);
    csv_text(&o, "12345");
    CHECK(!o.failed);
    csv_text(&o, "678");
    CHECK(o.failed);
    CHECK(o.len <= 8);
    csv_free(&o);

    reports_filter f = {.district = "Алматы", .exam = "chaos", .version = 2, .passed = 0};
    char d[256];
    export_describe(d, sizeof d, "results", &f);
    CHECK_STR("results district=Алматы exam=chaos version=2 passed=0", d);
    export_describe(d, 12, "results", &f);
    CHECK_STR("results dis", d);
}

/* A stream over a reports.db not made yet: the header alone; a filter
 * longer than the console takes: refused, nothing made. */
static void stream(void)
{
    reports *r = NULL;
    sq_err e;
    CHECK_OK(reports_open("/nonexistent/synaq/reports.db", &r, &e), &e);
    reports_filter f = {.passed = -1};
    export_stream *s = NULL;
    CHECK_OK(export_stream_new(r, &f, REPORTS_SORT_NAME, false, &s, &e), &e);
    char buf[4096];
    size_t len = 0;
    long n;
    /* Read in small pieces: the header split across reads comes whole. */
    while ((n = export_stream_read(s, buf + len, 7)) > 0)
        len += (size_t)n;
    CHECK_INT(0, n);
    buf[len] = 0;
    CHECK(!strncmp(buf,
                   "\xef\xbb\xbf"
                   "station,seq,attempt,",
                   23));
    /* One line: the header, ended by CRLF. */
    CHECK(len > 3 && !strcmp(buf + len - 2, "\r\n") && strchr(buf, '\n') == buf + len - 1);
    CHECK_INT(0, (long)export_stream_rows(s));
    export_stream_free(s);
    char longer[300];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    f.station = longer;
    CHECK_ERR(SQ_EINVAL, "longer than 256",
              export_stream_new(r, &f, REPORTS_SORT_DATE, true, &s, &e), &e);
    CHECK(s == NULL);
    export_stream_free(NULL);
    reports_close(r);
}

static void chart(void)
{
    chart_day days[3] = {{2026, 12, 4, 0}, {2026, 12, 5, 7}, {2026, 12, 6, 3}};
    chart_text t = {.title = "<b>Per day</b>",
                    .bar = "{day}: {n} results",
                    .axis_y = "Results",
                    .axis_x = "Day",
                    .numbers = "The numbers",
                    .months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                               "Nov", "\"Dec\""}};
    html_buf b;
    html_init(&b, 1 << 20);
    chart_days(&b, "days", days, 3, &t, "/results?district=%D0%90&amp;");
    CHECK(!b.failed && b.p);
    CHECK(strstr(b.p, "<title id=\"days-title\">&lt;b&gt;Per day&lt;/b&gt;</title>") != NULL);
    CHECK(strstr(b.p, "<b>") == NULL);
    CHECK(strstr(b.p, "<title>5 &quot;Dec&quot;: 7 results</title>") != NULL);
    CHECK(strstr(b.p,
                 "<a href=\"/results?district=%D0%90&amp;from=2026-12-05&amp;to=2026-12-05\">") !=
          NULL);
    int bars = 0, links = 0;
    for (const char *p = b.p; (p = strstr(p, "<rect class=\"bar\"")); p++)
        bars++;
    for (const char *p = b.p; (p = strstr(p, "<a href=")); p++)
        links++;
    CHECK_INT(3, bars);
    CHECK_INT(6, links); /* each bar, and each number of the table */
    /* The tallest bar reaches the top of a scale of 10 (7 -> 10). */
    CHECK(strstr(b.p, ">10</text>") != NULL);
    html_free(&b);

    int64_t bins[10] = {1, 0, 0, 0, 0, 2, 0, 0, 0, 4};
    t.bar = "{range} %: {n}";
    html_init(&b, 1 << 20);
    chart_percent(&b, "scores", bins, &t);
    CHECK(!b.failed && b.p);
    CHECK(strstr(b.p, "<title>90–100 %: 4</title>") != NULL);
    CHECK(strstr(b.p, "<a href") == NULL); /* score bars lead nowhere */
    html_free(&b);
    /* No days, or too many: nothing drawn. */
    html_init(&b, 1 << 20);
    chart_days(&b, "days", days, 0, &t, NULL);
    CHECK(b.len == 0);
    html_free(&b);
}

int main(void)
{
    escaping();
    waits();
    csv();
    stream();
    chart();
    return check_report("console");
}
