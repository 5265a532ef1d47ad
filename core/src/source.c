/*
 * source.c - exam sources: the YAML that people at central write
 * (assets/README.md), compiled into the canonical exam document of
 * internal.h and then checked with sqi_exam_check (exam.c).
 *
 * Two passes. libyaml's event parser first builds a small tree that keeps
 * the line of every node and whether a scalar was quoted. YAML's own
 * guessing of types is not used: the schema below knows what each value
 * must be, so "NO" stays a text where a text is expected, and a quoted
 * "yes" is refused where a boolean is. The compiler then walks the tree
 * along the schema, builds the JSON document and records the line of each
 * node it makes in an exam_linemap (exam.c), so that sqi_exam_check can name
 * the line of whatever rule is broken.
 *
 * This file checks what only the source can say (YAML syntax, unknown,
 * duplicate and missing keys, types, file paths, images, roster files);
 * sqi_exam_check checks every rule of the document itself.
 *
 * Load: run by synaq-central on hand-written files of a few hundred items.
 * The caps (16 MiB, depth 32, 4 Mi nodes) bound what a broken or hostile
 * file can cost.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <yaml.h>
#include "exam_int.h"
#include "idhash_int.h"
#include "source_int.h"
#include "synaq/markup.h"
#include "util_int.h"

#define SRC_MAX_BYTES (16u << 20)
#define SRC_MAX_DEPTH 32
/* Enough for 100000 minimal items (about 19 nodes each); about 28 bytes each. */
#define SRC_MAX_NODES (1u << 22)
#define IMAGE_MAX_BYTES (1u << 20)
#define PATH_MAX_BYTES 1024
#define TIME_LIMIT_MAX_MIN 1440
/* The same limits as exam.c's roster check: roster files are checked here,
 * because only here do their lines belong to their own file. */
#define TRAINEE_ID_MAX 64
#define TRAINEE_TEXT_MAX 256

/* ---------- the YAML tree ---------- */

enum { Y_SCALAR = 1, Y_MAP, Y_SEQ };

typedef struct {
    uint8_t kind;
    bool plain;           /* an unquoted scalar: the only kind that may be a number or boolean */
    uint8_t style;        /* a scalar's yaml_scalar_style_t (lessons: '|' keeps lines) */
    int line;             /* 1-based */
    uint32_t first, next; /* first child, next sibling; 0 is "none" (node 0 is unused) */
    uint32_t n;           /* children; a map's are key, value, key, value... */
    uint32_t str, len;    /* scalar: offset of its NUL-terminated bytes in ytree.s, length */
} ynode;

/* Nodes and scalar bytes live in two arrays so that a big source costs a
 * few large allocations rather than millions of small ones. */
typedef struct {
    ynode *v;
    uint32_t n, cap;
    char *s;
    size_t slen, scap;
} ytree;

static void tree_free(ytree *t)
{
    free(t->v);
    free(t->s);
    memset(t, 0, sizeof *t);
}

/* A new node; 0 when out of memory. */
static uint32_t tree_node(ytree *t, uint8_t kind, int line)
{
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 1024;
        ynode *v = realloc(t->v, (size_t)cap * sizeof *v);
        if (!v)
            return 0;
        t->v = v;
        t->cap = cap;
    }
    if (t->n == 0)
        memset(&t->v[t->n++], 0, sizeof *t->v);
    uint32_t i = t->n++;
    memset(&t->v[i], 0, sizeof *t->v);
    t->v[i].kind = kind;
    t->v[i].line = line;
    return i;
}

static bool tree_str(ytree *t, uint32_t i, const char *s, size_t len)
{
    if (len >= UINT32_MAX || t->slen + len + 1 > UINT32_MAX)
        return false;
    if (t->slen + len + 1 > t->scap) {
        size_t cap = t->scap ? t->scap : 4096;
        while (cap < t->slen + len + 1)
            cap *= 2;
        char *p = realloc(t->s, cap);
        if (!p)
            return false;
        t->s = p;
        t->scap = cap;
    }
    if (len > 0) /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(t->s + t->slen, s, len);
    t->s[t->slen + len] = '\0';
    t->v[i].str = (uint32_t)t->slen;
    t->v[i].len = (uint32_t)len;
    t->slen += len + 1;
    return true;
}

static int mark_line(yaml_mark_t m)
{
    return m.line < (size_t)INT_MAX ? (int)m.line + 1 : INT_MAX;
}

static sq_status yaml_error(const yaml_parser_t *p, const char *name, const char *yaml, size_t len,
                            sq_err *err)
{
    const char *problem = p->problem ? p->problem : "unreadable input";

    if (p->error == YAML_MEMORY_ERROR)
        return sqi_seterr(err, SQ_ENOMEM, "%s: out of memory reading YAML", name);
    if (p->error == YAML_READER_ERROR) {
        /* The reader (bad UTF-8, control characters) knows only a byte offset. */
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        int line = 1;
        for (size_t i = 0; i < off; i++)
            line += yaml[i] == '\n' && line < INT_MAX;
        return sqi_seterr(err, SQ_EINVAL, "%s:%d: yaml: %s", name, line, problem);
    }
    if (p->context)
        return sqi_seterr(err, SQ_EINVAL, "%s:%d: yaml: %s (%s at line %d)", name,
                         mark_line(p->problem_mark), problem, p->context,
                         mark_line(p->context_mark));
    return sqi_seterr(err, SQ_EINVAL, "%s:%d: yaml: %s", name, mark_line(p->problem_mark), problem);
}

/*
 * Builds the tree of one YAML document. *root is 0 for a source with no
 * document at all. Anchors, aliases and tags are refused: exam authors do
 * not need them, and aliases are how a small YAML file becomes a huge one.
 */
static sq_status tree_parse(ytree *t, const char *name, const char *yaml, size_t len,
                            uint32_t *root, sq_err *err)
{
    yaml_parser_t p;
    yaml_event_t ev;
    struct {
        uint32_t node, last;
    } stack[SRC_MAX_DEPTH];
    int depth = 0, docs = 0;
    bool have_ev = false, done = false;
    uint32_t top = 0;
    sq_status st = SQ_OK;

    *root = 0;
    if (!yaml_parser_initialize(&p))
        return sqi_seterr(err, SQ_ENOMEM, "%s: out of memory reading YAML", name);
    yaml_parser_set_input_string(&p, (const unsigned char *)(yaml ? yaml : ""), yaml ? len : 0);
    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            st = yaml_error(&p, name, yaml, len, err);
            goto out;
        }
        have_ev = true;
        int line = mark_line(ev.start_mark);
        const yaml_char_t *anchor = NULL, *tag = NULL;
        uint8_t kind = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                st = sqi_seterr(err, SQ_EINVAL,
                               "%s:%d: only one YAML document is allowed ('---' starts another)",
                               name, line);
                goto out;
            }
            break;
        case YAML_ALIAS_EVENT:
            st = sqi_seterr(err, SQ_EINVAL,
                           "%s:%d: aliases (*%.40s) are not supported: write the value out", name,
                           line, (const char *)ev.data.alias.anchor);
            goto out;
        case YAML_SCALAR_EVENT:
            anchor = ev.data.scalar.anchor;
            tag = ev.data.scalar.tag;
            kind = Y_SCALAR;
            break;
        case YAML_SEQUENCE_START_EVENT:
            anchor = ev.data.sequence_start.anchor;
            tag = ev.data.sequence_start.tag;
            kind = Y_SEQ;
            break;
        case YAML_MAPPING_START_EVENT:
            anchor = ev.data.mapping_start.anchor;
            tag = ev.data.mapping_start.tag;
            kind = Y_MAP;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        default:
            break;
        }
        if (kind) {
            if (anchor) {
                st = sqi_seterr(err, SQ_EINVAL, "%s:%d: anchors (&%.40s) are not supported", name,
                               line, (const char *)anchor);
                goto out;
            }
            if (tag) {
                st = sqi_seterr(err, SQ_EINVAL, "%s:%d: tags (%.40s) are not supported", name, line,
                               (const char *)tag);
                goto out;
            }
            if (kind != Y_SCALAR && depth == SRC_MAX_DEPTH) {
                st = sqi_seterr(err, SQ_EINVAL, "%s:%d: nesting deeper than %d levels", name, line,
                               SRC_MAX_DEPTH);
                goto out;
            }
            if (t->n >= SRC_MAX_NODES) {
                st = sqi_seterr(err, SQ_ETOOBIG, "%s:%d: the source has more than %u values", name,
                               line, SRC_MAX_NODES);
                goto out;
            }
            uint32_t node = tree_node(t, kind, line);
            if (!node || (kind == Y_SCALAR && !tree_str(t, node, (const char *)ev.data.scalar.value,
                                                        ev.data.scalar.length))) {
                st = sqi_seterr(err, SQ_ENOMEM, "%s: out of memory reading YAML", name);
                goto out;
            }
            if (kind == Y_SCALAR) {
                t->v[node].plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                t->v[node].style = (uint8_t)ev.data.scalar.style;
            }
            if (depth == 0) {
                top = node;
            } else {
                uint32_t parent = stack[depth - 1].node;
                if (stack[depth - 1].last)
                    t->v[stack[depth - 1].last].next = node;
                else
                    t->v[parent].first = node;
                stack[depth - 1].last = node;
                t->v[parent].n++;
            }
            if (kind != Y_SCALAR) {
                stack[depth].node = node;
                stack[depth].last = 0;
                depth++;
            }
        }
        yaml_event_delete(&ev);
        have_ev = false;
    }
    *root = top;
out:
    if (have_ev)
        yaml_event_delete(&ev);
    yaml_parser_delete(&p);
    return st;
}

/* ---------- the compiler: tree -> canonical document ---------- */

typedef struct {
    const ytree *t;
    const char *name;     /* the file, for messages */
    const char *base_dir; /* where images and roster files are; NULL: nowhere */
    exam_linemap *lm;     /* NULL: lines are not recorded (a roster file's nodes) */
    sq_err *err;
    bool oom; /* an allocation failed; reported once at the end */
} cx;

/* A key of a map with a fixed schema, filled by read_map. */
typedef struct {
    const char *key;
    uint32_t val; /* value node; 0: absent */
    int line;     /* line of the key */
} field;

static const ynode *nd(const cx *c, uint32_t i)
{
    return &c->t->v[i];
}

static const char *str(const cx *c, uint32_t i)
{
    return c->t->s ? c->t->s + c->t->v[i].str : "";
}

static bool scalar_is(const cx *c, uint32_t i, const char *s)
{
    const ynode *n = nd(c, i);
    return n->kind == Y_SCALAR && n->len == strlen(s) && memcmp(str(c, i), s, n->len) == 0;
}

static const char *kind_name(uint8_t kind)
{
    return kind == Y_MAP ? "map" : kind == Y_SEQ ? "list" : "single value";
}

static sq_status fail(const cx *c, int line, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "NAME:LINE: WHERE: what"; where names the part ("item 'q07'") or is "". */
static sq_status fail(const cx *c, int line, const char *where, const char *fmt, ...)
{
    char body[384];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return sqi_seterr(c->err, SQ_EINVAL, "%s:%d: %s%s%s", c->name, line, where, *where ? ": " : "",
                     body);
}

static void put(cx *c, json_t *obj, const char *key, json_t *v)
{
    /* jansson frees v and fails when obj or v is NULL: an earlier failed
     * allocation needs no check of its own. */
    if (json_object_set_new(obj, key, v) != 0)
        c->oom = true;
}

static void push(cx *c, json_t *arr, json_t *v)
{
    if (json_array_append_new(arr, v) != 0)
        c->oom = true;
}

static json_t *mk(cx *c, json_t *v, int line)
{
    if (!v)
        c->oom = true;
    sqi_exam_linemap_add(c->lm, v, line);
    return v;
}

/* Reads the keys of map into f, refusing keys not in f and keys given twice. */
static sq_status read_map(cx *c, uint32_t map, const char *where, field *f, size_t nf,
                          const char *noun, const char *hint)
{
    uint32_t k = nd(c, map)->first;

    while (k) {
        const ynode *kn = nd(c, k);
        uint32_t v = kn->next;
        size_t j = 0;

        if (!v)
            break; /* libyaml always pairs keys with values; defensive only */
        if (kn->kind != Y_SCALAR)
            return fail(c, kn->line, where, "a key must be a name, not a %s", kind_name(kn->kind));
        while (j < nf && !scalar_is(c, k, f[j].key))
            j++;
        if (j == nf)
            return fail(c, kn->line, where, "unknown %s '%.40s'%s", noun, str(c, k), hint);
        if (f[j].val)
            return fail(c, kn->line, where, "duplicate key '%s' (first at line %d)", f[j].key,
                        f[j].line);
        f[j].val = v;
        f[j].line = kn->line;
        k = nd(c, v)->next;
    }
    return SQ_OK;
}

static sq_status need(const cx *c, uint32_t map, const char *where, const field *f)
{
    if (!f->val)
        return fail(c, nd(c, map)->line, where, "missing required key '%s'", f->key);
    return SQ_OK;
}

/* Any scalar is a text: a plain 1990 or yes where a text is expected is
 * meant as written. */
static sq_status get_str(cx *c, uint32_t node, int line, const char *where, const char *key,
                         json_t **out)
{
    const ynode *n = nd(c, node);

    *out = NULL;
    if (n->kind != Y_SCALAR)
        return fail(c, line, where, "'%s' must be a text, not a %s", key, kind_name(n->kind));
    if (memchr(str(c, node), '\0', n->len))
        return fail(c, line, where, "'%s' contains a NUL character", key);
    /* libyaml has checked the UTF-8, so NULL here is out of memory. */
    *out = mk(c, json_stringn(str(c, node), n->len), line);
    return SQ_OK;
}

/* 0: a plain decimal, 1: not one, 2: beyond 2^53 (no exam number needs more). */
static int parse_decimal(const char *s, size_t len, int64_t *v)
{
    const int64_t max = (int64_t)1 << 53;
    bool neg = len > 0 && s[0] == '-';
    size_t i = neg;
    int64_t n = 0;

    if (i == len || (s[i] == '0' && len - i > 1))
        return 1; /* empty, or a leading zero that YAML 1.1 would read as octal */
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 1;
        if (n > (max - (s[i] - '0')) / 10)
            return 2;
        n = n * 10 + (s[i] - '0');
    }
    *v = neg ? -n : n;
    return 0;
}

static sq_status get_int(cx *c, uint32_t node, int line, const char *where, const char *key,
                         int64_t *v)
{
    const ynode *n = nd(c, node);
    int rc = n->kind == Y_SCALAR ? parse_decimal(str(c, node), n->len, v) : 1;

    if (rc == 2)
        return fail(c, line, where, "'%s' is too large", key);
    if (rc != 0 || !n->plain)
        return fail(c, line, where, "'%s' must be a whole number%s", key,
                    rc == 0 ? " (without quotes)" : "");
    return SQ_OK;
}

static sq_status get_bool(cx *c, uint32_t node, int line, const char *where, const char *key,
                          bool *v)
{
    const ynode *n = nd(c, node);
    const char *s = str(c, node);
    bool ok = n->kind == Y_SCALAR && strlen(s) == n->len;

    if (ok && (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0))
        *v = true;
    else if (ok && (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0))
        *v = false;
    else
        return fail(c, line, where, "'%s' must be yes or no", key);
    if (!n->plain)
        return fail(c, line, where, "'%s' must be yes or no (without quotes)", key);
    return SQ_OK;
}

/* A text map from the language fields f[0..SQ_NLANGS) (kk, ru, en). */
static sq_status text_from(cx *c, const field *f, const char *where, int line, json_t **out)
{
    json_t *t = mk(c, json_object(), line), *s;
    sq_status st;

    *out = NULL;
    for (int i = 0; i < SQ_NLANGS; i++) {
        if (!f[i].val)
            continue;
        st = get_str(c, f[i].val, f[i].line, where, f[i].key, &s);
        if (st != SQ_OK) {
            json_decref(t);
            return st;
        }
        put(c, t, f[i].key, s);
    }
    *out = t;
    return SQ_OK;
}

static void lang_fields(field *f)
{
    for (int i = 0; i < SQ_NLANGS; i++) {
        f[i].key = sqi_lang_codes[i];
        f[i].val = 0;
        f[i].line = 0;
    }
}

/* The value of key (at line) as a text map; the empty map is left to
 * sqi_exam_check, which words every text rule. */
static sq_status get_text(cx *c, uint32_t node, int line, const char *where, const char *key,
                          json_t **out)
{
    field f[SQ_NLANGS];
    char w[160];
    sq_status st;

    *out = NULL;
    if (nd(c, node)->kind != Y_MAP)
        return fail(c, line, where, "'%s' must be a map of languages (kk: ..., ru: ..., en: ...)",
                    key);
    snprintf(w, sizeof w, "%s%s%.63s", where, *where ? ": " : "", key);
    lang_fields(f);
    st = read_map(c, node, w, f, SQ_NLANGS, "language", " (kk, ru, en)");
    if (st != SQ_OK)
        return st;
    return text_from(c, f, w, line, out);
}

/* A path inside base_dir: relative, without ".." components. */
static bool path_ok(const char *p, size_t len)
{
    if (len == 0 || len > PATH_MAX_BYTES || strlen(p) != len || p[0] == '/')
        return false;
    for (const char *s = p; *s;) {
        size_t n = strcspn(s, "/");
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return false;
        s += n;
        s += *s == '/';
    }
    return true;
}

/* base_dir/rel, or rel alone when base_dir is "." so messages stay short.
 * Caller frees. */
static char *join(const char *base_dir, const char *rel)
{
    size_t nb = strlen(base_dir), nr = strlen(rel);
    char *p;

    if (strcmp(base_dir, ".") == 0)
        nb = 0;
    p = malloc(nb + 1 + nr + 1);
    if (!p)
        return NULL;
    memcpy(p, base_dir, nb);
    if (nb)
        p[nb++] = '/';
    memcpy(p + nb, rel, nr + 1);
    return p;
}

static sq_status read_path(cx *c, const char *rel, bool ok, int line, const char *where,
                           const char *what, size_t max, char **path, uint8_t **buf, size_t *len);

/* Reads a file named by a source, for its field "what" ("image", "roster file"). */
static sq_status read_named(cx *c, uint32_t node, int line, const char *where, const char *what,
                            size_t max, char **path, uint8_t **buf, size_t *len)
{
    const char *rel = nd(c, node)->kind == Y_SCALAR ? str(c, node) : "";
    return read_path(c, rel, nd(c, node)->kind == Y_SCALAR && path_ok(rel, nd(c, node)->len),
                     line, where, what, max, path, buf, len);
}

/* The same by a path as written (a lesson page's picture); ok: the path
 * passed path_ok. */
static sq_status read_path(cx *c, const char *rel, bool ok, int line, const char *where,
                           const char *what, size_t max, char **path, uint8_t **buf, size_t *len)
{
    sq_err e = {0};
    sq_status st;

    *path = NULL;
    *buf = NULL;
    if (!ok)
        return fail(c, line, where,
                    "%s '%.100s' must be a path inside the exam's folder (not absolute, no '..')",
                    what, rel);
    if (!c->base_dir)
        return fail(c, line, where, "%s '%.100s': there is no folder to read it from", what, rel);
    *path = join(c->base_dir, rel);
    if (!*path)
        return sqi_seterr(c->err, SQ_ENOMEM, "%s: out of memory", c->name);
    st = sqi_file_read(*path, max, buf, len, &e);
    if (st == SQ_ETOOBIG)
        return fail(c, line, where, "%s '%.100s' is larger than %zu MiB", what, rel, max >> 20);
    if (st == SQ_ENOMEM)
        return sqi_seterr(c->err, SQ_ENOMEM, "%s: out of memory", c->name);
    if (st != SQ_OK)
        return fail(c, line, where, "%s '%.100s' cannot be read: %s", what, rel, e.msg);
    return SQ_OK;
}

static sq_status load_image_at(cx *c, const char *rel, bool ok, int line, const char *where,
                               json_t **out);

static sq_status load_image(cx *c, const field *f, const char *where, json_t **out)
{
    const char *rel = nd(c, f->val)->kind == Y_SCALAR ? str(c, f->val) : "";
    return load_image_at(c, rel,
                         nd(c, f->val)->kind == Y_SCALAR && path_ok(rel, nd(c, f->val)->len),
                         f->line, where, out);
}

/* The same by a path as written (a lesson page's picture). */
static sq_status load_image_at(cx *c, const char *rel, bool ok, int line, const char *where,
                               json_t **out)
{
    char *path = NULL, *b64 = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    const char *mime, *base;
    json_t *img = NULL;
    sq_status st;

    *out = NULL;
    st = read_path(c, rel, ok, line, where, "image", IMAGE_MAX_BYTES, &path, &buf, &len);
    if (st != SQ_OK)
        goto out;
    /* The bytes decide, not the name: the kiosk decodes by type. */
    if (len >= 4 && memcmp(buf, "\x89PNG", 4) == 0) {
        mime = "image/png";
    } else if (len >= 3 && memcmp(buf, "\xff\xd8\xff", 3) == 0) {
        mime = "image/jpeg";
    } else {
        st = fail(c, line, where, "image '%.100s' is not a PNG or JPEG file", rel);
        goto out;
    }
    size_t b64_len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    b64 = malloc(b64_len);
    if (!b64) {
        st = sqi_seterr(c->err, SQ_ENOMEM, "%s: out of memory", c->name);
        goto out;
    }
    sodium_bin2base64(b64, b64_len, buf, len, sodium_base64_VARIANT_ORIGINAL);
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    img = mk(c, json_object(), line);
    put(c, img, "name", mk(c, json_string(base), line));
    put(c, img, "mime", json_string(mime));
    put(c, img, "data", json_string(b64));
    *out = img;
out:
    free(b64);
    free(buf);
    free(path);
    return st;
}

/* The two options of a true/false item, in a fixed order; fb_true and
 * fb_false (NULL: none) are the feedback for choosing each, taken over. */
static json_t *tf_options(cx *c, bool answer, int line, json_t *fb_true, json_t *fb_false)
{
    static const char *const words[2][SQ_NLANGS] = {
        {"Дұрыс", "Верно", "True"},
        {"Бұрыс", "Неверно", "False"},
    };
    json_t *arr = mk(c, json_array(), line);

    for (int k = 0; k < 2; k++) {
        json_t *opt = mk(c, json_object(), line), *text = mk(c, json_object(), line);
        for (int i = 0; i < SQ_NLANGS; i++)
            put(c, text, sqi_lang_codes[i], json_string(words[k][i]));
        put(c, opt, "text", text);
        put(c, opt, "correct", json_boolean(k == 0 ? answer : !answer));
        if (k == 0 ? fb_true != NULL : fb_false != NULL)
            put(c, opt, "feedback", k == 0 ? fb_true : fb_false);
        push(c, arr, opt);
    }
    return arr;
}

static sq_status compile_options(cx *c, const field *fo, const char *where, json_t **out)
{
    const ynode *n = nd(c, fo->val);
    json_t *arr = NULL, *opt = NULL, *text = NULL;
    size_t i = 0;
    sq_status st = SQ_OK;

    *out = NULL;
    if (n->kind != Y_SEQ)
        return fail(c, fo->line, where, "'options' must be a list, not a %s", kind_name(n->kind));
    arr = mk(c, json_array(), fo->line);
    for (uint32_t o = n->first; o; o = nd(c, o)->next) {
        const ynode *on = nd(c, o);
        field f[SQ_NLANGS + 2];
        char w[192];
        bool correct = false;
        json_t *feedback = NULL;

        i++;
        if (on->kind != Y_MAP) {
            st = fail(c, on->line, where,
                      "option %zu must be a map (kk: ..., ru: ..., en: ..., correct: yes)", i);
            goto out;
        }
        snprintf(w, sizeof w, "%s: option %zu", where, i);
        lang_fields(f);
        f[SQ_NLANGS] = (field){"correct", 0, 0};
        f[SQ_NLANGS + 1] = (field){"feedback", 0, 0};
        st = read_map(c, o, w, f, SQ_NLANGS + 2, "key",
                      " (an option has kk, ru, en, correct, feedback)");
        if (st != SQ_OK)
            goto out;
        if (f[SQ_NLANGS].val) {
            st = get_bool(c, f[SQ_NLANGS].val, f[SQ_NLANGS].line, w, "correct", &correct);
            if (st != SQ_OK)
                goto out;
        }
        /* Shown with the option in the review, like the item's
         * explanation: only after submission. */
        if (f[SQ_NLANGS + 1].val) {
            st = get_text(c, f[SQ_NLANGS + 1].val, f[SQ_NLANGS + 1].line, w, "feedback",
                          &feedback);
            if (st != SQ_OK)
                goto out;
        }
        st = text_from(c, f, w, on->line, &text);
        if (st != SQ_OK) {
            json_decref(feedback);
            goto out;
        }
        opt = mk(c, json_object(), on->line);
        put(c, opt, "text", text);
        put(c, opt, "correct", json_boolean(correct));
        if (feedback)
            put(c, opt, "feedback", feedback);
        push(c, arr, opt);
        text = opt = NULL;
    }
    *out = arr;
    arr = NULL;
out:
    json_decref(arr);
    return st;
}

enum {
    I_ID,
    I_TYPE,
    I_TOPIC,
    I_POINTS,
    I_SCORING,
    I_ANSWER,
    I_TEXT,
    I_IMAGE,
    I_OPTIONS,
    I_EXPLANATION,
    I_FEEDBACK_TRUE,
    I_FEEDBACK_FALSE,
    I_N
};

static sq_status compile_item(cx *c, uint32_t node, size_t idx, json_t **out)
{
    field f[I_N] = {{"id", 0, 0},     {"type", 0, 0},    {"topic", 0, 0},
                    {"points", 0, 0}, {"scoring", 0, 0}, {"answer", 0, 0},
                    {"text", 0, 0},   {"image", 0, 0},   {"options", 0, 0},
                    {"explanation", 0, 0}, {"feedback_true", 0, 0},
                    {"feedback_false", 0, 0}};
    const ynode *n = nd(c, node);
    char where[96];
    json_t *item = NULL, *v = NULL, *fb[2] = {NULL, NULL};
    const char *type;
    int64_t points = 1;
    bool answer = false;
    sq_status st;

    *out = NULL;
    if (n->kind != Y_MAP)
        return fail(c, n->line, "", "item %zu must be a map (id: ..., type: ..., text: ...)", idx);
    /* Name the item by its id in every message, even one about a key that
     * comes before the id. */
    snprintf(where, sizeof where, "item %zu", idx);
    for (uint32_t k = n->first; k && nd(c, k)->next; k = nd(c, nd(c, k)->next)->next) {
        uint32_t val = nd(c, k)->next;
        if (scalar_is(c, k, "id") && nd(c, val)->kind == Y_SCALAR && nd(c, val)->len > 0) {
            snprintf(where, sizeof where, "item '%.63s'", str(c, val));
            break;
        }
    }
    st = read_map(c, node, where, f, I_N, "key", "");
    if (st == SQ_OK)
        st = need(c, node, where, &f[I_ID]);
    if (st == SQ_OK)
        st = need(c, node, where, &f[I_TYPE]);
    if (st == SQ_OK)
        st = need(c, node, where, &f[I_TEXT]);
    if (st != SQ_OK)
        return st;

    item = mk(c, json_object(), n->line);
    st = get_str(c, f[I_ID].val, f[I_ID].line, where, "id", &v);
    if (st != SQ_OK)
        goto out;
    put(c, item, "id", v);

    if (scalar_is(c, f[I_TYPE].val, "single"))
        type = "single";
    else if (scalar_is(c, f[I_TYPE].val, "multiple"))
        type = "multiple";
    else if (scalar_is(c, f[I_TYPE].val, "truefalse"))
        type = "truefalse";
    else {
        st = fail(c, f[I_TYPE].line, where, "'type' must be single, multiple or truefalse");
        goto out;
    }
    put(c, item, "type", mk(c, json_string(type), f[I_TYPE].line));

    /* Keys that belong to another type are refused, not ignored: they show
     * that the author meant something else. */
    bool tf = strcmp(type, "truefalse") == 0, multiple = strcmp(type, "multiple") == 0;
    if (f[I_ANSWER].val && !tf) {
        st = fail(c, f[I_ANSWER].line, where, "'answer' is only for truefalse items");
        goto out;
    }
    if (f[I_SCORING].val && !multiple) {
        st = fail(c, f[I_SCORING].line, where, "'scoring' is only for multiple items");
        goto out;
    }
    if (tf && f[I_OPTIONS].val) {
        st = fail(c, f[I_OPTIONS].line, where, "a truefalse item takes 'answer', not 'options'");
        goto out;
    }
    for (int k = I_FEEDBACK_TRUE; k <= I_FEEDBACK_FALSE; k++)
        if (f[k].val && !tf) {
            st = fail(c, f[k].line, where,
                      "'%s' is only for truefalse items (an option's feedback goes on the option)",
                      f[k].key);
            goto out;
        }
    st = need(c, node, where, &f[tf ? I_ANSWER : I_OPTIONS]);
    if (st != SQ_OK)
        goto out;

    if (f[I_TOPIC].val) {
        st = get_str(c, f[I_TOPIC].val, f[I_TOPIC].line, where, "topic", &v);
        if (st != SQ_OK)
            goto out;
    } else {
        v = json_null();
    }
    put(c, item, "topic", v);

    if (f[I_POINTS].val) {
        st = get_int(c, f[I_POINTS].val, f[I_POINTS].line, where, "points", &points);
        if (st != SQ_OK)
            goto out;
    }
    put(c, item, "points", mk(c, json_integer((json_int_t)points), f[I_POINTS].line));

    if (multiple) {
        const char *scoring = "all";
        if (f[I_SCORING].val) {
            if (scalar_is(c, f[I_SCORING].val, "partial"))
                scoring = "partial";
            else if (!scalar_is(c, f[I_SCORING].val, "all")) {
                st = fail(c, f[I_SCORING].line, where, "'scoring' must be all or partial");
                goto out;
            }
        }
        put(c, item, "scoring", mk(c, json_string(scoring), f[I_SCORING].line));
    }
    if (tf) {
        st = get_bool(c, f[I_ANSWER].val, f[I_ANSWER].line, where, "answer", &answer);
        if (st != SQ_OK)
            goto out;
        put(c, item, "fixed_order", json_true());
    }

    st = get_text(c, f[I_TEXT].val, f[I_TEXT].line, where, "text", &v);
    if (st != SQ_OK)
        goto out;
    put(c, item, "text", v);

    if (f[I_IMAGE].val) {
        st = load_image(c, &f[I_IMAGE], where, &v);
        if (st != SQ_OK)
            goto out;
        put(c, item, "image", v);
    }

    if (tf) {
        for (int k = 0; k < 2; k++) {
            const field *ff = &f[I_FEEDBACK_TRUE + k];
            if (!ff->val)
                continue;
            st = get_text(c, ff->val, ff->line, where, ff->key, &fb[k]);
            if (st != SQ_OK)
                goto out;
        }
        v = tf_options(c, answer, f[I_ANSWER].line, fb[0], fb[1]);
        fb[0] = fb[1] = NULL;
    } else {
        st = compile_options(c, &f[I_OPTIONS], where, &v);
        if (st != SQ_OK)
            goto out;
    }
    put(c, item, "options", v);
    if (f[I_EXPLANATION].val) {
        st = get_text(c, f[I_EXPLANATION].val, f[I_EXPLANATION].line, where, "explanation", &v);
        if (st != SQ_OK)
            goto out;
        put(c, item, "explanation", v);
    }
    *out = item;
    item = NULL;
out:
    json_decref(fb[0]);
    json_decref(fb[1]);
    json_decref(item);
    return st;
}

/* What is wrong with a trainee's id, name or district, or NULL. */
/* What is wrong with a trainee's id, name or district, or NULL: the same
 * words as exam.c's check, which sees them again without their lines. */
static const char *trainee_problem(const char *s, size_t len, size_t max, char *buf, size_t size)
{
    bool blank = true;

    if (len > max) {
        snprintf(buf, size, "is longer than %zu bytes", max);
        return buf;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return "contains a control character";
        blank &= s[i] == ' ';
    }
    return blank ? "is empty" : NULL;
}

/* The entries of a roster list, of the exam's source or of a roster file
 * (then c names that file and records no lines). */
static sq_status roster_list(cx *c, uint32_t seq, json_t *arr)
{
    static const size_t max[3] = {TRAINEE_ID_MAX, TRAINEE_TEXT_MAX, TRAINEE_TEXT_MAX};
    json_t *seen = json_object(), *entry = NULL, *v;
    size_t i = 0;
    sq_status st = SQ_OK;

    if (!seen) {
        st = sqi_seterr(c->err, SQ_ENOMEM, "%s: out of memory", c->name);
        goto out;
    }
    for (uint32_t e = nd(c, seq)->first; e; e = nd(c, e)->next) {
        const ynode *en = nd(c, e);
        field f[4] = {{"id", 0, 0}, {"name", 0, 0}, {"district", 0, 0}, {"birth_date", 0, 0}};
        char w[48], buf[48];

        i++;
        snprintf(w, sizeof w, "roster entry %zu", i);
        if (en->kind != Y_MAP) {
            st = fail(c, en->line, w, "must be a map (id: ..., name: ..., district: ...)");
            goto out;
        }
        st = read_map(c, e, w, f, 4, "key", " (a trainee has id, name, district, birth_date)");
        if (st == SQ_OK)
            st = need(c, e, w, &f[0]);
        if (st != SQ_OK)
            goto out;
        entry = mk(c, json_object(), en->line);
        for (int k = 0; k < 3; k++) {
            if (!f[k].val)
                continue;
            st = get_str(c, f[k].val, f[k].line, w, f[k].key, &v);
            if (st != SQ_OK)
                goto out;
            put(c, entry, f[k].key, v);
            const char *why =
                trainee_problem(str(c, f[k].val), nd(c, f[k].val)->len, max[k], buf, sizeof buf);
            if (why) {
                st = fail(c, f[k].line, w, "'%s' %s", f[k].key, why);
                goto out;
            }
        }
        if (f[3].val) {
            /* Written as people write it; kept as YYYY-MM-DD. */
            char norm[11];
            if (nd(c, f[3].val)->kind != Y_SCALAR ||
                !sqi_identity_date_norm(str(c, f[3].val), norm)) {
                st = fail(c, f[3].line, w,
                          "'birth_date' '%.20s' is not a date: write DD.MM.YYYY or YYYY-MM-DD "
                          "(a real day of 1900-2099)",
                          nd(c, f[3].val)->kind == Y_SCALAR ? str(c, f[3].val) : "");
                goto out;
            }
            put(c, entry, "birth_date", mk(c, json_string(norm), f[3].line));
        }
        const char *id = str(c, f[0].val);
        const json_t *first = json_object_get(seen, id);
        if (first) {
            st = fail(c, f[0].line, "roster", "duplicate trainee id '%.64s' (first at line %d)", id,
                      (int)json_integer_value(first));
            goto out;
        }
        if (json_object_set_new(seen, id, json_integer(f[0].line)) != 0)
            c->oom = true;
        push(c, arr, entry);
        entry = NULL;
    }
out:
    json_decref(entry);
    json_decref(seen);
    return st;
}

/* roster: roster.yaml - a YAML file beside the source holding the list. */
static sq_status roster_file(cx *c, const field *f, json_t *arr)
{
    char *path = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    ytree t = {0};
    uint32_t root = 0;
    sq_status st;

    st = read_named(c, f->val, f->line, "", "roster file", SRC_MAX_BYTES, &path, &buf, &len);
    if (st != SQ_OK)
        goto out;
    st = tree_parse(&t, path, (const char *)buf, len, &root, c->err);
    if (st != SQ_OK)
        goto out;
    if (!root || t.v[root].kind != Y_SEQ) {
        st = sqi_seterr(c->err, SQ_EINVAL, "%s:%d: a roster file must hold a list of trainees", path,
                       root ? t.v[root].line : 1);
        goto out;
    }
    cx rc = {&t, path, c->base_dir, NULL, c->err, false};
    st = roster_list(&rc, root, arr);
    c->oom |= rc.oom;
out:
    tree_free(&t);
    free(buf);
    free(path);
    return st;
}

static sq_status compile_roster(cx *c, const field *f, json_t **out)
{
    json_t *arr = mk(c, json_array(), f->line);
    sq_status st = SQ_OK;

    *out = NULL;
    if (f->val) {
        uint8_t kind = nd(c, f->val)->kind;
        if (kind == Y_SEQ)
            st = roster_list(c, f->val, arr);
        else if (kind == Y_SCALAR)
            st = roster_file(c, f, arr);
        else
            st = fail(c, f->line, "",
                      "'roster' must be a list of trainees or the name of a file holding one");
    }
    if (st != SQ_OK) {
        json_decref(arr);
        return st;
    }
    *out = arr;
    return SQ_OK;
}

/* topics: {id: text map, ...} -> [{"id": ..., "title": ...}] in source order. */
static sq_status compile_topics(cx *c, const field *f, json_t **out)
{
    json_t *arr = mk(c, json_array(), f->line), *t = NULL, *v;
    sq_status st = SQ_OK;

    *out = NULL;
    if (f->val && nd(c, f->val)->kind != Y_MAP) {
        st = fail(c, f->line, "", "'topics' must be a map of topic ids to titles");
        goto out;
    }
    for (uint32_t k = f->val ? nd(c, f->val)->first : 0; k; k = nd(c, nd(c, k)->next)->next) {
        const ynode *kn = nd(c, k);
        if (kn->kind != Y_SCALAR) {
            st = fail(c, kn->line, "topics", "a topic id must be a name, not a %s",
                      kind_name(kn->kind));
            goto out;
        }
        t = mk(c, json_object(), kn->line);
        st = get_str(c, k, kn->line, "topics", "topic id", &v);
        if (st != SQ_OK)
            goto out;
        put(c, t, "id", v);
        st = get_text(c, kn->next, kn->line, "topics", str(c, k), &v);
        if (st != SQ_OK)
            goto out;
        put(c, t, "title", v);
        push(c, arr, t);
        t = NULL;
    }
    *out = arr;
    arr = NULL;
out:
    json_decref(t);
    json_decref(arr);
    return st;
}

/* blueprint: {topic: count, ...} or {topic: {count: N, points: P}, ...}
 * -> [{"topic": ..., "count": ..., "points": ...}]. */
static sq_status compile_blueprint(cx *c, const field *f, json_t **out)
{
    json_t *arr = mk(c, json_array(), f->line), *e = NULL, *v;
    int64_t count;
    sq_status st = SQ_OK;

    *out = NULL;
    if (f->val && nd(c, f->val)->kind != Y_MAP) {
        st = fail(c, f->line, "", "'blueprint' must be a map of topic ids to item counts");
        goto out;
    }
    for (uint32_t k = f->val ? nd(c, f->val)->first : 0; k; k = nd(c, nd(c, k)->next)->next) {
        const ynode *kn = nd(c, k);
        if (kn->kind != Y_SCALAR) {
            st = fail(c, kn->line, "blueprint", "a topic id must be a name, not a %s",
                      kind_name(kn->kind));
            goto out;
        }
        e = mk(c, json_object(), kn->line);
        st = get_str(c, k, kn->line, "blueprint", "topic id", &v);
        if (st != SQ_OK)
            goto out;
        put(c, e, "topic", v);
        if (nd(c, kn->next)->kind == Y_MAP) {
            /* A draw by points: so many items, worth so many points in all. */
            field bf[2] = {{"count", 0, 0}, {"points", 0, 0}};
            char w[96];
            int64_t points;
            snprintf(w, sizeof w, "blueprint: topic '%.63s'", str(c, k));
            st = read_map(c, kn->next, w, bf, 2, "key", " (a topic's draw has count, points)");
            if (st == SQ_OK)
                st = need(c, kn->next, w, &bf[0]);
            if (st == SQ_OK)
                st = need(c, kn->next, w, &bf[1]);
            if (st == SQ_OK)
                st = get_int(c, bf[0].val, bf[0].line, w, "count", &count);
            if (st == SQ_OK)
                st = get_int(c, bf[1].val, bf[1].line, w, "points", &points);
            if (st != SQ_OK)
                goto out;
            put(c, e, "count", mk(c, json_integer((json_int_t)count), bf[0].line));
            put(c, e, "points", mk(c, json_integer((json_int_t)points), bf[1].line));
        } else {
            st = get_int(c, kn->next, kn->line, "blueprint", str(c, k), &count);
            if (st != SQ_OK)
                goto out;
            put(c, e, "count", mk(c, json_integer((json_int_t)count), kn->line));
        }
        push(c, arr, e);
        e = NULL;
    }
    *out = arr;
    arr = NULL;
out:
    json_decref(e);
    json_decref(arr);
    return st;
}

/* A mastery rule: all | {m_of_n: {m: M, n: N}} | {streak: N}, into e's
 * "rule", "m" and "n" (checked against the topic by sqi_exam_check). */
static sq_status practice_rule(cx *c, uint32_t node, int line, const char *where, json_t *e)
{
    const ynode *n = nd(c, node);
    int64_t v;
    sq_status st;

    if (scalar_is(c, node, "all")) {
        put(c, e, "rule", mk(c, json_string("all"), line));
        return SQ_OK;
    }
    field f[2] = {{"m_of_n", 0, 0}, {"streak", 0, 0}};
    if (n->kind != Y_MAP)
        return fail(c, line, where, "a mastery rule is all, {m_of_n: {m: 4, n: 5}} or {streak: 3}");
    st = read_map(c, node, where, f, 2, "mastery rule", " (a rule is all, m_of_n or streak)");
    if (st != SQ_OK)
        return st;
    if (!f[0].val == !f[1].val)
        return fail(c, line, where, "a mastery rule is one of all, m_of_n or streak");
    if (f[1].val) {
        st = get_int(c, f[1].val, f[1].line, where, "streak", &v);
        if (st != SQ_OK)
            return st;
        put(c, e, "rule", mk(c, json_string("streak"), f[1].line));
        put(c, e, "n", mk(c, json_integer((json_int_t)v), f[1].line));
        return SQ_OK;
    }
    field mn[2] = {{"m", 0, 0}, {"n", 0, 0}};
    int64_t m;
    if (nd(c, f[0].val)->kind != Y_MAP)
        return fail(c, f[0].line, where, "'m_of_n' must be a map {m: 4, n: 5}");
    st = read_map(c, f[0].val, where, mn, 2, "key", " (m_of_n has m and n)");
    if (st == SQ_OK)
        st = need(c, f[0].val, where, &mn[0]);
    if (st == SQ_OK)
        st = need(c, f[0].val, where, &mn[1]);
    if (st == SQ_OK)
        st = get_int(c, mn[0].val, mn[0].line, where, "m", &m);
    if (st == SQ_OK)
        st = get_int(c, mn[1].val, mn[1].line, where, "n", &v);
    if (st != SQ_OK)
        return st;
    put(c, e, "rule", mk(c, json_string("m_of_n"), f[0].line));
    put(c, e, "m", mk(c, json_integer((json_int_t)m), mn[0].line));
    put(c, e, "n", mk(c, json_integer((json_int_t)v), mn[1].line));
    return SQ_OK;
}

/* practice: {tries: 1|2, mastery: RULE, topics: {id: RULE, ...}} ->
 * {"tries": N, "mastery": [{"topic": id, "rule": ..., "m": .., "n": ..}]}:
 * one rule for every topic of the exam (topics: the ones that differ), or
 * for topic "" (the whole bank) in an exam without topics. */
static sq_status compile_practice(cx *c, const field *fp, const json_t *topics, json_t *doc)
{
    field f[3] = {{"tries", 0, 0}, {"mastery", 0, 0}, {"topics", 0, 0}};
    json_t *p = NULL, *arr = NULL, *e = NULL;
    int64_t tries = 1;
    sq_status st;

    if (nd(c, fp->val)->kind != Y_MAP)
        return fail(c, fp->line, "", "'practice' must be a map (tries, mastery, topics)");
    st = read_map(c, fp->val, "practice", f, 3, "key", " (practice has tries, mastery, topics)");
    if (st == SQ_OK)
        st = need(c, fp->val, "practice", &f[1]);
    if (st == SQ_OK && f[0].val)
        st = get_int(c, f[0].val, f[0].line, "practice", "tries", &tries);
    if (st != SQ_OK)
        return st;
    if (f[2].val && nd(c, f[2].val)->kind != Y_MAP)
        return fail(c, f[2].line, "practice", "'topics' must be a map of topic ids to rules");
    p = mk(c, json_object(), fp->line);
    arr = mk(c, json_array(), f[1].line);
    put(c, p, "tries", mk(c, json_integer((json_int_t)tries), f[0].val ? f[0].line : fp->line));
    put(c, p, "mastery", arr);
    /* A rule of practice.topics naming no topic of the exam. */
    for (uint32_t k = f[2].val ? nd(c, f[2].val)->first : 0; k; k = nd(c, nd(c, k)->next)->next) {
        size_t i = 0;
        for (; i < json_array_size(topics); i++)
            if (scalar_is(c, k, json_string_value(json_object_get(json_array_get(topics, i), "id"))))
                break;
        if (i == json_array_size(topics)) {
            st = fail(c, nd(c, k)->line, "practice: topics", "topic '%.63s' is not in topics",
                      str(c, k));
            goto out;
        }
    }
    size_t nt = json_array_size(topics);
    for (size_t i = 0; i < (nt ? nt : 1); i++) {
        const char *id = nt ? json_string_value(json_object_get(json_array_get(topics, i), "id"))
                            : "";
        uint32_t node = f[1].val;
        int line = f[1].line;
        for (uint32_t k = f[2].val ? nd(c, f[2].val)->first : 0; k;
             k = nd(c, nd(c, k)->next)->next)
            if (scalar_is(c, k, id)) {
                node = nd(c, k)->next;
                line = nd(c, k)->line;
            }
        char w[96];
        snprintf(w, sizeof w, "practice: topic '%.63s'", nt ? id : "(all items)");
        e = mk(c, json_object(), line);
        put(c, e, "topic", mk(c, json_string(id), line));
        st = practice_rule(c, node, line, w, e);
        if (st != SQ_OK)
            goto out;
        push(c, arr, e);
        e = NULL;
    }
    put(c, doc, "practice", p);
    p = NULL;
out:
    json_decref(e);
    json_decref(p);
    return st;
}

enum {
    E_EXAM,
    E_VERSION,
    E_TITLE,
    E_DESCRIPTION,
    E_TIME_LIMIT,
    E_PASS_MARK,
    E_ATTEMPTS,
    E_SHOW_SCORE,
    E_REVIEW_AFTER,
    E_SHUFFLE_ITEMS,
    E_SHUFFLE_OPTIONS,
    E_CLOCK,
    E_POWER_GRACE,
    E_TOPICS,
    E_BLUEPRINT,
    E_ROSTER,
    E_ITEMS,
    E_IDENTITY,
    E_ROSTER_LIST,
    E_PROCTOR_PIN,
    E_PRACTICE,
    E_REQUIRES_PRACTICE,
    E_LESSONS,
    E_EVENTS,
    E_N
};

/* A length of time: a whole number of seconds, minutes or hours ("90s",
 * "10m", "1h"; a bare number is minutes, as time_limit). 0: a number, 1:
 * not a duration, 2: too large. */
static int parse_duration(const char *s, size_t len, int64_t *secs)
{
    int64_t unit = 60, n = 0;
    if (len > 0 && (s[len - 1] == 's' || s[len - 1] == 'm' || s[len - 1] == 'h')) {
        unit = s[len - 1] == 's' ? 1 : s[len - 1] == 'm' ? 60 : 3600;
        len--;
    }
    if (len == 0 || len > 9 || (s[0] == '0' && len > 1))
        return len > 9 ? 2 : 1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 1;
        n = n * 10 + (s[i] - '0');
    }
    *secs = n * unit;
    return 0;
}

/* clock: running | paused (default running); power_grace: a duration
 * (running only; default SQI_POWER_GRACE_DEFAULT_S). */
static sq_status compile_clock(cx *c, const field *fc, const field *fg, json_t *doc)
{
    bool running = true;
    int64_t grace = SQI_POWER_GRACE_DEFAULT_S;
    if (fc->val) {
        const ynode *n = nd(c, fc->val);
        const char *s = n->kind == Y_SCALAR ? str(c, fc->val) : "";
        bool whole = n->kind == Y_SCALAR && strlen(s) == n->len;
        if (whole && strcmp(s, "paused") == 0)
            running = false;
        else if (!whole || strcmp(s, "running") != 0)
            return fail(c, fc->line, "", "'clock' must be running or paused");
    }
    if (fg->val) {
        const ynode *n = nd(c, fg->val);
        const char *s = n->kind == Y_SCALAR ? str(c, fg->val) : "";
        int rc = n->kind == Y_SCALAR && strlen(s) == n->len ? parse_duration(s, n->len, &grace) : 1;
        if (rc == 0 && grace > SQI_POWER_GRACE_MAX_S)
            rc = 2;
        if (rc != 0)
            return fail(c, fg->line, "",
                        "'power_grace' must be a time of 0 to 24 hours, such as 90s, 10m or 1h%s",
                        rc == 2 ? "" : " (a bare number is minutes)");
        if (!running)
            return fail(c, fg->line, "",
                        "'power_grace' goes with 'clock: running' only: a paused clock counts no "
                        "time while the kiosk is down");
    }
    put(c, doc, "clock", mk(c, json_string(running ? "running" : "paused"), fc->line));
    if (running)
        put(c, doc, "power_grace_s", mk(c, json_integer((json_int_t)grace), fg->val ? fg->line : 0));
    return SQ_OK;
}

/* ---------- lessons ---------- */

/* One language's text of a lesson page: parsed (synaq/lesson.h), its
 * mistakes at their line of the source, its pictures read into images
 * (by path as written; each once). */
static sq_status lesson_text(cx *c, const field *fl, const char *where, json_t *images,
                             json_t **out)
{
    const ynode *n = nd(c, fl->val);
    sq_lesson_page *page = NULL;
    sq_err e = {0};
    int line = 0;
    sq_status st;

    *out = NULL;
    if (n->kind != Y_SCALAR)
        return fail(c, fl->line, where, "'%s' must be a text, not a %s", fl->key,
                    kind_name(n->kind));
    if (n->style == YAML_FOLDED_SCALAR_STYLE)
        return fail(c, fl->line, where,
                    "'%s': write a lesson page as '|' (lines kept), not '>' (lines joined)",
                    fl->key);
    /* A '|' block's first line is the one after its key. */
    int base = n->line + (n->style == YAML_LITERAL_SCALAR_STYLE ? 1 : 0);
    st = sq_lesson_parse(str(c, fl->val), n->len, &page, &line, &e);
    if (st == SQ_ENOMEM)
        return sqi_seterr(c->err, SQ_ENOMEM, "%s: out of memory", c->name);
    if (st != SQ_OK)
        return fail(c, base + (line > 0 ? line - 1 : 0), where, "%s: %s", fl->key, e.msg);
    for (size_t b = 0; b < page->n && st == SQ_OK; b++) {
        const char *p = page->blocks[b].image;
        json_t *img;
        if (!p || json_object_get(images, p))
            continue;
        st = load_image_at(c, p, path_ok(p, strlen(p)), base + page->blocks[b].line - 1, where,
                           &img);
        if (st == SQ_OK)
            put(c, images, p, img);
    }
    sq_lesson_page_free(page);
    if (st != SQ_OK)
        return st;
    return get_str(c, fl->val, fl->line, where, fl->key, out);
}

/* lessons: {topic: [page, ...]}, each page a map of languages to markup. */
static sq_status compile_lessons(cx *c, const field *f, const json_t *topics, json_t **out,
                                 json_t **images_out)
{
    const ynode *m = nd(c, f->val);
    json_t *arr, *images;
    char where[160];
    sq_status st = SQ_OK;

    *out = *images_out = NULL;
    if (m->kind != Y_MAP)
        return fail(c, f->line, "", "'lessons' must be a map of topics to their pages, not a %s",
                    kind_name(m->kind));
    arr = mk(c, json_array(), f->line);
    images = json_object();
    for (uint32_t k = m->first; k && st == SQ_OK; k = nd(c, nd(c, k)->next)->next) {
        const ynode *kn = nd(c, k);
        uint32_t val = kn->next;
        bool known = false;
        size_t i;
        json_t *t;
        if (kn->kind != Y_SCALAR) {
            st = fail(c, kn->line, "lessons", "a key must be a topic's id, not a %s",
                      kind_name(kn->kind));
            break;
        }
        json_array_foreach(topics, i, t)
        {
            if (scalar_is(c, k, json_string_value(json_object_get(t, "id"))))
                known = true;
        }
        if (!known) {
            st = fail(c, kn->line, "lessons", "'%.63s' is not a topic of the exam (see 'topics')",
                      str(c, k));
            break;
        }
        for (uint32_t k2 = m->first; k2 != k; k2 = nd(c, nd(c, k2)->next)->next)
            if (nd(c, k2)->kind == Y_SCALAR && strcmp(str(c, k2), str(c, k)) == 0) {
                st = fail(c, kn->line, "lessons", "topic '%s' is given twice (first at line %d)",
                          str(c, k), nd(c, k2)->line);
                break;
            }
        if (st)
            break;
        const ynode *pv = nd(c, val);
        if (pv->kind != Y_SEQ || pv->n == 0) {
            st = fail(c, kn->line, "lessons",
                      "topic '%s': its lesson must be a list of pages (at least one)", str(c, k));
            break;
        }
        if (pv->n > SQ_LESSON_PAGES_MAX) {
            st = fail(c, kn->line, "lessons", "topic '%s' has %u pages; at most %d", str(c, k),
                      pv->n, SQ_LESSON_PAGES_MAX);
            break;
        }
        json_t *lesson = mk(c, json_object(), kn->line), *pages = mk(c, json_array(), pv->line);
        put(c, lesson, "topic", mk(c, json_string(str(c, k)), kn->line));
        put(c, lesson, "pages", pages);
        push(c, arr, lesson);
        int pno = 0;
        for (uint32_t p = pv->first; p && st == SQ_OK; p = nd(c, p)->next) {
            field fl[SQ_NLANGS];
            const ynode *pn = nd(c, p);
            snprintf(where, sizeof where, "lessons: topic '%.63s', page %d", str(c, k), ++pno);
            if (pn->kind != Y_MAP) {
                st = fail(c, pn->line, where, "a page must be a map of languages (kk: |, ru: |, "
                                              "en: |), not a %s", kind_name(pn->kind));
                break;
            }
            lang_fields(fl);
            if ((st = read_map(c, p, where, fl, SQ_NLANGS, "language", " (kk, ru, en)")))
                break;
            json_t *page = mk(c, json_object(), pn->line);
            push(c, pages, page);
            int given = 0;
            for (int l = 0; l < SQ_NLANGS && st == SQ_OK; l++) {
                json_t *s;
                if (!fl[l].val)
                    continue;
                given++;
                if ((st = lesson_text(c, &fl[l], where, images, &s)) == SQ_OK)
                    put(c, page, fl[l].key, s);
            }
            if (st == SQ_OK && !given)
                st = fail(c, pn->line, where, "the page has no text in any language (kk, ru, en)");
        }
    }
    if (st != SQ_OK) {
        json_decref(arr);
        json_decref(images);
        return st;
    }
    *out = arr;
    *images_out = images;
    return SQ_OK;
}

/* ---------- events ---------- */

/* A part of the source as it is, every scalar a string, every node's line
 * recorded: the training events (event.c checks them, by these lines). */
static sq_status plain_json(cx *c, uint32_t node, int depth, json_t **out)
{
    const ynode *n = nd(c, node);
    sq_status st = SQ_OK;

    *out = NULL;
    if (depth > 8)
        return fail(c, n->line, "events", "nested too deep");
    if (n->kind == Y_SCALAR) {
        *out = mk(c, json_stringn(str(c, node), n->len), n->line);
        return *out ? SQ_OK : sqi_seterr(c->err, SQ_ENOMEM, "%s: out of memory", c->name);
    }
    json_t *v = mk(c, n->kind == Y_MAP ? json_object() : json_array(), n->line);
    if (!v)
        return sqi_seterr(c->err, SQ_ENOMEM, "%s: out of memory", c->name);
    for (uint32_t k = n->first; k && st == SQ_OK; k = nd(c, k)->next) {
        json_t *e = NULL;
        if (n->kind == Y_MAP) {
            uint32_t val = nd(c, k)->next;
            char key[128];
            if (nd(c, k)->kind != Y_SCALAR || nd(c, k)->len == 0 || nd(c, k)->len >= sizeof key) {
                st = fail(c, nd(c, k)->line, "events", "a key must be a short name");
                break;
            }
            snprintf(key, sizeof key, "%.*s", (int)nd(c, k)->len, str(c, k));
            if (json_object_get(v, key)) {
                st = fail(c, nd(c, k)->line, "events", "'%s' is given twice", key);
                break;
            }
            if ((st = plain_json(c, val, depth + 1, &e)) == SQ_OK)
                put(c, v, key, e);
            k = val;
        } else if ((st = plain_json(c, k, depth + 1, &e)) == SQ_OK) {
            push(c, v, e);
        }
    }
    if (st != SQ_OK) {
        json_decref(v);
        return st;
    }
    *out = v;
    return SQ_OK;
}

static sq_status compile_exam(cx *c, uint32_t root, json_t **out)
{
    static const char *const keys[E_N] = {
        "exam",      "version",   "title",      "description",   "time_limit",
        "pass_mark", "attempts",  "show_score", "review_after", "shuffle_items",
        "shuffle_options", "clock", "power_grace", "topics", "blueprint", "roster",
        "items",     "identity",  "roster_list", "proctor_pin", "practice",
        "requires_practice", "lessons", "events"};
    static const int required[] = {E_EXAM, E_VERSION, E_TITLE, E_ITEMS};
    static const int flags[] = {E_SHOW_SCORE, E_SHUFFLE_ITEMS, E_SHUFFLE_OPTIONS};
    field f[E_N];
    const ynode *r = root ? nd(c, root) : NULL;
    json_t *doc = NULL, *v = NULL;
    int64_t n;
    sq_status st;

    *out = NULL;
    if (!r || (r->kind == Y_SCALAR && r->plain && r->len == 0))
        return fail(c, r ? r->line : 1, "", "the source is empty");
    if (r->kind != Y_MAP)
        return fail(c, r->line, "",
                    "the source must be a map of keys (exam, version, title, items, ...), not a %s",
                    kind_name(r->kind));
    for (int i = 0; i < E_N; i++)
        f[i] = (field){keys[i], 0, 0};
    st = read_map(c, root, "", f, E_N, "key", "");
    for (size_t i = 0; st == SQ_OK && i < sizeof required / sizeof *required; i++)
        st = need(c, root, "", &f[required[i]]);
    /* Required as well, with its reason: a source without it used to mean
     * "nobody can fail", which no author meant by leaving it out. */
    if (st == SQ_OK && !f[E_PASS_MARK].val)
        st = fail(c, r->line, "",
                  "missing required key 'pass_mark': the percentage of the points a trainee "
                  "needs to pass, 0..100 (0 if nobody can fail)");
    if (st != SQ_OK)
        return st;

    doc = mk(c, json_object(), r->line);
    st = get_str(c, f[E_EXAM].val, f[E_EXAM].line, "", "exam", &v);
    if (st != SQ_OK)
        goto out;
    put(c, doc, "id", v);
    st = get_int(c, f[E_VERSION].val, f[E_VERSION].line, "", "version", &n);
    if (st != SQ_OK)
        goto out;
    put(c, doc, "version", mk(c, json_integer((json_int_t)n), f[E_VERSION].line));
    st = get_text(c, f[E_TITLE].val, f[E_TITLE].line, "", "title", &v);
    if (st != SQ_OK)
        goto out;
    put(c, doc, "title", v);
    if (f[E_DESCRIPTION].val) {
        st = get_text(c, f[E_DESCRIPTION].val, f[E_DESCRIPTION].line, "", "description", &v);
        if (st != SQ_OK)
            goto out;
        put(c, doc, "description", v);
    }

    /* Checked here, not left to sqi_exam_check, because the document's names
     * and units (time_limit_s, pass_percent) are not the author's. */
    n = 0;
    if (f[E_TIME_LIMIT].val) {
        st = get_int(c, f[E_TIME_LIMIT].val, f[E_TIME_LIMIT].line, "", "time_limit", &n);
        if (st == SQ_OK && (n < 0 || n > TIME_LIMIT_MAX_MIN))
            st = fail(c, f[E_TIME_LIMIT].line, "",
                      "'time_limit' must be 0..%d minutes (0: no limit)", TIME_LIMIT_MAX_MIN);
        if (st != SQ_OK)
            goto out;
    }
    put(c, doc, "time_limit_s", mk(c, json_integer((json_int_t)n * 60), f[E_TIME_LIMIT].line));
    st = get_int(c, f[E_PASS_MARK].val, f[E_PASS_MARK].line, "", "pass_mark", &n);
    if (st == SQ_OK && (n < 0 || n > 100))
        st = fail(c, f[E_PASS_MARK].line, "", "'pass_mark' must be a percentage, 0..100");
    if (st != SQ_OK)
        goto out;
    put(c, doc, "pass_percent", mk(c, json_integer((json_int_t)n), f[E_PASS_MARK].line));
    n = 0;
    if (f[E_ATTEMPTS].val) {
        st = get_int(c, f[E_ATTEMPTS].val, f[E_ATTEMPTS].line, "", "attempts", &n);
        if (st != SQ_OK)
            goto out;
    }
    put(c, doc, "attempts", mk(c, json_integer((json_int_t)n), f[E_ATTEMPTS].line));
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        bool b = true;
        const field *fl = &f[flags[i]];
        if (fl->val) {
            st = get_bool(c, fl->val, fl->line, "", fl->key, &b);
            if (st != SQ_OK)
                goto out;
        }
        put(c, doc, fl->key, json_boolean(b));
    }
    /* review_after says what the trainee sees after submitting; show_score
     * is its older half (score or none), kept for stations that know only
     * it: the document carries review_after only when it says more. */
    if (f[E_REVIEW_AFTER].val) {
        static const char *const modes[] = {"none", "score", "mistakes", "full"};
        const field *fr = &f[E_REVIEW_AFTER];
        size_t m = 0;
        while (m < 4 && !scalar_is(c, fr->val, modes[m]))
            m++;
        if (m == 4) {
            st = fail(c, fr->line, "", "'review_after' must be none, score, mistakes or full");
            goto out;
        }
        if (f[E_SHOW_SCORE].val && json_is_true(json_object_get(doc, "show_score")) != (m > 0)) {
            st = fail(c, fr->line, "",
                      "'review_after: %s' contradicts 'show_score: %s' (line %d); "
                      "review_after alone says it",
                      modes[m], m > 0 ? "no" : "yes", f[E_SHOW_SCORE].line);
            goto out;
        }
        put(c, doc, "show_score", json_boolean(m > 0));
        if (m >= 2)
            put(c, doc, "review_after", mk(c, json_string(modes[m]), fr->line));
    }

    st = compile_clock(c, &f[E_CLOCK], &f[E_POWER_GRACE], doc);
    if (st != SQ_OK)
        goto out;

    st = compile_topics(c, &f[E_TOPICS], &v);
    if (st != SQ_OK)
        goto out;
    put(c, doc, "topics", v);
    st = compile_blueprint(c, &f[E_BLUEPRINT], &v);
    if (st != SQ_OK)
        goto out;
    put(c, doc, "blueprint", v);

    if (nd(c, f[E_ITEMS].val)->kind != Y_SEQ) {
        st = fail(c, f[E_ITEMS].line, "", "'items' must be a list, not a %s",
                  kind_name(nd(c, f[E_ITEMS].val)->kind));
        goto out;
    }
    json_t *items = mk(c, json_array(), f[E_ITEMS].line);
    put(c, doc, "items", items);
    size_t idx = 0;
    for (uint32_t it = nd(c, f[E_ITEMS].val)->first; it; it = nd(c, it)->next) {
        st = compile_item(c, it, ++idx, &v);
        if (st != SQ_OK)
            goto out;
        push(c, items, v);
    }

    st = compile_roster(c, &f[E_ROSTER], &v);
    if (st != SQ_OK)
        goto out;
    put(c, doc, "roster", v);

    /* Who may sit: left out when not given, so an exam without them is
     * the same document as before they existed. */
    if (f[E_IDENTITY].val) {
        st = get_str(c, f[E_IDENTITY].val, f[E_IDENTITY].line, "", "identity", &v);
        if (st != SQ_OK)
            goto out;
        if (sqi_identity_kind_parse(json_string_value(v)) < 0) {
            st = fail(c, f[E_IDENTITY].line, "",
                      "'identity' must be none, code, birth_date or proctor, not '%.40s'",
                      json_string_value(v));
            json_decref(v);
            goto out;
        }
        put(c, doc, "identity", v);
    }
    if (f[E_ROSTER_LIST].val) {
        bool b;
        st = get_bool(c, f[E_ROSTER_LIST].val, f[E_ROSTER_LIST].line, "", "roster_list", &b);
        if (st != SQ_OK)
            goto out;
        put(c, doc, "roster_list", json_boolean(b));
    }
    if (f[E_PROCTOR_PIN].val) {
        st = get_str(c, f[E_PROCTOR_PIN].val, f[E_PROCTOR_PIN].line, "", "proctor_pin", &v);
        if (st != SQ_OK)
            goto out;
        put(c, doc, "proctor_pin", v);
    }
    /* Practice (assets/README.md, "Practice"): left out when not given. */
    if (f[E_PRACTICE].val) {
        st = compile_practice(c, &f[E_PRACTICE], json_object_get(doc, "topics"), doc);
        if (st != SQ_OK)
            goto out;
    }
    if (f[E_REQUIRES_PRACTICE].val) {
        bool b;
        st = get_bool(c, f[E_REQUIRES_PRACTICE].val, f[E_REQUIRES_PRACTICE].line, "",
                      "requires_practice", &b);
        if (st != SQ_OK)
            goto out;
        if (b && !f[E_PRACTICE].val) {
            st = fail(c, f[E_REQUIRES_PRACTICE].line, "",
                      "'requires_practice' needs a 'practice' block with the mastery rules to meet");
            goto out;
        }
        if (b)
            put(c, doc, "requires_practice", json_true());
    }
    if (f[E_LESSONS].val) {
        json_t *imgs = NULL;
        st = compile_lessons(c, &f[E_LESSONS], json_object_get(doc, "topics"), &v, &imgs);
        if (st != SQ_OK)
            goto out;
        put(c, doc, "lessons", v);
        if (json_object_size(imgs))
            put(c, doc, "lesson_images", imgs);
        else
            json_decref(imgs);
    }
    if (f[E_EVENTS].val) {
        if ((st = plain_json(c, f[E_EVENTS].val, 0, &v)) != SQ_OK)
            goto out;
        put(c, doc, "events", v);
    }
    *out = doc;
    doc = NULL;
out:
    json_decref(doc);
    return st;
}

sq_status sqi_source_parse(const char *name, const char *yaml, size_t len, const char *base_dir,
                            json_t **out, sq_err *err)
{
    ytree t = {0};
    uint32_t root = 0;
    exam_linemap *lm = NULL;
    json_t *doc = NULL;
    sq_status st;

    if (!out || (!yaml && len))
        return sqi_seterr(err, SQ_EINVAL, "sqi_source_parse: no source or no result");
    *out = NULL;
    if (!name)
        name = "exam source";
    if (len > SRC_MAX_BYTES)
        return sqi_seterr(err, SQ_ETOOBIG, "%s: the source is larger than %u MiB", name,
                         SRC_MAX_BYTES >> 20);
    st = tree_parse(&t, name, yaml, len, &root, err);
    if (st != SQ_OK)
        goto out;
    lm = sqi_exam_linemap_new();
    if (!lm) {
        st = sqi_seterr(err, SQ_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    cx c = {&t, name, base_dir, lm, err, false};
    st = compile_exam(&c, root, &doc);
    if (st != SQ_OK)
        goto out;
    if (c.oom || sqi_exam_linemap_failed(lm)) {
        st = sqi_seterr(err, SQ_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    st = sqi_exam_check(doc, lm, name, err);
    if (st != SQ_OK)
        goto out;
    *out = doc;
    doc = NULL;
out:
    json_decref(doc);
    sqi_exam_linemap_free(lm);
    tree_free(&t);
    return st;
}

sq_status sqi_source_load(const char *path, json_t **out, sq_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    char *dir = NULL;
    const char *slash;
    sq_status st;

    if (!out || !path)
        return sqi_seterr(err, SQ_EINVAL, "sqi_source_load: no path or no result");
    *out = NULL;
    st = sqi_file_read(path, SRC_MAX_BYTES, &buf, &len, err);
    if (st != SQ_OK)
        goto out;
    /* Images and roster files are looked for beside the source. */
    slash = strrchr(path, '/');
    dir = !slash          ? strdup(".")
          : slash == path ? strdup("/")
                          : strndup(path, (size_t)(slash - path));
    if (!dir) {
        st = sqi_seterr(err, SQ_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    st = sqi_source_parse(path, (const char *)buf, len, dir, out, err);
out:
    free(dir);
    free(buf);
    return st;
}
