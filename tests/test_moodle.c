/*
 * test_moodle.c - Moodle GIFT and Aiken files into exam sources
 * (central/moodle.c). Every source written is read back by the library's
 * own strict parser (sqi_source_parse, what bundle check runs), and the
 * document it makes is checked, not the YAML's bytes. Every bad file is
 * checked for the line and words of its error and for a bank left as it
 * was. No files: texts in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "moodle.h"
#include "source_int.h"

#include "check.h"

static int notes;
static char last_note[512];

static void count_note(void *ctx, const char *msg)
{
    (void)ctx;
    notes++;
    snprintf(last_note, sizeof last_note, "%s", msg);
}

static const moodle_exam exam_defaults = {"t", "Test", 1, 0, 70, 0, NULL, 0, NULL};

/* The bank written as YAML and read back by the source parser; NULL
 * (with a failed check) when either fails. */
static json_t *bank_doc(const moodle_bank *b, const moodle_exam *ex, int line)
{
    char *yaml = NULL;
    size_t len = 0;
    sq_err err = {0};
    json_t *doc = NULL;

    if (moodle_bank_yaml(b, ex ? ex : &exam_defaults, &yaml, &len, &err) != SQ_OK) {
        fprintf(stderr, "%s:%d: moodle_bank_yaml: %s\n", __FILE__, line, err.msg);
        CHECK(0);
        return NULL;
    }
    if (sqi_source_parse("imported.yaml", yaml, len, NULL, &doc, &err) != SQ_OK) {
        fprintf(stderr, "%s:%d: the written source is refused: %s\n%s\n", __FILE__, line, err.msg,
                yaml);
        CHECK(0);
    }
    free(yaml);
    return doc;
}

/* One file of one language into a new bank. */
static moodle_bank *read1(moodle_format fmt, const char *text, size_t len, const char *lang,
                          bool strict, sq_err *err)
{
    moodle_bank *b = moodle_bank_new(fmt);
    if (!b)
        exit(2);
    memset(err, 0, sizeof *err);
    notes = 0;
    if (moodle_bank_read(b, "in.gift", text, len, lang, strict, count_note, NULL, err) != SQ_OK) {
        moodle_bank_free(b);
        return NULL;
    }
    return b;
}

static json_t *gift_doc(const char *text, int line)
{
    sq_err err;
    moodle_bank *b = read1(MOODLE_GIFT, text, strlen(text), "kk", false, &err);
    if (!b) {
        fprintf(stderr, "%s:%d: read: %s\n", __FILE__, line, err.msg);
        CHECK(0);
        return NULL;
    }
    json_t *doc = bank_doc(b, NULL, line);
    moodle_bank_free(b);
    return doc;
}

static const json_t *item(const json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "items"), i);
}

static const char *txt(const json_t *t, const char *lang)
{
    return json_string_value(json_object_get(t, lang));
}

static const json_t *opt(const json_t *it, size_t i)
{
    return json_array_get(json_object_get(it, "options"), i);
}

/* ---------- good files ---------- */

static void test_gift_basic(void)
{
    json_t *doc = gift_doc("// a comment line\n"
                           "::q1:: Сайлау комиссиясында неше мүше бар? {\n"
                           "  =7#Дұрыс: заңның 12-бабы.\n"
                           "  ~5#Жоқ, бұл аудандық комиссия емес.\n"
                           "  ~9\n"
                           "  ####Комиссия 7 мүшеден тұрады.\n"
                           "}\n"
                           "\n\n"
                           "// http://example.org stays a comment only at a line's start\n"
                           "::q2:: See http://example.org/a {T}\n"
                           "\n"
                           "::q3::Қате сөйлем.{FALSE#Жоқ, ол қате.#Иә, қате.}\n",
                           __LINE__);
    if (!doc)
        return;
    CHECK_INT(3, json_array_size(json_object_get(doc, "items")));
    CHECK_INT(70, json_integer_value(json_object_get(doc, "pass_percent")));
    const json_t *q1 = item(doc, 0);
    CHECK_STR("q1", json_string_value(json_object_get(q1, "id")));
    CHECK_STR("single", json_string_value(json_object_get(q1, "type")));
    CHECK_STR("Сайлау комиссиясында неше мүше бар?", txt(json_object_get(q1, "text"), "kk"));
    CHECK_INT(3, json_array_size(json_object_get(q1, "options")));
    CHECK_STR("7", txt(json_object_get(opt(q1, 0), "text"), "kk"));
    CHECK(json_is_true(json_object_get(opt(q1, 0), "correct")));
    CHECK(json_is_false(json_object_get(opt(q1, 1), "correct")));
    CHECK_STR("Дұрыс: заңның 12-бабы.", txt(json_object_get(opt(q1, 0), "feedback"), "kk"));
    CHECK_STR("Жоқ, бұл аудандық комиссия емес.",
              txt(json_object_get(opt(q1, 1), "feedback"), "kk"));
    CHECK(json_object_get(opt(q1, 2), "feedback") == NULL);
    CHECK_STR("Комиссия 7 мүшеден тұрады.", txt(json_object_get(q1, "explanation"), "kk"));
    const json_t *q2 = item(doc, 1);
    CHECK_STR("truefalse", json_string_value(json_object_get(q2, "type")));
    CHECK_STR("See http://example.org/a", txt(json_object_get(q2, "text"), "kk"));
    CHECK(json_is_true(json_object_get(opt(q2, 0), "correct")));
    /* {FALSE#wrong#right}: choosing "true" is the wrong answer. */
    const json_t *q3 = item(doc, 2);
    CHECK(json_is_true(json_object_get(opt(q3, 1), "correct")));
    CHECK_STR("Жоқ, ол қате.", txt(json_object_get(opt(q3, 0), "feedback"), "kk"));
    CHECK_STR("Иә, қате.", txt(json_object_get(opt(q3, 1), "feedback"), "kk"));
    json_decref(doc);
}

/* CRLF, a BOM, tabs and trailing spaces read as the plain LF file. */
static void test_line_ends(void)
{
    const char *lf = "::a:: Ә ғ қ ң ө ұ ү һ і? {\n=Иә\n~Жоқ\n}\n\n::b:: Second {T}\n";
    const char *crlf = "\xEF\xBB\xBF::a:: Ә ғ қ ң ө ұ ү һ і?   {\r\n=Иә\r\n\t~Жоқ  \r\n}\r\n"
                       "\r\n::b:: Second {T}\r\n";
    const char *cr = "::a:: Ә ғ қ ң ө ұ ү һ і? {\r=Иә\r~Жоқ\r}\r\r::b:: Second {T}";
    json_t *a = gift_doc(lf, __LINE__), *b = gift_doc(crlf, __LINE__), *c = gift_doc(cr, __LINE__);
    CHECK(a && b && c && json_equal(a, b) && json_equal(a, c));
    if (a)
        CHECK_STR("Ә ғ қ ң ө ұ ү һ і?", txt(json_object_get(item(a, 0), "text"), "kk"));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_html(void)
{
    json_t *doc = gift_doc(
        "::h1:: [html]<p>Бірінші <b>абзац</b> &amp; &lt;тег&gt;</p>\n"
        "<script type=\"text/javascript\">alert('x\\{\\}')</script><style>p\\{color:red\\}</style>"
        "<p>Екінші<br/>жол&nbsp;&#1178;&#x049B; &laquo;сөз&raquo;</p>"
        "<ul><li>бір</li><li>екі</li></ul><!-- a comment --><img src=\"@@PLUGINFILE@@/a.png\"> {\n"
        "=<i>дұрыс</i> &mdash; иә#<b>Жарайсыз</b>\n"
        "~[plain]<b>as written</b>\n"
        "}\n"
        "\n"
        "::h2:: [plain] 1 < 2 & <b>x</b> {T}\n"
        "\n"
        "::h3:: [markdown] **bold** stays {T}\n"
        "\n"
        "::h4:: Moodle's own format\nkeeps its lines, <i>not</i> its tags {F}\n",
        __LINE__);
    if (!doc)
        return;
    const json_t *h1 = item(doc, 0);
    CHECK_STR("Бірінші абзац & <тег>\n\nЕкінші\nжол Ққ «сөз»\n\n• бір\n• екі",
              txt(json_object_get(h1, "text"), "kk"));
    CHECK_STR("дұрыс — иә", txt(json_object_get(opt(h1, 0), "text"), "kk"));
    CHECK_STR("Жарайсыз", txt(json_object_get(opt(h1, 0), "feedback"), "kk"));
    CHECK_STR("<b>as written</b>", txt(json_object_get(opt(h1, 1), "text"), "kk"));
    CHECK_INT(1, notes); /* the image left out is said */
    CHECK_CONTAINS("in.gift:1: note: an image (<img>) is left out", last_note);
    CHECK_STR("1 < 2 & <b>x</b>", txt(json_object_get(item(doc, 1), "text"), "kk"));
    CHECK_STR("**bold** stays", txt(json_object_get(item(doc, 2), "text"), "kk"));
    CHECK_STR("Moodle's own format\nkeeps its lines, not its tags",
              txt(json_object_get(item(doc, 3), "text"), "kk"));
    json_decref(doc);
}

static void test_escapes(void)
{
    json_t *doc = gift_doc("::e\\:1:: a\\~b c\\=d e\\#f \\{g\\} h\\:i j\\\\k\\nl {\n"
                           "=x\\=y#fb \\# \\~\n"
                           "~p\\{q\\}\n"
                           "}\n",
                           __LINE__);
    if (!doc)
        return;
    const json_t *e = item(doc, 0);
    /* "e:1" is no item id: the item is named by position. */
    CHECK_STR("q1", json_string_value(json_object_get(e, "id")));
    CHECK_STR("a~b c=d e#f {g} h:i j\\k\nl", txt(json_object_get(e, "text"), "kk"));
    CHECK_STR("x=y", txt(json_object_get(opt(e, 0), "text"), "kk"));
    CHECK_STR("fb # ~", txt(json_object_get(opt(e, 0), "feedback"), "kk"));
    CHECK_STR("p{q}", txt(json_object_get(opt(e, 1), "text"), "kk"));
    json_decref(doc);
}

/* Weights: a multiple-answer question maps to partial scoring when each
 * right answer is worth 100/k and each wrong one -100/k. */
static void test_weights(void)
{
    json_t *doc = gift_doc("::m1:: Three of four {\n"
                           "~%33.33333%a\n~%33.33333%b\n~%33.33334%c\n~%-33.33333%d\n}\n\n"
                           "::m2:: One of three, as multiple {~%100%a ~%-100%b ~%-100%c}\n\n"
                           "::mw:: Missing word: Moodle costs {=nothing ~lots} to download.\n",
                           __LINE__);
    if (!doc)
        return;
    const json_t *m1 = item(doc, 0), *m2 = item(doc, 1), *mw = item(doc, 2);
    CHECK_STR("multiple", json_string_value(json_object_get(m1, "type")));
    CHECK_STR("partial", json_string_value(json_object_get(m1, "scoring")));
    CHECK(json_is_true(json_object_get(opt(m1, 2), "correct")));
    CHECK(json_is_false(json_object_get(opt(m1, 3), "correct")));
    CHECK_STR("multiple", json_string_value(json_object_get(m2, "type")));
    CHECK_STR("Missing word: Moodle costs _____ to download.",
              txt(json_object_get(mw, "text"), "kk"));
    CHECK_STR("single", json_string_value(json_object_get(mw, "type")));
    json_decref(doc);
}

/* What Synaq cannot give is said by line and left out; --strict refuses. */
static void test_skipped(void)
{
    static const struct {
        const char *gift;
        const char *words;
    } kinds[] = {
        {"::k:: Write an essay {}", "an essay question"},
        {"::k:: Pi? {#3.14:0.01}", "a numerical question"},
        {"::k:: Match {=a -> 1 =b -> 2 =c -> 3}", "a matching question"},
        {"::k:: Capital? {=Astana =Астана}", "a short-answer question"},
        {"::k:: Two {=a ~b} blanks {=c ~d}", "an embedded-answers (cloze) question"},
        {"::k:: Only a description, no answers", "a description"},
        {"::k:: Only general feedback {####why}", "an essay question"},
    };
    char text[256];
    sq_err err;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        snprintf(text, sizeof text, "::ok:: Fine {T}\n\n// c\n%s\n", kinds[i].gift);
        moodle_bank *b = read1(MOODLE_GIFT, text, strlen(text), "en", false, &err);
        CHECK(b != NULL);
        CHECK_INT(1, notes);
        char want[128];
        snprintf(want, sizeof want, "in.gift:4: skipped: %s", kinds[i].words);
        CHECK_CONTAINS(want, last_note);
        CHECK_INT(1, moodle_bank_count(b));
        moodle_bank_free(b);
        b = read1(MOODLE_GIFT, text, strlen(text), "en", true, &err);
        CHECK(b == NULL);
        CHECK_INT(SQ_EINVAL, err.code);
        snprintf(want, sizeof want, "in.gift:4: %s", kinds[i].words);
        CHECK_CONTAINS(want, err.msg);
        CHECK_CONTAINS("cannot be given in Synaq (--strict", err.msg);
    }
}

/* ---------- bad files ---------- */

static const struct {
    const char *text;
    int line;
    const char *phrase;
} bad_gift[] = {
    {"", 1, "There are no questions in the import file (it is empty)"},
    {"\n\n  \n", 1, "There are no questions in the import file (it is empty)"},
    {"// only\n// comments\n", 1, "There are no questions in the import file that Synaq can give"},
    {"::a:: Fine {T}\n\n::b:: Q {\n=a\n~b\n", 3,
     "Could not find {...} around answers: the '{' is not closed"},
    {"Question?\n=right\n~wrong\n", 2,
     "Could not find {...} around answers: an answer (=) outside"},
    {"Q {=a ~b} \\", 1, "a backslash at the end of a line escapes nothing"},
    {"Q {=a ~b\\\n}", 1, "a backslash at the end of a line escapes nothing"},
    {"::t:: Q {=a =b ~c}", 1, "2 answers are marked right: a single-choice question has exactly"},
    {"Q {~%50%a ~%40%b ~%-100%c}", 1,
     "The positive grades you have chosen do not add up to 100%: they add up to 90%"},
    {"Q {~a ~b}", 1, "No correct answer"},
    {"Q {=%0%a ~b}", 1, "No correct answer: one of the choices should be 100%"},
    {"Q {~only}", 1, "Question must have at least 2 answers"},
    {"Q {=a ~%50%b}", 1, "answer 2 is worth 50%: Synaq scores a single-choice question all or"},
    {"Q {=a ~%-25%b}", 1, "answer 2 is worth -25%"},
    {"Q {~%50%a ~%50%b ~c}", 1, "answer 3 is worth 0%: Synaq scores a multiple-answer question"},
    {"Q {~%50%a ~%50%b ~%-100%c}", 1, "answer 3 is worth -100%"},
    {"Q {~%100%a ~%0%b}", 1, "answer 2 is worth 0%: Synaq scores a multiple-answer question"},
    {"::abc Q {=a ~b}", 1, "the title '::' is not closed with '::'"},
    {"Q {\n  text =a ~b}", 2, "text before the first answer"},
    {"Q {~%abc%a =b}", 1, "answer 1: a weight is written %N% with N from -100 to 100"},
    {"Q {~%150%a =b}", 1, "answer 1: a weight is written %N%"},
    {"Q {=a ~b} }", 1, "a '}' with no '{' before it"},
    {"Q {=a {~b}", 1, "a '{' inside the answers"},
    {"{=a ~b}", 1, "No valid question found: the question has no text"},
    {"::a:: Q {=a ~b}\n\n\n::b:: Q2 {= ~b}", 4, "an answer is empty"},
    {"Q {=\xff ~b}", 1, "the file is not UTF-8 (byte 0xff)"},
    {"Q {=a ~b}\n\nR\x01 {T}", 3, "the file holds a control character (byte 0x01)"},
    {"::t:: A {=a ~b}\n\n::t:: B {=a ~b}", 3, "duplicate title 't' (first at line 1)"},
    {"Q {=1 ~2 ~3 ~4 ~5 ~6 ~7 ~8 ~9 ~10 ~11 ~12 ~13 ~14 ~15 ~16 ~17}", 1,
     "more than 16 answers: a Synaq item has 2 to 16 options"},
};

static void test_bad_gift(void)
{
    /* A bank holding one good file; each bad one must leave it as it was. */
    moodle_bank *b = moodle_bank_new(MOODLE_GIFT);
    sq_err err = {0};
    char *before = NULL, *after = NULL;
    size_t nb = 0, na = 0;
    if (!b)
        exit(2);
    CHECK_INT(SQ_OK, moodle_bank_read(b, "good.gift",
                                      "$CATEGORY: law\n\n::g1:: Good {=a ~b}\n\n::g2:: Also {T}",
                                      52, "en", false, NULL, NULL, &err));
    CHECK_INT(SQ_OK, moodle_bank_yaml(b, &exam_defaults, &before, &nb, &err));
    for (size_t i = 0; i < sizeof bad_gift / sizeof *bad_gift; i++) {
        char want[512];
        memset(&err, 0, sizeof err);
        sq_status st = moodle_bank_read(b, "bad.gift", bad_gift[i].text, strlen(bad_gift[i].text),
                                        "en", false, NULL, NULL, &err);
        snprintf(want, sizeof want, "bad.gift:%d: %s", bad_gift[i].line, bad_gift[i].phrase);
        check_count++;
        if (st != SQ_EINVAL || !strstr(err.msg, want)) {
            check_failures++;
            fprintf(stderr, "%s:%d: bad case %zu: expected \"%s\", got %d \"%s\"\n", __FILE__,
                    __LINE__, i + 1, want, st, err.msg);
        }
        CHECK_INT(2, moodle_bank_count(b));
    }
    CHECK_INT(SQ_OK, moodle_bank_yaml(b, &exam_defaults, &after, &na, &err));
    CHECK(before && after && nb == na && memcmp(before, after, nb) == 0);
    free(before);
    free(after);
    moodle_bank_free(b);
}

/* ---------- Aiken ---------- */

static void test_aiken(void)
{
    const char *good = "\xEF\xBB\xBFҚазақстан Республикасының астанасы?\r\n"
                       "A) Алматы\r\nB) Астана\r\nC) Шымкент\r\nANSWER: B\r\n\r\n"
                       "Which is a prime number?\n"
                       "A. 4\nB. 6\nC. 7\nD. 9\nANSWER: C\n";
    sq_err err;
    moodle_bank *b = read1(MOODLE_AIKEN, good, strlen(good), "kk", false, &err);
    CHECK(b != NULL);
    if (b) {
        json_t *doc = bank_doc(b, NULL, __LINE__);
        if (doc) {
            const json_t *a = item(doc, 0), *c = item(doc, 1);
            CHECK_STR("Қазақстан Республикасының астанасы?", txt(json_object_get(a, "text"), "kk"));
            CHECK_STR("Астана", txt(json_object_get(opt(a, 1), "text"), "kk"));
            CHECK(json_is_true(json_object_get(opt(a, 1), "correct")));
            CHECK_INT(4, json_array_size(json_object_get(c, "options")));
            CHECK(json_is_true(json_object_get(opt(c, 2), "correct")));
            CHECK_STR("q2", json_string_value(json_object_get(c, "id")));
        }
        json_decref(doc);
        moodle_bank_free(b);
    }
    static const struct {
        const char *text;
        int line;
        const char *phrase;
    } bad[] = {
        {"Q?\nA) a\nANSWER: A\n", 3, "Question must have at least 2 answers on line 3"},
        {"Q?\nA) a\nB) b\nANSWER: C\n", 4,
         "the ANSWER 'C' is not the letter of one of the answers (A to B)"},
        {"Q?\nA) a\nB) b\nANSWER: AB\n", 4, "the ANSWER 'AB' is not the letter"},
        {"Q?\nA) a\nB) b\n", 1, "Question not complete on line 1: the file ends before"},
        {"Q?\nA) a\nB) b\nNext question?\nA) x\n", 1, "Question not complete on line 1: no ANSWER"},
        {"Q?\nA) a\nC) b\nANSWER: A\n", 3, "answer 'C' where 'B' was expected"},
        {"ANSWER: A\n", 1, "an ANSWER: line with no question before it"},
        {"", 1, "There are no questions in the import file (it is empty)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char want[256];
        b = read1(MOODLE_AIKEN, bad[i].text, strlen(bad[i].text), "en", false, &err);
        CHECK(b == NULL);
        moodle_bank_free(b);
        snprintf(want, sizeof want, "in.gift:%d: %s", bad[i].line, bad[i].phrase);
        CHECK_CONTAINS(want, err.msg);
    }
}

/* ---------- languages ---------- */

static const char kk_bank[] = "$CATEGORY: $course$/top/Сайлау заңы\n\n"
                              "::q1:: Комиссияда неше мүше? {=7#Иә ~5 ~9}\n\n"
                              "::q2:: Дауыс беру жасырын. {T####Заң бойынша.}\n\n"
                              "$CATEGORY: $course$/top/Комиссиялар\n\n"
                              "::q3:: Екеуін таңдаңыз {~%50%ә ~%50%ғ ~%-50%қ ~%-50%ң}\n";
static const char ru_bank[] = "$CATEGORY: $course$/top/Избирательное право\n\n"
                              "::q2:: Голосование тайное. {T####По закону.}\n\n"
                              "::q1:: Сколько членов в комиссии? {=7#Да ~5 ~9}\n\n"
                              "$CATEGORY: $course$/top/Комиссии\n\n"
                              "::q3:: Выберите два {~%50%а ~%50%б ~%-50%в ~%-50%г}\n";
static const char en_bank[] = "$CATEGORY: Election law\n\n"
                              "::q1:: How many members? {=7 ~5 ~9}\n\n"
                              "::q2:: Voting is secret. {TRUE}\n\n"
                              "$CATEGORY: Commissions\n\n"
                              "::q3:: Pick two {~%50%a ~%50%b ~%-50%c ~%-50%d}\n";

static moodle_bank *three(const char *ru)
{
    moodle_bank *b = moodle_bank_new(MOODLE_GIFT);
    sq_err err = {0};
    if (!b)
        exit(2);
    CHECK_INT(SQ_OK, moodle_bank_read(b, "kk.gift", kk_bank, strlen(kk_bank), "kk", false, NULL,
                                      NULL, &err));
    CHECK_INT(SQ_OK, moodle_bank_read(b, "ru.gift", ru, strlen(ru), "ru", false, NULL, NULL, &err));
    CHECK_INT(SQ_OK, moodle_bank_read(b, "en.gift", en_bank, strlen(en_bank), "en", false, NULL,
                                      NULL, &err));
    return b;
}

static void test_merge(void)
{
    moodle_bank *b = three(ru_bank);
    moodle_exam ex = exam_defaults;
    ex.per_topic = 1;
    ex.pass_mark = 80;
    json_t *doc = bank_doc(b, &ex, __LINE__);
    moodle_bank_free(b);
    if (!doc)
        return;
    CHECK_INT(80, json_integer_value(json_object_get(doc, "pass_percent")));
    const json_t *topics = json_object_get(doc, "topics");
    CHECK_INT(2, json_array_size(topics));
    const json_t *t0 = json_object_get(json_array_get(topics, 0), "title");
    CHECK_STR("Сайлау заңы", txt(t0, "kk"));
    CHECK_STR("Избирательное право", txt(t0, "ru"));
    CHECK_STR("Election law", txt(t0, "en"));
    /* The id from the first name with ASCII letters in it (here English). */
    CHECK_STR("election-law", json_string_value(json_object_get(json_array_get(topics, 0), "id")));
    CHECK_STR("election-law", json_string_value(json_object_get(item(doc, 0), "topic")));
    CHECK_INT(2, json_array_size(json_object_get(doc, "blueprint")));
    const json_t *q1 = item(doc, 0);
    CHECK_STR("Комиссияда неше мүше?", txt(json_object_get(q1, "text"), "kk"));
    CHECK_STR("Сколько членов в комиссии?", txt(json_object_get(q1, "text"), "ru"));
    CHECK_STR("How many members?", txt(json_object_get(q1, "text"), "en"));
    /* Feedback in two languages only: the map holds those two. */
    CHECK_STR("Да", txt(json_object_get(opt(q1, 0), "feedback"), "ru"));
    CHECK(txt(json_object_get(opt(q1, 0), "feedback"), "en") == NULL);
    CHECK_STR("По закону.", txt(json_object_get(item(doc, 1), "explanation"), "ru"));
    CHECK_STR("ғ", txt(json_object_get(opt(item(doc, 2), 1), "text"), "kk"));
    CHECK_STR("б", txt(json_object_get(opt(item(doc, 2), 1), "text"), "ru"));
    json_decref(doc);

    static const struct {
        const char *from, *to; /* a change to ru_bank */
        const char *phrase;
    } bad[] = {
        {"::q2:: Голосование тайное. {T####По закону.}\n\n", "",
         "kk.gift:5: missing title: question 'q2' is not in the ru file(s)"},
        {"::q1:: Сколько", "::q9:: Сколько",
         "kk.gift:3: missing title: question 'q1' is not in the ru file(s)"},
        {"~9}", "}",
         "ru.gift:5: question 'q1' has a different option count: 2 answers here, 3 at kk.gift:3"},
        {"{=7#Да ~5 ~9}", "{~7#Да =5 ~9}",
         "ru.gift:5: question 'q1' has different right answers: answer 1 is wrong here and right"},
        {"{T####По закону.}", "{F}",
         "ru.gift:3: question 'q2' has different right answers: false here, true"},
        {"{T####По закону.}", "{=a ~b}",
         "ru.gift:3: question 'q2' is single-choice here and true/false at kk.gift:5"},
        {"$CATEGORY: $course$/top/Комиссии\n\n", "", "have 2 categories and the ru file(s) 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char ru[1024];
        const char *at = strstr(ru_bank, bad[i].from);
        CHECK(at != NULL);
        if (!at)
            continue;
        snprintf(ru, sizeof ru, "%.*s%s%s", (int)(at - ru_bank), ru_bank, bad[i].to,
                 at + strlen(bad[i].from));
        b = three(ru);
        char *yaml = NULL;
        size_t len = 0;
        sq_err err = {0};
        CHECK_INT(SQ_EINVAL, moodle_bank_yaml(b, &exam_defaults, &yaml, &len, &err));
        CHECK(yaml == NULL);
        CHECK_CONTAINS(bad[i].phrase, err.msg);
        moodle_bank_free(b);
    }
}

/* Exam-level fields: checked before anything is written. */
static void test_exam_fields(void)
{
    sq_err err;
    moodle_bank *b = read1(MOODLE_GIFT, "Q {=a ~b}", 9, "ru", false, &err);
    char *yaml = NULL;
    size_t len;
    moodle_exam ex = exam_defaults;
    if (!b)
        return;
    ex.id = "Bad Id";
    CHECK_ERR(SQ_EINVAL, "the exam id 'Bad Id' is not valid",
              moodle_bank_yaml(b, &ex, &yaml, &len, &err), &err);
    ex = exam_defaults;
    ex.pass_mark = 101;
    CHECK_ERR(SQ_EINVAL, "the pass mark must be a percentage",
              moodle_bank_yaml(b, &ex, &yaml, &len, &err), &err);
    ex = exam_defaults;
    ex.per_topic = 2;
    CHECK_ERR(SQ_EINVAL, "items per topic need topics", moodle_bank_yaml(b, &ex, &yaml, &len, &err),
              &err);
    ex = exam_defaults;
    ex.review_after = "mistakes";
    ex.time_limit_min = 30;
    ex.title = "Тест: «yes», # no comment";
    json_t *doc = bank_doc(b, &ex, __LINE__);
    CHECK_STR("mistakes", json_string_value(json_object_get(doc, "review_after")));
    CHECK_INT(1800, json_integer_value(json_object_get(doc, "time_limit_s")));
    CHECK_STR("Тест: «yes», # no comment", txt(json_object_get(doc, "title"), "ru"));
    json_decref(doc);
    CHECK(yaml == NULL);
    moodle_bank_free(b);
}

/* 10,000 questions in one file, in categories of 100. */
static void test_big(void)
{
    size_t cap = 10000 * 160, n = 0;
    char *text = malloc(cap);
    if (!text)
        exit(2);
    for (int i = 0; i < 10000; i++) {
        if (i % 100 == 0)
            n += (size_t)snprintf(text + n, cap - n, "$CATEGORY: Бөлім %d\n\n", i / 100);
        n += (size_t)snprintf(
            text + n, cap - n,
            "::Q%05d:: Сұрақ №%d: қай жауап дұрыс? {=Иә#Дұрыс ~Жоқ ~Білмеймін}\n\n", i, i);
    }
    sq_err err;
    moodle_bank *b = read1(MOODLE_GIFT, text, n, "kk", false, &err);
    free(text);
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK_INT(10000, moodle_bank_count(b));
    json_t *doc = bank_doc(b, NULL, __LINE__);
    CHECK_INT(10000, json_array_size(json_object_get(doc, "items")));
    CHECK_INT(100, json_array_size(json_object_get(doc, "topics")));
    CHECK_STR("Q09999", json_string_value(json_object_get(item(doc, 9999), "id")));
    json_decref(doc);
    moodle_bank_free(b);
}

int main(void)
{
    sq_err err;
    if (sq_init(&err) != SQ_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    test_gift_basic();
    test_line_ends();
    test_html();
    test_escapes();
    test_weights();
    test_skipped();
    test_bad_gift();
    test_aiken();
    test_merge();
    test_exam_fields();
    test_big();
    return check_report("test_moodle");
}
