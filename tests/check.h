/*
 * check.h - the tiny assertion kit of Synaq's test programs. A failed
 * check prints file, line, what was expected and what came, counts the
 * failure and goes on; main returns check_report(): 1 when a check failed,
 * 77 (skipped) when none failed but some could not be made here, else 0.
 */
#ifndef SYNAQ_TEST_CHECK_H
#define SYNAQ_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures, check_count, check_skipped;

/* A check this machine cannot make (no tmpfs mounts, no openssl): said,
 * counted, and the program ends with status 77, which CTest reports as
 * skipped (SKIP_RETURN_CODE), unless a check failed. */
#define CHECK_SKIP(...)                                                                          \
    do {                                                                                         \
        check_skipped++;                                                                         \
        printf("SKIP: ");                                                                        \
        printf(__VA_ARGS__);                                                                     \
        printf("\n");                                                                            \
    } while (0)

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        check_count++;                                                                           \
        if (!(cond)) {                                                                           \
            check_failures++;                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);             \
        }                                                                                        \
    } while (0)

#define CHECK_INT(expected, actual)                                                              \
    do {                                                                                         \
        long long e_ = (long long)(expected), a_ = (long long)(actual);                          \
        check_count++;                                                                           \
        if (e_ != a_) {                                                                          \
            check_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, #actual, \
                    e_, a_);                                                                     \
        }                                                                                        \
    } while (0)

#define CHECK_STR(expected, actual)                                                              \
    do {                                                                                         \
        const char *e_ = (expected), *a_ = (actual);                                             \
        check_count++;                                                                           \
        if (!e_ || !a_ || strcmp(e_, a_) != 0) {                                                 \
            check_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__,      \
                    #actual, e_ ? e_ : "(null)", a_ ? a_ : "(null)");                            \
        }                                                                                        \
    } while (0)

#define CHECK_CONTAINS(needle, haystack)                                                         \
    do {                                                                                         \
        const char *n_ = (needle), *h_ = (haystack);                                             \
        check_count++;                                                                           \
        if (!h_ || !strstr(h_, n_)) {                                                            \
            check_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s: expected to contain \"%s\", got \"%s\"\n", __FILE__,     \
                    __LINE__, #haystack, n_, h_ ? h_ : "(null)");                                \
        }                                                                                        \
    } while (0)

/* The status is st and the message holds the phrase. */
#define CHECK_ERR(st, phrase, call, err)                                                         \
    do {                                                                                         \
        int got_ = (int)(call);                                                                  \
        check_count++;                                                                           \
        if (got_ != (int)(st) || !strstr((err)->msg, (phrase))) {                                \
            check_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s: expected status %d with \"%s\", got %d: \"%s\"\n",      \
                    __FILE__, __LINE__, #call, (int)(st), (phrase), got_,                        \
                    got_ ? (err)->msg : "");                                                     \
        }                                                                                        \
    } while (0)

/* The call succeeds; on failure print its message. */
#define CHECK_OK(call, err)                                                                      \
    do {                                                                                         \
        int got_ = (int)(call);                                                                  \
        check_count++;                                                                           \
        if (got_ != 0) {                                                                         \
            check_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s failed (%d): %s\n", __FILE__, __LINE__, #call, got_,     \
                    (err)->msg);                                                                 \
        }                                                                                        \
    } while (0)

static inline int check_report(const char *name)
{
    printf("%s: %d checks, %d failed, %d skipped\n", name, check_count, check_failures,
           check_skipped);
    return check_failures ? 1 : check_skipped ? 77 : 0;
}

#endif
