/*
 * test_draw.c - attempts of one exam are equal (issue 16, item 3): the mix
 * a draw by points takes (exam.c's sqi_blueprint_mix), and 1000 real
 * attempts on a station, each drawn, scored and sealed, every one worth
 * the same maximum.
 *
 * The program's randomness is seeded (libsodium's random source replaced
 * by a ChaCha20 stream of a fixed key, TEST_SEED=N to change it), so a
 * failing draw comes again on the next run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "check.h"
#include "fixture.h"
#include "exam_int.h"

static fixture f;

/* ---- the seeded random source ---- */

static uint8_t seed_key[crypto_stream_chacha20_ietf_KEYBYTES];
static uint64_t seed_calls;

static void seeded_buf(void *buf, size_t size)
{
    uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {0};
    memcpy(nonce, &seed_calls, sizeof seed_calls);
    seed_calls++;
    crypto_stream_chacha20_ietf(buf, size, nonce, seed_key);
}

static uint32_t seeded_random(void)
{
    uint32_t v;
    seeded_buf(&v, sizeof v);
    return v;
}

static const char *seeded_name(void)
{
    return "test_draw-seeded";
}

static randombytes_implementation seeded = {
    .implementation_name = seeded_name, .random = seeded_random, .buf = seeded_buf};

/* ---- the mix ---- */

static uint64_t lcg_state;
static uint64_t lcg_below(void *ctx, uint64_t n)
{
    (void)ctx;
    lcg_state = lcg_state * 6364136223846793005u + 1442695040888963407u;
    return n ? (lcg_state >> 33) % n : 0;
}

/* Sum of take[v], and of take[v] * v; -1 when a take exceeds what there is. */
static int mix_sums(const int *have, const int *take, int *points)
{
    int n = 0;
    *points = 0;
    for (int v = 0; v <= SQI_ITEM_POINTS_MAX; v++) {
        if (take[v] < 0 || take[v] > have[v])
            return -1;
        n += take[v];
        *points += take[v] * v;
    }
    return n;
}

static void test_mix(void)
{
    int have[SQI_ITEM_POINTS_MAX + 1] = {0}, take[SQI_ITEM_POINTS_MAX + 1], pts;

    /* The demo's law topic: five worth 1, two worth 2; 5 items, 6 points:
     * exactly one worth 2. */
    have[1] = 5;
    have[2] = 2;
    CHECK_INT(SQ_OK, sqi_blueprint_mix(have, 5, 6, NULL, NULL, take));
    CHECK_INT(4, take[1]);
    CHECK_INT(1, take[2]);
    /* 5 items of these make 5 to 7 points: 4 and 8 cannot be. */
    CHECK_INT(SQ_ENOTFOUND, sqi_blueprint_mix(have, 5, 4, NULL, NULL, take));
    CHECK_INT(SQ_ENOTFOUND, sqi_blueprint_mix(have, 5, 8, NULL, NULL, take));
    /* A gap inside the range: 1, 3, 3 give 4 or 6 with two items, never 5. */
    memset(have, 0, sizeof have);
    have[1] = 1;
    have[3] = 2;
    CHECK_INT(SQ_ENOTFOUND, sqi_blueprint_mix(have, 2, 5, NULL, NULL, take));
    CHECK_INT(SQ_OK, sqi_blueprint_mix(have, 2, 6, NULL, NULL, take));
    CHECK_INT(2, take[3]);
    /* More items than there are. */
    CHECK_INT(SQ_ENOTFOUND, sqi_blueprint_mix(have, 4, 7, NULL, NULL, take));
    /* Out of range. */
    CHECK_INT(SQ_EINVAL, sqi_blueprint_mix(have, 0, 1, NULL, NULL, take));
    CHECK_INT(SQ_EINVAL, sqi_blueprint_mix(have, 1, 0, NULL, NULL, take));
    CHECK_INT(SQ_EINVAL, sqi_blueprint_mix(have, SQI_MIX_COUNT_MAX + 1, 5, NULL, NULL, take));
    CHECK_INT(SQ_EINVAL, sqi_blueprint_mix(have, 1, SQI_MIX_POINTS_MAX + 1, NULL, NULL, take));

    /* At random: every mix adds up, and more than one comes out. Five
     * each of 1, 2, 3 and 5; 6 items, 15 points. */
    memset(have, 0, sizeof have);
    have[1] = have[2] = have[3] = have[5] = 5;
    int bad = 0, kinds = 0;
    unsigned seen[6][6] = {{0}}; /* by the number worth 1 and worth 5 */
    lcg_state = 7;
    for (int i = 0; i < 1000; i++) {
        if (sqi_blueprint_mix(have, 6, 15, lcg_below, NULL, take) != SQ_OK ||
            mix_sums(have, take, &pts) != 6 || pts != 15) {
            bad++;
            continue;
        }
        kinds += seen[take[1]][take[5]]++ == 0;
    }
    CHECK_INT(0, bad);
    CHECK(kinds >= 4);

    /* The largest tables: 200 items, 2000 points, a hundred worths. */
    for (int v = 1; v <= SQI_ITEM_POINTS_MAX; v++)
        have[v] = SQI_MIX_COUNT_MAX;
    CHECK_INT(SQ_OK, sqi_blueprint_mix(have, SQI_MIX_COUNT_MAX, SQI_MIX_POINTS_MAX, lcg_below, NULL,
                                       take));
    CHECK_INT(SQI_MIX_COUNT_MAX, mix_sums(have, take, &pts));
    CHECK_INT(SQI_MIX_POINTS_MAX, pts);
}

/* ---- 1000 attempts ---- */

/* law: worth 1, 1, 1, 2, 2, 3 (3 items, 5 points: 1+1+3 or 1+2+2);
 * vote: worth 1, 1, 2, 2, 4 (3 items, 5 points: 1+2+2 only). */
static const char *const law_points = "111223", *const vote_points = "11224";

static char *equal_exam(void)
{
    size_t cap = 1 << 14, n;
    char *yaml = malloc(cap);
    if (!yaml)
        return NULL;
    n = (size_t)snprintf(yaml, cap,
                         "exam: equal\nversion: 1\ntitle: {en: Equal}\npass_mark: 50\nattempts: 0\n"
                         "topics:\n  law: {en: Law}\n  vote: {en: Voting}\n"
                         "blueprint:\n  law: {count: 3, points: 5}\n"
                         "  vote: {count: 3, points: 5}\nitems:\n");
    for (int t = 0; t < 2; t++) {
        const char *pts = t ? vote_points : law_points;
        for (int i = 0; pts[i]; i++)
            n += (size_t)snprintf(yaml + n, cap - n,
                                  "  - id: %s%d\n    topic: %s\n    points: %c\n"
                                  "    type: single\n    text: {en: Q}\n"
                                  "    options: [{en: a, correct: yes}, {en: b}]\n",
                                  t ? "v" : "l", i, t ? "vote" : "law", pts[i]);
    }
    return yaml;
}

static void test_thousand_attempts(void)
{
    char path[400], tid[32];
    char *yaml = equal_exam();
    sq_import_report rep;
    sq_err e;
    int unequal = 0, failed = 0, wrong_count = 0;
    int drawn[2][8] = {{0}};
    unsigned law_mixes = 0; /* bit 0: 1+1+3 seen, bit 1: 1+2+2 seen */

    if (!yaml)
        return;
    snprintf(path, sizeof path, "%s/equal.sqb", f.dir);
    CHECK_INT(0, fx_bundle(&f, yaml, path, NULL, 0));
    free(yaml);
    CHECK_OK(sq_import_file(f.store, path, NULL, &rep, &e), &e);
    for (int k = 0; k < 1000; k++) {
        sq_attempt *a = NULL;
        sq_outcome o;
        int law_sum = 0, law_threes = 0;

        snprintf(tid, sizeof tid, "T-%04d", k);
        if (sq_attempt_start(f.store, "equal", tid, NULL, &a, &e) != SQ_OK) {
            failed++;
            continue;
        }
        wrong_count += sq_attempt_count(a) != 6;
        for (int pos = 0; pos < sq_attempt_count(a); pos++) {
            sq_item_view v;
            if (sq_attempt_item(a, pos, SQ_LANG_EN, &v, &e) != SQ_OK) {
                failed++;
                continue;
            }
            int t = v.item_id[0] == 'v', i = v.item_id[1] - '0';
            drawn[t][i]++;
            if (!t) {
                law_sum += law_points[i] - '0';
                law_threes += law_points[i] == '3';
            }
        }
        if (law_sum == 5)
            law_mixes |= law_threes ? 1u : 2u;
        /* Half answered right, to score something; the maximum is the point. */
        for (int pos = 0; pos < sq_attempt_count(a); pos += 2)
            if (sq_attempt_answer(a, pos, 1u, &e) != SQ_OK)
                failed++;
        if (sq_attempt_finish(a, &o, &e) != SQ_OK)
            failed++;
        else
            unequal += o.max_milli != 10000;
        sq_attempt_free(a);
    }
    CHECK_INT(0, failed);
    CHECK_INT(0, wrong_count);
    /* Every attempt worth 10 points: 5 of law and 5 of voting. */
    CHECK_INT(0, unequal);
    /* Both mixes of law come out, and every item of law can be drawn. */
    CHECK_INT(3, law_mixes);
    for (int i = 0; law_points[i]; i++)
        CHECK(drawn[0][i] > 0);
    /* Voting: the item worth 4 never fits; both worth 1 take turns. */
    CHECK_INT(0, drawn[1][4]);
    CHECK_INT(1000, drawn[1][2]);
    CHECK_INT(1000, drawn[1][3]);
    CHECK_INT(1000, drawn[1][0] + drawn[1][1]);
    CHECK(drawn[1][0] > 0 && drawn[1][1] > 0);
}

int main(void)
{
    const char *s = getenv("TEST_SEED");
    unsigned long seed = s && *s ? strtoul(s, NULL, 10) : 1;

    memcpy(seed_key, &seed, sizeof seed);
    printf("test_draw: seed %lu (TEST_SEED=N for another)\n", seed);
    /* Before sodium_init (sq_init, in fx_setup) as libsodium asks. */
    if (randombytes_set_implementation(&seeded) != 0)
        return 1;
    test_mix();
    if (fx_setup(&f, "st-001"))
        return 1;
    test_thousand_attempts();
    fx_teardown(&f);
    return check_report("test_draw");
}
