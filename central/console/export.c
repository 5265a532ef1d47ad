/*
 * export.c - the console's tables as CSV (export.h): quoting, the
 * formula guard, and the results written a page at a time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "sqlro.h"
#include "synaq/result.h"

/* ---- the writer ---- */

void csv_init(csv_out *o, size_t max_bytes)
{
    memset(o, 0, sizeof *o);
    o->max = max_bytes;
}

void csv_free(csv_out *o)
{
    free(o->p);
    memset(o, 0, sizeof *o);
}

static void put(csv_out *o, const char *s, size_t n)
{
    if (o->failed || n == 0)
        return;
    if (n > o->max - o->len) {
        o->failed = true;
        return;
    }
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->failed = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = 0;
}

static void cell_start(csv_out *o)
{
    if (o->in_row)
        put(o, ",", 1);
    o->in_row = true;
}

void csv_bom(csv_out *o)
{
    put(o, "\xef\xbb\xbf", 3);
}

void csv_text(csv_out *o, const char *s)
{
    cell_start(o);
    if (!s || !s[0])
        return;
    /* A spreadsheet reads a cell starting with one of these as a formula
     * (a tab or CR before one as well): a quote before it keeps it text. */
    bool guard = strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        put(o, "\"", 1);
    if (guard)
        put(o, "'", 1);
    for (const char *p = s; *p;) {
        const char *q = quote ? strchr(p, '"') : NULL;
        size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
        put(o, p, n);
        if (q)
            put(o, "\"", 1); /* the quote doubled */
        p += n;
    }
    if (quote)
        put(o, "\"", 1);
}

void csv_int(csv_out *o, int64_t v)
{
    char s[32];
    cell_start(o);
    put(o, s, (size_t)snprintf(s, sizeof s, "%lld", (long long)v));
}

void csv_milli(csv_out *o, int64_t milli)
{
    char s[48];
    cell_start(o);
    const char *sign = milli < 0 ? "-" : "";
    uint64_t m = milli < 0 ? (uint64_t)0 - (uint64_t)milli : (uint64_t)milli;
    int n = m % 1000 ? snprintf(s, sizeof s, "%s%llu.%03llu", sign, (unsigned long long)(m / 1000),
                                (unsigned long long)(m % 1000))
                     : snprintf(s, sizeof s, "%s%llu", sign, (unsigned long long)(m / 1000));
    /* 2.500 -> 2.5 */
    while (m % 1000 && n > 0 && s[n - 1] == '0')
        n--;
    put(o, s, (size_t)n);
}

void csv_num(csv_out *o, double v)
{
    char s[64];
    cell_start(o);
    if (isnan(v) || isinf(v))
        return;
    /* printf's '.' whatever the locale: the console never calls setlocale
     * for LC_NUMERIC, so it is "C". */
    int n = snprintf(s, sizeof s, "%.6f", v);
    while (n > 0 && s[n - 1] == '0')
        n--;
    if (n > 0 && s[n - 1] == '.')
        n--;
    if (n == 2 && !strncmp(s, "-0", 2))
        n = 1, s[0] = '0';
    put(o, s, (size_t)n);
}

void csv_end_row(csv_out *o)
{
    put(o, "\r\n", 2);
    o->in_row = false;
}

/* ---- results ---- */

static void iso_time(csv_out *o, int64_t t)
{
    char s[32] = "";
    time_t tt = (time_t)t;
    struct tm tm;
    if (t > 0 && gmtime_r(&tt, &tm))
        strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    csv_text(o, s);
}

void export_results_header(csv_out *o)
{
    static const char *const cols[] = {
        "station", "seq",      "attempt",     "trainee_id", "trainee_name", "exam",
        "version", "started",  "finished",    "elapsed_s",  "points",       "max_points",
        "percent", "passed",   "timed_out",   "answered",   "items",        "district",
        "right",   "received", "time_limit_s"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        csv_text(o, cols[i]);
    csv_end_row(o);
}

void export_results_row(csv_out *o, const reports_attempt *a)
{
    csv_text(o, a->station_id);
    csv_int(o, a->seq);
    csv_text(o, a->attempt_id);
    csv_text(o, a->trainee_id);
    csv_text(o, a->trainee_name);
    csv_text(o, a->exam_id);
    csv_int(o, a->exam_version);
    iso_time(o, a->started_wall);
    iso_time(o, a->finished_wall);
    csv_int(o, a->elapsed_ms / 1000);
    csv_milli(o, a->points_milli);
    csv_milli(o, a->max_milli);
    csv_int(o, a->percent);
    csv_text(o, a->passed ? "yes" : "no");
    csv_text(o, a->timed_out ? "yes" : "no");
    csv_int(o, a->n_answered);
    csv_int(o, a->n_items);
    csv_text(o, a->district);
    csv_int(o, a->n_right);
    iso_time(o, a->received_wall);
    csv_int(o, a->time_limit_s);
    csv_end_row(o);
}

#define STREAM_ROWS 200
#define STREAM_CHUNK_MAX (8u << 20) /* one page of rows, far above what 200 take */

struct export_stream {
    reports *r;
    reports_filter f;
    /* As long as the console lets a filter be (256 bytes): never cut. */
    char district[257], station[257], exam[257], trainee[257], name[257];
    reports_sort sort;
    bool desc;
    int64_t last_id; /* the last row written; 0: none yet */
    bool done, failed;
    int64_t rows;
    csv_out chunk; /* what is made and not yet read */
    size_t chunk_at;
    reports_attempt page[STREAM_ROWS];
    char error[256];
};

static const char *copy_into(char *dst, size_t len, const char *src)
{
    if (!src)
        return NULL;
    snprintf(dst, len, "%s", src);
    return dst;
}

sq_status export_stream_new(reports *r, const reports_filter *f, reports_sort sort, bool desc,
                            export_stream **out, sq_err *err)
{
    *out = NULL;
    const char *strs[] = {f->district, f->station, f->exam, f->trainee, f->name};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i] && strlen(strs[i]) > 256)
            return console_seterr(err, SQ_EINVAL, "export", "a filter is longer than 256 bytes");
    export_stream *s = calloc(1, sizeof *s);
    if (!s)
        return console_seterr(err, SQ_ENOMEM, "export", "out of memory");
    s->r = r;
    s->f = *f;
    s->f.district = copy_into(s->district, sizeof s->district, f->district);
    s->f.station = copy_into(s->station, sizeof s->station, f->station);
    s->f.exam = copy_into(s->exam, sizeof s->exam, f->exam);
    s->f.trainee = copy_into(s->trainee, sizeof s->trainee, f->trainee);
    s->f.name = copy_into(s->name, sizeof s->name, f->name);
    s->sort = sort;
    s->desc = desc;
    csv_init(&s->chunk, STREAM_CHUNK_MAX);
    csv_bom(&s->chunk);
    export_results_header(&s->chunk);
    *out = s;
    return SQ_OK;
}

/* The next page of rows into the chunk; false when there are none. */
static bool next_page(export_stream *s)
{
    int n = 0;
    bool more_after = false, more_before = false;
    sq_err e;
    if (!reports_ready(s->r)) {
        s->done = true;
        return false;
    }
    sq_status st = reports_page(s->r, &s->f, s->sort, s->desc, s->last_id, 0, STREAM_ROWS, s->page,
                                &n, &more_after, &more_before, &e);
    if (st) {
        snprintf(s->error, sizeof s->error, "%s", e.msg);
        s->failed = true;
        return false;
    }
    csv_free(&s->chunk);
    csv_init(&s->chunk, STREAM_CHUNK_MAX);
    s->chunk_at = 0;
    for (int i = 0; i < n; i++)
        export_results_row(&s->chunk, &s->page[i]);
    if (s->chunk.failed) {
        snprintf(s->error, sizeof s->error, "out of memory writing the export");
        s->failed = true;
        return false;
    }
    s->rows += n;
    if (n > 0)
        s->last_id = s->page[n - 1].id;
    if (!more_after || n == 0)
        s->done = true;
    return n > 0;
}

long export_stream_read(export_stream *s, char *buf, size_t max)
{
    if (s->failed)
        return -1;
    while (s->chunk_at >= s->chunk.len) {
        if (s->done)
            return 0;
        if (!next_page(s))
            return s->failed ? -1 : 0;
    }
    size_t n = s->chunk.len - s->chunk_at;
    if (n > max)
        n = max;
    memcpy(buf, s->chunk.p + s->chunk_at, n);
    s->chunk_at += n;
    return (long)n;
}

const char *export_stream_error(const export_stream *s)
{
    return s->error;
}

int64_t export_stream_rows(const export_stream *s)
{
    return s->rows;
}

void export_stream_free(export_stream *s)
{
    if (!s)
        return;
    csv_free(&s->chunk);
    free(s);
}

/* ---- item analysis ---- */

static void figure(csv_out *o, const char *name, double v)
{
    csv_text(o, name);
    csv_num(o, v);
    csv_end_row(o);
}

void export_items(csv_out *o, const itemstats *st, const char (*item_ids)[129])
{
    const itemstats_test *t = &st->test;
    csv_bom(o);
    csv_text(o, "figure");
    csv_text(o, "value");
    csv_end_row(o);
    figure(o, "attempts", (double)t->n);
    figure(o, "max_total", t->max_total);
    figure(o, "mean", t->mean);
    figure(o, "median", t->median);
    figure(o, "sd", t->sd);
    figure(o, "skewness", t->skewness);
    figure(o, "kurtosis", t->kurtosis);
    figure(o, "cic_percent", t->cic);
    figure(o, "error_ratio_percent", t->error_ratio);
    figure(o, "standard_error", t->standard_error);
    csv_end_row(o);
    static const char *const cols[] = {"item",
                                       "attempts",
                                       "facility_percent",
                                       "sd_percent",
                                       "discrimination_index_percent",
                                       "discriminative_efficiency_percent",
                                       "effective_weight_percent",
                                       "max_mark",
                                       "mean_mark",
                                       "flagged"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        csv_text(o, cols[i]);
    csv_end_row(o);
    for (size_t k = 0; k < st->n_items; k++) {
        const itemstats_item *it = &st->items[k];
        csv_text(o, item_ids[k]);
        csv_int(o, (int64_t)it->s);
        csv_num(o, it->facility * 100);
        csv_num(o, it->sd * 100);
        csv_num(o, it->discrimination_index);
        csv_num(o, it->discriminative_efficiency);
        csv_num(o, it->effective_weight);
        csv_num(o, it->max_mark);
        csv_num(o, it->mean_mark);
        csv_text(o, it->flags & ITEMSTATS_LOW_DE ? "yes" : "no");
        csv_end_row(o);
    }
}

void export_distractors(csv_out *o, const itemstats *st, const char (*item_ids)[129])
{
    csv_bom(o);
    static const char *const cols[] = {"item", "option",      "all",    "all_percent",
                                       "top",  "top_percent", "bottom", "bottom_percent"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        csv_text(o, cols[i]);
    csv_end_row(o);
    for (size_t k = 0; st->options && k < st->n_items; k++) {
        const itemstats_options *op = &st->options[k];
        if (!op->n_options || !op->seen[ITEMSTATS_ALL])
            continue;
        for (unsigned opt = 0; opt <= op->n_options; opt++) {
            char letter[16];
            if (opt < op->n_options)
                snprintf(letter, sizeof letter, "%c", opt < 26 ? 'A' + opt : '?');
            else
                snprintf(letter, sizeof letter, "unanswered");
            csv_text(o, item_ids[k]);
            csv_text(o, letter);
            for (int g = 0; g < ITEMSTATS_GROUPS; g++) {
                size_t n = opt < op->n_options ? op->chosen[g][opt] : op->unanswered[g];
                csv_int(o, (int64_t)n);
                if (op->seen[g])
                    csv_num(o, 100.0 * (double)n / (double)op->seen[g]);
                else
                    csv_num(o, NAN);
            }
            csv_end_row(o);
        }
    }
}

/* ---- the fleet ---- */

void export_fleet_header(csv_out *o)
{
    static const char *const cols[] = {
        "station",        "district",    "label",      "state",   "software",         "enrolled",
        "last_heartbeat", "last_upload", "last_stick", "pending", "oldest_pending_s", "results"};
    csv_bom(o);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        csv_text(o, cols[i]);
    csv_end_row(o);
}

void export_fleet_row(csv_out *o, const stats_station *s)
{
    csv_text(o, s->id);
    csv_text(o, s->district);
    csv_text(o, s->label);
    csv_text(o, s->revoked               ? "revoked"
                : s->silent              ? "silent"
                : s->last_heartbeat <= 0 ? "new"
                                         : "ok");
    csv_text(o, s->software);
    iso_time(o, s->enrolled_wall);
    iso_time(o, s->last_heartbeat);
    iso_time(o, s->last_upload);
    iso_time(o, s->last_stick);
    csv_int(o, s->pending);
    csv_int(o, s->oldest_pending_s);
    csv_int(o, s->results);
    csv_end_row(o);
}

/* ---- the audit line ---- */

void export_describe(char *out, size_t len, const char *kind, const reports_filter *f)
{
    size_t at = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(out + at, at < len ? len - at : 0, __VA_ARGS__);                         \
        if (n_ > 0)                                                                                \
            at += (size_t)n_;                                                                      \
    } while (0)
    if (len == 0)
        return;
    out[0] = 0;
    ADD("%s", kind);
    if (f->district)
        ADD(" district=%s", f->district);
    if (f->station)
        ADD(" station=%s", f->station);
    if (f->exam)
        ADD(" exam=%s", f->exam);
    if (f->version > 0)
        ADD(" version=%lld", (long long)f->version);
    if (f->from > 0)
        ADD(" from=%lld", (long long)f->from);
    if (f->to > 0)
        ADD(" to=%lld", (long long)f->to);
    if (f->received_since > 0)
        ADD(" since=%lld", (long long)f->received_since);
    if (f->passed >= 0)
        ADD(" passed=%d", f->passed);
    if (f->trainee)
        ADD(" trainee=%s", f->trainee);
    if (f->name)
        ADD(" name=%s", f->name);
#undef ADD
}
