/*
 * html.h - the console's pages as text: a bounded buffer, and the ONE
 * function that puts a value into HTML (html_text). Every value that is
 * not a string constant of this program goes through html_text: names,
 * labels and districts that came from stations and sticks, catalogue
 * texts, numbers, URLs. Markup comes only from string constants
 * (html_lit); nothing else writes into a page.
 *
 * html_text escapes & < > " ' (so a value is safe between tags and in a
 * double- or single-quoted attribute), drops control characters other
 * than tab and line ends, and puts U+FFFD for bytes that are not UTF-8.
 * It is not for URLs, scripts or styles: a value in a URL goes through
 * html_url, which percent-encodes it and then hands it to html_text.
 */
#ifndef SYNAQ_CENTRAL_HTML_H
#define SYNAQ_CENTRAL_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A page being written: at most max bytes (a page that would be larger
 * is cut there and marks failed, so the server answers 500 rather than
 * send half a page). */
typedef struct {
    char *p;
    size_t len, cap, max;
    bool failed;
} html_buf;

/* An empty buffer of at most max_bytes. html_free releases it; the
 * caller may take p instead (then it owns it; free()). */
void html_init(html_buf *b, size_t max_bytes);
void html_free(html_buf *b);

/* Markup: a string constant of this program, written as it is. */
void html_lit(html_buf *b, const char *markup);
/* A value, escaped. NULL writes nothing. */
void html_text(html_buf *b, const char *value);
/* The first len bytes of a value, escaped. */
void html_text_n(html_buf *b, const char *value, size_t len);
/* A whole number, with a thin space between thousands (12 345). */
void html_int(html_buf *b, int64_t v);
/* A value inside a URL's query (percent-encoded, then escaped). */
void html_url(html_buf *b, const char *value);
/* A catalogue text with its {name} placeholders filled: the text and
 * each value escaped. Pairs of (name, value) strings, ended by NULL; no
 * value may be NULL (it would end the list). A placeholder with no value
 * given stays as it is. Everything is borrowed for the call. */
void html_tr(html_buf *b, const char *tmpl, ...) __attribute__((sentinel));

#endif
