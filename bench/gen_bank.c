/*
 * gen_bank.c - synaq-gen-bank: writes a large synthetic exam bank in the
 * exam source format (assets/README.md), for benchmarks and load tests.
 *
 *   synaq-gen-bank --items 10000 --topics 20 --langs kk,ru,en --seed 1 -o bank.yaml
 *   synaq-central bundle check bank.yaml
 *
 * The same options give the same file. The file is written to a temp name
 * beside FILE and renamed, so a failed run leaves no half bank behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"

static int usage(FILE *f)
{
    fputs("usage: synaq-gen-bank --items N [--topics T] [--langs kk,ru,en] [--seed S]\n"
          "                      [--draw K] [--id EXAM_ID] -o FILE\n"
          "  --items N    items in the bank, 1..100000\n"
          "  --topics T   topics, items spread evenly over them (default 10)\n"
          "  --langs L    languages of every text: any of kk,ru,en (default all three)\n"
          "  --seed S     seed; the same options and seed give the same file (default 1)\n"
          "  --draw K     items per attempt, by a blueprint over the topics\n"
          "               (default 50, or N when N < 50; 0: no blueprint, every item)\n"
          "  --id ID      the exam id (default synthetic-bank)\n"
          "  -o FILE      where to write the source ('-': standard output)\n",
          f);
    return f == stdout ? 0 : 2;
}

/* A whole decimal number in lo..hi, or -1 after a message. */
static int parse_num(const char *opt, const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "synaq-gen-bank: %s wants a whole number %lld..%lld, not '%s'\n", opt, lo,
                hi, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    bank_opts o = {.items = 0,
                   .topics = 10,
                   .langs = BANK_KK | BANK_RU | BANK_EN,
                   .seed = 1,
                   .draw = -1,
                   .exam_id = NULL};
    const char *out = NULL;
    long long v;

    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return usage(stdout);
        if (!strcmp(a, "--items")) {
            if (parse_num(a, val, 1, BANK_MAX_ITEMS, &v))
                return 2;
            o.items = (long)v;
        } else if (!strcmp(a, "--topics")) {
            if (parse_num(a, val, 1, BANK_MAX_TOPICS, &v))
                return 2;
            o.topics = (int)v;
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            o.seed = val && *val != '-' ? strtoull(val, &end, 10) : 0;
            if (!val || !*val || *val == '-' || *end || errno) {
                fprintf(stderr, "synaq-gen-bank: --seed wants a whole number 0..2^64-1, not '%s'\n",
                        val ? val : "");
                return 2;
            }
        } else if (!strcmp(a, "--draw")) {
            if (parse_num(a, val, 0, BANK_MAX_ITEMS, &v))
                return 2;
            o.draw = (int)v;
        } else if (!strcmp(a, "--langs")) {
            if (!(o.langs = bank_parse_langs(val))) {
                fprintf(stderr,
                        "synaq-gen-bank: --langs wants a list of kk, ru, en such as"
                        " kk,ru,en, not '%s'\n",
                        val ? val : "");
                return 2;
            }
        } else if (!strcmp(a, "--id")) {
            if (!val)
                return usage(stderr);
            o.exam_id = val;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (!val)
                return usage(stderr);
            out = val;
        } else {
            fprintf(stderr, "synaq-gen-bank: unknown argument '%s'\n", a);
            return usage(stderr);
        }
    }
    if (o.items == 0 || !out)
        return usage(stderr);
    if (o.draw < 0)
        o.draw = o.items < 50 ? (int)o.items : 50;
    const char *why = bank_opts_problem(&o);
    if (why) {
        fprintf(stderr, "synaq-gen-bank: %s\n", why);
        return 2;
    }

    if (!strcmp(out, "-"))
        return bank_write(stdout, &o) || fflush(stdout) ? 1 : 0;

    size_t tmp_len = strlen(out) + 16;
    char *tmp = malloc(tmp_len);
    if (!tmp)
        return 1;
    snprintf(tmp, tmp_len, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "synaq-gen-bank: cannot write %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return 1;
    }
    int rc = bank_write(f, &o);
    long size = rc == 0 ? ftell(f) : -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, out) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "synaq-gen-bank: writing %s failed: %s\n", out, strerror(errno));
        remove(tmp);
        free(tmp);
        return 1;
    }
    free(tmp);
    fprintf(stderr, "synaq-gen-bank: wrote %s: %ld items, %d topics, %ld bytes\n", out, o.items,
            o.topics, size);
    return 0;
}
