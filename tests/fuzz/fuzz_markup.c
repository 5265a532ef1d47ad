/*
 * fuzz_markup.c - libFuzzer target: one lesson page's markup as
 * sq_lesson_parse reads it (core/src/markup.c; assets/README.md,
 * "Lessons"). The whole input is the page.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what the
 * kiosk and the source's checks rely on:
 *   - a refused page fills the sq_err (SQ_EINVAL with words, or
 *     SQ_ENOMEM), leaves *out NULL and names a line of the input;
 *   - an accepted page has at least one block, each of a known kind, on a
 *     line of the input, in rising line order; its text is NUL-terminated,
 *     no longer than the input, without a line break; the runs of a text
 *     block are non-empty, of known styles only, and cover its text
 *     exactly, in order, with no two neighbours of one style; a picture
 *     has words and a path and no runs; a numbered entry counts 0 to 999;
 *   - the same input parses the same way twice;
 *   - re-parse stable: the page written back as markup (every mark
 *     escaped, emphasis as the toggles between runs' styles) parses into
 *     the same blocks, texts and runs.
 * A broken invariant aborts, so libFuzzer saves the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synaq/markup.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sq_err err;
    if (sq_init(&err) != SQ_OK) {
        fprintf(stderr, "fuzz_markup: %s\n", err.msg);
        abort();
    }
    return 0;
}

static void broken(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_markup: invariant broken: %s (%s)\n", what, msg ? msg : "");
    abort();
}

/* The marks a backslash makes literal (markup.c's list). */
static const char marks[] = "\\*_[]()!#-`<>.+|";

static void check_page(const sq_lesson_page *pg, size_t len, int lines)
{
    if (!pg || pg->n == 0 || !pg->blocks)
        broken("an accepted page has no blocks", NULL);
    int last_line = 0;
    for (size_t i = 0; i < pg->n; i++) {
        const sq_lesson_block *b = &pg->blocks[i];
        if (b->kind < SQ_LESSON_H1 || b->kind > SQ_LESSON_IMAGE)
            broken("a block of no known kind", NULL);
        if (b->line < 1 || b->line > lines || b->line < last_line)
            broken("a block's line is outside the input or out of order", NULL);
        last_line = b->line;
        if (!b->text)
            broken("a block without text", NULL);
        size_t tl = strlen(b->text);
        if (tl > len || tl == 0)
            broken("a block's text is empty or longer than the input", b->text);
        if (memchr(b->text, '\n', tl))
            broken("a block's text holds a line break", b->text);
        if (b->kind == SQ_LESSON_IMAGE) {
            if (b->n_runs || !b->image || !b->image[0] || strlen(b->image) > len)
                broken("a picture without its path, or with runs", b->text);
            if (b->text[0] == ' ' || b->text[tl - 1] == ' ')
                broken("a picture's words are not trimmed", b->text);
            continue;
        }
        if (b->image)
            broken("a text block with a picture's path", b->text);
        if (b->kind == SQ_LESSON_NUMBER && (b->number < 0 || b->number > 999))
            broken("a numbered entry past 999", b->text);
        if (b->n_runs == 0 || !b->runs)
            broken("a text block without runs", b->text);
        uint32_t at = 0;
        for (size_t r = 0; r < b->n_runs; r++) {
            const sq_lesson_run *run = &b->runs[r];
            if (run->start != at || run->len == 0)
                broken("runs do not follow each other, or one is empty", b->text);
            if (run->style & ~(SQ_LESSON_BOLD | SQ_LESSON_ITALIC))
                broken("a run of no known style", b->text);
            if (r && b->runs[r - 1].style == run->style)
                broken("two neighbouring runs of one style", b->text);
            if ((size_t)run->start + run->len > tl)
                broken("a run outside its text", b->text);
            at += run->len;
        }
        if (at != tl)
            broken("the runs do not cover the text", b->text);
    }
}

static bool same_page(const sq_lesson_page *a, const sq_lesson_page *b, bool lines)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const sq_lesson_block *x = &a->blocks[i], *y = &b->blocks[i];
        if (x->kind != y->kind || x->number != y->number || x->n_runs != y->n_runs ||
            strcmp(x->text, y->text) != 0 || (!x->image != !y->image) ||
            (x->image && strcmp(x->image, y->image) != 0) || (lines && x->line != y->line))
            return false;
        for (size_t r = 0; r < x->n_runs; r++)
            if (x->runs[r].start != y->runs[r].start || x->runs[r].len != y->runs[r].len ||
                x->runs[r].style != y->runs[r].style)
                return false;
    }
    return true;
}

typedef struct {
    char *s;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *t = realloc(b->s, cap);
        if (!t)
            abort();
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

/* The page as markup again: one line a block, a blank line between. */
static void write_page(const sq_lesson_page *pg, buf *out)
{
    for (size_t i = 0; i < pg->n; i++) {
        const sq_lesson_block *b = &pg->blocks[i];
        char head[16];
        if (i)
            put(out, "\n\n", 2);
        switch (b->kind) {
        case SQ_LESSON_IMAGE:
            put(out, "![", 2);
            put(out, b->text, strlen(b->text));
            put(out, "](", 2);
            put(out, b->image, strlen(b->image));
            put(out, ")", 1);
            continue;
        case SQ_LESSON_H1: put(out, "# ", 2); break;
        case SQ_LESSON_H2: put(out, "## ", 3); break;
        case SQ_LESSON_BULLET: put(out, "- ", 2); break;
        case SQ_LESSON_NUMBER:
            snprintf(head, sizeof head, "%d. ", b->number);
            put(out, head, strlen(head));
            break;
        default: break;
        }
        /* Each '*' toggles: "**" bold, "*" italic, so between two runs
         * the marks of the styles that differ, in any order. */
        uint8_t style = 0;
        if (b->kind == SQ_LESSON_PARA && b->runs[0].style == (SQ_LESSON_BOLD | SQ_LESSON_ITALIC)) {
            /* "***" starting a line is a rule: the italic's mark on a line
             * of its own first (lines join with no space before words). */
            put(out, "*\n", 2);
            style = SQ_LESSON_ITALIC;
        }
        for (size_t r = 0; r <= b->n_runs; r++) {
            uint8_t want = r < b->n_runs ? b->runs[r].style : 0;
            if ((style ^ want) & SQ_LESSON_BOLD)
                put(out, "**", 2);
            if ((style ^ want) & SQ_LESSON_ITALIC)
                put(out, "*", 1);
            style = want;
            if (r == b->n_runs)
                break;
            const char *t = b->text + b->runs[r].start;
            for (uint32_t k = 0; k < b->runs[r].len; k++) {
                if (strchr(marks, t[k]))
                    put(out, "\\", 1);
                put(out, t + k, 1);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';

    sq_lesson_page *pg = NULL;
    int line = -1;
    sq_err err;
    memset(&err, 0, sizeof err);
    sq_status st = sq_lesson_parse(text, size, &pg, &line, &err);
    if (st != SQ_OK) {
        if (pg)
            broken("a refused page handed out a result", err.msg);
        if (err.code != st || !memchr(err.msg, 0, sizeof err.msg) || !err.msg[0])
            broken("a refused page did not fill its error", err.msg);
        if (st == SQ_EINVAL && (line < 1 || line > lines))
            broken("a refused page names no line of the input", err.msg);
        if (st != SQ_EINVAL && st != SQ_ENOMEM)
            broken("a refused page with neither SQ_EINVAL nor SQ_ENOMEM", err.msg);
        return 0;
    }
    check_page(pg, size, lines);

    sq_lesson_page *again = NULL;
    if (sq_lesson_parse(text, size, &again, NULL, &err) != SQ_OK || !same_page(pg, again, true))
        broken("the same input parsed two ways", err.msg);
    sq_lesson_page_free(again);

    /* A carriage return at a text's end would be taken for the line's
     * own when written back; such a page is not compared. */
    bool cr = false;
    for (size_t i = 0; i < pg->n && !cr; i++)
        cr = strchr(pg->blocks[i].text, '\r') || (pg->blocks[i].image && strchr(pg->blocks[i].image, '\r'));
    buf w = {0};
    write_page(pg, &w);
    if (!cr && w.n <= SQ_LESSON_PAGE_MAX) {
        sq_lesson_page *back = NULL;
        if (sq_lesson_parse(w.s, w.n, &back, &line, &err) != SQ_OK)
            broken("the page written back is refused", err.msg);
        if (!same_page(pg, back, false))
            broken("the page written back parses into other blocks", w.s);
        sq_lesson_page_free(back);
    }
    free(w.s);
    sq_lesson_page_free(pg);
    return 0;
}
