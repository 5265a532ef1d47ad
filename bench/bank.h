/*
 * bank.h - synthetic exam banks for the benchmarks: one exam source in the
 * YAML format of assets/README.md, of any size, with Kazakh, Russian and
 * English texts built from word lists. The same options and seed always
 * give the same bytes.
 *
 * Used by synaq-gen-bank (the command) and bench_core (which builds its
 * 10,000-item bundle from it).
 */
#ifndef SYNAQ_BENCH_BANK_H
#define SYNAQ_BENCH_BANK_H

#include <stdint.h>
#include <stdio.h>

#define BANK_MAX_ITEMS 100000 /* the most items an exam may have (core/src/exam.c) */
#define BANK_MAX_TOPICS 999

/* Language bits of bank_opts.langs, in the order of SQ_LANG_*. */
enum { BANK_KK = 1, BANK_RU = 2, BANK_EN = 4 };

typedef struct {
    long items;     /* 1..BANK_MAX_ITEMS */
    int topics;     /* 1..BANK_MAX_TOPICS, at most items */
    unsigned langs; /* BANK_KK | BANK_RU | BANK_EN, at least one */
    uint64_t seed;
    int draw;            /* items per attempt, split over the topics by a
                            blueprint; 0: no blueprint (every item) */
    const char *exam_id; /* NULL: "synthetic-bank" */
} bank_opts;

/* Why o cannot make a valid source, or NULL when it can. Static string. */
const char *bank_opts_problem(const bank_opts *o);

/* Parses "kk,ru,en" (any non-empty subset, any order) into BANK_* bits;
 * 0 on anything else. */
unsigned bank_parse_langs(const char *list);

/* Writes the source to f. Returns 0, or -1 when o is not valid or a write
 * failed (errno tells which). Borrows f; does not close it. */
int bank_write(FILE *f, const bank_opts *o);

#endif
