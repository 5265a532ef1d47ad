/*
 * test_result.c - results (result.c): the serialisation (format 1) byte
 * for byte, encode -> decode round trips that keep every field, sealing at
 * the station and opening at central, the largest result that seals, and
 * the refusals: wrong keys, every byte flipped, every truncation, damaged
 * and out-of-range serialisations; then the CSV line and its quoting.
 *
 * Keys are fresh from libsodium for each run; nothing reads the clock.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "check.h"
#include "../core/src/codec_int.h"
#include "../core/src/result_int.h"

#define SEAL_OVERHEAD (crypto_sign_BYTES + crypto_box_SEALBYTES)

static uint8_t station_pk[32], station_sk[64], other_station_pk[32], other_station_sk[64];
static uint8_t results_pk[32], results_sk[32], other_results_pk[32], other_results_sk[32];

/* ---- results to work with ---- */

static sq_result_item basic_items[] = {
    {"q1", 2, {1, 0}, 1u << 1, true, false, 300, 1000, 1000},
    {"q2", 4, {3, 1, 0, 2}, 0, false, true, 0, 0, 2000},
    {"q3", 3, {0, 1, 2}, (1u << 0) | (1u << 2), true, true, 59999, 500, 1000},
};
static sq_clock_event basic_events[] = {
    {1, 1200, 1100, 5, 0},
    {2, 1300, 90000, 0, 0},
};

/* The basic result: 3 items, 2 clock events. */
static sq_result basic = {
    .format = 1,
    .station_id = "st-017",
    .seq = 42,
    .attempt_id = "00112233445566778899aabbccddeeff",
    .trainee_id = "T-1001",
    .trainee_name = "Ann Lee",
    .exam_id = "basics",
    .exam_version = 3,
    .started_wall_s = 1700000000,
    .finished_wall_s = 1700000600,
    .elapsed_ms = 600000,
    .time_limit_s = 900,
    .points_milli = 1500,
    .max_milli = 4000,
    .percent = 37,
    .passed = false,
    .timed_out = true,
    .n_items = 3,
    .items = basic_items,
    .n_events = 2,
    .events = basic_events,
};

static sq_result empty = {
    .format = 1,
    .station_id = "st-1",
    .seq = 1,
    .attempt_id = "ffffffffffffffffffffffffffffffff",
    .trainee_id = "",
    .trainee_name = "",
    .exam_id = "e",
};

static sq_result_item unicode_items[] = {
    {"сұрақ-1", 4, {2, 3, 0, 1}, 1u << 3, true, false, 1234, 1000, 1000},
    {"вопрос-2", 2, {1, 0}, 0, false, false, 0, 0, 1000},
};

static sq_result unicode = {
    .format = 1,
    .station_id = "st-almaty-03",
    .seq = 7,
    .attempt_id = "0123456789abcdef0123456789abcdef",
    .trainee_id = "ЖСН-880101300123",
    .trainee_name = "Әйгерім Нұрланқызы Сәрсенбаева",
    .exam_id = "сайлау-негіздері",
    .exam_version = 1,
    .started_wall_s = 1714550400,
    .finished_wall_s = 1714552200,
    .elapsed_ms = 1800000,
    .time_limit_s = 1800,
    .points_milli = 1000,
    .max_milli = 2000,
    .percent = 50,
    .passed = true,
    .n_items = 2,
    .items = unicode_items,
};

static sq_result_item wide_items[] = {
    {"all-32",
     32,
     {31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
      15, 14, 13, 12, 11, 10, 9,  8,  7,  6,  5,  4,  3,  2,  1,  0},
     UINT32_MAX,
     true,
     true,
     INT64_MAX,
     INT64_MAX,
     INT64_MAX},
    {"none", 0, {0}, 0, false, false, 0, 0, 0},
};
static sq_clock_event wide_events[] = {
    {1, INT64_MIN, INT64_MAX, INT64_MIN, 0},
    {2, -1, 0, INT64_MAX, 0},
    {255, 0, -1, -1, 0},
};

/* Extremes: 32 options, every bound of every number, the longest strings
 * the decoder takes (64, 64, 255, 63 and 63 bytes). */
static sq_result wide = {
    .format = 1,
    .station_id = "s234567890123456789012345678901234567890123456789012345678901234",
    .seq = INT64_MAX,
    .attempt_id = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
    .trainee_id = "t234567890123456789012345678901234567890123456789012345678901234",
    /* 127 Cyrillic letters and one dot: 255 bytes. */
    .trainee_name = "ЁёЖжЗзИиЙйКкЛлМмНнОоПпРрСсТтУуФфХхЦцЧчШшЩщЪъЫыЬьЭэЮюЯя"
                    "ӘәҒғҚқҢңӨөҰұҮүҺһІіАаБбВвГгДдЕеЁёЖжЗзИиЙйКкЛлМмНнОоПпРр"
                    "СсТтУуФфХхЦцЧчШшЩщЪ.",
    .exam_id = "e23456789012345678901234567890123456789012345678901234567890123",
    .exam_version = INT64_MAX,
    .started_wall_s = INT64_MIN,
    .finished_wall_s = INT64_MAX,
    .elapsed_ms = INT64_MAX,
    .time_limit_s = INT64_MAX,
    .points_milli = INT64_MAX,
    .max_milli = INT64_MAX,
    .percent = 100,
    .passed = true,
    .timed_out = true,
    .n_items = 2,
    .items = wide_items,
    .n_events = 3,
    .events = wide_events,
};

/* Item ids of every length the decoder takes: ids[k] has k letters. */
static char ids[64][64];

static void make_ids(void)
{
    for (int k = 0; k < 64; k++) {
        memset(ids[k], 'a' + k % 26, (size_t)k);
        ids[k][k] = 0;
    }
}

/* Many items and events, every field varying. Free items and events. */
static void make_many(sq_result *r, int n_items, int n_events)
{
    *r = basic;
    r->items = calloc((size_t)n_items, sizeof *r->items);
    r->events = calloc((size_t)n_events, sizeof *r->events);
    if (!r->items || !r->events)
        return;
    r->n_items = n_items;
    r->n_events = n_events;
    for (int i = 0; i < n_items; i++) {
        sq_result_item *it = &r->items[i];
        it->item_id = ids[i % 64];
        it->n_options = (uint8_t)(i % 33);
        for (int o = 0; o < it->n_options; o++)
            it->order[o] = (uint8_t)((o * 7 + i) % it->n_options);
        it->selected = (uint32_t)i * 2654435761u;
        it->answered = i % 3 != 0;
        it->flagged = i % 5 == 0;
        it->answered_ms = (int64_t)i * 977;
        it->points_milli = i % 2 ? 1000 : 0;
        it->max_milli = 1000 + i;
    }
    for (int i = 0; i < n_events; i++) {
        r->events[i].kind = 1 + i % 2;
        r->events[i].wall_before_s = 1700000000 + (int64_t)i * 60;
        r->events[i].wall_after_s = 1700000000 - (int64_t)i * 3600;
        r->events[i].mono_delta_ms = (int64_t)i * -1000;
    }
}

/* ---- comparing ---- */

static void diff(const char *what, const char *field, int i, int line)
{
    check_failures++;
    if (i >= 0)
        fprintf(stderr, "%s:%d: %s: %s[%d] differs\n", __FILE__, line, what, field, i);
    else
        fprintf(stderr, "%s:%d: %s: %s differs\n", __FILE__, line, what, field);
}

#define SAME_INT(f)                                                                                \
    do {                                                                                           \
        check_count++;                                                                             \
        if (w->f != g->f)                                                                          \
            diff(what, #f, -1, __LINE__);                                                          \
    } while (0)
#define SAME_STR(f)                                                                                \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!g->f || strcmp(w->f, g->f) != 0)                                                      \
            diff(what, #f, -1, __LINE__);                                                          \
    } while (0)

static bool same_item(const sq_result_item *a, const sq_result_item *b)
{
    return a->item_id && b->item_id && strcmp(a->item_id, b->item_id) == 0 &&
           a->n_options == b->n_options && memcmp(a->order, b->order, a->n_options) == 0 &&
           a->selected == b->selected && a->answered == b->answered && a->flagged == b->flagged &&
           a->answered_ms == b->answered_ms && a->points_milli == b->points_milli &&
           a->max_milli == b->max_milli;
}

/* Every field of g is w's. */
static void same_result(const char *what, const sq_result *w, const sq_result *g)
{
    if (!g) {
        check_count++;
        diff(what, "the whole result", -1, __LINE__);
        return;
    }
    SAME_INT(format);
    SAME_STR(station_id);
    SAME_INT(seq);
    SAME_STR(attempt_id);
    SAME_STR(trainee_id);
    SAME_STR(trainee_name);
    SAME_STR(exam_id);
    SAME_INT(exam_version);
    SAME_INT(started_wall_s);
    SAME_INT(finished_wall_s);
    SAME_INT(elapsed_ms);
    SAME_INT(time_limit_s);
    SAME_INT(points_milli);
    SAME_INT(max_milli);
    SAME_INT(percent);
    SAME_INT(passed);
    SAME_INT(timed_out);
    SAME_INT(clock);
    SAME_INT(power_grace_s);
    SAME_INT(n_items);
    SAME_INT(n_events);
    if (w->n_items != g->n_items || w->n_events != g->n_events)
        return;
    /* The items and the events: one check each, naming the first that differs. */
    int i = 0;
    while (i < w->n_items && same_item(&w->items[i], &g->items[i]))
        i++;
    check_count++;
    if (i < w->n_items)
        diff(what, "items", i, __LINE__);
    for (i = 0; i < w->n_events; i++) {
        const sq_clock_event *a = &w->events[i], *b = &g->events[i];
        if (a->kind != b->kind || a->wall_before_s != b->wall_before_s ||
            a->wall_after_s != b->wall_after_s || a->mono_delta_ms != b->mono_delta_ms ||
            a->counted_ms != b->counted_ms)
            break;
    }
    check_count++;
    if (i < w->n_events)
        diff(what, "events", i, __LINE__);
}

/* ---- the format, byte for byte ---- */

/* basic's first item and first event alone, with name "Ann" and other
 * small numbers: every field of format 1 in order (see result.c). */
/* clang-format off */
static const uint8_t golden[] = {
    'S', 'Q', 'R', 1,                                   /* magic, format */
    4, 's', 't', '-', '1',                              /* station */
    5,                                                  /* seq */
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,     /* attempt id */
    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,     /* ... */
    2, 't', '1', 3, 'A', 'n', 'n', 2, 'e', 'x',         /* trainee, name, exam */
    2,                                                  /* version */
    0xd0, 0x0f, 0x80, 0x19,                             /* started 1000, finished 1600 */
    0xc0, 0xcf, 0x24, 0x84, 0x07,                       /* elapsed 600000, limit 900 */
    0xdc, 0x0b, 0xd0, 0x0f,                             /* points 1500, max 2000 */
    75, 1,                                              /* percent, passed */
    1,                                                  /* n_items */
    2, 'q', '1', 2, 1, 0, 2, 1,                         /* id, n, order, selected, answered */
    0xac, 0x02, 0xe8, 0x07, 0xe8, 0x07,                 /* answered_ms 300, points, max */
    1,                                                  /* n_events */
    1, 0xe0, 0x12, 0x98, 0x11, 0x0a,                    /* kind, 1200, 1100, 5 */
};
/* clang-format on */

/* Offsets into golden. */
enum {
    AT_FORMAT = 3,
    AT_STATION = 4,
    AT_SEQ = 9,
    AT_PERCENT = 50,
    AT_FLAGS = 51,
    AT_N_ITEMS = 52,
    AT_ITEM_ID = 53,
    AT_N_OPTIONS = 56,
    AT_SELECTED = 59,
    AT_ITEM_FLAGS = 60,
    AT_N_EVENTS = 67,
    AT_END = 74,
};

static sq_result_item golden_item = {"q1", 2, {1, 0}, 1u << 1, true, false, 300, 1000, 1000};
static sq_clock_event golden_event = {1, 1200, 1100, 5, 0};
static sq_result golden_result = {
    .format = 1,
    .station_id = "st-1",
    .seq = 5,
    .attempt_id = "00112233445566778899aabbccddeeff",
    .trainee_id = "t1",
    .trainee_name = "Ann",
    .exam_id = "ex",
    .exam_version = 2,
    .started_wall_s = 1000,
    .finished_wall_s = 1600,
    .elapsed_ms = 600000,
    .time_limit_s = 900,
    .points_milli = 1500,
    .max_milli = 2000,
    .percent = 75,
    .passed = true,
    .n_items = 1,
    .items = &golden_item,
    .n_events = 1,
    .events = &golden_event,
};

static void test_golden(void)
{
    sq_buf b;
    sq_err e = {0};
    sq_result *got = NULL;
    CHECK_INT(AT_END, sizeof golden);
    sqi_buf_init(&b, 0);
    sqi_result_encode(&golden_result, &b);
    CHECK(!b.failed);
    CHECK_INT(sizeof golden, b.len);
    check_count++;
    if (b.len != sizeof golden || memcmp(b.p, golden, b.len) != 0) {
        check_failures++;
        for (size_t i = 0; i < b.len && i < sizeof golden; i++)
            if (b.p[i] != golden[i]) {
                fprintf(stderr, "%s:%d: golden: first difference at byte %zu: %02x, not %02x\n",
                        __FILE__, __LINE__, i, b.p[i], golden[i]);
                break;
            }
    }
    sqi_buf_free(&b);
    CHECK_OK(sq_result_decode(golden, sizeof golden, &got, &e), &e);
    same_result("golden", &golden_result, got);
    sq_result_free(got);
}

/* Format 2: golden_result under a running clock with a 10-minute power
 * grace, after a power cut of an hour (measured on the wall clock, 600 s
 * counted) and a minute away (counted in full). */
/* clang-format off */
static const uint8_t golden2[] = {
    'S', 'Q', 'R', 2,                                   /* magic, format */
    4, 's', 't', '-', '1',                              /* station */
    5,                                                  /* seq */
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,     /* attempt id */
    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,     /* ... */
    2, 't', '1', 3, 'A', 'n', 'n', 2, 'e', 'x',         /* trainee, name, exam */
    2,                                                  /* version */
    0xd0, 0x0f, 0x80, 0x19,                             /* started 1000, finished 1600 */
    0xc0, 0xcf, 0x24, 0x84, 0x07,                       /* elapsed 600000, limit 900 */
    0xdc, 0x0b, 0xd0, 0x0f,                             /* points 1500, max 2000 */
    75, 1,                                              /* percent, passed */
    1, 0xd8, 0x04,                                      /* clock running, grace 600 */
    1,                                                  /* n_items */
    2, 'q', '1', 2, 1, 0, 2, 1,                         /* id, n, order, selected, answered */
    0xac, 0x02, 0xe8, 0x07, 0xe8, 0x07,                 /* answered_ms 300, points, max */
    2,                                                  /* n_events */
    5, 0xd0, 0x0f, 0xf0, 0x47,                          /* reboot, wall 1000, 4600 */
    0x80, 0xba, 0xb7, 0x03, 0xc0, 0xcf, 0x24,           /* measured 3600000, counted 600000 */
    3, 0xf0, 0x47, 0xe8, 0x48,                          /* away, wall 4600, 4660 */
    0xc0, 0xa9, 0x07, 0xe0, 0xd4, 0x03,                 /* measured 60000, counted 60000 */
};
/* clang-format on */

static sq_clock_event golden2_events[] = {
    {SQ_CLOCK_EV_REBOOT, 1000, 4600, 3600000, 600000},
    {SQ_CLOCK_EV_AWAY, 4600, 4660, 60000, 60000},
};

static void golden2_result(sq_result *r)
{
    *r = golden_result;
    r->format = 2;
    r->clock = SQ_CLOCK_RUNNING;
    r->power_grace_s = 600;
    r->n_events = 2;
    r->events = golden2_events;
}

static void test_golden2(void)
{
    sq_buf b;
    sq_err e = {0};
    sq_result want, *got = NULL;
    golden2_result(&want);
    sqi_buf_init(&b, 0);
    sqi_result_encode(&want, &b);
    CHECK(!b.failed);
    CHECK_INT(sizeof golden2, b.len);
    check_count++;
    if (b.len != sizeof golden2 || memcmp(b.p, golden2, b.len) != 0) {
        check_failures++;
        for (size_t i = 0; i < b.len && i < sizeof golden2; i++)
            if (b.p[i] != golden2[i]) {
                fprintf(stderr, "%s:%d: golden2: first difference at byte %zu: %02x, not %02x\n",
                        __FILE__, __LINE__, i, b.p[i], golden2[i]);
                break;
            }
    }
    sqi_buf_free(&b);
    CHECK_OK(sq_result_decode(golden2, sizeof golden2, &got, &e), &e);
    same_result("golden2", &want, got);
    sq_result_free(got);
    /* A clock byte other than 0 and 1 is refused; every cut too. */
    uint8_t bad[sizeof golden2];
    memcpy(bad, golden2, sizeof bad);
    bad[52] = 2;
    CHECK_ERR(SQ_ECORRUPT, "damaged", sq_result_decode(bad, sizeof bad, &got, &e), &e);
    int wrong = 0;
    for (size_t cut = 4; cut < sizeof golden2; cut++) {
        got = NULL;
        if (sq_result_decode(golden2, cut, &got, &e) != SQ_ECORRUPT || got)
            wrong++;
        sq_result_free(got);
    }
    CHECK_INT(0, wrong);
    /* A result without a "format" of 1 is written as format 2. */
    want.format = 0;
    sqi_buf_init(&b, 0);
    sqi_result_encode(&want, &b);
    CHECK(b.len == sizeof golden2 && memcmp(b.p, golden2, b.len) == 0);
    sqi_buf_free(&b);
}

/* ---- round trips ---- */

typedef struct {
    const char *what;
    const sq_result *r;
} trip_case;

/* Encodes, decodes and re-encodes r: every field kept, the same bytes. */
static void encode_decode(const char *what, const sq_result *r)
{
    sq_buf b1, b2;
    sq_err e = {0};
    sq_result *got = NULL;
    sqi_buf_init(&b1, 0);
    sqi_buf_init(&b2, 0);
    sqi_result_encode(r, &b1);
    CHECK(!b1.failed);
    CHECK_OK(sq_result_decode(b1.p, b1.len, &got, &e), &e);
    same_result(what, r, got);
    if (got) {
        sqi_result_encode(got, &b2);
        CHECK(b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0);
    }
    sq_result_free(got);
    sqi_buf_free(&b1);
    sqi_buf_free(&b2);
}

/* Seals r and opens it: every field kept, the size exactly the
 * serialisation plus the signature and the box; sealing twice differs. */
static void seal_open(const char *what, const sq_result *r)
{
    sq_buf b;
    sq_err e = {0};
    uint8_t *sealed = NULL, *again = NULL;
    size_t sealed_len = 0, again_len = 0;
    sq_result *got = NULL;
    sqi_buf_init(&b, 0);
    sqi_result_encode(r, &b);
    CHECK_OK(sqi_result_seal(r, station_sk, results_pk, &sealed, &sealed_len, &e), &e);
    CHECK_INT(b.len + SEAL_OVERHEAD, sealed_len);
    CHECK_OK(sq_result_open(sealed, sealed_len, results_pk, results_sk, station_pk, &got, &e), &e);
    same_result(what, r, got);
    CHECK_OK(sqi_result_seal(r, station_sk, results_pk, &again, &again_len, &e), &e);
    CHECK(sealed && again && sealed_len == again_len && memcmp(sealed, again, sealed_len) != 0);
    sq_result_free(got);
    free(sealed);
    free(again);
    sqi_buf_free(&b);
}

static void test_round_trips(void)
{
    sq_result many;
    make_many(&many, 2000, 100);
    CHECK(many.items && many.events);
    const trip_case cases[] = {
        {"basic", &basic},
        {"zero items, no events", &empty},
        {"Kazakh and Russian", &unicode},
        {"32 options and the extremes", &wide},
        {"2000 items, 100 events", &many},
        {"golden", &golden_result},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (!cases[i].r->items && cases[i].r->n_items)
            continue;
        encode_decode(cases[i].what, cases[i].r);
        seal_open(cases[i].what, cases[i].r);
    }
    free(many.items);
    free(many.events);
}

/* ---- the refusals of opening ---- */

static void test_open_refusals(void)
{
    sq_err e = {0};
    uint8_t *sealed = NULL, *bad = NULL;
    size_t len = 0;
    sq_result *got = NULL;
    CHECK_OK(sqi_result_seal(&basic, station_sk, results_pk, &sealed, &len, &e), &e);
    if (!sealed)
        return;
    bad = malloc(len);
    if (!bad)
        goto out;

    /* Another central's results key, or a key pair that does not match. */
    CHECK_ERR(SQ_EAUTH, "does not open with this results key",
              sq_result_open(sealed, len, other_results_pk, other_results_sk, station_pk, &got, &e),
              &e);
    CHECK_ERR(SQ_EAUTH, "sealed to another central",
              sq_result_open(sealed, len, results_pk, other_results_sk, station_pk, &got, &e), &e);
    CHECK_ERR(SQ_EAUTH, "does not open with this results key",
              sq_result_open(sealed, len, other_results_pk, results_sk, station_pk, &got, &e), &e);
    CHECK(got == NULL);

    /* Another station's key: the message names the key it tried. */
    char fp[SQ_FINGERPRINT_LEN + 1];
    sq_fingerprint(other_station_pk, fp);
    CHECK_ERR(SQ_EAUTH, "not signed by the station key",
              sq_result_open(sealed, len, results_pk, results_sk, other_station_pk, &got, &e), &e);
    CHECK(strstr(e.msg, fp) != NULL);
    CHECK(got == NULL);

    /* Signed by another station, sealed to the right central. */
    uint8_t *forged = NULL;
    size_t forged_len = 0;
    CHECK_OK(sqi_result_seal(&basic, other_station_sk, results_pk, &forged, &forged_len, &e), &e);
    if (forged)
        CHECK_ERR(SQ_EAUTH, "not signed by the station key",
                  sq_result_open(forged, forged_len, results_pk, results_sk, station_pk, &got, &e),
                  &e);
    free(forged);

    /* Every byte flipped, one bit and all bits: the box's tag notices. */
    int wrong = 0;
    for (size_t i = 0; i < len; i++) {
        for (int mask = 0x01; mask <= 0xff; mask = mask == 0x01 ? 0xff : 0x100) {
            memcpy(bad, sealed, len);
            bad[i] ^= (uint8_t)mask;
            e.msg[0] = 0;
            sq_status st = sq_result_open(bad, len, results_pk, results_sk, station_pk, &got, &e);
            if (st != SQ_EAUTH || !strstr(e.msg, "does not open with this results key") || got) {
                if (!wrong++)
                    fprintf(stderr, "flip %02x at %zu of %zu: %d %s\n", mask, i, len, st, e.msg);
                sq_result_free(got);
                got = NULL;
            }
        }
    }
    CHECK_INT(0, wrong);
    /* Named positions, one check each: the ephemeral key, the tag, the
     * signature, the fields, the last byte. */
    static const size_t at[] = {0, 31, 32, 47, 48, 48 + 63, 48 + 64, 48 + 64 + 3};
    for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
        memcpy(bad, sealed, len);
        bad[at[k]] ^= 0x20;
        CHECK_ERR(SQ_EAUTH, "altered",
                  sq_result_open(bad, len, results_pk, results_sk, station_pk, &got, &e), &e);
    }
    memcpy(bad, sealed, len);
    bad[len - 1] ^= 0x20;
    CHECK_ERR(SQ_EAUTH, "altered",
              sq_result_open(bad, len, results_pk, results_sk, station_pk, &got, &e), &e);

    /* Cut at every length: too short to be a sealed signed message is
     * damaged; longer, the box does not open. */
    wrong = 0;
    for (size_t cut = 0; cut < len; cut++) {
        bool tiny = cut <= SEAL_OVERHEAD;
        e.msg[0] = 0;
        sq_status st = sq_result_open(sealed, cut, results_pk, results_sk, station_pk, &got, &e);
        if (st != (tiny ? SQ_ECORRUPT : SQ_EAUTH) ||
            !strstr(e.msg, tiny ? "is damaged" : "does not open") || got) {
            if (!wrong++)
                fprintf(stderr, "cut at %zu of %zu: %d %s\n", cut, len, st, e.msg);
            sq_result_free(got);
            got = NULL;
        }
    }
    CHECK_INT(0, wrong);
    CHECK_ERR(SQ_ECORRUPT, "sealed result of 0 bytes is damaged",
              sq_result_open(NULL, 0, results_pk, results_sk, station_pk, &got, &e), &e);
    CHECK_ERR(SQ_ECORRUPT, "sealed result of 112 bytes is damaged",
              sq_result_open(sealed, SEAL_OVERHEAD, results_pk, results_sk, station_pk, &got, &e),
              &e);
    CHECK(got == NULL);

    /* Above SQ_RESULT_MAX: refused before any crypto. */
    uint8_t *huge = calloc(1, SQ_RESULT_MAX + 1);
    if (huge) {
        char phrase[64];
        snprintf(phrase, sizeof phrase, "sealed result of %u bytes is damaged", SQ_RESULT_MAX + 1);
        CHECK_ERR(
            SQ_ECORRUPT, phrase,
            sq_result_open(huge, SQ_RESULT_MAX + 1, results_pk, results_sk, station_pk, &got, &e),
            &e);
        free(huge);
    }

    /* Signed and sealed properly, but not a result inside: the decoder's
     * refusal comes through. */
    static const uint8_t not_a_result[] = "SQB\x01 not a result";
    uint8_t signed_msg[sizeof not_a_result + crypto_sign_BYTES];
    uint8_t boxed[sizeof signed_msg + crypto_box_SEALBYTES];
    crypto_sign(signed_msg, NULL, not_a_result, sizeof not_a_result, station_sk);
    crypto_box_seal(boxed, signed_msg, sizeof signed_msg, results_pk);
    CHECK_ERR(SQ_ECORRUPT, "not a Synaq result",
              sq_result_open(boxed, sizeof boxed, results_pk, results_sk, station_pk, &got, &e),
              &e);
    CHECK(got == NULL);
out:
    free(bad);
    free(sealed);
}

/* ---- the largest result ---- */

/* Fills r (a copy of basic) with items so that it serialises to exactly
 * target bytes: items of 70 bytes (a 63-letter id), the first ones cut
 * shorter. r->items is the caller's to free. */
static void fill_to(sq_result *r, size_t target)
{
    sq_buf b;
    *r = basic;
    r->n_items = 0;
    r->items = NULL;
    sqi_buf_init(&b, 0);
    sqi_result_encode(r, &b);
    /* 128 items and more take a 2-byte count. */
    size_t left = target - b.len - 1;
    sqi_buf_free(&b);
    size_t n = (left + 69) / 70, excess = n * 70 - left;
    r->items = calloc(n, sizeof *r->items);
    if (!r->items)
        return;
    r->n_items = (int)n;
    for (size_t i = 0; i < n; i++) {
        size_t cut = excess < 63 ? excess : 63;
        excess -= cut;
        r->items[i].item_id = ids[63 - cut];
    }
}

static size_t encoded_len(const sq_result *r)
{
    sq_buf b;
    sqi_buf_init(&b, 0);
    sqi_result_encode(r, &b);
    size_t n = b.failed ? 0 : b.len;
    sqi_buf_free(&b);
    return n;
}

static void test_largest(void)
{
    sq_err e = {0};
    sq_result r;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    sq_result *got = NULL;

    /* The largest that seals is exactly SQ_RESULT_MAX sealed, and opens. */
    fill_to(&r, SQ_RESULT_MAX - SEAL_OVERHEAD);
    CHECK(r.items != NULL);
    CHECK_INT(SQ_RESULT_MAX - SEAL_OVERHEAD, encoded_len(&r));
    CHECK_OK(sqi_result_seal(&r, station_sk, results_pk, &sealed, &sealed_len, &e), &e);
    CHECK_INT(SQ_RESULT_MAX, sealed_len);
    CHECK_OK(sq_result_open(sealed, sealed_len, results_pk, results_sk, station_pk, &got, &e), &e);
    same_result("largest", &r, got);
    sq_result_free(got);
    got = NULL;
    free(sealed);
    sealed = NULL;
    free(r.items);

    /* One byte more would seal above SQ_RESULT_MAX, which no one could
     * open: refused at the station. */
    fill_to(&r, SQ_RESULT_MAX - SEAL_OVERHEAD + 1);
    CHECK_INT(SQ_RESULT_MAX - SEAL_OVERHEAD + 1, encoded_len(&r));
    CHECK_ERR(SQ_ETOOBIG, "the result is above",
              sqi_result_seal(&r, station_sk, results_pk, &sealed, &sealed_len, &e), &e);
    CHECK(sealed == NULL);
    free(sealed);
    sealed = NULL;
    free(r.items);
    fill_to(&r, SQ_RESULT_MAX);
    CHECK_ERR(SQ_ETOOBIG, "the result is above",
              sqi_result_seal(&r, station_sk, results_pk, &sealed, &sealed_len, &e), &e);
    free(sealed);
    sealed = NULL;
    free(r.items);

    /* A 2 MiB name (no decoder would take it anyway). */
    size_t big = (size_t)2 << 20;
    char *name = malloc(big + 1);
    if (name) {
        memset(name, 'n', big);
        name[big] = 0;
        r = basic;
        r.trainee_name = name;
        CHECK_ERR(SQ_ETOOBIG, "the result is above",
                  sqi_result_seal(&r, station_sk, results_pk, &sealed, &sealed_len, &e), &e);
        CHECK(sealed == NULL);
        free(name);
    }
}

/* ---- the refusals of decoding ---- */

typedef struct {
    const char *what;
    size_t at, cut; /* replace cut bytes at at ... */
    size_t n;       /* ... with n bytes of put */
    const char *put;
    sq_status st;
    const char *phrase;
} patch_case;

#define P(lit) sizeof(lit) - 1, lit
#define DAMAGED SQ_ECORRUPT, "result is damaged or truncated"

static const patch_case patches[] = {
    {"golden as is", 0, 0, P(""), SQ_OK, NULL},
    {"magic SQX", 2, 1, P("X"), SQ_ECORRUPT, "not a Synaq result"},
    {"magic sqr", 0, 3, P("sqr"), SQ_ECORRUPT, "not a Synaq result"},
    {"format 0", AT_FORMAT, 1, P("\x00"), SQ_ECORRUPT, "result of an unknown format 0"},
    {"format 3", AT_FORMAT, 1, P("\x03"), SQ_ECORRUPT, "result of an unknown format 3"},
    /* Format 1's bytes claiming format 2: the clock's fields eat the
     * items, and what is left does not add up. */
    {"format 1 under 2", AT_FORMAT, 1, P("\x02"), SQ_ECORRUPT, "damaged or truncated"},
    {"format 255", AT_FORMAT, 1, P("\xff"), SQ_ECORRUPT, "result of an unknown format 255"},
    {"station of 65 bytes", AT_STATION, 1, P("\x41"), DAMAGED},
    {"station of 0 bytes", AT_STATION, 5, P("\x00"), SQ_OK, NULL},
    {"station overlong UTF-8", AT_STATION + 1, 1, P("\xc0"), DAMAGED},
    {"station with NUL", AT_STATION + 2, 1, P("\x00"), DAMAGED},
    {"seq 2^63", AT_SEQ, 1, P("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"), DAMAGED},
    {"seq INT64_MAX", AT_SEQ, 1, P("\xff\xff\xff\xff\xff\xff\xff\xff\x7f"), SQ_OK, NULL},
    {"seq 11 bytes", AT_SEQ, 1, P("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"), DAMAGED},
    {"percent 100", AT_PERCENT, 1, P("\x64"), SQ_OK, NULL},
    {"percent 101", AT_PERCENT, 1, P("\x65"), DAMAGED},
    {"flags 3", AT_FLAGS, 1, P("\x03"), SQ_OK, NULL},
    {"flags 4", AT_FLAGS, 1, P("\x04"), DAMAGED},
    {"n_items 0 (the item left over)", AT_N_ITEMS, 1, P("\x00"), DAMAGED},
    {"n_items 2", AT_N_ITEMS, 1, P("\x02"), DAMAGED},
    {"n_items above the bytes left", AT_N_ITEMS, 1, P("\x04"), DAMAGED},
    {"n_items 2^32-1", AT_N_ITEMS, 1, P("\xff\xff\xff\xff\x0f"), DAMAGED},
    {"n_items truncated varint", AT_N_ITEMS, AT_END - AT_N_ITEMS, P("\x80"), DAMAGED},
    {"item id bad UTF-8", AT_ITEM_ID + 1, 1, P("\xff"), DAMAGED},
    /* \100 is 64, the length. */
    {"item id 64 bytes", AT_ITEM_ID, 3,
     P("\1000123456789012345678901234567890123456789012345678901234567890123"), DAMAGED},
    {"n_options 32, too few bytes", AT_N_OPTIONS, 1, P("\x20"), DAMAGED},
    {"n_options 33", AT_N_OPTIONS, 1, P("\x21"), DAMAGED},
    {"n_options 255", AT_N_OPTIONS, 1, P("\xff"), DAMAGED},
    {"selected 2^32-1", AT_SELECTED, 1, P("\xff\xff\xff\xff\x0f"), SQ_OK, NULL},
    {"selected 2^32", AT_SELECTED, 1, P("\x80\x80\x80\x80\x10"), DAMAGED},
    {"item flags 3", AT_ITEM_FLAGS, 1, P("\x03"), SQ_OK, NULL},
    {"item flags 4", AT_ITEM_FLAGS, 1, P("\x04"), DAMAGED},
    {"answered_ms 2^63", AT_ITEM_FLAGS + 1, 2, P("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"),
     DAMAGED},
    {"n_events 0 (the event left over)", AT_N_EVENTS, 1, P("\x00"), DAMAGED},
    {"n_events 2", AT_N_EVENTS, 1, P("\x02"), DAMAGED},
    {"n_events huge", AT_N_EVENTS, 1, P("\xff\xff\xff\xff\x0f"), DAMAGED},
    {"n_events 0, nothing after", AT_N_EVENTS, AT_END - AT_N_EVENTS, P("\x00"), SQ_OK, NULL},
    {"event wall over 64 bits", AT_N_EVENTS + 2, 2, P("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x03"),
     DAMAGED},
    {"a byte after the end", AT_END, 0, P("\x00"), DAMAGED},
    {"the last byte gone", AT_END - 1, 1, P(""), DAMAGED},
};

static void test_decode_refusals(void)
{
    uint8_t in[sizeof golden + 64];
    for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++) {
        const patch_case *c = &patches[i];
        size_t len = c->at + c->n + (sizeof golden - c->at - c->cut);
        memcpy(in, golden, c->at);
        memcpy(in + c->at, c->put, c->n);
        memcpy(in + c->at + c->n, golden + c->at + c->cut, sizeof golden - c->at - c->cut);
        sq_err e = {0};
        sq_result *got = NULL;
        sq_status st = sq_result_decode(in, len, &got, &e);
        check_count++;
        if (st != c->st || (c->phrase && !strstr(e.msg, c->phrase)) || (st != SQ_OK) != !got) {
            check_failures++;
            fprintf(stderr, "%s:%d: %s: expected %d with \"%s\", got %d: \"%s\"\n", __FILE__,
                    __LINE__, c->what, c->st, c->phrase ? c->phrase : "", st, st ? e.msg : "");
        }
        sq_result_free(got);
    }

    /* Every truncation of the golden bytes. */
    int wrong = 0;
    for (size_t cut = 0; cut < sizeof golden; cut++) {
        sq_err e = {0};
        sq_result *got = NULL;
        const char *phrase = cut < 3    ? "not a Synaq result"
                             : cut == 3 ? "unknown format 0"
                                        : "damaged or truncated";
        sq_status st = sq_result_decode(golden, cut, &got, &e);
        if (st != SQ_ECORRUPT || !strstr(e.msg, phrase) || got) {
            if (!wrong++)
                fprintf(stderr, "cut at %zu: %d %s\n", cut, st, e.msg);
            sq_result_free(got);
        }
    }
    CHECK_INT(0, wrong);
    sq_err e = {0};
    sq_result *got = NULL;
    CHECK_ERR(SQ_ECORRUPT, "not a Synaq result", sq_result_decode(NULL, 0, &got, &e), &e);
    static const uint8_t garbage[] = "PK\x03\x04 this is a zip file, not a result at all";
    CHECK_ERR(SQ_ECORRUPT, "not a Synaq result",
              sq_result_decode(garbage, sizeof garbage, &got, &e), &e);
    CHECK(got == NULL);
}

/* Fields the encoder writes as it is told but the decoder bounds: each
 * just within and just past its bound, through encode -> decode. */
typedef struct {
    const char *what;
    void (*set)(sq_result *r, const char *s, int64_t v);
    size_t len; /* a string of this many bytes, or ... */
    int64_t v;  /* ... this number */
    bool ok;
} bound_case;

static void set_station(sq_result *r, const char *s, int64_t v)
{
    r->station_id = (char *)s;
}
static void set_trainee(sq_result *r, const char *s, int64_t v)
{
    r->trainee_id = (char *)s;
}
static void set_name(sq_result *r, const char *s, int64_t v)
{
    r->trainee_name = (char *)s;
}
static void set_exam(sq_result *r, const char *s, int64_t v)
{
    r->exam_id = (char *)s;
}
static void set_item(sq_result *r, const char *s, int64_t v)
{
    r->items[1].item_id = (char *)s;
}
static void set_seq(sq_result *r, const char *s, int64_t v)
{
    r->seq = v;
}
static void set_version(sq_result *r, const char *s, int64_t v)
{
    r->exam_version = v;
}
static void set_elapsed(sq_result *r, const char *s, int64_t v)
{
    r->elapsed_ms = v;
}
static void set_limit(sq_result *r, const char *s, int64_t v)
{
    r->time_limit_s = v;
}
static void set_points(sq_result *r, const char *s, int64_t v)
{
    r->points_milli = v;
}
static void set_max(sq_result *r, const char *s, int64_t v)
{
    r->max_milli = v;
}
static void set_percent(sq_result *r, const char *s, int64_t v)
{
    r->percent = (int)v;
}
static void set_item_ms(sq_result *r, const char *s, int64_t v)
{
    r->items[2].answered_ms = v;
}
static void set_item_points(sq_result *r, const char *s, int64_t v)
{
    r->items[0].points_milli = v;
}
static void set_item_max(sq_result *r, const char *s, int64_t v)
{
    r->items[0].max_milli = v;
}

static const bound_case bounds[] = {
    {"station 64 bytes", set_station, 64, 0, true},
    {"station 65 bytes", set_station, 65, 0, false},
    {"trainee id 64 bytes", set_trainee, 64, 0, true},
    {"trainee id 65 bytes", set_trainee, 65, 0, false},
    {"name 255 bytes", set_name, 255, 0, true},
    {"name 256 bytes", set_name, 256, 0, false},
    {"exam 63 bytes", set_exam, 63, 0, true},
    {"exam 64 bytes", set_exam, 64, 0, false},
    {"item id 63 bytes", set_item, 63, 0, true},
    {"item id 64 bytes", set_item, 64, 0, false},
    {"seq 0", set_seq, 0, 0, true},
    {"seq -1", set_seq, 0, -1, false},
    {"seq INT64_MIN", set_seq, 0, INT64_MIN, false},
    {"version -1", set_version, 0, -1, false},
    {"elapsed -1", set_elapsed, 0, -1, false},
    {"time limit -1", set_limit, 0, -1, false},
    {"points -1", set_points, 0, -1, false},
    {"max -1", set_max, 0, -1, false},
    {"percent 0", set_percent, 0, 0, true},
    {"percent 100", set_percent, 0, 100, true},
    {"percent 101", set_percent, 0, 101, false},
    {"percent 255", set_percent, 0, 255, false},
    {"item answered_ms -1", set_item_ms, 0, -1, false},
    {"item points -1", set_item_points, 0, -1, false},
    {"item max -1", set_item_max, 0, -1, false},
};

static void test_decode_bounds(void)
{
    char s[300];
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        const bound_case *c = &bounds[i];
        sq_result_item items[3];
        sq_result r = basic;
        memcpy(items, basic_items, sizeof items);
        r.items = items;
        memset(s, 'x', c->len);
        s[c->len] = 0;
        c->set(&r, s, c->v);
        sq_buf b;
        sq_err e = {0};
        sq_result *got = NULL;
        sqi_buf_init(&b, 0);
        sqi_result_encode(&r, &b);
        sq_status st = sq_result_decode(b.p, b.len, &got, &e);
        check_count++;
        if ((st == SQ_OK) != c->ok ||
            (!c->ok && (st != SQ_ECORRUPT || !strstr(e.msg, "damaged or truncated")))) {
            check_failures++;
            fprintf(stderr, "%s:%d: %s: expected %s, got %d: \"%s\"\n", __FILE__, __LINE__, c->what,
                    c->ok ? "accepted" : "damaged", st, st ? e.msg : "");
        }
        if (got)
            same_result(c->what, &r, got);
        sq_result_free(got);
        sqi_buf_free(&b);
    }
}

/* ---- CSV ---- */

static const char csv_header[] =
    "station,seq,attempt,trainee_id,trainee_name,exam,version,started,finished,elapsed_s,points,"
    "max_points,percent,passed,timed_out,answered,items,clock_events,clock,gaps_counted_s,"
    "clock_log\n";

static void test_csv_golden(void)
{
    char *csv = sq_result_csv(&golden_result, true);
    char want[600];
    snprintf(want, sizeof want,
             "%sst-1,5,00112233445566778899aabbccddeeff,t1,Ann,ex,2,1970-01-01T00:16:40Z,"
             "1970-01-01T00:26:40Z,600,1.500,2.000,75,yes,no,1,1,1,paused,0,jump:-100\n",
             csv_header);
    CHECK_STR(want, csv);
    sq_free(csv);
    csv = sq_result_csv(&basic, false);
    CHECK_STR("st-017,42,00112233445566778899aabbccddeeff,T-1001,Ann Lee,basics,3,"
              "2023-11-14T22:13:20Z,2023-11-14T22:23:20Z,600,1.500,4.000,37,no,yes,2,3,2,paused,0,"
              "jump:-100 off:88700/0\n",
              csv);
    sq_free(csv);
    /* Format 2: the clock rule, the time counted for gaps, each event. */
    sq_result r2;
    golden2_result(&r2);
    csv = sq_result_csv(&r2, false);
    CHECK_STR("st-1,5,00112233445566778899aabbccddeeff,t1,Ann,ex,2,1970-01-01T00:16:40Z,"
              "1970-01-01T00:26:40Z,600,1.500,2.000,75,yes,no,1,1,2,running,660,"
              "reboot:3600/600 away:60/60\n",
              csv);
    sq_free(csv);
    csv = sq_result_csv(&empty, false);
    CHECK_STR("st-1,1,ffffffffffffffffffffffffffffffff,,,e,0,1970-01-01T00:00:00Z,"
              "1970-01-01T00:00:00Z,0,0.000,0.000,0,no,no,0,0,0,paused,0,\n",
              csv);
    sq_free(csv);
}

typedef struct {
    const char *name;  /* the trainee's name ... */
    const char *field; /* ... as CSV writes it */
} csv_case;

/* Quoted when the field holds a comma, a quote or a line break; quotes
 * doubled inside. Nothing else is touched. */
static const csv_case csv_names[] = {
    {"Ann", "Ann"},
    {"", ""},
    {"Doe, Jim", "\"Doe, Jim\""},
    {"Jim \"Jimbo\" Doe", "\"Jim \"\"Jimbo\"\" Doe\""},
    {"Doe, \"Jim\"", "\"Doe, \"\"Jim\"\"\""},
    {"\"", "\"\"\"\""},
    {"two\nlines", "\"two\nlines\""},
    {"cr\r", "\"cr\r\""},
    {"Әйгерім Нұрланқызы", "Әйгерім Нұрланқызы"},
    {"Пётр Ильич, \"Чайковский\"", "\"Пётр Ильич, \"\"Чайковский\"\"\""},
    {"semi;colon\ttab", "semi;colon\ttab"},
    {"=1+1", "=1+1"},
};

static void test_csv_quoting(void)
{
    for (size_t i = 0; i < sizeof csv_names / sizeof csv_names[0]; i++) {
        sq_result r = golden_result;
        char want[300];
        r.trainee_name = (char *)csv_names[i].name;
        snprintf(want, sizeof want,
                 "st-1,5,00112233445566778899aabbccddeeff,t1,%s,ex,2,1970-01-01T00:16:40Z,"
                 "1970-01-01T00:26:40Z,600,1.500,2.000,75,yes,no,1,1,1,paused,0,jump:-100\n",
                 csv_names[i].field);
        char *csv = sq_result_csv(&r, false);
        CHECK_STR(want, csv);
        sq_free(csv);
    }
    /* The other text fields are quoted the same way. */
    sq_result r = golden_result;
    r.station_id = "st,\"1\"";
    r.trainee_id = "t,1";
    r.exam_id = "ex\n";
    char *csv = sq_result_csv(&r, false);
    CHECK_STR("\"st,\"\"1\"\"\",5,00112233445566778899aabbccddeeff,\"t,1\",Ann,\"ex\n\",2,"
              "1970-01-01T00:16:40Z,1970-01-01T00:26:40Z,600,1.500,2.000,75,yes,no,1,1,1,paused,0,"
              "jump:-100\n",
              csv);
    sq_free(csv);
}

/* Milli-points keep three decimals; elapsed seconds are cut, not rounded;
 * times before 1970 are written as such. */
static void test_csv_numbers(void)
{
    sq_result r = golden_result;
    r.points_milli = 999;
    r.max_milli = 1;
    r.elapsed_ms = 1999;
    r.started_wall_s = -1;
    r.finished_wall_s = 0;
    r.passed = false;
    r.timed_out = true;
    r.n_events = 0;
    char *csv = sq_result_csv(&r, false);
    CHECK_STR("st-1,5,00112233445566778899aabbccddeeff,t1,Ann,ex,2,1969-12-31T23:59:59Z,"
              "1970-01-01T00:00:00Z,1,0.999,0.001,75,no,yes,1,1,0,paused,0,\n",
              csv);
    sq_free(csv);
    r.points_milli = 123456789;
    r.max_milli = 1000000000;
    r.elapsed_ms = 0;
    csv = sq_result_csv(&r, false);
    CHECK_STR("st-1,5,00112233445566778899aabbccddeeff,t1,Ann,ex,2,1969-12-31T23:59:59Z,"
              "1970-01-01T00:00:00Z,0,123456.789,1000000.000,75,no,yes,1,1,0,paused,0,\n",
              csv);
    sq_free(csv);

    /* The extremes: times gmtime cannot place are left empty. */
    char want[700];
    snprintf(want, sizeof want,
             "%s,9223372036854775807,%s,%s,%s,%s,9223372036854775807,,,9223372036854775,"
             "9223372036854775.807,9223372036854775.807,100,yes,yes,1,2,3,paused,0,"
             "jump:+9223372036854775807 off:1/0 ?:0/0\n",
             wide.station_id, wide.attempt_id, wide.trainee_id, wide.trainee_name, wide.exam_id);
    csv = sq_result_csv(&wide, false);
    CHECK_STR(want, csv);
    sq_free(csv);
}

/* Practice records (SQP): a round trip through sealing and sq_record_open;
 * each kind refused where the other is asked for; every truncation and
 * each bad field refused with nothing returned; the CSV line. */
static void test_practice_records(void)
{
    sq_practice_rec p = {1,        "st-001", 42,      "00112233445566778899aabbccddeeff",
                         "t-1",    "Әсел, \"А\"", "drill", 3, "law", "L2", 2, true, 0x5u,
                         1767225600};
    sq_err e = {0};
    sq_buf b;
    sqi_buf_init(&b, 0);
    sqi_practice_rec_encode(&p, &b);
    CHECK(!b.failed && b.len > 4 && memcmp(b.p, "SQP\x01", 4) == 0);

    sq_practice_rec *got = NULL;
    CHECK_OK(sq_practice_rec_decode(b.p, b.len, &got, &e), &e);
    if (got) {
        CHECK_STR("st-001", got->station_id);
        CHECK_INT(42, got->seq);
        CHECK_STR(p.record_id, got->record_id);
        CHECK_STR("Әсел, \"А\"", got->trainee_name);
        CHECK_STR("law", got->topic);
        CHECK_STR("L2", got->item_id);
        CHECK_INT(2, got->try_no);
        CHECK(got->right);
        CHECK_INT(5, got->selected);
        CHECK_INT(1767225600, got->created_wall_s);
        char *line = sq_practice_rec_csv(got, true);
        CHECK_STR("station,seq,record,trainee_id,trainee_name,exam,version,topic,item,try,right,"
                  "selected,created\n"
                  "st-001,42,00112233445566778899aabbccddeeff,t-1,\"Әсел, \"\"А\"\"\",drill,3,law,"
                  "L2,2,yes,1 3,2026-01-01T00:00:00Z\n",
                  line ? line : "");
        sq_free(line);
    }
    sq_practice_rec_free(got);

    /* Not a result, and a result is not a practice record. */
    sq_result *r = NULL;
    CHECK_ERR(SQ_ECORRUPT, "a practice record, not an exam result",
              sq_result_decode(b.p, b.len, &r, &e), &e);
    CHECK(r == NULL);
    got = NULL;
    CHECK_ERR(SQ_ECORRUPT, "not a Synaq practice record",
              sq_practice_rec_decode(golden, sizeof golden, &got, &e), &e);
    CHECK(got == NULL);

    /* Every truncation, and bytes after the end. */
    int wrong = 0;
    for (size_t cut = 0; cut < b.len; cut++) {
        got = NULL;
        if (sq_practice_rec_decode(b.p, cut, &got, &e) != SQ_ECORRUPT || got)
            wrong++;
        sq_practice_rec_free(got);
    }
    CHECK_INT(0, wrong);
    uint8_t *more = malloc(b.len + 1);
    if (more) {
        memcpy(more, b.p, b.len);
        more[b.len] = 0;
        got = NULL;
        CHECK_ERR(SQ_ECORRUPT, "damaged", sq_practice_rec_decode(more, b.len + 1, &got, &e), &e);
        /* A format this build does not know. */
        more[3] = 2;
        CHECK_ERR(SQ_ECORRUPT, "unknown format 2", sq_practice_rec_decode(more, b.len, &got, &e),
                  &e);
        /* Flags other than right; a try that is none. */
        memcpy(more, b.p, b.len);
        more[b.len - 5 - 1 - 1] = 2; /* flags: before selected (1 byte) and wall (5) */
        CHECK_ERR(SQ_ECORRUPT, "damaged", sq_practice_rec_decode(more, b.len, &got, &e), &e);
        memcpy(more, b.p, b.len);
        more[b.len - 5 - 1 - 1 - 1] = 0; /* try 0 */
        CHECK_ERR(SQ_ECORRUPT, "damaged", sq_practice_rec_decode(more, b.len, &got, &e), &e);
        CHECK(got == NULL);
        free(more);
    }

    /* Sealed: opened by sq_record_open as practice, refused by
     * sq_result_open, refused under another station's key. */
    uint8_t *sealed = NULL;
    size_t slen = 0;
    CHECK_OK(sqi_practice_rec_seal(&p, station_sk, results_pk, &sealed, &slen, &e), &e);
    sq_record_kind kind = 0;
    got = NULL;
    r = NULL;
    CHECK_OK(sq_record_open(sealed, slen, results_pk, results_sk, station_pk, &kind, &r, &got, &e),
             &e);
    CHECK_INT(SQ_RECORD_PRACTICE, kind);
    CHECK(r == NULL && got && got->seq == 42);
    sq_practice_rec_free(got);
    CHECK_ERR(SQ_ECORRUPT, "a practice record, not an exam result",
              sq_result_open(sealed, slen, results_pk, results_sk, station_pk, &r, &e), &e);
    CHECK_ERR(SQ_EAUTH, "not signed by the station key",
              sq_record_open(sealed, slen, results_pk, results_sk, other_station_pk, &kind, &r,
                             &got, &e),
              &e);
    CHECK(r == NULL && got == NULL);
    sealed[slen - 3] ^= 0x40;
    CHECK_ERR(SQ_EAUTH, "does not open",
              sq_record_open(sealed, slen, results_pk, results_sk, station_pk, &kind, &r, &got, &e),
              &e);
    CHECK(r == NULL && got == NULL);
    free(sealed);

    /* A result through sq_record_open is a result. */
    sqi_buf_free(&b);
    CHECK_OK(sqi_result_seal(&golden_result, station_sk, results_pk, &sealed, &slen, &e), &e);
    CHECK_OK(sq_record_open(sealed, slen, results_pk, results_sk, station_pk, &kind, &r, &got, &e),
             &e);
    CHECK_INT(SQ_RECORD_RESULT, kind);
    CHECK(r != NULL && got == NULL);
    sq_result_free(r);
    free(sealed);
}

int main(void)
{
    sq_err e = {0};
    if (sq_init(&e) != SQ_OK) {
        fprintf(stderr, "sq_init: %s\n", e.msg);
        return 1;
    }
    crypto_sign_keypair(station_pk, station_sk);
    crypto_sign_keypair(other_station_pk, other_station_sk);
    crypto_box_keypair(results_pk, results_sk);
    crypto_box_keypair(other_results_pk, other_results_sk);
    make_ids();
    test_golden();
    test_golden2();
    test_round_trips();
    test_open_refusals();
    test_largest();
    test_decode_refusals();
    test_decode_bounds();
    test_csv_golden();
    test_csv_quoting();
    test_csv_numbers();
    test_practice_records();
    return check_report("test_result");
}
