/*
 * html.c - see html.h. Small on purpose: the escaping in one place, read
 * at a glance.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "synaq/synaq.h"

void html_init(html_buf *b, size_t max_bytes)
{
    memset(b, 0, sizeof *b);
    b->max = max_bytes;
}

void html_free(html_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void put(html_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->max) {
        b->failed = true;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > b->max)
            cap = b->max;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void html_lit(html_buf *b, const char *markup)
{
    put(b, markup, strlen(markup));
}

void html_text_n(html_buf *b, const char *s, size_t n)
{
    if (!s)
        return;
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        size_t step = 1;
        if (c == '&')
            rep = "&amp;";
        else if (c == '<')
            rep = "&lt;";
        else if (c == '>')
            rep = "&gt;";
        else if (c == '"')
            rep = "&quot;";
        else if (c == '\'')
            rep = "&#39;";
        else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            rep = "";
        else if (c >= 0x80) {
            uint32_t cp;
            step = sq_utf8_next(s + i, n - i, &cp);
            if (step == 0) {
                rep = "\xef\xbf\xbd"; /* U+FFFD */
                step = 1;
            } else if (cp >= 0x80 && cp < 0xa0) {
                rep = ""; /* C1 controls */
            }
        }
        if (rep) {
            put(b, s + run, i - run);
            put(b, rep, strlen(rep));
            run = i + step;
        }
        i += step;
    }
    put(b, s + run, n - run);
}

void html_text(html_buf *b, const char *value)
{
    if (value)
        html_text_n(b, value, strlen(value));
}

void html_int(html_buf *b, int64_t v)
{
    char digits[32], out[64];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            memcpy(out + o, "\xe2\x80\x89", 3); /* U+2009 thin space */
            o += 3;
        }
        out[o++] = digits[i];
    }
    out[o] = 0;
    html_text(b, out);
}

void html_url(html_buf *b, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    char chunk[256];
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)value; p && *p; p++) {
        if (o + 4 > sizeof chunk) {
            chunk[o] = 0;
            html_text(b, chunk);
            o = 0;
        }
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            chunk[o++] = (char)c;
        } else {
            chunk[o++] = '%';
            chunk[o++] = hex[c >> 4];
            chunk[o++] = hex[c & 15];
        }
    }
    chunk[o] = 0;
    html_text(b, chunk);
}

void html_tr(html_buf *b, const char *tmpl, ...)
{
    const char *p = tmpl, *run = tmpl;
    while (p && *p) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            p++;
            continue;
        }
        const char *val = NULL;
        va_list ap;
        va_start(ap, tmpl);
        const char *name;
        while ((name = va_arg(ap, const char *))) {
            const char *v = va_arg(ap, const char *);
            if (strlen(name) == (size_t)(end - p - 1) &&
                !strncmp(name, p + 1, (size_t)(end - p - 1)))
                val = v;
        }
        va_end(ap);
        if (!val) {
            p++;
            continue;
        }
        html_text_n(b, run, (size_t)(p - run));
        html_text(b, val);
        p = run = end + 1;
    }
    if (run)
        html_text(b, run);
}
