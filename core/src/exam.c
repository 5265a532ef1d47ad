/*
 * exam.c - the canonical exam document (internal.h): every rule of
 * assets/README.md, the exam sets of exam.h and the language codes.
 *
 * sqi_exam_check runs on documents compiled from sources (source.c), which
 * give it the lines to name, and again on documents that come out of
 * bundles, which may have been made by anyone: nothing here trusts a type,
 * a range or a length, and every collection is walked once (ids are found
 * through jansson objects used as hash sets), so a document of 100000
 * items is checked in linear time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "exam_int.h"
#include "mastery_int.h"
#include "idhash_int.h"
#include "util_int.h"
#include "synaq/markup.h"

#define ID_MAX 63
#define EXAM_MAX_ITEMS 100000
#define TEXT_MAX_BYTES (64u << 10)
#define OPTIONS_MIN 2
#define OPTIONS_MAX 16
#define POINTS_MAX SQI_ITEM_POINTS_MAX
#define TIME_LIMIT_MAX_S 86400
#define ATTEMPTS_MAX 1000
#define VERSION_MAX ((json_int_t)1 << 53)
#define IMAGE_MAX_BYTES (1u << 20)
#define IMAGE_NAME_MAX 255
#define TRAINEE_ID_MAX 64
#define TRAINEE_TEXT_MAX 256

const char *const sqi_lang_codes[SQ_NLANGS] = {SQ_LANGS};

int sqi_lang_index(const char *code)
{
    if (!code)
        return -1;
    for (int i = 0; i < SQ_NLANGS; i++)
        if (strcmp(code, sqi_lang_codes[i]) == 0)
            return i;
    return -1;
}

/* ---------- line map ---------- */

/* The lines of the source a document was compiled from (source.c records
 * them), so that a broken rule names its line: a node and its line. */

struct lm_entry {
    const json_t *node;
    int line;
};

struct exam_linemap {
    struct lm_entry *v;
    size_t n, cap;
    bool failed; /* an entry could not be stored: out of memory */
};

void sqi_exam_linemap_add(exam_linemap *lm, const json_t *node, int line)
{
    /* true, false and null are shared singletons: a line for them would
     * belong to every boolean of the document. */
    if (!lm || !node || line <= 0 ||
        !(json_is_object(node) || json_is_array(node) || json_is_string(node) ||
          json_is_integer(node)))
        return;
    if (lm->n == lm->cap) {
        size_t cap = lm->cap ? lm->cap * 2 : 256;
        struct lm_entry *v = realloc(lm->v, cap * sizeof *v);
        if (!v) {
            lm->failed = true;
            return;
        }
        lm->v = v;
        lm->cap = cap;
    }
    lm->v[lm->n].node = node;
    lm->v[lm->n].line = line;
    lm->n++;
}

exam_linemap *sqi_exam_linemap_new(void)
{
    return calloc(1, sizeof(exam_linemap));
}

bool sqi_exam_linemap_failed(const exam_linemap *lm)
{
    return lm && lm->failed;
}

/* A linear scan: it runs only to word an error, a few times per failure. */
int sqi_exam_linemap_line(const exam_linemap *lm, const json_t *node)
{
    if (!lm || !node)
        return 0;
    for (size_t i = 0; i < lm->n; i++)
        if (lm->v[i].node == node)
            return lm->v[i].line;
    return 0;
}

void sqi_exam_linemap_free(exam_linemap *lm)
{
    if (!lm)
        return;
    free(lm->v);
    free(lm);
}

/* ---------- sqi_exam_check ---------- */

#define CHK_DEPTH 8

typedef struct {
    const exam_linemap *lm;
    const char *file;
    const char *exam_id; /* once it is known to be valid */
    /* The nodes being checked, outermost first: an error about a node with
     * no line of its own (a default, a boolean) takes the nearest line. */
    const json_t *path[CHK_DEPTH];
    int depth;
    char where[96]; /* "item 'q07': " or "" */
    sq_err *err;
} chk;

static void enter(chk *c, const json_t *node)
{
    if (c->depth < CHK_DEPTH)
        c->path[c->depth] = node;
    c->depth++;
}

static void leave(chk *c)
{
    c->depth--;
}

static int line_of(const chk *c, const json_t *node)
{
    int line = sqi_exam_linemap_line(c->lm, node);
    for (int i = (c->depth < CHK_DEPTH ? c->depth : CHK_DEPTH) - 1; !line && i >= 0; i--)
        line = sqi_exam_linemap_line(c->lm, c->path[i]);
    return c->lm ? line : 0;
}

static sq_status bad(const chk *c, const json_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "FILE:LINE: item 'q07': what", or "exam 'ID': item 'q07': what". */
static sq_status bad(const chk *c, const json_t *node, const char *fmt, ...)
{
    char body[384];
    va_list ap;
    int line = line_of(c, node);

    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (c->file && line > 0)
        return sqi_seterr(c->err, SQ_EINVAL, "%s:%d: %s%s", c->file, line, c->where, body);
    if (c->exam_id)
        return sqi_seterr(c->err, SQ_EINVAL, "exam '%s': %s%s", c->exam_id, c->where, body);
    return sqi_seterr(c->err, SQ_EINVAL, "exam: %s%s", c->where, body);
}

/* " (first at line 5)" when the first node has a line, else " (first is item 2)". */
static void first_at(const chk *c, const json_t *first, const char *what, size_t idx, char *buf,
                     size_t size)
{
    int line = sqi_exam_linemap_line(c->lm, first);
    if (c->file && line > 0)
        snprintf(buf, size, " (first at line %d)", line);
    else
        snprintf(buf, size, " (first is %s %zu)", what, idx + 1);
}

typedef struct {
    const char *key;
    bool required;
} keyspec;

static sq_status check_keys(const chk *c, const json_t *obj, const keyspec *ks, size_t n,
                            const char *what)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i = 0;
        while (i < n && strcmp(key, ks[i].key) != 0)
            i++;
        if (i == n)
            return bad(c, v, "%sunknown key '%.40s'", what, key);
    }
    for (size_t i = 0; i < n; i++)
        if (ks[i].required && !json_object_get(obj, ks[i].key))
            return bad(c, obj, "%smissing required key '%s'", what, ks[i].key);
    return SQ_OK;
}

static sq_status check_int(const chk *c, const json_t *obj, const char *key, json_int_t lo,
                           json_int_t hi, json_int_t *out)
{
    const json_t *v = json_object_get(obj, key);
    json_int_t n;

    if (!json_is_integer(v))
        return bad(c, v ? v : obj, "'%s' must be a whole number", key);
    n = json_integer_value(v);
    if (n < lo || n > hi)
        return bad(c, v,
                   "'%s' must be %" JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT
                   ", not %" JSON_INTEGER_FORMAT,
                   key, lo, hi, n);
    if (out)
        *out = n;
    return SQ_OK;
}

static sq_status check_bool(const chk *c, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_boolean(v))
        return bad(c, v ? v : obj, "'%s' must be true or false", key);
    return SQ_OK;
}

/* "clock": "running" or "paused" (absent: running); "power_grace_s" only
 * with a running clock. */
static sq_status check_clock(const chk *c, const json_t *exam)
{
    const json_t *clock = json_object_get(exam, "clock");
    const char *v = json_string_value(clock);
    bool paused = v && strcmp(v, "paused") == 0;
    if (clock && !paused && !(v && strcmp(v, "running") == 0))
        return bad(c, clock, "'clock' must be running or paused");
    if (!json_object_get(exam, "power_grace_s"))
        return SQ_OK;
    if (paused)
        return bad(c, json_object_get(exam, "power_grace_s"),
                   "'power_grace_s' goes with a running clock only");
    return check_int(c, exam, "power_grace_s", 0, SQI_POWER_GRACE_MAX_S, NULL);
}

/* What is wrong with a string of 1..max bytes, or NULL. Texts may hold
 * newlines and tabs; names and ids hold no control character at all. */
static const char *str_problem(const json_t *s, size_t max, bool multiline, char *buf, size_t size)
{
    const char *p;
    size_t len;
    bool blank = true;

    if (!json_is_string(s))
        return "must be a text";
    p = json_string_value(s);
    len = json_string_length(s);
    if (strlen(p) != len)
        return "contains a NUL character";
    if (len > max) {
        snprintf(buf, size, "is longer than %zu bytes", max);
        return buf;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        bool space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
        if ((ch < 0x20 && !(multiline && space)) || ch == 0x7f)
            return "contains a control character";
        blank &= space;
    }
    return blank ? "is empty" : NULL;
}

/* Ids: 1..63 of [A-Za-z0-9._-]; exam ids in lower case and starting with
 * a letter or digit, because they become file names at the stations. */
static bool id_ok(const json_t *s, bool exam)
{
    const char *p = json_string_value(s);
    size_t len = json_string_length(s);

    if (!json_is_string(s) || len < 1 || len > ID_MAX || strlen(p) != len)
        return false;
    if (exam && !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= '0' && p[0] <= '9')))
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                  ch == '-' || (!exam && ch >= 'A' && ch <= 'Z');
        if (!ok)
            return false;
    }
    return true;
}

static sq_status check_text(chk *c, const json_t *t, const char *label)
{
    const char *key, *why;
    json_t *v;
    char buf[64];

    if (!json_is_object(t))
        return bad(c, t, "%s must be a map of languages (kk, ru, en)", label);
    if (json_object_size(t) == 0)
        return bad(c, t, "%s has no text in any language (kk, ru, en)", label);
    enter(c, t);
    json_object_foreach((json_t *)t, key, v)
    {
        if (sqi_lang_index(key) < 0)
            return bad(c, v, "%s: unknown language '%.40s' (kk, ru, en)", label, key);
        why = str_problem(v, TEXT_MAX_BYTES, true, buf, sizeof buf);
        if (why)
            return bad(c, v, "%s: the '%s' text %s", label, key, why);
    }
    leave(c);
    return SQ_OK;
}

static sq_status check_image(chk *c, const json_t *img)
{
    static const keyspec ks[] = {{"name", true}, {"mime", true}, {"data", true}};
    /* The base64 of 1 MiB, padded. */
    const size_t b64_max = (IMAGE_MAX_BYTES + 2) / 3 * 4;
    const json_t *name = json_object_get(img, "name"), *mime = json_object_get(img, "mime"),
                 *data = json_object_get(img, "data");
    unsigned char *bin = NULL;
    size_t bin_len = 0;
    const char *why, *type;
    char buf[64];
    sq_status st;

    if (!json_is_object(img))
        return bad(c, img, "'image' must be an object (name, mime, data)");
    enter(c, img);
    st = check_keys(c, img, ks, sizeof ks / sizeof *ks, "image: ");
    if (st != SQ_OK)
        return st;
    why = str_problem(name, IMAGE_NAME_MAX, false, buf, sizeof buf);
    if (why)
        return bad(c, name, "image name %s", why);
    if (strchr(json_string_value(name), '/') || strcmp(json_string_value(name), ".") == 0 ||
        strcmp(json_string_value(name), "..") == 0)
        return bad(c, name, "image name '%s' is not a plain file name", json_string_value(name));
    type = json_string_value(mime);
    if (!type || (strcmp(type, "image/png") != 0 && strcmp(type, "image/jpeg") != 0))
        return bad(c, mime ? mime : img, "image type must be image/png or image/jpeg");
    if (!json_is_string(data))
        return bad(c, data, "image data must be a base64 text");
    if (json_string_length(data) > b64_max)
        return bad(c, data, "image is larger than %u MiB", IMAGE_MAX_BYTES >> 20);
    bin = malloc(json_string_length(data) / 4 * 3 + 3);
    if (!bin)
        return sqi_seterr(c->err, SQ_ENOMEM, "out of memory checking an image");
    /* With no end pointer, sodium refuses anything but exact, padded base64. */
    if (sodium_base642bin(bin, json_string_length(data) / 4 * 3 + 3, json_string_value(data),
                          json_string_length(data), NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        st = bad(c, data, "image data is not valid base64");
    else if (bin_len > IMAGE_MAX_BYTES)
        st = bad(c, data, "image is larger than %u MiB", IMAGE_MAX_BYTES >> 20);
    else if (type[6] == 'p' ? bin_len < 4 || memcmp(bin, "\x89PNG", 4) != 0
                            : bin_len < 3 || memcmp(bin, "\xff\xd8\xff", 3) != 0)
        st = bad(c, data, "image data is not a %s file", type[6] == 'p' ? "PNG" : "JPEG");
    free(bin);
    if (st == SQ_OK)
        leave(c);
    return st;
}

/* Sets shared by the parts of one check. */
typedef struct {
    json_t *topic_ids;   /* topic id -> its index */
    json_t *item_ids;    /* item id -> its index */
    const json_t *items; /* the exam's items */
    size_t *topic_items; /* items per topic, by index */
    bool *topic_in_plan; /* the blueprint has named it */
    size_t ntopics;
    int *item_topic;  /* each item's topic index, -1 for none */
    int *item_points; /* each item's points */
} sets;

static sq_status check_options(chk *c, const json_t *item, const char *type)
{
    static const keyspec ks[] = {{"text", true}, {"correct", true}, {"feedback", false}};
    const json_t *opts = json_object_get(item, "options");
    size_t n, ncorrect = 0;
    char what[32];
    sq_status st;

    if (!json_is_array(opts))
        return bad(c, opts ? opts : item, "'options' must be a list");
    n = json_array_size(opts);
    if (n < OPTIONS_MIN || n > OPTIONS_MAX)
        return bad(c, opts, "has %zu option%s; an item needs %d to %d", n, n == 1 ? "" : "s",
                   OPTIONS_MIN, OPTIONS_MAX);
    if (strcmp(type, "truefalse") == 0 && n != 2)
        return bad(c, opts, "a truefalse item has exactly 2 options, not %zu", n);
    enter(c, opts);
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(opts, i);
        snprintf(what, sizeof what, "option %zu", i + 1);
        if (!json_is_object(o))
            return bad(c, o, "%s must be an object (text, correct)", what);
        enter(c, o);
        strcat(what, ": ");
        st = check_keys(c, o, ks, sizeof ks / sizeof *ks, what);
        if (st != SQ_OK)
            return st;
        what[strlen(what) - 2] = '\0';
        st = check_text(c, json_object_get(o, "text"), what);
        if (st != SQ_OK)
            return st;
        if (!json_is_boolean(json_object_get(o, "correct")))
            return bad(c, o, "%s: 'correct' must be true or false", what);
        if (json_object_get(o, "feedback")) {
            char fw[48];
            snprintf(fw, sizeof fw, "%s: feedback", what);
            st = check_text(c, json_object_get(o, "feedback"), fw);
            if (st != SQ_OK)
                return st;
        }
        ncorrect += json_is_true(json_object_get(o, "correct"));
        leave(c);
    }
    leave(c);
    if (ncorrect == 0)
        return bad(c, opts, "no option is marked correct");
    if (strcmp(type, "single") == 0 && ncorrect > 1)
        return bad(c, opts, "%zu options are marked correct; a single-choice item has exactly one",
                   ncorrect);
    if (strcmp(type, "truefalse") == 0 && ncorrect != 1)
        return bad(c, opts, "both options are marked correct; a truefalse item has one");
    return SQ_OK;
}

static sq_status check_item(chk *c, const json_t *item, size_t idx, sets *s)
{
    static const keyspec ks[] = {{"id", true},          {"type", true},     {"topic", true},
                                 {"points", true},      {"scoring", false}, {"fixed_order", false},
                                 {"text", true},        {"image", false},   {"options", true},
                                 {"explanation", false}};
    const json_t *id = json_object_get(item, "id"), *v;
    const char *type;
    char extra[48];
    sq_status st;

    snprintf(c->where, sizeof c->where, "item %zu: ", idx + 1);
    if (!json_is_object(item))
        return bad(c, item, "must be an object");
    enter(c, item);
    st = check_keys(c, item, ks, sizeof ks / sizeof *ks, "");
    if (st != SQ_OK)
        return st;
    if (!id_ok(id, false))
        return bad(c, id, "id '%.63s' is not valid: 1 to 63 of A-Z a-z 0-9 . _ -",
                   json_is_string(id) ? json_string_value(id) : "");
    /* The message gives both lines; "item 'q03': " in front would say nothing more. */
    c->where[0] = '\0';
    v = json_object_get(s->item_ids, json_string_value(id));
    if (v) {
        size_t first = (size_t)json_integer_value(v);
        first_at(c, json_object_get(json_array_get(s->items, first), "id"), "item", first, extra,
                 sizeof extra);
        return bad(c, id, "duplicate item id '%s'%s", json_string_value(id), extra);
    }
    if (json_object_set_new(s->item_ids, json_string_value(id), json_integer((json_int_t)idx)))
        return sqi_seterr(c->err, SQ_ENOMEM, "out of memory checking an exam");
    snprintf(c->where, sizeof c->where, "item '%s': ", json_string_value(id));

    type = json_string_value(json_object_get(item, "type"));
    if (!type || (strcmp(type, "single") != 0 && strcmp(type, "multiple") != 0 &&
                  strcmp(type, "truefalse") != 0))
        return bad(c, json_object_get(item, "type"),
                   "'type' must be single, multiple or truefalse");

    v = json_object_get(item, "topic");
    if (json_is_null(v)) {
        if (s->ntopics > 0)
            return bad(c, item, "has no topic; when the exam has topics, every item needs one");
    } else {
        const json_t *ti = NULL;
        if (!json_is_string(v))
            return bad(c, v, "'topic' must be a topic id or null");
        /* An embedded NUL would make "law\0x" look up as "law". */
        if (strlen(json_string_value(v)) == json_string_length(v))
            ti = json_object_get(s->topic_ids, json_string_value(v));
        if (!ti)
            return bad(c, v, "topic '%.63s' is not in topics", json_string_value(v));
        s->topic_items[json_integer_value(ti)]++;
        s->item_topic[idx] = (int)json_integer_value(ti);
    }

    json_int_t points;
    st = check_int(c, item, "points", 1, POINTS_MAX, &points);
    if (st != SQ_OK)
        return st;
    s->item_points[idx] = (int)points;
    v = json_object_get(item, "scoring");
    if (strcmp(type, "multiple") == 0) {
        const char *sc = json_string_value(v);
        if (!sc || (strcmp(sc, "all") != 0 && strcmp(sc, "partial") != 0))
            return bad(c, v ? v : item, "'scoring' must be all or partial");
    } else if (v) {
        return bad(c, v, "'scoring' is only for multiple items");
    }
    v = json_object_get(item, "fixed_order");
    if (strcmp(type, "truefalse") == 0) {
        if (!json_is_true(v))
            return bad(c, v ? v : item, "a truefalse item must have 'fixed_order' true");
    } else if (v) {
        return bad(c, v, "'fixed_order' is only for truefalse items");
    }
    st = check_text(c, json_object_get(item, "text"), "text");
    if (st != SQ_OK)
        return st;
    v = json_object_get(item, "image");
    if (v) {
        st = check_image(c, v);
        if (st != SQ_OK)
            return st;
    }
    st = check_options(c, item, type);
    if (st != SQ_OK)
        return st;
    v = json_object_get(item, "explanation");
    if (v) {
        st = check_text(c, v, "explanation");
        if (st != SQ_OK)
            return st;
    }
    leave(c);
    c->where[0] = '\0';
    return SQ_OK;
}

static sq_status check_topics(chk *c, const json_t *topics, sets *s)
{
    static const keyspec ks[] = {{"id", true}, {"title", true}};
    char label[96], extra[48];
    sq_status st;

    if (!json_is_array(topics))
        return bad(c, topics, "'topics' must be a list");
    s->ntopics = json_array_size(topics);
    s->topic_items = calloc(s->ntopics + 1, sizeof *s->topic_items);
    s->topic_in_plan = calloc(s->ntopics + 1, sizeof *s->topic_in_plan);
    if (!s->topic_items || !s->topic_in_plan)
        return sqi_seterr(c->err, SQ_ENOMEM, "out of memory checking an exam");
    enter(c, topics);
    for (size_t i = 0; i < s->ntopics; i++) {
        const json_t *t = json_array_get(topics, i), *id = json_object_get(t, "id"), *first;
        if (!json_is_object(t))
            return bad(c, t, "topic %zu must be an object (id, title)", i + 1);
        enter(c, t);
        snprintf(label, sizeof label, "topic %zu: ", i + 1);
        st = check_keys(c, t, ks, sizeof ks / sizeof *ks, label);
        if (st != SQ_OK)
            return st;
        if (!id_ok(id, false))
            return bad(c, id, "topic id '%.63s' is not valid: 1 to 63 of A-Z a-z 0-9 . _ -",
                       json_is_string(id) ? json_string_value(id) : "");
        first = json_object_get(s->topic_ids, json_string_value(id));
        if (first) {
            size_t j = (size_t)json_integer_value(first);
            first_at(c, json_object_get(json_array_get(topics, j), "id"), "topic", j, extra,
                     sizeof extra);
            return bad(c, id, "duplicate topic '%s'%s", json_string_value(id), extra);
        }
        if (json_object_set_new(s->topic_ids, json_string_value(id), json_integer((json_int_t)i)))
            return sqi_seterr(c->err, SQ_ENOMEM, "out of memory checking an exam");
        snprintf(label, sizeof label, "title of topic '%s'", json_string_value(id));
        st = check_text(c, json_object_get(t, "title"), label);
        if (st != SQ_OK)
            return st;
        leave(c);
    }
    leave(c);
    return SQ_OK;
}

/* ---------- what the trainee sees after ---------- */

int sqi_review_mode(const json_t *exam)
{
    static const char *const modes[] = {"none", "score", "mistakes", "full"};
    const json_t *v = json_object_get(exam, "review_after");

    if (!v)
        return json_is_true(json_object_get(exam, "show_score")) ? SQI_REVIEW_SCORE
                                                                 : SQI_REVIEW_NONE;
    for (int m = 0; m < 4; m++)
        if (json_is_string(v) && strcmp(json_string_value(v), modes[m]) == 0)
            return m;
    return -1;
}

/* ---------- draws by points ---------- */

/* The tables of sqi_blueprint_mix: for the values vals[j..m-1], row c is
 * the set of point sums that c items of those values can make, one bit a
 * sum. Sums above the asked points may appear in a row's last word; they
 * only ever grow, so they never answer a question about a smaller sum. */

static void row_or_shifted(uint64_t *dst, const uint64_t *src, int shift, int words)
{
    int ws = shift / 64, bs = shift % 64;
    for (int i = words - 1; i >= ws; i--) {
        uint64_t v = src[i - ws] << bs;
        if (bs && i - ws >= 1)
            v |= src[i - ws - 1] >> (64 - bs);
        dst[i] |= v;
    }
}

static bool row_has(const uint64_t *row, int sum)
{
    return (row[sum / 64] >> (sum % 64)) & 1u;
}

sq_status sqi_blueprint_mix(const int have[SQI_ITEM_POINTS_MAX + 1], int count, int points,
                            uint64_t (*rand)(void *ctx, uint64_t n), void *ctx,
                            int take[SQI_ITEM_POINTS_MAX + 1])
{
    int vals[SQI_ITEM_POINTS_MAX], m = 0, words, ok[SQI_MIX_COUNT_MAX + 1];
    size_t rows;
    uint64_t *reach;
    sq_status st = SQ_OK;

    if (!have || !take || count < 1 || count > SQI_MIX_COUNT_MAX || points < 1 ||
        points > SQI_MIX_POINTS_MAX)
        return SQ_EINVAL;
    for (int v = 0; v <= SQI_ITEM_POINTS_MAX; v++) {
        take[v] = 0;
        if (v >= 1 && v <= points && have[v] > 0)
            vals[m++] = v;
    }
    words = points / 64 + 1;
    rows = (size_t)count + 1;
    reach = calloc((size_t)(m + 1) * rows * (size_t)words, sizeof *reach);
    if (!reach)
        return SQ_ENOMEM;
#define ROW(j, c) (reach + ((size_t)(j)*rows + (size_t)(c)) * (size_t)words)
    ROW(m, 0)[0] = 1; /* nothing taken: no items, no points */
    for (int j = m - 1; j >= 0; j--) {
        int v = vals[j];
        for (int c = 0; c <= count; c++)
            for (int x = 0; x <= have[v] && x <= c && x * v <= points; x++)
                row_or_shifted(ROW(j, c), ROW(j + 1, c - x), x * v, words);
    }
    if (!row_has(ROW(0, count), points)) {
        st = SQ_ENOTFOUND;
        goto out;
    }
    /* Walk down the values, each time choosing among the numbers that
     * still leave a whole draw for the values after it. */
    for (int j = 0, c = count, sum = points; j < m; j++) {
        int v = vals[j], n_ok = 0;
        for (int x = 0; x <= have[v] && x <= c && x * v <= sum; x++)
            if (row_has(ROW(j + 1, c - x), sum - x * v))
                ok[n_ok++] = x;
        if (n_ok == 0) { /* cannot happen: the tables said a draw exists */
            st = SQ_ENOTFOUND;
            goto out;
        }
        take[v] = ok[rand ? rand(ctx, (uint64_t)n_ok) : 0];
        c -= take[v];
        sum -= take[v] * v;
    }
#undef ROW
out:
    free(reach);
    return st;
}

/* The items of each topic in one array, topic after topic: the items of
 * topic t are order[start[t] .. start[t + 1]). */
static sq_status by_topic(chk *c, const sets *s, size_t n_items, size_t **start_out,
                          size_t **order_out)
{
    size_t *start = calloc(s->ntopics + 1, sizeof *start);
    size_t *order = calloc(n_items + 1, sizeof *order);
    size_t *fill = calloc(s->ntopics + 1, sizeof *fill);

    if (!start || !order || !fill) {
        free(start);
        free(order);
        free(fill);
        return sqi_seterr(c->err, SQ_ENOMEM, "out of memory checking an exam");
    }
    for (size_t t = 0; t < s->ntopics; t++)
        start[t + 1] = start[t] + s->topic_items[t];
    for (size_t i = 0; i < n_items; i++)
        if (s->item_topic[i] >= 0) {
            size_t t = (size_t)s->item_topic[i];
            order[start[t] + fill[t]++] = i;
        }
    free(fill);
    *start_out = start;
    *order_out = order;
    return SQ_OK;
}

/* Whether every draw the entry allows is worth the same points: with a
 * count alone, the drawn items' points must not depend on which are
 * drawn; with points, some count items must add up to exactly them. */
static sq_status check_equal(chk *c, const json_t *e, const char *topic, json_int_t count,
                             const int have[SQI_ITEM_POINTS_MAX + 1], size_t n_topic)
{
    const json_t *pv = json_object_get(e, "points");
    long long lo = 0, hi = 0;
    int take[SQI_ITEM_POINTS_MAX + 1], lo_v = 0, hi_v = 0;
    sq_status st;

    /* The fewest and the most points count items of the topic can make. */
    for (int v = 1, left = (int)count; v <= SQI_ITEM_POINTS_MAX && left > 0; v++) {
        int x = have[v] < left ? have[v] : left;
        lo += (long long)x * v;
        left -= x;
    }
    for (int v = SQI_ITEM_POINTS_MAX, left = (int)count; v >= 1 && left > 0; v--) {
        int x = have[v] < left ? have[v] : left;
        hi += (long long)x * v;
        left -= x;
    }
    for (int v = 1; v <= SQI_ITEM_POINTS_MAX; v++)
        if (have[v] > 0) {
            lo_v = lo_v ? lo_v : v;
            hi_v = v;
        }
    if (!pv) {
        if (lo == hi)
            return SQ_OK;
        return bad(c, e,
                   "blueprint: topic '%s' draws %" JSON_INTEGER_FORMAT
                   " of its %zu items, worth %d to %d points, so attempts would not be equal "
                   "(%lld to %lld points); give its items equal points, or say the topic's "
                   "points in every attempt ({count: %" JSON_INTEGER_FORMAT ", points: N})",
                   topic, count, n_topic, lo_v, hi_v, lo, hi, count);
    }
    if (!json_is_integer(pv) || json_integer_value(pv) < 1 ||
        json_integer_value(pv) > SQI_MIX_POINTS_MAX)
        return bad(c, pv, "blueprint: the points of topic '%s' must be a whole number 1..%d", topic,
                   SQI_MIX_POINTS_MAX);
    if (count > SQI_MIX_COUNT_MAX)
        return bad(c, e,
                   "blueprint: a draw by points takes at most %d items of a topic, not "
                   "%" JSON_INTEGER_FORMAT " of topic '%s'",
                   SQI_MIX_COUNT_MAX, count, topic);
    st = sqi_blueprint_mix(have, (int)count, (int)json_integer_value(pv), NULL, NULL, take);
    if (st == SQ_ENOTFOUND && lo == hi)
        return bad(c, pv,
                   "blueprint: topic '%s': no draw of %" JSON_INTEGER_FORMAT
                   " item%s adds up to %" JSON_INTEGER_FORMAT " points (every draw makes %lld)",
                   topic, count, count == 1 ? "" : "s", json_integer_value(pv), lo);
    if (st == SQ_ENOTFOUND)
        return bad(c, pv,
                   "blueprint: topic '%s': no draw of %" JSON_INTEGER_FORMAT
                   " item%s adds up to %" JSON_INTEGER_FORMAT " points (its draws make %lld to "
                   "%lld, not every number between)",
                   topic, count, count == 1 ? "" : "s", json_integer_value(pv), lo, hi);
    if (st != SQ_OK)
        return sqi_seterr(c->err, st, "out of memory checking an exam");
    return SQ_OK;
}

static sq_status check_blueprint(chk *c, const json_t *plan, sets *s)
{
    static const keyspec ks[] = {{"topic", true}, {"count", true}, {"points", false}};
    size_t *start = NULL, *order = NULL;
    char what[48];
    sq_status st = SQ_OK;

    if (!json_is_array(plan))
        return bad(c, plan, "'blueprint' must be a list");
    if (json_array_size(plan) > 0 &&
        (st = by_topic(c, s, json_array_size(s->items), &start, &order)) != SQ_OK)
        return st;
    enter(c, plan);
    for (size_t i = 0; i < json_array_size(plan); i++) {
        const json_t *e = json_array_get(plan, i), *topic = json_object_get(e, "topic"), *ti;
        int have[SQI_ITEM_POINTS_MAX + 1] = {0};
        json_int_t count;
        size_t t;

        if (!json_is_object(e)) {
            st = bad(c, e, "blueprint entry %zu must be an object (topic, count)", i + 1);
            goto out;
        }
        enter(c, e);
        snprintf(what, sizeof what, "blueprint entry %zu: ", i + 1);
        st = check_keys(c, e, ks, sizeof ks / sizeof *ks, what);
        if (st != SQ_OK)
            goto out;
        if (!id_ok(topic, false) ||
            !(ti = json_object_get(s->topic_ids, json_string_value(topic)))) {
            st = bad(c, topic, "blueprint names unknown topic '%.63s'",
                     json_is_string(topic) ? json_string_value(topic) : "");
            goto out;
        }
        t = (size_t)json_integer_value(ti);
        if (s->topic_in_plan[t]) {
            st = bad(c, e, "blueprint names topic '%s' twice", json_string_value(topic));
            goto out;
        }
        s->topic_in_plan[t] = true;
        if (!json_is_integer(json_object_get(e, "count"))) {
            st = bad(c, e, "blueprint: the count of topic '%s' must be a whole number",
                     json_string_value(topic));
            goto out;
        }
        count = json_integer_value(json_object_get(e, "count"));
        if (count < 1) {
            st = bad(c, e, "blueprint: the count of topic '%s' must be at least 1",
                     json_string_value(topic));
            goto out;
        }
        if ((json_int_t)s->topic_items[t] < count) {
            st = bad(c, e,
                     "blueprint asks for %" JSON_INTEGER_FORMAT
                     " items of topic '%s', the exam has %zu",
                     count, json_string_value(topic), s->topic_items[t]);
            goto out;
        }
        for (size_t k = start[t]; k < start[t + 1]; k++)
            have[s->item_points[order[k]]]++;
        st = check_equal(c, e, json_string_value(topic), count, have, s->topic_items[t]);
        if (st != SQ_OK)
            goto out;
        leave(c);
    }
    leave(c);
out:
    free(start);
    free(order);
    return st;
}

static sq_status check_roster(chk *c, const json_t *roster)
{
    /* The first three are texts; birth_date and secret are identity.c's
     * (check_identity). */
    static const keyspec ks[] = {{"id", true},          {"name", false},  {"district", false},
                                 {"birth_date", false}, {"secret", false}};
    static const size_t max[] = {TRAINEE_ID_MAX, TRAINEE_TEXT_MAX, TRAINEE_TEXT_MAX};
    json_t *seen = NULL;
    char what[48], buf[64], extra[48];
    sq_status st = SQ_OK;

    if (!json_is_array(roster))
        return bad(c, roster, "'roster' must be a list");
    seen = json_object();
    if (!seen)
        return sqi_seterr(c->err, SQ_ENOMEM, "out of memory checking an exam");
    enter(c, roster);
    for (size_t i = 0; i < json_array_size(roster); i++) {
        const json_t *e = json_array_get(roster, i), *id = json_object_get(e, "id"), *first;
        if (!json_is_object(e)) {
            st = bad(c, e, "roster entry %zu must be an object (id, name, district)", i + 1);
            goto out;
        }
        enter(c, e);
        snprintf(what, sizeof what, "roster entry %zu: ", i + 1);
        st = check_keys(c, e, ks, sizeof ks / sizeof *ks, what);
        if (st != SQ_OK)
            goto out;
        for (size_t k = 0; k < sizeof max / sizeof *max; k++) {
            const json_t *v = json_object_get(e, ks[k].key);
            const char *why = v ? str_problem(v, max[k], false, buf, sizeof buf) : NULL;
            if (why) {
                st = bad(c, v, "%s'%s' %s", what, ks[k].key, why);
                goto out;
            }
        }
        first = json_object_get(seen, json_string_value(id));
        if (first) {
            size_t j = (size_t)json_integer_value(first);
            first_at(c, json_array_get(roster, j), "roster entry", j, extra, sizeof extra);
            st = bad(c, id, "roster: duplicate trainee id '%s'%s", json_string_value(id), extra);
            goto out;
        }
        if (json_object_set_new(seen, json_string_value(id), json_integer((json_int_t)i))) {
            st = sqi_seterr(c->err, SQ_ENOMEM, "out of memory checking an exam");
            goto out;
        }
        leave(c);
    }
    leave(c);
out:
    json_decref(seen);
    return st;
}

/* A base64 text of exactly 32 bytes. */
static bool b64_32(const json_t *v)
{
    uint8_t bin[33];
    size_t n = 0;
    const char *t = json_string_value(v);
    return t &&
           sodium_base642bin(bin, sizeof bin, t, strlen(t), NULL, &n, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           n == 32;
}

/* Who may sit (idhash_int.h): the kind, its key or PIN, and each
 * roster entry's date of birth or secret, in either form. */
static sq_status check_identity(chk *c, const json_t *exam)
{
    const json_t *kind_v = json_object_get(exam, "identity"), *roster = json_object_get(exam, "roster");
    const json_t *key = json_object_get(exam, "identity_key"), *v, *e;
    int kind = SQI_ID_NONE;
    size_t i;

    if (kind_v && (kind = sqi_identity_kind_parse(json_string_value(kind_v))) < 0)
        return bad(c, kind_v, "'identity' must be none, code, birth_date or proctor, not '%.40s'",
                   json_is_string(kind_v) ? json_string_value(kind_v) : "");
    if (json_object_get(exam, "roster_list") && !json_is_boolean(json_object_get(exam, "roster_list")))
        return check_bool(c, exam, "roster_list");
    bool per_trainee = kind == SQI_ID_CODE || kind == SQI_ID_BIRTH_DATE;
    if (per_trainee && json_array_size(roster) == 0)
        return bad(c, kind_v,
                   kind == SQI_ID_CODE
                       ? "identity 'code' needs a roster: the codes are made per trainee "
                         "('synaq-central roster codes')"
                       : "identity 'birth_date' needs a roster with every trainee's birth_date");
    if (key && (!per_trainee || !b64_32(key)))
        return bad(c, key, per_trainee ? "'identity_key' must be base64 of 32 bytes"
                                       : "'identity_key' is only for identity code or birth_date");
    if ((v = json_object_get(exam, "proctor_pin"))) {
        if (kind != SQI_ID_PROCTOR)
            return bad(c, v, "'proctor_pin' is only for identity: proctor");
        if (!sqi_identity_pin_ok(json_string_value(v)))
            return bad(c, v, "'proctor_pin' must be %d to %d digits", SQI_IDENTITY_PIN_MIN,
                       SQI_IDENTITY_PIN_MAX);
    }
    if ((v = json_object_get(exam, "proctor_hash"))) {
        const char *h = json_string_value(v);
        if (kind != SQI_ID_PROCTOR)
            return bad(c, v, "'proctor_hash' is only for identity: proctor");
        if (!h || strncmp(h, "$argon2id$", 10) != 0 || strlen(h) >= crypto_pwhash_STRBYTES)
            return bad(c, v, "'proctor_hash' must be an Argon2id string");
    }
    if (kind == SQI_ID_PROCTOR && !json_object_get(exam, "proctor_pin") &&
        !json_object_get(exam, "proctor_hash"))
        return bad(c, kind_v, "identity 'proctor' needs 'proctor_pin' (%d to %d digits)",
                   SQI_IDENTITY_PIN_MIN, SQI_IDENTITY_PIN_MAX);
    json_array_foreach(roster, i, e)
    {
        const json_t *bd = json_object_get(e, "birth_date"), *sec = json_object_get(e, "secret");
        const char *id = json_string_value(json_object_get(e, "id"));
        char norm[11];
        if (bd && (!json_is_string(bd) || !sqi_identity_date_norm(json_string_value(bd), norm)))
            return bad(c, bd, "roster entry %zu: 'birth_date' must be a date, YYYY-MM-DD", i + 1);
        if (sec && (!key || !b64_32(sec)))
            return bad(c, sec, key ? "roster entry %zu: 'secret' must be base64 of 32 bytes"
                                   : "roster entry %zu: a 'secret' needs the exam's identity_key",
                       i + 1);
        if (key && !sec)
            return bad(c, e, "roster entry %zu ('%.64s'): no 'secret' for the identity check",
                       i + 1, id ? id : "");
        if (kind == SQI_ID_BIRTH_DATE && !key && !bd)
            return bad(c, e,
                       "roster entry %zu ('%.64s'): no 'birth_date'; identity 'birth_date' needs "
                       "every trainee's",
                       i + 1, id ? id : "");
    }
    return SQ_OK;
}

/* practice (assets/README.md, "Practice"): tries 1 or 2, one mastery rule
 * for each topic (for "" in an exam without topics), each one that the
 * topic's items can meet; requires_practice only true, and only with it. */
static sq_status check_practice(chk *c, const json_t *exam, sets *s)
{
    static const keyspec ks[] = {{"tries", true}, {"mastery", true}};
    static const keyspec rs[] = {{"topic", true}, {"rule", true}, {"m", false}, {"n", false}};
    const json_t *p = json_object_get(exam, "practice"), *req, *rules;
    sq_status st;
    char why[160];

    req = json_object_get(exam, "requires_practice");
    if (req && (!json_is_true(req) || !p))
        return bad(c, req, "'requires_practice' must be true, and only with 'practice'");
    if (!p)
        return SQ_OK;
    if (!json_is_object(p))
        return bad(c, p, "'practice' must be an object (tries, mastery)");
    enter(c, p);
    st = check_keys(c, p, ks, sizeof ks / sizeof *ks, "practice: ");
    if (st == SQ_OK)
        st = check_int(c, p, "tries", 1, SQI_PRACTICE_TRIES_MAX, NULL);
    rules = json_object_get(p, "mastery");
    size_t want = s->ntopics ? s->ntopics : 1;
    if (st == SQ_OK && (!json_is_array(rules) || json_array_size(rules) != want))
        st = bad(c, rules ? rules : p, "practice: 'mastery' must hold one rule for each of the %zu topic%s",
                 want, want == 1 ? "" : "s");
    for (size_t i = 0; st == SQ_OK && i < json_array_size(rules); i++) {
        const json_t *e = json_array_get(rules, i), *t = json_object_get(e, "topic");
        size_t n_items = 0;
        sqi_mastery_rule r;
        if (!json_is_object(e))
            return bad(c, e, "practice: a mastery rule must be an object");
        enter(c, e);
        st = check_keys(c, e, rs, sizeof rs / sizeof *rs, "practice: ");
        if (st == SQ_OK && !json_is_string(t))
            st = bad(c, e, "practice: a mastery rule names its topic");
        if (st == SQ_OK && s->ntopics) {
            const json_t *ti = json_object_get(s->topic_ids, json_string_value(t));
            if (!ti || strlen(json_string_value(t)) != json_string_length(t) ||
                json_integer_value(ti) != (json_int_t)i)
                st = bad(c, t, "practice: mastery rule %zu must be topic %zu's, not '%.63s'", i + 1,
                         i + 1, json_string_value(t));
            else
                n_items = s->topic_items[i];
        } else if (st == SQ_OK) {
            if (json_string_length(t) != 0)
                st = bad(c, t, "practice: an exam without topics has one rule, for topic \"\"");
            n_items = json_array_size(s->items);
        }
        if (st == SQ_OK && sqi_mastery_rule_read(e, n_items, &r, why, sizeof why) != SQ_OK)
            st = bad(c, e, "practice: topic '%.63s': %s",
                     json_string_length(t) ? json_string_value(t) : "(all items)", why);
        leave(c);
    }
    leave(c);
    return st;
}

/* ---------- lessons ---------- */

/* "lessons": [{topic, pages: [text map of markup, ...]}, ...] in the
 * sources' order, a topic at most once; "lesson_images": {path as the
 * pages write it: an image as items have}, each named by some page. */
static sq_status check_lessons(chk *c, const json_t *exam, const sets *s)
{
    static const keyspec ks[] = {{"topic", true}, {"pages", true}};
    const json_t *lessons = json_object_get(exam, "lessons");
    const json_t *images = json_object_get(exam, "lesson_images");
    json_t *seen = NULL, *used = NULL;
    const char *key;
    json_t *v;
    char label[160];
    size_t i, j;
    sq_status st = SQ_OK;

    if (!lessons && !images)
        return SQ_OK;
    if (!json_is_array(lessons))
        return bad(c, lessons ? lessons : exam, "'lessons' must be a list");
    if (images && !json_is_object(images))
        return bad(c, images, "'lesson_images' must be a map of paths to images");
    seen = json_object();
    used = json_object();
    if (!seen || !used) {
        st = sqi_seterr(c->err, SQ_ENOMEM, "out of memory checking an exam");
        goto out;
    }
    json_array_foreach(lessons, i, v)
    {
        const json_t *topic = json_object_get(v, "topic"), *pages = json_object_get(v, "pages"),
                     *pg;
        if (!json_is_object(v)) {
            st = bad(c, v, "lesson %zu must be an object (topic, pages)", i + 1);
            goto out;
        }
        if ((st = check_keys(c, v, ks, sizeof ks / sizeof *ks, "lesson: ")))
            goto out;
        if (!json_is_string(topic) || !json_object_get(s->topic_ids, json_string_value(topic))) {
            st = bad(c, topic, "lessons: '%.63s' is not a topic of the exam",
                     json_is_string(topic) ? json_string_value(topic) : "");
            goto out;
        }
        if (json_object_get(seen, json_string_value(topic))) {
            st = bad(c, topic, "lessons: topic '%s' has two lessons", json_string_value(topic));
            goto out;
        }
        json_object_set_new(seen, json_string_value(topic), json_true());
        if (!json_is_array(pages) || json_array_size(pages) == 0 ||
            json_array_size(pages) > SQ_LESSON_PAGES_MAX) {
            st = bad(c, pages ? pages : v, "lessons: topic '%s' needs 1 to %d pages",
                     json_string_value(topic), SQ_LESSON_PAGES_MAX);
            goto out;
        }
        json_array_foreach(pages, j, pg)
        {
            snprintf(label, sizeof label, "lessons: topic '%s', page %zu", json_string_value(topic),
                     j + 1);
            if ((st = check_text(c, pg, label)))
                goto out;
            json_object_foreach((json_t *)pg, key, v)
            {
                sq_lesson_page *page = NULL;
                int line = 0;
                sq_err e = {0};
                if (sq_lesson_parse(json_string_value(v), json_string_length(v), &page, &line,
                                    &e)) {
                    st = bad(c, v, "%s (%s), line %d of the page: %s", label, key, line, e.msg);
                    goto out;
                }
                for (size_t b = 0; b < page->n && st == SQ_OK; b++) {
                    const char *path = page->blocks[b].image;
                    if (!path)
                        continue;
                    if (!json_object_get(images, path))
                        st = bad(c, v, "%s (%s): picture '%.100s' is not in the exam", label, key,
                                 path);
                    else
                        json_object_set_new(used, path, json_true());
                }
                sq_lesson_page_free(page);
                if (st)
                    goto out;
            }
        }
    }
    json_object_foreach((json_t *)images, key, v)
    {
        if (!json_object_get(used, key)) {
            st = bad(c, v, "lesson picture '%.100s' is on no page", key);
            goto out;
        }
        if ((st = check_image(c, v)))
            goto out;
    }
out:
    json_decref(seen);
    json_decref(used);
    return st;
}

#define EVENT_NAME_MAX 200

/* Whether d is a real date written YYYY-MM-DD (years 2000-2099). */
bool sqi_exam_day_ok(const char *d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return false;
    int y = atoi(d), m = atoi(d + 5), day = atoi(d + 8);
    if (y < 2000 || y > 2099 || m < 1 || m > 12 || day < 1 || day > mdays[m - 1])
        return false;
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return !(m == 2 && day == 29 && !leap);
}

/* ---------- training events (assets/README.md; stored by event.c) ---------- */

typedef struct {
    const exam_linemap *lm;
    const char *file;
    const char *exam_id;
    sq_err *err;
} chk_ev;

static sq_status ev_bad(const chk_ev *c, const json_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sq_status ev_bad(const chk_ev *c, const json_t *node, const char *fmt, ...)
{
    char body[384];
    va_list ap;
    int line = c->lm && node ? sqi_exam_linemap_line(c->lm, node) : 0;

    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (c->file && line > 0)
        return sqi_seterr(c->err, SQ_EINVAL, "%s:%d: events: %s", c->file, line, body);
    return sqi_seterr(c->err, SQ_EINVAL, "exam '%s': events: %s", c->exam_id ? c->exam_id : "?",
                      body);
}

static int ev_line_of(const chk_ev *c, const json_t *node)
{
    return c->lm ? sqi_exam_linemap_line(c->lm, node) : 0;
}

static bool ev_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

/* In the list of objects arr, the one whose "id" is id. */
static const json_t *ev_by_id(const json_t *arr, const char *id)
{
    size_t i;
    const json_t *e;
    json_array_foreach(arr, i, e)
    {
        const char *x = json_string_value(json_object_get(e, "id"));
        if (x && strcmp(x, id) == 0)
            return e;
    }
    return NULL;
}

static sq_status check_name(const chk_ev *c, const json_t *name, const char *ev)
{
    const char *key;
    json_t *v;
    if (!json_is_object(name) || json_object_size(name) == 0)
        return ev_bad(c, name, "event '%s': 'name' must be a map of languages (kk, ru, en)", ev);
    json_object_foreach((json_t *)name, key, v)
    {
        if (sqi_lang_index(key) < 0)
            return ev_bad(c, v, "event '%s': name: unknown language '%.20s' (kk, ru, en)", ev, key);
        if (!json_is_string(v) || json_string_length(v) == 0 ||
            json_string_length(v) > EVENT_NAME_MAX)
            return ev_bad(c, v, "event '%s': name (%s) must be a text of 1 to %d bytes", ev, key,
                          EVENT_NAME_MAX);
    }
    return SQ_OK;
}

static sq_status check_event(const chk_ev *c, const json_t *exam, const json_t *e, size_t idx,
                             json_t *seen)
{
    static const char *const keys[] = {"id", "name", "from", "to", "topics", "roster"};
    const json_t *id = json_object_get(e, "id"), *from, *to, *topics, *roster, *v;
    const char *key, *ev;
    size_t i;

    if (!json_is_object(e))
        return ev_bad(c, e, "event %zu must be a map (id, name, from, to, topics, roster)",
                      idx + 1);
    json_object_foreach((json_t *)e, key, v)
    {
        size_t k = 0;
        while (k < sizeof keys / sizeof *keys && strcmp(key, keys[k]) != 0)
            k++;
        if (k == sizeof keys / sizeof *keys)
            return ev_bad(c, v,
                          "event %zu: unknown key '%.40s' (id, name, from, to, topics, roster)",
                          idx + 1, key);
    }
    if (!json_is_string(id) || !ev_id_ok(json_string_value(id)))
        return ev_bad(c, id ? id : e,
                      "event %zu: 'id' must be 1 to %d letters, digits, '-', '_' or '.'", idx + 1,
                      ID_MAX);
    ev = json_string_value(id);
    const json_t *first = json_object_get(seen, ev);
    if (first)
        return ev_bad(c, id, "event id '%s' is given twice (first at line %d)", ev,
                      (int)json_integer_value(first));
    json_object_set_new(seen, ev, json_integer(ev_line_of(c, id)));
    if (!json_object_get(e, "name"))
        return ev_bad(c, e, "event '%s' has no 'name'", ev);
    sq_status st = check_name(c, json_object_get(e, "name"), ev);
    if (st)
        return st;
    from = json_object_get(e, "from");
    to = json_object_get(e, "to");
    if (!from || !to)
        return ev_bad(c, e, "event '%s' needs 'from' and 'to' (its first and last day, YYYY-MM-DD)",
                      ev);
    if (!json_is_string(from) || !sqi_exam_day_ok(json_string_value(from)))
        return ev_bad(c, from, "event '%s': from '%.20s' is not a date YYYY-MM-DD (2000-2099)", ev,
                      json_is_string(from) ? json_string_value(from) : "");
    if (!json_is_string(to) || !sqi_exam_day_ok(json_string_value(to)))
        return ev_bad(c, to, "event '%s': to '%.20s' is not a date YYYY-MM-DD (2000-2099)", ev,
                      json_is_string(to) ? json_string_value(to) : "");
    if (strcmp(json_string_value(from), json_string_value(to)) > 0)
        return ev_bad(c, to, "event '%s': it ends (%s) before it begins (%s)", ev,
                      json_string_value(to), json_string_value(from));
    topics = json_object_get(e, "topics");
    if (topics) {
        if (!json_is_array(topics) || json_array_size(topics) == 0)
            return ev_bad(c, topics, "event '%s': 'topics' must be a list of the exam's topics",
                          ev);
        json_array_foreach(topics, i, v)
        {
            const char *t = json_string_value(v);
            if (!t || !ev_by_id(json_object_get(exam, "topics"), t))
                return ev_bad(c, v, "event '%s': '%.63s' is not a topic of the exam (see 'topics')",
                              ev, t ? t : "");
            for (size_t j = 0; j < i; j++)
                if (strcmp(json_string_value(json_array_get(topics, j)), t) == 0)
                    return ev_bad(c, v, "event '%s': topic '%s' is named twice", ev, t);
        }
    }
    roster = json_object_get(e, "roster");
    if (!json_is_array(roster) || json_array_size(roster) == 0)
        return ev_bad(c, roster ? roster : e,
                      "event '%s': 'roster' must be a list of trainee ids (at least one)", ev);
    const json_t *exam_roster = json_object_get(exam, "roster");
    json_t *ids = json_object();
    if (!ids)
        return sqi_seterr(c->err, SQ_ENOMEM, "out of memory checking events");
    json_array_foreach(roster, i, v)
    {
        const char *t = json_string_value(v);
        if (!t || strlen(t) == 0 || strlen(t) > TRAINEE_ID_MAX) {
            st = ev_bad(c, v, "event '%s': roster entry %zu must be a trainee id", ev, i + 1);
            break;
        }
        if (!ev_by_id(exam_roster, t)) {
            st = ev_bad(c, v, "event '%s': trainee '%.64s' is not on the exam's roster", ev, t);
            break;
        }
        if (json_object_get(ids, t)) {
            st = ev_bad(c, v, "event '%s': trainee '%.64s' is on its roster twice", ev, t);
            break;
        }
        json_object_set_new(ids, t, json_true());
    }
    json_decref(ids);
    return st;
}

static sq_status check_events(const json_t *exam, const exam_linemap *lm, const char *file,
                              sq_err *err)
{
    const json_t *events = json_object_get(exam, "events"), *e;
    chk_ev c = {.lm = lm,
                .file = file,
                .exam_id = json_string_value(json_object_get(exam, "id")),
                .err = err};
    sq_status st = SQ_OK;
    size_t i;

    if (!events)
        return SQ_OK;
    if (!json_is_array(events) || json_array_size(events) == 0)
        return ev_bad(&c, events, "'events' must be a list of training events");
    if (json_array_size(events) > SQI_EVENTS_MAX)
        return ev_bad(&c, events, "an exam holds at most %d events, not %zu", SQI_EVENTS_MAX,
                      json_array_size(events));
    json_t *seen = json_object();
    if (!seen)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory checking events");
    json_array_foreach(events, i, e)
    {
        if ((st = check_event(&c, exam, e, i, seen)))
            break;
    }
    json_decref(seen);
    return st;
}

sq_status sqi_exam_check(const json_t *exam, const exam_linemap *lm, const char *file, sq_err *err)
{
    static const keyspec ks[] = {{"id", true},
                                 {"version", true},
                                 {"title", true},
                                 {"description", false},
                                 {"time_limit_s", true},
                                 {"pass_percent", true},
                                 {"attempts", true},
                                 {"show_score", true},
                                 {"review_after", false},
                                 {"shuffle_items", true},
                                 {"shuffle_options", true},
                                 {"clock", false},
                                 {"power_grace_s", false},
                                 {"topics", true},
                                 {"blueprint", true},
                                 {"items", true},
                                 {"roster", true},
                                 {"identity", false},
                                 {"roster_list", false},
                                 {"identity_key", false},
                                 {"proctor_pin", false},
                                 {"proctor_hash", false},
                                 {"practice", false},
                                 {"requires_practice", false},
                                 {"lessons", false},
                                 {"lesson_images", false},
                                 {"events", false}};
    static const char *const flags[] = {"show_score", "shuffle_items", "shuffle_options"};
    chk c = {.lm = lm, .file = file, .err = err};
    sets s = {0};
    const json_t *id = json_object_get(exam, "id"), *items, *v;
    size_t n;
    sq_status st;

    if (!json_is_object(exam))
        return bad(&c, exam, "the exam must be a JSON object");
    enter(&c, exam);
    st = check_keys(&c, exam, ks, sizeof ks / sizeof *ks, "");
    if (st != SQ_OK)
        goto out;
    if (!id_ok(id, true)) {
        st = bad(&c, id,
                 "exam id '%.63s' is not valid: 1 to 63 of a-z 0-9 . _ -, starting with a "
                 "letter or digit",
                 json_is_string(id) ? json_string_value(id) : "");
        goto out;
    }
    c.exam_id = json_string_value(id);
    st = check_int(&c, exam, "version", 1, VERSION_MAX, NULL);
    if (st == SQ_OK)
        st = check_text(&c, json_object_get(exam, "title"), "title");
    if (st == SQ_OK && (v = json_object_get(exam, "description")))
        st = check_text(&c, v, "description");
    if (st == SQ_OK)
        st = check_int(&c, exam, "time_limit_s", 0, TIME_LIMIT_MAX_S, NULL);
    if (st == SQ_OK)
        st = check_int(&c, exam, "pass_percent", 0, 100, NULL);
    if (st == SQ_OK)
        st = check_int(&c, exam, "attempts", 0, ATTEMPTS_MAX, NULL);
    for (size_t i = 0; st == SQ_OK && i < sizeof flags / sizeof *flags; i++)
        st = check_bool(&c, exam, flags[i]);
    if (st == SQ_OK)
        st = check_clock(&c, exam);
    if (st != SQ_OK)
        goto out;
    v = json_object_get(exam, "review_after");
    if (v) {
        int mode = sqi_review_mode(exam);
        if (mode < 0) {
            st = bad(&c, v, "'review_after' must be none, score, mistakes or full");
            goto out;
        }
        if ((mode > 0) != json_is_true(json_object_get(exam, "show_score"))) {
            st = bad(&c, v, "'review_after' %s contradicts 'show_score' %s", json_string_value(v),
                     mode > 0 ? "false" : "true");
            goto out;
        }
    }

    s.topic_ids = json_object();
    s.item_ids = json_object();
    if (!s.topic_ids || !s.item_ids) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory checking an exam");
        goto out;
    }
    st = check_topics(&c, json_object_get(exam, "topics"), &s);
    if (st != SQ_OK)
        goto out;

    items = json_object_get(exam, "items");
    s.items = items;
    if (!json_is_array(items)) {
        st = bad(&c, items, "'items' must be a list");
        goto out;
    }
    n = json_array_size(items);
    if (n == 0 || n > EXAM_MAX_ITEMS) {
        st = bad(&c, items, "the exam has %zu items; it needs 1 to %d", n, EXAM_MAX_ITEMS);
        goto out;
    }
    s.item_topic = malloc(n * sizeof *s.item_topic);
    s.item_points = calloc(n, sizeof *s.item_points);
    if (!s.item_topic || !s.item_points) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory checking an exam");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        s.item_topic[i] = -1;
    enter(&c, items);
    for (size_t i = 0; i < n; i++) {
        st = check_item(&c, json_array_get(items, i), i, &s);
        if (st != SQ_OK)
            goto out;
    }
    leave(&c);

    st = check_blueprint(&c, json_object_get(exam, "blueprint"), &s);
    if (st == SQ_OK)
        st = check_roster(&c, json_object_get(exam, "roster"));
    if (st == SQ_OK)
        st = check_identity(&c, exam);
    if (st == SQ_OK)
        st = check_practice(&c, exam, &s);
    if (st == SQ_OK)
        st = check_lessons(&c, exam, &s);
    if (st == SQ_OK)
        st = check_events(exam, lm, file, err);
out:
    free(s.item_points);
    free(s.item_topic);
    free(s.topic_in_plan);
    free(s.topic_items);
    json_decref(s.item_ids);
    json_decref(s.topic_ids);
    return st;
}
