/*
 * cstore_copy.c - cstore_copy.h: summaries of a result store and the copy
 * of one store into another, through the backends' copy functions
 * (cstore_int.h: each_row, load_*). One walk of the source both loads the
 * target and summarises the source, so the two cannot see different
 * rows; the target is then read back inside its own transaction, and kept
 * only when its summary is the source's.
 *
 * Load: a pilot's store, 10^5 to 10^6 results of a few KiB: one pass
 * over the source and one over the target, rows streamed one at a time
 * (nothing held but the row at hand).
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "cstore_copy.h"
#include "cstore_int.h"

_Static_assert(CSTORE_COPY_TABLES == CSTORE_N_TABLES, "the summary counts every table");

const char *cstore_copy_table(int i)
{
    return i >= 0 && i < CSTORE_N_TABLES ? cstore_tables[i].name : "";
}

static sq_status seterr(sq_err *err, sq_status st, const char *msg)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, "%s", msg);
        err->code = st;
    }
    return st;
}

static void put_u64(crypto_hash_sha256_state *h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    crypto_hash_sha256_update(h, b, 8);
}

/* A table's name begins its part of the hash, so that rows cannot move
 * between tables unnoticed. */
static void hash_table(crypto_hash_sha256_state *h, int table)
{
    const char *name = cstore_tables[table].name;
    crypto_hash_sha256_update(h, (const uint8_t *)"T", 1);
    crypto_hash_sha256_update(h, (const uint8_t *)name, strlen(name) + 1);
}

static void hash_row(crypto_hash_sha256_state *h, int table, const cstore_value *v)
{
    const char *kinds = cstore_tables[table].kinds;
    for (int c = 0; kinds[c]; c++) {
        crypto_hash_sha256_update(h, (const uint8_t *)&kinds[c], 1);
        if (kinds[c] == 'i') {
            put_u64(h, (uint64_t)v[c].i);
        } else {
            put_u64(h, (uint64_t)v[c].len);
            if (v[c].len)
                crypto_hash_sha256_update(h, v[c].p, v[c].len);
        }
    }
}

typedef struct {
    crypto_hash_sha256_state h;
    cstore_summary *sum;
    cstore *to; /* NULL: only summarise */
    sq_status st;
    sq_err *err;
} walk_ctx;

static int on_row(void *ctx, int table, const cstore_value *v)
{
    walk_ctx *w = ctx;
    hash_row(&w->h, table, v);
    w->sum->rows[table]++;
    if (w->to && (w->st = w->to->ops->load_row(w->to, table, v, w->err)))
        return 1;
    return 0;
}

/* Walks every table of cs in order into *sum, loading each row into to
 * when it is not NULL. */
static sq_status walk_all(cstore *cs, cstore *to, cstore_summary *sum, sq_err *err)
{
    walk_ctx w = {.sum = sum, .to = to, .st = SQ_OK, .err = err};
    memset(sum, 0, sizeof *sum);
    crypto_hash_sha256_init(&w.h);
    for (int t = 0; t < CSTORE_N_TABLES; t++) {
        hash_table(&w.h, t);
        sq_status st = cs->ops->each_row(cs, t, on_row, &w, err);
        if (w.st)
            return w.st;
        if (st)
            return st;
    }
    crypto_hash_sha256_final(&w.h, sum->sha256);
    return SQ_OK;
}

sq_status cstore_summarise(cstore *cs, cstore_summary *out, sq_err *err)
{
    return walk_all(cs, NULL, out, err);
}

bool cstore_summary_equal(const cstore_summary *a, const cstore_summary *b)
{
    return memcmp(a->rows, b->rows, sizeof a->rows) == 0 &&
           sodium_memcmp(a->sha256, b->sha256, 32) == 0;
}

void cstore_summary_text(const cstore_summary *s, char *out, size_t cap)
{
    size_t n = 0;
    char hex[65];
    if (!cap)
        return;
    out[0] = '\0';
    for (int t = 0; t < CSTORE_N_TABLES && n < cap; t++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s %lld", t ? ", " : "", cstore_tables[t].name,
                              (long long)s->rows[t]);
    sodium_bin2hex(hex, sizeof hex, s->sha256, 32);
    if (n < cap)
        snprintf(out + n, cap - n, "; sha256 %s", hex);
}

sq_status cstore_copy(cstore *from, cstore *to, cstore_summary *out, sq_err *err)
{
    char id_from[300], id_to[300];
    cstore_summary src, back;
    sq_status st;
    if ((st = from->ops->identity(from, id_from, sizeof id_from, err)) ||
        (st = to->ops->identity(to, id_to, sizeof id_to, err)))
        return st;
    if (strcmp(id_from, id_to) == 0)
        return seterr(err, SQ_EINVAL,
                      "the source and the target are the same store; nothing was copied");
    if (from->ops->read_begin && (st = from->ops->read_begin(from, err)))
        return st;
    if ((st = to->ops->load_begin(to, err)))
        goto done;
    if ((st = walk_all(from, to, &src, err)) || (st = to->ops->load_done(to, err)) ||
        (st = walk_all(to, NULL, &back, err)))
        goto fail;
    if (!cstore_summary_equal(&src, &back)) {
        char a[300], b[300];
        cstore_summary_text(&src, a, sizeof a);
        cstore_summary_text(&back, b, sizeof b);
        st = SQ_ECORRUPT;
        if (err) {
            snprintf(err->msg, sizeof err->msg,
                     "the copy read back differs from the source (source: %s; copy: %s); "
                     "nothing was kept",
                     a, b);
            err->code = st;
        }
        goto fail;
    }
    if ((st = to->ops->load_end(to, true, err)))
        goto done;
    if (out)
        *out = src;
    goto done;
fail:
    /* The load's own message is the one to show; rolling back adds none. */
    to->ops->load_end(to, false, NULL);
done:
    if (from->ops->read_end)
        from->ops->read_end(from);
    return st;
}
