/*
 * mkresults - makes sealed results on a station quickly, for the sync
 * tests and benchmarks: N attempts at the "chaos" exam (tests/sync/
 * chaos-exam.yaml), each answered and finished through the public API.
 *   mkresults --home DIR --count N [--tag T] [--pause-ms MS] [--exam ID]
 *            [--name TRAINEE_NAME] [--answer OPTION_MASK]
 * (--exam: another installed exam than "chaos"; its first item is answered,
 * with the options of --answer, a bit mask, default 1; --name: the
 * trainee's name, default "Сынақ Тест".)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synaq/attempt.h"
#include "synaq/keys.h"
#include "synaq/store.h"

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"home", 1, 0, 'H'}, {"count", 1, 0, 'n'}, {"tag", 1, 0, 't'},    {"pause-ms", 1, 0, 'p'},
        {"exam", 1, 0, 'e'}, {"name", 1, 0, 'N'},  {"answer", 1, 0, 'a'}, {0, 0, 0, 0}};
    const char *home = NULL, *tag = "t", *exam = "chaos", *name = "Сынақ Тест";
    unsigned answer = 1u;
    int count = 0, pause_ms = 0, c;
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
        else
            return 2;
    }
    if (!home || count <= 0) {
        fputs("usage: mkresults --home DIR --count N [--tag T] [--pause-ms MS] [--exam ID]\n"
              "                 [--name TRAINEE_NAME] [--answer OPTION_MASK]\n",
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
    sq_store_close(s);
    sq_station_keys_close(k);
    return rc;
}
