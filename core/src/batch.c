/*
 * batch.c - what leaves a station and what comes back: batches of sealed
 * results (made, parsed, verified), the numbers they go out under (the
 * seq map), uploads (a heartbeat and a batch, signed), results marked sent,
 * and central's signed acknowledgements (synaq/batch.h, sync/PROTOCOL.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "batch_int.h"
#include "chain_int.h"
#include "codec_int.h"
#include "keys_int.h"
#include "db_int.h"
#include "import_int.h"
#include "mastery_int.h"
#include "util_int.h"

/* ---- batches ---- */

struct sq_batch {
    uint8_t *raw;
    size_t len;
    char station_id[SQ_STATION_ID_MAX + 1];
    char id_hex[33];
    uint8_t id[16];
    int64_t created;
    uint64_t count, plain_len;
    const uint8_t *z;
    size_t z_len;
    /* After verify: */
    uint8_t *plain;
    int64_t *seqs;
    const uint8_t **sealed;
    size_t *sealed_len;
    int verified;
};

/* Where batch making stops adding results: below both the inflate bound
 * and the file bound, since sealed bytes do not compress and zlib adds up
 * to 0.03 % to them (plus the header and signature, a few hundred bytes). */
#define BATCH_CUT_BYTES (SQ_BATCH_MAX_FILE - SQ_BATCH_MAX_FILE / 512)
_Static_assert(BATCH_CUT_BYTES <= SQ_BATCH_MAX_PLAIN, "a batch made must be readable");
_Static_assert(SQ_RESULT_MAX + 20 <= BATCH_CUT_BYTES, "the largest result fits in a batch alone");
_Static_assert(SQ_RESULT_MAX + 1024 <= SQ_UPLOAD_MAX - SQ_UPLOAD_OVERHEAD,
               "the largest result goes over the network alone");

/* The batch id: the station and exactly the results it carries. */
void sqi_batch_id(const char *station_id, const uint8_t *plain, size_t len, uint8_t id[16])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 16);
    crypto_generichash_update(&h, (const uint8_t *)station_id, strlen(station_id) + 1);
    crypto_generichash_update(&h, plain, len);
    crypto_generichash_final(&h, id, 16);
}

/* Practice records of a store from before schema 8 are sealed for central
 * and numbered before anything counts or batches what waits (practice.c;
 * one indexed look when there are none). A failure leaves them for the
 * next time and stops nothing else. */
static void number_old_practice(sq_store *s)
{
    sq_err ignored;
    if (!s->in_tx && sqi_practice_number_open(s, &ignored) != SQ_OK) {
        /* left for the next batch, or the next practice answer */
    }
}

/* ---- the numbers results go out under (the seq map) ---- */

/* The store's seq map, ordered by from_seq: results from from[i] on go
 * out as base[i] + (seq - from[i]), up to the next from; results below
 * the first from go out under their own numbers. A handful of rows at
 * most (one a restore from a copy or a replacement). */
typedef struct {
    size_t n;
    int64_t from[16], base[16];
} seq_map;

static sq_status seq_map_load(sq_store *s, seq_map *m, sq_err *err)
{
    sqlite3_stmt *q;
    m->n = 0;
    sq_status st = sqi_db_prepare(s, "SELECT from_seq, wire_base FROM seq_map ORDER BY from_seq",
                                 &q, err);
    if (st)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && m->n < 16) {
        m->from[m->n] = sqlite3_column_int64(q, 0);
        m->base[m->n] = sqlite3_column_int64(q, 1);
        m->n++;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQ_OK
                                                 : sqi_db_sqlerr(s, rc, "reading the seq map", err);
}

/* The number the station's result seq goes out under. */
static int64_t wire_of(const seq_map *m, int64_t seq)
{
    for (size_t i = m->n; i-- > 0;)
        if (seq >= m->from[i])
            return m->base[i] + (seq - m->from[i]);
    return seq;
}

/* The station's own number of a result that went out as wire; 0 when no
 * result goes out under that number. */
static int64_t seq_of(const seq_map *m, int64_t wire)
{
    if (m->n == 0 || wire < m->from[0])
        return wire;
    for (size_t i = 0; i < m->n; i++) {
        int64_t len = i + 1 < m->n ? m->from[i + 1] - m->from[i] : INT64_MAX - m->base[i];
        if (wire >= m->base[i] && wire - m->base[i] < len)
            return m->from[i] + (wire - m->base[i]);
    }
    return 0;
}

/* The station's own numbers of seqs central names (in place); a number
 * no result goes out under becomes 0, which matches no result. */
static sq_status seqs_from_wire(sq_store *s, const int64_t *in, size_t n, int64_t *out,
                                sq_err *err)
{
    seq_map m;
    sq_status st = seq_map_load(s, &m, err);
    for (size_t i = 0; !st && i < n; i++)
        out[i] = seq_of(&m, in[i]);
    return st;
}

sq_status sq_batch_renumber(sq_store *s, int64_t conflict_seq, int64_t held_max,
                            int64_t *from_seq, int64_t *wire_base, sq_err *err)
{
    seq_map m;
    sqlite3_stmt *q = NULL;
    sq_status st = sqi_db_begin(s, err);
    if (st)
        return st;
    if ((st = seq_map_load(s, &m, err)))
        goto out;
    int64_t local = seq_of(&m, conflict_seq);
    bool pending = false;
    if (local > 0) {
        if ((st = sqi_db_prepare(s, "SELECT sent_wall IS NULL FROM results WHERE seq = ?", &q,
                                err)))
            goto out;
        sqlite3_bind_int64(q, 1, local);
        pending = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        q = NULL;
    }
    if (!pending || held_max < conflict_seq || wire_of(&m, local) > held_max ||
        held_max >= INT64_MAX / 2) {
        st = sqi_seterr(err, SQ_ESTATE,
                       "nothing to renumber: #%lld is no pending result of this station under "
                       "central's numbers up to #%lld",
                       (long long)conflict_seq, (long long)held_max);
        goto out;
    }
    /* From that result on, everything goes out above what central holds;
     * ranges further on are superseded. */
    if ((st = sqi_db_prepare(s, "DELETE FROM seq_map WHERE from_seq >= ?", &q, err)))
        goto out;
    sqlite3_bind_int64(q, 1, local);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    q = NULL;
    if (rc == SQLITE_DONE &&
        (st = sqi_db_prepare(s, "INSERT INTO seq_map(from_seq, wire_base) VALUES (?, ?)", &q,
                            err)) == SQ_OK) {
        sqlite3_bind_int64(q, 1, local);
        sqlite3_bind_int64(q, 2, held_max + 1);
        rc = sqlite3_step(q);
    }
    if (st || rc != SQLITE_DONE) {
        if (!st)
            st = sqi_db_sqlerr(s, rc, "renumbering results", err);
        goto out;
    }
    char detail[300];
    snprintf(detail, sizeof detail,
             "central holds other results under #%lld and up to #%lld: results from #%lld on "
             "go out as #%lld on",
             (long long)conflict_seq, (long long)held_max, (long long)local,
             (long long)held_max + 1);
    st = sqi_chain_audit_append(s, "store", "renumber", "ok", detail, strlen(detail), err);
    if (!st) {
        *from_seq = local;
        *wire_base = held_max + 1;
    }
out:
    sqlite3_finalize(q);
    return sqi_db_end(s, st, err);
}

sq_status sq_batch_make(sq_store *s, int64_t after_seq, int max_results, size_t max_bytes,
                        sq_batch_made *made, sq_err *err)
{
    /* The header and signature of a batch, a few hundred bytes at most,
     * come on top of what its results take. */
    size_t cut = max_bytes == 0 || max_bytes > BATCH_CUT_BYTES ? BATCH_CUT_BYTES
                 : max_bytes > 1024                            ? max_bytes - 1024
                                                               : 1;
    sqlite3_stmt *q;
    sq_buf plain, out;
    uint8_t *z = NULL;
    size_t zlen = 0;
    int n = 0;
    int64_t first = 0, last = 0, local_last = 0;
    memset(made, 0, sizeof *made);
    if (max_results <= 0 || max_results > SQ_BATCH_MAX_RESULTS)
        return sqi_seterr(err, SQ_EINVAL, "a batch holds 1 to %d results, not %d",
                         SQ_BATCH_MAX_RESULTS, max_results);
    number_old_practice(s);
    seq_map m;
    sq_status st = seq_map_load(s, &m, err);
    if (st)
        return st;
    sqi_buf_init(&plain, SQ_BATCH_MAX_PLAIN);
    sqi_buf_init(&out, SQ_BATCH_MAX_FILE);
    if ((st = sqi_db_prepare(s,
                            "SELECT seq, sealed FROM results WHERE sent_wall IS NULL"
                            " AND seq > ? ORDER BY seq LIMIT ?",
                            &q, err))) {
        sqi_buf_free(&plain);
        sqi_buf_free(&out);
        return st;
    }
    sqlite3_bind_int64(q, 1, after_seq);
    sqlite3_bind_int(q, 2, max_results);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        /* A batch stops before the result that would take it past what a
         * reader inflates (two varints of at most 10 bytes each beside
         * the sealed bytes); the first always fits (see result.h), so
         * large results go out in smaller batches rather than never. */
        size_t row_bytes = (size_t)sqlite3_column_bytes(q, 1) + 20;
        if (n > 0 && plain.len + row_bytes > cut)
            break;
        /* Under the number central knows it by (the seq map). */
        local_last = sqlite3_column_int64(q, 0);
        last = wire_of(&m, local_last);
        if (n == 0)
            first = last;
        sqi_buf_varint(&plain, (uint64_t)last);
        sqi_buf_bytes(&plain, sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1));
        n++;
    }
    sqlite3_finalize(q);
    /* SQLITE_ROW: the batch was cut before a result (by bytes). */
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        st = sqi_db_sqlerr(s, rc, "reading results", err);
        goto out;
    }
    if (n == 0)
        goto out;
    if (plain.failed) {
        st = sqi_seterr(err, SQ_ETOOBIG, "results above the batch limit: use fewer per batch");
        goto out;
    }
    if ((st = sqi_z_deflate(plain.p, plain.len, &z, &zlen, err)))
        goto out;
    uint8_t id[16];
    sqi_batch_id(s->station_id, plain.p, plain.len, id);
    sqi_buf_put(&out, "SQBATCH1", 8);
    sqi_buf_u8(&out, 1);
    sqi_buf_put(&out, id, 16);
    sqi_buf_str(&out, s->station_id);
    /* No time in the batch: the same results make the same bytes, so a
     * resend after a lost answer is byte-identical however it was made. */
    sqi_buf_svarint(&out, 0);
    sqi_buf_varint(&out, (uint64_t)n);
    sqi_buf_varint(&out, plain.len);
    sqi_buf_bytes(&out, z, zlen);
    uint8_t sig[64];
    if (out.failed) {
        st = sqi_seterr(err, SQ_ETOOBIG, "batch above %u bytes", SQ_BATCH_MAX_FILE);
        goto out;
    }
    crypto_sign_detached(sig, NULL, out.p, out.len, sqi_station_keys_sign_sk(s->keys));
    sqi_buf_put(&out, sig, 64);
    if (out.failed) {
        st = sqi_seterr(err, SQ_ETOOBIG, "batch above %u bytes", SQ_BATCH_MAX_FILE);
        goto out;
    }
    made->bytes = out.p;
    made->len = out.len;
    out.p = NULL;
    made->count = n;
    sqi_hex_encode(id, 16, made->id);
    made->first_seq = first;
    made->last_seq = last;
    made->next_after = local_last;
out:
    free(z);
    sqi_buf_free(&plain);
    sqi_buf_free(&out);
    return st;
}

sq_status sq_batch_export(sq_store *s, int64_t after_seq, int max_results, const char *out_path,
                          int *count, sq_err *err)
{
    sq_batch_made m;
    sq_status st = sq_batch_make(s, after_seq, max_results, 0, &m, err);
    *count = st ? 0 : m.count;
    if (st == SQ_OK && m.count > 0 &&
        (st = sqi_file_write_atomic(out_path, m.bytes, m.len, 0644, false, err)))
        *count = 0;
    free(m.bytes);
    return st;
}

void sq_batch_free(sq_batch *b)
{
    if (!b)
        return;
    free(b->raw);
    free(b->plain);
    free(b->seqs);
    free(b->sealed);
    free(b->sealed_len);
    free(b);
}

sq_status sq_batch_parse(const uint8_t *buf, size_t len, sq_batch **out, sq_err *err)
{
    if (len > SQ_BATCH_MAX_FILE)
        return sqi_seterr(err, SQ_ETOOBIG, "batch of %zu bytes is above the limit of %u", len,
                         SQ_BATCH_MAX_FILE);
    if (len < 8 + 64 || memcmp(buf, "SQBATCH1", 8) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq batch");
    sq_batch *b = calloc(1, sizeof *b);
    if (!b || !(b->raw = malloc(len))) {
        free(b);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    }
    memcpy(b->raw, buf, len);
    b->len = len;
    sq_rd r;
    sqi_rd_init(&r, b->raw + 8, len - 8 - 64);
    int version = sqi_rd_u8(&r);
    const uint8_t *id = sqi_rd_take(&r, 16);
    sqi_rd_str(&r, b->station_id, SQ_STATION_ID_MAX);
    b->created = sqi_rd_svarint(&r);
    b->count = sqi_rd_varint(&r);
    b->plain_len = sqi_rd_varint(&r);
    b->z = sqi_rd_bytes(&r, SQ_BATCH_MAX_FILE, &b->z_len);
    if (r.failed || version != 1 || r.pos != r.len || b->count == 0 || !b->station_id[0]) {
        sq_batch_free(b);
        return sqi_seterr(err, SQ_ECORRUPT, "batch is damaged or truncated");
    }
    /* No station makes a larger batch: refused before anything is
     * inflated or allocated for its results. */
    if (b->count > SQ_BATCH_MAX_RESULTS) {
        sqi_seterr(err, SQ_ETOOBIG, "batch claims %llu results; a batch holds at most %d",
                  (unsigned long long)b->count, SQ_BATCH_MAX_RESULTS);
        sq_batch_free(b);
        return SQ_ETOOBIG;
    }
    memcpy(b->id, id, 16);
    sqi_hex_encode(b->id, 16, b->id_hex);
    *out = b;
    return SQ_OK;
}

const char *sq_batch_station_id(const sq_batch *b)
{
    return b->station_id;
}

const char *sq_batch_id(const sq_batch *b)
{
    return b->id_hex;
}

uint64_t sq_batch_plain_len(const sq_batch *b)
{
    return b->plain_len;
}

sq_status sq_batch_verify(sq_batch *b, const uint8_t station_sign_pk[32], sq_err *err)
{
    if (crypto_sign_verify_detached(b->raw + b->len - 64, b->raw, b->len - 64, station_sign_pk) !=
        0)
        return sqi_seterr(err, SQ_EAUTH, "batch %s is not signed by station '%s'", b->id_hex,
                         b->station_id);
    if (b->verified)
        return SQ_OK;
    /* A verify that failed after inflating may be tried again: start clean. */
    free(b->plain);
    free(b->seqs);
    free(b->sealed);
    free(b->sealed_len);
    b->plain = NULL;
    b->seqs = NULL;
    b->sealed = NULL;
    b->sealed_len = NULL;
    sq_status st = sqi_z_inflate(b->z, b->z_len, (size_t)b->plain_len, SQ_BATCH_MAX_PLAIN, &b->plain,
                             err);
    if (st)
        return sqi_prefixerr(err, "batch %s", b->id_hex);
    uint8_t id[16];
    sqi_batch_id(b->station_id, b->plain, (size_t)b->plain_len, id);
    if (memcmp(id, b->id, 16) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "batch %s does not carry what its id says", b->id_hex);
    /* Each result takes at least 2 bytes, so count is bounded by the size. */
    if (b->count > b->plain_len / 2)
        return sqi_seterr(err, SQ_ECORRUPT, "batch %s is damaged", b->id_hex);
    b->seqs = calloc((size_t)b->count, sizeof *b->seqs);
    b->sealed = calloc((size_t)b->count, sizeof *b->sealed);
    b->sealed_len = calloc((size_t)b->count, sizeof *b->sealed_len);
    if (!b->seqs || !b->sealed || !b->sealed_len)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    sq_rd r;
    sqi_rd_init(&r, b->plain, (size_t)b->plain_len);
    int64_t prev = 0;
    for (uint64_t i = 0; i < b->count; i++) {
        b->seqs[i] = sqi_rd_i63(&r);
        b->sealed[i] = sqi_rd_bytes(&r, SQ_RESULT_MAX, &b->sealed_len[i]);
        if (r.failed || b->seqs[i] <= prev)
            return sqi_seterr(err, SQ_ECORRUPT, "batch %s is damaged", b->id_hex);
        prev = b->seqs[i];
    }
    if (r.pos != r.len)
        return sqi_seterr(err, SQ_ECORRUPT, "batch %s is damaged", b->id_hex);
    b->verified = 1;
    return SQ_OK;
}

size_t sq_batch_count(const sq_batch *b)
{
    return b->verified ? (size_t)b->count : 0;
}

void sq_batch_result(const sq_batch *b, size_t i, int64_t *seq, const uint8_t **sealed,
                     size_t *len)
{
    *seq = b->seqs[i];
    *sealed = b->sealed[i];
    *len = b->sealed_len[i];
}

/* ---- uploads ---- */

static void heartbeat_encode(const sq_heartbeat *hb, sq_buf *b)
{
    sqi_buf_str(b, hb->software);
    sqi_buf_str(b, hb->content);
    sqi_buf_varint(b, (uint64_t)(hb->pending > 0 ? hb->pending : 0));
    sqi_buf_varint(b, (uint64_t)(hb->oldest_pending_s > 0 ? hb->oldest_pending_s : 0));
    sqi_buf_varint(b, (uint64_t)(hb->disk_free_bytes > 0 ? hb->disk_free_bytes : 0));
    sqi_buf_svarint(b, hb->station_wall_s);
    sqi_buf_varint(b, (uint64_t)(hb->last_seq > 0 ? hb->last_seq : 0));
    sqi_buf_varint(b, (uint64_t)(hb->counter > 0 ? hb->counter : 0));
    sqi_buf_varint(b, hb->integrity);
}

sq_status sq_batch_upload_build(const sq_station_keys *k, const sq_heartbeat *hb, const uint8_t *batch,
                          size_t batch_len, uint8_t **out, size_t *out_len, sq_err *err)
{
    const sq_cert *c = sq_station_keys_cert(k);
    if (!c)
        return sqi_seterr(err, SQ_ESTATE, "the station is not enrolled");
    sq_buf b;
    sqi_buf_init(&b, SQ_UPLOAD_MAX);
    sqi_buf_put(&b, "SQUPLD1", 7);
    sqi_buf_u8(&b, 2);
    sqi_buf_str(&b, c->station_id);
    heartbeat_encode(hb, &b);
    sqi_buf_bytes(&b, batch, batch_len);
    uint8_t sig[64];
    if (!b.failed) {
        crypto_sign_detached(sig, NULL, b.p, b.len, sqi_station_keys_sign_sk(k));
        sqi_buf_put(&b, sig, 64);
    }
    if (b.failed) {
        sqi_buf_free(&b);
        return sqi_seterr(err, SQ_ETOOBIG, "upload above %u bytes", SQ_UPLOAD_MAX);
    }
    *out = b.p;
    *out_len = b.len;
    return SQ_OK;
}

sq_status sq_batch_upload_parse(const uint8_t *buf, size_t len, sq_heartbeat *hb, const uint8_t **batch,
                          size_t *batch_len, sq_err *err)
{
    sq_rd r;
    memset(hb, 0, sizeof *hb);
    if (len > SQ_UPLOAD_MAX)
        return sqi_seterr(err, SQ_ETOOBIG, "upload above %u bytes", SQ_UPLOAD_MAX);
    if (len < 8 + 64 || memcmp(buf, "SQUPLD1", 7) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq upload");
    sqi_rd_init(&r, buf + 7, len - 7 - 64);
    int version = sqi_rd_u8(&r);
    sqi_rd_str(&r, hb->station_id, SQ_STATION_ID_MAX);
    sqi_rd_str(&r, hb->software, sizeof hb->software - 1);
    sqi_rd_str(&r, hb->content, sizeof hb->content - 1);
    hb->pending = sqi_rd_i63(&r);
    hb->oldest_pending_s = sqi_rd_i63(&r);
    hb->disk_free_bytes = sqi_rd_i63(&r);
    hb->station_wall_s = sqi_rd_svarint(&r);
    hb->last_seq = sqi_rd_i63(&r);
    if (version == 1)
        return sqi_seterr(err, SQ_ECORRUPT,
                         "upload of format 1 (the first builds: unsigned acknowledgements, "
                         "heartbeats without a counter); update the station's software");
    hb->counter = sqi_rd_i63(&r);
    uint64_t integrity = sqi_rd_varint(&r);
    hb->integrity = (uint32_t)integrity;
    *batch = sqi_rd_bytes(&r, SQ_BATCH_MAX_FILE, batch_len);
    if (r.failed || version != 2 || r.pos != r.len || !hb->station_id[0] ||
        integrity > UINT32_MAX)
        return sqi_seterr(err, SQ_ECORRUPT, "upload is damaged or truncated");
    if (*batch_len == 0)
        *batch = NULL;
    return SQ_OK;
}

sq_status sq_batch_upload_verify(const uint8_t *buf, size_t len, const uint8_t station_sign_pk[32],
                           sq_err *err)
{
    if (len < 64 ||
        crypto_sign_verify_detached(buf + len - 64, buf, len - 64, station_sign_pk) != 0)
        return sqi_seterr(err, SQ_EAUTH, "upload is not signed by the station's enrolled key");
    return SQ_OK;
}

sq_status sq_batch_heartbeat(sq_store *s, sq_heartbeat *hb, sq_err *err)
{
    sqlite3_stmt *q;
    number_old_practice(s);
    memset(hb, 0, sizeof *hb);
    snprintf(hb->station_id, sizeof hb->station_id, "%s", s->station_id);
    snprintf(hb->software, sizeof hb->software, "%s", sq_version());
    hb->station_wall_s = sqi_db_wall_s(s);
    sq_status st = sqi_db_prepare(s,
                                 "SELECT (SELECT count(*) FROM results WHERE sent_wall IS NULL),"
                                 " (SELECT min(created_wall) FROM results WHERE sent_wall IS NULL),"
                                 " (SELECT value FROM meta WHERE key = 'last_seq')",
                                 &q, err);
    if (st)
        return st;
    if (sqlite3_step(q) == SQLITE_ROW) {
        hb->pending = sqlite3_column_int64(q, 0);
        if (sqlite3_column_type(q, 1) != SQLITE_NULL) {
            int64_t age = hb->station_wall_s - sqlite3_column_int64(q, 1);
            hb->oldest_pending_s = age > 0 ? age : 0;
        }
        hb->last_seq = sqlite3_column_int64(q, 2);
    }
    sqlite3_finalize(q);
    /* Central knows the results by the numbers they go out under. */
    seq_map m;
    if ((st = seq_map_load(s, &m, err)))
        return st;
    if (hb->last_seq > 0)
        hb->last_seq = wire_of(&m, hb->last_seq);
    /* What the store's own checks found: now (low byte) and ever (the
     * next), from the last check, without a new scan per heartbeat. */
    const sq_integrity_report *ir = sq_chain_last(s);
    if (ir)
        hb->integrity = (ir->found.flags & 0xffu) | (ir->on_record.flags & 0xffu) << 8;
    if ((st = sqi_db_prepare(s, "SELECT exam_id, version FROM exams WHERE active = 1 ORDER BY exam_id",
                            &q, err)))
        return st;
    size_t o = 0;
    while (sqlite3_step(q) == SQLITE_ROW && o + 80 < sizeof hb->content)
        o += (size_t)snprintf(hb->content + o, sizeof hb->content - o, "%s%s:%lld", o ? " " : "",
                              (const char *)sqlite3_column_text(q, 0),
                              (long long)sqlite3_column_int64(q, 1));
    sqlite3_finalize(q);
    return SQ_OK;
}

sq_status sq_batch_counts(sq_store *s, int64_t *pending, int64_t *last_seq, sq_err *err)
{
    sqlite3_stmt *q;
    number_old_practice(s);
    sq_status st = sqi_db_prepare(s,
                                 "SELECT (SELECT count(*) FROM results WHERE sent_wall IS NULL),"
                                 " (SELECT value FROM meta WHERE key = 'last_seq')",
                                 &q, err);
    if (st)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        if (pending)
            *pending = sqlite3_column_int64(q, 0);
        if (last_seq)
            *last_seq = sqlite3_column_int64(q, 1);
    } else {
        st = sqi_db_sqlerr(s, rc, "counting results", err);
    }
    sqlite3_finalize(q);
    return st;
}

sq_status sq_batch_mark_sent(sq_store *s, const int64_t *seqs, size_t n, int *marked, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    int count = 0;
    /* The numbers newly marked: the sent log's entry names them, in the
     * same transaction, so a mark without an entry is not ours. */
    int64_t *done = malloc((n ? n : 1) * sizeof *done);
    int64_t *local = malloc((n ? n : 1) * sizeof *local);
    if (!done || !local) {
        free(done);
        free(local);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    }
    sq_status st = sqi_db_begin(s, err);
    if (st) {
        free(done);
        free(local);
        return st;
    }
    if ((st = seqs_from_wire(s, seqs, n, local, err)) ||
        (st = sqi_db_prepare(s,
                            "UPDATE results SET sent_wall = ? WHERE seq = ? AND sent_wall IS NULL",
                            &q, err)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(q, 1, sqi_db_wall_s(s));
        sqlite3_bind_int64(q, 2, local[i]);
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) {
            st = sqi_db_sqlerr(s, rc, "marking results sent", err);
            goto out;
        }
        if (sqlite3_changes(s->db) > 0)
            done[count++] = local[i];
    }
    sqlite3_finalize(q);
    q = NULL;
    /* A practice record's own row shows it sent too (the results row that
     * carried it is what counts: sq_practice_count). */
    if (count > 0 &&
        (st = sqi_db_prepare(s,
                             "UPDATE practice SET sent_wall = ? WHERE rseq = ? AND sent_wall IS NULL",
                             &q, err)))
        goto out;
    for (int i = 0; i < count && !st; i++) {
        sqlite3_bind_int64(q, 1, sqi_db_wall_s(s));
        sqlite3_bind_int64(q, 2, done[i]);
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            st = sqi_db_sqlerr(s, rc, "marking practice records sent", err);
    }
    if (st)
        goto out;
    st = sqi_chain_sent_append(s, done, (size_t)count, err);
    /* A result now sent may have been all that kept an old exam version. */
    if (st == SQ_OK && count > 0)
        st = sqi_import_prune(s, NULL, err);
out:
    sqlite3_finalize(q);
    free(done);
    free(local);
    st = sqi_db_end(s, st, err);
    if (st == SQ_OK && marked)
        *marked = count;
    return st;
}

sq_status sqi_batch_mark_exported(sq_store *s, const int64_t *seqs, size_t n, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    seq_map m;
    sq_status st = sqi_db_begin(s, err);
    if (st)
        return st;
    if ((st = seq_map_load(s, &m, err)) ||
        (st = sqi_db_prepare(s,
                            "UPDATE results SET exported_wall = ? WHERE seq = ? AND sent_wall IS NULL",
                            &q, err)))
        goto out;
    for (size_t i = 0; i < n && !st; i++) {
        sqlite3_bind_int64(q, 1, sqi_db_wall_s(s));
        sqlite3_bind_int64(q, 2, seq_of(&m, seqs[i]));
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            st = sqi_db_sqlerr(s, rc, "noting results exported", err);
    }
out:
    sqlite3_finalize(q);
    return sqi_db_end(s, st, err);
}

/* ---- acknowledgements ---- */

/*
 * Format 2 ("SQACK02", what central writes now):
 *   "SQACK02" u8(2) u8(kind) str(station) str(batch) sha256[32]
 *   varint(n) varint(seq)*n svarint(highest) svarint(held_max)
 *   svarint(conflict_seq) svarint(hb_counter) bytes(delegation) sig[64]
 * The signature covers everything before it and is made by the key the
 * delegation names (central's ack key), or by central's signing key when
 * the delegation is empty. Format 1 ("SQACK01", the first builds' stick
 * files): u8(1) str str sha256 varint(n) seqs sig[64] by the signing key.
 */

#define ACK_MAX_SEQS 100000

sq_status sq_batch_ack_build(const sq_central_keys *k, const sq_ack *ack, uint8_t **out,
                       size_t *out_len, sq_err *err)
{
    const uint8_t *sk, *deleg;
    size_t deleg_len;
    sq_status st = sqi_central_ack_signer(k, &sk, &deleg, &deleg_len, err);
    if (st)
        return st;
    if (ack->n > ACK_MAX_SEQS)
        return sqi_seterr(err, SQ_ETOOBIG, "acknowledgement too large");
    sq_buf b;
    sqi_buf_init(&b, 4u << 20);
    sqi_buf_put(&b, "SQACK02", 7);
    sqi_buf_u8(&b, 2);
    sqi_buf_u8(&b, (uint8_t)ack->kind);
    sqi_buf_str(&b, ack->station_id);
    sqi_buf_str(&b, ack->batch_id);
    sqi_buf_put(&b, ack->sha256, 32);
    sqi_buf_varint(&b, ack->n);
    for (size_t i = 0; i < ack->n; i++)
        sqi_buf_varint(&b, (uint64_t)ack->seqs[i]);
    sqi_buf_svarint(&b, ack->highest);
    sqi_buf_svarint(&b, ack->held_max);
    sqi_buf_svarint(&b, ack->conflict_seq);
    sqi_buf_svarint(&b, ack->hb_counter);
    sqi_buf_bytes(&b, deleg, deleg_len);
    uint8_t sig[64];
    if (!b.failed) {
        crypto_sign_detached(sig, NULL, b.p, b.len, sk);
        sqi_buf_put(&b, sig, 64);
    }
    if (b.failed) {
        sqi_buf_free(&b);
        return sqi_seterr(err, SQ_ETOOBIG, "acknowledgement too large");
    }
    *out = b.p;
    *out_len = b.len;
    return SQ_OK;
}

void sq_batch_ack_free(sq_ack *a)
{
    if (!a)
        return;
    free(a->seqs);
    free(a);
}

/* Reads the seqs of an acknowledgement into a (n of them, bounded). */
static void ack_read_seqs(sq_rd *r, sq_ack *a)
{
    uint64_t n = sqi_rd_varint(r);
    if (r->failed || n > ACK_MAX_SEQS || n > r->len - r->pos) {
        r->failed = true;
        return;
    }
    a->seqs = calloc(n ? n : 1, sizeof *a->seqs);
    if (!a->seqs) {
        r->failed = true;
        return;
    }
    a->n = n;
    for (size_t i = 0; i < a->n; i++)
        a->seqs[i] = sqi_rd_i63(r);
}

sq_status sq_batch_ack_open(const uint8_t *buf, size_t len, const uint8_t central_sign_pk[32],
                      sq_ack **out, sq_err *err)
{
    static const char untrusted[] = "acknowledgement is not signed by the central this station "
                                    "trusts";
    if (len < 8 + 64 || (memcmp(buf, "SQACK01", 7) != 0 && memcmp(buf, "SQACK02", 7) != 0))
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq acknowledgement");
    bool v2 = buf[6] == '2';
    sq_ack *a = calloc(1, sizeof *a);
    if (!a)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    sq_rd r;
    sq_status st;
    sqi_rd_init(&r, buf + 7, len - 7 - 64);
    int version = sqi_rd_u8(&r);
    a->kind = v2 ? sqi_rd_u8(&r) : SQ_ACK_STORED;
    sqi_rd_str(&r, a->station_id, SQ_STATION_ID_MAX);
    sqi_rd_str(&r, a->batch_id, 32);
    const uint8_t *h = sqi_rd_take(&r, 32);
    ack_read_seqs(&r, a);
    const uint8_t *deleg = NULL;
    size_t deleg_len = 0;
    if (v2) {
        a->highest = sqi_rd_svarint(&r);
        a->held_max = sqi_rd_svarint(&r);
        a->conflict_seq = sqi_rd_svarint(&r);
        a->hb_counter = sqi_rd_svarint(&r);
        deleg = sqi_rd_bytes(&r, SQ_DELEGATION_MAX, &deleg_len);
    }
    /* Everything above was read with the bounded reader only, to find
     * the signer; nothing of it is believed until the signature holds. */
    if (r.failed || r.pos != r.len || version != (v2 ? 2 : 1) || !h ||
        (a->kind != SQ_ACK_STORED && a->kind != SQ_ACK_CONFLICT)) {
        st = sqi_seterr(err, SQ_ECORRUPT, "acknowledgement is damaged");
        goto fail;
    }
    uint8_t signer[32];
    memcpy(signer, central_sign_pk, 32);
    if (deleg_len > 0 &&
        (st = sqi_delegation_check(deleg, deleg_len, central_sign_pk, DELEG_ACK, signer, err))) {
        sqi_prefixerr(err, "acknowledgement");
        goto fail;
    }
    if (crypto_sign_verify_detached(buf + len - 64, buf, len - 64, signer) != 0) {
        st = sqi_seterr(err, SQ_EAUTH, "%s", untrusted);
        goto fail;
    }
    if (!a->station_id[0] || a->highest < 0 || a->held_max < 0 || a->conflict_seq < 0 ||
        a->hb_counter < 0) {
        st = sqi_seterr(err, SQ_ECORRUPT, "acknowledgement is damaged");
        goto fail;
    }
    memcpy(a->sha256, h, 32);
    *out = a;
    return SQ_OK;
fail:
    sq_batch_ack_free(a);
    return st;
}
