/*
 * markup.h - the markup of a lesson page (markup.c; assets/README.md,
 * "Lessons"): a small, strict subset of Markdown parsed into blocks and
 * styled runs. Used by the source's checks, the bundle's and the kiosk.
 *
 * Memory: a parsed page is the caller's (sq_lesson_page_free).
 */
#ifndef SYNAQ_MARKUP_H
#define SYNAQ_MARKUP_H

#include <stddef.h>
#include <stdint.h>
#include "synaq.h"

/* The largest page, in bytes of markup, in any one language. */
#define SQ_LESSON_PAGE_MAX (64u << 10)
/* The most pages of one topic. */
#define SQ_LESSON_PAGES_MAX 200

typedef enum {
    SQ_LESSON_H1 = 1, /* "# " */
    SQ_LESSON_H2,     /* "## " */
    SQ_LESSON_PARA,   /* lines between blank lines */
    SQ_LESSON_BULLET, /* "- " */
    SQ_LESSON_NUMBER, /* "1. " */
    SQ_LESSON_IMAGE   /* "![description](images/x.png)", on a line of its own */
} sq_lesson_kind;

enum { SQ_LESSON_BOLD = 1, SQ_LESSON_ITALIC = 2 };

/* A stretch of a block's text in one style: text[start .. start + len). */
typedef struct {
    uint32_t start, len;
    uint8_t style; /* SQ_LESSON_BOLD | SQ_LESSON_ITALIC */
} sq_lesson_run;

typedef struct {
    sq_lesson_kind kind;
    int number;          /* SQ_LESSON_NUMBER: the number written */
    int line;            /* 1-based, in the page's text */
    char *text;          /* the words, markup taken out (an image: its description) */
    sq_lesson_run *runs; /* cover text in order (none for an image) */
    size_t n_runs;
    char *image; /* SQ_LESSON_IMAGE: the path as written */
} sq_lesson_block;

typedef struct {
    sq_lesson_block *blocks;
    size_t n;
} sq_lesson_page;

/* Parses one page of markup. On a mistake: SQ_EINVAL, *line (may be
 * NULL) the 1-based line of the page where it is, and err the problem
 * without a place ("'**' is not closed"); the caller adds the file and
 * its line. A page with nothing on it is a mistake too. */
sq_status sq_lesson_parse(const char *text, size_t len, sq_lesson_page **out, int *line,
                          sq_err *err) SQ_MUST_CHECK;
void sq_lesson_page_free(sq_lesson_page *p);

#endif
