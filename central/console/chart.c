/*
 * chart.c - bar charts as inline SVG (chart.h).
 */
#include <stdio.h>
#include <string.h>

#include "chart.h"

#define W 400
#define H 190
#define LEFT 40 /* room for the numbers of the y axis */
#define RIGHT 8
#define TOP 10
#define BOTTOM 44 /* room for the days and the axis' name */

/* The top of the y axis: 1, 2 or 5 times a power of ten, at least max. */
static int64_t nice_top(int64_t max)
{
    int64_t step = 1;
    for (;;) {
        if (max <= step)
            return step;
        if (max <= 2 * step)
            return 2 * step;
        if (max <= 5 * step)
            return 5 * step;
        if (step > INT64_MAX / 100)
            return max;
        step *= 10;
    }
}

static void num(html_buf *b, double v)
{
    char s[32];
    snprintf(s, sizeof s, "%.1f", v);
    html_text(b, s);
}

static void inum(html_buf *b, int64_t v)
{
    char s[32];
    snprintf(s, sizeof s, "%lld", (long long)v);
    html_text(b, s);
}

/* The frame: the y axis' lines and numbers, and the axes' names. */
static void frame(html_buf *b, const char *id, const chart_text *t, int64_t top)
{
    html_lit(b, "<svg class=\"chart\" viewBox=\"0 0 400 190\" width=\"100%\" role=\"img\" "
                "aria-labelledby=\"");
    html_text(b, id);
    html_lit(b, "-title\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"");
    html_text(b, id);
    html_lit(b, "-title\">");
    html_text(b, t->title);
    html_lit(b, "</title>");
    for (int k = 0; k <= 2; k++) {
        double y = TOP + (H - TOP - BOTTOM) * (1.0 - k / 2.0);
        html_lit(b, "<line x1=\"");
        num(b, LEFT);
        html_lit(b, "\" x2=\"");
        num(b, W - RIGHT);
        html_lit(b, "\" y1=\"");
        num(b, y);
        html_lit(b, "\" y2=\"");
        num(b, y);
        html_lit(b, k ? "\" stroke=\"#d0d4da\" stroke-width=\"1\"/>"
                      : "\" stroke=\"#6b7280\" stroke-width=\"1\"/>");
        /* 0, the middle (when whole) and the top */
        if (k == 1 && top % 2)
            continue;
        html_lit(b, "<text x=\"");
        num(b, LEFT - 4);
        html_lit(b, "\" y=\"");
        num(b, y + 4);
        html_lit(b, "\" text-anchor=\"end\" font-size=\"11\" fill=\"#374151\">");
        inum(b, top * k / 2);
        html_lit(b, "</text>");
    }
    html_lit(b, "<text x=\"4\" y=\"");
    num(b, TOP + 2);
    html_lit(b, "\" font-size=\"10\" fill=\"#6b7280\" transform=\"rotate(-90 4 ");
    num(b, TOP + 2);
    html_lit(b, ")\" text-anchor=\"end\" dy=\"8\">");
    html_text(b, t->axis_y);
    html_lit(b, "</text><text x=\"");
    num(b, (LEFT + W - RIGHT) / 2.0);
    html_lit(b, "\" y=\"");
    num(b, H - 4);
    html_lit(b, "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#6b7280\">");
    html_text(b, t->axis_x);
    html_lit(b, "</text>");
}

/* One bar: a link (when href) over the whole column, so a day with
 * nothing is still a target; its title; the bar itself. */
static void bar(html_buf *b, double x, double w, int64_t n, int64_t top, const char *title_tmpl,
                const char *ph, const char *label, const char *href_lit, const char *day)
{
    double plot_h = H - TOP - BOTTOM;
    double h = top > 0 ? plot_h * (double)n / (double)top : 0;
    char ns[32];
    snprintf(ns, sizeof ns, "%lld", (long long)n);
    if (href_lit) {
        html_lit(b, "<a href=\"");
        html_lit(b, href_lit); /* markup given by the caller, already escaped */
        html_lit(b, "from=");
        html_text(b, day);
        html_lit(b, "&amp;to=");
        html_text(b, day);
        html_lit(b, "\">");
    } else {
        html_lit(b, "<g>");
    }
    html_lit(b, "<title>");
    html_tr(b, title_tmpl, ph, label, "n", ns, (const char *)NULL);
    html_lit(b, "</title><rect x=\"");
    num(b, x);
    html_lit(b, "\" y=\"");
    num(b, TOP);
    html_lit(b, "\" width=\"");
    num(b, w);
    html_lit(b, "\" height=\"");
    num(b, plot_h);
    html_lit(b, "\" fill=\"transparent\"/><rect class=\"bar\" x=\"");
    num(b, x + w * 0.12);
    html_lit(b, "\" y=\"");
    num(b, TOP + plot_h - h);
    html_lit(b, "\" width=\"");
    num(b, w * 0.76);
    html_lit(b, "\" height=\"");
    num(b, h);
    html_lit(b, "\" fill=\"#2563a8\"/>");
    html_lit(b, href_lit ? "</a>" : "</g>");
}

/* A name under the bars; anchor: "middle", or "end" at the right edge. */
static void x_label(html_buf *b, double x, const char *text, const char *anchor_lit)
{
    html_lit(b, "<text x=\"");
    num(b, x);
    html_lit(b, "\" y=\"");
    num(b, H - BOTTOM + 14);
    html_lit(b, "\" text-anchor=\"");
    html_lit(b, anchor_lit);
    html_lit(b, "\" font-size=\"11\" fill=\"#374151\">");
    html_text(b, text);
    html_lit(b, "</text>");
}

static void day_label(const chart_day *d, const chart_text *t, char *out, size_t len)
{
    const char *mon =
        d->month >= 1 && d->month <= 12 && t->months[d->month - 1] ? t->months[d->month - 1] : "?";
    snprintf(out, len, "%d %s", d->day, mon);
}

void chart_days(html_buf *b, const char *id, const chart_day *days, int n_days, const chart_text *t,
                const char *link)
{
    if (n_days < 1 || n_days > 366)
        return;
    int64_t max = 0;
    for (int i = 0; i < n_days; i++)
        if (days[i].n > max)
            max = days[i].n;
    int64_t top = nice_top(max > 0 ? max : 1);
    html_lit(b, "<figure class=\"chart\" id=\"");
    html_text(b, id);
    html_lit(b, "\">");
    frame(b, id, t, top);
    double w = (double)(W - LEFT - RIGHT) / n_days;
    /* About six names of days under the bars, whatever their number. */
    int every = (n_days + 5) / 6;
    for (int i = 0; i < n_days; i++) {
        char label[64], day[16];
        day_label(&days[i], t, label, sizeof label);
        snprintf(day, sizeof day, "%04d-%02d-%02d", days[i].year, days[i].month, days[i].day);
        bar(b, LEFT + i * w, w, days[i].n, top, t->bar, "day", label, link, day);
        if ((n_days - 1 - i) % every == 0)
            x_label(b, LEFT + (i + 0.5) * w, label,
                    i == n_days - 1 && n_days > 12 ? "end" : "middle");
    }
    html_lit(b, "</svg><details><summary>");
    html_text(b, t->numbers);
    html_lit(b, "</summary><table class=\"chart-numbers\"><thead><tr><th>");
    html_text(b, t->axis_x);
    html_lit(b, "</th><th>");
    html_text(b, t->axis_y);
    html_lit(b, "</th></tr></thead><tbody>");
    for (int i = 0; i < n_days; i++) {
        char label[64], day[16];
        day_label(&days[i], t, label, sizeof label);
        snprintf(day, sizeof day, "%04d-%02d-%02d", days[i].year, days[i].month, days[i].day);
        html_lit(b, "<tr><td>");
        html_text(b, label);
        html_lit(b, "</td><td class=\"num\">");
        if (link) {
            html_lit(b, "<a href=\"");
            html_lit(b, link);
            html_lit(b, "from=");
            html_text(b, day);
            html_lit(b, "&amp;to=");
            html_text(b, day);
            html_lit(b, "\">");
        }
        html_int(b, days[i].n);
        html_lit(b, link ? "</a></td></tr>" : "</td></tr>");
    }
    html_lit(b, "</tbody></table></details></figure>");
}

void chart_percent(html_buf *b, const char *id, const int64_t bins[10], const chart_text *t)
{
    int64_t max = 0;
    for (int i = 0; i < 10; i++)
        if (bins[i] > max)
            max = bins[i];
    int64_t top = nice_top(max > 0 ? max : 1);
    html_lit(b, "<figure class=\"chart\" id=\"");
    html_text(b, id);
    html_lit(b, "\">");
    frame(b, id, t, top);
    double w = (double)(W - LEFT - RIGHT) / 10;
    char range[10][16];
    for (int i = 0; i < 10; i++) {
        snprintf(range[i], sizeof range[i], "%d–%d", 10 * i, i == 9 ? 100 : 10 * i + 9);
        bar(b, LEFT + i * w, w, bins[i], top, t->bar, "range", range[i], NULL, NULL);
        if (i % 2 == 0) {
            char s[8];
            snprintf(s, sizeof s, "%d", 10 * i);
            x_label(b, LEFT + i * w, s, "middle");
        }
    }
    x_label(b, W - RIGHT, "100", "end");
    html_lit(b, "</svg><details><summary>");
    html_text(b, t->numbers);
    html_lit(b, "</summary><table class=\"chart-numbers\"><thead><tr><th>");
    html_text(b, t->axis_x);
    html_lit(b, "</th><th>");
    html_text(b, t->axis_y);
    html_lit(b, "</th></tr></thead><tbody>");
    for (int i = 0; i < 10; i++) {
        html_lit(b, "<tr><td>");
        html_text(b, range[i]);
        html_lit(b, " %</td><td class=\"num\">");
        html_int(b, bins[i]);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></details></figure>");
}
