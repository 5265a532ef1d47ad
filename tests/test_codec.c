/*
 * test_codec.c - the byte-level building blocks (codec.c): the exact bytes
 * of varints and zigzag varints, the reader on every kind of malformed
 * input (and that a failed reader stays failed and reads nothing more),
 * the buffer's hard bound, and zlib: round trips, and an inflate that
 * stops at its declared size (a 64 MiB bomb against a 1 MiB bound),
 * refusing wrong sizes, truncated streams, garbage and trailing bytes.
 *
 * Everything is table-driven; nothing reads the clock, and the random
 * data comes from a fixed seed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "check.h"
#include "../core/src/codec_int.h"

#define MIB ((size_t)1 << 20)
#define DEFAULT_MAX (64 * MIB)

/* Whether got holds exactly the n bytes of want; prints both otherwise. */
static bool same_bytes(const char *what, const uint8_t *want, size_t want_n, const uint8_t *got,
                       size_t got_n, int line)
{
    check_count++;
    if (want_n == got_n && (got_n == 0 || memcmp(want, got, got_n) == 0))
        return true;
    check_failures++;
    fprintf(stderr, "%s:%d: %s: expected", __FILE__, line, what);
    for (size_t i = 0; i < want_n; i++)
        fprintf(stderr, " %02x", want[i]);
    fprintf(stderr, ", got");
    for (size_t i = 0; i < got_n; i++)
        fprintf(stderr, " %02x", got[i]);
    fprintf(stderr, "\n");
    return false;
}

/* ---- varints: value -> exact bytes, and back ---- */

typedef struct {
    uint64_t value;
    uint8_t len;
    uint8_t bytes[10];
} varint_case;

static const varint_case varints[] = {
    {0, 1, {0x00}},
    {1, 1, {0x01}},
    {127, 1, {0x7f}},
    {128, 2, {0x80, 0x01}},
    {300, 2, {0xac, 0x02}},
    {16383, 2, {0xff, 0x7f}},
    {16384, 3, {0x80, 0x80, 0x01}},
    {UINT32_MAX, 5, {0xff, 0xff, 0xff, 0xff, 0x0f}},
    {(uint64_t)1 << 32, 5, {0x80, 0x80, 0x80, 0x80, 0x10}},
    {INT64_MAX, 9, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
    {(uint64_t)INT64_MAX + 1, 10, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
    {UINT64_MAX, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
};

static void test_varints(void)
{
    for (size_t i = 0; i < sizeof varints / sizeof varints[0]; i++) {
        const varint_case *c = &varints[i];
        sq_buf b;
        sqi_buf_init(&b, 0);
        sqi_buf_varint(&b, c->value);
        CHECK(!b.failed);
        same_bytes("varint", c->bytes, c->len, b.p, b.len, __LINE__);
        sqi_buf_free(&b);

        sq_rd r;
        sqi_rd_init(&r, c->bytes, c->len);
        CHECK(sqi_rd_varint(&r) == c->value);
        CHECK(!r.failed);
        CHECK_INT(c->len, r.pos);

        /* The same bytes as a 63-bit value: refused exactly above INT64_MAX. */
        sqi_rd_init(&r, c->bytes, c->len);
        int64_t v63 = sqi_rd_i63(&r);
        CHECK_INT(c->value > INT64_MAX, r.failed);
        if (c->value <= INT64_MAX)
            CHECK(v63 == (int64_t)c->value);

        /* Every proper prefix is a truncated varint. */
        for (size_t n = 0; n < c->len; n++) {
            sqi_rd_init(&r, c->bytes, n);
            CHECK_INT(0, sqi_rd_varint(&r));
            CHECK(r.failed);
        }
    }
}

typedef struct {
    int64_t value;
    uint8_t len;
    uint8_t bytes[10];
} svarint_case;

/* Zigzag: 0, -1, 1, -2, 2 ... become 0, 1, 2, 3, 4 ... */
static const svarint_case svarints[] = {
    {0, 1, {0x00}},
    {-1, 1, {0x01}},
    {1, 1, {0x02}},
    {-2, 1, {0x03}},
    {63, 1, {0x7e}},
    {-64, 1, {0x7f}},
    {64, 2, {0x80, 0x01}},
    {INT64_MAX, 10, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
    {INT64_MIN, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
};

static void test_svarints(void)
{
    for (size_t i = 0; i < sizeof svarints / sizeof svarints[0]; i++) {
        const svarint_case *c = &svarints[i];
        sq_buf b;
        sqi_buf_init(&b, 0);
        sqi_buf_svarint(&b, c->value);
        CHECK(!b.failed);
        same_bytes("svarint", c->bytes, c->len, b.p, b.len, __LINE__);
        sqi_buf_free(&b);

        sq_rd r;
        sqi_rd_init(&r, c->bytes, c->len);
        CHECK(sqi_rd_svarint(&r) == c->value);
        CHECK(!r.failed);
        CHECK_INT(c->len, r.pos);
    }
}

/* Fixed-width integers are little-endian. */
static void test_fixed_width(void)
{
    static const uint8_t want[] = {0x04, 0x03, 0x02, 0x01, 0x08, 0x07, 0x06,
                                   0x05, 0x04, 0x03, 0x02, 0x01, 0xff, 0x2a};
    sq_buf b;
    sqi_buf_init(&b, 0);
    sqi_buf_u32(&b, 0x01020304u);
    sqi_buf_u64(&b, 0x0102030405060708u);
    sqi_buf_u8(&b, 0xff);
    sqi_buf_u8(&b, 42);
    CHECK(!b.failed);
    same_bytes("u32 u64 u8 u8", want, sizeof want, b.p, b.len, __LINE__);
    sqi_buf_free(&b);

    sq_rd r;
    sqi_rd_init(&r, want, sizeof want);
    CHECK(sqi_rd_u32(&r) == 0x01020304u);
    CHECK(sqi_rd_u64(&r) == 0x0102030405060708u);
    CHECK_INT(0xff, sqi_rd_u8(&r));
    CHECK_INT(42, sqi_rd_u8(&r));
    CHECK(!r.failed);
    CHECK_INT(sizeof want, r.pos);

    /* Strings and byte strings: a varint length, then the bytes; NULL is "". */
    static const uint8_t want_str[] = {0x02, 'h', 'i', 0x00, 0x03, 0x00, 0x01, 0x02};
    static const uint8_t three[] = {0x00, 0x01, 0x02};
    sqi_buf_init(&b, 0);
    sqi_buf_str(&b, "hi");
    sqi_buf_str(&b, NULL);
    sqi_buf_bytes(&b, three, 3);
    CHECK(!b.failed);
    same_bytes("str bytes", want_str, sizeof want_str, b.p, b.len, __LINE__);
    sqi_buf_free(&b);
    CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
    sqi_buf_free(&b); /* twice is harmless */
}

/* ---- the reader on malformed input ---- */

typedef enum {
    RD_U8,
    RD_U32,
    RD_U64,
    RD_VARINT,
    RD_SVARINT,
    RD_I63,
    RD_TAKE,
    RD_BYTES,
    RD_STR
} rd_op;

typedef struct {
    const char *what;
    rd_op op;
    size_t arg; /* take: n; bytes and str: max */
    size_t len;
    const char *in; /* len bytes */
    bool failed;    /* expected */
    uint64_t value; /* expected when not failed (RD_STR: strlen) */
    size_t pos;     /* expected position after the call */
} rd_case;

#define S(lit) sizeof(lit) - 1, lit

static const rd_case rd_cases[] = {
    /* Varints. */
    {"empty varint", RD_VARINT, 0, S(""), true, 0, 0},
    {"truncated varint", RD_VARINT, 0, S("\x80"), true, 0, 1},
    {"truncated 2-byte varint", RD_VARINT, 0, S("\xff\xff"), true, 0, 2},
    {"9 bytes, all continued", RD_VARINT, 0, S("\xff\xff\xff\xff\xff\xff\xff\xff\xff"), true, 0, 9},
    {"10 bytes, UINT64_MAX", RD_VARINT, 0, S("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), false,
     UINT64_MAX, 10},
    {"10 bytes, bit 64 set", RD_VARINT, 0, S("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"), true, 0,
     10},
    {"10 bytes, 0x7f last", RD_VARINT, 0, S("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"), true, 0,
     10},
    {"11 bytes (tenth continued)", RD_VARINT, 0, S("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x81\x00"),
     true, 0, 10},
    {"11 bytes, overlong 0", RD_VARINT, 0, S("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"), true,
     0, 10},
    /* The reader does not insist on the shortest form: up to ten bytes,
     * a padded varint reads as its value (this pins what codec.c does). */
    {"2-byte form of 0", RD_VARINT, 0, S("\x80\x00"), false, 0, 2},
    {"10-byte form of 1", RD_VARINT, 0, S("\x81\x80\x80\x80\x80\x80\x80\x80\x80\x00"), false, 1,
     10},
    {"svarint, truncated", RD_SVARINT, 0, S("\xfe"), true, 0, 1},
    {"svarint, over 64 bits", RD_SVARINT, 0, S("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x03"), true, 0,
     10},
    /* 63-bit values. */
    {"i63 INT64_MAX", RD_I63, 0, S("\xff\xff\xff\xff\xff\xff\xff\xff\x7f"), false, INT64_MAX, 9},
    {"i63 2^63", RD_I63, 0, S("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"), true, 0, 10},
    {"i63 UINT64_MAX", RD_I63, 0, S("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), true, 0, 10},
    {"i63 truncated", RD_I63, 0, S("\xff"), true, 0, 1},
    /* Fixed widths: a short read takes nothing. */
    {"u8 at the end", RD_U8, 0, S(""), true, 0, 0},
    {"u32 of 3 bytes", RD_U32, 0, S("\x01\x02\x03"), true, 0, 0},
    {"u32 of 4 bytes", RD_U32, 0, S("\x01\x02\x03\x04"), false, 0x04030201u, 4},
    {"u64 of 7 bytes", RD_U64, 0, S("\x01\x02\x03\x04\x05\x06\x07"), true, 0, 4},
    {"u64 of 3 bytes", RD_U64, 0, S("\x01\x02\x03"), true, 0, 0},
    /* take. */
    {"take 4 of 3", RD_TAKE, 4, S("abc"), true, 0, 0},
    {"take 3 of 3", RD_TAKE, 3, S("abc"), false, 3, 3},
    {"take 0 of 0", RD_TAKE, 0, S(""), false, 0, 0},
    {"take SIZE_MAX", RD_TAKE, SIZE_MAX, S("abc"), true, 0, 0},
    /* Byte strings: the length is checked against max, then against what is left. */
    {"bytes, 5 above max 4", RD_BYTES, 4, S("\x05hello"), true, 0, 1},
    {"bytes, 5 at max 5", RD_BYTES, 5, S("\x05hello"), false, 5, 6},
    {"bytes, 5 beyond the buffer", RD_BYTES, 10, S("\x05hel"), true, 0, 1},
    {"bytes, length UINT64_MAX", RD_BYTES, SIZE_MAX, S("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
     true, 0, 10},
    {"bytes, length truncated", RD_BYTES, 10, S("\x85"), true, 0, 1},
    {"bytes, empty", RD_BYTES, 0, S("\x00"), false, 0, 1},
    /* Strings: bytes, then strict UTF-8 and no NUL. */
    {"str ok", RD_STR, 5, S("\x05hello"), false, 5, 6},
    {"str empty", RD_STR, 0, S("\x00"), false, 0, 1},
    {"str too long", RD_STR, 4, S("\x05hello"), true, 0, 1},
    {"str beyond the buffer", RD_STR, 10, S("\x05hel"), true, 0, 1},
    {"str with NUL", RD_STR, 10, S("\003a\000b"), true, 0, 4},
    {"str NUL only", RD_STR, 10, S("\x01\x00"), true, 0, 2},
    {"str Kazakh", RD_STR, 10, S("\012Сынақ"), false, 10, 11},
    {"str 4-byte U+1F600", RD_STR, 10, S("\x04\xf0\x9f\x98\x80"), false, 4, 5},
    {"str U+10FFFF", RD_STR, 10, S("\x04\xf4\x8f\xbf\xbf"), false, 4, 5},
    {"str U+D7FF", RD_STR, 10, S("\x03\xed\x9f\xbf"), false, 3, 4},
    {"str U+E000", RD_STR, 10, S("\x03\xee\x80\x80"), false, 3, 4},
    {"str overlong NUL", RD_STR, 10, S("\x02\xc0\x80"), true, 0, 3},
    {"str overlong 2-byte", RD_STR, 10, S("\x02\xc1\xbf"), true, 0, 3},
    {"str overlong 3-byte", RD_STR, 10, S("\x03\xe0\x9f\xbf"), true, 0, 4},
    {"str overlong 4-byte", RD_STR, 10, S("\x04\xf0\x8f\xbf\xbf"), true, 0, 5},
    {"str surrogate D800", RD_STR, 10, S("\x03\xed\xa0\x80"), true, 0, 4},
    {"str surrogate DFFF", RD_STR, 10, S("\x03\xed\xbf\xbf"), true, 0, 4},
    {"str above U+10FFFF", RD_STR, 10, S("\x04\xf4\x90\x80\x80"), true, 0, 5},
    {"str lead F5", RD_STR, 10, S("\x04\xf5\x80\x80\x80"), true, 0, 5},
    {"str lead F8", RD_STR, 10, S("\x05\xf8\x88\x80\x80\x80"), true, 0, 6},
    {"str byte FF", RD_STR, 10, S("\x01\xff"), true, 0, 2},
    {"str lone continuation", RD_STR, 10, S("\x01\x80"), true, 0, 2},
    {"str truncated 2-byte", RD_STR, 10, S("\x01\xd0"), true, 0, 2},
    {"str truncated 3-byte", RD_STR, 10, S("\x02\xe2\x82"), true, 0, 3},
    {"str truncated 4-byte", RD_STR, 10, S("\x03\xf0\x9f\x98"), true, 0, 4},
    {"str 2-byte then ASCII", RD_STR, 10, S("\x02\xd0\x41"), true, 0, 3},
    {"str a + Cyrillic a", RD_STR, 10, S("\003a\xd0\xb0"), false, 3, 4},
    {"str length cuts a character", RD_STR, 10, S("\002a\xd0\xb0"), true, 0, 3},
};

/* After a failure every read gives 0 or NULL, stays failed, and moves nothing. */
static void check_stays_failed(sq_rd *r, const char *what)
{
    size_t pos = r->pos, n = 99;
    char out[8] = "x";
    bool ok = sqi_rd_u8(r) == 0 && sqi_rd_u32(r) == 0 && sqi_rd_u64(r) == 0 &&
              sqi_rd_varint(r) == 0 && sqi_rd_svarint(r) == 0 && sqi_rd_i63(r) == 0 &&
              sqi_rd_take(r, 0) == NULL && sqi_rd_bytes(r, 10, &n) == NULL && n == 0 &&
              !sqi_rd_str(r, out, 7) && out[0] == 0 && sqi_rd_strdup(r, 7) == NULL;
    check_count++;
    if (!ok || !r->failed || r->pos != pos) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s: a failed reader read on (pos %zu -> %zu)\n", __FILE__, __LINE__,
                what, pos, r->pos);
    }
}

/* Runs one case; returns the value read (for strings, the length). */
static uint64_t run_rd(const rd_case *c, sq_rd *r, bool dup)
{
    char out[64];
    size_t n = 99;
    const uint8_t *p;
    switch (c->op) {
    case RD_U8:
        return sqi_rd_u8(r);
    case RD_U32:
        return sqi_rd_u32(r);
    case RD_U64:
        return sqi_rd_u64(r);
    case RD_VARINT:
        return sqi_rd_varint(r);
    case RD_SVARINT:
        return (uint64_t)sqi_rd_svarint(r);
    case RD_I63:
        return (uint64_t)sqi_rd_i63(r);
    case RD_TAKE:
        p = sqi_rd_take(r, c->arg);
        if (!r->failed && p != (const uint8_t *)c->in + c->len - c->arg)
            CHECK(!"take gave the wrong pointer");
        if (r->failed)
            CHECK(p == NULL);
        return r->failed ? 0 : c->arg;
    case RD_BYTES:
        p = sqi_rd_bytes(r, c->arg, &n);
        if (r->failed)
            CHECK(p == NULL && n == 0);
        else
            CHECK(p == (const uint8_t *)c->in + c->len - n);
        return n;
    case RD_STR:
        if (dup) {
            char *s = sqi_rd_strdup(r, c->arg);
            CHECK_INT(r->failed, s == NULL);
            n = s ? strlen(s) : 0;
            if (s && memcmp(s, c->in + c->len - n, n) != 0)
                CHECK(!"strdup copied the wrong bytes");
            free(s);
            return n;
        }
        memset(out, 'x', sizeof out);
        bool ok = sqi_rd_str(r, out, c->arg);
        CHECK_INT(!r->failed, ok);
        n = strlen(out);
        if (r->failed)
            CHECK_INT(0, n);
        else if (memcmp(out, c->in + c->len - n, n) != 0)
            CHECK(!"str copied the wrong bytes");
        return n;
    }
    return 0;
}

static void test_reader_malformed(void)
{
    for (size_t i = 0; i < sizeof rd_cases / sizeof rd_cases[0]; i++) {
        const rd_case *c = &rd_cases[i];
        /* Strings run twice: into a buffer, and malloc'ed. */
        for (int dup = 0; dup <= (c->op == RD_STR); dup++) {
            sq_rd r;
            sqi_rd_init(&r, (const uint8_t *)c->in, c->len);
            uint64_t v = run_rd(c, &r, dup);
            check_count++;
            if (r.failed != c->failed || r.pos != c->pos || (!c->failed && v != c->value)) {
                check_failures++;
                fprintf(stderr,
                        "%s:%d: %s%s: expected failed %d, pos %zu, value %" PRIu64
                        "; got failed %d, pos %zu, value %" PRIu64 "\n",
                        __FILE__, __LINE__, c->what, dup ? " (strdup)" : "", c->failed, c->pos,
                        c->value, r.failed, r.pos, v);
            }
            /* A failed read returns 0 or NULL; i63 and u64 aside: i63
             * returns the value it refused, u64 its low half when only
             * the high half is missing (callers look at failed). */
            if (c->failed && c->op != RD_I63 && c->op != RD_U64)
                CHECK_INT(0, v);
            if (r.failed)
                check_stays_failed(&r, c->what);
        }
    }
}

/* A reader that failed once never recovers, whatever comes after. */
static void test_reader_sticky(void)
{
    static const uint8_t in[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                 0x80, 0x80, 0x80, 0x01, 0x02, 0x03, 0x04};
    sq_rd r;
    sqi_rd_init(&r, in, sizeof in);
    CHECK_INT(0, sqi_rd_varint(&r));
    CHECK(r.failed);
    CHECK_INT(10, r.pos);
    check_stays_failed(&r, "after an 11-byte varint");
    /* init is the only way back. */
    sqi_rd_init(&r, in + 10, 4);
    CHECK(!r.failed);
    CHECK_INT(0x04030201, sqi_rd_u32(&r));
}

/* ---- the buffer's bound ---- */

static void test_buf_bounds(void)
{
    static const uint8_t src[300] = {1, 2, 3};
    sq_buf b;

    /* An append that would cross max fails, adds nothing, and sticks. */
    sqi_buf_init(&b, 10);
    CHECK_INT(10, b.max);
    sqi_buf_put(&b, src, 6);
    CHECK(!b.failed);
    sqi_buf_put(&b, src, 5);
    CHECK(b.failed);
    CHECK_INT(6, b.len);
    CHECK(b.cap <= 10);
    sqi_buf_put(&b, src, 1); /* would fit, but the buffer failed */
    CHECK(b.failed);
    CHECK_INT(6, b.len);
    sqi_buf_free(&b);

    /* Exactly max fits, and the capacity is clamped to max. */
    sqi_buf_init(&b, 10);
    sqi_buf_put(&b, src, 10);
    CHECK(!b.failed);
    CHECK_INT(10, b.len);
    CHECK_INT(10, b.cap);
    sqi_buf_put(&b, src, 0);
    CHECK(!b.failed);
    sqi_buf_u8(&b, 1);
    CHECK(b.failed);
    CHECK_INT(10, b.len);
    sqi_buf_free(&b);

    /* Growing byte by byte never allocates past max. */
    sqi_buf_init(&b, 300);
    bool within = true;
    for (size_t i = 0; i < 300; i++) {
        sqi_buf_u8(&b, src[i]);
        within = within && b.cap <= 300 && b.cap >= b.len;
    }
    CHECK(within);
    CHECK(!b.failed);
    CHECK_INT(300, b.len);
    CHECK(memcmp(b.p, src, 300) == 0);
    sqi_buf_u8(&b, 0);
    CHECK(b.failed);
    CHECK_INT(300, b.cap);
    sqi_buf_free(&b);

    /* A varint is put whole or not at all. */
    sqi_buf_init(&b, 2);
    sqi_buf_varint(&b, 16383);
    CHECK(!b.failed);
    CHECK_INT(2, b.len);
    sqi_buf_free(&b);
    sqi_buf_init(&b, 2);
    sqi_buf_varint(&b, 16384);
    CHECK(b.failed);
    CHECK_INT(0, b.len);
    sqi_buf_free(&b);

    /* A u32 with 3 bytes of room adds nothing. */
    sqi_buf_init(&b, 3);
    sqi_buf_u32(&b, 1);
    CHECK(b.failed);
    CHECK_INT(0, b.len);
    sqi_buf_free(&b);

    /* A u64 with 7 bytes of room fails (its first half may land). */
    sqi_buf_init(&b, 7);
    sqi_buf_u64(&b, 1);
    CHECK(b.failed);
    CHECK(b.len <= 7 && b.cap <= 7);
    sqi_buf_free(&b);

    /* A byte string whose length fits but whose bytes do not. */
    sqi_buf_init(&b, 5);
    sqi_buf_bytes(&b, "hello", 5);
    CHECK(b.failed);
    CHECK(b.len <= 5 && b.cap <= 5);
    sqi_buf_free(&b);
}

/* 0 means 64 MiB: exactly that fits, one byte more does not, and an
 * append above it is refused before anything is allocated. */
static void test_buf_default_max(const uint8_t *zeros)
{
    sq_buf b;
    sqi_buf_init(&b, 0);
    CHECK_INT(DEFAULT_MAX, b.max);
    sqi_buf_put(&b, zeros, DEFAULT_MAX + 1);
    CHECK(b.failed);
    CHECK(b.p == NULL && b.cap == 0 && b.len == 0);
    sqi_buf_free(&b);

    sqi_buf_init(&b, 0);
    sqi_buf_put(&b, zeros, 1);
    sqi_buf_put(&b, zeros, DEFAULT_MAX - 1);
    CHECK(!b.failed);
    CHECK_INT(DEFAULT_MAX, b.len);
    CHECK_INT(DEFAULT_MAX, b.cap);
    sqi_buf_u8(&b, 0);
    CHECK(b.failed);
    CHECK_INT(DEFAULT_MAX, b.len);
    CHECK_INT(DEFAULT_MAX, b.cap);
    sqi_buf_free(&b);
}

/* ---- zlib ---- */

static void test_z_round_trips(void)
{
    static const size_t sizes[] = {0, 1, 2, 100, 4096, 65535, 65536, 65537, 256 * 1024};
    static const char words[] = "Сынақ: the exam kiosk. ";
    uint8_t seed[randombytes_SEEDBYTES] = {'s', 'y', 'n', 'a', 'q'};
    size_t max = 256 * 1024;
    uint8_t *text = malloc(max), *noise = malloc(max);
    CHECK(text && noise);
    if (!text || !noise)
        goto out;
    /* Compressible text, and incompressible noise from a fixed seed. */
    for (size_t i = 0; i < max; i++)
        text[i] = (uint8_t)(words[i % (sizeof words - 1)] + i / 4096);
    randombytes_buf_deterministic(noise, max, seed);

    for (int kind = 0; kind < 2; kind++) {
        const uint8_t *in = kind ? noise : text;
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            sq_err e = {0};
            uint8_t *z = NULL, *back = NULL;
            size_t z_len = 0, n = sizes[i];
            CHECK_OK(sqi_z_deflate(in, n, &z, &z_len, &e), &e);
            if (!z)
                continue;
            if (kind == 0 && n >= 4096)
                CHECK(z_len < n / 4);
            /* Exactly at the bound, and well under it. */
            CHECK_OK(sqi_z_inflate(z, z_len, n, n, &back, &e), &e);
            CHECK(back && (n == 0 || memcmp(in, back, n) == 0));
            free(back);
            back = NULL;
            CHECK_OK(sqi_z_inflate(z, z_len, n, 4 * n + 100, &back, &e), &e);
            CHECK(back && (n == 0 || memcmp(in, back, n) == 0));
            free(back);
            free(z);
        }
    }
out:
    free(text);
    free(noise);
}

/* The bomb: 64 MiB of zeros deflate to about 64 KiB. */
static void test_z_bomb(const uint8_t *zeros)
{
    sq_err e = {0};
    uint8_t *z = NULL, *out = NULL;
    size_t z_len = 0;
    CHECK_OK(sqi_z_deflate(zeros, DEFAULT_MAX, &z, &z_len, &e), &e);
    if (!z)
        return;
    CHECK(z_len < 128 * 1024);

    /* Declared honestly and allowed: it inflates. */
    CHECK_OK(sqi_z_inflate(z, z_len, DEFAULT_MAX, DEFAULT_MAX, &out, &e), &e);
    CHECK(out && out[0] == 0 && out[DEFAULT_MAX - 1] == 0);
    free(out);
    out = NULL;

    /* Declared honestly, above the bound: refused before allocating. */
    CHECK_ERR(SQ_ETOOBIG, "above the limit of 1048576 bytes",
              sqi_z_inflate(z, z_len, DEFAULT_MAX, MIB, &out, &e), &e);
    CHECK(out == NULL);
    /* A declared size no allocation could meet is refused the same way:
     * the check comes before malloc (else this is ENOMEM, or an abort
     * under ASan). */
    CHECK_ERR(SQ_ETOOBIG, "above the limit", sqi_z_inflate(z, z_len, SIZE_MAX - 1, MIB, &out, &e),
              &e);
    CHECK(out == NULL);

    /* Declared small and inflating far past it: stopped at the declared
     * size. The one buffer is declared + 1 bytes; under ASan a write past
     * it would abort the test. */
    CHECK_ERR(SQ_ETOOBIG, "inflates past its declared 1048576 bytes",
              sqi_z_inflate(z, z_len, MIB, MIB, &out, &e), &e);
    CHECK(out == NULL);
    CHECK_ERR(SQ_ETOOBIG, "inflates past its declared 0 bytes",
              sqi_z_inflate(z, z_len, 0, MIB, &out, &e), &e);
    CHECK(out == NULL);
    /* Two bytes short of the truth is as wrong as a megabyte short. One
     * byte short, the whole stream fits the slack byte and ends: refused
     * as a size mismatch (ECORRUPT) rather than as too big. */
    CHECK_ERR(SQ_ETOOBIG, "inflates past its declared",
              sqi_z_inflate(z, z_len, DEFAULT_MAX - 2, DEFAULT_MAX, &out, &e), &e);
    CHECK_ERR(SQ_ECORRUPT, "inflates to 67108864 bytes, not 67108863",
              sqi_z_inflate(z, z_len, DEFAULT_MAX - 1, DEFAULT_MAX, &out, &e), &e);
    CHECK(out == NULL);
    free(z);
}

/* Wrong declared sizes, truncation, garbage and trailing bytes. */
static void test_z_refusals(void)
{
    static const char text[] = "Synaq keeps exams offline. Сынақ емтихандарды офлайн сақтайды. "
                               "Synaq keeps exams offline. Синак хранит экзамены офлайн.";
    const size_t n = sizeof text - 1;
    sq_err e = {0};
    uint8_t *z = NULL, *out = NULL;
    size_t z_len = 0;
    CHECK_OK(sqi_z_deflate((const uint8_t *)text, n, &z, &z_len, &e), &e);
    if (!z)
        return;

    /* The declared size is exact: two short, one short (the stream ends
     * in the slack byte), one long, zero. */
    CHECK_ERR(SQ_ETOOBIG, "inflates past its declared", sqi_z_inflate(z, z_len, n - 2, n, &out, &e),
              &e);
    char phrase[80];
    snprintf(phrase, sizeof phrase, "inflates to %zu bytes, not %zu", n, n - 1);
    CHECK_ERR(SQ_ECORRUPT, phrase, sqi_z_inflate(z, z_len, n - 1, n, &out, &e), &e);
    snprintf(phrase, sizeof phrase, "inflates to %zu bytes, not %zu", n, n + 1);
    CHECK_ERR(SQ_ECORRUPT, phrase, sqi_z_inflate(z, z_len, n + 1, 2 * n, &out, &e), &e);
    CHECK_ERR(SQ_ETOOBIG, "inflates past its declared 0 bytes",
              sqi_z_inflate(z, z_len, 0, n, &out, &e), &e);
    CHECK(out == NULL);

    /* Cut at every length, including empty: damaged. */
    int wrong = 0;
    for (size_t cut = 0; cut < z_len; cut++) {
        uint8_t *o = NULL;
        e.msg[0] = 0;
        sq_status st = sqi_z_inflate(z, cut, n, n, &o, &e);
        if (st != SQ_ECORRUPT || !strstr(e.msg, "compressed data is damaged") || o) {
            if (!wrong++)
                fprintf(stderr, "cut at %zu of %zu: %d %s\n", cut, z_len, st, e.msg);
        }
    }
    CHECK_INT(0, wrong);
    CHECK_ERR(SQ_ECORRUPT, "(zlib: truncated)", sqi_z_inflate(z, z_len - 1, n, n, &out, &e), &e);

    /* Every byte flipped: refused (the header check, the data, or the
     * Adler-32 at the end notices). */
    uint8_t *bad = malloc(z_len + 3);
    CHECK(bad != NULL);
    if (!bad)
        goto out;
    wrong = 0;
    for (size_t i = 0; i < z_len; i++) {
        uint8_t *o = NULL;
        memcpy(bad, z, z_len);
        bad[i] ^= 0x01;
        sq_status st = sqi_z_inflate(bad, z_len, n, n, &o, &e);
        if ((st != SQ_ECORRUPT && st != SQ_ETOOBIG) || o) {
            if (!wrong++)
                fprintf(stderr, "flip at %zu of %zu: %d %s\n", i, z_len, st, e.msg);
            free(o);
        }
    }
    CHECK_INT(0, wrong);
    memcpy(bad, z, z_len);
    bad[z_len - 1] ^= 0x80;
    CHECK_ERR(SQ_ECORRUPT, "incorrect data check", sqi_z_inflate(bad, z_len, n, n, &out, &e), &e);

    /* Trailing bytes after a whole stream are refused, and counted. */
    memcpy(bad, z, z_len);
    memcpy(bad + z_len, "xyz", 3);
    CHECK_ERR(SQ_ECORRUPT, "3 bytes of garbage after the compressed data",
              sqi_z_inflate(bad, z_len + 3, n, n, &out, &e), &e);
    CHECK_ERR(SQ_ECORRUPT, "1 bytes of garbage after",
              sqi_z_inflate(bad, z_len + 1, n, n, &out, &e), &e);
    CHECK(out == NULL);

    /* Two whole streams back to back: the second is garbage after the first. */
    uint8_t *twice = malloc(2 * z_len);
    if (twice) {
        memcpy(twice, z, z_len);
        memcpy(twice + z_len, z, z_len);
        snprintf(phrase, sizeof phrase, "%zu bytes of garbage after", z_len);
        CHECK_ERR(SQ_ECORRUPT, phrase, sqi_z_inflate(twice, 2 * z_len, n, n, &out, &e), &e);
        free(twice);
    }
out:
    free(bad);
    free(z);
}

typedef struct {
    const char *what;
    size_t len;
    const char *in;
    const char *phrase;
} z_garbage_case;

static const z_garbage_case z_garbage[] = {
    {"empty", S(""), "(zlib: truncated)"},
    {"text", S("this is not zlib at all"), "incorrect header check"},
    {"gzip magic", S("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"), "incorrect header check"},
    {"header only", S("\x78\xda"), "(zlib: truncated)"},
    {"bad method", S("\x79\x18\x03\x00"), "unknown compression method"},
    {"bad window", S("\x88\x1c\x03\x00"), "invalid window size"},
    {"bad block type", S("\x78\x9c\x07\x00\x00\x00\x00"), "invalid block type"},
    /* A stream that asks for a preset dictionary: refused (zlib gives no
     * message, so the text says "truncated"). */
    {"preset dictionary", S("\x78\xbb\x00\x00\x00\x01\x03\x00"), "compressed data is damaged"},
};

static void test_z_garbage(void)
{
    for (size_t i = 0; i < sizeof z_garbage / sizeof z_garbage[0]; i++) {
        const z_garbage_case *c = &z_garbage[i];
        sq_err e = {0};
        uint8_t *out = NULL;
        e.msg[0] = 0;
        sq_status st = sqi_z_inflate((const uint8_t *)c->in, c->len, 10, 100, &out, &e);
        check_count++;
        if (st != SQ_ECORRUPT || !strstr(e.msg, "compressed data is damaged") ||
            !strstr(e.msg, c->phrase) || out) {
            check_failures++;
            fprintf(stderr, "%s:%d: %s: expected %d with \"%s\", got %d: \"%s\"\n", __FILE__,
                    __LINE__, c->what, SQ_ECORRUPT, c->phrase, st, e.msg);
            free(out);
        }
    }

    /* Random bytes of every length up to 64 from a fixed seed: never accepted. */
    uint8_t seed[randombytes_SEEDBYTES] = {'g', 'a', 'r', 'b', 'a', 'g', 'e'};
    uint8_t noise[64];
    randombytes_buf_deterministic(noise, sizeof noise, seed);
    int accepted = 0;
    for (size_t n = 0; n <= sizeof noise; n++) {
        sq_err e = {0};
        uint8_t *out = NULL;
        if (sqi_z_inflate(noise, n, 64, 64, &out, &e) == SQ_OK) {
            accepted++;
            free(out);
        }
    }
    CHECK_INT(0, accepted);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    test_varints();
    test_svarints();
    test_fixed_width();
    test_reader_malformed();
    test_reader_sticky();
    test_buf_bounds();
    /* 64 MiB + 1 of zeros, for the default bound and the bomb. */
    uint8_t *zeros = calloc(DEFAULT_MAX + 1, 1);
    CHECK(zeros != NULL);
    if (zeros) {
        test_buf_default_max(zeros);
        test_z_bomb(zeros);
    }
    free(zeros);
    test_z_round_trips();
    test_z_refusals();
    test_z_garbage();
    return check_report("test_codec");
}
