/*
 * print.h - the printable report of an exam version (and a district):
 * an HTML page whose style sheet (print_css, served as /report.css)
 * lays it out on A4 when printed. Page one is a summary (attempts,
 * passed and failed, the pass rate, mean and median score, the spread of
 * scores and the results per day as inline SVG, chart.h); then item
 * analysis (itemstats.h's figures) and the flagged items. No web here:
 * the caller checks who may see it and writes the page's head and foot.
 */
#ifndef SYNAQ_CENTRAL_PRINT_H
#define SYNAQ_CENTRAL_PRINT_H

#include <stdint.h>
#include "chart.h"
#include "html.h"
#include "itemstats.h"

/* What the report shows (borrowed). */
typedef struct {
    const char *exam;
    int64_t version;
    const char *district;     /* NULL: all districts */
    int64_t attempts, passed; /* from reports.db */
    const int64_t *bins;      /* [10]: the spread of percent */
    const chart_day *days;    /* results per day */
    int n_days;
    const itemstats *st;         /* NULL: no attempt could be analysed */
    const char (*item_ids)[129]; /* [st->n_items] */
    const char *note_key;        /* why st is NULL (a catalogue key), or NULL */
    const char *made;            /* when it was made, as text */
} print_input;

/* A catalogue text of the page's language. */
typedef const char *(*print_tr_fn)(const void *ctx, const char *key);

/* The body of the report (inside <main>). */
void print_report(html_buf *b, const print_input *in, print_tr_fn tr, const void *ctx);

/* The charts' and the report's style sheet (screen and print). */
extern const char print_css[];
extern const unsigned long print_css_len;

#endif
