/*
 * fixture.h - a whole small Synaq world in a temp folder for the tests:
 * central's keys, an enrolled station with its store, a fake clock, and
 * bundles built from exam sources given as text.
 */
#ifndef SYNAQ_TEST_FIXTURE_H
#define SYNAQ_TEST_FIXTURE_H

#include "synaq/attempt.h"
#include "synaq/bundle.h"
#include "synaq/chain.h"
#include "synaq/catalog.h"
#include "synaq/import.h"
#include "synaq/examset.h"
#include "synaq/keys.h"
#include "synaq/batch.h"
#include "synaq/result.h"
#include "synaq/store.h"

typedef struct {
    int64_t mono_ms, wall_s;
} fake_clock;

typedef struct {
    char dir[256];
    char central_dir[320], central_pub[352];
    char keys_path[320], db_path[320], cert_path[320], req_path[320];
    sq_central_keys *central;
    sq_station_keys *keys;
    sq_store *store;
    fake_clock fc;
    sq_clock clock;
} fixture;

/* A temp folder, central keys, station station_id enrolled, store open. */
int fx_setup(fixture *f, const char *station_id);
/* Closes and removes everything. */
void fx_teardown(fixture *f);
/* Closes and reopens the store (a restart). */
int fx_reopen(fixture *f);
/* Writes yaml to a source file and builds a bundle of it for the station
 * (and the extra certs), into out. 0 on success. */
int fx_bundle(fixture *f, const char *yaml, const char *out, const char *const *extra_certs,
              size_t n_extra);
/* Enrols one more station (keys and cert under the fixture's folder) with
 * f's central; writes its paths. */
int fx_other_station(fixture *f, const char *station_id, char *keys_path, char *cert_path);
/* A digest of every row of every table of the store at path (32 bytes), to
 * show that something changed nothing. */
int fx_digest(const char *db_path, uint8_t out[32]);
/* Reads a whole file; caller frees. */
uint8_t *fx_read(const char *path, size_t *len);
int fx_write(const char *path, const void *buf, size_t len);
/* A small exam source: n items (single choice, 4 options, the first
 * correct) of one topic, version v. */
char *fx_exam_yaml(const char *id, int version, int n_items, int time_limit_min);

#endif
