/*
 * mkupload - writes one signed upload of a station to a file, as its sync
 * daemon would send it, with the heartbeat counter given: for the tests
 * that replay or reorder what a station sent.
 *   mkupload --home DIR --counter N [--batch] -o FILE
 * --batch puts the pending results in (up to 50); without it the upload is
 * a heartbeat alone.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synaq/keys.h"
#include "synaq/batch.h"
#include "synaq/result.h"
#include "synaq/store.h"

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"home", 1, 0, 'H'}, {"counter", 1, 0, 'n'},
                                       {"batch", 0, 0, 'b'}, {"out", 1, 0, 'o'},
                                       {0, 0, 0, 0}};
    const char *home = NULL, *out = NULL;
    long long counter = -1;
    int with_batch = 0, c;
    while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
        if (c == 'H')
            home = optarg;
        else if (c == 'n')
            counter = atoll(optarg);
        else if (c == 'b')
            with_batch = 1;
        else if (c == 'o')
            out = optarg;
        else
            return 2;
    }
    if (!home || !out || counter < 0) {
        fputs("usage: mkupload --home DIR --counter N [--batch] -o FILE\n", stderr);
        return 2;
    }
    char keys[4096], db[4096];
    snprintf(keys, sizeof keys, "%s/station.key", home);
    snprintf(db, sizeof db, "%s/station.db", home);
    sq_err e;
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_heartbeat hb;
    uint8_t *batch = NULL, *up = NULL;
    size_t blen = 0, ulen = 0;
    int count = 0, rc = 1;
    sq_batch_made made = {0};
    if (sq_init(&e) || sq_station_keys_open(keys, NULL, &k, &e) ||
        sq_store_open(db, k, NULL, &s, &e) || sq_batch_heartbeat(s, &hb, &e) ||
        (with_batch && sq_batch_make(s, 0, 50, 0, &made, &e))) {
        fprintf(stderr, "mkupload: %s\n", e.msg);
        goto out;
    }
    batch = made.bytes;
    blen = made.len;
    count = made.count;
    hb.counter = counter;
    if (sq_batch_upload_build(k, &hb, batch, blen, &up, &ulen, &e) ||
        sq_write_file(out, up, ulen, 0644, &e)) {
        fprintf(stderr, "mkupload: %s\n", e.msg);
        goto out;
    }
    printf("%s: upload of %d result(s), heartbeat counter %lld, pending %lld\n", out, count,
           counter, (long long)hb.pending);
    rc = 0;
out:
    sq_free(up);
    sq_free(batch);
    sq_store_close(s);
    sq_station_keys_close(k);
    return rc;
}
