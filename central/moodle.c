/*
 * moodle.c - Moodle's GIFT and Aiken question formats read into a bank of
 * questions, and the bank written as a Synaq exam source (moodle.h).
 *
 * Reading follows Moodle's own importers (question/format/gift and
 * aiken) where they decide what a file means: questions are separated by
 * blank lines, lines starting with // are comments, the kind of a GIFT
 * question follows from its answer block ({} essay, {#...} numerical, a ~
 * multiple choice, = with -> matching, T/F true/false, else short
 * answer), and errors use Moodle's words where it has them. Where Moodle
 * silently guesses (text before the first answer, a title never closed),
 * this file refuses with the line instead: a source is checked once here,
 * not by people reading a thousand questions.
 *
 * Scoring is only mapped where Synaq scores the same as Moodle would
 * (central/README.md, "Importing questions from Moodle"); anything else is
 * refused with the reason.
 */
#include "moodle.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <yaml.h>

#define MQ_MAX_QUESTIONS 100000
#define MQ_MAX_OPTIONS 16
#define MQ_TEXT_MAX (64u << 10) /* exam.c's limit for one text */
#define MQ_CAT_MAX 1024         /* distinct categories in one language */

enum { K_SINGLE, K_MULTIPLE, K_TRUEFALSE };
static const char *const kind_words[] = {"single-choice", "multiple-answer", "true/false"};
static const char *const langs[SQ_NLANGS] = {"kk", "ru", "en"};

typedef struct {
    char *text;
    char *feedback; /* NULL: none */
    double weight;  /* percent, as Moodle's grade */
    bool correct;
} mq_opt;

typedef struct {
    const char *file; /* the bank's copy of the name */
    int line;
    char *title;  /* NULL: none */
    int category; /* index into the language's categories; -1: none */
    int kind;
    char *text;
    char *explanation; /* general feedback; NULL: none */
    int nopt;
    mq_opt opt[MQ_MAX_OPTIONS];
    bool answer; /* true/false: the statement is true */
    char *fb_true, *fb_false;
} mq_q;

typedef struct {
    bool used;
    mq_q *q;
    size_t n, cap;
    char **cat;    /* category names as shown (the last part of the path) */
    int *cat_line; /* where each first appeared */
    const char **cat_file;
    size_t ncat;
    json_t *titles; /* title -> index into q */
} mq_lang;

struct moodle_bank {
    moodle_format fmt;
    mq_lang lang[SQ_NLANGS];
    int order[SQ_NLANGS]; /* languages in the order their first file came */
    int nlangs;
    char **files;
    size_t nfiles;
};

static sq_status seterr(sq_err *err, sq_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sq_status seterr(sq_err *err, sq_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = st;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* ---------- growable text ---------- */

typedef struct {
    char *s;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (n > SIZE_MAX / 4 - b->n) { /* no text is this long: a bug, not a file */
        b->oom = true;
        return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_ch(sbuf *b, char c)
{
    sb_add(b, &c, 1);
}

/* ---------- the bank ---------- */

static void q_free(mq_q *q)
{
    free(q->title);
    free(q->text);
    free(q->explanation);
    free(q->fb_true);
    free(q->fb_false);
    for (int i = 0; i < q->nopt; i++) {
        free(q->opt[i].text);
        free(q->opt[i].feedback);
    }
    memset(q, 0, sizeof *q);
}

moodle_bank *moodle_bank_new(moodle_format fmt)
{
    moodle_bank *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->fmt = fmt;
    for (int l = 0; l < SQ_NLANGS; l++) {
        b->lang[l].titles = json_object();
        if (!b->lang[l].titles) {
            moodle_bank_free(b);
            return NULL;
        }
    }
    return b;
}

void moodle_bank_free(moodle_bank *b)
{
    if (!b)
        return;
    for (int l = 0; l < SQ_NLANGS; l++) {
        mq_lang *L = &b->lang[l];
        for (size_t i = 0; i < L->n; i++)
            q_free(&L->q[i]);
        free(L->q);
        for (size_t i = 0; i < L->ncat; i++)
            free(L->cat[i]);
        free(L->cat);
        free(L->cat_line);
        free(L->cat_file);
        json_decref(L->titles);
    }
    for (size_t i = 0; i < b->nfiles; i++)
        free(b->files[i]);
    free(b->files);
    free(b);
}

size_t moodle_bank_count(const moodle_bank *b)
{
    return b && b->nlangs > 0 ? b->lang[b->order[0]].n : 0;
}

/* ---------- reading one file ---------- */

/* One file being read: its lines, and where to report. */
typedef struct {
    moodle_bank *b;
    mq_lang *L;
    const char *name;
    char *text; /* normalised: no BOM, LF line ends */
    size_t len;
    bool strict;
    moodle_note_fn note;
    void *ctx;
    sq_err *err;
    int category; /* the current $CATEGORY: index, -1 none */
    bool gift;    /* GIFT's escapes and formats; Aiken's texts are plain */
} rd;

/* A question's lines joined with \n, and the file line of each. */
typedef struct {
    sbuf s;
    int *lines;
    size_t nlines, cap;
} chunk;

static int line_at(const chunk *c, size_t off)
{
    size_t k = 0;
    for (size_t i = 0; i < off && i < c->s.n; i++)
        k += c->s.s[i] == '\n';
    return k < c->nlines ? c->lines[k] : c->nlines ? c->lines[c->nlines - 1] : 1;
}

static sq_status bad(rd *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static sq_status bad(rd *r, int line, const char *fmt, ...)
{
    char body[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return seterr(r->err, SQ_EINVAL, "%s:%d: %s", r->name, line, body);
}

/* A question of a kind Synaq cannot give: a note, or an error when strict. */
static sq_status skip(rd *r, int line, const char *what)
{
    if (r->strict)
        return bad(r, line,
                   "%s cannot be given in Synaq (--strict refuses it; without it the "
                   "question is left out)",
                   what);
    if (r->note) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "%s:%d: skipped: %s (Synaq gives single-choice, multiple-answer and true/false "
                 "questions)",
                 r->name, line, what);
        r->note(r->ctx, msg);
    }
    return SQ_OK;
}

static void note(rd *r, int line, const char *what)
{
    if (r->note) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s:%d: note: %s", r->name, line, what);
        r->note(r->ctx, msg);
    }
}

/* Checks UTF-8 and control characters, drops a BOM, turns CRLF and CR
 * into LF. */
static sq_status normalise(rd *r, const char *in, size_t len)
{
    size_t i = 0, o = 0;
    int line = 1;

    r->text = malloc(len + 1);
    if (!r->text)
        return seterr(r->err, SQ_ENOMEM, "%s: out of memory", r->name);
    if (len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r') {
            r->text[o++] = '\n';
            i += i + 1 < len && in[i + 1] == '\n' ? 2 : 1;
            line++;
            continue;
        }
        if (c == '\n') {
            r->text[o++] = '\n';
            i++;
            line++;
            continue;
        }
        if (c == '\t') {
            r->text[o++] = ' ';
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            return bad(r, line,
                       "the file holds a control character (byte 0x%02x): it is not a "
                       "text file",
                       c);
        uint32_t cp;
        size_t n = sq_utf8_next(in + i, len - i, &cp);
        if (n == 0)
            return bad(r, line, "the file is not UTF-8 (byte 0x%02x): save it as UTF-8", c);
        if (cp == 0xFEFF) { /* a BOM left inside, from files joined together */
            i += n;
            continue;
        }
        memcpy(r->text + o, in + i, n);
        o += n;
        i += n;
    }
    r->text[o] = '\0';
    r->len = o;
    return SQ_OK;
}

/* ---------- texts: escapes, formats, HTML ---------- */

enum { F_MOODLE, F_HTML, F_PLAIN, F_MARKDOWN };

/* A format specifier at the start of s ([html] ...); advances *s. */
static int take_format(const char **s, const char *end, int dflt)
{
    static const char *const names[] = {"[moodle]", "[html]", "[plain]", "[markdown]"};
    const char *p = *s;
    while (p < end && (*p == ' ' || *p == '\n'))
        p++;
    for (int f = 0; f < 4; f++) {
        size_t n = strlen(names[f]);
        if ((size_t)(end - p) >= n && strncasecmp(p, names[f], n) == 0) {
            *s = p + n;
            return f;
        }
    }
    return dflt;
}

static const struct {
    const char *name;
    uint32_t cp;
} entities[] = {{"amp", '&'},      {"lt", '<'},       {"gt", '>'},        {"quot", '"'},
                {"apos", '\''},    {"nbsp", ' '},     {"ndash", 0x2013},  {"mdash", 0x2014},
                {"laquo", 0xAB},   {"raquo", 0xBB},   {"hellip", 0x2026}, {"copy", 0xA9},
                {"reg", 0xAE},     {"deg", 0xB0},     {"times", 0xD7},    {"minus", 0x2212},
                {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},  {"rdquo", 0x201D},
                {"bdquo", 0x201E}, {"bull", 0x2022},  {"middot", 0xB7},   {"sect", 0xA7},
                {"le", 0x2264},    {"ge", 0x2265},    {"ne", 0x2260},     {"shy", 0}};

static void put_cp(sbuf *b, uint32_t cp)
{
    char u[4];
    if (cp < 0x80) {
        sb_ch(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, u, 4);
    }
}

/* An entity at s[0] == '&': its length, with the character written; 0
 * when it is not one (the & is then kept as it is). */
static size_t entity(sbuf *b, const char *s, const char *end)
{
    const char *semi = memchr(s, ';', (size_t)(end - s) < 12 ? (size_t)(end - s) : 12);
    if (!semi)
        return 0;
    size_t n = (size_t)(semi - s - 1);
    const char *name = s + 1;
    if (n >= 2 && name[0] == '#') {
        uint32_t cp = 0;
        bool hex = name[1] == 'x' || name[1] == 'X';
        size_t i = hex ? 2 : 1;
        if (i == n)
            return 0;
        for (; i < n; i++) {
            int d = hex && isxdigit((unsigned char)name[i])
                        ? (isdigit((unsigned char)name[i])
                               ? name[i] - '0'
                               : (tolower((unsigned char)name[i]) - 'a' + 10))
                    : isdigit((unsigned char)name[i]) ? name[i] - '0'
                                                      : -1;
            if (d < 0 || cp > 0x10FFFF)
                return 0;
            cp = cp * (hex ? 16 : 10) + (uint32_t)d;
        }
        /* Control characters, surrogates and non-characters come out as
         * nothing: a station could not show them. */
        if (cp == '\n' || cp == '\t')
            sb_ch(b, ' ');
        else if (!(cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0xD800 && cp < 0xE000) ||
                   cp > 0x10FFFF || cp == 0xFFFE || cp == 0xFFFF))
            put_cp(b, cp);
        return n + 2;
    }
    for (size_t k = 0; k < sizeof entities / sizeof *entities; k++)
        if (strlen(entities[k].name) == n && memcmp(entities[k].name, name, n) == 0) {
            if (entities[k].cp)
                put_cp(b, entities[k].cp);
            return n + 2;
        }
    return 0;
}

static bool block_tag(const char *t)
{
    static const char *const tags[] = {
        "p",  "div",   "h1",         "h2",  "h3",      "h4",      "h5",     "h6",     "ul",
        "ol", "table", "blockquote", "pre", "section", "article", "header", "footer", "dl"};
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        if (strcmp(t, tags[i]) == 0)
            return true;
    return false;
}

/* Skips to the end of the element <name ...> ... </name>, from just
 * after its opening tag; returns where to go on. */
static const char *skip_element(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    for (; p + 2 + n <= end; p++)
        if (p[0] == '<' && p[1] == '/' && strncasecmp(p + 2, name, n) == 0) {
            const char *gt = memchr(p, '>', (size_t)(end - p));
            return gt ? gt + 1 : end;
        }
    return end;
}

/*
 * The text [s, end) in format f as Synaq shows it: plain text where a
 * line break is a new line and a blank line a new paragraph. HTML (the
 * [html] and [moodle] formats) keeps its paragraphs, line breaks and list
 * items; other tags go, entities are decoded, <script> and <style> are
 * dropped with their content. [moodle] keeps the file's line breaks (as
 * Moodle's auto-format does); [plain] and [markdown] are kept as written.
 * *images counts the <img> tags dropped.
 */
static void render(sbuf *out, const char *s, const char *end, int f, int *images)
{
    sbuf b = {0};
    bool html = f == F_HTML || f == F_MOODLE;

    if (!html) {
        sb_add(&b, s, (size_t)(end - s));
    } else {
        const char *p = s;
        while (p < end) {
            if (*p == '<' && p + 1 < end &&
                (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!')) {
                if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
                    const char *q = p + 4;
                    while (q + 3 <= end && memcmp(q, "-->", 3) != 0)
                        q++;
                    p = q + 3 <= end ? q + 3 : end;
                    continue;
                }
                /* The tag's end, past quoted attribute values. */
                const char *q = p + 1;
                char quote = 0;
                while (q < end && (quote || *q != '>')) {
                    if (quote && *q == quote)
                        quote = 0;
                    else if (!quote && (*q == '"' || *q == '\''))
                        quote = *q;
                    q++;
                }
                if (q == end) { /* no '>': a '<' of the text */
                    sb_ch(&b, *p++);
                    continue;
                }
                bool closing = p[1] == '/';
                char name[16];
                size_t n = 0;
                for (const char *t = p + 1 + closing;
                     t < q && n + 1 < sizeof name && isalnum((unsigned char)*t); t++)
                    name[n++] = (char)tolower((unsigned char)*t);
                name[n] = '\0';
                p = q + 1;
                if (!closing && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0)) {
                    p = skip_element(p, end, name);
                } else if (strcmp(name, "br") == 0 || strcmp(name, "tr") == 0) {
                    sb_ch(&b, '\n');
                } else if (strcmp(name, "li") == 0) {
                    /* The next item or the list's end breaks the line. */
                    if (!closing)
                        sb_add(&b, "\n\xE2\x80\xA2 ", 5);
                } else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
                    sb_ch(&b, ' ');
                } else if (strcmp(name, "img") == 0) {
                    (*images)++;
                } else if (block_tag(name)) {
                    sb_add(&b, "\n\n", 2);
                }
                continue;
            }
            if (*p == '&') {
                size_t n = entity(&b, p, end);
                if (n) {
                    p += n;
                    continue;
                }
            }
            if (*p == '\n') {
                sb_ch(&b, f == F_MOODLE ? '\n' : ' ');
                p++;
                continue;
            }
            sb_ch(&b, *p++);
        }
    }
    /* Tidy: spaces collapsed (HTML) and trimmed at the ends of lines; at
     * most one blank line in a row; none at the start or end. */
    size_t i = 0, nl = 0, spaces = 0;
    bool started = false;
    while (i < b.n) {
        char c = b.s[i++];
        if (c == '\n') {
            nl++;
            spaces = 0;
            continue;
        }
        if (c == ' ') {
            spaces++;
            continue;
        }
        if (started && nl) {
            sb_add(out, "\n\n", nl > 1 ? 2 : 1);
        } else if (started && spaces) {
            /* HTML collapses a run of spaces; plain text keeps it. */
            for (size_t k = 0; k < (html ? 1 : spaces); k++)
                sb_ch(out, ' ');
        }
        nl = 0;
        spaces = 0;
        started = true;
        sb_ch(out, c);
    }
    out->oom |= b.oom;
    free(b.s);
}

/* The escapes of GIFT: \~ \= \# \{ \} \: \\ are the character, \n a line
 * break; any other backslash is kept. The text has been checked to end
 * in no lone backslash. */
static void unescape(sbuf *out, const char *s, const char *end)
{
    while (s < end) {
        if (*s == '\\' && s + 1 < end && strchr("~=#{}:\\", s[1])) {
            sb_ch(out, s[1]);
            s += 2;
        } else if (*s == '\\' && s + 1 < end && s[1] == 'n') {
            sb_ch(out, '\n');
            s += 2;
        } else {
            sb_ch(out, *s++);
        }
    }
}

/* Unescaped, formatted and trimmed text of [s, end) in a new string; ""
 * when nothing is left. NULL when out of memory. */
static char *text_of(rd *r, const char *s, const char *end, int dflt, int line)
{
    sbuf raw = {0}, out = {0};
    int images = 0;
    int f = r->gift ? take_format(&s, end, dflt) : F_PLAIN;

    if (r->gift)
        unescape(&raw, s, end);
    else
        sb_add(&raw, s, (size_t)(end - s));
    const char *rs = raw.s ? raw.s : "";
    render(&out, rs, rs + raw.n, f, &images);
    if (images)
        note(r, line,
             "an image (<img>) is left out of the text: Synaq takes an item's image from a file "
             "beside the source ('image:')");
    free(raw.s);
    if (raw.oom || out.oom) {
        free(out.s);
        return NULL;
    }
    if (!out.s)
        return strdup("");
    return out.s;
}

/* ---------- GIFT ---------- */

/* The next character at or after s that is c and not escaped; NULL. */
static const char *find_plain(const char *s, const char *end, char c)
{
    for (; s < end; s++) {
        if (*s == '\\') {
            s++;
            continue;
        }
        if (*s == c)
            return s;
    }
    return NULL;
}

static const char *find_plain_str(const char *s, const char *end, const char *w)
{
    size_t n = strlen(w);
    for (; s + n <= end; s++) {
        if (*s == '\\') {
            s++;
            continue;
        }
        if (memcmp(s, w, n) == 0)
            return s;
    }
    return NULL;
}

static bool blank(const char *s, const char *end)
{
    for (; s < end; s++)
        if (*s != ' ' && *s != '\n')
            return false;
    return true;
}

static sq_status oom(rd *r)
{
    return seterr(r->err, SQ_ENOMEM, "%s: out of memory", r->name);
}

static sq_status set_text(rd *r, char **dst, const char *s, const char *end, int f, int line,
                          const char *what, bool may_be_empty)
{
    char *t = text_of(r, s, end, f, line);
    if (!t)
        return oom(r);
    if (!*t && !may_be_empty) {
        free(t);
        return bad(r, line, "%s is empty", what);
    }
    if (strlen(t) > MQ_TEXT_MAX) {
        free(t);
        return bad(r, line, "%s is longer than %u bytes", what, MQ_TEXT_MAX);
    }
    if (!*t) {
        free(t);
        t = NULL;
    }
    *dst = t;
    return SQ_OK;
}

static bool close_to(double a, double b)
{
    return fabs(a - b) <= 0.01;
}

/* The weight %N% at s (Moodle's grade, -100..100); 0: none, 1: read, -1: bad. */
static int take_weight(const char **s, const char *end, double *w)
{
    const char *p = *s;
    if (p >= end || *p != '%')
        return 0;
    const char *q = memchr(p + 1, '%', (size_t)(end - p - 1));
    if (!q || q - p > 16)
        return -1;
    char buf[20];
    memcpy(buf, p + 1, (size_t)(q - p - 1));
    buf[q - p - 1] = '\0';
    char *e;
    double v = strtod(buf, &e);
    if (e == buf || *e || !(v >= -100 && v <= 100))
        return -1;
    *w = v;
    *s = q + 1;
    return 1;
}

static void fmt_pct(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.5g%%", v);
}

/* The answers of a multiple-choice block [s, end) into q. */
static sq_status gift_choices(rd *r, chunk *c, mq_q *q, const char *s, const char *end, int f)
{
    const char *base = c->s.s;
    const char *p = s;
    while (p < end && (*p == ' ' || *p == '\n'))
        p++;
    if (p < end && *p != '~' && *p != '=')
        return bad(r, line_at(c, (size_t)(p - base)),
                   "text before the first answer: every answer starts with ~ (wrong) or = "
                   "(right)");
    int nright = 0;
    while (p < end) {
        const char *a = p + 1, *next = a;
        int line = line_at(c, (size_t)(p - base));
        /* The answer runs to the next unescaped ~ or =. */
        while (next < end && *next != '~' && *next != '=') {
            if (*next == '\\')
                next++;
            next++;
        }
        if (next > end)
            next = end;
        if (q->nopt == MQ_MAX_OPTIONS)
            return bad(r, line, "more than %d answers: a Synaq item has 2 to %d options",
                       MQ_MAX_OPTIONS, MQ_MAX_OPTIONS);
        mq_opt *o = &q->opt[q->nopt++];
        bool eq = *p == '=';
        o->weight = eq ? 100 : 0;
        while (a < next && (*a == ' ' || *a == '\n'))
            a++;
        double w;
        int wr = take_weight(&a, next, &w);
        if (wr < 0)
            return bad(r, line, "answer %d: a weight is written %%N%% with N from -100 to 100",
                       q->nopt);
        if (wr > 0)
            o->weight = w;
        const char *hash = find_plain(a, next, '#');
        sq_status st = set_text(r, &o->text, a, hash ? hash : next, f, line, "an answer", false);
        if (st == SQ_OK && hash)
            st = set_text(r, &o->feedback, hash + 1, next, f, line, "feedback", true);
        if (st != SQ_OK)
            return st;
        o->correct = o->weight >= 100 - 1e-9;
        nright += eq;
        p = next;
    }
    if (q->nopt < 2)
        return bad(r, q->line, "Question must have at least 2 answers");

    char wbuf[32];
    if (nright > 0) {
        /* Moodle's single answer: the = answers are worth 100%, a ~ answer
         * its weight. Synaq's single choice is all or nothing. */
        int ncorrect = 0;
        q->kind = K_SINGLE;
        for (int i = 0; i < q->nopt; i++) {
            mq_opt *o = &q->opt[i];
            ncorrect += o->correct;
            if (!o->correct && !close_to(o->weight, 0)) {
                fmt_pct(wbuf, sizeof wbuf, o->weight);
                return bad(r, q->line,
                           "answer %d is worth %s: Synaq scores a single-choice question all or "
                           "nothing (the right answer 100%%, any other 0), so partial or "
                           "negative credit cannot be kept; make it %%0%% or write the question "
                           "as a multiple-answer one",
                           i + 1, wbuf);
            }
        }
        if (ncorrect == 0) /* =%0%a: a right answer worth nothing */
            return bad(r, q->line, "No correct answer: one of the choices should be 100%%");
        if (ncorrect > 1)
            return bad(r, q->line,
                       "%d answers are marked right: a single-choice question has exactly one "
                       "(for several right answers, give them weights such as ~%%50%%)",
                       ncorrect);
        return SQ_OK;
    }

    /* Moodle's multiple answers: the weights of the chosen answers add up,
     * between 0 and 100%. Synaq's partial scoring gives (right - wrong) /
     * right answers, never below 0: the same only when each right answer
     * is worth 100/k % and each wrong one -100/k %. */
    double pos = 0;
    int k = 0;
    for (int i = 0; i < q->nopt; i++)
        if (q->opt[i].weight > 0) {
            pos += q->opt[i].weight;
            k++;
        }
    if (k == 0)
        return bad(r, q->line,
                   "No correct answer: one of the choices should be 100%%, or the positive "
                   "weights add up to 100%%");
    if (!close_to(pos, 100)) {
        fmt_pct(wbuf, sizeof wbuf, pos);
        return bad(r, q->line,
                   "The positive grades you have chosen do not add up to 100%%: they add up to %s",
                   wbuf);
    }
    q->kind = K_MULTIPLE;
    for (int i = 0; i < q->nopt; i++) {
        mq_opt *o = &q->opt[i];
        double want = o->weight > 0 ? 100.0 / k : -100.0 / k;
        if (!close_to(o->weight, want)) {
            char want_buf[32];
            fmt_pct(wbuf, sizeof wbuf, o->weight);
            fmt_pct(want_buf, sizeof want_buf, want);
            return bad(r, q->line,
                       "answer %d is worth %s: Synaq scores a multiple-answer question as "
                       "(right choices - wrong choices) / right answers, which is Moodle's "
                       "scoring only when each of the %d right answers is worth %.5g%% and "
                       "each wrong one %s; change the weights, or the scores would differ",
                       i + 1, wbuf, k, 100.0 / k, want_buf);
        }
        o->correct = o->weight > 0;
    }
    return SQ_OK;
}

/* {T}, {FALSE#wrong#right}: Moodle's first feedback is for a wrong
 * answer, the second for a right one. */
static sq_status gift_truefalse(rd *r, mq_q *q, const char *s, const char *end, int f, int line)
{
    const char *h1 = find_plain(s, end, '#');
    const char *h2 = h1 ? find_plain(h1 + 1, end, '#') : NULL;
    char *wrong = NULL, *right = NULL;
    sq_status st = SQ_OK;

    q->kind = K_TRUEFALSE;
    while (s < end && *s == ' ')
        s++;
    q->answer = *s == 'T' || *s == 't';
    if (h1)
        st = set_text(r, &wrong, h1 + 1, h2 ? h2 : end, f, line, "feedback", true);
    if (st == SQ_OK && h2)
        st = set_text(r, &right, h2 + 1, end, f, line, "feedback", true);
    if (st != SQ_OK) {
        free(wrong);
        free(right);
        return st;
    }
    q->fb_true = q->answer ? right : wrong;
    q->fb_false = q->answer ? wrong : right;
    return SQ_OK;
}

static bool is_tf_word(const char *s, const char *end)
{
    static const char *const words[] = {"T", "F", "TRUE", "FALSE"};
    while (s < end && (*s == ' ' || *s == '\n'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\n'))
        end--;
    for (int i = 0; i < 4; i++)
        if ((size_t)(end - s) == strlen(words[i]) &&
            strncasecmp(s, words[i], (size_t)(end - s)) == 0)
            return true;
    return false;
}

/* $CATEGORY: $course$/top/Law/Elections -> "Elections". */
static sq_status gift_category(rd *r, chunk *c)
{
    const char *s = c->s.s + strlen("$CATEGORY:"), *end = c->s.s + c->s.n;
    int line = c->lines[0];
    sbuf raw = {0};
    while (s < end && (*s == ' ' || *s == '\n'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '/'))
        end--;
    const char *last = s;
    for (const char *p = s; p < end; p++)
        if (*p == '/')
            last = p + 1;
    unescape(&raw, last, end);
    if (raw.oom)
        return oom(r);
    if (!raw.s || blank(raw.s, raw.s + raw.n) || raw.s[0] == '$' ||
        (raw.n == 3 && strcmp(raw.s, "top") == 0)) {
        /* The top of a context: questions go to no category of their own. */
        free(raw.s);
        r->category = -1;
        return SQ_OK;
    }
    for (size_t i = 0; i < raw.n; i++)
        if (raw.s[i] == '\n')
            raw.s[i] = ' ';
    if (raw.n > 256) {
        free(raw.s);
        return bad(r, line, "the category's name is longer than 256 bytes");
    }
    mq_lang *L = r->L;
    for (size_t i = 0; i < L->ncat; i++)
        if (strcmp(L->cat[i], raw.s) == 0) {
            free(raw.s);
            r->category = (int)i;
            return SQ_OK;
        }
    if (L->ncat == MQ_CAT_MAX) {
        free(raw.s);
        return bad(r, line, "more than %d categories", MQ_CAT_MAX);
    }
    char **cat = realloc(L->cat, (L->ncat + 1) * sizeof *cat);
    if (cat)
        L->cat = cat;
    int *cl = cat ? realloc(L->cat_line, (L->ncat + 1) * sizeof *cl) : NULL;
    if (cl)
        L->cat_line = cl;
    const char **cf = cl ? realloc(L->cat_file, (L->ncat + 1) * sizeof *cf) : NULL;
    if (!cf) {
        free(raw.s);
        return oom(r);
    }
    L->cat_file = cf;
    L->cat[L->ncat] = raw.s;
    L->cat_line[L->ncat] = line;
    L->cat_file[L->ncat] = r->b->files[r->b->nfiles - 1];
    r->category = (int)L->ncat++;
    return SQ_OK;
}

static sq_status add_question(rd *r, mq_q *q)
{
    mq_lang *L = r->L;
    if (L->n == MQ_MAX_QUESTIONS)
        return bad(r, q->line, "more than %d questions", MQ_MAX_QUESTIONS);
    if (q->title) {
        json_t *first = json_object_get(L->titles, q->title);
        if (first) {
            const mq_q *f = &L->q[json_integer_value(first)];
            if (f->file == q->file)
                return bad(r, q->line, "duplicate title '%.80s' (first at line %d)", q->title,
                           f->line);
            return bad(r, q->line, "duplicate title '%.80s' (first at %s:%d)", q->title, f->file,
                       f->line);
        }
    }
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 64;
        mq_q *v = realloc(L->q, cap * sizeof *v);
        if (!v)
            return oom(r);
        L->q = v;
        L->cap = cap;
    }
    if (q->title && json_object_set_new(L->titles, q->title, json_integer((json_int_t)L->n)))
        return oom(r);
    L->q[L->n++] = *q;
    memset(q, 0, sizeof *q);
    return SQ_OK;
}

/* One GIFT question (or $CATEGORY) from its chunk. */
static sq_status gift_question(rd *r, chunk *c)
{
    const char *base = c->s.s, *s = base, *end = base + c->s.n;
    mq_q q = {0};
    sq_status st = SQ_OK;

    if (c->s.n >= 10 && memcmp(s, "$CATEGORY:", 10) == 0)
        return gift_category(r, c);
    q.file = r->b->files[r->b->nfiles - 1];
    q.line = c->lines[0];
    q.category = r->category;

    /* A backslash must escape something. */
    for (const char *p = s; p < end; p++)
        if (*p == '\\') {
            if (p + 1 == end || p[1] == '\n')
                return bad(r, line_at(c, (size_t)(p - base)),
                           "a backslash at the end of a line escapes nothing (write \\\\ for a "
                           "backslash)");
            p++;
        }

    if (end - s >= 2 && s[0] == ':' && s[1] == ':') {
        const char *close = find_plain_str(s + 2, end, "::");
        if (!close)
            return bad(r, q.line, "the title '::' is not closed with '::'");
        st = set_text(r, &q.title, s + 2, close, F_PLAIN, q.line, "the title", true);
        if (st != SQ_OK)
            goto out;
        s = close + 2;
    }
    int f = take_format(&s, end, F_MOODLE);
    const char *open = find_plain(s, end, '{');
    if (!open) {
        /* No answers: Moodle's description, unless answers were written
         * without their braces. */
        for (const char *p = s; p < end; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : end) {
            const char *t = p;
            while (t < end && *t == ' ')
                t++;
            if (t < end && (*t == '=' || *t == '~')) {
                st = bad(r, line_at(c, (size_t)(t - base)),
                         "Could not find {...} around answers: an answer (%c) outside braces", *t);
                goto out;
            }
        }
        st = skip(r, q.line, "a description (text with no answers)");
        goto out;
    }
    const char *close = find_plain(open + 1, end, '}');
    if (!close) {
        st = bad(r, line_at(c, (size_t)(open - base)),
                 "Could not find {...} around answers: the '{' is not closed");
        goto out;
    }
    if (find_plain(close + 1, end, '{')) {
        st = skip(r, q.line, "an embedded-answers (cloze) question, with more than one {...}");
        goto out;
    }
    if (find_plain(open + 1, close, '{')) {
        st = bad(r, line_at(c, (size_t)(open - base)),
                 "a '{' inside the answers: write \\{ for a brace in a text");
        goto out;
    }
    if (find_plain(close + 1, end, '}')) {
        st = bad(r, line_at(c, (size_t)(find_plain(close + 1, end, '}') - base)),
                 "a '}' with no '{' before it: write \\} for a brace in a text");
        goto out;
    }

    /* The answers, with Moodle's rule for the kind. */
    const char *a = open + 1, *aend = close;
    while (a < aend && (*a == ' ' || *a == '\n'))
        a++;
    int aline = line_at(c, (size_t)(open - base));
    const char *general = find_plain_str(a, aend, "####");
    const char *kind_end = general ? general : aend;
    if (blank(a, kind_end)) {
        st = skip(r, q.line, "an essay question ({})");
        goto out;
    }
    if (*a == '#') {
        st = skip(r, q.line, "a numerical question ({#...})");
        goto out;
    }
    bool tilde = find_plain(a, kind_end, '~') != NULL;
    const char *h = find_plain(a, kind_end, '#');
    if (!tilde && find_plain(a, kind_end, '=') && find_plain_str(a, kind_end, "->")) {
        st = skip(r, q.line, "a matching question (=... -> ...)");
        goto out;
    }
    if (!tilde && is_tf_word(a, h ? h : kind_end)) {
        st = gift_truefalse(r, &q, a, kind_end, f, aline);
    } else if (!tilde) {
        st = skip(r, q.line, "a short-answer question (only = answers)");
        goto out;
    } else {
        st = gift_choices(r, c, &q, a, kind_end, f);
    }
    if (st != SQ_OK)
        goto out;
    if (general) {
        st = set_text(r, &q.explanation, general + 4, aend, f, aline, "the general feedback", true);
        if (st != SQ_OK)
            goto out;
    }

    /* The question's text; text after the answers makes Moodle's
     * "missing word" form, the answers standing for a blank. */
    char *before = NULL, *after = NULL;
    st = set_text(r, &before, s, open, f, q.line, "the question's text", true);
    if (st == SQ_OK)
        st = set_text(r, &after, close + 1, end, f, q.line, "the question's text", true);
    if (st == SQ_OK && !before && !after)
        st = bad(r, q.line, "No valid question found: the question has no text");
    if (st == SQ_OK) {
        size_t n1 = before ? strlen(before) : 0, n2 = after ? strlen(after) : 0;
        q.text = malloc(n1 + n2 + 16);
        if (!q.text)
            st = oom(r);
        else if (after)
            snprintf(q.text, n1 + n2 + 16, "%s%s_____ %s", before ? before : "", before ? " " : "",
                     after);
        else
            snprintf(q.text, n1 + 1, "%s", before);
        if (st == SQ_OK && strlen(q.text) > MQ_TEXT_MAX)
            st = bad(r, q.line, "the question's text is longer than %u bytes", MQ_TEXT_MAX);
    }
    free(before);
    free(after);
    if (st == SQ_OK)
        st = add_question(r, &q);
out:
    q_free(&q);
    return st;
}

static bool chunk_line(chunk *c, const char *s, size_t n, int line)
{
    if (c->nlines == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        int *v = realloc(c->lines, cap * sizeof *v);
        if (!v)
            return false;
        c->lines = v;
        c->cap = cap;
    }
    if (c->nlines)
        sb_ch(&c->s, '\n');
    sb_add(&c->s, s, n);
    c->lines[c->nlines++] = line;
    return !c->s.oom;
}

static sq_status read_gift(rd *r)
{
    chunk c = {0};
    const char *p = r->text, *end = r->text + r->len;
    int line = 1;
    sq_status st = SQ_OK;

    r->category = -1;
    while (st == SQ_OK) {
        const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        const char *le = nl ? nl : end;
        const char *t = p;
        while (t < le && *t == ' ')
            t++;
        bool at_end = p >= end;
        if (at_end || t == le) {
            /* A blank line (or the end) ends a question. */
            if (c.nlines) {
                st = gift_question(r, &c);
                c.s.n = 0;
                c.nlines = 0;
            }
            if (at_end)
                break;
        } else if (!(le - t >= 2 && t[0] == '/' && t[1] == '/')) {
            /* Trailing spaces go; a comment line is left out altogether. */
            const char *e = le;
            while (e > t && e[-1] == ' ')
                e--;
            if (!chunk_line(&c, t, (size_t)(e - t), line))
                st = oom(r);
        }
        p = nl ? nl + 1 : end;
        line++;
    }
    free(c.s.s);
    free(c.lines);
    return st;
}

/* ---------- Aiken ---------- */

static sq_status aiken_finish(rd *r, mq_q *q, const char *ans, const char *le, int line)
{
    while (ans < le && *ans == ' ')
        ans++;
    const char *e = le;
    while (e > ans && e[-1] == ' ')
        e--;
    if (q->nopt < 2)
        return bad(r, line, "Question must have at least 2 answers on line %d", line);
    if (e - ans != 1 || *ans < 'A' || *ans >= 'A' + q->nopt)
        return bad(r, line, "the ANSWER '%.*s' is not the letter of one of the answers (A to %c)",
                   (int)(e - ans > 20 ? 20 : e - ans), ans, 'A' + q->nopt - 1);
    q->opt[*ans - 'A'].correct = true;
    q->opt[*ans - 'A'].weight = 100;
    q->kind = K_SINGLE;
    return add_question(r, q);
}

static sq_status read_aiken(rd *r)
{
    const char *p = r->text, *end = r->text + r->len;
    int line = 1;
    mq_q q = {0};
    sbuf text = {0};
    bool open = false;
    sq_status st = SQ_OK;

    for (; p < end && st == SQ_OK; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *t = p, *e = le;
        p = nl ? nl + 1 : end;
        while (t < le && *t == ' ')
            t++;
        while (e > t && e[-1] == ' ')
            e--;
        if (t == e)
            continue;
        if (e - t >= 7 && strncmp(t, "ANSWER:", 7) == 0) {
            if (!open) {
                st = bad(r, line, "an ANSWER: line with no question before it");
                break;
            }
            st = aiken_finish(r, &q, t + 7, e, line);
            q_free(&q);
            open = false;
            continue;
        }
        bool option =
            e - t >= 3 && *t >= 'A' && *t <= 'Z' && (t[1] == ')' || t[1] == '.') && t[2] == ' ';
        if (option && open && (text.n > 0)) {
            if (q.nopt == 0) {
                st = set_text(r, &q.text, text.s, text.s + text.n, F_PLAIN, q.line,
                              "the question's text", false);
                if (st != SQ_OK)
                    break;
            }
            if (*t != 'A' + q.nopt) {
                st = bad(r, line,
                         "answer '%c' where '%c' was expected: the answers are "
                         "lettered A, B, C, ... in order",
                         *t, 'A' + (q.nopt < 26 ? q.nopt : 25));
                break;
            }
            if (q.nopt == MQ_MAX_OPTIONS) {
                st = bad(r, line, "more than %d answers: a Synaq item has 2 to %d options",
                         MQ_MAX_OPTIONS, MQ_MAX_OPTIONS);
                break;
            }
            st = set_text(r, &q.opt[q.nopt].text, t + 3, e, F_PLAIN, line, "an answer", false);
            q.nopt++;
            continue;
        }
        if (open && q.nopt > 0) {
            st = bad(r, q.line,
                     "Question not complete on line %d: no ANSWER: line after its "
                     "answers",
                     q.line);
            break;
        }
        if (!open) {
            q.file = r->b->files[r->b->nfiles - 1];
            q.line = line;
            q.category = -1;
            text.n = 0;
            open = true;
        } else {
            sb_ch(&text, '\n');
        }
        sb_add(&text, t, (size_t)(e - t));
        if (text.oom)
            st = oom(r);
    }
    if (st == SQ_OK && open)
        st = bad(r, q.line,
                 "Question not complete on line %d: the file ends before its ANSWER: line", q.line);
    q_free(&q);
    free(text.s);
    return st;
}

/* ---------- one file ---------- */

static int lang_index(const char *l)
{
    for (int i = 0; l && i < SQ_NLANGS; i++)
        if (strcmp(l, langs[i]) == 0)
            return i;
    return -1;
}

sq_status moodle_bank_read(moodle_bank *b, const char *name, const char *text, size_t len,
                           const char *lang, bool strict, moodle_note_fn notefn, void *ctx,
                           sq_err *err)
{
    int li = lang_index(lang);
    if (!b || (!text && len))
        return seterr(err, SQ_EINVAL, "moodle_bank_read: no bank or no text");
    if (!name)
        name = "questions";
    if (li < 0)
        return seterr(err, SQ_EINVAL, "%s: the language must be kk, ru or en, not '%.20s'", name,
                      lang ? lang : "");
    char **files = realloc(b->files, (b->nfiles + 1) * sizeof *files);
    if (!files)
        return seterr(err, SQ_ENOMEM, "%s: out of memory", name);
    b->files = files;
    if (!(b->files[b->nfiles] = strdup(name)))
        return seterr(err, SQ_ENOMEM, "%s: out of memory", name);
    b->nfiles++;

    mq_lang *L = &b->lang[li];
    size_t n0 = L->n, c0 = L->ncat;
    rd r = {b,   L,  b->files[b->nfiles - 1], NULL, 0, strict, notefn, ctx,
            err, -1, b->fmt == MOODLE_GIFT};
    sq_status st = normalise(&r, text ? text : "", len);
    if (st == SQ_OK)
        st = b->fmt == MOODLE_GIFT ? read_gift(&r) : read_aiken(&r);
    if (st == SQ_OK && L->n == n0)
        st = seterr(err, SQ_EINVAL, "%s:1: There are no questions in the import file%s", name,
                    blank(r.text, r.text + r.len) ? " (it is empty)" : " that Synaq can give");
    free(r.text);
    if (st != SQ_OK) {
        /* The bank as it was: this file's questions and categories go. */
        for (size_t i = n0; i < L->n; i++) {
            if (L->q[i].title)
                json_object_del(L->titles, L->q[i].title);
            q_free(&L->q[i]);
        }
        L->n = n0;
        for (size_t i = c0; i < L->ncat; i++)
            free(L->cat[i]);
        L->ncat = c0;
        return st;
    }
    if (!L->used) {
        L->used = true;
        b->order[b->nlangs++] = li;
    }
    return SQ_OK;
}

/* ---------- merging and writing ---------- */

typedef struct {
    yaml_emitter_t em;
    sbuf out;
    bool failed;
} yw;

static int yw_write(void *data, unsigned char *buf, size_t size)
{
    yw *w = data;
    sb_add(&w->out, (const char *)buf, size);
    return !w->out.oom;
}

static void y_emit(yw *w, yaml_event_t *ev)
{
    if (w->failed || !yaml_emitter_emit(&w->em, ev))
        w->failed = true;
}

static void y_scalar(yw *w, const char *s, bool plain_ok)
{
    yaml_event_t ev;
    yaml_scalar_style_t style = strchr(s, '\n') ? YAML_LITERAL_SCALAR_STYLE
                                : plain_ok      ? YAML_PLAIN_SCALAR_STYLE
                                                : YAML_ANY_SCALAR_STYLE;
    if (w->failed || !yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
                                                   (int)strlen(s), 1, 1, style)) {
        w->failed = true;
        return;
    }
    y_emit(w, &ev);
}

/* A key with a value the source reads as a number or boolean: plain. */
static void y_kv(yw *w, const char *k, const char *v)
{
    y_scalar(w, k, true);
    y_scalar(w, v, true);
}

/* A key with a text: quoted whenever YAML would read it otherwise. */
static void y_kt(yw *w, const char *k, const char *v)
{
    y_scalar(w, k, true);
    y_scalar(w, v, false);
}

static void y_int(yw *w, const char *k, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    y_kv(w, k, buf);
}

static void y_map(yw *w, bool flow)
{
    yaml_event_t ev;
    if (w->failed ||
        !yaml_mapping_start_event_initialize(
            &ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE)) {
        w->failed = true;
        return;
    }
    y_emit(w, &ev);
}

static void y_map_end(yw *w)
{
    yaml_event_t ev;
    if (w->failed || !yaml_mapping_end_event_initialize(&ev)) {
        w->failed = true;
        return;
    }
    y_emit(w, &ev);
}

static void y_seq(yw *w)
{
    yaml_event_t ev;
    if (w->failed ||
        !yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE)) {
        w->failed = true;
        return;
    }
    y_emit(w, &ev);
}

static void y_seq_end(yw *w)
{
    yaml_event_t ev;
    if (w->failed || !yaml_sequence_end_event_initialize(&ev)) {
        w->failed = true;
        return;
    }
    y_emit(w, &ev);
}

/* A text map of the languages whose texts t[l] are not NULL; nothing when
 * none is. */
static void y_text(yw *w, const char *key, const char *const t[SQ_NLANGS])
{
    bool any = false;
    for (int l = 0; l < SQ_NLANGS; l++)
        any |= t[l] != NULL;
    if (!any)
        return;
    y_scalar(w, key, true);
    y_map(w, false);
    for (int l = 0; l < SQ_NLANGS; l++)
        if (t[l])
            y_kt(w, langs[l], t[l]);
    y_map_end(w);
}

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* A topic id from a category's name: its ASCII letters and digits,
 * lowercased, words joined by '-'; "" when it has none. */
static void topic_id(char *buf, size_t size, const char *name)
{
    size_t n = 0;
    bool dash = false;
    for (const char *p = name; *p && n + 1 < size && n < 40; p++) {
        char c = (char)tolower((unsigned char)*p);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && n)
                buf[n++] = '-';
            if (n + 1 < size)
                buf[n++] = c;
            dash = false;
        } else {
            dash = true;
        }
    }
    buf[n] = '\0';
}

static const char *kind_word(int k)
{
    return kind_words[k];
}

/* Whether question a (of the first language) and b say the same thing
 * in structure; a message when not. */
static sq_status same_structure(const mq_q *a, const mq_q *b, const char *what, sq_err *err)
{
    if (a->kind != b->kind)
        return seterr(err, SQ_EINVAL, "%s:%d: %s is %s here and %s at %s:%d", b->file, b->line,
                      what, kind_word(b->kind), kind_word(a->kind), a->file, a->line);
    if (a->kind == K_TRUEFALSE) {
        if (a->answer != b->answer)
            return seterr(err, SQ_EINVAL,
                          "%s:%d: %s has different right answers: %s here, %s at %s:%d", b->file,
                          b->line, what, b->answer ? "true" : "false", a->answer ? "true" : "false",
                          a->file, a->line);
        return SQ_OK;
    }
    if (a->nopt != b->nopt)
        return seterr(err, SQ_EINVAL,
                      "%s:%d: %s has a different option count: %d answers here, "
                      "%d at %s:%d",
                      b->file, b->line, what, b->nopt, a->nopt, a->file, a->line);
    for (int i = 0; i < a->nopt; i++)
        if (a->opt[i].correct != b->opt[i].correct || !close_to(a->opt[i].weight, b->opt[i].weight))
            return seterr(err, SQ_EINVAL,
                          "%s:%d: %s has different right answers: answer %d is %s here and %s at "
                          "%s:%d",
                          b->file, b->line, what, i + 1, b->opt[i].correct ? "right" : "wrong",
                          a->opt[i].correct ? "right" : "wrong", a->file, a->line);
    return SQ_OK;
}

/* match[l][i]: the question of language l that goes with the first
 * language's question i. */
static sq_status merge(const moodle_bank *b, size_t **match, sq_err *err)
{
    const mq_lang *P = &b->lang[b->order[0]];
    for (int k = 1; k < b->nlangs; k++) {
        int l = b->order[k];
        const mq_lang *L = &b->lang[l];
        size_t *m = match[l];
        if (b->fmt == MOODLE_AIKEN) {
            /* Aiken has no titles: the questions go together in order. */
            if (L->n != P->n)
                return seterr(err, SQ_EINVAL,
                              "the %s file(s) hold %zu questions and the %s file(s) %zu: Aiken "
                              "files of several languages are merged in order, so they must hold "
                              "the same questions",
                              langs[b->order[0]], P->n, langs[l], L->n);
            for (size_t i = 0; i < P->n; i++)
                m[i] = i;
        } else {
            for (size_t i = 0; i < P->n; i++) {
                const mq_q *q = &P->q[i];
                if (!q->title)
                    return seterr(err, SQ_EINVAL,
                                  "%s:%d: the question has no ::title::; files of several "
                                  "languages are merged by title, so every question needs one",
                                  q->file, q->line);
                json_t *j = json_object_get(L->titles, q->title);
                if (!j)
                    return seterr(err, SQ_EINVAL,
                                  "%s:%d: missing title: question '%.80s' is not in the %s "
                                  "file(s)",
                                  q->file, q->line, q->title, langs[l]);
                m[i] = (size_t)json_integer_value(j);
            }
            for (size_t i = 0; i < L->n; i++) {
                const mq_q *q = &L->q[i];
                if (!q->title || !json_object_get(P->titles, q->title))
                    return seterr(err, SQ_EINVAL,
                                  "%s:%d: missing title: question '%.80s' is not in the %s "
                                  "file(s)",
                                  q->file, q->line, q->title ? q->title : "(no ::title::)",
                                  langs[b->order[0]]);
            }
        }
        if (L->ncat != P->ncat)
            return seterr(err, SQ_EINVAL,
                          "the %s file(s) have %zu categories and the %s file(s) %zu: files of "
                          "several languages must have the same $CATEGORY: lines in the same "
                          "order",
                          langs[b->order[0]], P->ncat, langs[l], L->ncat);
        for (size_t i = 0; i < P->n; i++) {
            const mq_q *a = &P->q[i], *q = &L->q[m[i]];
            char what[128];
            if (a->title)
                snprintf(what, sizeof what, "question '%.80s'", a->title);
            else
                snprintf(what, sizeof what, "question %zu", i + 1);
            sq_status st = same_structure(a, q, what, err);
            if (st != SQ_OK)
                return st;
            if (a->category != q->category)
                return seterr(err, SQ_EINVAL,
                              "%s:%d: %s is in category %d here and %d at %s:%d (counting the "
                              "$CATEGORY: lines in order)",
                              q->file, q->line, what, q->category + 1, a->category + 1, a->file,
                              a->line);
        }
    }
    return SQ_OK;
}

static sq_status check_exam(const moodle_exam *ex, sq_err *err)
{
    static const char *const modes[] = {"none", "score", "mistakes", "full"};
    size_t n = ex->id ? strlen(ex->id) : 0;
    bool ok = n >= 1 && n <= 63 && ex->id[0] != '.' && ex->id[0] != '-' && ex->id[0] != '_';
    for (size_t i = 0; ok && i < n; i++)
        ok = id_char(ex->id[i]) && !(ex->id[i] >= 'A' && ex->id[i] <= 'Z');
    if (!ok)
        return seterr(err, SQ_EINVAL,
                      "the exam id '%.70s' is not valid: 1 to 63 of a-z 0-9 . _ -, starting with "
                      "a letter or digit",
                      ex->id ? ex->id : "");
    if (!ex->title || !*ex->title || strlen(ex->title) > 1024 || strpbrk(ex->title, "\n\r\t"))
        return seterr(err, SQ_EINVAL, "the exam's title must be one line of text");
    if (ex->version < 1)
        return seterr(err, SQ_EINVAL, "the version must be 1 or more");
    if (ex->time_limit_min < 0 || ex->time_limit_min > 1440)
        return seterr(err, SQ_EINVAL, "the time limit must be 0..1440 minutes (0: none)");
    if (ex->pass_mark < 0 || ex->pass_mark > 100)
        return seterr(err, SQ_EINVAL, "the pass mark must be a percentage, 0..100");
    if (ex->attempts < 0 || ex->attempts > 1000)
        return seterr(err, SQ_EINVAL, "the attempts must be 0..1000 (0: unlimited)");
    if (ex->per_topic < 0)
        return seterr(err, SQ_EINVAL, "the items per topic must be 1 or more");
    if (ex->review_after) {
        int m = 0;
        while (m < 4 && strcmp(ex->review_after, modes[m]) != 0)
            m++;
        if (m == 4)
            return seterr(err, SQ_EINVAL, "review after must be none, score, mistakes or full");
    }
    return SQ_OK;
}

static void emit_item(yw *w, const moodle_bank *b, size_t i, size_t *const match[SQ_NLANGS],
                      const char *id, const char *topic)
{
    const mq_q *p = &b->lang[b->order[0]].q[i];
    const mq_q *q[SQ_NLANGS] = {NULL, NULL, NULL};
    const char *t[SQ_NLANGS];

    for (int k = 0; k < b->nlangs; k++) {
        int l = b->order[k];
        q[l] = &b->lang[l].q[k == 0 ? i : match[l][i]];
    }
    y_map(w, false);
    y_kt(w, "id", id);
    if (topic)
        y_kt(w, "topic", topic);
    y_kv(w, "type",
         p->kind == K_SINGLE     ? "single"
         : p->kind == K_MULTIPLE ? "multiple"
                                 : "truefalse");
    if (p->kind == K_MULTIPLE)
        y_kv(w, "scoring", "partial");
    if (p->kind == K_TRUEFALSE)
        y_kv(w, "answer", p->answer ? "yes" : "no");
#define TEXTS(expr)                                                                                \
    for (int l = 0; l < SQ_NLANGS; l++) {                                                          \
        const mq_q *x = q[l];                                                                      \
        t[l] = x ? (expr) : NULL;                                                                  \
    }
    TEXTS(x->text)
    y_text(w, "text", t);
    if (p->kind != K_TRUEFALSE) {
        y_scalar(w, "options", true);
        y_seq(w);
        for (int o = 0; o < p->nopt; o++) {
            y_map(w, false);
            for (int l = 0; l < SQ_NLANGS; l++)
                if (q[l])
                    y_kt(w, langs[l], q[l]->opt[o].text);
            if (p->opt[o].correct)
                y_kv(w, "correct", "yes");
            TEXTS(x->opt[o].feedback)
            y_text(w, "feedback", t);
            y_map_end(w);
        }
        y_seq_end(w);
    } else {
        TEXTS(x->fb_true)
        y_text(w, "feedback_true", t);
        TEXTS(x->fb_false)
        y_text(w, "feedback_false", t);
    }
    TEXTS(x->explanation)
    y_text(w, "explanation", t);
#undef TEXTS
    y_map_end(w);
}

sq_status moodle_bank_yaml(const moodle_bank *b, const moodle_exam *ex, char **out, size_t *len,
                           sq_err *err)
{
    size_t *match[SQ_NLANGS] = {NULL, NULL, NULL};
    char **ids = NULL, (*tids)[48] = NULL;
    json_t *seen = NULL;
    yw w;
    bool em_init = false;
    sq_status st = SQ_OK;

    if (!b || !ex || !out || !len)
        return seterr(err, SQ_EINVAL, "moodle_bank_yaml: no bank, exam or result");
    *out = NULL;
    *len = 0;
    memset(&w, 0, sizeof w);
    if ((st = check_exam(ex, err)) != SQ_OK)
        return st;
    if (moodle_bank_count(b) == 0)
        return seterr(err, SQ_EINVAL, "There are no questions in the import files");
    const mq_lang *P = &b->lang[b->order[0]];
    for (int k = 1; k < b->nlangs; k++) {
        match[b->order[k]] = calloc(P->n, sizeof **match);
        if (!match[b->order[k]]) {
            st = seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((st = merge(b, match, err)) != SQ_OK)
        goto out;

    /* Topics: one per category. Questions before the first $CATEGORY:
     * go to a topic of their own when there are categories at all, since
     * then every item needs a topic. */
    bool topics = P->ncat > 0, loose = false;
    for (size_t i = 0; i < P->n; i++)
        loose |= P->q[i].category < 0;
    size_t ntopics = P->ncat + (topics && loose);
    tids = calloc(ntopics + 1, sizeof *tids);
    ids = calloc(P->n, sizeof *ids);
    seen = json_object();
    if (!tids || !ids || !seen) {
        st = seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t c = 0; c < ntopics; c++) {
        char id[48];
        /* From the first language whose name of it has ASCII letters (a
         * Kazakh or Russian name has none), else by number. */
        id[0] = '\0';
        for (int k = 0; c < P->ncat && k < b->nlangs && !id[0]; k++)
            topic_id(id, sizeof id, b->lang[b->order[k]].cat[c]);
        if (c == P->ncat)
            snprintf(id, sizeof id, "general");
        else if (!id[0])
            snprintf(id, sizeof id, "topic-%zu", c + 1);
        snprintf(tids[c], sizeof tids[c], "%s", id);
        for (int n = 2; json_object_get(seen, tids[c]); n++)
            snprintf(tids[c], sizeof tids[c], "%.40s-%d", id, n);
        if (json_object_set_new(seen, tids[c], json_true())) {
            st = seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
    }
    json_object_clear(seen);
    /* Item ids: the title when it makes a valid id, else q1, q2, ... by
     * position; never twice. */
    for (size_t i = 0; i < P->n; i++) {
        char id[80];
        const char *t = P->q[i].title;
        size_t n = t ? strlen(t) : 0;
        bool ok = n >= 1 && n <= 63;
        for (size_t j = 0; ok && j < n; j++)
            ok = id_char(t[j]);
        if (ok)
            snprintf(id, sizeof id, "%s", t);
        else
            snprintf(id, sizeof id, "q%zu", i + 1);
        char buf[80];
        snprintf(buf, sizeof buf, "%s", id);
        for (int k = 2; json_object_get(seen, buf); k++)
            snprintf(buf, sizeof buf, "%.55s-%d", id, k);
        if (!(ids[i] = strdup(buf)) || json_object_set_new(seen, buf, json_true())) {
            st = seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (ex->per_topic > 0) {
        if (!topics) {
            st = seterr(err, SQ_EINVAL,
                        "items per topic need topics, and the files have no "
                        "$CATEGORY: lines");
            goto out;
        }
        for (size_t c = 0; c < ntopics; c++) {
            size_t have = 0;
            for (size_t i = 0; i < P->n; i++)
                have += (P->q[i].category < 0 ? P->ncat : (size_t)P->q[i].category) == c;
            if ((size_t)ex->per_topic > have) {
                st =
                    seterr(err, SQ_EINVAL, "%lld items per topic, but topic '%s' (%s) has only %zu",
                           (long long)ex->per_topic, tids[c],
                           c < P->ncat ? P->cat[c] : "questions before the first $CATEGORY:", have);
                goto out;
            }
        }
    }

    if (!yaml_emitter_initialize(&w.em)) {
        st = seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    em_init = true;
    yaml_emitter_set_output(&w.em, yw_write, &w);
    yaml_emitter_set_unicode(&w.em, 1);
    yaml_emitter_set_width(&w.em, 100);
    yaml_emitter_set_break(&w.em, YAML_LN_BREAK);
    if (ex->comment) {
        sb_add(&w.out, "# ", 2);
        sb_add(&w.out, ex->comment, strcspn(ex->comment, "\n"));
        sb_ch(&w.out, '\n');
    }
    yaml_event_t ev;
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING))
        w.failed = true;
    else
        y_emit(&w, &ev);
    if (!w.failed && yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1))
        y_emit(&w, &ev);
    else
        w.failed = true;
    y_map(&w, false);
    y_kt(&w, "exam", ex->id);
    y_int(&w, "version", ex->version);
    const char *t[SQ_NLANGS] = {NULL, NULL, NULL};
    for (int k = 0; k < b->nlangs; k++)
        t[b->order[k]] = ex->title;
    y_text(&w, "title", t);
    y_int(&w, "time_limit", ex->time_limit_min);
    y_int(&w, "pass_mark", ex->pass_mark);
    y_int(&w, "attempts", ex->attempts);
    if (ex->review_after)
        y_kv(&w, "review_after", ex->review_after);
    if (topics) {
        y_scalar(&w, "topics", true);
        y_map(&w, false);
        for (size_t c = 0; c < ntopics; c++) {
            for (int l = 0; l < SQ_NLANGS; l++)
                t[l] = NULL;
            for (int k = 0; k < b->nlangs; k++)
                t[b->order[k]] = c < P->ncat ? b->lang[b->order[k]].cat[c] : ex->title;
            y_text(&w, tids[c], t);
        }
        y_map_end(&w);
        if (ex->per_topic > 0) {
            y_scalar(&w, "blueprint", true);
            y_map(&w, false);
            for (size_t c = 0; c < ntopics; c++)
                y_int(&w, tids[c], ex->per_topic);
            y_map_end(&w);
        }
    }
    y_scalar(&w, "items", true);
    y_seq(&w);
    for (size_t i = 0; i < P->n && !w.failed; i++) {
        int c = P->q[i].category;
        emit_item(&w, b, i, match, ids[i], !topics ? NULL : c < 0 ? tids[P->ncat] : tids[c]);
    }
    y_seq_end(&w);
    y_map_end(&w);
    if (!w.failed && yaml_document_end_event_initialize(&ev, 1))
        y_emit(&w, &ev);
    else
        w.failed = true;
    if (!w.failed && yaml_stream_end_event_initialize(&ev))
        y_emit(&w, &ev);
    else
        w.failed = true;
    if (w.failed || w.out.oom) {
        st = w.out.oom || w.em.error == YAML_MEMORY_ERROR
                 ? seterr(err, SQ_ENOMEM, "out of memory writing YAML")
                 : seterr(err, SQ_EINVAL, "cannot write YAML: %s",
                          w.em.problem ? w.em.problem : "emitter error");
        goto out;
    }
    *out = w.out.s;
    *len = w.out.n;
    w.out.s = NULL;
out:
    if (em_init)
        yaml_emitter_delete(&w.em);
    free(w.out.s);
    for (int l = 0; l < SQ_NLANGS; l++)
        free(match[l]);
    for (size_t i = 0; ids && i < P->n; i++)
        free(ids[i]);
    free(ids);
    free(tids);
    json_decref(seen);
    return st;
}
