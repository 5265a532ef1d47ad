/*
 * markup.c - the markup of a lesson page (synaq/markup.h; assets/README.md,
 * "Lessons"): a small, strict subset of Markdown. What it does not know
 * is a mistake with its line, never text shown as typed.
 *
 * Load: a page is a few KiB (64 KiB at most); one pass over the bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util_int.h"
#include "synaq/markup.h"

#define BLOCKS_MAX 4000

/* ---------- the markup ---------- */

typedef struct {
    sq_lesson_page *pg;
    size_t cap;
    /* the block being gathered: its raw lines, joined by '\n' */
    int kind, number, line;
    char *raw;
    size_t raw_len, raw_cap;
    int *err_line;
    sq_err *err;
} parser;

static sq_status perr(parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static sq_status perr(parser *p, int line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->err_line)
        *p->err_line = line;
    return sqi_seterr(p->err, SQ_EINVAL, "%s", msg);
}

static sq_status oom(parser *p)
{
    return sqi_seterr(p->err, SQ_ENOMEM, "out of memory reading a lesson page");
}

static sq_lesson_block *new_block(parser *p, int kind, int line)
{
    if (p->pg->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        sq_lesson_block *b = realloc(p->pg->blocks, cap * sizeof *b);
        if (!b)
            return NULL;
        p->pg->blocks = b;
        p->cap = cap;
    }
    sq_lesson_block *b = &p->pg->blocks[p->pg->n++];
    memset(b, 0, sizeof *b);
    b->kind = (sq_lesson_kind)kind;
    b->line = line;
    return b;
}

static bool raw_add(parser *p, const char *s, size_t n)
{
    if (p->raw_len + n + 2 > p->raw_cap) {
        size_t cap = (p->raw_len + n + 2) * 2;
        char *r = realloc(p->raw, cap);
        if (!r)
            return false;
        p->raw = r;
        p->raw_cap = cap;
    }
    if (p->raw_len)
        p->raw[p->raw_len++] = '\n';
    memcpy(p->raw + p->raw_len, s, n);
    p->raw_len += n;
    p->raw[p->raw_len] = 0;
    return true;
}

static bool run_add(sq_lesson_block *b, size_t *cap, uint32_t start, uint32_t len, uint8_t style)
{
    if (len == 0)
        return true;
    if (b->n_runs && b->runs[b->n_runs - 1].style == style &&
        b->runs[b->n_runs - 1].start + b->runs[b->n_runs - 1].len == start) {
        b->runs[b->n_runs - 1].len += len;
        return true;
    }
    if (b->n_runs == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        sq_lesson_run *r = realloc(b->runs, c * sizeof *r);
        if (!r)
            return false;
        b->runs = r;
        *cap = c;
    }
    b->runs[b->n_runs++] = (sq_lesson_run){start, len, style};
    return true;
}

/* The inline markup of s[0..n) (lines joined by '\n', the first at line):
 * emphasis into runs, escapes taken out, lines joined by a space. */
static sq_status inline_parse(parser *p, sq_lesson_block *b, const char *s, size_t n, int line)
{
    size_t cap = 0, o = 0, run_start = 0;
    uint8_t style = 0;
    int open_line[3] = {0, 0, 0};
    size_t open_at[3] = {0, 0, 0};
    char *t = malloc(n + 1);
    if (!t)
        return oom(p);
    b->text = t;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\n') {
            line++;
            if (o && t[o - 1] != ' ')
                t[o++] = ' ';
            continue;
        }
        if (ch == '\\') {
            if (i + 1 < n && s[i + 1] && strchr("\\*_[]()!#-`<>.+|", s[i + 1])) {
                t[o++] = s[++i];
                continue;
            }
            return perr(p, line,
                        "'\\%c' is no escape: a backslash goes before one of \\ * _ [ ] ( ) ! # - "
                        "` < > . + | (write '\\\\' for a backslash)",
                        i + 1 < n && s[i + 1] != '\n' ? s[i + 1] : ' ');
        }
        if (ch == '*') {
            uint8_t bit = (i + 1 < n && s[i + 1] == '*') ? SQ_LESSON_BOLD : SQ_LESSON_ITALIC;
            if (!run_add(b, &cap, (uint32_t)run_start, (uint32_t)(o - run_start), style))
                return oom(p);
            run_start = o;
            if (style & bit) {
                if (open_at[bit] == o)
                    return perr(p, line, "'%s%s' has nothing between its marks",
                                bit == SQ_LESSON_BOLD ? "**" : "*",
                                bit == SQ_LESSON_BOLD ? "**" : "*");
                style &= (uint8_t)~bit;
            } else {
                style |= bit;
                open_line[bit] = line;
                open_at[bit] = o;
            }
            if (bit == SQ_LESSON_BOLD)
                i++;
            continue;
        }
        if (ch == '!' && i + 1 < n && s[i + 1] == '[')
            return perr(p, line, "a picture ('![...](...)') must be on a line of its own");
        if (ch == ']' && i + 1 < n && s[i + 1] == '(')
            return perr(p, line, "links ('[text](address)') are not part of the markup");
        if (ch == '`')
            return perr(p, line, "code ('`') is not part of the markup (write '\\`' for the mark)");
        if (ch == '<' && i + 1 < n &&
            ((s[i + 1] >= 'a' && s[i + 1] <= 'z') || (s[i + 1] >= 'A' && s[i + 1] <= 'Z') ||
             s[i + 1] == '/' || s[i + 1] == '!'))
            return perr(p, line, "HTML tags are not part of the markup (write '\\<' for the mark)");
        t[o++] = ch;
    }
    if (style & SQ_LESSON_BOLD)
        return perr(p, open_line[SQ_LESSON_BOLD],
                    "'**' is not closed (bold runs to the end of its paragraph at most)");
    if (style & SQ_LESSON_ITALIC)
        return perr(p, open_line[SQ_LESSON_ITALIC],
                    "'*' is not closed (italic runs to the end of its paragraph at most)");
    while (o > run_start && t[o - 1] == ' ')
        o--;
    t[o] = 0;
    if (!run_add(b, &cap, (uint32_t)run_start, (uint32_t)(o - run_start), style))
        return oom(p);
    if (o == 0)
        return perr(p, line, "this %s has no words",
                    b->kind == SQ_LESSON_H1 || b->kind == SQ_LESSON_H2 ? "heading" : "list entry");
    return SQ_OK;
}

/* The block being gathered is complete. */
static sq_status flush(parser *p)
{
    if (!p->kind)
        return SQ_OK;
    if (p->pg->n >= BLOCKS_MAX)
        return perr(p, p->line, "a page has at most %d paragraphs, headings and list entries",
                    BLOCKS_MAX);
    sq_lesson_block *b = new_block(p, p->kind, p->line);
    if (!b)
        return oom(p);
    b->number = p->number;
    sq_status st = inline_parse(p, b, p->raw, p->raw_len, p->line);
    p->kind = 0;
    p->raw_len = 0;
    return st;
}

static sq_status start(parser *p, int kind, int number, int line, const char *s, size_t n)
{
    sq_status st = flush(p);
    if (st)
        return st;
    p->kind = kind;
    p->number = number;
    p->line = line;
    p->raw_len = 0;
    if (!raw_add(p, s, n))
        return oom(p);
    /* A heading is one line: it ends here. */
    if (kind == SQ_LESSON_H1 || kind == SQ_LESSON_H2)
        return flush(p);
    return SQ_OK;
}

static bool starts(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n >= k && memcmp(s, w, k) == 0;
}

/* "![alt](path)" and nothing after it. */
static sq_status image_line(parser *p, const char *s, size_t n, int line)
{
    const char *close = memchr(s, ']', n);
    if (!close || (size_t)(close - s) + 1 >= n || close[1] != '(' || s[n - 1] != ')')
        return perr(p, line,
                    "a picture is written '![what it shows](images/name.png)', alone on "
                    "its line");
    size_t alen = (size_t)(close - s) - 2;
    const char *path = close + 2;
    size_t plen = (size_t)(s + n - 1 - path);
    while (alen && s[2] == ' ') {
        s++;
        alen--;
    }
    while (alen && s[2 + alen - 1] == ' ')
        alen--;
    if (alen == 0)
        return perr(p, line, "a picture needs words saying what it shows: '![...](%.*s)'",
                    (int)(plen > 100 ? 100 : plen), path);
    if (plen == 0 || memchr(path, ' ', plen) || memchr(path, '(', plen) || memchr(path, ')', plen))
        return perr(p, line, "a picture's path must be one word without spaces or brackets");
    if (memchr(s + 2, '*', alen) || memchr(s + 2, '[', alen))
        return perr(p, line, "a picture's description is plain words, without markup");
    sq_status st = flush(p);
    if (st)
        return st;
    if (p->pg->n >= BLOCKS_MAX)
        return perr(p, line, "a page has at most %d paragraphs, headings and list entries",
                    BLOCKS_MAX);
    sq_lesson_block *b = new_block(p, SQ_LESSON_IMAGE, line);
    if (!b || !(b->text = strndup(s + 2, alen)) || !(b->image = strndup(path, plen)))
        return oom(p);
    return SQ_OK;
}

static sq_status one_line(parser *p, const char *s, size_t n, int line)
{
    size_t ind = 0;
    while (ind < n && s[ind] == ' ')
        ind++;
    if (ind == n) /* blank: the end of a paragraph or list entry */
        return flush(p);
    if (memchr(s, '\t', n))
        return perr(p, line, "a tab character: indent with spaces, or not at all");
    if (ind) {
        /* Indented: the rest of a paragraph or list entry, nothing else. */
        if (p->kind == SQ_LESSON_PARA || p->kind == SQ_LESSON_BULLET || p->kind == SQ_LESSON_NUMBER)
            return raw_add(p, s + ind, n - ind) ? SQ_OK : oom(p);
        return perr(p, line,
                    "a line that starts with spaces is not part of the markup here "
                    "(only the next lines of a list entry may be indented)");
    }
    if (s[0] == '#') {
        size_t h = 0;
        while (h < n && s[h] == '#')
            h++;
        if (h > 2)
            return perr(p, line, "'%.*s' headings are not part of the markup: only '# ' and '## '",
                        (int)(h > 6 ? 6 : h), s);
        if (h == n || s[h] != ' ')
            return perr(p, line, "a heading needs a space after '%.*s'", (int)h, s);
        return start(p, h == 1 ? SQ_LESSON_H1 : SQ_LESSON_H2, 0, line, s + h + 1, n - h - 1);
    }
    if (starts(s, n, "- "))
        return start(p, SQ_LESSON_BULLET, 0, line, s + 2, n - 2);
    if (s[0] >= '0' && s[0] <= '9') {
        size_t d = 0;
        int num = 0;
        while (d < n && s[d] >= '0' && s[d] <= '9') {
            if (d < 4)
                num = num * 10 + (s[d] - '0');
            d++;
        }
        if (d + 1 < n && s[d] == '.' && s[d + 1] == ' ') {
            if (d > 3)
                return perr(p, line,
                            "a numbered list counts to 999 at most (a number that starts a "
                            "line of text is written '%.*s\\. ')",
                            (int)(d > 12 ? 12 : d), s);
            return start(p, SQ_LESSON_NUMBER, num, line, s + d + 2, n - d - 2);
        }
    }
    if (starts(s, n, "!["))
        return image_line(p, s, n, line);
    static const struct {
        const char *mark, *what;
    } unknown[] = {
        {">", "quotes ('>')"},
        {"```", "code blocks ('```')"},
        {"~~~", "code blocks ('~~~')"},
        {"|", "tables ('|')"},
        {"* ", "'* ' lists (write '- ')"},
        {"+ ", "'+ ' lists (write '- ')"},
        {"---", "rules ('---')"},
        {"***", "rules ('***')"},
        {"___", "rules ('___')"},
        {"===", "underlined headings ('===')"},
        {"-", "a '-' without a space after it (a list entry is '- ')"},
    };
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++)
        if (starts(s, n, unknown[i].mark))
            return perr(p, line, "%s: not part of the markup", unknown[i].what);
    if (p->kind == SQ_LESSON_PARA || p->kind == SQ_LESSON_BULLET || p->kind == SQ_LESSON_NUMBER)
        return raw_add(p, s, n) ? SQ_OK : oom(p);
    return start(p, SQ_LESSON_PARA, 0, line, s, n);
}

sq_status sq_lesson_parse(const char *text, size_t len, sq_lesson_page **out, int *line,
                          sq_err *err)
{
    parser p = {.err_line = line, .err = err};
    sq_status st = SQ_OK;
    int ln = 1;

    if (line)
        *line = 0;
    if (!out || (!text && len))
        return sqi_seterr(err, SQ_EINVAL, "sq_lesson_parse: no text or no result");
    *out = NULL;
    if (len > SQ_LESSON_PAGE_MAX)
        return perr(&p, 1, "the page is larger than %u KiB", SQ_LESSON_PAGE_MAX >> 10);
    if (memchr(text, '\0', len))
        return perr(&p, 1, "the page contains a NUL character");
    p.pg = calloc(1, sizeof *p.pg);
    if (!p.pg)
        return oom(&p);
    for (size_t i = 0; i < len && st == SQ_OK; ln++) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len, n = e - i;
        if (n && text[i + n - 1] == '\r')
            n--;
        st = one_line(&p, text + i, n, ln);
        i = e + 1;
    }
    if (st == SQ_OK)
        st = flush(&p);
    if (st == SQ_OK && p.pg->n == 0)
        st = perr(&p, 1, "the page is empty");
    free(p.raw);
    if (st != SQ_OK) {
        sq_lesson_page_free(p.pg);
        return st;
    }
    *out = p.pg;
    return SQ_OK;
}

void sq_lesson_page_free(sq_lesson_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->blocks[i].text);
        free(p->blocks[i].runs);
        free(p->blocks[i].image);
    }
    free(p->blocks);
    free(p);
}
