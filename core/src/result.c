/*
 * result.c - the result serialisation (format 2; format 1 still read),
 * sealing a result at the station and opening it at central, and CSV. The
 * batches that carry sealed results off a station are batch.c's.
 *
 * Result format 2 (varints unless noted):
 *   "SQR" u8(2) str(station) seq attempt_id[16] str(trainee) str(name)
 *   str(exam) version svarint(started) svarint(finished) elapsed_ms
 *   time_limit_s points_milli max_milli u8(percent) u8(flags: passed, timed out)
 *   u8(clock: 0 paused, 1 running) power_grace_s
 *   n_items { str(item) u8(n) order[n] selected u8(flags: answered, flagged)
 *             answered_ms points_milli max_milli }
 *   n_events { u8(kind) svarint(wall before) svarint(wall after) svarint(mono delta)
 *              counted_ms }
 * Format 1 is the same without the clock byte, power_grace_s and
 * counted_ms (read as a paused clock, nothing counted).
 *
 * Practice record format 1 (a practice answer, sealed and sent as a
 * result is; the magic tells them apart inside the signature):
 *   "SQP" u8(1) str(station) seq record_id[16] str(trainee) str(name)
 *   str(exam) version str(topic) str(item) u8(try) u8(flags: right)
 *   selected svarint(created_wall)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "codec_int.h"
#include "result_int.h"
#include "util_int.h"

#define MAX_ITEMS 100000
#define MAX_EVENTS 100000

void sqi_result_encode(const sq_result *r, sq_buf *b)
{
    uint8_t id[16];
    size_t got = 0;
    memset(id, 0, sizeof id);
    sodium_hex2bin(id, sizeof id, r->attempt_id, strlen(r->attempt_id), NULL, &got, NULL);
    /* Format 2 unless the result says 1 (results of older software, and
     * the tests of format 1). */
    int format = r->format == 1 ? 1 : 2;
    sqi_buf_put(b, "SQR", 3);
    sqi_buf_u8(b, (uint8_t)format);
    sqi_buf_str(b, r->station_id);
    sqi_buf_varint(b, (uint64_t)r->seq);
    sqi_buf_put(b, id, 16);
    sqi_buf_str(b, r->trainee_id);
    sqi_buf_str(b, r->trainee_name);
    sqi_buf_str(b, r->exam_id);
    sqi_buf_varint(b, (uint64_t)r->exam_version);
    sqi_buf_svarint(b, r->started_wall_s);
    sqi_buf_svarint(b, r->finished_wall_s);
    sqi_buf_varint(b, (uint64_t)r->elapsed_ms);
    sqi_buf_varint(b, (uint64_t)r->time_limit_s);
    sqi_buf_varint(b, (uint64_t)r->points_milli);
    sqi_buf_varint(b, (uint64_t)r->max_milli);
    sqi_buf_u8(b, (uint8_t)r->percent);
    sqi_buf_u8(b, (uint8_t)(r->passed | r->timed_out << 1));
    if (format >= 2) {
        sqi_buf_u8(b, (uint8_t)r->clock);
        sqi_buf_varint(b, (uint64_t)r->power_grace_s);
    }
    sqi_buf_varint(b, (uint64_t)r->n_items);
    for (int i = 0; i < r->n_items; i++) {
        const sq_result_item *it = &r->items[i];
        sqi_buf_str(b, it->item_id);
        sqi_buf_u8(b, it->n_options);
        sqi_buf_put(b, it->order, it->n_options);
        sqi_buf_varint(b, it->selected);
        sqi_buf_u8(b, (uint8_t)(it->answered | it->flagged << 1));
        sqi_buf_varint(b, (uint64_t)it->answered_ms);
        sqi_buf_varint(b, (uint64_t)it->points_milli);
        sqi_buf_varint(b, (uint64_t)it->max_milli);
    }
    sqi_buf_varint(b, (uint64_t)r->n_events);
    for (int i = 0; i < r->n_events; i++) {
        sqi_buf_u8(b, (uint8_t)r->events[i].kind);
        sqi_buf_svarint(b, r->events[i].wall_before_s);
        sqi_buf_svarint(b, r->events[i].wall_after_s);
        sqi_buf_svarint(b, r->events[i].mono_delta_ms);
        if (format >= 2)
            sqi_buf_varint(b, (uint64_t)r->events[i].counted_ms);
    }
}

void sq_result_free(sq_result *r)
{
    if (!r)
        return;
    free(r->station_id);
    free(r->trainee_id);
    free(r->trainee_name);
    free(r->exam_id);
    for (int i = 0; i < r->n_items; i++)
        free(r->items[i].item_id);
    free(r->items);
    free(r->events);
    free(r);
}

sq_status sq_result_decode(const uint8_t *buf, size_t len, sq_result **out, sq_err *err)
{
    sq_rd r;
    sqi_rd_init(&r, buf, len);
    const uint8_t *magic = sqi_rd_take(&r, 3);
    if (magic && memcmp(magic, "SQP", 3) == 0)
        return sqi_seterr(err, SQ_ECORRUPT, "a practice record, not an exam result");
    if (!magic || memcmp(magic, "SQR", 3) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq result");
    int format = sqi_rd_u8(&r);
    if (format != 1 && format != 2)
        return sqi_seterr(err, SQ_ECORRUPT, "result of an unknown format %d", format);
    sq_result *res = calloc(1, sizeof *res);
    if (!res)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    res->format = format;
    res->station_id = sqi_rd_strdup(&r, SQ_STATION_ID_MAX);
    res->seq = sqi_rd_i63(&r);
    const uint8_t *id = sqi_rd_take(&r, 16);
    if (id)
        sqi_hex_encode(id, 16, res->attempt_id);
    res->trainee_id = sqi_rd_strdup(&r, 64);
    res->trainee_name = sqi_rd_strdup(&r, 255);
    res->exam_id = sqi_rd_strdup(&r, 63);
    res->exam_version = sqi_rd_i63(&r);
    res->started_wall_s = sqi_rd_svarint(&r);
    res->finished_wall_s = sqi_rd_svarint(&r);
    res->elapsed_ms = sqi_rd_i63(&r);
    res->time_limit_s = sqi_rd_i63(&r);
    res->points_milli = sqi_rd_i63(&r);
    res->max_milli = sqi_rd_i63(&r);
    res->percent = sqi_rd_u8(&r);
    uint8_t flags = sqi_rd_u8(&r);
    res->passed = flags & 1;
    res->timed_out = (flags >> 1) & 1;
    res->clock = SQ_CLOCK_PAUSED;
    if (format >= 2) {
        res->clock = sqi_rd_u8(&r);
        res->power_grace_s = sqi_rd_i63(&r);
    }
    uint64_t n = sqi_rd_varint(&r);
    /* Every item takes at least 7 bytes: a count above what is left is a lie. */
    if (r.failed || n > MAX_ITEMS || n > (len - r.pos) / 7 || flags > 3 || res->percent > 100 ||
        res->clock > SQ_CLOCK_RUNNING)
        goto bad;
    res->items = calloc((size_t)n + 1, sizeof *res->items);
    if (!res->items)
        goto bad;
    for (uint64_t i = 0; i < n && !r.failed; i++) {
        sq_result_item *it = &res->items[i];
        res->n_items = (int)i + 1;
        it->item_id = sqi_rd_strdup(&r, 63);
        it->n_options = sqi_rd_u8(&r);
        const uint8_t *o = it->n_options <= 32 ? sqi_rd_take(&r, it->n_options) : NULL;
        if (!o) {
            r.failed = true;
            break;
        }
        memcpy(it->order, o, it->n_options);
        uint64_t sel = sqi_rd_varint(&r);
        if (sel > UINT32_MAX)
            r.failed = true;
        it->selected = (uint32_t)sel;
        uint8_t f = sqi_rd_u8(&r);
        if (f > 3)
            r.failed = true;
        it->answered = f & 1;
        it->flagged = (f >> 1) & 1;
        it->answered_ms = sqi_rd_i63(&r);
        it->points_milli = sqi_rd_i63(&r);
        it->max_milli = sqi_rd_i63(&r);
    }
    uint64_t ne = sqi_rd_varint(&r);
    if (r.failed || ne > MAX_EVENTS || ne > (len - r.pos) / 4)
        goto bad;
    res->events = calloc((size_t)ne + 1, sizeof *res->events);
    if (!res->events)
        goto bad;
    for (uint64_t i = 0; i < ne; i++) {
        res->events[i].kind = sqi_rd_u8(&r);
        res->events[i].wall_before_s = sqi_rd_svarint(&r);
        res->events[i].wall_after_s = sqi_rd_svarint(&r);
        res->events[i].mono_delta_ms = sqi_rd_svarint(&r);
        if (format >= 2)
            res->events[i].counted_ms = sqi_rd_i63(&r);
    }
    res->n_events = (int)ne;
    if (r.failed || r.pos != len || !res->station_id || !res->trainee_id || !res->trainee_name ||
        !res->exam_id)
        goto bad;
    *out = res;
    return SQ_OK;
bad:
    sq_result_free(res);
    return sqi_seterr(err, SQ_ECORRUPT, "result is damaged or truncated");
}

/* Opens a sealed record into its signed plaintext (*plain, *plen; caller
 * wipes and frees *plain). what names it in messages. */
static sq_status open_sealed(const uint8_t *sealed, size_t len, const uint8_t results_pk[32],
                             const uint8_t results_sk[32], const uint8_t station_sign_pk[32],
                             const char *what, uint8_t **plain_out, size_t *plen_out,
                             size_t *cap_out, sq_err *err)
{
    *plain_out = NULL;
    if (len <= crypto_box_SEALBYTES + crypto_sign_BYTES || len > SQ_RESULT_MAX)
        return sqi_seterr(err, SQ_ECORRUPT, "sealed %s of %zu bytes is damaged", what, len);
    sq_status st = SQ_OK;
    size_t slen = len - crypto_box_SEALBYTES;
    uint8_t *signed_msg = malloc(slen), *plain = malloc(slen);
    if (!signed_msg || !plain) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    if (crypto_box_seal_open(signed_msg, sealed, len, results_pk, results_sk) != 0) {
        st = sqi_seterr(err, SQ_EAUTH,
                       "sealed %s does not open with this results key: altered, or "
                       "sealed to another central", what);
        goto out;
    }
    unsigned long long plen;
    if (crypto_sign_open(plain, &plen, signed_msg, slen, station_sign_pk) != 0) {
        char fp[SQ_FINGERPRINT_LEN + 1];
        sq_fingerprint(station_sign_pk, fp);
        st = sqi_seterr(err, SQ_EAUTH, "%s is not signed by the station key %s", what, fp);
        goto out;
    }
    *plain_out = plain;
    *plen_out = (size_t)plen;
    *cap_out = slen;
    plain = NULL;
out:
    free(plain);
    free(signed_msg);
    return st;
}

static void wipe_free(uint8_t *p, size_t n)
{
    if (p) {
        sodium_memzero(p, n);
        free(p);
    }
}

sq_status sq_result_open(const uint8_t *sealed, size_t len, const uint8_t results_pk[32],
                         const uint8_t results_sk[32], const uint8_t station_sign_pk[32],
                         sq_result **out, sq_err *err)
{
    uint8_t *plain;
    size_t plen, cap;
    sq_status st = open_sealed(sealed, len, results_pk, results_sk, station_sign_pk, "result",
                               &plain, &plen, &cap, err);
    if (st)
        return st;
    st = sq_result_decode(plain, plen, out, err);
    wipe_free(plain, cap);
    return st;
}

sq_status sq_record_open(const uint8_t *sealed, size_t len, const uint8_t results_pk[32],
                         const uint8_t results_sk[32], const uint8_t station_sign_pk[32],
                         sq_record_kind *kind, sq_result **result, sq_practice_rec **practice,
                         sq_err *err)
{
    uint8_t *plain;
    size_t plen, cap;
    *result = NULL;
    *practice = NULL;
    sq_status st = open_sealed(sealed, len, results_pk, results_sk, station_sign_pk, "record",
                               &plain, &plen, &cap, err);
    if (st)
        return st;
    if (plen >= 3 && memcmp(plain, "SQP", 3) == 0) {
        *kind = SQ_RECORD_PRACTICE;
        st = sq_practice_rec_decode(plain, plen, practice, err);
    } else if (plen >= 3 && memcmp(plain, "SQR", 3) == 0) {
        *kind = SQ_RECORD_RESULT;
        st = sq_result_decode(plain, plen, result, err);
    } else {
        st = sqi_seterr(err, SQ_ECORRUPT,
                        "a record of a kind this build does not know (newer station software?)");
    }
    wipe_free(plain, cap);
    return st;
}

/* ---- practice records ---- */

void sqi_practice_rec_encode(const sq_practice_rec *p, sq_buf *b)
{
    uint8_t id[16];
    size_t got = 0;
    memset(id, 0, sizeof id);
    sodium_hex2bin(id, sizeof id, p->record_id, strlen(p->record_id), NULL, &got, NULL);
    sqi_buf_put(b, "SQP", 3);
    sqi_buf_u8(b, 1);
    sqi_buf_str(b, p->station_id);
    sqi_buf_varint(b, (uint64_t)p->seq);
    sqi_buf_put(b, id, 16);
    sqi_buf_str(b, p->trainee_id);
    sqi_buf_str(b, p->trainee_name ? p->trainee_name : "");
    sqi_buf_str(b, p->exam_id);
    sqi_buf_varint(b, (uint64_t)p->exam_version);
    sqi_buf_str(b, p->topic ? p->topic : "");
    sqi_buf_str(b, p->item_id);
    sqi_buf_u8(b, (uint8_t)p->try_no);
    sqi_buf_u8(b, (uint8_t)p->right);
    sqi_buf_varint(b, p->selected);
    sqi_buf_svarint(b, p->created_wall_s);
}

void sq_practice_rec_free(sq_practice_rec *p)
{
    if (!p)
        return;
    free(p->station_id);
    free(p->trainee_id);
    free(p->trainee_name);
    free(p->exam_id);
    free(p->topic);
    free(p->item_id);
    free(p);
}

sq_status sq_practice_rec_decode(const uint8_t *buf, size_t len, sq_practice_rec **out,
                                 sq_err *err)
{
    sq_rd r;
    sqi_rd_init(&r, buf, len);
    const uint8_t *magic = sqi_rd_take(&r, 3);
    if (!magic || memcmp(magic, "SQP", 3) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq practice record");
    int format = sqi_rd_u8(&r);
    if (format != 1)
        return sqi_seterr(err, SQ_ECORRUPT, "practice record of an unknown format %d", format);
    sq_practice_rec *p = calloc(1, sizeof *p);
    if (!p)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    p->format = format;
    p->station_id = sqi_rd_strdup(&r, SQ_STATION_ID_MAX);
    p->seq = sqi_rd_i63(&r);
    const uint8_t *id = sqi_rd_take(&r, 16);
    if (id)
        sqi_hex_encode(id, 16, p->record_id);
    p->trainee_id = sqi_rd_strdup(&r, 64);
    p->trainee_name = sqi_rd_strdup(&r, 255);
    p->exam_id = sqi_rd_strdup(&r, 63);
    p->exam_version = sqi_rd_i63(&r);
    p->topic = sqi_rd_strdup(&r, 63);
    p->item_id = sqi_rd_strdup(&r, 63);
    p->try_no = sqi_rd_u8(&r);
    uint8_t flags = sqi_rd_u8(&r);
    p->right = flags & 1;
    uint64_t sel = sqi_rd_varint(&r);
    p->created_wall_s = sqi_rd_svarint(&r);
    if (r.failed || r.pos != len || flags > 1 || sel > UINT32_MAX || p->try_no < 1 ||
        p->try_no > 9 || !p->station_id || !p->trainee_id || !p->trainee_name || !p->exam_id ||
        !p->topic || !p->item_id) {
        sq_practice_rec_free(p);
        return sqi_seterr(err, SQ_ECORRUPT, "practice record is damaged or truncated");
    }
    p->selected = (uint32_t)sel;
    *out = p;
    return SQ_OK;
}

/* CSV field: quoted when it holds a comma, quote or line break. */
static void csv_field(sq_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        sqi_buf_put(b, s, strlen(s));
        return;
    }
    sqi_buf_u8(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            sqi_buf_u8(b, '"');
        sqi_buf_u8(b, (uint8_t)*s);
    }
    sqi_buf_u8(b, '"');
}

/* b - a, or the nearest bound when it does not fit (decoded results may
 * hold any numbers). */
static int64_t diff_sat(int64_t b, int64_t a)
{
    int64_t d;
    if (__builtin_sub_overflow(b, a, &d))
        return a > b ? INT64_MIN : INT64_MAX;
    return d;
}

/* The clock's columns: clock,gaps_counted_s,clock_log and the line end. */
static void csv_clock(sq_buf *b, const sq_result *r)
{
    static const char *const names[] = {"?", "jump", "off", "away", "down", "reboot"};
    char num[96];
    int64_t counted = 0;
    for (int i = 0; i < r->n_events; i++)
        if (__builtin_add_overflow(counted, r->events[i].counted_ms, &counted))
            counted = INT64_MAX;
    snprintf(num, sizeof num, "%s,%lld,", r->clock == SQ_CLOCK_RUNNING ? "running" : "paused",
             (long long)(counted / 1000));
    sqi_buf_put(b, num, strlen(num));
    for (int i = 0; i < r->n_events; i++) {
        const sq_clock_event *e = &r->events[i];
        const char *name = e->kind >= 1 && e->kind <= SQ_CLOCK_EV_REBOOT ? names[e->kind] : "?";
        if (e->kind == SQ_CLOCK_EV_JUMP)
            snprintf(num, sizeof num, "%s%s:%+lld", i ? " " : "", name,
                     (long long)diff_sat(e->wall_after_s, e->wall_before_s));
        else if (e->kind == SQ_CLOCK_EV_OFF)
            snprintf(num, sizeof num, "%s%s:%lld/0", i ? " " : "", name,
                     (long long)diff_sat(e->wall_after_s, e->wall_before_s));
        else
            snprintf(num, sizeof num, "%s%s:%lld/%lld", i ? " " : "", name,
                     (long long)(e->mono_delta_ms / 1000), (long long)(e->counted_ms / 1000));
        sqi_buf_put(b, num, strlen(num));
    }
    sqi_buf_u8(b, '\n');
}

char *sq_result_csv(const sq_result *r, bool header)
{
    sq_buf b;
    char num[64];
    /* A line of names, numbers and the clock's log: at most ~48 bytes an event. */
    sqi_buf_init(&b, (1u << 20) + (size_t)(r->n_events > 0 ? r->n_events : 0) * 64);
    if (header) {
        const char *h = "station,seq,attempt,trainee_id,trainee_name,exam,version,started,"
                        "finished,elapsed_s,points,max_points,percent,passed,timed_out,"
                        "answered,items,clock_events,clock,gaps_counted_s,clock_log\n";
        sqi_buf_put(&b, h, strlen(h));
    }
    int answered = 0;
    for (int i = 0; i < r->n_items; i++)
        answered += r->items[i].answered;
    csv_field(&b, r->station_id);
    snprintf(num, sizeof num, ",%lld,%s,", (long long)r->seq, r->attempt_id);
    sqi_buf_put(&b, num, strlen(num));
    csv_field(&b, r->trainee_id);
    sqi_buf_u8(&b, ',');
    csv_field(&b, r->trainee_name);
    sqi_buf_u8(&b, ',');
    csv_field(&b, r->exam_id);
    char line[512];
    struct tm tm0, tm1;
    char t0[32] = "", t1[32] = "";
    time_t w0 = (time_t)r->started_wall_s, w1 = (time_t)r->finished_wall_s;
    if (gmtime_r(&w0, &tm0))
        strftime(t0, sizeof t0, "%Y-%m-%dT%H:%M:%SZ", &tm0);
    if (gmtime_r(&w1, &tm1))
        strftime(t1, sizeof t1, "%Y-%m-%dT%H:%M:%SZ", &tm1);
    snprintf(line, sizeof line, ",%lld,%s,%s,%lld,%lld.%03lld,%lld.%03lld,%d,%s,%s,%d,%d,%d,",
             (long long)r->exam_version, t0, t1, (long long)(r->elapsed_ms / 1000),
             (long long)(r->points_milli / 1000), (long long)(r->points_milli % 1000),
             (long long)(r->max_milli / 1000), (long long)(r->max_milli % 1000), r->percent,
             r->passed ? "yes" : "no", r->timed_out ? "yes" : "no", answered, r->n_items,
             r->n_events);
    sqi_buf_put(&b, line, strlen(line));
    csv_clock(&b, r);
    sqi_buf_u8(&b, 0);
    if (b.failed) {
        sqi_buf_free(&b);
        return NULL;
    }
    return (char *)b.p;
}

char *sq_practice_rec_csv(const sq_practice_rec *p, bool header)
{
    sq_buf b;
    char num[160];
    sqi_buf_init(&b, 1u << 16);
    if (header) {
        const char *h = "station,seq,record,trainee_id,trainee_name,exam,version,topic,item,"
                        "try,right,selected,created\n";
        sqi_buf_put(&b, h, strlen(h));
    }
    csv_field(&b, p->station_id);
    snprintf(num, sizeof num, ",%lld,%s,", (long long)p->seq, p->record_id);
    sqi_buf_put(&b, num, strlen(num));
    csv_field(&b, p->trainee_id);
    sqi_buf_u8(&b, ',');
    csv_field(&b, p->trainee_name);
    sqi_buf_u8(&b, ',');
    csv_field(&b, p->exam_id);
    snprintf(num, sizeof num, ",%lld,", (long long)p->exam_version);
    sqi_buf_put(&b, num, strlen(num));
    csv_field(&b, p->topic);
    sqi_buf_u8(&b, ',');
    csv_field(&b, p->item_id);
    snprintf(num, sizeof num, ",%d,%s,", p->try_no, p->right ? "yes" : "no");
    sqi_buf_put(&b, num, strlen(num));
    for (int k = 0, first = 1; k < 32; k++)
        if (p->selected & (1u << k)) {
            snprintf(num, sizeof num, "%s%d", first ? "" : " ", k + 1);
            sqi_buf_put(&b, num, strlen(num));
            first = 0;
        }
    struct tm tm0;
    char t0[32] = "";
    time_t w0 = (time_t)p->created_wall_s;
    if (gmtime_r(&w0, &tm0))
        strftime(t0, sizeof t0, "%Y-%m-%dT%H:%M:%SZ", &tm0);
    snprintf(num, sizeof num, ",%s\n", t0);
    sqi_buf_put(&b, num, strlen(num));
    sqi_buf_u8(&b, 0);
    if (b.failed) {
        sqi_buf_free(&b);
        return NULL;
    }
    return (char *)b.p;
}

/* Signs the serialisation ser with the station's key and seals it to
 * central's results key; ser is wiped either way. */
static sq_status sign_seal(sq_buf *ser, const char *what, const uint8_t station_sign_sk[64],
                           const uint8_t central_results_pk[32], uint8_t **out, size_t *out_len,
                           sq_err *err)
{
    sq_status st = SQ_OK;
    uint8_t *signed_msg = NULL, *sealed = NULL;
    size_t signed_len = 0, sealed_len = 0;
    if (ser->failed) {
        st = sqi_seterr(err, SQ_ETOOBIG, "the %s is above %u bytes once sealed", what,
                        SQ_RESULT_MAX);
        goto out;
    }
    signed_len = ser->len + crypto_sign_BYTES;
    sealed_len = signed_len + crypto_box_SEALBYTES;
    signed_msg = malloc(signed_len);
    sealed = malloc(sealed_len);
    if (!signed_msg || !sealed) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    crypto_sign(signed_msg, NULL, ser->p, ser->len, station_sign_sk);
    crypto_box_seal(sealed, signed_msg, signed_len, central_results_pk);
    *out = sealed;
    *out_len = sealed_len;
    sealed = NULL;
out:
    /* What the station saw of the record goes: only the sealed box stays. */
    if (signed_msg) {
        sodium_memzero(signed_msg, signed_len);
        free(signed_msg);
    }
    if (ser->p)
        sodium_memzero(ser->p, ser->len);
    sqi_buf_free(ser);
    free(sealed);
    return st;
}

sq_status sqi_result_seal(const sq_result *r, const uint8_t station_sign_sk[64],
                      const uint8_t central_results_pk[32], uint8_t **out, size_t *out_len,
                      sq_err *err)
{
    sq_buf ser;
    /* SQ_RESULT_MAX bounds the sealed result (what sq_result_open and a
     * batch take), so the serialisation leaves room for the signature and
     * the box: a result sealed above it could never be opened. */
    sqi_buf_init(&ser, SQ_RESULT_MAX - crypto_sign_BYTES - crypto_box_SEALBYTES);
    sqi_result_encode(r, &ser);
    return sign_seal(&ser, "result", station_sign_sk, central_results_pk, out, out_len, err);
}

sq_status sqi_practice_rec_seal(const sq_practice_rec *p, const uint8_t station_sign_sk[64],
                                const uint8_t central_results_pk[32], uint8_t **out,
                                size_t *out_len, sq_err *err)
{
    sq_buf ser;
    sqi_buf_init(&ser, SQ_RESULT_MAX - crypto_sign_BYTES - crypto_box_SEALBYTES);
    sqi_practice_rec_encode(p, &ser);
    return sign_seal(&ser, "practice record", station_sign_sk, central_results_pk, out, out_len,
                     err);
}
