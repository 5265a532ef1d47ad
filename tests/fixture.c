/*
 * fixture.c - see fixture.h.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "fixture.h"

static int64_t fc_mono(void *ctx)
{
    return ((fake_clock *)ctx)->mono_ms;
}

static int64_t fc_wall(void *ctx)
{
    return ((fake_clock *)ctx)->wall_s;
}

static int complain(const char *what, const sq_err *e)
{
    fprintf(stderr, "fixture: %s: %s\n", what, e->msg);
    return -1;
}

int fx_setup(fixture *f, const char *station_id)
{
    sq_err e;
    memset(f, 0, sizeof *f);
    if (sq_init(&e))
        return complain("init", &e);
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/synaq-test-XXXXXX", tmp);
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->central_dir, sizeof f->central_dir, "%s/central", f->dir);
    snprintf(f->central_pub, sizeof f->central_pub, "%s/central.pub", f->central_dir);
    snprintf(f->keys_path, sizeof f->keys_path, "%s/station.key", f->dir);
    snprintf(f->db_path, sizeof f->db_path, "%s/station.db", f->dir);
    snprintf(f->cert_path, sizeof f->cert_path, "%s/station.cert", f->dir);
    snprintf(f->req_path, sizeof f->req_path, "%s/station.req", f->dir);
    f->fc.mono_ms = 1000000;
    f->fc.wall_s = 1790000000;
    f->clock.mono_ms = fc_mono;
    f->clock.wall_s = fc_wall;
    f->clock.ctx = &f->fc;
    if (sq_central_keygen(f->central_dir, &e))
        return complain("keygen", &e);
    if (sq_central_open(f->central_dir, SQ_CENTRAL_SIGN | SQ_CENTRAL_RESULTS, &f->central, &e))
        return complain("central open", &e);
    if (sq_station_keys_create(f->keys_path, f->central_pub, NULL, &e) ||
        sq_station_keys_open(f->keys_path, NULL, &f->keys, &e) ||
        sq_station_request_write(f->keys, "test station", f->req_path, &e) ||
        sq_central_enroll(f->central, f->req_path, station_id, "Test district", f->cert_path,
                          NULL, &e) ||
        sq_station_keys_enroll(f->keys, f->cert_path, &e))
        return complain("station", &e);
    if (sq_store_open(f->db_path, f->keys, &f->clock, &f->store, &e))
        return complain("store", &e);
    return 0;
}

int fx_reopen(fixture *f)
{
    sq_err e;
    sq_store_close(f->store);
    f->store = NULL;
    if (sq_store_open(f->db_path, f->keys, &f->clock, &f->store, &e))
        return complain("reopen", &e);
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

void fx_teardown(fixture *f)
{
    sq_store_close(f->store);
    sq_station_keys_close(f->keys);
    sq_central_close(f->central);
    if (f->dir[0] && !getenv("SYNAQ_KEEP_TEST_FILES"))
        nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    memset(f, 0, sizeof *f);
}

uint8_t *fx_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, fp) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(fp);
    if (p) {
        p[n] = 0;
        *len = (size_t)n;
    }
    return p;
}

int fx_write(const char *path, const void *buf, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t w = fwrite(buf, 1, len, fp);
    return fclose(fp) == 0 && w == len ? 0 : -1;
}

int fx_bundle(fixture *f, const char *yaml, const char *out, const char *const *extra_certs,
              size_t n_extra)
{
    sq_err e;
    char src[400];
    static int counter;
    snprintf(src, sizeof src, "%s/source-%d.yaml", f->dir, counter++);
    if (fx_write(src, yaml, strlen(yaml)))
        return -1;
    sq_exam_set *set = sq_exam_set_new();
    const char *certs[16];
    certs[0] = f->cert_path;
    for (size_t i = 0; i < n_extra && i < 15; i++)
        certs[i + 1] = extra_certs[i];
    int rc = 0;
    if (sq_exam_set_load(set, src, &e) ||
        sq_bundle_build(set, f->central, certs, 1 + n_extra, out, &e))
        rc = complain("bundle", &e);
    sq_exam_set_free(set);
    return rc;
}

int fx_other_station(fixture *f, const char *station_id, char *keys_path, char *cert_path)
{
    sq_err e;
    char req[400];
    sq_station_keys *k = NULL;
    snprintf(keys_path, 400, "%s/%s.key", f->dir, station_id);
    snprintf(cert_path, 400, "%s/%s.cert", f->dir, station_id);
    snprintf(req, sizeof req, "%s/%s.req", f->dir, station_id);
    int rc = 0;
    if (sq_station_keys_create(keys_path, f->central_pub, NULL, &e) ||
        sq_station_keys_open(keys_path, NULL, &k, &e) ||
        sq_station_request_write(k, station_id, req, &e) ||
        sq_central_enroll(f->central, req, station_id, "Other district", cert_path, NULL, &e) ||
        sq_station_keys_enroll(k, cert_path, &e))
        rc = complain("other station", &e);
    sq_station_keys_close(k);
    return rc;
}

int fx_digest(const char *db_path, uint8_t out[32])
{
    sqlite3 *db = NULL;
    sqlite3_stmt *tables = NULL;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                           -1, &tables, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char sql[256];
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        crypto_generichash_update(&h, (const uint8_t *)name, strlen(name) + 1);
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY 1, 2", name);
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
            continue;
        while (sqlite3_step(q) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(q); c++) {
                const void *b = sqlite3_column_blob(q, c);
                int n = sqlite3_column_bytes(q, c);
                int t = sqlite3_column_type(q, c);
                crypto_generichash_update(&h, (const uint8_t *)&t, sizeof t);
                if (b)
                    crypto_generichash_update(&h, b, (size_t)n);
            }
        sqlite3_finalize(q);
    }
    sqlite3_finalize(tables);
    sqlite3_close(db);
    crypto_generichash_final(&h, out, 32);
    return 0;
}

char *fx_exam_yaml(const char *id, int version, int n_items, int time_limit_min)
{
    size_t cap = 4096 + (size_t)n_items * 512;
    char *s = malloc(cap);
    size_t len = 0;
    len += (size_t)snprintf(s + len, cap - len,
                            "exam: %s\nversion: %d\ntitle: {kk: Сынақ, ru: Тест, en: Test}\n"
                            "time_limit: %d\npass_mark: 60\nattempts: 2\nshow_score: yes\n"
                            "items:\n",
                            id, version, time_limit_min);
    for (int i = 0; i < n_items; i++)
        len += (size_t)snprintf(
            s + len, cap - len,
            "  - id: q%d\n    type: single\n"
            "    text: {kk: Сұрақ %d қандай?, ru: Вопрос %d какой?, en: Question %d?}\n"
            "    options:\n"
            "      - {kk: Дұрыс %d, ru: Верно %d, en: Right %d, correct: yes}\n"
            "      - {kk: Қате A%d, ru: Неверно A%d, en: Wrong A%d}\n"
            "      - {kk: Қате B%d, ru: Неверно B%d, en: Wrong B%d}\n"
            "      - {kk: Қате C%d, ru: Неверно C%d, en: Wrong C%d}\n",
            i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i);
    return s;
}
