/*
 * test_source.c - exam sources (core/src/source.c) and the rules of the
 * canonical exam document (core/src/exam.c).
 *
 * Usage: test_source [SOURCE.yaml...]
 * Built-in cases always run. Each argument is a source file that must load,
 * unless its first line is "# expect-error: LINE PHRASE": then loading must
 * fail with SQ_EINVAL at that line with PHRASE in the message. The first
 * argument is meant to be assets/demo/election-basics.yaml.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include "bundle_int.h"
#include "examset_int.h"
#include "exam_int.h"
#include "source_int.h"

#include "check.h"

static char tmp_dir[256];
static char tmp_files[32][32]; /* relative names, removed at the end */
static int ntmp_files;

/* Writes len bytes (len < 0: strlen) to tmp_dir/rel. */
static void put_file(const char *rel, const void *data, long len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", tmp_dir, rel);
    if (ntmp_files < 32)
        snprintf(tmp_files[ntmp_files++], sizeof tmp_files[0], "%s", rel);
    f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fwrite(data, 1, len < 0 ? strlen(data) : (size_t)len, f);
    fclose(f);
}

static void remove_tmp_dir(void)
{
    char path[512];

    /* Backwards: files inside img/ were made after it. */
    for (int i = ntmp_files - 1; i >= 0; i--) {
        snprintf(path, sizeof path, "%s/%s", tmp_dir, tmp_files[i]);
        remove(path);
    }
    snprintf(path, sizeof path, "%s/img", tmp_dir);
    rmdir(path);
    rmdir(tmp_dir);
}

static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
static const char jpg[] = "\xff\xd8\xff\xe0\0\x10JFIF";

static void make_tmp_dir(void)
{

    const char *tmp = getenv("TMPDIR");

    snprintf(tmp_dir, sizeof tmp_dir, "%s/test_source.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        exit(2);
    }
    char *big;
    put_file("ok.png", png, sizeof png - 1);
    put_file("ok.jpg", jpg, sizeof jpg - 1);
    put_file("text.png", "just text", -1);
    big = calloc(1, (1u << 20) + 1);
    if (!big)
        exit(2);
    memcpy(big, png, sizeof png - 1);
    put_file("big.png", big, (1 << 20) + 1);
    free(big);
    put_file("roster.yaml", "- {id: \"880101300123\", name: Айгүл, district: Алматы}\n- id: b\n",
             -1);
    put_file("roster-dup.yaml", "- id: a\n- id: b\n- id: a\n", -1);
    put_file("roster-map.yaml", "a: 1\n", -1);
    put_file("roster-bad.yaml", "- id: a\n  name: [x\n", -1);
    put_file("roster-blank.yaml", "- id: a\n- id: \"  \"\n", -1);
    put_file("roster-bd.yaml", "- {id: a, birth_date: 1990-01-31}\n- {id: b, birth_date: 1990-13-01}\n",
             -1);
    char sub[512];
    snprintf(sub, sizeof sub, "%s/img", tmp_dir);
    mkdir(sub, 0700);
    put_file("img/ok.png", png, sizeof png - 1);
}

/* ---- bad sources ---- */

/* Lines 1-4. */
#define HEAD "exam: t\nversion: 1\ntitle: {en: T}\npass_mark: 50\n"
/* A valid single-choice item: 4 lines. */
#define ITEM(id)                                                                                   \
    "  - id: " id "\n    type: single\n    text: {en: Q}\n"                                        \
    "    options: [{en: a, correct: yes}, {en: b}]\n"
/* The same with a topic: 5 lines. */
#define ITEMT(id, topic) ITEM(id) "    topic: " topic "\n"
/* A whole exam of one item, lines 1-8, items at line 4. */
#define ONE HEAD "items:\n" ITEM("q1")

typedef struct {
    const char *yaml;
    int line;           /* the line the message must name */
    const char *phrase; /* a part of the message */
    const char *file;   /* NULL: no base_dir, the message names "case.yaml"; else base_dir is
                         * tmp_dir and the message names this file in it ("": case.yaml) */
} bad_case;

/* clang-format off */
#define BAD(yaml, line, phrase) {yaml, line, phrase, NULL}
#define IN_DIR(yaml, line, phrase, file) {yaml, line, phrase, file}
/* clang-format on */

static const bad_case bad_cases[] = {
    /* YAML itself */
    BAD(HEAD "items:\n  - id: q1\n    type: single\n   text: x\n", 8, "yaml: "),
    BAD("exam: t\nversion: 1\ntitle: {en: T\nitems: []\n", 4,
        "yaml: did not find expected ',' or '}'"),
    BAD("exam: t\ntitle: \xff\n", 2, "yaml: invalid leading UTF-8 octet"),
    BAD("", 1, "the source is empty"),
    BAD("# only a comment\n", 1, "the source is empty"),
    BAD("- exam: t\n", 1, "the source must be a map of keys"),
    BAD(ONE "---\nexam: u\n", 10, "only one YAML document is allowed"),
    BAD("exam: &a t\n", 1, "anchors (&a) are not supported"),
    BAD("exam: t\nversion: 1\ntitle: {en: T}\ndescription: *x\n", 4,
        "aliases (*x) are not supported"),
    BAD("exam: t\nversion: !!int 1\n", 2, "tags (tag:yaml.org,2002:int) are not supported"),
    BAD("exam: t\nx: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", 2,
        "nesting deeper than 32 levels"),
    /* keys and types */
    BAD(HEAD "colour: red\nitems:\n" ITEM("q1"), 5, "unknown key 'colour'"),
    BAD(HEAD "items:\n" ITEM("q1") "    hint: {en: x}\n", 10, "item 'q1': unknown key 'hint'"),
    BAD("version: 1\ntitle: {en: T}\nitems: []\n", 1, "missing required key 'exam'"),
    BAD("exam: t\ntitle: {en: T}\nitems: []\n", 1, "missing required key 'version'"),
    BAD("exam: t\nversion: 1\nitems: []\n", 1, "missing required key 'title'"),
    BAD(HEAD "\n", 1, "missing required key 'items'"),
    BAD("exam: t\nexam: u\n", 2, "duplicate key 'exam' (first at line 1)"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    options: []\n", 6,
        "item 'q1': missing required key 'text'"),
    BAD(HEAD "items:\n  - type: single\n    text: {en: Q}\n", 6,
        "item 1: missing required key 'id'"),
    BAD(HEAD "items: {q1: x}\n", 5, "'items' must be a list, not a map"),
    BAD(HEAD "items:\n  - q1\n", 6, "item 1 must be a map"),
    BAD("exam: [t]\nversion: 1\ntitle: {en: T}\nitems: []\npass_mark: 50\n", 1,
        "'exam' must be a text, not a list"),
    BAD("exam: t\nversion: 1\ntitle: T\nitems: []\npass_mark: 50\n", 3,
        "'title' must be a map of languages"),
    BAD(ONE "show_score: maybe\n", 10, "'show_score' must be yes or no"),
    BAD(ONE "shuffle_items: \"no\"\n", 10, "'shuffle_items' must be yes or no (without quotes)"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options: [{en: a, correct: \"yes\"}, {en: b}]\n",
        9, "item 'q1': option 1: 'correct' must be yes or no (without quotes)"),
    BAD(HEAD "items:\n  - id: q1\n    type: essay\n    text: {en: Q}\n", 7,
        "item 'q1': 'type' must be single, multiple or truefalse"),
    /* numbers */
    BAD("exam: t\nversion: 0\ntitle: {en: T}\nitems:\n" ITEM("q1") "pass_mark: 50\n", 2,
        "'version' must be 1..9007199254740992, not 0"),
    BAD("exam: t\nversion: \"3\"\ntitle: {en: T}\nitems: []\npass_mark: 50\n", 2,
        "'version' must be a whole number (without quotes)"),
    BAD("exam: t\nversion: 1.5\ntitle: {en: T}\nitems: []\npass_mark: 50\n", 2,
        "'version' must be a whole number"),
    BAD("exam: t\nversion: 03\ntitle: {en: T}\nitems: []\npass_mark: 50\n", 2,
        "'version' must be a whole number"),
    BAD("exam: t\nversion: -1\ntitle: {en: T}\nitems:\n" ITEM("q1") "pass_mark: 50\n", 2,
        "'version' must be 1.."),
    BAD("exam: t\nversion: 99999999999999999999\ntitle: {en: T}\nitems: []\npass_mark: 50\n", 2,
        "'version' is too large"),
    BAD(ONE "time_limit: 1441\n", 10, "'time_limit' must be 0..1440 minutes"),
    /* pass_mark: required (without it nobody could fail), a whole percentage */
    BAD("exam: t\nversion: 1\ntitle: {en: T}\nitems:\n" ITEM("q1"), 1,
        "missing required key 'pass_mark': the percentage of the points a trainee needs to pass"),
    BAD("exam: t\nversion: 1\ntitle: {en: T}\npass_mark: 101\nitems:\n" ITEM("q1"), 4,
        "'pass_mark' must be a percentage, 0..100"),
    BAD("exam: t\nversion: 1\ntitle: {en: T}\npass_mark: -1\nitems:\n" ITEM("q1"), 4,
        "'pass_mark' must be a percentage, 0..100"),
    BAD("exam: t\nversion: 1\ntitle: {en: T}\npass_mark: seventy\nitems:\n" ITEM("q1"), 4,
        "'pass_mark' must be a whole number"),
    BAD("exam: t\nversion: 1\ntitle: {en: T}\npass_mark:\nitems:\n" ITEM("q1"), 4,
        "'pass_mark' must be a whole number"),
    BAD(ONE "attempts: 1001\n", 10, "'attempts' must be 0..1000, not 1001"),
    /* the clock */
    BAD(ONE "clock: sometimes\n", 10, "'clock' must be running or paused"),
    BAD(ONE "clock: Running\n", 10, "'clock' must be running or paused"),
    BAD(ONE "clock: [running]\n", 10, "'clock' must be running or paused"),
    BAD(ONE "clock:\n", 10, "'clock' must be running or paused"),
    BAD(ONE "power_grace: 10x\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "power_grace: -1m\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "power_grace: 25h\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "power_grace: 1441\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "power_grace: 86401s\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "power_grace: 010m\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "power_grace: m\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "power_grace: 10 m\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "power_grace: 9999999999h\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "power_grace: {m: 10}\n", 10, "'power_grace' must be a time of 0 to 24 hours"),
    BAD(ONE "clock: paused\npower_grace: 5m\n", 11,
        "'power_grace' goes with 'clock: running' only"),
    BAD(HEAD "items:\n" ITEM("q1") "    points: 0\n", 10,
        "item 'q1': 'points' must be 1..100, not 0"),
    /* ids */
    BAD("exam: Bad Id\nversion: 1\ntitle: {en: T}\nitems:\n" ITEM("q1") "pass_mark: 50\n", 1,
        "exam id 'Bad Id' is not valid"),
    BAD("exam: .t\nversion: 1\ntitle: {en: T}\nitems:\n" ITEM("q1") "pass_mark: 50\n", 1,
        "exam id '.t' is not valid"),
    BAD(HEAD "items:\n" ITEM("q/1"), 6, "item 1: id 'q/1' is not valid"),
    BAD(HEAD "items:\n" ITEM("q1") ITEM("q2") ITEM("q1"), 14,
        "duplicate item id 'q1' (first at line 6)"),
    BAD(HEAD "items: []\n", 5, "the exam has 0 items; it needs 1 to 100000"),
    /* texts */
    BAD("exam: t\nversion: 1\ntitle: {en: T, de: X}\nitems: []\npass_mark: 50\n", 3,
        "title: unknown language 'de' (kk, ru, en)"),
    BAD("exam: t\nversion: 1\ntitle: {}\nitems:\n" ITEM("q1") "pass_mark: 50\n", 3,
        "title has no text in any language"),
    BAD("exam: t\nversion: 1\ntitle:\n  ru: Тест\n  en: \"\"\nitems:\n" ITEM(
            "q1") "pass_mark: 50\n",
        5, "title: the 'en' text is empty"),
    BAD("exam: t\nversion: 1\ntitle: {en: \"a\\0b\"}\nitems: []\npass_mark: 50\n", 3,
        "title: 'en' contains a NUL character"),
    BAD("exam: t\nversion: 1\ntitle: {en: [a]}\nitems: []\npass_mark: 50\n", 3,
        "title: 'en' must be a text"),
    BAD(ONE "description: {kk: \"  \"}\n", 10, "description: the 'kk' text is empty"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options: [{en: a, correct: yes}, {}]\n",
        9, "item 'q1': option 2 has no text in any language"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options:\n      - {en: a, correct: yes}\n      - {en: b, fr: c}\n",
        11,
        "item 'q1': option 2: unknown key 'fr' (an option has kk, ru, en, correct, feedback)"),
    /* options and answers */
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options: [{en: a}, {en: b}]\n",
        9, "item 'q1': no option is marked correct"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options: [{en: a, correct: yes}, {en: b, correct: TRUE}]\n",
        9, "item 'q1': 2 options are marked correct; a single-choice item has exactly one"),
    BAD(HEAD "items:\n  - id: q1\n    type: multiple\n    text: {en: Q}\n"
             "    options:\n      - {en: a, correct: no}\n      - {en: b}\n",
        9, "item 'q1': no option is marked correct"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options: [{en: a, correct: yes}]\n",
        9, "item 'q1': has 1 option; an item needs 2 to 16"),
    BAD(HEAD
        "items:\n  - id: q1\n    type: multiple\n    text: {en: Q}\n    options: [{en: a, "
        "correct: yes}, {en: b}, {en: c}, {en: d}, {en: e}, {en: f}, {en: g}, {en: h}, {en: i}, "
        "{en: j}, {en: k}, {en: l}, {en: m}, {en: n}, {en: o}, {en: p}, {en: q}]\n",
        9, "item 'q1': has 17 options; an item needs 2 to 16"),
    BAD(HEAD "items:\n  - id: q1\n    type: truefalse\n    answer: yes\n    text: {en: Q}\n"
             "    options: [{en: a, correct: yes}, {en: b}]\n",
        10, "item 'q1': a truefalse item takes 'answer', not 'options'"),
    BAD(HEAD "items:\n  - id: q1\n    type: truefalse\n    text: {en: Q}\n", 6,
        "item 'q1': missing required key 'answer'"),
    BAD(HEAD "items:\n  - id: q1\n    type: truefalse\n    answer: maybe\n    text: {en: Q}\n", 8,
        "item 'q1': 'answer' must be yes or no"),
    BAD(HEAD "items:\n" ITEM("q1") "    answer: yes\n", 10,
        "item 'q1': 'answer' is only for truefalse items"),
    BAD(HEAD "items:\n" ITEM("q1") "    scoring: partial\n", 10,
        "item 'q1': 'scoring' is only for multiple items"),
    BAD(HEAD "items:\n  - id: q1\n    type: multiple\n    text: {en: Q}\n    scoring: most\n"
             "    options: []\n",
        9, "item 'q1': 'scoring' must be all or partial"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n", 6,
        "item 'q1': missing required key 'options'"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n    options: [a, b]\n", 9,
        "item 'q1': option 1 must be a map"),
    /* topics and blueprint */
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: 2\nitems:\n" ITEMT("q1", "law"), 8,
        "blueprint asks for 2 items of topic 'law', the exam has 1"),
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint: {other: 1}\nitems:\n" ITEMT("q1", "law"), 7,
        "blueprint names unknown topic 'other'"),
    BAD(HEAD "blueprint: {law: 1}\nitems:\n" ITEM("q1"), 5, "blueprint names unknown topic 'law'"),
    BAD(HEAD
        "topics:\n  law: {en: Law}\nblueprint:\n  law: 1\n  law: 1\nitems:\n" ITEMT("q1", "law"),
        9, "blueprint names topic 'law' twice"),
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: 0\nitems:\n" ITEMT("q1", "law"), 8,
        "blueprint: the count of topic 'law' must be at least 1"),
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: many\nitems:\n" ITEMT("q1", "law"), 8,
        "blueprint: 'law' must be a whole number"),
    /* What the trainee sees after (issue 16, item 10). */
    BAD(HEAD "review_after: some\nitems:\n" ITEM("q1"), 5,
        "'review_after' must be none, score, mistakes or full"),
    BAD(HEAD "show_score: no\nreview_after: mistakes\nitems:\n" ITEM("q1"), 6,
        "'review_after: mistakes' contradicts 'show_score: no' (line 5); review_after alone "
        "says it"),
    BAD(HEAD "show_score: yes\nreview_after: none\nitems:\n" ITEM("q1"), 6,
        "'review_after: none' contradicts 'show_score: yes' (line 5)"),
    BAD(HEAD "items:\n" ITEM("q1") "    explanation: Because.\n", 10,
        "item 'q1': 'explanation' must be a map of languages"),
    BAD(HEAD "items:\n" ITEM("q1") "    explanation: {de: Weil.}\n", 10,
        "item 'q1': explanation: unknown language 'de'"),
    BAD(HEAD "items:\n" ITEM("q1") "    explanation: {en: \"  \"}\n", 10,
        "item 'q1': explanation: the 'en' text is empty"),
    /* Per-option feedback: a text map on the option; on a truefalse item
     * feedback_true and feedback_false (what choosing each says). */
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options:\n      - {en: a, correct: yes, feedback: Right.}\n      - {en: b}\n",
        10, "item 'q1': option 1: 'feedback' must be a map of languages"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options:\n      - {en: a, correct: yes}\n      - {en: b, feedback: {de: x}}\n",
        11, "item 'q1': option 2: feedback: unknown language 'de'"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options:\n      - {en: a, correct: yes}\n      - {en: b, feedback: {en: \"\"}}\n",
        11, "item 'q1': option 2: feedback: the 'en' text is empty"),
    BAD(HEAD "items:\n  - id: q1\n    type: single\n    text: {en: Q}\n"
             "    options:\n      - {en: a, correct: yes}\n      - {en: b, feedbak: {en: x}}\n",
        11, "item 'q1': option 2: unknown key 'feedbak' (an option has kk, ru, en, correct, "
            "feedback)"),
    BAD(HEAD "items:\n" ITEM("q1") "    feedback_true: {en: Yes}\n", 10,
        "item 'q1': 'feedback_true' is only for truefalse items (an option's feedback goes on "
        "the option)"),
    BAD(HEAD "items:\n  - id: q1\n    type: truefalse\n    answer: no\n    text: {en: Q}\n"
             "    feedback_false: Right.\n",
        10, "item 'q1': 'feedback_false' must be a map of languages"),
    /* Attempts must be equal (issue 16): a draw by count from items of
     * different points, or a draw by points no items can make. */
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: 1\nitems:\n" ITEMT("q1", "law")
            ITEMT("q2", "law") "    points: 2\n",
        8,
        "blueprint: topic 'law' draws 1 of its 2 items, worth 1 to 2 points, so attempts "
        "would not be equal (1 to 2 points); give its items equal points, or say the topic's "
        "points in every attempt ({count: 1, points: N})"),
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: {count: 2, points: 5}\nitems:\n" ITEMT(
            "q1", "law") ITEMT("q2", "law") "    points: 3\n" ITEMT("q3", "law") "    points: 3\n",
        8,
        "blueprint: topic 'law': no draw of 2 items adds up to 5 points (its draws make 4 to 6,"),
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: {count: 1, points: 0}\nitems:\n" ITEMT(
            "q1", "law"),
        8, "blueprint: the points of topic 'law' must be a whole number 1..2000"),
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: {count: 1, points: 2001}\n"
             "items:\n" ITEMT("q1", "law"),
        8, "blueprint: the points of topic 'law' must be a whole number 1..2000"),
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: {count: 1, points: many}\n"
             "items:\n" ITEMT("q1", "law"),
        8, "blueprint: topic 'law': 'points' must be a whole number"),
    BAD(HEAD
        "topics:\n  law: {en: Law}\nblueprint:\n  law: {points: 1}\nitems:\n" ITEMT("q1", "law"),
        8, "blueprint: topic 'law': missing required key 'count'"),
    BAD(HEAD
        "topics:\n  law: {en: Law}\nblueprint:\n  law: {count: 1}\nitems:\n" ITEMT("q1", "law"),
        8, "blueprint: topic 'law': missing required key 'points'"),
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: {count: 1, points: 1, weight: 2}\n"
             "items:\n" ITEMT("q1", "law"),
        8, "blueprint: topic 'law': unknown key 'weight' (a topic's draw has count, points)"),
    BAD(HEAD "topics:\n  law: {en: Law}\nblueprint:\n  law: {count: 2, points: 3}\nitems:\n" ITEMT(
            "q1", "law"),
        8, "blueprint asks for 2 items of topic 'law', the exam has 1"),
    BAD(HEAD "topics:\n  law: {en: Law}\n  law: {ru: Право}\nitems:\n" ITEMT("q1", "law"), 7,
        "duplicate topic 'law' (first at line 6)"),
    BAD(HEAD "topics:\n  law: {en: Law}\nitems:\n" ITEMT("q1", "lore"), 12,
        "item 'q1': topic 'lore' is not in topics"),
    BAD(HEAD "topics:\n  law: {en: Law}\nitems:\n" ITEM("q1"), 8,
        "item 'q1': has no topic; when the exam has topics, every item needs one"),
    BAD(HEAD "items:\n" ITEMT("q1", "law"), 10, "item 'q1': topic 'law' is not in topics"),
    BAD(HEAD "topics:\n  law: Law\nitems:\n" ITEMT("q1", "law"), 6,
        "topics: 'law' must be a map of languages"),
    BAD(HEAD "topics:\n  law: {}\nitems:\n" ITEMT("q1", "law"), 6,
        "title of topic 'law' has no text in any language"),
    BAD(HEAD "topics: [law]\nitems:\n" ITEM("q1"), 5,
        "'topics' must be a map of topic ids to titles"),
    /* images */
    IN_DIR(HEAD "items:\n" ITEM("q1") "    image: nope.png\n", 10,
           "item 'q1': image 'nope.png' cannot be read: ", ""),
    IN_DIR(HEAD "items:\n" ITEM("q1") "    image: ../ok.png\n", 10,
           "item 'q1': image '../ok.png' must be a path inside the exam's folder", ""),
    IN_DIR(HEAD "items:\n" ITEM("q1") "    image: img/../../ok.png\n", 10,
           "image 'img/../../ok.png' must be a path inside", ""),
    IN_DIR(HEAD "items:\n" ITEM("q1") "    image: /etc/passwd\n", 10,
           "image '/etc/passwd' must be a path inside", ""),
    IN_DIR(HEAD "items:\n" ITEM("q1") "    image: text.png\n", 10,
           "item 'q1': image 'text.png' is not a PNG or JPEG file", ""),
    IN_DIR(HEAD "items:\n" ITEM("q1") "    image: big.png\n", 10,
           "item 'q1': image 'big.png' is larger than 1 MiB", ""),
    IN_DIR(HEAD "items:\n" ITEM("q1") "    image: img\n", 10,
           "item 'q1': image 'img' cannot be read", ""),
    BAD(HEAD "items:\n" ITEM("q1") "    image: ok.png\n", 10,
        "image 'ok.png': there is no folder to read it from"),
    /* roster */
    BAD(ONE "roster:\n  - {id: a}\n  - {id: b}\n  - {id: a}\n", 13,
        "roster: duplicate trainee id 'a' (first at line 11)"),
    BAD(ONE "roster:\n  - {id: a}\n  - {name: B}\n", 12,
        "roster entry 2: missing required key 'id'"),
    BAD(ONE "roster:\n  - {id: a, phone: 1}\n", 11,
        "roster entry 1: unknown key 'phone' (a trainee has id, name, district, birth_date)"),
    BAD(ONE "roster:\n  - {id: \"\"}\n", 11, "roster entry 1: 'id' is empty"),
    BAD(ONE "roster:\n  - {id: "
            "\"12345678901234567890123456789012345678901234567890123456789012345\"}\n",
        11, "roster entry 1: 'id' is longer than 64 bytes"),
    BAD(ONE "roster: {a: b}\n", 10, "'roster' must be a list of trainees or the name of a file"),
    IN_DIR(ONE "roster: roster-dup.yaml\n", 3, "roster: duplicate trainee id 'a' (first at line 1)",
           "roster-dup.yaml"),
    IN_DIR(ONE "roster: roster-map.yaml\n", 1, "a roster file must hold a list of trainees",
           "roster-map.yaml"),
    IN_DIR(ONE "roster: roster-bad.yaml\n", 3, "yaml: ", "roster-bad.yaml"),
    IN_DIR(ONE "roster: roster-blank.yaml\n", 2, "roster entry 2: 'id' is empty",
           "roster-blank.yaml"),
    IN_DIR(ONE "roster: none.yaml\n", 10, "roster file 'none.yaml' cannot be read: ", ""),
    IN_DIR(ONE "roster: ../roster.yaml\n", 10, "roster file '../roster.yaml' must be a path inside",
           ""),
    /* who may sit */
    BAD(ONE "identity: face\n", 10,
        "'identity' must be none, code, birth_date or proctor, not 'face'"),
    BAD(ONE "identity: [code]\n", 10, "'identity' must be a text"),
    BAD(ONE "identity: code\n", 10,
        "identity 'code' needs a roster: the codes are made per trainee"),
    BAD(ONE "roster: []\nidentity: code\n", 11, "identity 'code' needs a roster"),
    BAD(ONE "identity: birth_date\n", 10, "identity 'birth_date' needs a roster"),
    BAD(ONE "identity: birth_date\nroster:\n  - {id: a, birth_date: 31.02.1990}\n", 12,
        "roster entry 1: 'birth_date' '31.02.1990' is not a date: write DD.MM.YYYY or YYYY-MM-DD"),
    BAD(ONE "roster:\n  - {id: a, birth_date: 1.2.1990}\n", 11,
        "roster entry 1: 'birth_date' '1.2.1990' is not a date"),
    BAD(ONE "roster:\n  - {id: a, birth_date: 29.02.1990}\n", 11,
        "roster entry 1: 'birth_date' '29.02.1990' is not a date"),
    BAD(ONE "roster:\n  - {id: a, birth_date: [1990]}\n", 11,
        "roster entry 1: 'birth_date' '' is not a date"),
    BAD(ONE "identity: birth_date\nroster:\n  - {id: a, birth_date: 01.01.1990}\n  - {id: b}\n", 13,
        "roster entry 2 ('b'): no 'birth_date'; identity 'birth_date' needs every trainee's"),
    IN_DIR(ONE "identity: birth_date\nroster: roster-bd.yaml\n", 2,
           "roster entry 2: 'birth_date' '1990-13-01' is not a date", "roster-bd.yaml"),
    BAD(ONE "identity: proctor\n", 10, "identity 'proctor' needs 'proctor_pin' (4 to 12 digits)"),
    BAD(ONE "identity: proctor\nproctor_pin: 12a4\n", 11, "'proctor_pin' must be 4 to 12 digits"),
    BAD(ONE "identity: proctor\nproctor_pin: 123\n", 11, "'proctor_pin' must be 4 to 12 digits"),
    BAD(ONE "proctor_pin: \"1234\"\n", 10, "'proctor_pin' is only for identity: proctor"),
    BAD(ONE "identity: code\nproctor_pin: \"1234\"\nroster: [{id: a}]\n", 11,
        "'proctor_pin' is only for identity: proctor"),
    BAD(ONE "roster_list: maybe\n", 10, "'roster_list' must be yes or no"),
    BAD(ONE "roster_list: yes\nroster_list: no\n", 11,
        "duplicate key 'roster_list' (first at line 10)"),
};

/* Checks st, and that the message is "FILE:LINE: ...PHRASE...". */
static void check_failure(const char *what, sq_status st, const sq_err *err, sq_status want,
                          const char *file, int line, const char *phrase)
{
    char prefix[600];

    snprintf(prefix, sizeof prefix, "%s:%d: ", file, line);
    if (st != want || strncmp(err->msg, prefix, strlen(prefix)) != 0 || !strstr(err->msg, phrase)) {
        fprintf(stderr, "%s:%d: %s: expected status %d and \"%s...%s\", got status %d and \"%s\"\n",
                __FILE__, __LINE__, what, want, prefix, phrase, st, err->msg);
        check_failures++;
    }
}

static void test_bad_sources(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *bc = &bad_cases[i];
        char what[32], file[512];
        sq_err err = {0};
        json_t *doc = (json_t *)1;

        snprintf(what, sizeof what, "bad case %zu", i + 1);
        if (bc->file && *bc->file)
            snprintf(file, sizeof file, "%s/%s", tmp_dir, bc->file);
        else
            snprintf(file, sizeof file, "case.yaml");
        sq_status st = sqi_source_parse("case.yaml", bc->yaml, strlen(bc->yaml),
                                         bc->file ? tmp_dir : NULL, &doc, &err);
        check_failure(what, st, &err, SQ_EINVAL, file, bc->line, bc->phrase);
        if (getenv("TEST_VERBOSE"))
            printf("%s: %s\n", what, err.msg);
        CHECK(doc == NULL);
        json_decref(doc);
    }
}

/* Sources built at run time: too big for the table. */
static void test_big_sources(void)
{
    size_t len = (16u << 20) + 1, n;
    char *big = malloc(len), *p;
    json_t *doc = NULL;
    sq_err err = {0};

    if (!big)
        exit(2);
    memset(big, ' ', len);
    CHECK_INT(SQ_ETOOBIG, sqi_source_parse("big.yaml", big, len, NULL, &doc, &err));
    CHECK_STR("big.yaml: the source is larger than 16 MiB", err.msg);

    /* A text of 64 KiB passes, one byte more does not. */
    for (int extra = 0; extra < 2; extra++) {
        p = big + sprintf(big, "exam: t\nversion: 1\ntitle:\n  en: ");
        n = (64u << 10) + (size_t)extra;
        memset(p, 'x', n);
        p += n;
        p += sprintf(p, "\nitems:\n" ITEM("q1") "pass_mark: 50\n");
        sq_status st = sqi_source_parse("long.yaml", big, (size_t)(p - big), NULL, &doc, &err);
        if (extra == 0) {
            CHECK_INT(SQ_OK, st);
        } else {
            CHECK_INT(SQ_EINVAL, st);
            CHECK_STR("long.yaml:4: title: the 'en' text is longer than 65536 bytes", err.msg);
        }
        json_decref(doc);
        doc = NULL;
    }
    free(big);
}

/* Sources saved by Windows editors: CRLF line ends and a byte order mark
 * change neither the result nor the lines. */
static void test_line_endings(void)
{
    static const char *const prefixes[] = {"", "\xef\xbb\xbf"};
    const char *good = ONE, *bad = HEAD "items:\n" ITEM("q1") ITEM("q1");
    char buf[1024];
    json_t *doc = NULL;
    sq_err err = {0};

    for (size_t i = 0; i < 2; i++) {
        for (int which = 0; which < 2; which++) {
            const char *src = which ? bad : good;
            char *p = buf + sprintf(buf, "%s", prefixes[i]);
            for (; *src; src++) {
                if (*src == '\n')
                    *p++ = '\r';
                *p++ = *src;
            }
            sq_status st = sqi_source_parse("crlf.yaml", buf, (size_t)(p - buf), NULL, &doc, &err);
            if (which == 0) {
                CHECK_INT(SQ_OK, st);
                CHECK_STR("Q", json_string_value(json_object_get(
                                   json_object_get(json_array_get(json_object_get(doc, "items"), 0),
                                                   "text"),
                                   "en")));
            } else {
                CHECK_INT(SQ_EINVAL, st);
                CHECK_STR("crlf.yaml:10: duplicate item id 'q1' (first at line 6)", err.msg);
            }
            json_decref(doc);
            doc = NULL;
        }
    }
}

/* ---- good sources ---- */

static json_t *parse_ok(const char *yaml, const char *base_dir)
{
    json_t *doc = NULL;
    sq_err err = {0};
    sq_status st = sqi_source_parse("good.yaml", yaml, strlen(yaml), base_dir, &doc, &err);

    if (st != SQ_OK) {
        fprintf(stderr, "%s:%d: expected the source to load, got \"%s\"\n", __FILE__, __LINE__,
                err.msg);
        check_failures++;
    }
    return doc;
}

static void check_json(const char *expected, const json_t *actual, int line)
{
    json_error_t jerr;
    json_t *want = json_loads(expected, 0, &jerr);

    if (!want) {
        fprintf(stderr, "%s:%d: bad expected JSON: %s\n", __FILE__, line, jerr.text);
        check_failures++;
        return;
    }
    if (!json_equal(want, actual)) {
        char *a = actual ? json_dumps(actual, JSON_COMPACT) : NULL;
        fprintf(stderr, "%s:%d: expected %s\n  got %s\n", __FILE__, line, expected,
                a ? a : "(null)");
        free(a);
        check_failures++;
    }
    json_decref(want);
}

/* Who may sit: the kinds as written, dates of birth in either form kept as
 * YYYY-MM-DD, and an exam without them the same document as before. */
static void test_identity(void)
{
    json_t *doc = parse_ok(ONE "identity: birth_date\nroster_list: no\nroster:\n"
                               "  - {id: a, name: A, birth_date: 31.01.1990}\n"
                               "  - {id: b, birth_date: 2000-02-29}\n",
                           NULL);
    if (doc) {
        CHECK_STR("birth_date", json_string_value(json_object_get(doc, "identity")));
        CHECK(json_is_false(json_object_get(doc, "roster_list")));
        json_t *r = json_object_get(doc, "roster");
        CHECK_STR("1990-01-31", json_string_value(json_object_get(json_array_get(r, 0), "birth_date")));
        CHECK_STR("2000-02-29", json_string_value(json_object_get(json_array_get(r, 1), "birth_date")));
    }
    json_decref(doc);
    doc = parse_ok(ONE "identity: proctor\nproctor_pin: 0482\n", NULL);
    if (doc) {
        CHECK_STR("proctor", json_string_value(json_object_get(doc, "identity")));
        /* A plain 0482 is the text the proctor types, leading zero kept. */
        CHECK_STR("0482", json_string_value(json_object_get(doc, "proctor_pin")));
        CHECK(json_object_get(doc, "roster_list") == NULL);
    }
    json_decref(doc);
    doc = parse_ok(ONE "identity: code\nroster: [{id: a}]\n", NULL);
    if (doc)
        CHECK_STR("code", json_string_value(json_object_get(doc, "identity")));
    json_decref(doc);
    doc = parse_ok(ONE "identity: none\n", NULL);
    if (doc)
        CHECK_STR("none", json_string_value(json_object_get(doc, "identity")));
    json_decref(doc);
    doc = parse_ok(ONE, NULL);
    if (doc)
        CHECK(json_object_get(doc, "identity") == NULL);
    json_decref(doc);
}

static void test_minimal(void)
{
    json_t *doc = parse_ok(ONE, NULL);

    check_json("{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"},"
               " \"time_limit_s\": 0, \"pass_percent\": 50, \"attempts\": 0,"
               " \"show_score\": true, \"shuffle_items\": true, \"shuffle_options\": true,"
               " \"clock\": \"running\", \"power_grace_s\": 600,"
               " \"topics\": [], \"blueprint\": [],"
               " \"items\": [{\"id\": \"q1\", \"type\": \"single\", \"topic\": null, \"points\": 1,"
               "   \"text\": {\"en\": \"Q\"},"
               "   \"options\": [{\"text\": {\"en\": \"a\"}, \"correct\": true},"
               "                 {\"text\": {\"en\": \"b\"}, \"correct\": false}]}],"
               " \"roster\": []}",
               doc, __LINE__);
    json_decref(doc);
}

/* The clock's values: running by default with a 10-minute grace, a
 * grace in seconds, minutes (also bare) or hours, and paused without one. */
static void test_clock(void)
{
    static const struct {
        const char *extra;
        const char *clock;
        int64_t grace; /* -1: none */
    } cases[] = {
        {"", "running", 600},
        {"clock: running\n", "running", 600},
        {"clock: paused\n", "paused", -1},
        {"power_grace: 90s\n", "running", 90},
        {"power_grace: 15m\n", "running", 900},
        {"power_grace: 15\n", "running", 900},
        {"power_grace: 1h\n", "running", 3600},
        {"power_grace: 24h\n", "running", 86400},
        {"power_grace: 1440\n", "running", 86400},
        {"clock: running\npower_grace: 0m\n", "running", 0},
        {"power_grace: 0\n", "running", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml, "%s%s", ONE, cases[i].extra);
        json_t *doc = parse_ok(yaml, NULL);
        if (!doc)
            continue;
        CHECK_STR(cases[i].clock, json_string_value(json_object_get(doc, "clock")));
        json_t *g = json_object_get(doc, "power_grace_s");
        CHECK_INT(cases[i].grace, g ? json_integer_value(g) : -1);
        json_decref(doc);
    }
}

static const char full_source[] = "# Every feature of the format.\n"
                                  "exam: election-basics\n"
                                  "version: 3\n"
                                  "title:\n"
                                  "  kk: Сайлау\n"
                                  "  ru: Выборы\n"
                                  "  en: Elections\n"
                                  "description:\n"
                                  "  ru: \"Описание: \\\"тест\\\"\"\n"
                                  "  en: |\n"
                                  "    Two lines,\n"
                                  "    kept.\n"
                                  "time_limit: 30\n"
                                  "pass_mark: 70\n"
                                  "attempts: 2\n"
                                  "show_score: No\n"
                                  "shuffle_items: TRUE\n"
                                  "shuffle_options: false\n"
                                  "topics:\n"
                                  "  law: {en: Law}\n"
                                  "  commissions:\n"
                                  "    kk: Комиссиялар\n"
                                  "blueprint:\n"
                                  "  law: {count: 1, points: 2}\n"
                                  "  commissions: 2\n"
                                  "roster: roster.yaml\n"
                                  "items:\n"
                                  "  - id: Q.01_a-b\n"
                                  "    topic: law\n"
                                  "    type: truefalse\n"
                                  "    answer: no\n"
                                  "    points: 2\n"
                                  "    image: img/ok.png\n"
                                  "    text: {ru: Верно?}\n"
                                  "  - id: q2\n"
                                  "    topic: commissions\n"
                                  "    type: multiple\n"
                                  "    scoring: partial\n"
                                  "    text: {en: Which?, kk: \"yes\"}\n"
                                  "    image: ok.jpg\n"
                                  "    options:\n"
                                  "      - {en: a, correct: yes}\n"
                                  "      - {en: 1990, correct: yes}\n"
                                  "      - {en: NO}\n"
                                  "  - id: q3\n"
                                  "    topic: commissions\n"
                                  "    type: multiple\n"
                                  "    text: {en: Q3}\n"
                                  "    options: [{en: a, correct: yes}, {en: b}]\n";

/* review_after and explanations compile into the document: show_score
 * for score and none (what older stations know), review_after beside it
 * only for mistakes and full; an explanation is a text map on its item. */
static void test_review_source(void)
{
    static const struct {
        const char *mode;
        bool show_score;
        const char *review_after; /* NULL: not in the document */
    } cases[] = {{"none", false, NULL},
                 {"score", true, NULL},
                 {"mistakes", true, "mistakes"},
                 {"full", true, "full"}};
    char yaml[512];

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(yaml, sizeof yaml,
                 HEAD "review_after: %s\nitems:\n" ITEM("q1")
                      "    explanation: {kk: Себебі, en: Because}\n",
                 cases[i].mode);
        json_t *doc = parse_ok(yaml, NULL);
        if (!doc)
            continue;
        CHECK(json_is_true(json_object_get(doc, "show_score")) == cases[i].show_score);
        const json_t *ra = json_object_get(doc, "review_after");
        if (cases[i].review_after)
            CHECK_STR(cases[i].review_after, json_string_value(ra));
        else
            CHECK(ra == NULL);
        check_json("{\"kk\": \"Себебі\", \"en\": \"Because\"}",
                   json_object_get(json_array_get(json_object_get(doc, "items"), 0),
                                   "explanation"),
                   __LINE__);
        json_decref(doc);
    }
}

/* Per-option feedback compiles onto its option; a truefalse item's
 * feedback_true and feedback_false onto its two options; an option
 * without feedback has no key, so documents without feedback are the
 * same as before the field existed. */
static void test_feedback_source(void)
{
    json_t *doc = parse_ok(HEAD "items:\n"
                                "  - id: q1\n    type: single\n    text: {en: Q}\n"
                                "    options:\n"
                                "      - {en: a, correct: yes, feedback: {kk: Дұрыс, en: Yes}}\n"
                                "      - {en: b}\n"
                                "  - id: q2\n    type: truefalse\n    answer: no\n"
                                "    text: {en: Q}\n"
                                "    feedback_true: {ru: Неверно}\n"
                                "    feedback_false: {en: Right}\n"
                                "  - id: q3\n    type: truefalse\n    answer: yes\n"
                                "    text: {en: Q}\n    feedback_false: {en: No}\n",
                           NULL);
    if (!doc)
        return;
    const json_t *items = json_object_get(doc, "items");
    const json_t *o1 = json_object_get(json_array_get(items, 0), "options");
    check_json("{\"kk\": \"Дұрыс\", \"en\": \"Yes\"}",
               json_object_get(json_array_get(o1, 0), "feedback"), __LINE__);
    CHECK(json_object_get(json_array_get(o1, 1), "feedback") == NULL);
    const json_t *o2 = json_object_get(json_array_get(items, 1), "options");
    check_json("{\"ru\": \"Неверно\"}", json_object_get(json_array_get(o2, 0), "feedback"),
               __LINE__);
    check_json("{\"en\": \"Right\"}", json_object_get(json_array_get(o2, 1), "feedback"),
               __LINE__);
    CHECK(json_is_true(json_object_get(json_array_get(o2, 1), "correct")));
    const json_t *o3 = json_object_get(json_array_get(items, 2), "options");
    CHECK(json_object_get(json_array_get(o3, 0), "feedback") == NULL);
    check_json("{\"en\": \"No\"}", json_object_get(json_array_get(o3, 1), "feedback"),
               __LINE__);

    /* The bundle's trip: a station reads the same feedback back. */
    json_t *payload = json_pack("{s:i, s:[O]}", "format", 1, "exams", doc);
    char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_t *exams = NULL;
    sq_err err = {0};
    CHECK(text != NULL);
    if (text)
        CHECK_INT(SQ_OK, sqi_bundle_payload_decode((const uint8_t *)text, strlen(text), &exams,
                                                   &err));
    CHECK(json_equal(json_array_get(exams, 0), doc));
    json_decref(exams);
    free(text);
    json_decref(payload);
    json_decref(doc);
}

static const json_t *option_text(const json_t *item, size_t i, const char *lang)
{
    return json_object_get(
        json_object_get(json_array_get(json_object_get(item, "options"), i), "text"), lang);
}

static void test_full(void)
{
    json_t *doc = parse_ok(full_source, tmp_dir), *items;
    char b64[64];

    if (!doc)
        return;
    items = json_object_get(doc, "items");
    CHECK_STR("Описание: \"тест\"",
              json_string_value(json_object_get(json_object_get(doc, "description"), "ru")));
    CHECK_STR("Two lines,\nkept.\n",
              json_string_value(json_object_get(json_object_get(doc, "description"), "en")));
    CHECK_INT(1800, json_integer_value(json_object_get(doc, "time_limit_s")));
    CHECK_INT(70, json_integer_value(json_object_get(doc, "pass_percent")));
    CHECK_INT(2, json_integer_value(json_object_get(doc, "attempts")));
    CHECK(json_is_false(json_object_get(doc, "show_score")));
    CHECK(json_is_true(json_object_get(doc, "shuffle_items")));
    CHECK(json_is_false(json_object_get(doc, "shuffle_options")));
    check_json("[{\"id\": \"law\", \"title\": {\"en\": \"Law\"}},"
               " {\"id\": \"commissions\", \"title\": {\"kk\": \"Комиссиялар\"}}]",
               json_object_get(doc, "topics"), __LINE__);
    check_json("[{\"topic\": \"law\", \"count\": 1, \"points\": 2},"
               " {\"topic\": \"commissions\", \"count\": 2}]",
               json_object_get(doc, "blueprint"), __LINE__);
    check_json("[{\"id\": \"880101300123\", \"name\": \"Айгүл\", \"district\": \"Алматы\"},"
               " {\"id\": \"b\"}]",
               json_object_get(doc, "roster"), __LINE__);

    /* truefalse: two fixed options; answer: no makes the second correct. */
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)png, sizeof png - 1,
                      sodium_base64_VARIANT_ORIGINAL);
    json_t *want = json_pack(
        "{s:s, s:s, s:s, s:i, s:b, s:{s:s}, s:{s:s, s:s, s:s}, s:[{s:{s:s, s:s, s:s}, s:b},"
        " {s:{s:s, s:s, s:s}, s:b}]}",
        "id", "Q.01_a-b", "type", "truefalse", "topic", "law", "points", 2, "fixed_order", 1,
        "text", "ru", "Верно?", "image", "name", "ok.png", "mime", "image/png", "data", b64,
        "options", "text", "kk", "Дұрыс", "ru", "Верно", "en", "True", "correct", 0, "text", "kk",
        "Бұрыс", "ru", "Неверно", "en", "False", "correct", 1);
    CHECK(want != NULL);
    CHECK(json_equal(want, json_array_get(items, 0)));
    json_decref(want);

    /* Plain scalars where texts are expected stay texts as written. */
    const json_t *q2 = json_array_get(items, 1);
    CHECK_STR("partial", json_string_value(json_object_get(q2, "scoring")));
    CHECK_STR("yes", json_string_value(json_object_get(json_object_get(q2, "text"), "kk")));
    CHECK_STR("1990", json_string_value(option_text(q2, 1, "en")));
    CHECK_STR("NO", json_string_value(option_text(q2, 2, "en")));
    CHECK_STR("image/jpeg",
              json_string_value(json_object_get(json_object_get(q2, "image"), "mime")));
    CHECK_STR("all", json_string_value(json_object_get(json_array_get(items, 2), "scoring")));
    json_decref(doc);
}

/* ---- canonical documents, as they come out of bundles: no lines ---- */

/* A valid document; cases replace one part of it. */
#define DOC_HEAD                                                                                   \
    "{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"             \
    " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"        \
    " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [], \"roster\": [],"
#define DOC_ITEM(extra, options)                                                                   \
    "{\"id\": \"q1\", \"type\": \"single\", \"topic\": null, \"points\": 1,"                       \
    " \"text\": {\"en\": \"Q\"}" extra ", \"options\": " options "}"
#define OPTS2                                                                                      \
    "[{\"text\": {\"en\": \"a\"}, \"correct\": true}, {\"text\": {\"en\": \"b\"}, \"correct\": "   \
    "false}]"
#define DOC(item) DOC_HEAD " \"items\": [" item "]}"

typedef struct {
    const char *json;
    const char *message; /* the whole message */
} doc_case;

static const doc_case doc_cases[] = {
    {"[]", "exam: the exam must be a JSON object"},
    {"{\"colour\": 1}", "exam: unknown key 'colour'"},
    {"{}", "exam: missing required key 'id'"},
    {DOC_HEAD " \"items\": [], \"extra\": 1}", "exam: unknown key 'extra'"},
    {"{\"id\": \"T\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [], \"roster\": [], \"items\": "
     "[]}",
     "exam: exam id 'T' is not valid: 1 to 63 of a-z 0-9 . _ -, starting with a letter or digit"},
    {DOC(DOC_ITEM("", OPTS2)), NULL},
    {"{\"id\": \"t\", \"version\": 1.0, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [], \"roster\": [], \"items\": "
     "[]}",
     "exam 't': 'version' must be a whole number"},
    {"{\"id\": \"t\", \"version\": 9007199254740993, \"title\": {\"en\": \"T\"}, \"time_limit_s\": "
     "0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [], \"roster\": [], \"items\": "
     "[]}",
     "exam 't': 'version' must be 1..9007199254740992, not 9007199254740993"},
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 86401,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [], \"roster\": [], \"items\": "
     "[]}",
     "exam 't': 'time_limit_s' must be 0..86400, not 86401"},
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": -1, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [], \"roster\": [], \"items\": "
     "[]}",
     "exam 't': 'pass_percent' must be 0..100, not -1"},
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": 1, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [], \"roster\": [], \"items\": "
     "[]}",
     "exam 't': 'show_score' must be true or false"},
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": {}, \"blueprint\": [], \"roster\": [], \"items\": "
     "[]}",
     "exam 't': 'topics' must be a list"},
    {DOC_HEAD " \"items\": {}}", "exam 't': 'items' must be a list"},
    /* the clock: absent (older bundles) is running; bad values refused */
    {DOC_HEAD " \"clock\": \"running\", \"power_grace_s\": 0, \"items\": [" DOC_ITEM("", OPTS2) "]}",
     NULL},
    {DOC_HEAD " \"clock\": \"paused\", \"items\": [" DOC_ITEM("", OPTS2) "]}", NULL},
    {DOC_HEAD " \"clock\": \"stopped\", \"items\": []}",
     "exam 't': 'clock' must be running or paused"},
    {DOC_HEAD " \"clock\": true, \"items\": []}", "exam 't': 'clock' must be running or paused"},
    {DOC_HEAD " \"clock\": \"paused\", \"power_grace_s\": 60, \"items\": []}",
     "exam 't': 'power_grace_s' goes with a running clock only"},
    {DOC_HEAD " \"power_grace_s\": 86401, \"items\": []}",
     "exam 't': 'power_grace_s' must be 0..86400, not 86401"},
    {DOC_HEAD " \"power_grace_s\": -1, \"items\": []}",
     "exam 't': 'power_grace_s' must be 0..86400, not -1"},
    {DOC_HEAD " \"power_grace_s\": \"600\", \"items\": []}",
     "exam 't': 'power_grace_s' must be a whole number"},
    {DOC("1"), "exam 't': item 1: must be an object"},
    {DOC("{\"id\": \"q1\"}"), "exam 't': item 1: missing required key 'type'"},
    {DOC(DOC_ITEM(", \"answer\": true", OPTS2)), "exam 't': item 1: unknown key 'answer'"},
    {DOC(DOC_ITEM("", "{}")), "exam 't': item 'q1': 'options' must be a list"},
    {DOC(DOC_ITEM("", "[{\"text\": {\"en\": \"a\"}, \"correct\": true}, 3]")),
     "exam 't': item 'q1': option 2 must be an object (text, correct)"},
    {DOC(DOC_ITEM("",
                  "[{\"text\": {\"en\": \"a\"}, \"correct\": true}, {\"text\": {\"en\": \"b\"}}]")),
     "exam 't': item 'q1': option 2: missing required key 'correct'"},
    {DOC(DOC_ITEM("", "[{\"text\": {\"en\": \"a\"}, \"correct\": true}, {\"text\": {\"en\": "
                      "\"b\"}, \"correct\": 0}]")),
     "exam 't': item 'q1': option 2: 'correct' must be true or false"},
    {DOC(DOC_ITEM("", "[{\"text\": {\"en\": \"a\\u0000\"}, \"correct\": true}, {\"text\": {\"en\": "
                      "\"b\"}, \"correct\": false}]")),
     "exam 't': item 'q1': option 1: the 'en' text contains a NUL character"},
    {DOC(DOC_ITEM("", "[{\"text\": {\"en\": \"a\\u0007\"}, \"correct\": true}, {\"text\": {\"en\": "
                      "\"b\"}, \"correct\": false}]")),
     "exam 't': item 'q1': option 1: the 'en' text contains a control character"},
    {DOC(DOC_ITEM("", "[{\"text\": {\"en\": 5}, \"correct\": true}, {\"text\": {\"en\": \"b\"}, "
                      "\"correct\": false}]")),
     "exam 't': item 'q1': option 1: the 'en' text must be a text"},
    {DOC(DOC_ITEM(", \"fixed_order\": true", OPTS2)),
     "exam 't': item 'q1': 'fixed_order' is only for truefalse items"},
    {DOC("{\"id\": \"q1\", \"type\": \"truefalse\", \"topic\": null, \"points\": 1,"
         " \"text\": {\"en\": \"Q\"}, \"options\": " OPTS2 "}"),
     "exam 't': item 'q1': a truefalse item must have 'fixed_order' true"},
    {DOC("{\"id\": \"q1\", \"type\": \"truefalse\", \"topic\": null, \"points\": 1, "
         "\"fixed_order\": true,"
         " \"text\": {\"en\": \"Q\"}, \"options\": [{\"text\": {\"en\": \"a\"}, \"correct\": true},"
         " {\"text\": {\"en\": \"b\"}, \"correct\": false}, {\"text\": {\"en\": \"c\"}, "
         "\"correct\": false}]}"),
     "exam 't': item 'q1': a truefalse item has exactly 2 options, not 3"},
    {DOC("{\"id\": \"q1\", \"type\": \"truefalse\", \"topic\": null, \"points\": 1, "
         "\"fixed_order\": true,"
         " \"text\": {\"en\": \"Q\"}, \"options\": [{\"text\": {\"en\": \"a\"}, \"correct\": true},"
         " {\"text\": {\"en\": \"b\"}, \"correct\": true}]}"),
     "exam 't': item 'q1': both options are marked correct; a truefalse item has one"},
    {DOC("{\"id\": \"q1\", \"type\": \"multiple\", \"topic\": null, \"points\": 1,"
         " \"text\": {\"en\": \"Q\"}, \"options\": " OPTS2 "}"),
     "exam 't': item 'q1': 'scoring' must be all or partial"},
    {DOC(DOC_ITEM("", OPTS2) "," DOC_ITEM("", OPTS2)),
     "exam 't': duplicate item id 'q1' (first is item 1)"},
    {DOC(DOC_ITEM(", \"image\": {\"name\": \"a.png\", \"mime\": \"image/gif\", \"data\": \"\"}",
                  OPTS2)),
     "exam 't': item 'q1': image type must be image/png or image/jpeg"},
    {DOC(DOC_ITEM(
         ", \"image\": {\"name\": \"a.png\", \"mime\": \"image/png\", \"data\": \"iVBORw0KGgo\"}",
         OPTS2)),
     "exam 't': item 'q1': image data is not valid base64"},
    {DOC(DOC_ITEM(
         ", \"image\": {\"name\": \"a.png\", \"mime\": \"image/png\", \"data\": \"iVBORw0KGgo=\"}",
         OPTS2)),
     NULL},
    {DOC(DOC_ITEM(
         ", \"image\": {\"name\": \"a.png\", \"mime\": \"image/jpeg\", \"data\": \"iVBORw0KGgo=\"}",
         OPTS2)),
     "exam 't': item 'q1': image data is not a JPEG file"},
    {DOC(DOC_ITEM(", \"image\": {\"name\": \"../a.png\", \"mime\": \"image/png\", \"data\": "
                  "\"iVBORw0KGgo=\"}",
                  OPTS2)),
     "exam 't': item 'q1': image name '../a.png' is not a plain file name"},
    {DOC(DOC_ITEM(", \"image\": {\"name\": \"a.png\", \"mime\": \"image/png\"}", OPTS2)),
     "exam 't': item 'q1': image: missing required key 'data'"},
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [],"
     " \"roster\": [{\"id\": \"a\"}, {\"id\": \"a\"}], \"items\": [" DOC_ITEM("", OPTS2) "]}",
     "exam 't': roster: duplicate trainee id 'a' (first is roster entry 1)"},
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [],"
     " \"roster\": [{\"id\": \"a\", \"name\": \"\"}], \"items\": [" DOC_ITEM("", OPTS2) "]}",
     "exam 't': roster entry 1: 'name' is empty"},
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [{\"id\": \"law\", \"title\": {\"en\": \"L\"}}],"
     " \"blueprint\": [{\"topic\": \"law\", \"count\": 1}], \"roster\": [],"
     " \"items\": [" DOC_ITEM("", OPTS2) "]}",
     "exam 't': item 'q1': has no topic; when the exam has topics, every item needs one"},
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [],"
     " \"blueprint\": [{\"topic\": \"law\", \"count\": 1}], \"roster\": [],"
     " \"items\": [" DOC_ITEM("", OPTS2) "]}",
     "exam 't': blueprint names unknown topic 'law'"},
    /* who may sit, as a station sees it (the bundle's form) */
#define DOC_R(extra, roster)                                                                       \
    "{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"             \
    " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"        \
    " \"shuffle_options\": true, \"topics\": [], \"blueprint\": [], \"roster\": " roster extra     \
    ", \"items\": [" DOC_ITEM("", OPTS2) "]}"
#define KEY32 "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""
    {DOC_R(", \"identity\": \"code\", \"identity_key\": " KEY32,
           "[{\"id\": \"a\", \"secret\": " KEY32 "}]"),
     NULL},
    {DOC_R(", \"identity\": \"code\", \"identity_key\": " KEY32, "[{\"id\": \"a\"}]"),
     "exam 't': roster entry 1 ('a'): no 'secret' for the identity check"},
    {DOC_R(", \"identity\": \"code\", \"identity_key\": \"AAAA\"",
           "[{\"id\": \"a\", \"secret\": " KEY32 "}]"),
     "exam 't': 'identity_key' must be base64 of 32 bytes"},
    {DOC_R(", \"identity\": \"none\"", "[{\"id\": \"a\", \"secret\": " KEY32 "}]"),
     "exam 't': roster entry 1: a 'secret' needs the exam's identity_key"},
    {DOC_R(", \"identity\": \"none\", \"identity_key\": " KEY32, "[]"),
     "exam 't': 'identity_key' is only for identity code or birth_date"},
    {DOC_R(", \"identity\": \"proctor\", \"proctor_hash\": \"$2y$10$abc\"", "[]"),
     "exam 't': 'proctor_hash' must be an Argon2id string"},
    {DOC_R(", \"identity\": \"Code\"", "[]"),
     "exam 't': 'identity' must be none, code, birth_date or proctor, not 'Code'"},
    {DOC_R(", \"roster_list\": 0", "[]"), "exam 't': 'roster_list' must be true or false"},
    {DOC_R("", "[{\"id\": \"a\", \"birth_date\": \"1990-02-30\"}]"),
     "exam 't': roster entry 1: 'birth_date' must be a date, YYYY-MM-DD"},
    /* review_after and explanations, as a station sees them. */
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": false, \"review_after\": \"mistakes\","
     " \"shuffle_items\": true, \"shuffle_options\": true, \"topics\": [], \"blueprint\": [],"
     " \"roster\": [], \"items\": [" DOC_ITEM("", OPTS2) "]}",
     "exam 't': 'review_after' mistakes contradicts 'show_score' false"},
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"review_after\": \"later\","
     " \"shuffle_items\": true, \"shuffle_options\": true, \"topics\": [], \"blueprint\": [],"
     " \"roster\": [], \"items\": [" DOC_ITEM("", OPTS2) "]}",
     "exam 't': 'review_after' must be none, score, mistakes or full"},
    {DOC(DOC_ITEM(", \"explanation\": {}", OPTS2)),
     "exam 't': item 'q1': explanation has no text in any language (kk, ru, en)"},
    {DOC(DOC_ITEM(", \"explanation\": {\"en\": 5}", OPTS2)),
     "exam 't': item 'q1': explanation: the 'en' text must be a text"},
    {DOC(DOC_ITEM("", "[{\"text\": {\"en\": \"a\"}, \"correct\": true, \"feedback\": "
                      "{\"en\": \"Yes\"}}, {\"text\": {\"en\": \"b\"}, \"correct\": false}]")),
     NULL},
    {DOC(DOC_ITEM("", "[{\"text\": {\"en\": \"a\"}, \"correct\": true, \"feedback\": "
                      "\"Yes\"}, {\"text\": {\"en\": \"b\"}, \"correct\": false}]")),
     "exam 't': item 'q1': option 1: feedback must be a map of languages (kk, ru, en)"},
    {DOC(DOC_ITEM("", "[{\"text\": {\"en\": \"a\"}, \"correct\": true}, {\"text\": "
                      "{\"en\": \"b\"}, \"correct\": false, \"feedback\": {}}]")),
     "exam 't': item 'q1': option 2: feedback has no text in any language (kk, ru, en)"},
    /* A bundle's document is checked for equal attempts too. */
    {"{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": \"T\"}, \"time_limit_s\": 0,"
     " \"pass_percent\": 0, \"attempts\": 0, \"show_score\": true, \"shuffle_items\": true,"
     " \"shuffle_options\": true, \"topics\": [{\"id\": \"law\", \"title\": {\"en\": \"L\"}}],"
     " \"blueprint\": [{\"topic\": \"law\", \"count\": 1, \"points\": 7}], \"roster\": [],"
     " \"items\": [{\"id\": \"q1\", \"type\": \"single\", \"topic\": \"law\", \"points\": 1,"
     " \"text\": {\"en\": \"Q\"}, \"options\": [{\"text\": {\"en\": \"a\"}, \"correct\": true},"
     " {\"text\": {\"en\": \"b\"}, \"correct\": false}]}]}",
     "exam 't': blueprint: topic 'law': no draw of 1 item adds up to 7 points (every draw "
     "makes 1)"},
};

static void test_documents(void)
{
    for (size_t i = 0; i < sizeof doc_cases / sizeof *doc_cases; i++) {
        json_error_t jerr;
        json_t *doc = json_loads(doc_cases[i].json, JSON_ALLOW_NUL, &jerr);
        sq_err err = {0};

        if (!doc) {
            fprintf(stderr, "%s:%d: document case %zu is not JSON: %s\n", __FILE__, __LINE__, i + 1,
                    jerr.text);
            check_failures++;
            continue;
        }
        sq_status st = sqi_exam_check(doc, NULL, NULL, &err);
        if (!doc_cases[i].message) {
            if (st != SQ_OK) {
                fprintf(stderr, "%s:%d: document case %zu: expected no error, got \"%s\"\n",
                        __FILE__, __LINE__, i + 1, err.msg);
                check_failures++;
            }
        } else {
            CHECK_INT(SQ_EINVAL, st);
            if (getenv("TEST_VERBOSE"))
                printf("document case %zu: %s\n", i + 1, err.msg);
            if (strcmp(doc_cases[i].message, err.msg) != 0) {
                fprintf(stderr, "%s:%d: document case %zu: expected \"%s\", got \"%s\"\n", __FILE__,
                        __LINE__, i + 1, doc_cases[i].message, err.msg);
                check_failures++;
            }
        }
        json_decref(doc);
    }
}

/* The compiled full source survives a JSON round trip and checks again
 * without lines, as a station sees it. */
static void test_round_trip(void)
{
    json_t *doc = parse_ok(full_source, tmp_dir), *back;
    sq_err err = {0};
    char *text;

    if (!doc)
        return;
    text = json_dumps(doc, JSON_COMPACT);
    back = text ? json_loads(text, 0, NULL) : NULL;
    CHECK(back != NULL);
    CHECK_INT(SQ_OK, sqi_exam_check(back, NULL, NULL, &err));
    CHECK(json_equal(doc, back));
    json_decref(back);
    free(text);
    json_decref(doc);
}

/* ---- out of memory: fail jansson's Nth allocation, for every N ---- */

static long alloc_countdown = -1; /* < 0: never fail */

static void *failing_malloc(size_t n)
{
    if (alloc_countdown == 0)
        return NULL;
    if (alloc_countdown > 0)
        alloc_countdown--;
    return malloc(n);
}

static void test_out_of_memory(void)
{
    json_t *doc = NULL;
    sq_err err = {0};
    sq_status st;
    long n;

    json_set_alloc_funcs(failing_malloc, free);
    for (n = 0;; n++) {
        alloc_countdown = n;
        st = sqi_source_parse("oom.yaml", full_source, strlen(full_source), tmp_dir, &doc, &err);
        alloc_countdown = -1;
        if (st == SQ_OK)
            break;
        if (st != SQ_ENOMEM) {
            fprintf(stderr, "%s:%d: allocation %ld failed: expected SQ_ENOMEM, got \"%s\"\n",
                    __FILE__, __LINE__, n, err.msg);
            check_failures++;
        }
        CHECK(doc == NULL);
    }
    /* The document then checks with every allocation of sqi_exam_check failing in turn. */
    for (long k = 0;; k++) {
        alloc_countdown = k;
        st = sqi_exam_check(doc, NULL, NULL, &err);
        alloc_countdown = -1;
        if (st == SQ_OK)
            break;
        CHECK_INT(SQ_ENOMEM, st);
    }
    json_decref(doc);
    json_set_alloc_funcs(malloc, free);
    CHECK(n > 100); /* the loop did reach the allocations */
}

/* ---- files: sqi_source_load and exam sets ---- */

static void test_files(void)
{
    char path[512], dup[512];
    sq_exam_set *set = sq_exam_set_new();
    sq_err err = {0};
    json_t *doc = NULL;

    CHECK(set != NULL);
    snprintf(path, sizeof path, "%s/full.yaml", tmp_dir);
    put_file("full.yaml", full_source, -1);
    snprintf(dup, sizeof dup, "%s/again.yaml", tmp_dir);
    put_file("again.yaml", full_source, -1);
    put_file("small.yaml", ONE, -1);

    /* Images and roster files are found beside the source. */
    CHECK_INT(SQ_OK, sqi_source_load(path, &doc, &err));
    CHECK_STR(
        "ok.jpg",
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(doc, "items"), 1), "image"), "name")));
    json_decref(doc);

    CHECK_INT(SQ_OK, sq_exam_set_load(set, path, &err));
    CHECK_INT(SQ_EEXIST, sq_exam_set_load(set, dup, &err));
    CHECK_CONTAINS("exam 'election-basics' is already in the set", err.msg);
    snprintf(path, sizeof path, "%s/small.yaml", tmp_dir);
    CHECK_INT(SQ_OK, sq_exam_set_load(set, path, &err));
    snprintf(path, sizeof path, "%s/missing.yaml", tmp_dir);
    CHECK_INT(SQ_EIO, sq_exam_set_load(set, path, &err));
    CHECK_INT(2, sq_exam_set_count(set));
    CHECK_STR("election-basics", sq_exam_set_id(set, 0));
    CHECK_INT(3, sq_exam_set_version(set, 0));
    CHECK_INT(3, sq_exam_set_items(set, 0)); /* the blueprint: 1 + 2 */
    CHECK_STR("t", sq_exam_set_id(set, 1));
    CHECK_INT(1, sq_exam_set_items(set, 1)); /* no blueprint: every item */
    CHECK(sq_exam_set_id(set, 2) == NULL);
    CHECK_INT(2, json_array_size(sqi_exam_set_json(set)));
    sq_exam_set_free(set);
    sq_exam_set_free(NULL);

    CHECK_INT(0, sqi_lang_index("kk"));
    CHECK_INT(2, sqi_lang_index("en"));
    CHECK_INT(-1, sqi_lang_index("de"));
    CHECK_INT(-1, sqi_lang_index(NULL));
    CHECK_STR("ru", sqi_lang_codes[1]);
}

/* A source given on the command line. */
static void test_file_arg(const char *path)
{
    char first[256] = "", phrase[256] = "";
    json_t *doc = NULL;
    sq_err err = {0};
    int line = 0;
    FILE *f = fopen(path, "r");

    if (f) {
        if (!fgets(first, sizeof first, f))
            first[0] = '\0';
        fclose(f);
    }
    sq_status st = sqi_source_load(path, &doc, &err);
    if (sscanf(first, "# expect-error: %d %255[^\n]", &line, phrase) == 2) {
        check_failure(path, st, &err, SQ_EINVAL, path, line, phrase);
    } else if (st != SQ_OK) {
        fprintf(stderr, "%s:%d: %s does not load: %s\n", __FILE__, __LINE__, path, err.msg);
        check_failures++;
    } else {
        printf("%s: %zu items\n", path, json_array_size(json_object_get(doc, "items")));
    }
    json_decref(doc);
}

int main(int argc, char **argv)
{
    make_tmp_dir();
    test_bad_sources();
    test_big_sources();
    test_line_endings();
    test_minimal();
    test_clock();
    test_identity();
    test_full();
    test_review_source();
    test_feedback_source();
    test_documents();
    test_round_trip();
    test_out_of_memory();
    test_files();
    if (argc < 2)
        CHECK_SKIP("no source files given: the demo exam and the samples are not read");
    for (int i = 1; i < argc; i++)
        test_file_arg(argv[i]);
    remove_tmp_dir();
    return check_report("test_source");
}
