/*
 * test_lesson.c - lessons (core/src/lesson.c): the markup parsed into
 * blocks and runs; every bad page refused with its line; lessons in an
 * exam source refused at their file:line (unknown topic, missing picture,
 * empty page...); and the whole way: a source with lessons built into a
 * signed, encrypted bundle, imported by a station, its pages, pictures
 * and each trainee's place read back, none of it in clear in station.db.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "exam_int.h"
#include "source_int.h"
#include "fixture.h"
#include "synaq/lesson.h"

#include "check.h"

static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/* ---- the markup ---- */

static void test_markup_good(void)
{
    static const char page[] = "# Сайлау комиссиясы\n"
                               "\n"
                               "Комиссия **тәуелсіз** және *ашық* жұмыс істейді.\n"
                               "Екінші жол \\*жұлдызша\\* бар.\n"
                               "\n"
                               "## Құрамы\n"
                               "- бірінші\n"
                               "  жалғасы\n"
                               "- **екінші**\n"
                               "\n"
                               "1. Алғашқы\n"
                               "2. Келесі\r\n"
                               "\n"
                               "![Бюллетень үлгісі](images/ballot.png)\n";
    sq_lesson_page *p = NULL;
    sq_err e = {0};
    int line = -1;
    CHECK_INT(SQ_OK, sq_lesson_parse(page, strlen(page), &p, &line, &e));
    if (!p)
        return;
    CHECK_INT(8, p->n);
    CHECK_INT(SQ_LESSON_H1, p->blocks[0].kind);
    CHECK_STR("Сайлау комиссиясы", p->blocks[0].text);
    CHECK_INT(SQ_LESSON_PARA, p->blocks[1].kind);
    CHECK_INT(3, p->blocks[1].line);
    CHECK_STR("Комиссия тәуелсіз және ашық жұмыс істейді. Екінші жол *жұлдызша* бар.",
              p->blocks[1].text);
    CHECK_INT(5, p->blocks[1].n_runs);
    CHECK_INT(SQ_LESSON_BOLD, p->blocks[1].runs[1].style);
    CHECK_INT(strlen("тәуелсіз"), p->blocks[1].runs[1].len);
    CHECK_INT(SQ_LESSON_ITALIC, p->blocks[1].runs[3].style);
    CHECK_INT(SQ_LESSON_H2, p->blocks[2].kind);
    CHECK_INT(SQ_LESSON_BULLET, p->blocks[3].kind);
    CHECK_STR("бірінші жалғасы", p->blocks[3].text);
    CHECK_INT(SQ_LESSON_BULLET, p->blocks[4].kind);
    CHECK_INT(SQ_LESSON_BOLD, p->blocks[4].runs[0].style);
    CHECK_INT(SQ_LESSON_NUMBER, p->blocks[5].kind);
    CHECK_INT(1, p->blocks[5].number);
    CHECK_INT(2, p->blocks[6].number);
    CHECK_STR("Келесі", p->blocks[6].text);
    CHECK_INT(SQ_LESSON_IMAGE, p->blocks[7].kind);
    CHECK_STR("images/ballot.png", p->blocks[7].image);
    CHECK_STR("Бюллетень үлгісі", p->blocks[7].text);
    CHECK_INT(14, p->blocks[7].line);
    sq_lesson_page_free(p);
    /* A year that starts a line, escaped. */
    static const char year[] = "2024\\. жылы сайлау өтті.\n";
    CHECK_INT(SQ_OK, sq_lesson_parse(year, strlen(year), &p, &line, &e));
    CHECK(p && p->n == 1 && p->blocks[0].kind == SQ_LESSON_PARA);
    if (p && p->n == 1)
        CHECK_STR("2024. жылы сайлау өтті.", p->blocks[0].text);
    sq_lesson_page_free(p);
}

typedef struct {
    const char *page;
    int line;
    const char *phrase;
} bad_page;

static const bad_page bad_pages[] = {
    {"", 1, "empty"},
    {"\n  \n\n", 1, "empty"},
    {"# T\n\nSome **bold text\nand more.\n", 3, "'**' is not closed"},
    {"# T\n\nSome *italic\n\nnext\n", 3, "'*' is not closed"},
    {"### Small\n", 1, "'###' headings"},
    {"#NoSpace\n", 1, "needs a space"},
    {"# \n", 1, "heading has no words"},
    {"text\n\n> quoted\n", 3, "quotes"},
    {"```\ncode\n```\n", 1, "code blocks"},
    {"| a | b |\n", 1, "tables"},
    {"* star list\n", 1, "'* ' lists"},
    {"+ plus\n", 1, "'+ ' lists"},
    {"---\n", 1, "rules"},
    {"-dash\n", 1, "'-' without a space"},
    {"Text\n\n    indented\n", 3, "starts with spaces"},
    {"Text\twith tab\n", 1, "tab character"},
    {"See [the law](http://x)\n", 1, "links"},
    {"A ![pic](a.png) inline\n", 1, "line of its own"},
    {"![](images/a.png)\n", 1, "words saying what it shows"},
    {"![pic] (a.png)\n", 1, "alone on its line"},
    {"![pic](a b.png)\n", 1, "without spaces"},
    {"Some `code`\n", 1, "code ('`')"},
    {"Some <b>html</b>\n", 1, "HTML"},
    {"a\\q\n", 1, "no escape"},
    {"one\n\ntwo ****\n", 3, "nothing between"},
    {"1000. far\n", 1, "999"},
    {"12345. far\n", 1, "'12345\\. '"},
};

static void test_markup_bad(void)
{
    for (size_t i = 0; i < sizeof bad_pages / sizeof *bad_pages; i++) {
        const bad_page *b = &bad_pages[i];
        sq_lesson_page *p = (sq_lesson_page *)1;
        sq_err e = {0};
        int line = -1;
        sq_status st = sq_lesson_parse(b->page, strlen(b->page), &p, &line, &e);
        if (st != SQ_EINVAL || line != b->line || !strstr(e.msg, b->phrase)) {
            fprintf(stderr, "%s:%d: bad page %zu: expected line %d \"%s\", got %d, %d \"%s\"\n",
                    __FILE__, __LINE__, i + 1, b->line, b->phrase, st, line, e.msg);
            check_failures++;
        }
        check_count++;
        CHECK(p == NULL);
    }
    /* Too large, and a NUL. */
    char *big = malloc(SQ_LESSON_PAGE_MAX + 2);
    memset(big, 'a', SQ_LESSON_PAGE_MAX + 1);
    big[SQ_LESSON_PAGE_MAX + 1] = 0;
    sq_lesson_page *p = NULL;
    sq_err e = {0};
    CHECK_ERR(SQ_EINVAL, "larger than", sq_lesson_parse(big, SQ_LESSON_PAGE_MAX + 1, &p, NULL, &e),
              &e);
    free(big);
    CHECK_ERR(SQ_EINVAL, "NUL", sq_lesson_parse("a\0b", 3, &p, NULL, &e), &e);
    /* A long page (far more than a screen) is fine: the kiosk scrolls. */
    size_t n = 0, cap = 60000;
    char *longp = malloc(cap);
    while (n + 200 < cap)
        n += (size_t)snprintf(longp + n, cap - n, "Абзац %zu: комиссия **жұмыс** істейді.\n\n", n);
    CHECK_INT(SQ_OK, sq_lesson_parse(longp, n, &p, NULL, &e));
    CHECK(p && p->n > 500);
    sq_lesson_page_free(p);
    free(longp);
}

/* ---- lessons in a source ---- */

#define HEAD                                                                                       \
    "exam: t\nversion: 1\ntitle: {en: T}\npass_mark: 50\n"                                         \
    "topics:\n  law: {en: Law, ru: Закон}\n  org: {en: Org}\n"                                \
    "items:\n  - id: q1\n    topic: law\n    type: single\n    text: {en: Q}\n"                    \
    "    options: [{en: a, correct: yes}, {en: b}]\n"
/* HEAD is lines 1-13; lessons: at 14. */

typedef struct {
    const char *yaml;
    int line;
    const char *phrase;
} bad_src;

static const bad_src bad_sources[] = {
    {HEAD "lessons:\n  nosuch:\n    - {en: Text}\n", 15, "'nosuch' is not a topic"},
    {HEAD "lessons:\n  law:\n    - en: |\n        # Title\n\n        Some **bold\n", 19,
     "'**' is not closed"},
    {HEAD "lessons:\n  law:\n    - en: |\n        ![Ballot](images/missing.png)\n", 17,
     "cannot be read"},
    {HEAD "lessons:\n  law:\n    - en: |\n        ![Text](text.png)\n", 17, "not a PNG or JPEG"},
    {HEAD "lessons:\n  law:\n    - en: |\n        ![Up](../up.png)\n", 17, "inside the exam's"},
    {HEAD "lessons:\n  law:\n    - en: \"\"\n", 16, "empty"},
    {HEAD "lessons:\n  law:\n    - {}\n", 16, "no text in any language"},
    {HEAD "lessons:\n  law: []\n", 15, "at least one"},
    {HEAD "lessons:\n  law:\n    - de: Text\n", 16, "unknown language 'de'"},
    {HEAD "lessons:\n  law:\n    - en: >\n        folded\n", 16, "not '>'"},
    {HEAD "lessons:\n  law:\n    - en: |\n        ok\n\n        ### Deep\n", 19, "'###'"},
    {HEAD "lessons: [a, b]\n", 14, "map of topics"},
    {HEAD "lessons:\n  law:\n    - Just text\n", 16, "map of languages"},
};

static void test_sources(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/text.png", dir);
    fx_write(p, "just text", 9);
    for (size_t i = 0; i < sizeof bad_sources / sizeof *bad_sources; i++) {
        const bad_src *b = &bad_sources[i];
        sq_err e = {0};
        json_t *doc = (json_t *)1;
        char prefix[64];
        sq_status st = sqi_source_parse("case.yaml", b->yaml, strlen(b->yaml), dir, &doc, &e);
        snprintf(prefix, sizeof prefix, "case.yaml:%d: ", b->line);
        if (st != SQ_EINVAL || strncmp(e.msg, prefix, strlen(prefix)) != 0 ||
            !strstr(e.msg, b->phrase)) {
            fprintf(stderr, "%s:%d: bad source %zu: expected \"%s...%s\", got %d \"%s\"\n",
                    __FILE__, __LINE__, i + 1, prefix, b->phrase, st, e.msg);
            check_failures++;
        }
        check_count++;
        CHECK(doc == NULL);
    }
}

/* ---- the whole way: bundle, station, kiosk's reads ---- */

static const char sentence_kk[] = "Учаскелік комиссия дауыс беру күні сағат жетіде ашылады";
static const char sentence_ru[] = "Участковая комиссия открывает участок в семь часов утра";

static bool file_has(const char *path, const char *needle)
{
    size_t len = 0, n = strlen(needle);
    uint8_t *buf = fx_read(path, &len);
    bool found = false;
    for (size_t i = 0; buf && i + n <= len && !found; i++)
        found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

static void test_round_trip(void)
{
    fixture f;
    if (fx_setup(&f, "st-lesson")) {
        check_failures++;
        return;
    }
    char path[512], yaml[4096], bundle[400];
    snprintf(path, sizeof path, "%s/images", f.dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/images/booth.png", f.dir);
    fx_write(path, png, sizeof png - 1);
    snprintf(yaml, sizeof yaml,
             HEAD "lessons:\n"
                  "  law:\n"
                  "    - kk: |\n"
                  "        # Заң\n\n"
                  "        %s.\n"
                  "      ru: |\n"
                  "        # Закон\n\n"
                  "        %s.\n\n"
                  "        ![Кабина](images/booth.png)\n"
                  "    - en: |\n"
                  "        ## Page two\n\n"
                  "        - one\n"
                  "        - two\n"
                  "  org:\n"
                  "    - {en: \"Only **English** here.\"}\n",
             sentence_kk, sentence_ru);
    snprintf(bundle, sizeof bundle, "%s/b.sqb", f.dir);
    CHECK_INT(0, fx_bundle(&f, yaml, bundle, NULL, 0));
    /* Encrypted: not in the bundle in clear either. */
    CHECK(!file_has(bundle, "Учаскелік"));
    sq_err e = {0};
    CHECK_INT(SQ_OK, sq_import_file(f.store, bundle, NULL, NULL, &e));

    sq_lesson_topic *t = NULL;
    size_t n = 0;
    CHECK_INT(SQ_OK, sq_lesson_topics(f.store, &t, &n, &e));
    CHECK_INT(2, n);
    if (n == 2) {
        CHECK_STR("law", t[0].topic);
        CHECK_STR("t", t[0].exam_id);
        CHECK_INT(2, t[0].n_pages);
        CHECK_STR("Закон", t[0].title[1]);
        CHECK_STR("Law", t[0].title[2]);
        CHECK_STR("org", t[1].topic);
        CHECK_INT(1, t[1].n_pages);
    }
    sq_free(t);

    char *text = NULL;
    int tl = -1;
    CHECK_INT(SQ_OK, sq_lesson_page_text(f.store, "t", "law", 0, 1, &text, &tl, &e));
    CHECK_INT(1, tl);
    CHECK_CONTAINS(sentence_ru, text);
    sq_free(text);
    /* Page 2 has English only: kk falls back to it. */
    CHECK_INT(SQ_OK, sq_lesson_page_text(f.store, "t", "law", 1, 0, &text, &tl, &e));
    CHECK_INT(2, tl);
    CHECK_CONTAINS("Page two", text);
    sq_free(text);
    CHECK_ERR(SQ_ENOTFOUND, "no page 3",
              sq_lesson_page_text(f.store, "t", "law", 2, 0, &text, &tl, &e), &e);
    CHECK(text == NULL);
    CHECK_ERR(SQ_ENOTFOUND, "no exam",
              sq_lesson_page_text(f.store, "nope", "law", 0, 0, &text, &tl, &e), &e);
    CHECK_ERR(SQ_EINVAL, "language", sq_lesson_page_text(f.store, "t", "law", 0, 7, &text, &tl, &e),
              &e);

    uint8_t *img = NULL;
    size_t ilen = 0;
    CHECK_INT(SQ_OK, sq_lesson_image(f.store, "t", "images/booth.png", &img, &ilen, &e));
    CHECK_INT(sizeof png - 1, ilen);
    CHECK(img && memcmp(img, png, ilen) == 0);
    sq_free(img);
    CHECK_ERR(SQ_ENOTFOUND, "no lesson picture",
              sq_lesson_image(f.store, "t", "images/other.png", &img, &ilen, &e), &e);

    /* Each trainee's place, apart. */
    int page = -1, scroll = -1;
    CHECK_INT(SQ_OK, sq_lesson_mark_get(f.store, "880101300123", "t", "law", &page, &scroll, &e));
    CHECK_INT(0, page);
    CHECK_INT(0, scroll);
    CHECK_INT(SQ_OK, sq_lesson_mark_set(f.store, "880101300123", "t", "law", 1, 345, &e));
    CHECK_INT(SQ_OK, sq_lesson_mark_set(f.store, "880101300123", "t", "org", 0, 12, &e));
    CHECK_INT(SQ_OK, sq_lesson_mark_get(f.store, "880101300123", "t", "law", &page, &scroll, &e));
    CHECK_INT(1, page);
    CHECK_INT(345, scroll);
    CHECK_INT(SQ_OK, sq_lesson_mark_get(f.store, "990202400456", "t", "law", &page, &scroll, &e));
    CHECK_INT(0, page);
    CHECK_INT(0, scroll);
    /* Bad marks change nothing. */
    uint8_t before[32], after[32];
    sq_store_close(f.store);
    f.store = NULL;
    fx_digest(f.db_path, before);
    CHECK_INT(0, fx_reopen(&f));
    CHECK_ERR(SQ_EINVAL, "trainee id", sq_lesson_mark_set(f.store, "", "t", "law", 1, 0, &e), &e);
    CHECK_ERR(SQ_EINVAL, "page of 0..", sq_lesson_mark_set(f.store, "a", "t", "law", -1, 0, &e),
              &e);
    CHECK_ERR(SQ_EINVAL, "page of 0..", sq_lesson_mark_set(f.store, "a", "t", "law", 9999, 0, &e),
              &e);
    CHECK_ERR(SQ_EINVAL, "scroll", sq_lesson_mark_set(f.store, "a", "t", "law", 0, -5, &e), &e);
    sq_store_close(f.store);
    f.store = NULL;
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    CHECK_INT(0, fx_reopen(&f));
    /* It lasts a restart. */
    CHECK_INT(SQ_OK, sq_lesson_mark_get(f.store, "880101300123", "t", "org", &page, &scroll, &e));
    CHECK_INT(0, page);
    CHECK_INT(12, scroll);

    /* Nothing of it in clear: the store, its WAL, the trainee's id. */
    char wal[400];
    snprintf(wal, sizeof wal, "%s-wal", f.db_path);
    CHECK(!file_has(f.db_path, "Учаскелік"));
    CHECK(!file_has(f.db_path, "Участковая"));
    CHECK(!file_has(f.db_path, "booth.png"));
    CHECK(!file_has(f.db_path, "880101300123"));
    CHECK(!file_has(wal, "Учаскелік"));
    CHECK(!file_has(wal, "880101300123"));
    fx_teardown(&f);
}

/* The demo exam (argv[1]): a lesson for every topic, 2 or 3 pages, each
 * page in kk, ru and en, the three with the same blocks. */
static void test_demo(const char *path)
{
    json_t *doc = NULL;
    sq_err e = {0};
    CHECK_INT(SQ_OK, sqi_source_load(path, &doc, &e));
    if (!doc) {
        fprintf(stderr, "%s\n", e.msg);
        return;
    }
    const json_t *topics = json_object_get(doc, "topics"),
                 *lessons = json_object_get(doc, "lessons");
    CHECK_INT(json_array_size(topics), json_array_size(lessons));
    size_t i, j;
    const json_t *l, *pg;
    json_array_foreach(lessons, i, l)
    {
        const json_t *pages = json_object_get(l, "pages");
        CHECK(json_array_size(pages) >= 2 && json_array_size(pages) <= 3);
        json_array_foreach(pages, j, pg)
        {
            size_t nb[3] = {0, 0, 0};
            for (int k = 0; k < 3; k++) {
                static const char *const codes[3] = {"kk", "ru", "en"};
                const json_t *t = json_object_get(pg, codes[k]);
                sq_lesson_page *p = NULL;
                CHECK(json_is_string(t));
                if (!json_is_string(t))
                    continue;
                CHECK_INT(SQ_OK, sq_lesson_parse(json_string_value(t), json_string_length(t), &p,
                                                 NULL, &e));
                nb[k] = p ? p->n : 0;
                for (size_t b = 0; p && b < p->n; b++)
                    CHECK(
                        p->blocks[b].kind != SQ_LESSON_IMAGE ||
                        json_object_get(json_object_get(doc, "lesson_images"), p->blocks[b].image));
                sq_lesson_page_free(p);
            }
            if (nb[0] != nb[1] || nb[1] != nb[2])
                fprintf(stderr, "demo lesson %zu page %zu: kk, ru, en have %zu, %zu, %zu blocks\n",
                        i + 1, j + 1, nb[0], nb[1], nb[2]);
            CHECK(nb[0] == nb[1] && nb[1] == nb[2]);
        }
    }
    json_decref(doc);
}

int main(int argc, char **argv)
{
    sq_err e;
    if (sq_init(&e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    test_markup_good();
    test_markup_bad();
    char dir[] = "/tmp/test_lesson.XXXXXX";
    const char *tmp = getenv("TMPDIR");
    char dbuf[512];
    snprintf(dbuf, sizeof dbuf, "%s/test_lesson.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    (void)dir;
    if (mkdtemp(dbuf)) {
        test_sources(dbuf);
        char p[600];
        snprintf(p, sizeof p, "%s/text.png", dbuf);
        remove(p);
        rmdir(dbuf);
    } else {
        check_failures++;
    }
    test_round_trip();
    if (argc > 1)
        test_demo(argv[1]);
    return check_report("lesson");
}
