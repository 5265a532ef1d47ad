/*
 * mkresults - makes sealed results on a station quickly, for the sync
 * tests and benchmarks: N attempts at the "chaos" exam (tests/sync/
 * chaos-exam.yaml), each answered and finished through the public API.
 *   mkresults --home DIR --count N [--tag T] [--pause-ms MS] [--exam ID]
 *            [--name TRAINEE_NAME] [--answer OPTION_MASK]
 *            [--trainee ID] [--practice N]
 * (--exam: another installed exam than "chaos"; its first item is answered,
 * with the options of --answer, a bit mask, default 1; --name: the
 * trainee's name, default "Сынақ Тест"; --trainee: one trainee id for
 * every attempt instead of TAG-I-TIME; --practice N: also N practice
 * answers (--answer, first tries) by --trainee at the exam, which must
 * have practice, after the attempts; --count 0 makes practice only.)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synaq/attempt.h"
#include "synaq/keys.h"
#include "synaq/practice.h"
#include "synaq/store.h"

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"home", 1, 0, 'H'}, {"count", 1, 0, 'n'}, {"tag", 1, 0, 't'},    {"pause-ms", 1, 0, 'p'},
        {"exam", 1, 0, 'e'}, {"name", 1, 0, 'N'},  {"answer", 1, 0, 'a'}, {"trainee", 1, 0, 'T'},
        {"practice", 1, 0, 'P'}, {0, 0, 0, 0}};
    const char *home = NULL, *tag = "t", *exam = "chaos", *name = "Сынақ Тест", *one = NULL;
    unsigned answer = 1u;
    int count = 0, pause_ms = 0, practice = 0, c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'H')
            home = optarg;
        else if (c == 'n')
            count = atoi(optarg);
        else if (c == 't')
            tag = optarg;
        else if (c == 'p')
            pause_ms = atoi(optarg);
        else if (c == 'e')
            exam = optarg;
        else if (c == 'N')
            name = optarg;
        else if (c == 'a')
            answer = (unsigned)atoi(optarg);
        else if (c == 'T')
            one = optarg;
        else if (c == 'P')
            practice = atoi(optarg);
        else
            return 2;
    }
    if (!home || count < 0 || practice < 0 || count + practice <= 0 || (practice && !one)) {
        fputs("usage: mkresults --home DIR --count N [--tag T] [--pause-ms MS] [--exam ID]\n"
              "                 [--name TRAINEE_NAME] [--answer OPTION_MASK] [--trainee ID]\n"
              "                 [--practice N (with --trainee)]\n",
              stderr);
        return 2;
    }
    char keys[4096], db[4096];
    snprintf(keys, sizeof keys, "%s/station.key", home);
    snprintf(db, sizeof db, "%s/station.db", home);
    sq_err e;
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    if (sq_init(&e) || sq_station_keys_open(keys, NULL, &k, &e) ||
        sq_store_open(db, k, NULL, &s, &e)) {
        fprintf(stderr, "mkresults: %s\n", e.msg);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < count; i++) {
        char trainee[64];
        sq_attempt *a = NULL;
        sq_outcome o;
        if (one)
            snprintf(trainee, sizeof trainee, "%s", one);
        else
            snprintf(trainee, sizeof trainee, "%s-%d-%ld", tag, i, (long)time(NULL));
        if (sq_attempt_start(s, exam, trainee, name, &a, &e) ||
            sq_attempt_answer(a, 0, answer, &e) || sq_attempt_finish(a, &o, &e)) {
            fprintf(stderr, "mkresults: %s\n", e.msg);
            sq_attempt_free(a);
            rc = 1;
            break;
        }
        sq_attempt_free(a);
        if (pause_ms > 0) {
            struct timespec ts = {pause_ms / 1000, (long)(pause_ms % 1000) * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    sq_practice *p = NULL;
    if (rc == 0 && practice > 0 && sq_practice_open(s, exam, one, NULL, &p, &e)) {
        fprintf(stderr, "mkresults: %s\n", e.msg);
        rc = 1;
    }
    for (int i = 0; p && i < practice; i++) {
        sq_practice_feedback fb;
        sq_status st = sq_practice_answer(p, answer, SQ_LANG_EN, &fb, &e);
        sq_practice_feedback_clear(&fb);
        if (st || sq_practice_next(p, &e)) {
            fprintf(stderr, "mkresults: %s\n", e.msg);
            rc = 1;
            break;
        }
    }
    sq_practice_free(p);
    sq_store_close(s);
    sq_station_keys_close(k);
    return rc;
}
