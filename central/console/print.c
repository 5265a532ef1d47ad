/*
 * print.c - the printable report of an exam version (print.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "print.h"

const char print_css[] =
    "figure.chart{margin:.5rem 0 1rem;max-width:44rem}"
    "svg.chart{display:block;width:100%;height:auto}"
    "svg.chart a:hover rect.bar,svg.chart a:focus rect.bar{fill:#0b3d6e}"
    "figure.chart details{margin-top:.3rem;font-size:.9rem}"
    "table.chart-numbers{width:auto}"
    ".report .summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));"
    "gap:.5rem 1rem;margin:0 0 1rem}"
    ".report .summary div{border:1px solid #d0d4da;border-radius:4px;padding:.4rem .6rem}"
    ".report .summary dt{font-size:.85rem;color:#4b5563}"
    ".report .summary dd{margin:0;font-size:1.3rem;font-weight:600}"
    ".report .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));"
    "gap:1rem}"
    ".report .pagebreak{break-before:page}"
    ".report .printnote{color:#4b5563;font-size:.9rem}"
    "@media print{"
    "@page{size:A4;margin:14mm 12mm}"
    "body{background:#fff;color:#000;font-size:10pt}"
    "header,footer,nav,.noprint{display:none!important}"
    "main{max-width:none;margin:0;padding:0}"
    "a{color:#000;text-decoration:none}"
    "figure.chart details{display:none}"
    ".report .summary div{border-color:#999}"
    /* Columns as wide as their longest heading word, so a heading wraps
     * between words, never inside one (Chromium has no Kazakh or Russian
     * hyphenation offline); a cell's value (an id, a hostile name) may
     * still break anywhere, which keeps the table within the page. */
    ".report table{font-size:8.5pt;width:100%;table-layout:auto}"
    ".report table.results th{overflow-wrap:normal;word-break:normal;padding:.15rem .25rem}"
    ".report table.results td,.report table.results .nowrap{"
    "white-space:normal;overflow-wrap:anywhere;word-break:break-word;padding:.15rem .25rem}"
    ".report tr{break-inside:avoid}"
    ".report h2{break-after:avoid}"
    ".report .charts{grid-template-columns:1fr 1fr}"
    "}";
const unsigned long print_css_len = sizeof print_css - 1;

static void fact(html_buf *b, const char *label, const char *id, const char *value)
{
    html_lit(b, "<div><dt>");
    html_text(b, label);
    html_lit(b, "</dt><dd id=\"");
    html_text(b, id);
    html_lit(b, "\">");
    html_text(b, value);
    html_lit(b, "</dd></div>");
}

static void fmt_fig(char *out, size_t len, double v, const char *unit)
{
    if (isnan(v) || isinf(v))
        snprintf(out, len, "-");
    else
        snprintf(out, len, "%.2f%s", v, unit);
}

static void chart_words(chart_text *t, print_tr_fn tr, const void *ctx)
{
    static const char *const months[12] = {"month.1", "month.2",  "month.3",  "month.4",
                                           "month.5", "month.6",  "month.7",  "month.8",
                                           "month.9", "month.10", "month.11", "month.12"};
    memset(t, 0, sizeof *t);
    t->numbers = tr(ctx, "chart.numbers");
    t->axis_y = tr(ctx, "chart.axis_results");
    for (int i = 0; i < 12; i++)
        t->months[i] = tr(ctx, months[i]);
}

void print_report(html_buf *b, const print_input *in, print_tr_fn tr, const void *ctx)
{
    char v[32], s[64];
    snprintf(v, sizeof v, "%lld", (long long)in->version);
    html_lit(b, "<link rel=\"stylesheet\" href=\"/report.css\"><article class=\"report\" "
                "id=\"report\"><h1>");
    html_tr(b, tr(ctx, "report.title"), "exam", in->exam, "v", v, (const char *)NULL);
    html_lit(b, "</h1><p class=\"scope\" id=\"scope\">");
    if (in->district)
        html_tr(b, tr(ctx, "overview.scope_district"), "district", in->district,
                (const char *)NULL);
    else
        html_text(b, tr(ctx, "overview.scope_all"));
    html_lit(b, " · ");
    html_tr(b, tr(ctx, "report.made"), "time", in->made, (const char *)NULL);
    html_lit(b, "</p><p class=\"printnote noprint\">");
    html_text(b, tr(ctx, "report.how_to_print"));
    html_lit(b, "</p><h2>");
    html_text(b, tr(ctx, "report.summary"));
    html_lit(b, "</h2><dl class=\"summary\">");
    snprintf(s, sizeof s, "%lld", (long long)in->attempts);
    fact(b, tr(ctx, "items.attempts"), "r-attempts", s);
    snprintf(s, sizeof s, "%lld", (long long)in->passed);
    fact(b, tr(ctx, "report.passed"), "r-passed", s);
    snprintf(s, sizeof s, "%lld", (long long)(in->attempts - in->passed));
    fact(b, tr(ctx, "report.failed"), "r-failed", s);
    if (in->attempts > 0)
        snprintf(s, sizeof s, "%.1f %%", 100.0 * (double)in->passed / (double)in->attempts);
    else
        snprintf(s, sizeof s, "-");
    fact(b, tr(ctx, "report.pass_rate"), "r-rate", s);
    if (in->st) {
        const itemstats_test *t = &in->st->test;
        /* In points, and as a share of the possible total. */
        char p[32];
        fmt_fig(s, sizeof s, t->mean, "");
        if (t->max_total > 0 && !isnan(t->mean)) {
            snprintf(p, sizeof p, " (%.1f %%)", 100.0 * t->mean / t->max_total);
            strncat(s, p, sizeof s - strlen(s) - 1);
        }
        fact(b, tr(ctx, "items.mean"), "r-mean", s);
        fmt_fig(s, sizeof s, t->median, "");
        if (t->max_total > 0 && !isnan(t->median)) {
            snprintf(p, sizeof p, " (%.1f %%)", 100.0 * t->median / t->max_total);
            strncat(s, p, sizeof s - strlen(s) - 1);
        }
        fact(b, tr(ctx, "items.median"), "r-median", s);
        fmt_fig(s, sizeof s, t->sd, "");
        fact(b, tr(ctx, "items.sd"), "r-sd", s);
        fmt_fig(s, sizeof s, t->cic, " %");
        fact(b, tr(ctx, "items.cic"), "r-cic", s);
    }
    html_lit(b, "</dl><div class=\"charts\"><section><h3>");
    html_text(b, tr(ctx, "chart.scores_title"));
    html_lit(b, "</h3>");
    chart_text ct;
    chart_words(&ct, tr, ctx);
    ct.title = tr(ctx, "chart.scores_title");
    ct.bar = tr(ctx, "chart.bar_range");
    ct.axis_x = tr(ctx, "chart.axis_score");
    chart_percent(b, "scores", in->bins, &ct);
    html_lit(b, "</section><section><h3>");
    html_text(b, tr(ctx, "chart.days_title"));
    html_lit(b, "</h3>");
    ct.title = tr(ctx, "chart.days_title");
    ct.bar = tr(ctx, "chart.bar_day");
    ct.axis_x = tr(ctx, "chart.axis_day");
    chart_days(b, "days", in->days, in->n_days, &ct, NULL);
    html_lit(b, "</section></div>");

    html_lit(b, "<section class=\"pagebreak\"><h2>");
    html_text(b, tr(ctx, "items.heading"));
    html_lit(b, "</h2>");
    if (!in->st) {
        html_lit(b, "<p class=\"msg\" id=\"items-none\">");
        html_text(b, tr(ctx, in->note_key ? in->note_key : "items.none"));
        html_lit(b, "</p></section></article>");
        return;
    }
    const itemstats *st = in->st;
    html_lit(b, "<dl class=\"facts\" id=\"test\">");
    const struct {
        const char *key;
        double v;
        const char *unit;
    } figs[] = {{"items.skewness", st->test.skewness, ""},
                {"items.kurtosis", st->test.kurtosis, ""},
                {"items.error_ratio", st->test.error_ratio, " %"},
                {"items.standard_error", st->test.standard_error, ""}};
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        html_lit(b, "<dt>");
        html_text(b, tr(ctx, figs[i].key));
        html_lit(b, "</dt><dd>");
        fmt_fig(s, sizeof s, figs[i].v, figs[i].unit);
        html_text(b, s);
        html_lit(b, "</dd>");
    }
    html_lit(b, "</dl><table class=\"results\" id=\"items\"><thead><tr>");
    const char *heads[] = {"attempt.item", "items.attempts", "items.facility", "items.sd",
                           "items.di",     "items.de",       "items.ew",       "items.flag"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        html_lit(b, "<th>");
        html_text(b, tr(ctx, heads[i]));
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    size_t flagged = 0;
    for (size_t k = 0; k < st->n_items; k++) {
        const itemstats_item *it = &st->items[k];
        bool low = it->flags & ITEMSTATS_LOW_DE;
        flagged += low;
        html_lit(b, low ? "<tr class=\"flagged\"><td class=\"wrap\" data-label=\""
                        : "<tr><td class=\"wrap\" data-label=\"");
        html_text(b, tr(ctx, "attempt.item"));
        html_lit(b, "\">");
        html_text(b, in->item_ids[k]);
        html_lit(b, "</td><td class=\"num\" data-label=\"");
        html_text(b, tr(ctx, "items.attempts"));
        html_lit(b, "\">");
        html_int(b, (int64_t)it->s);
        const struct {
            const char *key;
            double v;
        } cols[] = {{"items.facility", it->facility * 100},
                    {"items.sd", it->sd * 100},
                    {"items.di", it->discrimination_index},
                    {"items.de", it->discriminative_efficiency},
                    {"items.ew", it->effective_weight}};
        for (size_t f = 0; f < sizeof cols / sizeof cols[0]; f++) {
            html_lit(b, "</td><td class=\"num nowrap\" data-label=\"");
            html_text(b, tr(ctx, cols[f].key));
            html_lit(b, "\">");
            fmt_fig(s, sizeof s, cols[f].v, " %");
            html_text(b, s);
        }
        html_lit(b, "</td><td data-label=\"");
        html_text(b, tr(ctx, "items.flag"));
        html_lit(b, "\">");
        if (low)
            html_text(b, "⚑");
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></section><section><h2>");
    html_text(b, tr(ctx, "report.flagged"));
    html_lit(b, "</h2>");
    if (!flagged) {
        html_lit(b, "<p id=\"flagged-none\">");
        html_text(b, tr(ctx, "report.none_flagged"));
        html_lit(b, "</p>");
    } else {
        html_lit(b, "<p>");
        html_text(b, tr(ctx, "items.flagged"));
        html_lit(b, "</p><ul id=\"flagged\">");
        for (size_t k = 0; k < st->n_items; k++) {
            const itemstats_item *it = &st->items[k];
            if (!(it->flags & ITEMSTATS_LOW_DE))
                continue;
            html_lit(b, "<li>");
            html_text(b, in->item_ids[k]);
            html_lit(b, " — ");
            html_text(b, tr(ctx, "items.de"));
            html_lit(b, ": ");
            fmt_fig(s, sizeof s, it->discriminative_efficiency, " %");
            html_text(b, s);
            html_lit(b, "</li>");
        }
        html_lit(b, "</ul>");
    }
    html_lit(b, "</section></article>");
}
