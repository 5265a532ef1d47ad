/*
 * test_i18n.c - the kiosk's message catalogues agree with each other.
 *
 *   test_i18n [--console] EN.json KK.json RU.json
 *
 * (--console: the staff console's catalogues, assets/i18n/console/, which
 * have no keyboard labels.)
 * Each catalogue is a flat JSON object of key -> text. Checked: each parses
 * (no duplicate keys) as an object of strings; every key of any catalogue
 * is in all three; no text is empty or has blanks at either end; the
 * placeholders ({n}, {total}, ...) of each key are the same set in all
 * three, and no brace stands outside a placeholder; the Kazakh catalogue
 * uses the Kazakh letters; no text is longer than 3 times the English one
 * (in characters); no word mixes Latin and Cyrillic letters (a Latin 'i'
 * typed for the Kazakh 'і', say); the fixed texts (language names,
 * keyboard layout labels) are what they must be.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum { EN, KK, RU, NCAT };
static const char *const cat_names[NCAT] = {"en", "kk", "ru"};
static const char *paths[NCAT];
static json_t *cats[NCAT];

#define MAX_PH 16
#define MAX_PH_LEN 32

/* A failed check with the catalogue and the key it is about. */
static void expect(int cond, int c, const char *key, const char *what)
{
    CHECK(cond);
    if (!cond)
        fprintf(stderr, "  %s (%s): \"%s\": %s\n", paths[c], cat_names[c], key, what);
}

/* Decodes the UTF-8 at *s (valid: jansson checked it) and advances. */
static uint32_t next_cp(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    uint32_t cp;
    int n;
    if (p[0] < 0x80)
        cp = p[0], n = 1;
    else if (p[0] < 0xe0)
        cp = p[0] & 0x1f, n = 2;
    else if (p[0] < 0xf0)
        cp = p[0] & 0x0f, n = 3;
    else
        cp = p[0] & 0x07, n = 4;
    for (int i = 1; i < n; i++)
        cp = cp << 6 | (p[i] & 0x3f);
    *s += n;
    return cp;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    while (*s) {
        next_cp(&s);
        n++;
    }
    return n;
}

static int is_cyrillic(uint32_t cp)
{
    return cp >= 0x400 && cp <= 0x4ff;
}

static int is_latin(uint32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 0xc0 && cp <= 0x24f && cp != 0xd7 && cp != 0xf7);
}

static int is_kazakh_letter(uint32_t cp)
{
    static const uint32_t kk[] = {0x4d8, 0x4d9, 0x492, 0x493, 0x49a, 0x49b, 0x4a2, 0x4a3, 0x4e8,
                                  0x4e9, 0x4b0, 0x4b1, 0x4ae, 0x4af, 0x4ba, 0x4bb, 0x406, 0x456};
    for (size_t i = 0; i < sizeof kk / sizeof kk[0]; i++)
        if (cp == kk[i])
            return 1;
    return 0;
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/*
 * Collects the distinct placeholders of text, sorted, joined by ',' into
 * out. Returns 0, or -1 if a brace is not part of a well-formed placeholder.
 */
static int placeholders(const char *text, char *out, size_t outsize)
{
    char names[MAX_PH][MAX_PH_LEN];
    int n = 0, bad = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '}') {
            bad = 1;
            continue;
        }
        if (*p != '{')
            continue;
        const char *q = p + 1;
        while (name_char(*q))
            q++;
        size_t len = (size_t)(q - p - 1);
        if (*q != '}' || len == 0 || len >= MAX_PH_LEN) {
            bad = 1;
            continue;
        }
        char name[MAX_PH_LEN];
        memcpy(name, p + 1, len);
        name[len] = '\0';
        int dup = 0;
        for (int i = 0; i < n; i++)
            dup |= strcmp(names[i], name) == 0;
        if (!dup && n < MAX_PH)
            strcpy(names[n++], name);
        p = q;
    }
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strncat(out, ",", outsize - strlen(out) - 1);
        strncat(out, names[i], outsize - strlen(out) - 1);
    }
    return bad ? -1 : 0;
}

/* No run of letters mixes Latin and Cyrillic. */
static int scripts_unmixed(const char *text)
{
    int latin = 0, cyrillic = 0;
    const char *s = text;
    while (*s) {
        uint32_t cp = next_cp(&s);
        if (is_latin(cp))
            latin = 1;
        else if (is_cyrillic(cp))
            cyrillic = 1;
        else
            latin = cyrillic = 0; /* a word ends */
        if (latin && cyrillic)
            return 0;
    }
    return 1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void check_texts(int c)
{
    const char *key;
    json_t *val;
    json_object_foreach(cats[c], key, val)
    {
        expect(json_is_string(val), c, key, "is not a string");
        if (!json_is_string(val))
            continue;
        const char *text = json_string_value(val);
        size_t len = strlen(text);
        expect(len > 0, c, key, "is empty");
        expect(len == 0 || (!is_blank(text[0]) && !is_blank(text[len - 1])), c, key,
               "has blanks at its start or end");
        expect(scripts_unmixed(text), c, key, "a word mixes Latin and Cyrillic letters");
        char ph[512];
        expect(placeholders(text, ph, sizeof ph) == 0, c, key,
               "a brace outside a {placeholder}");
        for (int d = 0; d < NCAT; d++)
            if (d != c)
                expect(json_object_get(cats[d], key) != NULL, c, key,
                       d == EN ? "is not in the English catalogue"
                       : d == KK ? "is not in the Kazakh catalogue"
                                 : "is not in the Russian catalogue");
    }
}

/* Compares a translation with the English text of each key. */
static void check_against_english(int c)
{
    const char *key;
    json_t *val;
    json_object_foreach(cats[c], key, val)
    {
        json_t *en = json_object_get(cats[EN], key);
        if (!json_is_string(val) || !json_is_string(en))
            continue;
        const char *text = json_string_value(val), *etext = json_string_value(en);
        char ph[512], eph[512];
        placeholders(text, ph, sizeof ph);
        placeholders(etext, eph, sizeof eph);
        if (strcmp(ph, eph) != 0) {
            CHECK_STR(eph, ph);
            fprintf(stderr, "  %s (%s): \"%s\": placeholders differ from English\n", paths[c],
                    cat_names[c], key);
        }
        size_t n = utf8_len(text), en_n = utf8_len(etext);
        if (n > 3 * en_n) {
            CHECK(n <= 3 * en_n);
            fprintf(stderr, "  %s (%s): \"%s\": %zu characters, English has %zu\n", paths[c],
                    cat_names[c], key, n, en_n);
        }
    }
}

static void check_fixed(int c, const char *key, const char *want)
{
    json_t *v = json_object_get(cats[c], key);
    const char *got = json_string_value(v);
    CHECK_STR(want, got);
    if (!got || strcmp(want, got) != 0)
        fprintf(stderr, "  %s (%s): \"%s\" must be \"%s\"\n", paths[c], cat_names[c], key, want);
}

int main(int argc, char **argv)
{
    int console = argc > 1 && strcmp(argv[1], "--console") == 0;
    argc -= console;
    argv += console;
    if (argc != 1 + NCAT) {
        fprintf(stderr, "usage: test_i18n [--console] EN.json KK.json RU.json\n");
        return 2;
    }
    int loaded = 1;
    for (int c = 0; c < NCAT; c++) {
        json_error_t err;
        paths[c] = argv[1 + c];
        cats[c] = json_load_file(paths[c], JSON_REJECT_DUPLICATES, &err);
        CHECK(cats[c] != NULL);
        if (!cats[c]) {
            fprintf(stderr, "  %s:%d: %s\n", paths[c], err.line, err.text);
            loaded = 0;
            continue;
        }
        CHECK(json_is_object(cats[c]));
        if (!json_is_object(cats[c])) {
            fprintf(stderr, "  %s: not a JSON object\n", paths[c]);
            loaded = 0;
        }
    }
    if (!loaded)
        return check_report("i18n");

    for (int c = 0; c < NCAT; c++)
        check_texts(c);
    check_against_english(KK);
    check_against_english(RU);
    CHECK(json_object_size(cats[EN]) > 0);
    CHECK_INT(json_object_size(cats[EN]), json_object_size(cats[KK]));
    CHECK_INT(json_object_size(cats[EN]), json_object_size(cats[RU]));

    /* The Kazakh catalogue is written with the Kazakh letters. */
    size_t kazakh_texts = 0;
    const char *key;
    json_t *val;
    json_object_foreach(cats[KK], key, val)
    {
        const char *s = json_string_value(val);
        int found = 0;
        while (s && *s)
            found |= is_kazakh_letter(next_cp(&s));
        kazakh_texts += (size_t)found;
    }
    CHECK(kazakh_texts > 0);
    if (kazakh_texts == 0)
        fprintf(stderr, "  %s: no Kazakh letter (Ә Ғ Қ Ң Ө Ұ Ү Һ І) anywhere\n", paths[KK]);

    static const char *const layout_keys[] = {"kbd.layout_kk", "kbd.layout_ru", "kbd.layout_en",
                                              "kbd.layout_digits"};
    static const char *const layout_labels[] = {"ҚАЗ", "РУС", "ENG", "123"};
    for (int c = 0; c < NCAT && !console; c++)
        for (int i = 0; i < 4; i++)
            check_fixed(c, layout_keys[i], layout_labels[i]);
    check_fixed(EN, "lang.name", "English");
    check_fixed(KK, "lang.name", "Қазақша");
    check_fixed(RU, "lang.name", "Русский");

    for (int c = 0; c < NCAT; c++)
        json_decref(cats[c]);
    return check_report("i18n");
}
