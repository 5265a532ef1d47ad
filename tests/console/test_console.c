/*
 * test_console.c - the staff console's pure parts: html_text, the one
 * escaping function (hostile names and labels, broken UTF-8, control
 * characters, a page bound), html_url and html_tr; and the failed-login
 * wait policy and its table (throttle.h) with a clock that only the
 * test moves.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
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

int main(void)
{
    escaping();
    waits();
    return check_report("console");
}
