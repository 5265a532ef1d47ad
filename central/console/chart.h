/*
 * chart.h - charts drawn by the server as inline SVG (no JavaScript):
 * results per day, and the spread of scores. Each bar carries a <title>
 * (what a pointer or a screen reader is told) and, for days, is a link
 * to the results of that day; the same numbers follow as a table in a
 * <details>, for screen readers and for reading them exactly. Every text
 * goes through html_text (html.h). The SVG scales to its box: its
 * viewBox is fixed, its width the page's, so it fits a phone.
 */
#ifndef SYNAQ_CENTRAL_CHART_H
#define SYNAQ_CENTRAL_CHART_H

#include <stdint.h>
#include "html.h"

/* One day: its date (console's time zone) and how many results. */
typedef struct {
    int year, month, day; /* month 1..12 */
    int64_t n;
} chart_day;

/* The words of a chart, in the page's language (borrowed). */
typedef struct {
    const char *title;      /* the chart's heading, e.g. "Results per day" */
    const char *bar;        /* a bar's title: "{day}: {n}" */
    const char *axis_y;     /* "Results" */
    const char *axis_x;     /* "Day" */
    const char *numbers;    /* the table's summary: "The numbers" */
    const char *months[12]; /* short month names */
} chart_text;

/* Results per day as an SVG and its table, in an element of id id.
 * link: the start of each bar's URL, already markup (escaped; ending in
 * "?" or "&amp;"), to which "from=DAY&amp;to=DAY" is added; NULL: no
 * links. At most 366 days. */
void chart_days(html_buf *b, const char *id, const chart_day *days, int n_days, const chart_text *t,
                const char *link);

/* A histogram of scores: bins[i] attempts scoring 10*i..10*i+9 % (100 in
 * the last), with the same words (bar: "{range}: {n}", axis_x: "Score"). */
void chart_percent(html_buf *b, const char *id, const int64_t bins[10], const chart_text *t);

#endif
